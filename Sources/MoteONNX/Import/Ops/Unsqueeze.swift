import MoteIR

/// Unsqueeze: axes (attribute before opset 13, input from 13) index the output shape.
enum UnsqueezeImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let x = try ctx.input(node, 0)
        let shape = ctx.type(x).shape
        let given: [Int]
        if ctx.opset < 13 {
            guard let a = try node.ints("axes") else { throw node.failure("attribute 'axes' is required") }
            given = a
        } else {
            given = try ctx.constantInts(node, 1, "axes")
        }
        let rank = shape.count + given.count
        let axes = try Reshaping.axes(node, given, rank: rank)
        var out: [Int] = []
        var rest = shape.makeIterator()
        for d in 0..<rank { out.append(axes.contains(d) ? 1 : rest.next() ?? 1) }
        try Reshaping.reshape(node, x, to: out, &ctx)
    }
}
