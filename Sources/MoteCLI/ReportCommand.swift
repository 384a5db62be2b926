import Foundation
import MoteIR
import MoteReport

/// `mote report DIR [--json] [--flash-budget B] [--ram-budget B]`: the size report `compile` wrote, checked
/// against budgets. Exit 3 when a budget is exceeded.
enum ReportCommand {
    static let jsonFile = "report.json"
    static let markdownFile = "report.md"
    static let svgFile = "report.svg"

    static func run(_ args: [String], console: Console) throws -> ExitCode {
        let parsed = try Arguments(args, valueOptions: ["--flash-budget", "--ram-budget"], flagOptions: ["--json"])
        let dir = try parsed.onePositional("DIR")
        let path = URL(fileURLWithPath: dir).appendingPathComponent(jsonFile).path
        let stored: SizeReport
        do {
            stored = try SizeReport.decode(json: Data(try Files.read(path)))
        } catch let d as Diagnostic {
            throw d
        } catch {
            throw Diagnostic(file: path, "is not a Mote size report (\(error))")
        }
        let budget = try budget(parsed)
        let report = budget.isEmpty ? stored : stored.applying(budget)
        if parsed.flags.contains("--json") {
            console.out(try report.json())
        } else {
            console.out(summary(report))
        }
        return verdict(report, console: console)
    }

    /// `--flash-budget` / `--ram-budget` in bytes, KiB or MiB.
    static func budget(_ parsed: Arguments) throws -> Budget {
        func bytes(_ key: String) throws -> Int? {
            guard let text = try parsed.single(key) else { return nil }
            do { return try Budget.parseBytes(text) } catch { throw UsageError("\(key): \(error.message)") }
        }
        return Budget(flash: try bytes("--flash-budget"), ram: try bytes("--ram-budget"))
    }

    static func summary(_ r: SizeReport) -> String {
        func optional(_ v: Int?) -> String { v.map { "\($0)" } ?? "not measured" }
        var lines = [
            "flash \(r.flashBytes) B (weights \(r.weightsBytes), constants \(r.constantBytes), code \(optional(r.codeBytes)))\(r.measuredOn.map { ", measured on \($0)" } ?? "")",
            "RAM \(r.ramBytes) B (arena \(r.arenaBytes), static \(optional(r.staticBytes)), stack \(optional(r.stackBytes)))",
            "arena: \(r.arenaStrategy), live-tensor lower bound \(r.lowerBoundBytes) B; \(r.layers.count) layers, \(r.macs) MACs",
        ]
        if let f = r.denseFallback {
            lines.append("stored dense although pruned: \(f.layers.map { Diagnostic.printable($0) }.joined(separator: ", ")) (sparse, flash measured \(f.sparseFlashBytes) B: the sparse kernel's code outweighs the weight bytes saved)")
        }
        return lines.joined(separator: "\n")
    }

    /// The budget lines: on stdout when they fit, on stderr with exit 3 when one is exceeded.
    static func verdict(_ r: SizeReport, console: Console) -> ExitCode {
        guard let v = r.verdict else { return .ok }
        guard v.exceeded else {
            if !v.messages.isEmpty { console.out(v.messages.joined(separator: "\n")) }
            return .ok
        }
        console.err(v.messages.map { "error: \($0)" }.joined(separator: "\n"))
        return .budgetOrMismatch
    }
}
