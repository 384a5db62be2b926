import MoteIR

/// Sub with numpy broadcasting.
enum SubImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        try Elementwise.binary(.sub, node, &ctx)
    }
}
