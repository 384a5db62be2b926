import MoteIR

/// Softmax: before opset 13 the input is coerced to 2-D at `axis` (default 1); from 13 on, softmax runs along
/// `axis` alone (default −1).
enum SoftmaxImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let x = try ctx.floatInput(node, 0)
        let rank = ctx.type(x).rank
        let legacy = ctx.opset < 13
        let axis = try node.int("axis", default: legacy ? 1 : -1)
        guard let a = Shape.normalizeAxis(axis, rank: max(rank, 1)) else {
            throw node.failure("axis \(axis) is out of range for rank \(rank)")
        }
        try ctx.emit(node, .softmax(SoftmaxAttributes(axis: a, coerceTo2D: legacy)), inputs: [x])
    }
}
