import MoteIR

/// MaxPool (pads, strides, dilations, ceil_mode). The optional Indices output is not computed.
enum MaxPoolImporter: OpImporter {
    static func check(_ node: ONNXNode, opset: Int) throws { try Pooling.check(node) }

    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let x = try ctx.floatInput(node, 0)
        let attributes = try Pooling.attributes(node, ctx.type(x), countIncludePad: false)
        try ctx.emit(node, .maxPool(attributes), inputs: [x])
    }
}
