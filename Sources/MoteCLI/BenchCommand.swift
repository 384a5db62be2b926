import Foundation
import MoteIR
import MoteVerify

/// `mote bench DIR --target CORE [--inferences N] [--json]`: cross-compiles the emitted C for the Cortex-M core,
/// runs it under qemu-system-arm with `-icount shift=0` and Mote's instruction-count plugin, and reports the
/// executed instructions per inference and per layer, MACs, instructions per MAC, and flash/RAM of the linked
/// image. The method is documented on `CortexMBench`.
enum BenchCommand {
    static func run(_ args: [String], console: Console) throws -> ExitCode {
        let parsed = try Arguments(args, valueOptions: ["--target", "--inferences"], flagOptions: ["--json"])
        let dir = try parsed.onePositional("DIR")
        let target = try parsed.single("--target") ?? "cortex-m4"
        guard let core = CortexM.cores.first(where: { $0.name == target }) else {
            throw UsageError("unknown --target '\(Diagnostic.printable(target))'; known: \(CortexM.cores.map(\.name).joined(separator: ", "))")
        }
        var inferences = 2
        if let text = try parsed.single("--inferences") {
            guard let n = Int(text), n >= 1, n <= 1000 else { throw UsageError("--inferences must be a number from 1 to 1000") }
            inferences = n
        }
        try CortexMBench.checkTools()
        let (meta, program, _) = try CompiledModel.load(dir)
        let inputSizes = program.inputs.map { program.tensors[$0].count }
        let outputSizes = program.outputs.map { program.tensors[$0].count }
        let result = try CortexMBench.run(directory: URL(fileURLWithPath: dir), name: meta.name, inputSizes: inputSizes,
                                          outputSizes: outputSizes, layers: CortexMBench.layerInfo(program), core: core,
                                          inferences: inferences)
        if parsed.flags.contains("--json") {
            console.out(try JSON.encode(result))
            return .ok
        }
        func perMac(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "-" }
        func grouped(_ n: Int) -> String {
            let s = String(n)
            var out = ""
            for (i, c) in s.reversed().enumerated() { if i > 0 && i % 3 == 0 { out.append(",") }; out.append(c) }
            return String(out.reversed())
        }
        func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
            s.count >= w ? s : (right ? String(repeating: " ", count: w - s.count) + s : s + String(repeating: " ", count: w - s.count))
        }
        let nameWidth = min(48, max(5, result.layers.map { Diagnostic.printable($0.name).count }.max() ?? 5))
        var lines = ["bench \(Diagnostic.printable(dir)) on \(result.target) (QEMU \(result.machine), -icount shift=0, \(result.inferences) inference(s)\(result.identicalAcrossInferences ? ", identical" : ", NOT identical: max shown"))"]
        lines.append(pad("#", 4) + pad("layer", nameWidth + 2) + pad("op", 10) + pad("instructions", 14, right: true)
                     + pad("MACs", 14, right: true) + pad("instr/MAC", 11, right: true))
        for l in result.layers {
            lines.append(pad(String(l.index), 4) + pad(String(Diagnostic.printable(l.name).prefix(nameWidth)), nameWidth + 2) + pad(l.op, 10)
                         + pad(grouped(l.instructions), 14, right: true) + pad(grouped(l.macs), 14, right: true)
                         + pad(perMac(l.instructionsPerMac), 11, right: true))
        }
        lines.append(pad("", 4) + pad("(glue in \(meta.name)_run)", nameWidth + 2) + pad("", 10) + pad(grouped(result.glueInstructions), 14, right: true))
        lines.append(pad("", 4) + pad("total per inference", nameWidth + 2) + pad("", 10) + pad(grouped(result.instructionsPerInference), 14, right: true)
                     + pad(grouped(result.macs), 14, right: true) + pad(perMac(result.instructionsPerMac), 11, right: true))
        lines.append("flash \(grouped(result.flashBytes)) B (text \(grouped(result.textBytes)) + data \(grouped(result.dataBytes))), RAM \(grouped(result.ramBytes)) B (data + bss \(grouped(result.bssBytes))) + \(grouped(result.stackReserveBytes)) B stack reserve")
        console.out(lines.joined(separator: "\n"))
        return .ok
    }
}
