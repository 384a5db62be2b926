import MoteIR

/// Softmax along the middle axis of [outer, axis, inner] with a per-layer exponential table, output scale 1/256
/// and zero point −128 (TFLite's fixed int8 softmax output encoding). C twin: `mote_softmax.c`.
///
/// For each (outer, inner) column: max over the axis; e = expTable[max − x] (≈ exp(−s·d)·2^16, so e[0] is
/// 65536); sum = Σ e in uint32; out = clamp((e·256 + sum/2) / sum − 128, −128, 127) — e/sum·256 rounded half
/// up. Validation keeps every entry ≤ 65536 and the axis ≤ 65535, so the sum fits in 32 bits and so does
/// e·256 + sum/2 (the QModel contract allows uint64 there; 32 bits give the same quotient and spare the target
/// a 64-bit division), and entry 0 ≥ 1, so the sum (which includes the max's own entry) is never 0.
enum SoftmaxKernel {
    static func run(_ p: QSoftmax, _ input: [Int8]) -> [Int8] {
        var output = [Int8](repeating: 0, count: input.count)
        input.withUnsafeBufferPointer { x in
        p.expTable.withUnsafeBufferPointer { table in
            for o in 0..<p.outer {
                for i in 0..<p.inner {
                    let base = o * p.axis * p.inner + i
                    var maxValue: Int32 = -128
                    for a in 0..<p.axis { maxValue = max(maxValue, Int32(x[base + a * p.inner])) }
                    var sum: UInt32 = 0
                    for a in 0..<p.axis { sum = sum &+ table[Int(maxValue - Int32(x[base + a * p.inner]))] }
                    let half = sum / 2
                    for a in 0..<p.axis {
                        let e = table[Int(maxValue - Int32(x[base + a * p.inner]))]
                        // e·256 + sum/2 < 2^24 + 2^31: exact in 32 bits, as in the C (no 64-bit division on
                        // the target); the quotient is at most 256.
                        let q = Int32((e &* 256 &+ half) / sum) - 128
                        output[base + a * p.inner] = Int8(min(max(q, -128), 127))
                    }
                }
            }
        }
        }
        return output
    }
}
