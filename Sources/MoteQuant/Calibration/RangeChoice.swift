import MoteIR

/// Turns tensor statistics into int8 quantization parameters (asymmetric, per tensor).
public enum RangeChoice {
    /// The float range to represent, always containing 0 so that zero (padding, ReLU) is exact.
    public static func range(_ s: TensorStatistics, method: RangeMethod) -> (Float, Float) {
        guard s.min <= s.max else { return (0, 0) }  // never observed
        let full = (Swift.min(s.min, 0), Swift.max(s.max, 0))
        guard method != .minmax, !s.histogram.isEmpty, s.histogramHigh > s.histogramLow else { return full }
        switch method {
        case .minmax:
            return full
        case .percentile:
            return percentileRange(s, tail: 1e-4) ?? full
        case .mse:
            return mseRange(s) ?? full
        }
    }

    /// TFLite's asymmetric int8 parameters for [lo, hi] (lo ≤ 0 ≤ hi): scale = (hi − lo)/255 and a zero point
    /// that maps 0 exactly. A zero-width range (a constant-zero tensor) gets scale 1, any scale being exact.
    public static func params(low: Float, high: Float) -> QuantParams {
        let lo = Double(Swift.min(low, 0)), hi = Double(Swift.max(high, 0))
        guard hi - lo > 1e-30, (hi - lo).isFinite else { return QuantParams(scale: 1, zeroPoint: 0) }
        let scale = (hi - lo) / 255
        let zp = (-128 - lo / scale).rounded(.toNearestOrAwayFromZero)
        return QuantParams(scale: scale, zeroPoint: Int32(Swift.min(Swift.max(zp, -128), 127)))
    }

    static func binCenter(_ s: TensorStatistics, _ i: Int) -> Double {
        let width = Double(s.histogramHigh - s.histogramLow) / Double(s.histogram.count)
        return Double(s.histogramLow) + (Double(i) + 0.5) * width
    }

    static func percentileRange(_ s: TensorStatistics, tail: Double) -> (Float, Float)? {
        let total = s.histogram.reduce(0, +)
        guard total > 0 else { return nil }
        let width = Double(s.histogramHigh - s.histogramLow) / Double(s.histogram.count)
        var acc = 0.0
        var lowBin = 0
        for (i, c) in s.histogram.enumerated() {
            acc += c
            if acc > tail * total { lowBin = i; break }
        }
        acc = 0
        var highBin = s.histogram.count - 1
        for i in stride(from: s.histogram.count - 1, through: 0, by: -1) {
            acc += s.histogram[i]
            if acc > tail * total { highBin = i; break }
        }
        let lo = Double(s.histogramLow) + Double(lowBin) * width
        let hi = Double(s.histogramLow) + Double(highBin + 1) * width
        return (Swift.min(Float(lo), 0), Swift.max(Float(hi), 0))
    }

    /// Searches ranges [α·lo, β·hi] (α, β from 1 down to 0.3) for the smallest expected squared error of
    /// quantize-dequantize over the histogram (rounding noise inside the range, clipping error outside).
    static func mseRange(_ s: TensorStatistics) -> (Float, Float)? {
        let total = s.histogram.reduce(0, +)
        guard total > 0 else { return nil }
        let lo0 = Double(Swift.min(s.min, 0)), hi0 = Double(Swift.max(s.max, 0))
        let centers = s.histogram.indices.map { binCenter(s, $0) }
        func error(_ lo: Double, _ hi: Double) -> Double {
            let p = params(low: Float(lo), high: Float(hi))
            let qlo = p.scale * Double(-128 - p.zeroPoint), qhi = p.scale * Double(127 - p.zeroPoint)
            var e = 0.0
            for (i, c) in s.histogram.enumerated() where c > 0 {
                let x = centers[i]
                if x < qlo { e += c * (x - qlo) * (x - qlo) } else if x > qhi { e += c * (x - qhi) * (x - qhi) } else {
                    e += c * p.scale * p.scale / 12
                }
            }
            return e
        }
        var best = (lo0, hi0)
        var bestError = error(lo0, hi0)
        let factors = stride(from: 1.0, through: 0.3, by: -0.02).map { $0 }
        for a in factors {
            for b in factors {
                let e = error(lo0 * a, hi0 * b)
                if e < bestError { bestError = e; best = (lo0 * a, hi0 * b) }
            }
        }
        return (Float(best.0), Float(best.1))
    }
}
