// Encoding a positive real multiplier as a 31-bit fixed-point multiplier and a power-of-two shift, exactly as
// TFLite does. The encoded pair is what the emitted C and the integer interpreter apply (see Requantize.swift);
// the encoding itself only ever runs at compile time, so the C runtime has no counterpart (and needs no libm).

extension FixedPoint {
    /// Mirrors TFLite's `QuantizeMultiplier` (tensorflow/lite/kernels/internal/quantization_util.cc):
    /// `real ≈ multiplier · 2^(shift − 31)` with `multiplier` in `[2^30, 2^31)`.
    ///
    /// - `(fraction, shift) = frexp(real)`, `fraction` in [0.5, 1);
    ///   `multiplier = round(fraction · 2^31)`, rounding half away from zero (TfLiteRound / std::round).
    /// - If that rounds up to 2^31, it is halved and `shift` grows by one.
    /// - `shift < −31` (real below about 2^−32) flushes to `(0, 0)`, as TFLite does.
    /// - `shift > 30` (real at or above about 2^30) saturates to `(Int32.max, 30)`. TFLite applies this clamp in
    ///   its single-rounding build; its default double-rounding build does not, and would then evaluate
    ///   `1 << 31` or more in `MultiplyByQuantizedMultiplier` (undefined behaviour). Clamping keeps every pair
    ///   this returns inside the domain of `multiplyByQuantizedMultiplier` and changes nothing for the
    ///   multipliers real models have (far below 2^30).
    /// - `real == 0` (either sign) gives `(0, 0)`.
    ///
    /// Returns nil for a negative, NaN or infinite `real`: TFLite would abort or produce garbage there, and Mote
    /// must report such a model instead of crashing on it.
    public static func quantizeMultiplier(_ real: Double) -> (multiplier: Int32, shift: Int32)? {
        guard real.isFinite, !(real < 0) else { return nil }
        if real == 0 { return (0, 0) }
        // frexp through the standard library: for every finite nonzero double (subnormals included) `exponent`
        // is floor(log2 |real|) and `significand` is in [1, 2), so frexp's fraction is significand / 2 and its
        // exponent is exponent + 1. Both steps are exact.
        var shift = Int(real.exponent) + 1
        let fraction = real.significand / 2
        // fraction · 2^31 is exact (a power-of-two scaling), so the only rounding is TfLiteRound's.
        var q = Int64((fraction * 2_147_483_648.0).rounded(.toNearestOrAwayFromZero))
        if q == 1 << 31 {
            q /= 2
            shift += 1
        }
        if shift < -31 { return (0, 0) }
        if shift > 30 { return (Int32.max, 30) }
        return (Int32(q), Int32(shift))
    }

    /// Mirrors TFLite's `QuantizeMultiplierSmallerThanOneExp`: `quantizeMultiplier` restricted to
    /// `0 < real < 1`, so the returned shift is ≤ 0 (a pure right shift). TFLite aborts (TFLITE_CHECK) outside
    /// that domain, including when a real just below 1 rounds up to a shift of +1; this returns nil instead.
    public static func quantizeMultiplierSmallerThanOneExp(_ real: Double) -> (multiplier: Int32, shift: Int32)? {
        guard real > 0, real < 1, let q = quantizeMultiplier(real), q.shift <= 0 else { return nil }
        return q
    }
}
