import Foundation
import MoteCodegen
import MoteIR
import MoteReport

/// Measures what the linker sees: compiles the emitted C (`<name>.c` and the runtime files) to objects with
/// each toolchain, reads `size` and `nm`, attributes the model's constants to its layers, finds the deepest stack
/// chain from `<name>_run` with `-fstack-usage` and `-fcallgraph-info`, and (for Cortex-M4) links a firmware-style
/// image to check the totals. Every process runs with a time limit.
public enum SizeProbe {
    /// A C compiler and its binutils, with the flags used for the objects.
    public struct Toolchain: Sendable, Equatable {
        /// "host" or "cortex-m4" (`TargetMeasurement.target`).
        public var target: String
        public var compiler: String
        public var size: String
        public var nm: String
        public var objdump: String
        /// Compile flags (the probe adds `-fstack-usage -fcallgraph-info=su -c`).
        public var flags: [String]
        /// Flags of the check link; nil: no link for this target.
        public var linkFlags: [String]?

        public init(target: String, compiler: String, size: String, nm: String, objdump: String, flags: [String],
                    linkFlags: [String]?) {
            self.target = target
            self.compiler = compiler
            self.size = size
            self.nm = nm
            self.objdump = objdump
            self.flags = flags
            self.linkFlags = linkFlags
        }

        /// Sections per function and per object, so that `size` and `nm` see each symbol on its own and a
        /// `--gc-sections` link drops what nothing calls.
        static let common = ["-std=c99", "-Os", "-ffunction-sections", "-fdata-sections"]

        public static let host = Toolchain(target: TargetMeasurement.host, compiler: "gcc", size: "size", nm: "nm",
                                           objdump: "objdump", flags: common, linkFlags: nil)

        static let m4 = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=soft"]
        public static let cortexM4 = Toolchain(target: TargetMeasurement.cortexM4, compiler: "arm-none-eabi-gcc",
                                               size: "arm-none-eabi-size", nm: "arm-none-eabi-nm",
                                               objdump: "arm-none-eabi-objdump", flags: m4 + common,
                                               linkFlags: m4 + ["-Os", "--specs=nosys.specs", "-Wl,--gc-sections"])

        /// True when the compiler and binutils are on PATH.
        public var isAvailable: Bool {
            [compiler, size, nm, objdump].allSatisfy { ProcessRunner.isAvailable($0) }
        }
    }

    /// The toolchains installed here, host first.
    public static func availableToolchains() -> [Toolchain] {
        [Toolchain.host, Toolchain.cortexM4].filter(\.isAvailable)
    }

    /// Measures the emitted files in `directory` (`<name>.c`, `<name>.h`, the `mote_*` runtime) with each of
    /// `toolchains` (all installed ones by default). `layerCount` sizes the per-layer attribution. Throws a
    /// `Diagnostic` when a toolchain is missing, a build fails or a tool times out.
    public static func measure(directory: URL, name: String, layerCount: Int, toolchains: [Toolchain]? = nil,
                               timeout: TimeInterval = 300) throws -> SizeMeasurement {
        let chosen = toolchains ?? availableToolchains()
        guard !chosen.isEmpty else {
            throw Diagnostic(file: directory.path, "no C compiler found to measure the emitted code (install gcc; arm-none-eabi-gcc for Cortex-M figures)")
        }
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("mote-size-\(UUID().uuidString)")
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        var targets: [TargetMeasurement] = []
        for (k, toolchain) in chosen.enumerated() {
            let dir = work.appendingPathComponent("\(k)-\(toolchain.target)")
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            targets.append(try measure(source: directory, work: dir, name: name, layerCount: layerCount,
                                       toolchain: toolchain, timeout: timeout))
        }
        return SizeMeasurement(targets: targets)
    }

    /// Measures what `Codegen.emit` returned, before it is written anywhere (so `mote compile` can put the report
    /// into its staging directory with the C).
    public static func measure(emitted: [EmittedFile], name: String, layerCount: Int, toolchains: [Toolchain]? = nil,
                               timeout: TimeInterval = 300) throws -> SizeMeasurement {
        try measure(files: emitted.map { ($0.path, $0.contents) }, name: name, layerCount: layerCount,
                    toolchains: toolchains, timeout: timeout)
    }

