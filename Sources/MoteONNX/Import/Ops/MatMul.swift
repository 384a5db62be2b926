import MoteIR

/// MatMul with numpy semantics.
enum MatMulImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let a = try ctx.floatInput(node, 0)
        let b = try ctx.floatInput(node, 1)
        try ctx.emit(node, .matMul, inputs: [a, b])
    }
}
