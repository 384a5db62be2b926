import Foundation

/// How closely the quantized model's (dequantized) outputs follow the float model's.
public struct Agreement: Sendable, Codable, Equatable {
    public var samples: Int
    /// Share of samples whose arg-max over the first output agrees.
    public var top1Agreement: Double
    public var maxAbsError: Double
    /// 10·log10(Σ f² / Σ (f − q)²) over all outputs; infinite when they are equal.
    public var sqnrDb: Double
    public var accuracyFloat: Double?
    public var accuracyQuantized: Double?

    /// `float` and `quantized` hold, per sample, the flat first output; `labels` the class of each sample.
    public static func measure(float: [[Float]], quantized: [[Float]], labels: [Int]? = nil) -> Agreement {
        var agree = 0, rightFloat = 0, rightQuant = 0
        var maxAbs = 0.0, signal = 0.0, noise = 0.0
        for (s, (f, q)) in zip(float, quantized).enumerated() {
            let af = argmax(f), aq = argmax(q)
            if af == aq { agree += 1 }
            if let labels, s < labels.count {
                if af == labels[s] { rightFloat += 1 }
                if aq == labels[s] { rightQuant += 1 }
            }
            for (x, y) in zip(f, q) {
                let d = Double(x) - Double(y)
                maxAbs = max(maxAbs, abs(d))
                signal += Double(x) * Double(x)
                noise += d * d
            }
        }
        let n = Double(max(float.count, 1))
        return Agreement(samples: float.count, top1Agreement: Double(agree) / n, maxAbsError: maxAbs,
                         sqnrDb: noise == 0 ? .infinity : 10 * log10(signal / noise),
                         accuracyFloat: labels == nil ? nil : Double(rightFloat) / n,
                         accuracyQuantized: labels == nil ? nil : Double(rightQuant) / n)
    }

    static func argmax(_ v: [Float]) -> Int {
        var best = 0
        for i in v.indices where v[i] > v[best] { best = i }
        return best
    }
}
