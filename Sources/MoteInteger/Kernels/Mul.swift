import MoteFixedPoint
import MoteIR

/// TFLite's int8 Mul, mirroring TFLM's reference `MulElementwise` / `BroadcastMul6DSlow`
/// (reference/integer_ops/mul.h): out = clamp(MBQM((x1 + off1)·(x2 + off2)) + zp). C twin: `mote_mul.c`.
///
/// The product fits int32 for real offsets (|·| ≤ 255²); for hand-made offsets it wraps, as in C.
enum MulKernel {
    static func run(_ p: QMul, _ input1: [Int8], _ input2: [Int8]) -> [Int8] {
        let b = p.broadcast
        var output = [Int8](repeating: 0, count: Shape.count(b.shape))
        let lo = Int8(p.clampMin), hi = Int8(p.clampMax)
        stridedWalk(shape: b.shape, strides1: b.strides1, strides2: b.strides2) { o, i1, i2 in
            let product = (p.input1Offset &+ Int32(input1[i1])) &* (p.input2Offset &+ Int32(input2[i2]))
            output[o] = FixedPoint.requantize(acc: product, multiplier: p.multiplier.multiplier, shift: p.multiplier.shift,
                                              outputZeroPoint: p.outputZeroPoint, min: lo, max: hi)
        }
        return output
    }
}
