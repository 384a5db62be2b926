import MoteIR

/// Slice on constants only: PyTorch's exporter computes Pad's pads with a reversing Slice (step −1) that it
/// leaves unfolded. Starts/ends/axes are attributes before opset 10 and inputs (plus steps) from 10 on.
enum SliceImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let data = try ctx.constantInput(node, 0, "data (Mote folds Slice only on constants)")
        let rank = data.shape.count
        let starts: [Int], ends: [Int], axesGiven: [Int]?, stepsGiven: [Int]?
        if ctx.opset < 10 {
            guard let s = try node.ints("starts"), let e = try node.ints("ends") else {
                throw node.failure("attributes 'starts' and 'ends' are required")
            }
            (starts, ends, axesGiven, stepsGiven) = (s, e, try node.ints("axes"), nil)
        } else {
            starts = try ctx.constantInts(node, 1, "starts", clamping: true)
            ends = try ctx.constantInts(node, 2, "ends", clamping: true)
            axesGiven = ctx.hasInput(node, 3) ? try ctx.constantInts(node, 3, "axes") : nil
            stepsGiven = ctx.hasInput(node, 4) ? try ctx.constantInts(node, 4, "steps", clamping: true) : nil
        }
        let axes = try Reshaping.axes(node, axesGiven ?? Array(0..<starts.count), rank: rank)
        let steps = stepsGiven ?? [Int](repeating: 1, count: starts.count)
        guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count else {
            throw node.failure("starts, ends, axes and steps differ in length")
        }
        // Per axis, the selected source indices (numpy slicing rules, clamped).
        var picks = data.shape.map { Array(0..<$0) }
        for (k, axis) in axes.enumerated() {
            let n = data.shape[axis], step = steps[k]
            guard step != 0 else { throw node.failure("step 0 on axis \(axis)") }
            func clampIndex(_ v: Int, _ lo: Int, _ hi: Int) -> Int { min(max(v < 0 ? v + n : v, lo), hi) }
            var indices: [Int] = []
            if step > 0 {
                var i = clampIndex(starts[k], 0, n)
                let end = clampIndex(ends[k], 0, n)
                while i < end { indices.append(i); i += step }
            } else {
                var i = clampIndex(starts[k], 0, n - 1)
                let end = clampIndex(ends[k], -1, n - 1)
                while i > end { indices.append(i); i += step }
            }
            picks[axis] = indices
        }
        let shape = picks.map(\.count)
        guard let count = Shape.checkedCount(shape) else { throw node.failure("slice result is too large") }
        let strides = Shape.strides(data.shape)
        var flat = [Int](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: rank)
        for f in 0..<count {
            var src = 0
            for d in 0..<rank { src += picks[d][index[d]] * strides[d] }
            flat[f] = src
            var d = rank - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        try ctx.defineConstant(node, ConstantFolding.gather(data, flat: flat, shape: shape))
    }
}
