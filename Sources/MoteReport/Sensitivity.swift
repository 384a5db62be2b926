import MoteIR

/// The sensitivity analysis as the report shows it: every conv/dense layer's cost of each compression choice,
/// measured on the calibration set with the other layers at int8, and what the compiled model chose.
public struct Sensitivity: Sendable, Equatable, Codable {
    /// Calibration samples scored.
    public var samples: Int
    /// Top-1 agreement with the float model (0...1) with every layer at int8, and of the compiled model.
    public var baselineAgreement: Double
    public var finalAgreement: Double
    /// `--accuracy-budget` in percentage points, when given.
    public var budgetPoints: Double?
    public var layers: [LayerSensitivity]

    public init(samples: Int, baselineAgreement: Double, finalAgreement: Double, budgetPoints: Double?, layers: [LayerSensitivity]) {
        self.samples = samples
        self.baselineAgreement = baselineAgreement
        self.finalAgreement = finalAgreement
        self.budgetPoints = budgetPoints
        self.layers = layers
    }

    func markdown() -> String {
        var md = "## Sensitivity (calibration set)\n\n"
        md += "Each conv/dense layer alone under each choice, every other layer at int8: top-1 agreement with the float "
        md += "model on \(samples) calibration samples / SQNR of the output in dB, and the layer's weight bytes. "
        md += "All int8: \(Format.percentage(baselineAgreement)); compiled model: \(Format.percentage(finalAgreement))"
        if let budgetPoints { md += " (budget: at most \(budgetPoints) points below all int8)" }
        md += ". **Bold**: the choice the compiled model uses.\n\n"
        let choices = layers.first?.costs.map(\.choice) ?? []
        md += "| layer | weights | " + choices.map { "\($0)" }.joined(separator: " | ") + " |\n"
        md += "|---|---:|" + choices.map { _ in "---:|" }.joined() + "\n"
        for l in layers {
            md += "| \(Format.markdown(l.layer, limit: 48)) | \(Format.grouped(l.weightCount)) | "
            md += choices.map { choice in
                guard let c = l.costs.first(where: { $0.choice == choice }) else { return "—" }
                let cell = "\(Format.percentage(c.agreement)) / \(Format.oneDecimal(c.sqnrDb)) / \(Format.grouped(c.weightBytes)) B"
                return choice == l.chosen ? "**\(cell)**" : cell
            }.joined(separator: " | ") + " |\n"
        }
        return md + "\n"
    }
}
