import Foundation
import MoteFixedPoint
import MoteIR
import MoteInteger
import MoteVerify
import XCTest

/// Repository paths, independent of the working directory.
enum KernelTestPaths {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let runtime = root.appendingPathComponent("Templates/runtime")
    static let kernels = root.appendingPathComponent("Templates/kernels")

    /// Every `Templates/kernels/mote_*.c`, sorted so command lines are stable.
    static func kernelSources() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: kernels, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasPrefix("mote_") && $0.pathExtension == "c" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}

struct KernelTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}


/// A finished program run.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `executable` with `arguments`; stdout and stderr go to files, so a chatty child cannot fill a pipe
/// and deadlock.
func runProcess(_ executable: String, _ arguments: [String], in dir: URL) throws -> ProcessResult {
    let tag = UUID().uuidString
    let outURL = dir.appendingPathComponent("stdout-\(tag)")
    let errURL = dir.appendingPathComponent("stderr-\(tag)")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
    let outHandle = try FileHandle(forWritingTo: outURL)
    let errHandle = try FileHandle(forWritingTo: errURL)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = outHandle
    process.standardError = errHandle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try outHandle.close()
    try errHandle.close()
    return ProcessResult(status: process.terminationStatus,
                         stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
}

/// Finds `name` on PATH (or in the usual places).
func findTool(_ name: String) -> String? {
    var dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
    dirs += ["/usr/bin", "/usr/local/bin"]
    for dir in dirs {
        let path = dir + "/" + name
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// The kernel driver (`KernelDriverSource.swift`) built with every `Templates/kernels/mote_*.c` and one set
/// of compiler flags: for the host, or for an emulated Cortex-M core (run under QEMU).
struct KernelDriver: Sendable {
    let executable: String
    let label: String
    let directory: URL
    /// The core whose QEMU board runs `executable` (an ELF), or nil for a host program.
    var core: CortexM.Core? = nil

    /// The host builds every differential test runs: the warning-strict release build and the sanitizer build.
    /// Every case also runs on the Cortex-M4 builds (`buildCortexM4`), where the DSP paths (SMLAD, LDRD) are compiled
    /// in, with and without their inline-assembly loops.
    static let flavours: [(label: String, flags: [String])] = [
        ("O2-strict", ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2"]),
        ("asan-ubsan", ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O1", "-g",
                        "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]),
    ]

    /// Built once per test process (a `static let` is initialised lazily and thread-safely). Either both
    /// drivers, or the reason they could not be built — gcc missing fails every differential test.
    static let shared: Result<[KernelDriver], KernelTestError> = {
        do {
            let dir = workDirectory(pid: getpid())
            try? FileManager.default.removeItem(at: dir)  // a stale one from a recycled process id
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            // Removed when the test process exits; the closure captures nothing, so it can be a C function.
            atexit { try? FileManager.default.removeItem(at: KernelDriver.workDirectory(pid: getpid())) }
            return .success(try flavours.map { try build(label: $0.label, flags: $0.flags, in: dir) }
                            + [try buildCortexM4(in: dir), try buildCortexM4(in: dir, noAsm: true)])
        } catch let error as KernelTestError {
            return .failure(error)
        } catch {
            return .failure(KernelTestError("\(error)"))
        }
    }()

    /// One directory per test process for the driver source, binaries and case files.
    static func workDirectory(pid: Int32) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("mote-kernel-driver-\(pid)")
    }

    static func build(label: String, flags: [String], in dir: URL) throws -> KernelDriver {
        guard let gcc = findTool("gcc") else {
            throw KernelTestError("gcc not found on PATH or in /usr/bin, /usr/local/bin: the Swift-vs-C kernel tests "
                + "need the host C compiler to build Templates/kernels (install gcc; these tests never skip)")
        }
        let source = dir.appendingPathComponent("kernel_driver.c")
        try kernelDriverSource.write(to: source, atomically: true, encoding: .utf8)
        let exe = dir.appendingPathComponent("kernel_driver-\(label)").path
        let kernels = try KernelTestPaths.kernelSources()
        guard kernels.count >= 15 else {
            throw KernelTestError("expected the 15 kernels in \(KernelTestPaths.kernels.path), found \(kernels.map(\.lastPathComponent))")
        }
        let args = flags + ["-I", KernelTestPaths.runtime.path, "-I", KernelTestPaths.kernels.path,
                            source.path] + kernels.map(\.path) + ["-o", exe]
        let result = try runProcess(gcc, args, in: dir)
        guard result.status == 0 else {
            throw KernelTestError("gcc \(args.joined(separator: " ")) failed (\(result.status)):\n\(result.stderr)")
        }
        return KernelDriver(executable: exe, label: label, directory: dir)
    }

    /// The driver cross-compiled for the Cortex-M4 of `toolchain/cortex-m/profiles.json` (-O2, warnings as
    /// errors) with newlib's semihosting C library (rdimon): under QEMU it reads the case file and prints to the
    /// host like the host build. `cortexM4Startup` copies .data and enables the FPU, then starts rdimon's crt0.
    /// `noAsm`: with MOTE_NO_ASM, the DSP paths' C forms (taken by other compilers and at -O0) instead of their
    /// inline-assembly loops.
    static func buildCortexM4(in dir: URL, noAsm: Bool = false) throws -> KernelDriver {
        guard let gcc = findTool("arm-none-eabi-gcc"), findTool("qemu-system-arm") != nil else {
            throw KernelTestError("arm-none-eabi-gcc or qemu-system-arm not found: the Swift-vs-C kernel tests also run "
                + "the kernels on an emulated Cortex-M4 (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi "
                + "qemu-system-arm; .ci/run does; these tests never skip)")
        }
        let core = try CortexM.core(named: "cortex-m4")
        let source = dir.appendingPathComponent("kernel_driver.c")
        try kernelDriverSource.write(to: source, atomically: true, encoding: .utf8)
        let script = dir.appendingPathComponent("link-m4.ld"), startup = dir.appendingPathComponent("startup-m4.c")
        try CortexM.linkerScript(for: core).write(to: script, atomically: true, encoding: .utf8)
        try cortexM4Startup.write(to: startup, atomically: true, encoding: .utf8)
        let label = noAsm ? "cortex-m4-no-asm" : "cortex-m4"
        let exe = dir.appendingPathComponent("kernel_driver-\(label).elf").path
        let symbols = ["__bss_start__=__bss_start", "__bss_end__=__bss_end", "__end__=__bss_end", "end=__bss_end"]
        let args = core.flags + (noAsm ? ["-DMOTE_NO_ASM"] : []) + ["-std=c99", "-Wall", "-Wextra", "-Werror", "-O2", "--specs=rdimon.specs",
                                 "-T", script.path, "-Wl," + symbols.map { "--defsym=" + $0 }.joined(separator: ","),
                                 "-I", KernelTestPaths.runtime.path, "-I", KernelTestPaths.kernels.path,
                                 source.path, startup.path]
            + (try KernelTestPaths.kernelSources()).map(\.path) + ["-o", exe]
        let result = try runProcess(gcc, args, in: dir)
        guard result.status == 0 else {
            throw KernelTestError("arm-none-eabi-gcc \(args.joined(separator: " ")) failed (\(result.status)):\n\(result.stderr)")
        }
        return KernelDriver(executable: exe, label: label, directory: dir, core: core)
    }

    static let cortexM4Startup = #"""
        /* Reset for the kernel driver on the emulated Cortex-M4: .data from flash, the FPU on, then newlib's
         * semihosting crt0 (_start: .bss, heap, stdio, argv from QEMU, main, exit). A fault exits with status 3
         * (the test then fails on the missing output) instead of running on until the time limit. */
        #include <stdint.h>
        extern uint32_t __data_load[], __data_start[], __data_end[], __stack_top[];
        extern void _start(void);
        extern void _exit(int);
        void mote_reset(void);
        void mote_fault(void);
        void mote_reset(void)
        {
            uint32_t *src = __data_load, *dst = __data_start;
            while (dst < __data_end) *dst++ = *src++;
            *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
            __asm__ volatile("dsb\n\tisb" ::: "memory");
            _start();
        }
        void mote_fault(void)
        {
            _exit(3);
        }
        __attribute__((section(".vectors"), used))
        static const uintptr_t vectors[8] = {
            (uintptr_t)__stack_top, (uintptr_t)mote_reset, (uintptr_t)mote_fault, (uintptr_t)mote_fault,
            (uintptr_t)mote_fault, (uintptr_t)mote_fault, (uintptr_t)mote_fault, (uintptr_t)mote_fault,
        };

        """#

    /// Runs the driver on `text` (KernelCaseFormat) and returns one output array per case.
    func run(_ text: String, expectedCases: Int) throws -> [[Int8]] {
        let file = directory.appendingPathComponent("cases-\(UUID().uuidString).txt")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result: ProcessResult
        if let core {
            // Under coreutils' timeout, so that a kernel stuck in a loop fails the test instead of hanging it.
            result = try runProcess(findTool("timeout") ?? "/usr/bin/timeout",
                                    ["300", "qemu-system-arm", "-machine", core.machine, "-cpu", core.qemuCpu,
                                     "-nographic", "-monitor", "none", "-semihosting-config",
                                     "enable=on,target=native,arg=kernel_driver,arg=\(file.path)", "-kernel", executable],
                                    in: directory)
        } else {
            result = try runProcess(executable, [file.path], in: directory)
        }
        guard result.status == 0 else {
            throw KernelTestError("kernel driver (\(label)) exited with \(result.status):\n\(result.stderr.prefix(4000))")
        }
        // Every case prints exactly one line, possibly empty (a zero-element output).
        var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard lines.count == expectedCases else {
            throw KernelTestError("kernel driver (\(label)) printed \(lines.count) lines for \(expectedCases) cases")
        }
        return try lines.map { line in
            try line.split(separator: " ").map { token in
                guard let v = Int8(token) else { throw KernelTestError("kernel driver (\(label)) printed '\(token)'") }
                return v
            }
        }
    }
}

extension RandomNumberGenerator {
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func int32(_ range: ClosedRange<Int32>) -> Int32 { Int32.random(in: range, using: &self) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
    mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &self)] }
    mutating func anyInt32() -> Int32 { Int32(truncatingIfNeeded: next()) }

    /// An int8, with the extremes and zero over-represented.
    mutating func int8() -> Int8 {
        chance(0.15) ? pick([-128, -127, -1, 0, 1, 126, 127]) : Int8(truncatingIfNeeded: next())
    }

    mutating func int8s(_ count: Int) -> [Int8] { (0..<count).map { _ in int8() } }

    /// A tensor zero point: int8.
    mutating func zeroPoint() -> Int32 { Int32(int8()) }

    /// An input offset (−zero point), and now and then a value no quantizer makes, to exercise the defined
    /// int32 wrapping of the accumulators.
    mutating func offset() -> Int32 {
        if chance(0.08) { return pick([Int32.min, Int32.max, Int32.min + 1, -(1 << 24), 1 << 24, anyInt32()]) }
        return -zeroPoint()
    }

    /// An output zero point; rarely extreme (the zero point is added in 64 bits, then clamped).
    mutating func outputZeroPoint() -> Int32 {
        chance(0.05) ? pick([Int32.min, Int32.max, -100_000, 100_000]) : zeroPoint()
    }

    /// Activation clamp bounds: mostly the full range, else ReLU-like, a random range, or a single value.
    mutating func clamp() -> (Int32, Int32) {
        switch int(0...9) {
        case 0...5: return (-128, 127)
        case 6: let z = int32(-128...127); return (z, 127)
        case 7: let v = int32(-128...127); return (v, v)
        default:
            let a = int32(-128...127), b = int32(-128...127)
            return (min(a, b), max(a, b))
        }
    }

    /// A requantization multiplier: mostly what `quantizeMultiplier` makes of a realistic scale ratio, else
    /// any valid encoding with a shift anywhere in −31...30, or an edge.
    mutating func multiplier(around real: Double? = nil) -> QMultiplier {
        switch int(0...9) {
        case 0, 1:
            return QMultiplier(multiplier: int32((1 << 30)...Int32.max), shift: int32(-31...30))
        case 2:
            return QMultiplier(multiplier: pick([0, 1, 1 << 30, (1 << 30) + 1, Int32.max - 1, Int32.max, int32(0...Int32.max)]),
                               shift: pick([-31, -30, -1, 0, 1, 29, 30, int32(-31...30)]))
        default:
            let r = real ?? pow(10, Double.random(in: -4.5...0.5, using: &self))
            let q = FixedPoint.quantizeMultiplier(r * pow(2, Double.random(in: -0.5...0.5, using: &self)))!
            return QMultiplier(multiplier: q.multiplier, shift: q.shift)
        }
    }

    /// A power-of-ten scale in [1e-3, 1].
    mutating func scale() -> Double { pow(10, Double.random(in: -3...0, using: &self)) }
}
