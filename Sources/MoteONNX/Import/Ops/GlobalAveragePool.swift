import MoteIR

enum GlobalAveragePoolImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let x = try ctx.floatInput(node, 0)
        try ctx.emit(node, .globalAveragePool, inputs: [x])
    }
}
