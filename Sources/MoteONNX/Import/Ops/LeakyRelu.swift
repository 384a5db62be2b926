import MoteIR

/// LeakyRelu: x < 0 ? alpha·x : x (alpha defaults to 0.01).
enum LeakyReluImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        try Elementwise.activation(.leakyRelu(alpha: try node.float("alpha", default: 0.01)), node, &ctx)
    }
}
