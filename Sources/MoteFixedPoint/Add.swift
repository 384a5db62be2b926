// TFLM's int8 ADD: both inputs are brought to a common, finer fixed-point scale (2^20 steps of twice the larger
// input scale), added in int32, and the sum is requantized to the output scale.
// Parameters: TFLM `CalculateOpDataAdd` (tensorflow/lite/micro/kernels/add_common.cc).
// Element op: `AddFunc` / `AddElementwise` (tensorflow/lite/kernels/internal/reference/integer_ops/add.h).

extension FixedPoint {
    /// TFLite's `ArithmeticParams` for an int8 ADD, field for field. The C twin is `mote_add_elem_params`.
    public struct AddParameters: Equatable, Hashable, Sendable {
        /// −(input 1 zero point).
        public var input1Offset: Int32
        /// −(input 2 zero point).
        public var input2Offset: Int32
        /// +(output zero point).
        public var outputOffset: Int32
        /// 20 for int8 (TFLite's choice: 255 · 2^20 < 2^28 leaves room for the sum of two inputs).
        public var leftShift: Int32
        public var input1Multiplier: Int32
        /// ≤ 0 (a right shift), as `QuantizeMultiplierSmallerThanOneExp` returns.
        public var input1Shift: Int32
        public var input2Multiplier: Int32
        public var input2Shift: Int32
        public var outputMultiplier: Int32
        public var outputShift: Int32
        /// Fused activation bounds (ReLU/ReLU6 become bounds); −128/127 without activation.
        public var activationMin: Int8
        public var activationMax: Int8

        public init(
            input1Offset: Int32, input2Offset: Int32, outputOffset: Int32, leftShift: Int32,
            input1Multiplier: Int32, input1Shift: Int32, input2Multiplier: Int32, input2Shift: Int32,
            outputMultiplier: Int32, outputShift: Int32, activationMin: Int8, activationMax: Int8
        ) {
            self.input1Offset = input1Offset
            self.input2Offset = input2Offset
            self.outputOffset = outputOffset
            self.leftShift = leftShift
            self.input1Multiplier = input1Multiplier
            self.input1Shift = input1Shift
            self.input2Multiplier = input2Multiplier
            self.input2Shift = input2Shift
            self.outputMultiplier = outputMultiplier
            self.outputShift = outputShift
            self.activationMin = activationMin
            self.activationMax = activationMax
        }
    }

    /// TFLM's int8 left shift for ADD.
    public static let addLeftShift: Int32 = 20

    /// Mirrors TFLM's `CalculateOpDataAdd` for int8:
    /// `twice_max = 2·max(s1, s2)`, input multipliers `s1/twice_max` and `s2/twice_max`, output multiplier
    /// `twice_max / (2^20 · s_out)`, each through `QuantizeMultiplierSmallerThanOneExp`.
    ///
    /// TFLite stores scales as float32 and widens them to double for this computation; pass `Double(floatScale)`
    /// to reproduce its multipliers exactly.
    ///
    /// Returns nil where TFLite would abort or misbehave: a scale that is not finite and positive, a zero point
    /// outside −128...127, `activationMin > activationMax`, or a real multiplier outside (0, 1) — in practice
    /// an output scale smaller than `2·max(s1, s2) / 2^20`, or input scales more than ~2^1000 apart.
    public static func addParameters(
        input1Scale: Double, input1ZeroPoint: Int32,
        input2Scale: Double, input2ZeroPoint: Int32,
        outputScale: Double, outputZeroPoint: Int32,
        activationMin: Int8 = .min, activationMax: Int8 = .max
    ) -> AddParameters? {
        guard [input1Scale, input2Scale, outputScale].allSatisfy({ $0.isFinite && $0 > 0 }) else { return nil }
        let int8Range: ClosedRange<Int32> = -128...127
        guard int8Range.contains(input1ZeroPoint), int8Range.contains(input2ZeroPoint),
              int8Range.contains(outputZeroPoint), activationMin <= activationMax else { return nil }

        let twiceMaxInputScale = 2 * Swift.max(input1Scale, input2Scale)
        let realInput1Multiplier = input1Scale / twiceMaxInputScale
        let realInput2Multiplier = input2Scale / twiceMaxInputScale
        let realOutputMultiplier = twiceMaxInputScale / (Double(1 << addLeftShift) * outputScale)

        guard let m1 = quantizeMultiplierSmallerThanOneExp(realInput1Multiplier),
              let m2 = quantizeMultiplierSmallerThanOneExp(realInput2Multiplier),
              let mo = quantizeMultiplierSmallerThanOneExp(realOutputMultiplier) else { return nil }

        return AddParameters(
            input1Offset: -input1ZeroPoint, input2Offset: -input2ZeroPoint, outputOffset: outputZeroPoint,
            leftShift: addLeftShift,
            input1Multiplier: m1.multiplier, input1Shift: m1.shift,
            input2Multiplier: m2.multiplier, input2Shift: m2.shift,
            outputMultiplier: mo.multiplier, outputShift: mo.shift,
            activationMin: activationMin, activationMax: activationMax)
    }

    /// Mirrors TFLM's int8 `AddFunc` for one element pair.
    ///
    /// `MultiplyByQuantizedMultiplierSmallerThanOneExp(x, m, s)` is `RoundingDivideByPOT(SRDHM(x, m), −s)`,
    /// which equals `multiplyByQuantizedMultiplier(x, m, s)` for every `s ≤ 0` — the only shifts
    /// `addParameters` produces — so that is what is called.
    ///
    /// With parameters from `addParameters` no intermediate can overflow (|offset + x| ≤ 255, 255 · 2^20 < 2^28).
    /// For hand-made parameters the int32 steps wrap as TFLite's int32 arithmetic does on real targets
    /// (`leftShift` is clamped to 0...31), and the output offset is added as in `requantize`.
    @inlinable
    public static func add(_ x1: Int8, _ x2: Int8, _ p: AddParameters) -> Int8 {
        let ls = Swift.min(Swift.max(p.leftShift, 0), 31)
        let shifted1 = (p.input1Offset &+ Int32(x1)) &* (Int32(1) << ls)
        let shifted2 = (p.input2Offset &+ Int32(x2)) &* (Int32(1) << ls)
        let scaled1 = multiplyByQuantizedMultiplier(shifted1, p.input1Multiplier, p.input1Shift)
        let scaled2 = multiplyByQuantizedMultiplier(shifted2, p.input2Multiplier, p.input2Shift)
        return requantize(
            acc: scaled1 &+ scaled2, multiplier: p.outputMultiplier, shift: p.outputShift,
            outputZeroPoint: p.outputOffset, min: p.activationMin, max: p.activationMax)
    }
}
