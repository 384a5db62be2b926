import MoteFixedPoint
import MoteIR

/// Per-output-channel symmetric int8 weights (TFLite: [−127, 127], zero point 0) and int32 biases.
struct QuantizedWeights {
    var values: [Int8]
    var scales: [Double]

    /// `weights` is [channels][perChannel] row-major.
    init(_ weights: [Float], channels: Int) {
        let per = channels == 0 ? 0 : weights.count / channels
        var values = [Int8](repeating: 0, count: weights.count)
        var scales = [Double](repeating: 1, count: channels)
        for c in 0..<channels {
            var maxAbs: Float = 0
            for k in 0..<per { maxAbs = max(maxAbs, abs(weights[c * per + k])) }
            // An all-zero channel gets scale 1: every weight is exactly 0 whatever the scale.
            let scale = maxAbs > 0 && maxAbs.isFinite ? Double(maxAbs) / 127 : 1
            scales[c] = scale
            for k in 0..<per {
                let q = (Double(weights[c * per + k]) / scale).rounded(.toNearestOrAwayFromZero)
                values[c * per + k] = Int8(max(-127, min(127, q.isFinite ? q : 0)))
            }
        }
        self.values = values
        self.scales = scales
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
