import MoteIR

/// HardSwish (opset 14): x · max(0, min(1, x/6 + 1/2)).
enum HardSwishImporter: OpImporter {
    static var opsets: ClosedRange<Int> { 14...ONNXImport.supportedOpsets.upperBound }

    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        try Elementwise.activation(.hardSwish, node, &ctx)
    }
}
