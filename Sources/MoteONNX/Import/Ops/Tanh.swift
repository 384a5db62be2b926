import MoteIR

enum TanhImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        try Elementwise.activation(.tanh, node, &ctx)
    }
}
