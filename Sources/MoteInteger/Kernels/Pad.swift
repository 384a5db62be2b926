import MoteIR

/// Constant padding, where negative pads crop: output[i] = input[i − padsBegin] where that index is inside the
/// input, `value` elsewhere. Mirrors TFLite's `PadImpl` (reference/pad.h) generalised to crops and rank ≤ 6.
/// C twin: `mote_pad.c`.
enum PadKernel {
    static func run(_ p: QPad, _ input: [Int8]) -> [Int8] {
        let rank = p.inShape.count
        let inStrides = Shape.strides(p.inShape)
        let total = Shape.count(p.outShape)
        var output = [Int8](repeating: p.value, count: total)
        guard total > 0 else { return output }
        var counter = [Int](repeating: 0, count: rank)
        for o in 0..<total {
            var offset = 0
            var inside = true
            for d in 0..<rank {
                let i = counter[d] - p.padsBegin[d]
                if i < 0 || i >= p.inShape[d] { inside = false; break }
                offset += i * inStrides[d]
            }
            if inside { output[o] = input[offset] }
            // Next output index, row-major.
            var d = rank - 1
            while d >= 0 {
                counter[d] += 1
                if counter[d] < p.outShape[d] { break }
                counter[d] = 0
                d -= 1
            }
        }
        return output
    }
}
