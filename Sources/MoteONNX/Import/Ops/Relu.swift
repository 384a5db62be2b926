import MoteIR

enum ReluImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        try Elementwise.activation(.relu, node, &ctx)
    }
}
