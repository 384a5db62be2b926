import MoteIR

/// AveragePool (pads, strides, ceil_mode, count_include_pad, dilations from opset 19).
enum AveragePoolImporter: OpImporter {
    static func check(_ node: ONNXNode, opset: Int) throws { try Pooling.check(node) }

    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let x = try ctx.floatInput(node, 0)
        let attributes = try Pooling.attributes(node, ctx.type(x),
                                                countIncludePad: try node.bool("count_include_pad", default: false))
        try ctx.emit(node, .averagePool(attributes), inputs: [x])
    }
}