    /// Writes `files` to a temporary directory and measures them there.
    public static func measure(files: [(path: String, contents: String)], name: String, layerCount: Int,
                               toolchains: [Toolchain]? = nil, timeout: TimeInterval = 300) throws -> SizeMeasurement {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("mote-size-src-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        for file in files {
            guard !file.path.contains("/"), !file.path.hasPrefix(".") else {
                throw Diagnostic("emitted file name '\(Diagnostic.printable(file.path))' is not a plain file name")
            }
            try Data(file.contents.utf8).write(to: dir.appendingPathComponent(file.path))
        }
        return try measure(directory: dir, name: name, layerCount: layerCount, toolchains: toolchains, timeout: timeout)
    }

    // MARK: One toolchain

    static func measure(source: URL, work: URL, name: String, layerCount: Int, toolchain tc: Toolchain,
                        timeout: TimeInterval) throws -> TargetMeasurement {
        let fm = FileManager.default
        let modelFile = "\(name).c"
        // The model and the runtime only: anything else a user put in the directory (a main.c) is not the model's.
        let sources = try fm.contentsOfDirectory(atPath: source.path)
            .filter { $0 == modelFile || ($0.hasPrefix("mote_") && $0.hasSuffix(".c")) }.sorted()
        guard sources.contains(modelFile) else {
            throw Diagnostic(file: source.path, "no \(modelFile) to measure (is '\(Diagnostic.printable(name))' the model's --name?)")
        }
        let versionRun = try tool(tc.compiler, ["--version"], timeout: timeout, what: "\(tc.compiler) --version")
        let version = versionRun.output.split(separator: "\n").first.map(String.init) ?? tc.compiler

        // Objects, with their stack usage and call graph beside them.
        var objects: [(file: String, path: String, su: String, ci: String)] = []
        for file in sources {
            let stem = String(file.dropLast(2))
            let object = work.appendingPathComponent(stem + ".o")
            try tool(tc.compiler, tc.flags + ["-fstack-usage", "-fcallgraph-info=su", "-I", source.path, "-c",
                                              source.appendingPathComponent(file).path, "-o", object.path],
                     timeout: timeout, what: "\(tc.compiler) (\(tc.target)) on \(file)")
            let su = (try? String(contentsOf: work.appendingPathComponent(stem + ".su"), encoding: .utf8)) ?? ""
            let ci = (try? String(contentsOf: work.appendingPathComponent(stem + ".ci"), encoding: .utf8)) ?? ""
            objects.append((stem + ".o", object.path, su, ci))
        }

        // size: Berkeley totals per object, per section to tell code from constants; nm: the symbols.
        let berkeley = ToolOutput.berkeley(try tool(tc.size, objects.map(\.path), timeout: timeout, what: tc.size).output)
        guard berkeley.count == objects.count else {
            throw Diagnostic(file: source.path, "\(tc.size) listed \(berkeley.count) objects, expected \(objects.count)")
        }
        var sections: [[(name: String, bytes: Int)]] = []
        var symbols: [[ToolOutput.Symbol]] = []
        for object in objects {
            sections.append(ToolOutput.sections(try tool(tc.size, ["-A", object.path], timeout: timeout, what: "\(tc.size) -A").output))
            symbols.append(ToolOutput.symbols(try tool(tc.nm, ["-S", "--size-sort", object.path], timeout: timeout, what: tc.nm).output))
        }

        // The check link (Cortex-M4): what `--gc-sections` leaves out, and the library routines, which also give
        // the frames .su files lack.
        var link: LinkMeasurement?
        var disassembly: [String: ToolOutput.DisassembledFunction]?
        var removed = [Set<String>](repeating: [], count: objects.count)
        if let linkFlags = tc.linkFlags {
            let header = try String(contentsOf: source.appendingPathComponent("\(name).h"), encoding: .utf8)
            let ports = try portCounts(header: header, name: name, file: source.path)
            let mainC = work.appendingPathComponent("mote_probe_main.c"), stubC = work.appendingPathComponent("mote_probe_stub.c")
            try Data(probeMain(name: name, inputs: ports.inputs, outputs: ports.outputs).utf8).write(to: mainC)
            try Data(probeStub(name: name, inputs: ports.inputs, outputs: ports.outputs).utf8).write(to: stubC)
            let image = work.appendingPathComponent("image.elf"), baseline = work.appendingPathComponent("baseline.elf")
            let include = ["-I", source.path]
            let linked = try tool(tc.compiler, linkFlags + ["-Wl,--print-gc-sections"] + include + [mainC.path] + objects.map(\.path)
                                  + ["-o", image.path], timeout: timeout, what: "\(tc.compiler) link (\(tc.target))")
            let dropped = ToolOutput.removedSections(linked.output)
            for (k, object) in objects.enumerated() { removed[k] = dropped[object.path] ?? [] }
            try tool(tc.compiler, linkFlags + include + [mainC.path, stubC.path, "-o", baseline.path],
                     timeout: timeout, what: "\(tc.compiler) baseline link (\(tc.target))")
            let images = ToolOutput.berkeley(try tool(tc.size, [image.path, baseline.path], timeout: timeout, what: tc.size).output)
            guard images.count == 2 else {
                throw Diagnostic(file: source.path, "\(tc.size) did not report the linked images")
            }
            // Library routines: defined in the image, by neither the objects nor the baseline image.
            let imageSymbols = ToolOutput.symbolsByAddress(try tool(tc.nm, ["-n", "-S", image.path], timeout: timeout, what: tc.nm).output)
            let baselineSymbols = ToolOutput.symbolsByAddress(try tool(tc.nm, ["-n", "-S", baseline.path], timeout: timeout, what: tc.nm).output)
            let known = Set(baselineSymbols.map(\.name) + symbols.joined().map(\.name))
            let pulledIn = imageSymbols.filter { "TtWwRrDd".contains($0.type) && !known.contains($0.name) && !$0.name.hasPrefix("$") }
                .map { SymbolSize(name: $0.name, bytes: $0.bytes) }.sorted { ($0.name, $0.bytes) < ($1.name, $1.bytes) }
            link = LinkMeasurement(image: images[0].sizes, baseline: images[1].sizes, flags: linkFlags, library: pulledIn)
            let listing = try tool(tc.objdump, ["-d", "--no-show-raw-insn", image.path], timeout: timeout, what: tc.objdump).output
            disassembly = ToolOutput.armFunctions(listing)
        }

        // The sums, without the sections the link left out: a firmware built with --gc-sections carries none of
        // them (with -ffunction-sections a kernel path no layer reaches is one such section).
        var objectSizes: [ObjectSize] = []
        var code = 0, data = 0, bss = 0, other = 0, modelConstants = 0, runtimeConstants = 0
        var functions: [SymbolSize] = []
        var unlinked: [SymbolSize] = []
        var modelSymbols: [ToolOutput.Symbol] = []
        var modelRemoved: Set<String> = []
        for (k, (object, row)) in zip(objects, berkeley).enumerated() {
            objectSizes.append(ObjectSize(file: object.file, sizes: row.sizes))
            let kept = sections[k].filter { !removed[k].contains($0.name) }
            let left = sections[k].filter { removed[k].contains($0.name) }
            func sum(_ list: [(name: String, bytes: Int)], _ prefixes: String...) -> Int {
                list.filter { s in prefixes.contains { s.name.hasPrefix($0) } }.reduce(0) { $0 + $1.bytes }
            }
            unlinked += left.filter { s in [".text", ".rodata", ".data"].contains { s.name.hasPrefix($0) } }
                .map { SymbolSize(name: "\(object.file): \($0.name)", bytes: $0.bytes) }
            let text = sum(kept, ".text")
            let rodata = sum(kept, ".rodata")
            // Constant structs holding pointers land in .data.rel.ro under PIC (the host default): read-only
            // after relocation, so they count as constants although `size` lists them as data.
            let relro = sum(kept, ".data.rel.ro")
            code += text
            data += max(0, row.sizes.data - sum(left, ".data") - relro)
            bss += row.sizes.bss - sum(left, ".bss")
            other += max(0, row.sizes.text - sum(sections[k], ".text", ".rodata"))
            if object.file == "\(name).o" { modelConstants += rodata + relro } else { runtimeConstants += rodata + relro }
            functions += symbols[k].filter { "TtWw".contains($0.type) && !removed[k].contains(".text." + $0.name) }
                .map { SymbolSize(name: $0.name, bytes: $0.bytes) }
            if object.file == "\(name).o" { (modelSymbols, modelRemoved) = (symbols[k], removed[k]) }
        }
        functions.sort { ($0.name, $0.bytes) < ($1.name, $1.bytes) }
        unlinked.sort { ($0.name, $0.bytes) < ($1.name, $1.bytes) }

        // The arena and the per-layer constants of <name>.o.
        let arena = modelSymbols.first { $0.name == "\(name)_arena" && "bB".contains($0.type) }?.bytes ?? 0
        let modelText = try String(contentsOf: source.appendingPathComponent(modelFile), encoding: .utf8)
        let owner = ToolOutput.layerSymbols(modelSource: modelText, runFunction: "\(name)_run")
        var layers = [[SymbolSize]](repeating: [], count: max(layerCount, 0))
        var unowned: [SymbolSize] = []
        for s in modelSymbols where "rRdD".contains(s.type) && !modelRemoved.contains(".rodata." + s.name) {
            let entry = SymbolSize(name: s.name, bytes: s.bytes)
            if let i = owner[s.name], i >= 0, i < layers.count { layers[i].append(entry) } else { unowned.append(entry) }
        }
        for i in layers.indices { layers[i].sort { $0.name < $1.name } }
        unowned.sort { $0.name < $1.name }

        let analysis = StackAnalysis(objects: objects.map { ($0.su, $0.ci) }, library: disassembly)
        let stack = analysis.deepest(from: "\(name)_run")

        return TargetMeasurement(target: tc.target, compiler: version, flags: tc.flags, objects: objectSizes,
                                 codeBytes: code, functions: functions, modelConstantBytes: modelConstants,
                                 runtimeConstantBytes: runtimeConstants, dataBytes: data, arenaBytes: arena,
                                 otherBssBytes: max(0, bss - arena), otherBytes: other, layerSymbols: layers,
                                 otherModelSymbols: unowned, stack: stack, link: link, unlinked: unlinked)
    }

