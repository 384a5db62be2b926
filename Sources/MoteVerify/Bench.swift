import Foundation
import MoteIR

/// Executed-instruction counts of the emitted C on an emulated Cortex-M (`mote bench DIR --target CORE`).
///
/// Method. The model's C is cross-compiled with the same flags and linker script as `verify --target`, with a small
/// harness that fills the input with a fixed pseudo-random int8 pattern and calls `<name>_run` `inferences` times.
/// It runs under `qemu-system-arm -icount shift=0` with Mote's TCG plugin (`toolchain/cortex-m/plugin/icount.c`,
/// built with the host gcc), which counts every executed instruction and snapshots the running count whenever an
/// instruction at a marked address executes. The marks come from `arm-none-eabi-objdump` of the linked image:
/// the harness's `bl <name>_run` and the instruction after it, and every call instruction inside `<name>_run`
/// with the instruction after it. So, exactly and with the startup and harness cancelled out:
/// - per inference = count at the return address − count at the `bl <name>_run` (the call, the whole function);
/// - per call = count at its return address − count at its `bl` (the call instruction and everything the callee
///   executes), attributed to the layer whose `/* N: op "name" */` section of `<name>_run` in `<name>.c` makes
///   that call (calls matched to the source by callee name, in order). Layers without a call (reshapes planned in
///   place) count 0; the rest of `<name>_run` (prologue, argument set-up, input/output copies) is the glue.
/// Flash and RAM are from `arm-none-eabi-size -A` of the same image: flash = .text (code and constants) +
/// .ARM.exidx + .data, RAM = .data + .bss (the model's arena and the harness's input/output buffers), with the
/// linker script's stack reserve reported apart.
public enum CortexMBench {
    public struct Layer: Codable, Sendable, Equatable {
        public var index: Int
        public var name: String
        public var op: String
        public var instructions: Int
        public var macs: Int
        public var instructionsPerMac: Double?
    }

    public struct Result: Codable, Sendable, Equatable {
        public var target: String
        public var machine: String
        public var inferences: Int
        /// Executed instructions of one `<name>_run` call (identical across the measured inferences, else the max).
        public var instructionsPerInference: Int
        public var identicalAcrossInferences: Bool
        /// Instructions of `<name>_run` itself outside the kernel calls.
        public var glueInstructions: Int
        public var macs: Int
        public var instructionsPerMac: Double?
        public var flashBytes: Int
        public var ramBytes: Int
        public var textBytes: Int
        public var dataBytes: Int
        public var bssBytes: Int
        public var stackReserveBytes: Int
        public var layers: [Layer]
    }

    /// One layer as the bench needs it: from `QModel.layers`.
    public struct LayerInfo: Sendable {
        public var name: String
        public var op: String
        public var macs: Int
        public init(name: String, op: String, macs: Int) {
            self.name = name
            self.op = op
            self.macs = macs
        }
    }

    public static func layerInfo(_ model: QModel) -> [LayerInfo] {
        model.layers.map { layer in
            let macs: Int
            switch layer.op {
            case .conv(let c): macs = c.macs
            case .dense(let d): macs = d.macs
            default: macs = 0
            }
            return LayerInfo(name: layer.name, op: layer.op.name, macs: macs)
        }
    }

    /// The embedded plugin source keyed by file name (for the test that it matches `toolchain/cortex-m/plugin`).
    public static var pluginFiles: [String: String] { BenchPluginFiles.files }

    static let objdump = "arm-none-eabi-objdump"
    static let sizeTool = "arm-none-eabi-size"
    static let hostCompiler = "gcc"

    /// Like `CortexM.checkTools`, plus the host gcc (for the plugin) and binutils.
    public static func checkTools() throws {
        var missing: [String] = []
        if !ProcessRunner.isAvailable(CortexM.compiler) || !ProcessRunner.isAvailable(objdump) || !ProcessRunner.isAvailable(sizeTool) {
            missing.append("\(CortexM.compiler), \(objdump), \(sizeTool) (apt-get install gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi)")
        }
        if !ProcessRunner.isAvailable(CortexM.emulator) { missing.append("\(CortexM.emulator) (apt-get install qemu-system-arm)") }
        if !ProcessRunner.isAvailable(hostCompiler) { missing.append("\(hostCompiler) for the QEMU plugin (apt-get install gcc)") }
        guard missing.isEmpty else {
            throw Diagnostic("mote bench needs \(missing.joined(separator: " and ")); not found on PATH")
        }
    }

