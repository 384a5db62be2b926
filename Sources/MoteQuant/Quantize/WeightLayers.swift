import MoteIR

/// What one conv/dense layer's weights got, for reports.
public struct WeightLayerRecord: Sendable, Equatable {
    /// The layer's name (its source node, as `QLayer.name`).
    public var name: String
    public var bits: QWeightBits
    /// The pruning ratio asked for this layer.
    public var pruneRatio: Double
    public var weights: Int
    /// Zero weights in the emitted layer (pruned, or rounded to zero).
    public var zeros: Int
    /// The rounding actually used.
    public var rounding: WeightRounding
    /// Why `.gptq` fell back to `.nearest`, when it did.
    public var fallback: String?

    public init(name: String, bits: QWeightBits, pruneRatio: Double, weights: Int, zeros: Int, rounding: WeightRounding,
                fallback: String? = nil) {
        self.name = name
        self.bits = bits
        self.pruneRatio = pruneRatio
        self.weights = weights
        self.zeros = zeros
        self.rounding = rounding
        self.fallback = fallback
    }
}

/// The quantized program and what each of its weight layers got.
public struct QuantizationResult: Sendable {
    public var model: QModel
    public var weightLayers: [WeightLayerRecord]
    /// Per weight layer, the layer under each of `QuantizeOptions.alternatives` (empty when none were asked).
    public var alternatives: [CompressionSearch.Alternatives] = []
}

/// The layer's input as the quantizer sees it: statistics from the integer program (for `.gptq`) and the
/// float calibration means (for `.nearest`'s bias correction).
enum WeightLayerInput {
    case conv(QConv)
    case dense(QDense)
}

extension Quantizer {
    /// Width of node `index`'s weights: a per-layer choice wins; int4 keeps the first and last weight layer
    /// at int8 when asked.
    func weightBits(_ node: Node, index: Int) -> QWeightBits {
        if let bits = options.layerWeightBits[node.name] { return bits }
        if options.weightBits == .int4, options.keepEndsInt8, index == weightNodes.first || index == weightNodes.last { return .int8 }
        return options.weightBits
    }

    /// Pruning ratio of a layer with `count` weights, in 0...1: a per-layer ratio wins; the global ratio
    /// spares layers below `pruneMinWeights` and depthwise convolutions (an unfolded BatchNormalization is
    /// one). Both hold a tiny share of a model's weights, and each of their outputs hangs on a handful of
    /// them: on MobileNet-v1 (VWW) pruning its 1,152-weight depthwise layers took the logit SQNR at a 0.5
    /// ratio from 18 dB to 1 dB.
    func pruneRatio(_ node: Node, count: Int) -> Double {
        let r = options.layerPruneRatio[node.name] ?? (count >= options.pruneMinWeights && !isDepthwise(node) ? options.pruneRatio : 0)
        return r.isFinite ? min(max(r, 0), 1) : 0
    }

    func isDepthwise(_ node: Node) -> Bool {
        switch node.op {
        case .batchNormalization: return true
        case .conv(let a):
            let x = graph.type(of: node.inputs[0]).shape
            return a.group > 1 && x.count >= 2 && a.group == x[1]
        default: return false
        }
    }

    /// The rounding a layer gets: `.gptq` where asked for; plain int8 layers round to nearest unless
    /// `gptqInt8` (see `QuantizeOptions.gptqInt8`).
    func rounding(bits: QWeightBits, ratio: Double) -> WeightRounding {
        guard options.rounding == .gptq else { return .nearest }
        return bits == .int8 && ratio == 0 && !options.gptqInt8 ? .nearest : .gptq
    }

    func needsLayerInputs(_ node: Node, index: Int) -> Bool {
        guard options.rounding == .gptq else { return false }
        if options.alternatives.contains(where: { rounding(bits: $0.bits, ratio: $0.pruneRatio) == .gptq }) { return true }
        let count = graph.constant(node.inputs.count > 1 ? node.inputs[1] : node.inputs[0])?.count ?? Int.max
        return rounding(bits: weightBits(node, index: index), ratio: pruneRatio(node, count: count)) == .gptq
    }

