import MoteIR

/// ConstantOfShape: a constant shape input filled with the one value of the `value` attribute (default 0.0).
enum ConstantOfShapeImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let shape = try ctx.constantInts(node, 0, "the shape")
        guard shape.allSatisfy({ $0 >= 0 }), let count = Shape.checkedCount(shape) else {
            throw node.failure("shape \(Shape.describe(shape)) is invalid or too large")
        }
        var fill = TensorData(floats: [0], shape: [1])
        if let t = try node.tensor("value") {
            do { fill = try t.data() } catch let d as Diagnostic { throw node.failure(d.message) }
            guard fill.count == 1 else { throw node.failure("value must hold exactly one element") }
        }
        let storage: TensorData.Storage = fill.isFloat
            ? .floats([Float](repeating: fill.floats[0], count: count))
            : .ints([Int64](repeating: fill.ints[0], count: count))
        try ctx.defineConstant(node, TensorData(dtype: fill.dtype, shape: shape, storage: storage))
    }
}
