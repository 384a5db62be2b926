import MoteInteger
import MoteIR

/// Per-layer sensitivity and the `--accuracy-budget` search.
///
/// The quantizer computes, next to every conv/dense layer of the int8 model, the same layer under each
/// alternative `WeightChoice` (from the same calibration inputs, so one quantization pass serves them all).
/// Sensitivity swaps one layer at a time and scores the model on the calibration set; the search then picks
/// per layer the choice that saves the most flash per point of agreement lost, and checks the combination
/// (effects are not additive) by scoring the assembled model, dropping the least efficient choices until the
/// budget holds.
public enum CompressionSearch {
    /// The choices measured for every layer, beside the int8 baseline.
    public static let alternatives: [WeightChoice] = [
        WeightChoice(bits: .int4),
        WeightChoice(bits: .int8, pruneRatio: 0.5),
        WeightChoice(bits: .int8, pruneRatio: 0.75),
        WeightChoice(bits: .int4, pruneRatio: 0.5),
    ]

    /// One layer's alternatives: the layer index in the base model and its layer under each choice.
    public struct Alternatives: Sendable {
        public var layer: Int
        public var variants: [WeightChoice: QLayer]

        public init(layer: Int, variants: [WeightChoice: QLayer]) {
            self.layer = layer
            self.variants = variants
        }
    }

    /// The cost of every alternative of every layer, swapped into `base` one at a time.
    public static func sensitivity(base: QModel, baseScore: Agreement, alternatives: [Alternatives],
                                   score: CalibrationScore) throws -> [LayerSensitivity] {
        func weightBytes(_ layer: QLayer) -> Int { layer.op.weightStorage?.bytes ?? 0 }
        return try alternatives.map { alt in
            let layer = base.layers[alt.layer]
            var costs = [ChoiceCost(choice: .int8, weightBytes: weightBytes(layer), agreement: baseScore.top1Agreement,
                                    sqnrDb: baseScore.sqnrDb)]
            for choice in Self.alternatives {
                guard let variant = alt.variants[choice] else { continue }
                var model = base
                model.layers[alt.layer] = variant
                let s = try score.score(model)
                costs.append(ChoiceCost(choice: choice, weightBytes: weightBytes(variant), agreement: s.top1Agreement, sqnrDb: s.sqnrDb))
            }
            return LayerSensitivity(layer: layer.name, weightCount: layer.op.weightStorage?.count ?? 0, costs: costs, chosen: .int8)
        }
    }

    /// Per layer (by name) the choice that minimises weight bytes with the predicted agreement at least `floor`
    /// (0...1), greedily by bytes saved per unit of cost. The budget is spent on agreement lost only; the cost
    /// that orders candidates adds a small SQNR term, so that among choices that lose no sample the least noisy
    /// go first. Layers absent keep int8.
    public static func plan(_ sensitivity: [LayerSensitivity], baseAgreement: Double, floor: Double) -> [String: WeightChoice] {
        struct Candidate { var layer: String; var choice: WeightChoice; var saved: Int; var lost: Double; var efficiency: Double }
        var candidates: [Candidate] = []
        for s in sensitivity {
            guard let base = s.costs.first else { continue }
            for c in s.costs.dropFirst() where c.weightBytes < base.weightBytes {
                let saved = base.weightBytes - c.weightBytes
                candidates.append(Candidate(layer: s.layer, choice: c.choice, saved: saved, lost: lost(c, base),
                                            efficiency: Double(saved) / orderingCost(c, base)))
            }
        }
        // Deterministic order: efficiency, then bytes saved, then name and choice.
        candidates.sort {
            if $0.efficiency != $1.efficiency { return $0.efficiency > $1.efficiency }
            if $0.saved != $1.saved { return $0.saved > $1.saved }
            if $0.layer != $1.layer { return $0.layer < $1.layer }
            return $0.choice.description < $1.choice.description
        }
        var chosen: [String: Candidate] = [:]
        var spent = 0.0
        let allowance = baseAgreement - floor
        for c in candidates {
            let previous = chosen[c.layer]
            if let previous, previous.saved >= c.saved { continue }
            let extra = c.lost - (previous?.lost ?? 0)
            guard spent + extra <= allowance + 1e-12 else { continue }
            spent += extra
            chosen[c.layer] = c
        }
        return chosen.mapValues(\.choice)
    }

    static func lost(_ c: ChoiceCost, _ base: ChoiceCost) -> Double { max(0, base.agreement - c.agreement) }

    /// Agreement lost, plus 1 point per 1000 dB of SQNR lost (a tie-break), plus a floor against division by 0.
    static func orderingCost(_ c: ChoiceCost, _ base: ChoiceCost) -> Double {
        lost(c, base) + max(0, base.sqnrDb - c.sqnrDb) / 100_000 + 1e-9
    }

    /// The layers of `plan` ordered from least to most efficient (bytes saved per cost): the order in which the
    /// search gives choices back when the assembled model misses the budget.
    public static func retreatOrder(_ plan: [String: WeightChoice], _ sensitivity: [LayerSensitivity]) -> [String] {
        func efficiency(_ name: String) -> Double {
            guard let s = sensitivity.first(where: { $0.layer == name }), let base = s.costs.first,
                  let c = s.costs.first(where: { $0.choice == plan[name] }) else { return 0 }
            return Double(base.weightBytes - c.weightBytes) / orderingCost(c, base)
        }
        return plan.keys.sorted { (efficiency($0), $0) < (efficiency($1), $1) }
    }
}
