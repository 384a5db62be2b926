import MoteIR

/// Gemm: Y = alpha · op(A) · op(B) + beta · C.
enum GemmImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let a = try ctx.floatInput(node, 0)
        let b = try ctx.floatInput(node, 1)
        // C is optional from opset 11 on; before that it is required, but accept its absence anyway.
        let c = ctx.hasInput(node, 2) ? try ctx.floatInput(node, 2) : nil
        let attributes = GemmAttributes(alpha: try node.float("alpha", default: 1), beta: try node.float("beta", default: 1),
                                        transA: try node.bool("transA", default: false),
                                        transB: try node.bool("transB", default: false))
        try ctx.emit(node, .gemm(attributes), inputs: [a, b] + (c.map { [$0] } ?? []))
    }
}
