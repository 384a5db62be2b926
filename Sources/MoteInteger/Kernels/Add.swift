import MoteFixedPoint
import MoteIR

/// TFLite's int8 Add / Sub, mirroring TFLM's reference `AddElementwise` / `BroadcastAdd6DSlow` and
/// `SubElementwise` (reference/integer_ops/add.h, reference/sub.h). C twin: `mote_add.c`.
///
/// Per element: both inputs are offset and shifted left by `leftShift`, scaled to a common scale, summed (or
/// subtracted) and requantized. Add is exactly `FixedPoint.add`; Sub replaces the int32 sum by a difference.
/// The int32 steps wrap as in `FixedPoint.add` (never with quantizer-made parameters).
enum AddKernel {
    static func run(_ p: QAdd, _ input1: [Int8], _ input2: [Int8]) -> [Int8] {
        let b = p.broadcast
        var output = [Int8](repeating: 0, count: Shape.count(b.shape))
        let lo = Int8(p.clampMin), hi = Int8(p.clampMax)
        let scale = Int32(1) << p.leftShift  // leftShift ≤ 31: Int32.min for 31, and `&*` by it wraps as in C
        stridedWalk(shape: b.shape, strides1: b.strides1, strides2: b.strides2) { o, i1, i2 in
            let shifted1 = (p.input1Offset &+ Int32(input1[i1])) &* scale
            let shifted2 = (p.input2Offset &+ Int32(input2[i2])) &* scale
            let scaled1 = FixedPoint.multiplyByQuantizedMultiplier(shifted1, p.input1Multiplier.multiplier, p.input1Multiplier.shift)
            let scaled2 = FixedPoint.multiplyByQuantizedMultiplier(shifted2, p.input2Multiplier.multiplier, p.input2Multiplier.shift)
            let raw = p.subtract ? scaled1 &- scaled2 : scaled1 &+ scaled2
            output[o] = FixedPoint.requantize(acc: raw, multiplier: p.outputMultiplier.multiplier, shift: p.outputMultiplier.shift,
                                              outputZeroPoint: p.outputZeroPoint, min: lo, max: hi)
        }
        return output
    }
}
