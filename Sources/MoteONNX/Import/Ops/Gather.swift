import MoteIR

/// Gather on constants only (the shape arithmetic exporters emit); a computed Gather is refused.
enum GatherImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let data = try ctx.constantInput(node, 0, "data (Mote folds Gather only on constants)")
        let indices = try ctx.constantInts(node, 1, "indices")
        let rank = data.shape.count
        let axisAttr = try node.int("axis", default: 0)
        guard let axis = Shape.normalizeAxis(axisAttr, rank: rank) else {
            throw node.failure("axis \(axisAttr) is out of range for rank \(rank)")
        }
        let n = data.shape[axis]
        let indexShape = try ctx.type(ctx.input(node, 1)).shape
        let outer = data.shape[..<axis].reduce(1, *)
        let inner = data.shape[(axis + 1)...].reduce(1, *)
        var flat: [Int] = []
        for o in 0..<outer {
            for raw in indices {
                let i = raw < 0 ? raw + n : raw
                guard i >= 0, i < n else { throw node.failure("index \(raw) is out of range for axis of size \(n)") }
                for k in 0..<inner { flat.append((o * n + i) * inner + k) }
            }
        }
        let shape = Array(data.shape[..<axis]) + indexShape + Array(data.shape[(axis + 1)...])
        try ctx.defineConstant(node, ConstantFolding.gather(data, flat: flat, shape: shape))
    }
}
