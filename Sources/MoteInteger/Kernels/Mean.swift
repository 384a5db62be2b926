import MoteFixedPoint
import MoteIR

/// Mean over the middle axis of [outer, reduce, inner] (GlobalAveragePool, ReduceMean over contiguous axes):
/// acc = Σ (x − inputZeroPoint), out = clamp(MBQM(acc, multiplier) + outputZeroPoint, −128, 127), where the
/// multiplier already holds 1/reduce. TFLM's int8 `Mean` reference reaches the same form through its
/// multiplier/shift pair (reference/reduce.h, `QuantizedMeanOrSum`). C twin: `mote_mean.c`.
///
/// The sum wraps in int32 (C: `uint32_t`); with int8 zero points it cannot reach 2^31 for any reduce ≤ 2^23.
enum MeanKernel {
    static func run(_ p: QMean, _ input: [Int8]) -> [Int8] {
        var output = [Int8](repeating: 0, count: p.outer * p.inner)
        input.withUnsafeBufferPointer { x in
            for o in 0..<p.outer {
                for i in 0..<p.inner {
                    var acc: Int32 = 0
                    var index = o * p.reduce * p.inner + i
                    for _ in 0..<p.reduce {
                        acc = acc &+ (Int32(x[index]) &- p.inputZeroPoint)
                        index += p.inner
                    }
                    output[o * p.inner + i] = FixedPoint.requantize(
                        acc: acc, multiplier: p.multiplier.multiplier, shift: p.multiplier.shift,
                        outputZeroPoint: p.outputZeroPoint, min: -128, max: 127)
                }
            }
        }
        return output
    }
}
