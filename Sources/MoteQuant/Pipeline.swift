import MoteFloat
import MoteInteger
import MoteIR

/// Calibrate, then quantize: the int8 front of `mote compile`.
public enum QuantizationPipeline {
    public static func quantize(_ graph: Graph, calibration samples: [[FloatTensor]], options: QuantizeOptions = QuantizeOptions()) throws -> QModel {
        try quantizeDetailed(graph, calibration: samples, options: options).model
    }

    /// As `quantize`, with what each weight layer got (width, pruning, rounding used).
    public static func quantizeDetailed(_ graph: Graph, calibration samples: [[FloatTensor]],
                                        options: QuantizeOptions = QuantizeOptions()) throws -> QuantizationResult {
        try Quantizer.quantizeDetailed(graph, statistics: calibrate(graph, samples, options), calibration: samples, options: options)
    }

    static func calibrate(_ graph: Graph, _ samples: [[FloatTensor]], _ options: QuantizeOptions) throws -> [TensorStatistics] {
        guard !samples.isEmpty else { throw Diagnostic("the calibration set is empty") }
        return try Calibrator.calibrate(try FloatInterpreter(graph: graph), samples: samples, method: options.rangeMethod)
    }

    /// What `compress` decided and measured.
    public struct Compression: Sendable {
        public var result: QuantizationResult
        /// Per weight layer, the cost of each `CompressionSearch.alternatives` choice (with the choice made).
        public var sensitivity: [LayerSensitivity]
        /// The int8 model (every layer int8, dense) on the calibration set.
        public var baseline: Agreement
        /// The compiled model on the calibration set.
        public var final: Agreement
        /// Calibration samples the scores used.
        public var scoredSamples: Int
    }

    /// Quantizes with a per-layer sensitivity analysis and, given `accuracyBudget` (percentage points of top-1
    /// agreement with `reference`, the float model, on the calibration set, that compression may lose against
    /// the all-int8 model), picks per-layer widths and pruning ratios that minimise weight bytes within it.
    /// The baseline is the int8 model rather than 100%: int8 alone already loses points on some models
    /// (ResNet-8 agrees 95%), and the budget is what the compression choices may spend. Layers named in `options.layerWeightBits`/`layerPruneRatio`
    /// keep what they were given; the search starts every other layer from int8, dense.
    public static func compress(_ graph: Graph, reference: Graph, calibration samples: [[FloatTensor]], options: QuantizeOptions,
                                accuracyBudget: Double?) throws -> Compression {
        let stats = try calibrate(graph, samples, options)
        let scored = scoreSamples(samples, macs: graph.totalCost.macs)
        let score = try CalibrationScore(graph: reference, samples: scored)
        var baseOptions = options
        baseOptions.weightBits = .int8
        baseOptions.pruneRatio = 0
        baseOptions.alternatives = CompressionSearch.alternatives
        let base = try Quantizer.quantizeDetailed(graph, statistics: stats, calibration: samples, options: baseOptions)
        let baseScore = try score.score(base.model)
        let fixed = Set(options.layerWeightBits.keys).union(options.layerPruneRatio.keys)
        var sensitivity = try CompressionSearch.sensitivity(base: base.model, baseScore: baseScore,
                                                            alternatives: base.alternatives.filter { !fixed.contains(base.model.layers[$0.layer].name) },
                                                            score: score)
        var result = base
        var finalScore = baseScore
        if let budget = accuracyBudget {
            let floor = baseScore.top1Agreement - budget / 100
            var plan = CompressionSearch.plan(sensitivity, baseAgreement: baseScore.top1Agreement, floor: floor)
            // The plan assumes costs add up; check the assembled model (cheap: the alternatives swapped in), then
            // the model quantized for real with those choices (GPTQ then sees the compressed upstream layers),
            // giving back the least efficient choice while the budget is missed.
            var order = CompressionSearch.retreatOrder(plan, sensitivity)
            while !plan.isEmpty, try score.score(assemble(base, plan)).top1Agreement < floor {
                plan[order.removeFirst()] = nil
            }
            while true {
                var chosen = options
                chosen.alternatives = []
                for (name, choice) in plan {
                    chosen.layerWeightBits[name] = choice.bits
                    chosen.layerPruneRatio[name] = choice.pruneRatio
                }
                for s in sensitivity where plan[s.layer] == nil {
                    chosen.layerWeightBits[s.layer] = .int8
                    chosen.layerPruneRatio[s.layer] = 0
                }
                result = try Quantizer.quantizeDetailed(graph, statistics: stats, calibration: samples, options: chosen)
                finalScore = try score.score(result.model)
                if finalScore.top1Agreement >= floor || plan.isEmpty { break }
                plan[order.removeFirst()] = nil
            }
        } else if options.weightBits != .int8 || options.pruneRatio > 0 {
            // Otherwise the base model already is the one asked for (the alternatives leave its layers alone).
            result = try Quantizer.quantizeDetailed(graph, statistics: stats, calibration: samples, options: options)
            finalScore = try score.score(result.model)
        }
        for i in sensitivity.indices {
            if let record = result.weightLayers.first(where: { $0.name == sensitivity[i].layer }) {
                sensitivity[i].chosen = WeightChoice(bits: record.bits, pruneRatio: record.pruneRatio)
            }
        }
        return Compression(result: result, sensitivity: sensitivity, baseline: baseScore, final: finalScore, scoredSamples: scored.count)
    }

    /// The base model with the plan's alternatives swapped in.
    static func assemble(_ base: QuantizationResult, _ plan: [String: WeightChoice]) -> QModel {
        var model = base.model
        for alt in base.alternatives {
            if let choice = plan[model.layers[alt.layer].name], let layer = alt.variants[choice] { model.layers[alt.layer] = layer }
        }
        return model
    }

    /// Evenly spaced calibration samples for scoring: at most 256, and at most about 5·10^8 MACs per pass (at
    /// least 32 samples): the search scores the model once per layer and choice in the reference integer
    /// interpreter, which keeps `--accuracy-budget` on the MLPerf Tiny models within minutes.
    static func scoreSamples(_ samples: [[FloatTensor]], macs: Int) -> [[FloatTensor]] {
        let count = min(samples.count, 256, max(32, 500_000_000 / max(macs, 1)))
        guard count < samples.count, count > 0 else { return samples }
        return (0..<count).map { samples[$0 * samples.count / count] }
    }
}
