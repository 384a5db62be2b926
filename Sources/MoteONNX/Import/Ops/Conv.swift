import MoteIR

/// Conv (1-D, 2-D, 3-D; groups incl. depthwise; pads, strides, dilations, auto_pad).
enum ConvImporter: OpImporter {
    static func check(_ node: ONNXNode, opset: Int) throws {
        try WindowAttributes.checkAutoPad(node)
        if let g = try node.int("group"), g < 1 { throw node.failure("group must be ≥ 1, got \(g)") }
    }

    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let x = try ctx.floatInput(node, 0)
        let w = try ctx.floatInput(node, 1)
        let b = ctx.hasInput(node, 2) ? try ctx.floatInput(node, 2) : nil
        let xt = ctx.type(x), wt = ctx.type(w)
        guard xt.rank >= 3, wt.rank == xt.rank else {
            throw node.failure("input \(Shape.describe(xt.shape)) and weight \(Shape.describe(wt.shape)) must both be [N, C, spatial…]")
        }
        let kernel = try node.ints("kernel_shape") ?? Array(wt.shape[2...])
        let window = try WindowAttributes.resolve(node, spatial: Array(xt.shape[2...]), kernel: kernel)
        let attributes = ConvAttributes(kernel: window.kernel, strides: window.strides, dilations: window.dilations,
                                        pads: window.pads, group: try node.int("group", default: 1))
        try ctx.emit(node, .conv(attributes), inputs: [x, w] + (b.map { [$0] } ?? []))
    }
}
