import MoteFixedPoint
import MoteIR

/// Per-output-channel symmetric weights (TFLite: zero point 0, int8 in [−127, 127]; int4 in [−7, 7]) and
/// int32 biases.
struct QuantizedWeights {
    var values: [Int8]
    var scales: [Double]
    var bits: QWeightBits
    /// Zeros were asked for (pruning), so the layer may be stored sparse.
    var pruned = false

    init(values: [Int8], scales: [Double], bits: QWeightBits) {
        self.values = values
        self.scales = scales
        self.bits = bits
    }

    /// Round to nearest with the max-abs scale per channel. `weights` is [channels][perChannel] row-major.
    init(_ weights: [Float], channels: Int, bits: QWeightBits = .int8) {
        let per = channels == 0 ? 0 : weights.count / channels
        let top = Double(bits.maxMagnitude)
        var values = [Int8](repeating: 0, count: weights.count)
        var scales = [Double](repeating: 1, count: channels)
        for c in 0..<channels {
            var maxAbs: Float = 0
            for k in 0..<per { maxAbs = max(maxAbs, abs(weights[c * per + k])) }
            // An all-zero channel gets scale 1: every weight is exactly 0 whatever the scale.
            let scale = maxAbs > 0 && maxAbs.isFinite ? Double(maxAbs) / top : 1
            scales[c] = scale
            for k in 0..<per {
                let q = (Double(weights[c * per + k]) / scale).rounded(.toNearestOrAwayFromZero)
                values[c * per + k] = Int8(max(-top, min(top, q.isFinite ? q : 0)))
            }
        }
        self.values = values
        self.scales = scales
        self.bits = bits
    }

    /// Row-major `weights` rounded to nearest at the given per-row scales, clamped to ±maxMagnitude.
    static func nearest(_ weights: [Double], scales: [Double], maxMagnitude: Int) -> [Int8] {
        let per = scales.isEmpty ? 0 : weights.count / scales.count
        let top = Double(maxMagnitude)
        return weights.indices.map { i in
            let q = (weights[i] / scales[i / max(per, 1)]).rounded(.toNearestOrAwayFromZero)
            return Int8(max(-top, min(top, q.isFinite ? q : 0)))
        }
    }

    var zeros: Int { values.reduce(0) { $0 + ($1 == 0 ? 1 : 0) } }

    /// Magnitude pruning after rounding: the smallest |w| among the non-zero values become 0 until the layer
    /// holds `target` zeros (values the grid already rounds to 0 count), so it has max(target, rounding zeros).
    mutating func pruneByMagnitude(_ weights: [Float], target: Int) {
        let missing = target - zeros
        guard missing > 0 else { return }
        let candidates = values.indices.filter { values[$0] != 0 }
        // Ties broken by index so the result is deterministic.
        let order = candidates.sorted { (abs(weights[$0]), $0) < (abs(weights[$1]), $1) }
        for i in order.prefix(missing) { values[i] = 0 }
        normalizeZeroChannels()
    }

    /// A channel left without a non-zero weight gets scale 1, like an all-zero channel of the float model.
    mutating func normalizeZeroChannels() {
        let channels = scales.count
        guard channels > 0 else { return }
        let per = values.count / channels
        for c in 0..<channels where !values[(c * per)..<((c + 1) * per)].contains(where: { $0 != 0 }) { scales[c] = 1 }
    }

    /// The weights as the integer kernel sees them, back in float.
    func dequantized(channels: Int) -> [Float] {
        let per = channels == 0 ? 0 : values.count / channels
        return values.indices.map { Float(Double(values[$0]) * scales[$0 / max(per, 1)]) }
    }

    /// int32 bias at scale inputScale · weightScale[c], saturated.
    func bias(_ bias: [Float], inputScale: Double) -> [Int32] {
        bias.indices.map { c in
            let q = (Double(bias[c]) / (inputScale * scales[c])).rounded(.toNearestOrAwayFromZero)
            return Int32(q.isFinite ? max(Double(Int32.min), min(Double(Int32.max), q)) : 0)
        }
    }

    /// Per-channel requantization multipliers inputScale · weightScale[c] / outputScale.
    func requant(inputScale: Double, outputScale: Double, node: Node) throws -> [QMultiplier] {
        try scales.map { s in
            guard let m = FixedPoint.quantizeMultiplier(inputScale * s / outputScale) else {
                throw Diagnostic(node: node.name, op: node.op.name, "requantization multiplier \(inputScale * s / outputScale) cannot be represented")
            }
            return QMultiplier(multiplier: m.multiplier, shift: m.shift)
        }
    }
}
