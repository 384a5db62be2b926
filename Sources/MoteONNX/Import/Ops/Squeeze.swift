import MoteIR

/// Squeeze: axes from the attribute (before opset 13) or the optional input; none means every size-1 axis.
enum SqueezeImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let x = try ctx.input(node, 0)
        let shape = ctx.type(x).shape
        let given: [Int]?
        if ctx.opset < 13 { given = try node.ints("axes") } else {
            given = ctx.hasInput(node, 1) ? try ctx.constantInts(node, 1, "axes") : nil
        }
        let axes = try given.map { try Reshaping.axes(node, $0, rank: shape.count) } ?? shape.indices.filter { shape[$0] == 1 }
        for a in axes where shape[a] != 1 {
            throw node.failure("cannot squeeze axis \(a) of size \(shape[a])")
        }
        let out = shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
        try Reshaping.reshape(node, x, to: out, &ctx)
    }
}
