// Applying a quantized multiplier: gemmlowp's two primitives and TFLM's double-rounding composition of them,
// plus the saturation and rounding helpers the int8 kernels share.
//
// TFLite states these in C++ int32 arithmetic, where a few corner cases overflow (undefined behaviour in C++,
// wrapping on every real target). Each function below says what it does in those corners; the C header does
// the same thing without undefined behaviour, and the differential test checks the corners too.

extension FixedPoint {
    /// Mirrors gemmlowp's `SaturatingRoundingDoublingHighMul` (used by TFLite's `MultiplyByQuantizedMultiplier`):
    /// the high 32 bits of `2·a·b`, rounded, i.e. `floor(a·b / 2^31 + 1/2)` — ties round toward +∞, as ARM's
    /// VQRDMULH does (the `1 − 2^30` nudge for negative products followed by a truncating division has that
    /// effect). The one product that does not fit, `Int32.min · Int32.min`, saturates to `Int32.max`.
    @inlinable
    public static func saturatingRoundingDoublingHighMul(_ a: Int32, _ b: Int32) -> Int32 {
        if a == Int32.min && b == Int32.min { return Int32.max }
        let ab = Int64(a) * Int64(b)  // |ab| < 2^62: no overflow
        let nudge: Int64 = ab >= 0 ? 1 << 30 : 1 - (1 << 30)
        // Swift's Int64 `/` truncates toward zero, exactly like C's; the quotient always fits in Int32 here.
        return Int32(truncatingIfNeeded: (ab + nudge) / (1 << 31))
    }

    /// Mirrors gemmlowp's `RoundingDivideByPOT`: `x / 2^exponent` rounded to nearest, ties away from zero.
    ///
    /// gemmlowp asserts `0 ≤ exponent ≤ 31`; an exponent outside that range is clamped into it here (and in
    /// the C twin) so that every input has a defined result. `quantizeMultiplier` never produces one.
    @inlinable
    public static func roundingDivideByPOT(_ x: Int32, _ exponent: Int32) -> Int32 {
        let e = Swift.min(Swift.max(exponent, 0), 31)
        let mask = Int32(truncatingIfNeeded: (Int64(1) << Int64(e)) - 1)
        let remainder = x & mask
        let threshold = (mask >> 1) + (x < 0 ? 1 : 0)
        // `>>` on a signed Swift integer is an arithmetic shift: floor(x / 2^e). It is at most 2^30 − 1 when
        // e ≥ 1, and the +1 only happens when e ≥ 1, so the sum cannot overflow.
        return (x >> e) + (remainder > threshold ? 1 : 0)
    }

    /// Mirrors TFLM's double-rounding `MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier, int shift)`
    /// (tensorflow/lite/kernels/internal/common.cc): with `left = max(shift, 0)` and `right = max(−shift, 0)`,
    /// `RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x · 2^left, multiplier), right)`.
    ///
    /// `x · 2^left` is an int32 product in TFLite and wraps (two's complement) when it overflows; this does the
    /// same (`&*`), and the C twin does it with unsigned arithmetic. TFLite's domain is `shift` in −31...30 (the
    /// range `quantizeMultiplier` returns); a shift outside it is clamped into it.
    @inlinable
    public static func multiplyByQuantizedMultiplier(_ x: Int32, _ multiplier: Int32, _ shift: Int32) -> Int32 {
        let s = Swift.min(Swift.max(shift, -31), 30)
        let leftShift: Int32 = s > 0 ? s : 0
        let rightShift: Int32 = s > 0 ? 0 : -s
        let shifted = x &* (Int32(1) << leftShift)
        return roundingDivideByPOT(saturatingRoundingDoublingHighMul(shifted, multiplier), rightShift)
    }

    /// The requantization step of TFLM's int8 Conv / DepthwiseConv / FullyConnected reference kernels:
    /// `clamp(MultiplyByQuantizedMultiplier(acc) + outputZeroPoint, min, max)` as an int8.
    ///
    /// The clamp is TFLite's `min(max(v, min), max)`, so `min > max` yields `max`. The zero point is added in
    /// 64-bit arithmetic: where TFLite's int32 addition would overflow (only for a scaled value within 128 of
    /// Int32's limits, i.e. hopelessly saturated anyway) the result is the mathematically right clamp instead
    /// of a wrapped value.
    @inlinable
    public static func requantize(
        acc: Int32, multiplier: Int32, shift: Int32, outputZeroPoint: Int32, min: Int8, max: Int8
    ) -> Int8 {
        let scaled = multiplyByQuantizedMultiplier(acc, multiplier, shift)
        return clampToInt8(Int64(scaled) + Int64(outputZeroPoint), min: min, max: max)
    }

    /// Saturating conversion of an int32 to int8 (what `static_cast<int8_t>` after TFLite's
    /// `std::min(std::max(v, -128), 127)` does).
    @inlinable
    public static func saturateToInt8(_ x: Int32) -> Int8 {
        Int8(Swift.min(Swift.max(x, -128), 127))
    }

    /// The rounded division of TFLM's int8/int16 `AveragePool` (reference/integer_ops/pooling.h):
    /// `sum > 0 ? (sum + count/2) / count : (sum − count/2) / count` with C's truncating division — the
    /// nearest integer to sum/count, ties away from zero.
    ///
    /// Computed in 64 bits, so it matches TFLite wherever TFLite's int32 `sum ± count/2` does not overflow and is
    /// the correctly rounded quotient where it would. TFLM reports an error for `count == 0`; here `count ≤ 0`
    /// yields 0 (the C twin agrees), and Mote never emits such a window.
    @inlinable
    public static func roundedDivide(_ sum: Int32, by count: Int32) -> Int32 {
        guard count > 0 else { return 0 }
        let s = Int64(sum), c = Int64(count)
        let q = s > 0 ? (s + c / 2) / c : (s - c / 2) / c
        // |q| ≤ |sum| for count ≥ 1, so it fits.
        return Int32(truncatingIfNeeded: q)
    }

    /// TFLite's activation clamp `min(max(v, lo), hi)` on a wide value, then int8. `lo > hi` yields `hi`.
    @inlinable
    static func clampToInt8(_ v: Int64, min lo: Int8, max hi: Int8) -> Int8 {
        Int8(truncatingIfNeeded: Swift.min(Swift.max(v, Int64(lo)), Int64(hi)))
    }
}
