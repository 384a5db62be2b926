import Foundation
import MoteCLI
import MoteNPY
import MoteVerify
import XCTest
import MoteTestSupport

/// `mote compile` + `mote verify` end to end: the emitted C, built by gcc, must equal the Swift integer
/// interpreter byte for byte, and the int8 model must stay close to the float one.
final class CompileVerifyTests: XCTestCase {
    let digits = TestPaths.examples.appendingPathComponent("digits")

    func compile(_ model: URL, calibration: URL, into dir: URL, extra: [String] = [], line: UInt = #line) -> CommandResult {
        let r = mote(["compile", model.path, "--calibration", calibration.path, "-o", dir.path] + extra)
        XCTAssertEqual(r.code, .ok, r.err, line: line)
        return r
    }

    func verifyJSON(_ dir: URL, input: URL, labels: URL? = nil, line: UInt = #line) throws -> [String: Any] {
        let r = mote(["verify", dir.path, "--input", input.path, "--json"] + (labels.map { ["--labels", $0.path] } ?? []))
        XCTAssertEqual(r.code, .ok, r.err, line: line)
        return try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any] ?? [:]
    }

    /// Both labelled examples (digits: BatchNorm folded by the exporter; digits_bn: BatchNorm, depthwise,
    /// residual Add, AveragePool, HardSwish/ReLU6, Gemm, Softmax at opset 17): 0 mismatching bytes and at most
    /// half a point of accuracy lost. The float accuracies are the ones onnxruntime measured (each README).
    func testExamplesAreBitExactAndLoseAtMostHalfAPoint() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (example, floatAccuracy) in [("digits", 0.984), ("digits_bn", 0.992)] {
            let data = TestPaths.examples.appendingPathComponent(example)
            let out = dir.appendingPathComponent(example)
            compile(data.appendingPathComponent("model.onnx"), calibration: data.appendingPathComponent("calibration.npy"), into: out)
            let json = try verifyJSON(out, input: data.appendingPathComponent("test_inputs.npy"),
                                      labels: data.appendingPathComponent("test_labels.npy"))
            XCTAssertEqual(json["inputs"] as? Int, 500, example)
            XCTAssertEqual(json["mismatches"] as? Int, 0, example)
            let float = try XCTUnwrap(json["accuracy_float"] as? Double), quantized = try XCTUnwrap(json["accuracy_quantized"] as? Double)
            XCTAssertEqual(float, floatAccuracy, accuracy: 1e-9, example)
            XCTAssertGreaterThanOrEqual(quantized, float - 0.005, example)
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(json["top1_agreement"] as? Double), 0.99, example)
        }
    }

    /// Examples/digits/main.c, built with gcc around the generated code, prints the label of its embedded image.
    func testFirmwareExampleBuildsAndPrintsTheClass() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("digits")
        compile(digits.appendingPathComponent("model.onnx"), calibration: digits.appendingPathComponent("calibration.npy"), into: out)
        let sources = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".c") }.map { out.appendingPathComponent($0).path }
        let binary = dir.appendingPathComponent("digits_main").path
        let build = try ProcessRunner.run("gcc", ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2", "-I", out.path]
                                          + sources + [digits.appendingPathComponent("main.c").path, "-o", binary])
        XCTAssertEqual(build.status, 0, build.output)
        let run = try ProcessRunner.run(binary, [])
        XCTAssertEqual(run.status, 0, run.output)
        let label = try NPY.decode(TestPaths.read(digits.appendingPathComponent("test_labels.npy"))).asInt64s()[0]
        XCTAssertTrue(run.output.hasPrefix("predicted digit: \(label) "), run.output)
    }

    func testCompileIsDeterministic() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        for d in [a, b] {
            compile(digits.appendingPathComponent("model.onnx"), calibration: digits.appendingPathComponent("calibration.npy"), into: d)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: a.path).sorted()
        XCTAssertEqual(files, try FileManager.default.contentsOfDirectory(atPath: b.path).sorted())
        for f in files {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(f)), try Data(contentsOf: b.appendingPathComponent(f)), f)
        }
    }

    /// The four MLPerf Tiny models compile and run bit-exactly (calibrated on their few fixture inputs; the
    /// accuracy comparison with onnxruntime is toolchain/compare_int8.py's job).
    func testMLPerfTinyModelsAreBitExact() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["kws01_dscnn", "ic01_resnet8", "vww01_mobilenet_v1_025", "ad01_fc_autoencoder"] {
            let input = TestPaths.fixtures.appendingPathComponent("mlperf/\(name)_input.npy")
            let out = dir.appendingPathComponent(name)
            compile(TestPaths.mlperf.appendingPathComponent("\(name).onnx"), calibration: input, into: out)
            let json = try verifyJSON(out, input: input)
            XCTAssertEqual(json["mismatches"] as? Int, 0, name)
            XCTAssertGreaterThan(json["inputs"] as? Int ?? 0, 0, name)
        }
    }

    /// A model with a fixed batch of 4 ([4,20] → [4,10]) compiles, verifies and writes its outputs as
    /// [samples, 4, 10] (this used to trap on a shape that did not hold the data).
    func testFixedBatchModelWritesItsOutputs() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededGenerator(seed: 5)
        let input = dir.appendingPathComponent("x.npy")
        try Data(NPY.encode(NPYArray(floats: (0..<80).map { _ in Float.random(in: -2...2, using: &rng) }, shape: [4, 20]))).write(to: input)
        let out = dir.appendingPathComponent("mlp")
        compile(TestPaths.fixtures.appendingPathComponent("torch/mlp_batch4_op13.onnx"), calibration: input, into: out)
        let y = dir.appendingPathComponent("y.npy")
        let r = mote(["verify", out.path, "--input", input.path, "--output", y.path])
        XCTAssertEqual(r.code, .ok, r.err)
        XCTAssertEqual(try NPY.decode(TestPaths.read(y)).shape, [1, 4, 10])
    }

    /// An all-zero weight channel and a constant-zero activation quantize without dividing by zero.
    func testDeadChannelAndConstantActivation() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededGenerator(seed: 11)
        let cal = dir.appendingPathComponent("cal.npy")
        try Data(NPY.encode(NPYArray(floats: (0..<(16 * 72)).map { _ in Float.random(in: -2...2, using: &rng) }, shape: [16, 2, 6, 6]))).write(to: cal)
        let out = dir.appendingPathComponent("edge")
        compile(TestPaths.fixtures.appendingPathComponent("bad/edge_zero_channel.onnx"), calibration: cal, into: out)
        let json = try verifyJSON(out, input: cal)
        XCTAssertEqual(json["mismatches"] as? Int, 0)
        XCTAssertGreaterThan(try XCTUnwrap(json["sqnr_db"] as? Double), 20)
    }

    /// The emitted C is clean under clang -Weverything apart from the two warnings ARCHITECTURE.md justifies
    /// (the model file silences them itself; the kernels need the same flags).
    func testClangEverythingIsClean() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("digits")
        compile(digits.appendingPathComponent("model.onnx"), calibration: digits.appendingPathComponent("calibration.npy"), into: out)
        let sources = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".c") }.sorted()
        for source in sources {
            let r = try ProcessRunner.run("clang", ["-std=c99", "-Weverything", "-Werror", "-Wno-unsafe-buffer-usage", "-Wno-padded",
                                                   "-Wno-declaration-after-statement", "-I", out.path, "-c",
                                                   out.appendingPathComponent(source).path, "-o", "/dev/null"])
            XCTAssertEqual(r.status, 0, "\(source): \(r.output)")
        }
    }

    /// A changed byte in the emitted C is caught: verify exits 3 and says where.
    func testTamperedCIsCaught() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("digits")
        compile(digits.appendingPathComponent("model.onnx"), calibration: digits.appendingPathComponent("calibration.npy"), into: out)
        let c = out.appendingPathComponent("model.c")
        var text = try String(contentsOf: c, encoding: .utf8)
        let range = try XCTUnwrap(text.range(of: #"_bias\[\d+\] = \{\n\s+-?\d+"#, options: .regularExpression))
        let original = String(text[range])
        let digitsRange = try XCTUnwrap(original.range(of: #"-?\d+$"#, options: .regularExpression))
        let value = try XCTUnwrap(Int(original[digitsRange]))
        text.replaceSubrange(range, with: original.replacingCharacters(in: digitsRange, with: String(value + 50_000)))
        try text.write(to: c, atomically: true, encoding: .utf8)
        let r = mote(["verify", out.path, "--input", digits.appendingPathComponent("test_inputs.npy").path])
        XCTAssertEqual(r.code, .budgetOrMismatch, r.out + r.err)
        XCTAssertTrue(r.out.contains("first mismatch"), r.out)
    }

    func testBadCalibrationAndOutputDirectories() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = digits.appendingPathComponent("model.onnx").path
        let out = dir.appendingPathComponent("out")
        func expectFailure(_ cal: URL, mentioning: String, line: UInt = #line) {
            let r = mote(["compile", model, "--calibration", cal.path, "-o", out.path])
            XCTAssertEqual(r.code, .inputError, r.err, line: line)
            XCTAssertTrue(r.err.contains(mentioning), r.err, line: line)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "no half-written directory", line: line)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".out") }, [], line: line)
        }
        let wrong = dir.appendingPathComponent("wrong.npy")
        try Data(NPY.encode(NPYArray(floats: [Float](repeating: 0, count: 10 * 64), shape: [10, 8, 8]))).write(to: wrong)
        expectFailure(wrong, mentioning: "wrong.npy")
        let nan = dir.appendingPathComponent("nan.npy")
        var values = [Float](repeating: 0.5, count: 4 * 64)
        values[70] = .nan
        try Data(NPY.encode(NPYArray(floats: values, shape: [4, 1, 8, 8]))).write(to: nan)
        expectFailure(nan, mentioning: "finite")

        // An output path inside a regular file cannot be created; an existing foreign directory is not replaced.
        let file = dir.appendingPathComponent("plain.txt")
        try Data("x".utf8).write(to: file)
        let cal = digits.appendingPathComponent("calibration.npy").path
        let r1 = mote(["compile", model, "--calibration", cal, "-o", file.appendingPathComponent("sub").path])
        XCTAssertEqual(r1.code, .inputError, r1.err)
        // Missing parent directories are created, as the README's first command needs on a fresh checkout.
        let nested = dir.appendingPathComponent("new/parents/out")
        XCTAssertEqual(mote(["compile", model, "--calibration", cal, "-o", nested.path]).code, .ok)
        XCTAssertTrue(FileManager.default.fileExists(atPath: nested.appendingPathComponent("model.c").path))
        let foreign = dir.appendingPathComponent("foreign")
        try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: foreign.appendingPathComponent("notes.txt"))
        let r2 = mote(["compile", model, "--calibration", cal, "-o", foreign.path])
        XCTAssertEqual(r2.code, .inputError, r2.err)
        XCTAssertTrue(r2.err.contains("not written by Mote"), r2.err)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: foreign.path), ["notes.txt"])
        XCTAssertEqual(mote(["compile", model, "--calibration", cal, "-o", out.path, "--name", "1bad"]).code, .usage)
    }
}
