import MoteIR

/// Cast: folded on constants; on computed tensors only float32 → float32 (a no-op) is accepted.
enum CastImporter: OpImporter {
    static func check(_ node: ONNXNode, opset: Int) throws {
        guard let to = try node.int("to") else { throw node.failure("attribute 'to' is required") }
        guard let type = ONNXDataType(rawValue: Int32(clamping: to)), let dtype = type.dtype, dtype != .string else {
            throw node.failure("cast to type #\(to) is not supported")
        }
    }

    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let x = try ctx.input(node, 0)
        let to = try node.int("to", default: 0)
        guard let dtype = ONNXDataType(rawValue: Int32(clamping: to))?.dtype else { throw node.failure("cast to type #\(to) is not supported") }
        if let c = ctx.constant(x) {
            let storage: TensorData.Storage
            switch dtype {
            case .bool: storage = .ints(c.floats.map { $0 != 0 ? 1 : 0 })
            case let t where t.isFloatingPoint: storage = .floats(c.floats)
            default: storage = .ints(c.ints)
            }
            try ctx.defineConstant(node, TensorData(dtype: dtype, shape: c.shape, storage: storage))
            return
        }
        guard dtype == .float32, ctx.type(x).dtype == .float32 else {
            throw node.failure("Cast of a computed tensor to \(dtype.rawValue) is not supported")
        }
        ctx.alias(node, to: x)
    }
}