    /// Quantizes the weights of the layer being lowered and corrects its float bias.
    /// `weights` is [channels][columns] with each group's channels consecutive; `floatMeans` are the float
    /// calibration means of the input channels (the `.nearest` bias correction, unchanged from before).
    mutating func quantizeWeights(_ node: Node, weights: [Float], channels: Int, groups: Int, layer: WeightLayerInput,
                                  inputQuant: QuantParams, bias: inout [Float], floatMeans: [Double]?) -> QuantizedWeights {
        let (q, record) = roundWeights(node, weights: weights, channels: channels, groups: groups, layer: layer,
                                       inputQuant: inputQuant, bias: &bias, floatMeans: floatMeans,
                                       bits: weightBits(node, index: current), ratio: pruneRatio(node, count: weights.count))
        records.append(record)
        return q
    }

    /// The layer's weights under each of `options.alternatives`, with the float bias each one's correction gives.
    func alternativeWeights(_ node: Node, weights: [Float], channels: Int, groups: Int, layer: WeightLayerInput,
                            inputQuant: QuantParams, bias: [Float], floatMeans: [Double]?) -> [(WeightChoice, QuantizedWeights, [Float])] {
        options.alternatives.map { choice in
            var b = bias
            let (q, _) = roundWeights(node, weights: weights, channels: channels, groups: groups, layer: layer,
                                      inputQuant: inputQuant, bias: &b, floatMeans: floatMeans, bits: choice.bits,
                                      ratio: min(max(choice.pruneRatio, 0), 1))
            return (choice, q, b)
        }
    }

    /// Rounds (and prunes) one layer's weights at the given width and ratio, correcting `bias`.
    func roundWeights(_ node: Node, weights: [Float], channels: Int, groups: Int, layer: WeightLayerInput,
                      inputQuant: QuantParams, bias: inout [Float], floatMeans: [Double]?, bits: QWeightBits,
                      ratio: Double) -> (QuantizedWeights, WeightLayerRecord) {
        let target = Int((ratio * Double(weights.count)).rounded(.down))
        var used = rounding(bits: bits, ratio: ratio)
        var fallback: String? = nil
        var result: QuantizedWeights? = nil
        if used == .gptq {
            let statistics: LayerInputStatistics?
            switch layer {
            case .conv(let p): statistics = activations?.statistics(of: p, inputZeroPoint: inputQuant.zeroPoint, inputScale: inputQuant.scale)
            case .dense(let p): statistics = activations?.statistics(of: p, inputZeroPoint: inputQuant.zeroPoint, inputScale: inputQuant.scale)
            }
            if let statistics {
                if let q = GPTQ.quantizeLayer(weights, channels: channels, statistics: statistics, bits: bits, pruneTarget: target) {
                    if options.biasCorrection { correctBias(&bias, weights: weights, quantized: q, means: statistics.means) }
                    result = q
                } else {
                    fallback = "the input Gram matrix could not be factored"
                }
            } else {
                fallback = "no calibration samples reached the layer"
            }
            if result == nil { used = .nearest }
        }
        var q: QuantizedWeights
        if let result {
            q = result
        } else {
            var nearest = QuantizedWeights(weights, channels: channels, bits: bits)
            if target > 0 { nearest.pruneByMagnitude(weights, target: target) }
            if options.biasCorrection, let floatMeans {
                correctBias(&bias, weights: weights, quantized: nearest, channels: channels, group: groups, inputMeans: floatMeans)
            }
            q = nearest
        }
        q.pruned = target > 0
        return (q, WeightLayerRecord(name: node.name, bits: bits, pruneRatio: ratio, weights: q.values.count, zeros: q.zeros,
                                     rounding: used, fallback: fallback))
    }

    /// Bias correction with the layer's real input: bias[m] −= Σ_k (ŵ − w)[m, k] · E[x_k] over the columns of
    /// m's group (im2col columns, padding included), the exact mean output error on the calibration set.
    func correctBias(_ bias: inout [Float], weights: [Float], quantized: QuantizedWeights, means: [[Double]]) {
        let channels = bias.count, groups = means.count
        guard channels > 0, groups > 0, channels % groups == 0 else { return }
        let k = weights.count / channels
        let perGroup = channels / groups
        let deq = quantized.dequantized(channels: channels)
        for m in 0..<channels {
            let mean = means[m / perGroup]
            guard mean.count == k else { return }
            var e = 0.0
            for j in 0..<k { e += Double(deq[m * k + j] - weights[m * k + j]) * mean[j] }
            bias[m] -= Float(e)
        }
    }
}
