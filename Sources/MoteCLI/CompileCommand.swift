import Foundation
import MoteCodegen
import MoteFloat
import MoteIR
import MoteQuant
import MoteReport
import MoteVerify

/// `mote compile MODEL.onnx --calibration CAL.npy -o DIR [--name NAME] [--calibrate minmax|percentile|mse]
/// [--no-bias-correction] [--weights int8|int4] [--int4-ends] [--layer-weights NAME=int8|int4]... [--rounding nearest|gptq]
/// [--prune RATIO] [--layer-prune NAME=RATIO]... [--prune-structured RATIO] [--sensitivity]
/// [--accuracy-budget PP] [--flash-budget B] [--ram-budget B] [--json]`.
enum CompileCommand {
    static func run(_ args: [String], console: Console) throws -> ExitCode {
        let parsed = try Arguments(args, valueOptions: Set(["--calibration", "-o", "--name", "--calibrate", "--flash-budget", "--ram-budget"])
                                       .union(CompressionArguments.valueOptions),
                                   flagOptions: Set(["--json", "--no-bias-correction"]).union(CompressionArguments.flagOptions))
        let path = try parsed.onePositional("MODEL.onnx")
        let calibrationPath = try parsed.required("--calibration")
        let dir = try parsed.required("-o")
        let name = try parsed.single("--name") ?? "model"
        guard CIdentifier.isValid(name) else {
            throw UsageError("--name must be a C identifier ([A-Za-z_][A-Za-z0-9_]*, at most 32 characters), got '\(Diagnostic.printable(name))'")
        }
        let methodName = try parsed.single("--calibrate") ?? QuantizeOptions().rangeMethod.rawValue
        guard let method = RangeMethod(rawValue: methodName) else {
            throw UsageError("--calibrate must be one of \(RangeMethod.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let compression = try CompressionArguments(parsed, rangeMethod: method,
                                                   biasCorrection: !parsed.flags.contains("--no-bias-correction"))
        let options = compression.quantize
        let budget = try ReportCommand.budget(parsed)

        let modelBytes = try Files.read(path)
        let (_, graph) = try ModelLoading.load(path)
        guard graph.inputs.count == 1 else {
            throw Diagnostic(file: path, "the model has \(graph.inputs.count) inputs; `compile` supports single-input models")
        }
        let weightLayers = Set(Quantizer.weightLayerNames(graph))
        let unknown = Set(options.layerWeightBits.keys).union(options.layerPruneRatio.keys).subtracting(weightLayers).sorted()
        if !unknown.isEmpty {
            throw DiagnosticList(unknown.map {
                Diagnostic(file: path, node: $0, "is not a Conv/Gemm/MatMul layer of the model (--layer-weights/--layer-prune name weight layers: \(weightLayers.sorted().prefix(8).map { Diagnostic.printable($0) }.joined(separator: ", "))\(weightLayers.count > 8 ? ", …" : ""))")
            })
        }
        let inputShape = graph.type(of: graph.inputs[0]).shape
        let calibration = try NPYFiles.readFloats(calibrationPath, expecting: inputShape, name: graph[graph.inputs[0]].name)
        let samples = Batches.split(calibration, sampleShape: inputShape).map { [$0] }

        let quantized: QModel
        var pruning: (graph: Graph, layers: [PrunedLayer])? = nil
        var sensitivity: Sensitivity? = nil
        do {
            if compression.structuredRatio > 0 {
                pruning = try StructuredPruning.prune(graph, calibration: samples, ratio: compression.structuredRatio)
            }
            if compression.sensitivity {
                let c = try QuantizationPipeline.compress(pruning?.graph ?? graph, reference: graph, calibration: samples,
                                                          options: options, accuracyBudget: compression.accuracyBudget)
                quantized = c.result.model
                sensitivity = Sensitivity(samples: c.scoredSamples, baselineAgreement: c.baseline.top1Agreement,
                                          finalAgreement: c.final.top1Agreement, budgetPoints: compression.accuracyBudget,
                                          layers: c.sensitivity)
            } else {
                quantized = try QuantizationPipeline.quantize(pruning?.graph ?? graph, calibration: samples, options: options)
            }
        } catch let d as Diagnostic {
            throw d.inFile(path)
        } catch let list as DiagnosticList {
            throw DiagnosticList(list.diagnostics.map { $0.inFile(path) })
        }
        let hash = SHA256.hex(modelBytes)
        // Sizes as the compilers see them; without a C compiler the report says what it could not measure.
        var warned = false
        let chosen = try StorageChoice.smallest(quantized, emit: {
            try Codegen.emit($0, options: CodegenOptions(name: name, toolVersion: MoteVersion.string, modelHash: hash))
        }, measure: { emitted in
            do {
                return try SizeProbe.measure(emitted: emitted, name: name, layerCount: quantized.layers.count)
            } catch {
                if !warned { console.err("warning: code size and stack not measured: \(error)") }
                warned = true
                return nil
            }
        })
        let (program, emitted) = (chosen.program, chosen.emitted)
        var report = SizeReport(model: program, plan: Codegen.memoryPlan(program), measurement: chosen.measurement, name: name, budget: budget)
        report.denseFallback = chosen.fallback
        report.sensitivity = sensitivity

        let metadata = CompileMetadata(toolVersion: MoteVersion.string, name: name, modelSha256: hash,
                                       sourceModel: CompiledModel.sourceModelFile, weights: options.weightBits.name,
                                       calibration: .init(method: method.rawValue, samples: samples.count,
                                                          biasCorrection: options.biasCorrection),
                                       compression: compression.metadata)
        var files: [(path: String, bytes: [UInt8])] = emitted.map { ($0.path, Array($0.contents.utf8)) }
        files.append((CompiledModel.sourceModelFile, modelBytes))
        files.append((CompiledModel.programFile, try CompiledModel.encode(program)))
        files.append((CompiledModel.metadataFile, try CompiledModel.encode(metadata)))
        files.append((ReportCommand.jsonFile, Array(try report.json().utf8)))
        files.append((ReportCommand.markdownFile, Array(report.markdown(svgFile: ReportCommand.svgFile).utf8)))
        files.append((ReportCommand.svgFile, Array(report.svg().utf8)))
        try OutputDirectory.write(files, to: dir)

        if parsed.flags.contains("--json") {
            console.out(try report.json())
        } else {
            console.out("compiled \(Diagnostic.printable(path)) → \(Diagnostic.printable(dir))/\(name).c (calibrated on \(samples.count) samples, \(method.rawValue))")
            if let pruning {
                let pruned = pruning.layers.filter { $0.channelsAfter < $0.channelsBefore }
                console.out("structured pruning \(Int((compression.structuredRatio * 100).rounded()))%: \(pruned.count) layers lose channels (\(pruned.map { "\(Diagnostic.printable($0.name)) \($0.channelsBefore)→\($0.channelsAfter)" }.joined(separator: ", "))); MACs \(graph.totalCost.macs) → \(pruning.graph.totalCost.macs)")
            }
            if let sensitivity {
                let chosen = sensitivity.layers.filter { $0.chosen != .int8 }
                console.out("sensitivity on \(sensitivity.samples) calibration samples: top-1 agreement with float \(Self.percent(sensitivity.baselineAgreement)) all int8 → \(Self.percent(sensitivity.finalAgreement)) compiled\(chosen.isEmpty ? "" : "; " + chosen.map { "\(Diagnostic.printable($0.layer)) \($0.chosen)" }.joined(separator: ", "))")
            }
            console.out(ReportCommand.summary(report))
        }
        return ReportCommand.verdict(report, console: console)
    }
}

extension CompileCommand {
    static func percent(_ share: Double) -> String { "\((share * 1000).rounded() / 10)%" }
}

/// Splitting a batch along axis 0 into samples of the model's input shape.
enum Batches {
    static func split(_ t: FloatTensor, sampleShape: [Int]) -> [FloatTensor] {
        let per = Shape.count(sampleShape)
        guard per > 0 else { return [] }
        return (0..<(t.data.count / per)).map { FloatTensor(shape: sampleShape, data: Array(t.data[($0 * per)..<(($0 + 1) * per)])) }
    }
}

/// Names that become C identifiers.
enum CIdentifier {
    static func isValid(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, s.unicodeScalars.count <= 32 else { return false }
        func letter(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" }
        return letter(first) && s.unicodeScalars.allSatisfy { letter($0) || ($0 >= "0" && $0 <= "9") }
    }
}
