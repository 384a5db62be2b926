import MoteIR

/// Div with numpy broadcasting.
enum DivImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        try Elementwise.binary(.div, node, &ctx)
    }
}