    /// The harness: a fixed input pattern, `inferences` calls of `<name>_run`; returns 0, or 1 when a run fails.
    static func source(name: String, inputSizes: [Int], outputSizes: [Int], inferences: Int) -> String {
        let io = Harness.IOBuffers(inputSizes: inputSizes, outputSizes: outputSizes)
        return """
        /* Mote Cortex-M bench harness: a fixed pseudo-random input, \(inferences) inference(s). */
        #include <stdint.h>
        #include "\(name).h"

        \(io.declarations)
        static volatile int mote_bench_runs = \(inferences);

        int main(void)
        {
            uint32_t s = 1u;
            for (unsigned i = 0; i < sizeof in; i++) {
                s = s * 1664525u + 1013904223u;
                in[i] = (int8_t)(s >> 24);
            }
            for (int k = 0; k < mote_bench_runs; k++) {
                if (\(name)_run(\(io.arguments)) != 0) return 1;
            }
            return 0;
        }

        """
    }

    struct Instruction {
        var address: Int
        var mnemonic: String
        var target: String?
    }

    /// The instructions of `symbol` from `objdump --disassemble=SYMBOL`.
    static func disassemble(_ elf: String, symbol: String) throws -> [Instruction] {
        let r = try ProcessRunner.run(objdump, ["-d", "--no-show-raw-insn", "--disassemble=\(symbol)", elf], timeout: 120)
        guard r.status == 0 else { throw Diagnostic("\(objdump) failed: \(r.output.prefix(2000))") }
        var result: [Instruction] = []
        var inside = false
        for line in r.output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasSuffix("<\(symbol)>:") { inside = true; continue }
            guard inside else { continue }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { if !result.isEmpty { break } else { continue } }
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count >= 2 else { continue }
            let addrText = parts[0].trimmingCharacters(in: .whitespaces).dropLast()
            guard parts[0].trimmingCharacters(in: .whitespaces).hasSuffix(":"), let address = Int(addrText, radix: 16) else { continue }
            let mnemonic = parts[1].trimmingCharacters(in: .whitespaces)
            var target: String? = nil
            if parts.count >= 3, let lt = parts[2].firstIndex(of: "<"), let gt = parts[2].lastIndex(of: ">"), lt < gt {
                target = String(parts[2][parts[2].index(after: lt)..<gt])
            }
            result.append(Instruction(address: address, mnemonic: mnemonic, target: target))
        }
        return result
    }

    /// Call names made in each layer section of `<name>_run` in the C source, in order: (layer index or nil, callee).
    static func sourceCalls(_ text: String, name: String) -> [(layer: Int?, callee: String)] {
        var calls: [(Int?, String)] = []
        var inside = false
        var layer: Int? = nil
        let keywords: Set<String> = ["if", "for", "while", "switch", "sizeof", "return", "defined"]
        for rawLine in text.split(separator: "\n") {
            let line = String(rawLine)
            if !inside {
                if line.hasPrefix("int \(name)_run(") { inside = true }
                continue
            }
            if line.hasPrefix("}") { break }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("/*") {
                let body = trimmed.dropFirst(2).trimmingCharacters(in: .whitespaces)
                if let colon = body.firstIndex(of: ":"), let n = Int(body[..<colon]) { layer = n }
                continue
            }
            // identifiers directly followed by "("
            let chars = Array(line.unicodeScalars)
            var i = 0
            while i < chars.count {
                let c = chars[i]
                if c == "_" || CharacterSet.letters.contains(c) {
                    var j = i
                    while j < chars.count, chars[j] == "_" || CharacterSet.alphanumerics.contains(chars[j]) { j += 1 }
                    let ident = String(String.UnicodeScalarView(chars[i..<j]))
                    var k = j
                    while k < chars.count, chars[k] == " " { k += 1 }
                    if k < chars.count, chars[k] == "(", !keywords.contains(ident), i == 0 || chars[i - 1] != "." {
                        calls.append((layer, ident))
                    }
                    i = j
                } else {
                    i += 1
                }
            }
        }
        return calls
    }

    struct CallSite {
        var start: Int
        var end: Int
        var layer: Int?
    }

    /// Builds and runs the bench for the compiled model in `directory`.
    public static func run(directory: URL, name: String, inputSizes: [Int], outputSizes: [Int], layers: [LayerInfo],
                           core: CortexM.Core, inferences: Int = 2, timeout: TimeInterval = 1200) throws -> Result {
        try checkTools()
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("mote-bench-\(core.name)-\(UUID().uuidString)")
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        func write(_ text: String, _ file: String) throws -> String {
            let url = work.appendingPathComponent(file)
            try Data(text.utf8).write(to: url)
            return url.path
        }
        for file in ["semihost.h", "semihost.c", "startup.c"] { _ = try write(CortexMFiles.files[file] ?? "", file) }
        for file in ["icount.c", "qemu_plugin_api.h"] { _ = try write(BenchPluginFiles.files[file] ?? "", file) }
        let script = try write(CortexM.linkerScript(for: core), "link.ld")
        let harness = try write(source(name: name, inputSizes: inputSizes, outputSizes: outputSizes, inferences: inferences), "bench.c")

        // The plugin, with the host gcc.
        let plugin = work.appendingPathComponent("icount.so").path
        let pb = try ProcessRunner.run(hostCompiler, ["-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-I", work.path,
                                                      work.appendingPathComponent("icount.c").path, "-o", plugin], timeout: 120)
        guard pb.status == 0 else { throw Diagnostic("building the QEMU plugin with \(hostCompiler) failed:\n\(pb.output.prefix(4000))") }

        // The firmware.
        let sources = try fm.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".c") }.sorted()
            .map { directory.appendingPathComponent($0).path }
        let elf = work.appendingPathComponent("bench.elf").path
        let build = try ProcessRunner.run(CortexM.compiler, CortexM.flags(for: core) + ["-T", script, "-I", work.path, "-I", directory.path]
                                          + sources + [harness, work.appendingPathComponent("startup.c").path,
                                                       work.appendingPathComponent("semihost.c").path, "-o", elf],
                                          timeout: timeout)
        guard !build.timedOut else { throw Diagnostic(file: directory.path, "\(CortexM.compiler) (\(core.name)) timed out") }
        guard build.status == 0 else {
            if let overflow = CortexM.overflowMessage(build.output, core: core) { throw Diagnostic(file: directory.path, overflow) }
            throw Diagnostic(file: directory.path, "\(CortexM.compiler) (\(core.name)) failed:\n\(build.output.prefix(4000))")
        }

        // Marks: the harness's call of <name>_run, and every call inside <name>_run.
        let runSymbol = "\(name)_run"
        let mainCode = try disassemble(elf, symbol: "main")
        let runCode = try disassemble(elf, symbol: runSymbol)
        guard !runCode.isEmpty else { throw Diagnostic(file: directory.path, "\(runSymbol) not found in the linked image") }
        var outer: [(Int, Int)] = []
        for (i, ins) in mainCode.enumerated() where (ins.mnemonic == "bl" || ins.mnemonic == "blx") && ins.target == runSymbol && i + 1 < mainCode.count {
            outer.append((ins.address, mainCode[i + 1].address))
        }
        guard !outer.isEmpty else { throw Diagnostic(file: directory.path, "the bench harness's call of \(runSymbol) was not found (inlined?)") }
        let cFile = directory.appendingPathComponent("\(name).c")
        let expected = sourceCalls((try? String(contentsOf: cFile, encoding: .utf8)) ?? "", name: name)
        var next = 0
        var sites: [CallSite] = []
        for (i, ins) in runCode.enumerated() {
            let isCall = ins.mnemonic == "bl" || ins.mnemonic == "blx"
            let isTail = (ins.mnemonic == "b.w" || ins.mnemonic == "b") && ins.target.map { !$0.hasPrefix(runSymbol) } == true
            guard isCall || isTail else { continue }
            let callee = ins.target.map { String($0.split(separator: "+").first ?? "") }
            var layer: Int? = nil
            if let callee, let j = expected[next...].firstIndex(where: { $0.callee == callee }) {
                layer = expected[j].layer
                next = j + 1
            }
            if isTail {
                for o in outer { sites.append(CallSite(start: ins.address, end: o.1, layer: layer)) }
            } else if i + 1 < runCode.count {
                sites.append(CallSite(start: ins.address, end: runCode[i + 1].address, layer: layer))
            }
        }
        var addresses: [Int] = []
        func markIndex(_ a: Int) -> Int {
            if let i = addresses.firstIndex(of: a) { return i }
            addresses.append(a)
            return addresses.count - 1
        }
        for o in outer { _ = markIndex(o.0); _ = markIndex(o.1) }
        for s in sites { _ = markIndex(s.start); _ = markIndex(s.end) }
        let marksFile = try write(addresses.map { String($0, radix: 16) }.joined(separator: "\n") + "\n", "marks.txt")
        let countsFile = work.appendingPathComponent("counts.txt").path

        let run = try ProcessRunner.run(CortexM.emulator, ["-machine", core.machine, "-cpu", core.qemuCpu, "-nographic", "-monitor", "none",
                                                           "-semihosting-config", "enable=on,target=native", "-icount", "shift=0",
                                                           "-plugin", "\(plugin),marks=\(marksFile),out=\(countsFile)", "-kernel", elf],
                                        timeout: timeout)
        guard run.status == 0, !run.timedOut else {
            let what = run.timedOut ? "timed out after \(Int(timeout)) s" : "failed with status \(run.status)"
            throw Diagnostic(file: directory.path, "the \(core.name) bench under \(CortexM.emulator) -machine \(core.machine) \(what):\n\(run.output.prefix(4000))")
        }
        guard let countsText = try? String(contentsOfFile: countsFile, encoding: .utf8) else {
            throw Diagnostic("the QEMU plugin wrote no counts:\n\(run.output.prefix(4000))")
        }
        var records: [(Int, Int)] = []
        for line in countsText.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 2, let i = Int(f[0]), let n = Int(f[1]) { records.append((i, n)) }
        }

        // Replay the snapshots: inferences between the outer marks, calls between their own.
        let outerStarts = Set(outer.map { markIndex($0.0) }), outerEnds = Set(outer.map { markIndex($0.1) })
        var perInference: [Int] = []
        var perLayerRuns: [[Int]] = []
        var current = [Int](repeating: 0, count: layers.count)
        var inferenceStart: Int? = nil
        var open: [Int: Int] = [:]   // site -> count at its start
        for (m, n) in records {
            for (k, s) in sites.enumerated() where markIndex(s.end) == m {
                if let start = open.removeValue(forKey: k), let l = s.layer, l >= 0, l < current.count { current[l] += n - start }
            }
            if outerEnds.contains(m), let start = inferenceStart {
                perInference.append(n - start)
                perLayerRuns.append(current)
                inferenceStart = nil
            }
            if outerStarts.contains(m) {
                inferenceStart = n
                current = [Int](repeating: 0, count: layers.count)
                open = [:]
            }
            for (k, s) in sites.enumerated() where markIndex(s.start) == m && inferenceStart != nil { open[k] = n }
        }
        guard let total = perInference.max(), let layerCounts = perLayerRuns.last, perInference.count == inferences else {
            throw Diagnostic(file: directory.path, "the bench recorded \(perInference.count) inferences, expected \(inferences)")
        }
        let identical = Set(perInference).count == 1 && Set(perLayerRuns.map { $0.map(String.init).joined(separator: ",") }).count == 1

        // Sizes.
        let sz = try ProcessRunner.run(sizeTool, ["-A", elf], timeout: 60)
        var sections: [String: Int] = [:]
        for line in sz.output.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            if f.count >= 3, f[0].hasPrefix("."), let size = Int(f[1]) { sections[String(f[0])] = size }
        }
        let text = (sections[".text"] ?? 0) + (sections[".ARM.exidx"] ?? 0)
        let data = sections[".data"] ?? 0, bss = sections[".bss"] ?? 0
        let macs = layers.map(\.macs).reduce(0, +)
        func ratio(_ a: Int, _ b: Int) -> Double? { b > 0 ? Double(a) / Double(b) : nil }
        let layerResults = layers.enumerated().map { i, l in
            Layer(index: i, name: l.name, op: l.op, instructions: layerCounts[i], macs: l.macs,
                  instructionsPerMac: ratio(layerCounts[i], l.macs))
        }
        return Result(target: core.name, machine: core.machine, inferences: inferences, instructionsPerInference: total,
                      identicalAcrossInferences: identical, glueInstructions: total - layerCounts.reduce(0, +), macs: macs,
                      instructionsPerMac: ratio(total, macs), flashBytes: text + data, ramBytes: data + bss, textBytes: text,
                      dataBytes: data, bssBytes: bss, stackReserveBytes: sections[".stack"] ?? 0, layers: layerResults)
    }
}
