import Foundation
import MoteIR

/// The verification harness on an emulated Cortex-M: the same idea as `Harness` (int8 samples in, `<name>_run` on
/// each, int8 outputs out), cross-compiled with arm-none-eabi-gcc for one core, linked for the QEMU board that
/// emulates it (`toolchain/cortex-m/link.ld.in`, sized from `profiles.json`), and run under `qemu-system-arm`
/// with semihosting doing the file I/O on the host. The toolchain files are embedded (`Generated/CortexMFiles.swift`).
public enum CortexM {
    /// One core of `toolchain/cortex-m/profiles.json`.
    public struct Core: Codable, Sendable, Equatable {
        public var name: String
        /// QEMU's `-cpu` for the board (QEMU 7.2 accepts only the board's own core).
        public var qemuCpu: String
        public var flags: [String]
        public var machine: String
        public var flashOrigin: Int
        public var flashLength: Int
        public var ramOrigin: Int
        public var ramLength: Int
        /// Bytes of RAM kept for the stack (a section at the end of RAM, so the link checks it too).
        public var stack: Int
    }

    private struct ProfileFile: Codable {
        var cores: [Core]
    }

    /// The embedded toolchain files keyed by file name (for the test that they match `toolchain/cortex-m`).
    public static var embeddedFiles: [String: String] { CortexMFiles.files }

    /// Every core Mote can verify on, in the table's order.
    public static let cores: [Core] = {
        guard let text = CortexMFiles.files["profiles.json"],
              let file = try? JSONDecoder().decode(ProfileFile.self, from: Data(text.utf8)) else { return [] }
        return file.cores
    }()

    /// The core called `name` ("cortex-m4"), or a diagnostic listing the known ones.
    public static func core(named name: String) throws -> Core {
        guard let core = cores.first(where: { $0.name == name }) else {
            throw Diagnostic("unknown target '\(Diagnostic.printable(name))'; known: \(cores.map(\.name).joined(separator: ", "))")
        }
        return core
    }

    static let compiler = "arm-none-eabi-gcc"
    static let emulator = "qemu-system-arm"

    /// Throws a diagnostic naming the Debian/Ubuntu packages when the cross compiler or QEMU is not on PATH.
    public static func checkTools() throws {
        var missing: [String] = []
        if !ProcessRunner.isAvailable(compiler) { missing.append("\(compiler) (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)") }
        if !ProcessRunner.isAvailable(emulator) { missing.append("\(emulator) (apt-get install qemu-system-arm)") }
        guard missing.isEmpty else {
            throw Diagnostic("Cortex-M verification needs \(missing.joined(separator: " and ")); not found on PATH")
        }
    }

    /// The linker script for `core`: the template with the board's flash, RAM and stack sizes.
    public static func linkerScript(for core: Core) -> String {
        func hex(_ v: Int) -> String { "0x" + String(v, radix: 16, uppercase: true) }
        return (CortexMFiles.files["link.ld.in"] ?? "")
            .replacingOccurrences(of: "@FLASH_ORIGIN@", with: hex(core.flashOrigin))
            .replacingOccurrences(of: "@FLASH_LENGTH@", with: hex(core.flashLength))
            .replacingOccurrences(of: "@RAM_ORIGIN@", with: hex(core.ramOrigin))
            .replacingOccurrences(of: "@RAM_LENGTH@", with: hex(core.ramLength))
            .replacingOccurrences(of: "@STACK_SIZE@", with: hex(core.stack))
    }

    /// C source of the firmware harness: reads whole samples from `inputPath` on the host, runs the model on each,
    /// writes the outputs to `outputPath`; returns 0, or 1/2 after printing what failed.
    public static func source(name: String, inputSizes: [Int], outputSizes: [Int], inputPath: String, outputPath: String) -> String {
        let io = Harness.IOBuffers(inputSizes: inputSizes, outputSizes: outputSizes)
        return """
        /* Mote Cortex-M verification harness: int8 samples in, int8 outputs out, through semihosting. */
        #include <stdint.h>
        #include "semihost.h"
        #include "\(name).h"

        \(io.declarations)

        int main(void)
        {
            int fi = mote_sh_open(\(cString(inputPath)), MOTE_SH_MODE_RB);
            int fo = mote_sh_open(\(cString(outputPath)), MOTE_SH_MODE_WB);
            if (fi < 0 || fo < 0) { mote_sh_write0("cannot open files\\n"); return 2; }
            while (mote_sh_read(fi, in, sizeof in) == (int)sizeof in) {
                if (\(name)_run(\(io.arguments)) != 0) { mote_sh_write0("run failed\\n"); return 1; }
                if (mote_sh_write(fo, out, sizeof out) != 0) { mote_sh_write0("write failed\\n"); return 1; }
            }
            (void)mote_sh_close(fi);
            return mote_sh_close(fo) == 0 ? 0 : 1;
        }

        """
    }

