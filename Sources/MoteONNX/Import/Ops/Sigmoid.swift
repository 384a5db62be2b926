import MoteIR

enum SigmoidImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        try Elementwise.activation(.sigmoid, node, &ctx)
    }
}
