import Foundation
import MoteCLI
import MoteNPY
import MoteVerify
import XCTest
import MoteTestSupport

/// `mote verify --target cortex-m…`: the emitted C cross-compiled with arm-none-eabi-gcc and run under
/// qemu-system-arm must agree byte for byte with the Swift integer interpreter. The tools are required, not
/// optional: `.ci/run` installs them, and a machine without them fails here rather than silently skipping.
final class CortexMTests: XCTestCase {
    static let install = "install gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm (.ci/run installs them)"

    func requireTools() throws {
        do {
            try CortexM.checkTools()
        } catch {
            XCTFail("\(error); \(Self.install)")
            throw error
        }
    }

    struct VerifyReport: Decodable {
        var inputs: Int
        var builds: [String]
        var outputBytes: Int
        var mismatches: Int
        var firstMismatch: String?
    }

    func compile(_ model: URL, calibration: URL, into dir: URL, options: [String] = []) throws {
        let r = mote(["compile", model.path, "--calibration", calibration.path, "-o", dir.path] + options)
        XCTAssertEqual(r.code, .ok, r.err)
        guard r.code == .ok else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "mote compile failed: \(r.err)"]) }
    }

    func verify(_ dir: URL, input: URL, target: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = mote(["verify", dir.path, "--input", input.path, "--target", target, "--json"])
        XCTAssertEqual(r.code, .ok, "\(target): \(r.err)", file: file, line: line)
        guard r.code == .ok else { return }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let report = try decoder.decode(VerifyReport.self, from: Data(r.out.utf8))
        XCTAssertEqual(report.builds, [target], file: file, line: line)
        XCTAssertEqual(report.mismatches, 0, "\(target): \(report.firstMismatch ?? "")", file: file, line: line)
        XCTAssertGreaterThan(report.outputBytes, 0, file: file, line: line)
    }

    /// Examples/NAME compiled with its calibration set into dir/NAME: (the example's folder, the output).
    func compileExample(_ name: String, in dir: URL, options: [String] = []) throws -> (example: URL, out: URL) {
        let example = TestPaths.examples.appendingPathComponent(name)
        let out = dir.appendingPathComponent(name)
        try compile(example.appendingPathComponent("model.onnx"), calibration: example.appendingPathComponent("calibration.npy"),
                    into: out, options: options)
        return (example, out)
    }

    /// The first n of an example's test inputs, as an .npy file in dir (QEMU runs take a while per input).
    func firstInputs(_ n: Int, of example: URL, in dir: URL) throws -> URL {
        let all = try NPY.decode(TestPaths.read(example.appendingPathComponent("test_inputs.npy")))
        let per = all.count / all.shape[0], count = min(n, all.shape[0])
        let file = dir.appendingPathComponent("inputs\(count).npy")
        let first = NPYArray(floats: Array(all.asFloats().prefix(count * per)), shape: [count] + all.shape.dropFirst())
        try Data(NPY.encode(first)).write(to: file)
        return file
    }

    /// The digits example on M4 (hard float ABI), M0+ (the microbit's 16 KiB of RAM) and M7, 20 test inputs.
    func testDigitsOnM4M0M7() throws {
        try requireTools()
        let tmp = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let (digits, out) = try compileExample("digits", in: tmp)
        let small = try firstInputs(20, of: digits, in: tmp)
        for target in ["cortex-m4", "cortex-m0", "cortex-m7"] {
            try verify(out, input: small, target: target)
        }
    }

    /// mnist1d pruned to 15 channels (--prune-structured 0.25) on M4: im2col layers with an odd channel count (the
    /// lone last row paired with itself in the scratch, MOTE_WEIGHTS_INT8_PAIRS) and rows of 5 and 45 taps (the
    /// tails after whole groups of four) on the DSP path, 50 test inputs.
    func testOddChannelCountsOnM4() throws {
        try requireTools()
        let tmp = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let (example, out) = try compileExample("mnist1d", in: tmp, options: ["--prune-structured", "0.25"])
        let source = try String(contentsOf: out.appendingPathComponent("model.c"), encoding: .utf8)
        XCTAssertTrue(source.contains(".out_channels = 15,"), "the pruning no longer leaves an odd channel count")
        XCTAssertTrue(source.contains(".weight_format = MOTE_WEIGHTS_INT8_PAIRS,"))
        try verify(out, input: try firstInputs(50, of: example, in: tmp), target: "cortex-m4")
    }

    /// The MLPerf Tiny ResNet-8 on M4 and M3: the DSP and portable forms of the im2col blocks, and the residual
    /// Adds' table path (each Add has 4,096-16,384 elements), against the Swift interpreter; with int4 weights,
    /// the in-place nibble blocks, and pruned, the sparse band path, on M4.
    func testResNet8OnM4AndM3() throws {
        try requireTools()
        let tmp = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let input = TestPaths.fixtures.appendingPathComponent("mlperf/ic01_resnet8_input.npy")
        let model = TestPaths.mlperf.appendingPathComponent("ic01_resnet8.onnx")
        let out = tmp.appendingPathComponent("resnet8")
        try compile(model, calibration: input, into: out)
        for target in ["cortex-m4", "cortex-m3"] {
            try verify(out, input: input, target: target)
        }
        for (name, options) in [("int4", ["--weights", "int4"]), ("pruned", ["--prune", "0.5"])] {
            let dir = tmp.appendingPathComponent("resnet8-" + name)
            try compile(model, calibration: input, into: dir, options: options)
            try verify(dir, input: input, target: "cortex-m4")
        }
    }

    /// The MLPerf Tiny keyword-spotting DS-CNN on M4; on the M0 board it needs more than 16 KiB of RAM, which must
    /// be reported by core and overflow, with exit 1.
    func testKWSOnM4AndTooLargeForM0() throws {
        try requireTools()
        let tmp = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let input = TestPaths.fixtures.appendingPathComponent("mlperf/kws01_dscnn_input.npy")
        let out = tmp.appendingPathComponent("kws")
        try compile(TestPaths.mlperf.appendingPathComponent("kws01_dscnn.onnx"), calibration: input, into: out)
        try verify(out, input: input, target: "cortex-m4")

        let r = mote(["verify", out.path, "--input", input.path, "--target", "cortex-m0"])
        XCTAssertEqual(r.code, .inputError, r.out + r.err)
        XCTAssertTrue(r.err.contains("does not fit cortex-m0"), r.err)
        XCTAssertTrue(r.err.contains("RAM overflowed by "), r.err)
        XCTAssertFalse(r.err.contains("collect2"), "the raw linker output should not be the message: \(r.err)")
    }

    func testUnknownTargetIsAUsageError() {
        let r = mote(["verify", "/nonexistent", "--input", "x.npy", "--target", "cortex-m99"])
        XCTAssertEqual(r.code, .usage)
        XCTAssertTrue(r.err.contains("cortex-m4"), r.err)
    }

    /// Every core of the table has a board memory map the linker script can use.
    func testProfiles() throws {
        XCTAssertEqual(CortexM.cores.map(\.name), ["cortex-m0", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33"])
        for core in CortexM.cores {
            XCTAssertGreaterThan(core.ramLength, core.stack, core.name)
            let script = CortexM.linkerScript(for: core)
            XCTAssertFalse(script.contains("@"), "\(core.name): unreplaced placeholder")
            XCTAssertTrue(script.contains("LENGTH = 0x\(String(core.ramLength, radix: 16, uppercase: true))"), core.name)
        }
        XCTAssertEqual(CortexM.cores.first?.ramLength, 16 * 1024, "the microbit has 16 KiB of RAM")
    }

    // MARK: The embedded files are current

    static let sourceDirectory = TestPaths.root.appendingPathComponent("toolchain/cortex-m")
    static let embeddedNames = ["link.ld.in", "profiles.json", "semihost.c", "semihost.h", "startup.c"]

    /// The same rendering as `toolchain/cortex-m/embed.py`.
    static func render(_ files: [String: String]) -> String {
        EmbeddedFiles.render(header: """
            // Generated by toolchain/cortex-m/embed.py from toolchain/cortex-m: do not edit.
            // After changing a file there run: python3 toolchain/cortex-m/embed.py

            /// The Cortex-M harness files (startup, semihosting, linker script template, core profiles), keyed by file
            /// name, embedded so that `mote verify --target` works from any directory.

            """, enumName: "CortexMFiles", files: files)
    }

    func testEmbeddedFilesAreCurrent() throws {
        var files: [String: String] = [:]
        for name in Self.embeddedNames {
            files[name] = try String(contentsOf: Self.sourceDirectory.appendingPathComponent(name), encoding: .utf8)
        }
        let hint = "Sources/MoteVerify/Generated/CortexMFiles.swift is stale: run python3 toolchain/cortex-m/embed.py"
        XCTAssertEqual(CortexM.embeddedFiles, files, hint)
        let generated = try String(contentsOf: TestPaths.root.appendingPathComponent("Sources/MoteVerify/Generated/CortexMFiles.swift"),
                                   encoding: .utf8)
        XCTAssertEqual(generated, Self.render(files), hint)
    }
}
