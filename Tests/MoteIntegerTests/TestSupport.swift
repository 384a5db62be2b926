import Foundation
import MoteFixedPoint
import MoteIR
import MoteInteger
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
/// of compiler flags.
struct KernelDriver: Sendable {
    let executable: String
    let label: String
    let directory: URL

    /// The two builds every differential test runs: the warning-strict release build and the sanitizer build.
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
            return .success(try flavours.map { try build(label: $0.label, flags: $0.flags, in: dir) })
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

    /// Runs the driver on `text` (KernelCaseFormat) and returns one output array per case.
    func run(_ text: String, expectedCases: Int) throws -> [[Int8]] {
        let file = directory.appendingPathComponent("cases-\(UUID().uuidString).txt")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try runProcess(executable, [file.path], in: directory)
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
