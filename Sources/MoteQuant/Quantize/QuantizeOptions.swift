/// Choices of the int8 quantizer.
public struct QuantizeOptions: Sendable {
    public var rangeMethod: RangeMethod
    /// Shift each channel's bias by the mean output error weight rounding causes on the calibration set.
    public var biasCorrection: Bool

    public init(rangeMethod: RangeMethod = .percentile, biasCorrection: Bool = true) {
        self.rangeMethod = rangeMethod
        self.biasCorrection = biasCorrection
    }
}
