import MoteIR

/// Identity: the output is the input.
enum IdentityImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        ctx.alias(node, to: try ctx.input(node, 0))
    }
}