    // MARK: Processes

    @discardableResult
    static func tool(_ executable: String, _ arguments: [String], timeout: TimeInterval, what: String) throws -> ProcessRunner.Result {
        let r = try ProcessRunner.run(executable, arguments, timeout: timeout)
        guard !r.timedOut else { throw Diagnostic("\(what) timed out after \(Int(timeout)) s") }
        guard r.status == 0 else { throw Diagnostic("\(what) failed (status \(r.status)):\n\(r.output.prefix(4000))") }
        return r
    }

    // MARK: The check link's main

    /// `<NAME>_INPUT_COUNT` and `<NAME>_OUTPUT_COUNT` from the emitted header.
    static func portCounts(header: String, name: String, file: String) throws -> (inputs: Int, outputs: Int) {
        func value(_ macro: String) -> Int? {
            for line in header.split(separator: "\n") {
                let f = line.split(separator: " ")
                if f.count == 3, f[0] == "#define", f[1] == macro { return Int(f[2]) }
            }
            return nil
        }
        let m = name.uppercased()
        guard let i = value("\(m)_INPUT_COUNT"), let o = value("\(m)_OUTPUT_COUNT"), i >= 1, o >= 1 else {
            throw Diagnostic(file: file, "\(name).h lacks \(m)_INPUT_COUNT / \(m)_OUTPUT_COUNT")
        }
        return (i, o)
    }

