import Foundation
import MoteCLI

/// Runs `mote` commands in-process and captures what they print.
struct CommandResult {
    var code: ExitCode
    var out: String
    var err: String
}

final class Capture: @unchecked Sendable {
    var out: [String] = []
    var err: [String] = []
}

func mote(_ args: [String]) -> CommandResult {
    let capture = Capture()
    let console = Console(out: { capture.out.append($0) }, err: { capture.err.append($0) })
    let code = Tool.main(args, console: console)
    return CommandResult(code: code, out: capture.out.joined(separator: "\n"), err: capture.err.joined(separator: "\n"))
}

/// A fresh temporary directory, removed by the caller's `defer`.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("mote-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Normwise relative error max|a − b| / max|b|, the measure used against onnxruntime's outputs.
func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    let scale = b.map { abs($0) }.max() ?? 0
    let diff = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    return scale == 0 ? diff : diff / scale
}

/// A small deterministic generator (SplitMix64) so every test run sees the same "random" data.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
