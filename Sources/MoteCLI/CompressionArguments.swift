import MoteIR
import MoteQuant

/// The compression options of `mote compile`: weight width, rounding, pruning, accuracy budget.
struct CompressionArguments {
    var quantize: QuantizeOptions
    /// `--prune-structured RATIO`: fraction of output channels removed before quantization (0: none).
    var structuredRatio: Double
    /// `--accuracy-budget PP`: allowed drop of top-1 agreement with the float model on the calibration set, in
    /// percentage points; nil when not given.
    var accuracyBudget: Double?
    /// `--sensitivity`, or implied by a budget: measure every layer's cost of int4 and pruning.
    var sensitivity: Bool

    static let valueOptions: Set<String> = ["--weights", "--layer-weights", "--rounding", "--prune", "--layer-prune",
                                            "--prune-structured", "--accuracy-budget"]
    static let flagOptions: Set<String> = ["--sensitivity", "--int4-ends"]

    init(_ parsed: Arguments, rangeMethod: RangeMethod, biasCorrection: Bool) throws {
        var q = QuantizeOptions(rangeMethod: rangeMethod, biasCorrection: biasCorrection)
        if let w = try parsed.single("--weights") { q.weightBits = try Self.width(w, "--weights") }
        // By default int4 keeps the first and last weight layers at int8; --int4-ends puts them at int4 too.
        q.keepEndsInt8 = !parsed.flags.contains("--int4-ends")
        if let r = try parsed.single("--rounding") {
            guard let rounding = WeightRounding(rawValue: r) else {
                throw UsageError("--rounding must be one of \(WeightRounding.allCases.map(\.rawValue).joined(separator: ", ")), got '\(Diagnostic.printable(r))'")
            }
            q.rounding = rounding
        }
        for item in parsed.all("--layer-weights") {
            let (name, value) = try Self.assignment(item, "--layer-weights")
            q.layerWeightBits[name] = try Self.width(value, "--layer-weights \(Diagnostic.printable(name))")
        }
        if let p = try parsed.single("--prune") { q.pruneRatio = try Self.ratio(p, "--prune") }
        for item in parsed.all("--layer-prune") {
            let (name, value) = try Self.assignment(item, "--layer-prune")
            q.layerPruneRatio[name] = try Self.ratio(value, "--layer-prune \(Diagnostic.printable(name))")
        }
        quantize = q
        structuredRatio = try parsed.single("--prune-structured").map { try Self.ratio($0, "--prune-structured") } ?? 0
        if let b = try parsed.single("--accuracy-budget") {
            guard let v = Double(b), v.isFinite, v >= 0, v <= 100 else {
                throw UsageError("--accuracy-budget must be percentage points in 0...100, got '\(Diagnostic.printable(b))'")
            }
            accuracyBudget = v
        } else {
            accuracyBudget = nil
        }
        sensitivity = parsed.flags.contains("--sensitivity") || accuracyBudget != nil
        if accuracyBudget != nil, parsed.options["--weights"] != nil || parsed.options["--prune"] != nil || parsed.flags.contains("--int4-ends") {
            throw UsageError("--accuracy-budget picks each layer's width and pruning itself; it cannot be combined with --weights, --int4-ends or --prune (use --layer-weights/--layer-prune to pin layers)")
        }
    }

    var metadata: CompileMetadata.Compression {
        CompileMetadata.Compression(rounding: quantize.rounding.rawValue, keepEndsInt8: quantize.keepEndsInt8,
                                    layerWeights: quantize.layerWeightBits.mapValues(\.name), prune: quantize.pruneRatio,
                                    layerPrune: quantize.layerPruneRatio, pruneStructured: structuredRatio,
                                    accuracyBudget: accuracyBudget)
    }

    private static func width(_ s: String, _ what: String) throws -> QWeightBits {
        guard let w = QWeightBits.allCases.first(where: { $0.name == s }) else {
            throw UsageError("\(what) must be int8 or int4, got '\(Diagnostic.printable(s))'")
        }
        return w
    }

    private static func ratio(_ s: String, _ what: String) throws -> Double {
        guard let v = Double(s), v.isFinite, v >= 0, v < 1 else {
            throw UsageError("\(what) must be a ratio in [0, 1), got '\(Diagnostic.printable(s))'")
        }
        return v
    }

    /// `NAME=VALUE`; the name is everything before the last `=` (node names may contain `=`).
    private static func assignment(_ s: String, _ what: String) throws -> (String, String) {
        guard let eq = s.lastIndex(of: "="), eq != s.startIndex else {
            throw UsageError("\(what) needs NAME=VALUE, got '\(Diagnostic.printable(s))'")
        }
        return (String(s[..<eq]), String(s[s.index(after: eq)...]))
    }
}
