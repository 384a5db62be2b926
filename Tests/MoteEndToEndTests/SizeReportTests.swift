import Foundation
import MoteVerify
import XCTest

/// The size report against what the toolchain really produces, on the MLPerf Tiny models (issue 4): the arena
/// the report states is the one the C reserves and stays within 10% of the live-tensor lower bound, and the
/// reported flash is within 10% of what arm-none-eabi-size shows for a linked Cortex-M4 image.
final class SizeReportTests: XCTestCase {
    func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
    }

    /// text + data of a Cortex-M4 image linking `main` (with or without a call to `model_run`).
    func linkedFlash(_ dir: URL, callModel: Bool, work: URL) throws -> Int {
        let main = work.appendingPathComponent(callModel ? "main.c" : "stub.c")
        let body = callModel
            ? "#include \"model.h\"\nstatic int8_t in[MODEL_INPUT_SIZE];\nstatic int8_t out[MODEL_OUTPUT_SIZE];\nint main(void) { return model_run(in, out) + out[0]; }\n"
            : "int main(void) { return 0; }\n"
        try Data(body.utf8).write(to: main)
        let sources = callModel
            ? try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".c") }.sorted().map { dir.appendingPathComponent($0).path }
            : []
        let elf = work.appendingPathComponent(callModel ? "model.elf" : "stub.elf").path
        let build = try ProcessRunner.run("arm-none-eabi-gcc", ["-mcpu=cortex-m4", "-mthumb", "-Os", "-std=c99", "-ffunction-sections",
                                                                "-fdata-sections", "--specs=nosys.specs", "-Wl,--gc-sections", "-I", dir.path]
                                          + sources + [main.path, "-o", elf])
        XCTAssertEqual(build.status, 0, build.output)
        let size = try ProcessRunner.run("arm-none-eabi-size", [elf])
        // Berkeley format: "text data bss dec hex filename".
        let numbers = size.output.split(separator: "\n").dropFirst().first?.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int($0) } ?? []
        XCTAssertGreaterThanOrEqual(numbers.count, 3, size.output)
        return numbers.count >= 2 ? numbers[0] + numbers[1] : 0
    }

    func testReportedSizesMatchTheToolchain() throws {
        guard ProcessRunner.isAvailable("arm-none-eabi-gcc") else {
            return XCTFail("arm-none-eabi-gcc is not installed; .ci/run installs gcc-arm-none-eabi and libnewlib-arm-none-eabi")
        }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var table: [String] = []
        for name in ["ic01_resnet8", "kws01_dscnn", "vww01_mobilenet_v1_025", "ad01_fc_autoencoder"] {
            let out = dir.appendingPathComponent(name)
            let r = mote(["compile", TestPaths.mlperf.appendingPathComponent("\(name).onnx").path, "--calibration",
                          TestPaths.fixtures.appendingPathComponent("mlperf/\(name)_input.npy").path, "-o", out.path])
            XCTAssertEqual(r.code, .ok, r.err)
            let report = try json(out.appendingPathComponent("report.json"))
            let arena = try XCTUnwrap(report["arena_bytes"] as? Int)
            let lowerBound = try XCTUnwrap(report["lower_bound_bytes"] as? Int)
            let flash = try XCTUnwrap(report["flash_bytes"] as? Int)
            XCTAssertEqual(report["measured_on"] as? String, "cortex-m4", name)

            // The arena the C reserves, read from the header.
            let header = try String(contentsOf: out.appendingPathComponent("model.h"), encoding: .utf8)
            let line = try XCTUnwrap(header.split(separator: "\n").first { $0.hasPrefix("#define MODEL_ARENA_BYTES ") })
            XCTAssertEqual(Int(line.split(separator: " ").last ?? ""), arena, name)
            XCTAssertLessThanOrEqual(Double(arena), Double(lowerBound) * 1.10, name)

            let work = dir.appendingPathComponent("\(name)-link")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            let linked = try linkedFlash(out, callModel: true, work: work) - linkedFlash(out, callModel: false, work: work)
            XCTAssertLessThanOrEqual(abs(Double(flash - linked)), 0.10 * Double(linked), "\(name): report \(flash) B, linked \(linked) B")
            table.append("\(name): arena \(arena) B (lower bound \(lowerBound)), flash \(flash) B (linked \(linked))")
        }
        print(table.joined(separator: "\n"))
    }

    /// Budgets: exceeding one exits 3, names the cost and still writes the report; `report` re-checks.
    func testBudgetsFailTheBuildAndExplain() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let digits = TestPaths.examples.appendingPathComponent("digits")
        let out = dir.appendingPathComponent("digits")
        let tight = mote(["compile", digits.appendingPathComponent("model.onnx").path, "--calibration",
                          digits.appendingPathComponent("calibration.npy").path, "-o", out.path, "--ram-budget", "1KiB"])
        XCTAssertEqual(tight.code, .budgetOrMismatch, tight.err)
        XCTAssertTrue(tight.err.contains("RAM budget exceeded by"), tight.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.md").path))
        let report = try json(out.appendingPathComponent("report.json"))
        let ram = try XCTUnwrap(report["ram_bytes"] as? Int)
        XCTAssertTrue(tight.err.contains("by \((ram - 1024).formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))) B"), tight.err)

        XCTAssertEqual(mote(["report", out.path, "--ram-budget", "\(ram)", "--flash-budget", "1MiB"]).code, .ok)
        XCTAssertEqual(mote(["report", out.path, "--ram-budget", "\(ram - 1)"]).code, .budgetOrMismatch)
        XCTAssertEqual(mote(["report", out.path, "--ram-budget", "12 potatoes"]).code, .usage)
        XCTAssertEqual(mote(["report", dir.path]).code, .inputError)
    }
}