    /// A C string literal for `text` (paths of the temporary directory; anything unusual is escaped in octal).
    static func cString(_ text: String) -> String {
        var s = "\""
        for b in text.utf8 {
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 || b >= 0x7F || b == UInt8(ascii: "?") {
                s += "\\" + String(b, radix: 8).leftPadded(to: 3)
            } else {
                s += String(UnicodeScalar(b))
            }
        }
        return s + "\""
    }

    /// The compile and link flags for `core` (the linker script path added by `run`).
    public static func flags(for core: Core) -> [String] {
        core.flags + ["-std=c99", "-Wall", "-Wextra", "-Werror", "-O2", "-ffunction-sections", "-fdata-sections",
                      "-nostartfiles", "--specs=nano.specs", "-Wl,--gc-sections"]
    }

    /// Cross-compiles the harness with every `.c` file in `directory` for `core`, runs it under QEMU on `samples`
    /// and returns each sample's concatenated outputs. A model that does not fit the board fails with a
    /// diagnostic naming the core and the overflow the linker reported.
    public static func run(directory: URL, name: String, inputSizes: [Int], outputSizes: [Int], samples: [[Int8]],
                           core: Core, timeout: TimeInterval = 600) throws -> [[Int8]] {
        try checkTools()
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("mote-verify-\(core.name)-\(UUID().uuidString)")
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        for file in ["semihost.h", "semihost.c", "startup.c"] {
            try Data((CortexMFiles.files[file] ?? "").utf8).write(to: work.appendingPathComponent(file))
        }
        let script = work.appendingPathComponent("link.ld")
        try Data(linkerScript(for: core).utf8).write(to: script)
        let inFile = work.appendingPathComponent("in.bin"), outFile = work.appendingPathComponent("out.bin")
        let harness = work.appendingPathComponent("harness.c")
        try Data(source(name: name, inputSizes: inputSizes, outputSizes: outputSizes, inputPath: inFile.path,
                        outputPath: outFile.path).utf8).write(to: harness)
        let sources = try fm.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".c") }.sorted()
            .map { directory.appendingPathComponent($0).path }
        let elf = work.appendingPathComponent("harness.elf").path
        let build = try ProcessRunner.run(compiler, flags(for: core) + ["-T", script.path, "-I", work.path, "-I", directory.path]
                                          + sources + [harness.path, work.appendingPathComponent("startup.c").path,
                                                       work.appendingPathComponent("semihost.c").path, "-o", elf],
                                          timeout: timeout)
        guard !build.timedOut else { throw Diagnostic(file: directory.path, "\(compiler) (\(core.name)) timed out after \(Int(timeout)) s") }
        guard build.status == 0 else {
            if let overflow = overflowMessage(build.output, core: core) { throw Diagnostic(file: directory.path, overflow) }
            throw Diagnostic(file: directory.path, "\(compiler) (\(core.name): \(core.flags.joined(separator: " "))) failed:\n\(build.output.prefix(4000))")
        }

        try Data(samples.flatMap { $0 }.map { UInt8(bitPattern: $0) }).write(to: inFile)
        let run = try ProcessRunner.run(emulator, ["-machine", core.machine, "-cpu", core.qemuCpu, "-nographic", "-monitor", "none",
                                                   "-semihosting-config", "enable=on,target=native", "-kernel", elf],
                                        timeout: timeout)
        guard run.status == 0, !run.timedOut else {
            let what = run.timedOut ? "timed out after \(Int(timeout)) s" : "failed with status \(run.status)"
            throw Diagnostic(file: directory.path, "the \(core.name) build under \(emulator) -machine \(core.machine) \(what):\n\(run.output.prefix(4000))")
        }
        let bytes = [UInt8]((try? Data(contentsOf: outFile)) ?? Data())
        return try Harness.outputs(bytes, outputSizes: outputSizes, samples: samples.count, directory: directory, build: core.name)
    }

    /// "the model does not fit cortex-m0 (microbit: 256 KiB flash, 16 KiB RAM incl. 2 KiB stack): RAM overflowed
    /// by 1234 bytes" from GNU ld's "region `RAM' overflowed by 1234 bytes"; nil when the link failed otherwise.
    static func overflowMessage(_ output: String, core: Core) -> String? {
        var regions: [String: Int] = [:]
        for line in output.split(separator: "\n") {
            guard let r = line.range(of: "region `"), let by = line.range(of: "' overflowed by ") else { continue }
            let region = String(line[r.upperBound..<by.lowerBound])
            let rest = line[by.upperBound...].split(separator: " ")
            if let n = rest.first.flatMap({ Int($0) }) { regions[region] = max(regions[region] ?? 0, n) }
        }
        guard !regions.isEmpty else { return nil }
        let parts = regions.keys.sorted().map { "\($0) overflowed by \(regions[$0]!) bytes" }
        return "the model does not fit \(core.name) (QEMU \(core.machine): \(kib(core.flashLength)) flash, \(kib(core.ramLength)) RAM"
            + " including \(kib(core.stack)) of stack): \(parts.joined(separator: ", "))"
    }

    static func kib(_ bytes: Int) -> String {
        bytes % 1024 == 0 ? "\(bytes / 1024) KiB" : "\(bytes) bytes"
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