    static func portMacro(_ name: String, _ role: String, _ k: Int, _ count: Int) -> String {
        "\(name.uppercased())_\(role)\(count == 1 ? "" : String(k))_SIZE"
    }

    /// A firmware-style `main`: static buffers for every port and one call of `<name>_run`.
    static func probeMain(name: String, inputs: Int, outputs: Int) -> String {
        var c = "/* Mote size probe: the smallest firmware that runs the model once. */\n"
        c += "#include <stdint.h>\n#include \"\(name).h\"\n\n"
        for k in 0..<inputs { c += "static int8_t mote_probe_in\(k)[\(portMacro(name, "INPUT", k, inputs))];\n" }
        for k in 0..<outputs { c += "static int8_t mote_probe_out\(k)[\(portMacro(name, "OUTPUT", k, outputs))];\n" }
        let args = (0..<inputs).map { "mote_probe_in\($0)" } + (0..<outputs).map { "mote_probe_out\($0)" }
        c += "\nint main(void)\n{\n    return \(name)_run(\(args.joined(separator: ", ")));\n}\n"
        return c
    }

    /// The same entry point doing nothing: linked with the same `main`, it measures the C library and startup.
    static func probeStub(name: String, inputs: Int, outputs: Int) -> String {
        let params = (0..<inputs).map { "const int8_t *in\($0)" } + (0..<outputs).map { "int8_t *out\($0)" }
        let uses = (0..<inputs).map { "    (void)in\($0);\n" }.joined() + (0..<outputs).map { "    (void)out\($0);\n" }.joined()
        return "#include <stdint.h>\n#include \"\(name).h\"\n\nint \(name)_run(\(params.joined(separator: ", ")))\n{\n\(uses)    return 0;\n}\n"
    }
}
