/// The vocabulary of weight compression shared by the quantizer's search (MoteQuant) and the size report
/// (MoteReport): what a conv/dense layer's weights can be turned into, and what each choice cost.

/// One way to store a layer's weights: a width and the fraction of weights removed (unstructured).
public struct WeightChoice: Sendable, Hashable, Codable, CustomStringConvertible {
    public var bits: QWeightBits
    public var pruneRatio: Double

    public init(bits: QWeightBits, pruneRatio: Double = 0) {
        self.bits = bits
        self.pruneRatio = pruneRatio
    }

    public static let int8 = WeightChoice(bits: .int8)

    /// "int8", "int4", "int8 prune 50%", "int4 prune 25%".
    public var description: String {
        pruneRatio > 0 ? "\(bits.name) prune \(Int((pruneRatio * 100).rounded()))%" : bits.name
    }
}

/// What one choice did to one layer, measured on the calibration set with every other layer unchanged.
public struct ChoiceCost: Sendable, Equatable, Codable {
    public var choice: WeightChoice
    /// Stored weight bytes of the layer with this choice (`QWeightStorage`).
    public var weightBytes: Int
    /// Top-1 agreement of the model's output with the float model, 0...1.
    public var agreement: Double
    /// SQNR of the model's first output against the float model, in dB; at most `maxSqnrDb` (identical
    /// outputs have an infinite SQNR, which JSON cannot hold).
    public var sqnrDb: Double

    public static let maxSqnrDb = 200.0

    public init(choice: WeightChoice, weightBytes: Int, agreement: Double, sqnrDb: Double) {
        self.choice = choice
        self.weightBytes = weightBytes
        self.agreement = agreement
        self.sqnrDb = sqnrDb.isNaN ? 0 : min(sqnrDb, Self.maxSqnrDb)
    }
}

/// A layer's sensitivity: the cost of each choice, the first being the baseline (int8, dense).
public struct LayerSensitivity: Sendable, Equatable, Codable {
    /// The layer's source node name (`QLayer.name`).
    public var layer: String
    public var weightCount: Int
    public var costs: [ChoiceCost]
    /// The choice the compiled model uses for this layer.
    public var chosen: WeightChoice

    public init(layer: String, weightCount: Int, costs: [ChoiceCost], chosen: WeightChoice) {
        self.layer = layer
        self.weightCount = weightCount
        self.costs = costs
        self.chosen = chosen
    }
}
