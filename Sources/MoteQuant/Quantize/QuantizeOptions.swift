import MoteIR

/// Choices of the quantizer.
public struct QuantizeOptions: Sendable {
    public var rangeMethod: RangeMethod
    /// Shift each channel's bias by the mean output error weight rounding causes on the calibration set.
    public var biasCorrection: Bool
    /// How conv/dense weights are rounded to the integer grid. `.gptq` covers int4 and pruned layers; plain
    /// int8 layers round to nearest unless `gptqInt8` (GPTQ gained only 0.2–0.5 dB of logit SQNR there).
    public var rounding: WeightRounding
    /// Width of conv/dense weights (`--weights`).
    public var weightBits: QWeightBits
    /// With `weightBits == .int4`: keep the first and the last weight layer at int8 (they are small and the
    /// most sensitive); `layerWeightBits` still overrides.
    public var keepEndsInt8: Bool
    /// Per-layer width by source node name (`--layer-weights NAME=int8`); wins over everything else.
    public var layerWeightBits: [String: QWeightBits]
    /// Fraction of each conv/dense layer's weights to remove, 0...1 (`--prune`).
    public var pruneRatio: Double
    /// Per-layer pruning ratio by source node name; wins over `pruneRatio`.
    public var layerPruneRatio: [String: Double]
    /// `pruneRatio` spares layers with fewer weights than this, and depthwise convolutions (a per-layer ratio
    /// still applies).
    public var pruneMinWeights: Int
    /// With `rounding == .gptq`: also round int8 layers that are not pruned with GPTQ.
    public var gptqInt8: Bool
    /// At most this many calibration samples (an even spread of the set) run through the integer layers for
    /// `.gptq`; fewer for big models (see `QuantizedActivations.sampleCount`).
    public var gptqMaxSamples: Int
    /// Besides each conv/dense layer as chosen, also quantize it under each of these choices (from the same
    /// calibration inputs) and return them in `QuantizationResult.alternatives`: the input of the sensitivity
    /// analysis and of the `--accuracy-budget` search. Empty: none.
    public var alternatives: [WeightChoice] = []

    public init(rangeMethod: RangeMethod = .percentile, biasCorrection: Bool = true, rounding: WeightRounding = .gptq,
                weightBits: QWeightBits = .int8, keepEndsInt8: Bool = true, layerWeightBits: [String: QWeightBits] = [:],
                pruneRatio: Double = 0, layerPruneRatio: [String: Double] = [:], pruneMinWeights: Int = 1024,
                gptqInt8: Bool = false, gptqMaxSamples: Int = 256) {
        self.rangeMethod = rangeMethod
        self.biasCorrection = biasCorrection
        self.rounding = rounding
        self.weightBits = weightBits
        self.keepEndsInt8 = keepEndsInt8
        self.layerWeightBits = layerWeightBits
        self.pruneRatio = pruneRatio
        self.layerPruneRatio = layerPruneRatio
        self.pruneMinWeights = pruneMinWeights
        self.gptqInt8 = gptqInt8
        self.gptqMaxSamples = gptqMaxSamples
    }
}

/// Weight rounding (`--rounding`).
public enum WeightRounding: String, Sendable, CaseIterable {
    /// Each weight to the nearest grid point, max-abs scale per channel.
    case nearest
    /// Error-compensating (GPTQ/OBQ): per layer, the Gram matrix of its calibration inputs drives
    /// column-by-column error feedback, with an MSE-searched clipping scale per channel; pruning (SparseGPT)
    /// uses the same second-order information.
    case gptq
}
