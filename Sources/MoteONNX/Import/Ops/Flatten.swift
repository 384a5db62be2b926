import MoteIR

/// Flatten to 2-D at `axis` (default 1; negative from opset 11).
enum FlattenImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let x = try ctx.input(node, 0)
        let shape = ctx.type(x).shape
        let axis = try node.int("axis", default: 1)
        let a = axis < 0 ? axis + shape.count : axis
        guard a >= 0, a <= shape.count else { throw node.failure("axis \(axis) is out of range for rank \(shape.count)") }
        try Reshaping.reshape(node, x, to: [shape[..<a].reduce(1, *), shape[a...].reduce(1, *)], &ctx)
    }
}
