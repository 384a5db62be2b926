import MoteIR

/// Mul with numpy broadcasting.
enum MulImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        try Elementwise.binary(.mul, node, &ctx)
    }
}
