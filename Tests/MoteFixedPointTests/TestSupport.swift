import Foundation
import XCTest

/// Repository paths, independent of the working directory.
enum FixedPointTestPaths {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let runtimeTemplates = root.appendingPathComponent("Templates/runtime")
    static let header = runtimeTemplates.appendingPathComponent("mote_fixedpoint.h")
}


/// Int32 values that stress fixed-point code: the limits, zero, ±1, powers of two and their neighbours.
let edgeInt32: [Int32] = {
    var v: Set<Int32> = [Int32.min, Int32.min + 1, Int32.max, Int32.max - 1, 0, 1, -1, 2, -2, 3, -3,
                         127, 128, -127, -128, -129, 255, 256, -255, -256, 65535, -65536]
    for p in [8, 15, 16, 20, 24, 29, 30] {
        for d: Int32 in [-1, 0, 1] {
            v.insert((Int32(1) << Int32(p)) + d)
            v.insert(-(Int32(1) << Int32(p)) + d)
        }
    }
    return v.sorted()
}()

/// Multipliers at the ends of the quantized range (2^30...2^31−1), zero, and a few outside it.
let edgeMultipliers: [Int32] = [0, 1, 2, (1 << 30) - 1, 1 << 30, (1 << 30) + 1, 1_518_500_250, 1_932_735_283,
                                Int32.max - 1, Int32.max, -1, -(1 << 30), Int32.min]

extension RandomNumberGenerator {
    /// An Int32 from a mixture that reaches the interesting places often: full range, small, near powers of
    /// two, and the edge list.
    mutating func nextInt32() -> Int32 {
        switch UInt32.random(in: 0..<8, using: &self) {
        case 0, 1, 2: return Int32(truncatingIfNeeded: next())
        case 3: return Int32.random(in: -1000...1000, using: &self)
        case 4:
            let p = Int32.random(in: 0...30, using: &self)
            let base = Int32(1) << p
            let v = base &+ Int32.random(in: -3...3, using: &self)
            return Bool.random(using: &self) ? v : 0 &- v
        case 5: return edgeInt32[Int.random(in: 0..<edgeInt32.count, using: &self)]
        default: return Int32.random(in: -(1 << 24)...(1 << 24), using: &self)
        }
    }
}

/// The C driver (`FixedPointDriverSource.swift`) compiled with one set of flags.
struct CDriver {
    let executable: URL
    let label: String

    /// The host C compiler. The Swift-vs-C tests must not pass without it, so a missing compiler is an error.
    static func compiler() throws -> String {
        for path in ["/usr/bin/gcc", "/usr/local/bin/gcc"] where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        throw DriverError("gcc not found (looked in /usr/bin and /usr/local/bin): the Swift-vs-C fixed-point "
            + "test needs the host C compiler to build Templates/runtime/mote_fixedpoint.h")
    }

    /// Builds one driver per (label, flags), all compilers running at once.
    static func build(_ configurations: [(label: String, flags: [String])], in dir: URL) throws -> [CDriver] {
        let source = dir.appendingPathComponent("fixedpoint_driver.c")
        try fixedPointDriverSource.write(to: source, atomically: true, encoding: .utf8)
        let gcc = try compiler()
        let jobs = try configurations.map { config -> (CDriver, [String], LaunchedProcess) in
            let exe = dir.appendingPathComponent("driver-\(config.label)")
            let args = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"] + config.flags
                + ["-I", FixedPointTestPaths.runtimeTemplates.path, source.path, "-o", exe.path]
            return (CDriver(executable: exe, label: config.label), args, try LaunchedProcess(gcc, args, stdin: nil))
        }
        let results = try jobs.map { try $0.2.finish() }  // wait for every compiler before reporting any failure
        return try zip(jobs, results).map { job, result in
            let (driver, args, _) = job
            guard result.status == 0 else {
                throw DriverError("gcc \(args.joined(separator: " ")) failed (\(result.status)):\n\(result.stderr)")
            }
            return driver
        }
    }

    /// Runs every driver on the same input file at once; returns each one's answers (nil for a line that is
    /// not an integer).
    static func run(_ drivers: [CDriver], input: URL) throws -> [[Int64?]] {
        let jobs = try drivers.map { try LaunchedProcess($0.executable.path, [], stdin: input) }
        let results = try jobs.map { try $0.finish() }  // wait for every run before reporting any failure
        return try zip(drivers, results).map { driver, result in
            guard result.status == 0 else {
                throw DriverError("driver \(driver.label) exited with \(result.status):\n\(result.stderr.prefix(4000))")
            }
            return parseIntegerLines(result.stdout)
        }
    }
}

/// One decimal integer per line (the driver's output), parsed straight from the bytes: fast even in debug.
func parseIntegerLines(_ data: Data) -> [Int64?] {
    var values: [Int64?] = []
    values.reserveCapacity(data.count / 4)
    data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
        var value: Int64 = 0, negative = false, digits = 0, valid = true
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n"):
                values.append(valid && digits > 0 ? (negative ? -value : value) : nil)
                value = 0; negative = false; digits = 0; valid = true
            case UInt8(ascii: "-") where digits == 0 && !negative:
                negative = true
            case UInt8(ascii: "0")...UInt8(ascii: "9") where digits < 18:
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
                digits += 1
            default:
                valid = false
            }
        }
        if digits > 0 || negative || !valid { values.append(nil) }  // an unterminated last line
    }
    return values
}

struct DriverError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A child process with stdin from a file and stdout/stderr going to files (no pipe deadlocks), so several
/// can run at once.
final class LaunchedProcess {
    private let process = Process()
    private let dir: URL
    private let outURL: URL, errURL: URL
    private let out: FileHandle, err: FileHandle

    init(_ path: String, _ arguments: [String], stdin: URL?) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("mote-fxp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        outURL = dir.appendingPathComponent("out")
        errURL = dir.appendingPathComponent("err")
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
              FileManager.default.createFile(atPath: errURL.path, contents: nil) else {
            throw DriverError("cannot create output files in \(dir.path)")
        }
        out = try FileHandle(forWritingTo: outURL)
        err = try FileHandle(forWritingTo: errURL)
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        // LeakSanitizer needs ptrace, which containers often forbid; leaks are not what these tests look for.
        var env = ProcessInfo.processInfo.environment
        env["ASAN_OPTIONS"] = "detect_leaks=0"
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
        process.environment = env
        if let stdin { process.standardInput = try FileHandle(forReadingFrom: stdin) }
        try process.run()
    }

    func finish() throws -> (status: Int32, stdout: Data, stderr: String) {
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: dir) }
        try out.close()
        try err.close()
        let stdout = try Data(contentsOf: outURL)
        let stderr = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        return (process.terminationStatus, stdout, stderr)
    }
}

func runProcess(_ path: String, _ arguments: [String], stdin: URL?) throws -> (status: Int32, stdout: Data, stderr: String) {
    try LaunchedProcess(path, arguments, stdin: stdin).finish()
}

func makeTemporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mote-fxp-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}
