import MoteIR

/// ReduceMean: axes are an attribute before opset 18 and an optional input from 18 on. No axes means all
/// axes, unless noop_with_empty_axes = 1 (then the op is the identity).
enum ReduceMeanImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let x = try ctx.floatInput(node, 0)
        let rank = ctx.type(x).rank
        let given: [Int]?
        if ctx.opset < 18 { given = try node.ints("axes") } else {
            given = ctx.hasInput(node, 1) ? try ctx.constantInts(node, 1, "axes") : nil
        }
        let keepDims = try node.bool("keepdims", default: true)
        if given?.isEmpty ?? true, try node.bool("noop_with_empty_axes", default: false) {
            ctx.alias(node, to: x)
            return
        }
        let axes = try Reshaping.axes(node, given.flatMap { $0.isEmpty ? nil : $0 } ?? Array(0..<rank), rank: rank).sorted()
        try ctx.emit(node, .reduceMean(axes: axes, keepDims: keepDims), inputs: [x])
    }
}
