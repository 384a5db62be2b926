import MoteIR

/// Add with numpy broadcasting.
enum AddImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        try Elementwise.binary(.add, node, &ctx)
    }
}
