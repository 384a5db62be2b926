import Foundation
import MoteFloat
import MoteInteger
import MoteIR
import MoteNPY
import MoteONNX
import MoteVerify

/// `mote verify DIR --input X.npy [--labels L.npy] [--output Q.npy] [--target CORE] [--json]`: builds the emitted C
/// with the host gcc (strict warnings, then sanitizers) — or, with `--target cortex-m0|m3|m4|m7|m33`, cross-compiles
/// it with arm-none-eabi-gcc and runs it under qemu-system-arm on the board emulating that core — runs every input
/// through the build(s) and through the Swift integer interpreter, and compares every output byte. Exit 3 when any
/// byte differs.
enum VerifyCommand {
    struct Report: Codable {
        var directory: String
        var inputs: Int
        var builds: [String]
        var outputBytes: Int
        var mismatches: Int
        var firstMismatch: String?
        var top1Agreement: Double
        var maxAbsError: Double
        var sqnrDb: Double
        var accuracyFloat: Double?
        var accuracyQuantized: Double?
    }

    static func run(_ args: [String], console: Console) throws -> ExitCode {
        let parsed = try Arguments(args, valueOptions: ["--input", "--labels", "--output", "--target"], flagOptions: ["--json"])
        let dir = try parsed.onePositional("DIR")
        let inputPath = try parsed.required("--input")
        var core: CortexM.Core? = nil
        if let target = try parsed.single("--target"), target != "host" {
            guard let known = CortexM.cores.first(where: { $0.name == target }) else {
                throw UsageError("unknown --target '\(Diagnostic.printable(target))'; known: host, \(CortexM.cores.map(\.name).joined(separator: ", "))")
            }
            try CortexM.checkTools()
            core = known
        }
        let (meta, program, sourceBytes) = try CompiledModel.load(dir)
        let graph = try ONNXImport.graph(fromBytes: sourceBytes, file: "\(dir)/\(CompiledModel.sourceModelFile)")
        guard program.inputs.count == 1, graph.inputs.count == 1, let outputTensor = program.outputs.first else {
            throw Diagnostic(file: dir, "verify supports single-input models")
        }
        let inputShape = graph.type(of: graph.inputs[0]).shape
        let batch = try NPYFiles.readFloats(inputPath, expecting: inputShape, name: graph[graph.inputs[0]].name)
        let samples = Batches.split(batch, sampleShape: inputShape)
        var labels: [Int]? = nil
        if let labelPath = try parsed.single("--labels") {
            labels = try NPYFiles.readLabels(labelPath, count: samples.count)
        }

        // The integer program on Swift's side: the golden model.
        let interpreter: IntegerInterpreter
        do { interpreter = try IntegerInterpreter(model: program) } catch let d as Diagnostic { throw d.inFile(dir) }
        let inQuant = program.tensors[program.inputs[0]].quant
        let quantizedInputs = samples.map { s in s.data.map { inQuant.quantize($0) } }
        let expected = try quantizedInputs.map { try interpreter.run([$0]) }

        // The emitted C, built twice on the host, or once for the Cortex-M core and run under QEMU.
        let outputSizes = program.outputs.map { program.tensors[$0].count }
        var mismatches = 0
        var firstMismatch: String? = nil
        var cOutputs: [[Int8]] = []
        let profiles = core.map { [Harness.Profile(name: $0.name, flags: CortexM.flags(for: $0))] }
            ?? [Harness.Profile.strict, Harness.Profile.sanitize]
        for profile in profiles {
            let directory = URL(fileURLWithPath: dir), inputSizes = [program.tensors[program.inputs[0]].count]
            let got = try core.map {
                try CortexM.run(directory: directory, name: meta.name, inputSizes: inputSizes, outputSizes: outputSizes,
                                samples: quantizedInputs, core: $0)
            } ?? Harness.run(directory: directory, name: meta.name, inputSizes: inputSizes, outputSizes: outputSizes,
                             samples: quantizedInputs, profile: profile)
            for (s, (g, e)) in zip(got, expected.map { $0.flatMap { $0 } }).enumerated() {
                for (i, (a, b)) in zip(g, e).enumerated() where a != b {
                    mismatches += 1
                    if firstMismatch == nil { firstMismatch = "\(profile.name) build, sample \(s), output byte \(i): C \(a), Swift \(b)" }
                }
            }
            if profile.name == profiles[0].name { cOutputs = got }
        }

        // Agreement with the float model, on the first output.
        let floatInterpreter = try FloatInterpreter(graph: graph)
        let outQuant = program.tensors[outputTensor].quant
        let firstSize = outputSizes[0]
        let floats = try samples.map { try floatInterpreter.run([$0])[0].data }
        let dequantized = cOutputs.map { $0.prefix(firstSize).map { outQuant.dequantize($0) } }
        let agreement = Agreement.measure(float: floats, quantized: dequantized, labels: labels)

        if let outPath = try parsed.single("--output") {
            // One sample's output stacked along a new batch axis (or along its own batch axis of 1).
            let sampleShape = program.tensors[outputTensor].shape
            let shape = [samples.count] + (sampleShape.first == 1 ? Array(sampleShape.dropFirst()) : sampleShape)
            try Files.write(NPY.encode(try NPYFiles.float32Array(dequantized.flatMap { $0 }, shape: shape, for: outPath)), to: outPath)
        }
        let report = Report(directory: dir, inputs: samples.count, builds: profiles.map(\.name),
                            outputBytes: outputSizes.reduce(0, +) * samples.count * profiles.count, mismatches: mismatches,
                            firstMismatch: firstMismatch, top1Agreement: agreement.top1Agreement,
                            maxAbsError: agreement.maxAbsError, sqnrDb: agreement.sqnrDb,
                            accuracyFloat: agreement.accuracyFloat, accuracyQuantized: agreement.accuracyQuantized)
        if parsed.flags.contains("--json") {
            console.out(try JSON.encode(report))
        } else {
            var lines = ["verified \(Diagnostic.printable(dir)): \(samples.count) inputs, builds \(report.builds.joined(separator: " + ")), \(mismatches) mismatching output bytes of \(report.outputBytes)"]
            if let firstMismatch { lines.append("first mismatch: \(firstMismatch)") }
            lines.append(String(format: "float vs int8: top-1 agreement %.2f%%, max abs error %.4g, SQNR %.2f dB",
                                agreement.top1Agreement * 100, agreement.maxAbsError, agreement.sqnrDb))
            if let f = agreement.accuracyFloat, let q = agreement.accuracyQuantized {
                lines.append(String(format: "accuracy: float %.2f%%, int8 %.2f%% (%+.2f points)", f * 100, q * 100, (q - f) * 100))
            }
            console.out(lines.joined(separator: "\n"))
        }
        return mismatches == 0 ? .ok : .budgetOrMismatch
    }
}

extension NPYFiles {
    /// Integer class labels, one per sample.
    static func readLabels(_ path: String, count: Int) throws -> [Int] {
        let array: NPYArray
        do { array = try NPY.decode(try Files.read(path)) } catch let e as NPYError { throw Diagnostic(file: path, e.message) }
        guard array.count == count, array.shape.count <= 2, array.shape.first == count else {
            throw Diagnostic(file: path, "labels have shape \(Shape.describe(array.shape)); expected [\(count)] for \(count) inputs")
        }
        do {
            return try array.asInt64s().map { Int($0) }
        } catch let e as NPYError {
            throw Diagnostic(file: path, "labels must be integers (\(e.message))")
        }
    }
}
