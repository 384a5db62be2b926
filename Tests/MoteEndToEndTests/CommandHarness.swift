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

