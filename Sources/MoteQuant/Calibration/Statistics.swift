import MoteFloat
import MoteIR

/// What calibration learned about one float tensor over the calibration set.
public struct TensorStatistics: Sendable, Equatable {
    public var min: Float = .infinity
    public var max: Float = -.infinity
    /// Histogram of values over [histogramLow, histogramHigh] (filled by the second pass, for percentile/MSE).
    public var histogram: [Double] = []
    public var histogramLow: Float = 0
    public var histogramHigh: Float = 0
    /// Per-channel (axis 1) mean, for bias correction of the layers that read this tensor.
    public var channelMeans: [Double] = []
    var channelSums: [Double] = []
    var channelCounts: Double = 0

    public init() {}

    mutating func observe(_ t: FloatTensor) {
        let data = t.data
        var lo = min, hi = max
        for v in data {
            if v < lo { lo = v }
            if v > hi { hi = v }
        }
        min = lo
        max = hi
        guard t.shape.count >= 2 else { return }
        let channels = t.shape[1]
        let inner = t.shape[2...].reduce(1, *)
        let outer = t.shape[0]
        if channelSums.count != channels { channelSums = [Double](repeating: 0, count: channels) }
        for n in 0..<outer {
            for c in 0..<channels {
                var s: Double = 0
                let base = (n * channels + c) * inner
                for i in 0..<inner { s += Double(data[base + i]) }
                channelSums[c] += s
            }
        }
        channelCounts += Double(outer * inner)
    }

    mutating func finishMeans() {
        guard channelCounts > 0 else { return }
        channelMeans = channelSums.map { $0 / channelCounts }
    }

    mutating func histogramObserve(_ t: FloatTensor) {
        let bins = histogram.count
        guard bins > 0, histogramHigh > histogramLow else { return }
        let scale = Double(bins) / Double(histogramHigh - histogramLow)
        for v in t.data {
            let b = Int((Double(v - histogramLow) * scale).rounded(.down))
            histogram[Swift.min(Swift.max(b, 0), bins - 1)] += 1
        }
    }
}

/// How an activation's float range is chosen from its statistics.
public enum RangeMethod: String, Sendable, CaseIterable {
    /// The observed minimum and maximum.
    case minmax
    /// The 0.01 % and 99.99 % quantiles: ignores rare outliers.
    case percentile
    /// The clipping range that minimises the expected squared quantization error over the histogram.
    case mse
}

/// Runs the float interpreter over the calibration set and records statistics for every computed tensor.
public enum Calibrator {
    public static let histogramBins = 2048

    /// `samples` are single samples in the graph's input shapes (one array per graph input).
    public static func calibrate(_ interpreter: FloatInterpreter, samples: [[FloatTensor]], method: RangeMethod) throws -> [TensorStatistics] {
        let graph = interpreter.graph
        var stats = [TensorStatistics](repeating: TensorStatistics(), count: graph.values.count)
        for sample in samples {
            _ = try interpreter.run(sample) { id, t in stats[id.index].observe(t) }
        }
        for i in stats.indices { stats[i].finishMeans() }
        guard method != .minmax else { return stats }
        for i in stats.indices where stats[i].min <= stats[i].max {
            stats[i].histogramLow = Swift.min(stats[i].min, 0)
            stats[i].histogramHigh = Swift.max(stats[i].max, 0)
            stats[i].histogram = [Double](repeating: 0, count: histogramBins)
        }
        for sample in samples {
            _ = try interpreter.run(sample) { id, t in stats[id.index].histogramObserve(t) }
        }
        return stats
    }
}
