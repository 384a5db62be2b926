import MoteIR

/// Pad in constant mode. Pads and value are attributes before opset 11 and inputs from 11 on (plus the
/// optional `axes` input from opset 18); they must be known at compile time.
enum PadImporter: OpImporter {
    static func check(_ node: ONNXNode, opset: Int) throws {
        let mode = try node.string("mode") ?? "constant"
        guard mode == "constant" else { throw node.failure("mode '\(mode)' is not supported (only 'constant')") }
    }

    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let x = try ctx.floatInput(node, 0)
        let rank = ctx.type(x).rank
        var pads: [Int]
        var value: Float = 0
        if ctx.opset < 11 {
            guard let p = try node.ints("pads") else { throw node.failure("attribute 'pads' is required") }
            pads = p
            value = try node.float("value", default: 0)
        } else {
            pads = try ctx.constantInts(node, 1, "pads")
            if ctx.hasInput(node, 2) {
                let v = try ctx.constantInput(node, 2, "constant_value")
                guard v.count == 1 else { throw node.failure("constant_value must hold one value") }
                value = v.floats[0]
            }
            if ctx.hasInput(node, 3) {
                // Pads given for a subset of axes: scatter them into a full begin…/end… list.
                let axes = try Reshaping.axes(node, try ctx.constantInts(node, 3, "axes"), rank: rank)
                guard pads.count == 2 * axes.count else {
                    throw node.failure("pads has \(pads.count) entries for \(axes.count) axes")
                }
                var full = [Int](repeating: 0, count: 2 * rank)
                for (k, a) in axes.enumerated() {
                    full[a] = pads[k]
                    full[a + rank] = pads[k + axes.count]
                }
                pads = full
            }
        }
        guard pads.count == 2 * rank else { throw node.failure("pads has \(pads.count) entries, expected \(2 * rank)") }
        if pads.allSatisfy({ $0 == 0 }) {
            ctx.alias(node, to: x)
            return
        }
        try ctx.emit(node, .pad(PadAttributes(pads: pads, value: value)), inputs: [x])
    }
}
