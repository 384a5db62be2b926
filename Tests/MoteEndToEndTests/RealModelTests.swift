import Foundation
import MoteNPY
import XCTest

/// `mote run` on real models against onnxruntime's outputs (committed goldens made by
/// toolchain/make_mlperf_golden.py and toolchain/make_torch_fixtures.py): normwise relative error ≤ 1e-4.
final class RealModelTests: XCTestCase {
    func check(model: URL, input: URL, expected: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("y.npy")
        let result = mote(["run", model.path, "--input", input.path, "--output", out.path])
        XCTAssertEqual(result.code, .ok, result.err, file: file, line: line)
        guard result.code == .ok else { return }
        let got = try NPY.decode(TestPaths.read(out))
        let want = try NPY.decode(TestPaths.read(expected))
        XCTAssertEqual(got.shape, want.shape, model.lastPathComponent, file: file, line: line)
        let err = relativeError(got.asFloats(), want.asFloats())
        XCTAssertLessThanOrEqual(err, 1e-4, "\(model.lastPathComponent): relative error \(err)", file: file, line: line)
    }

    func testMLPerfTinyModelsMatchOnnxruntime() throws {
        let models = ["kws01_dscnn", "vww01_mobilenet_v1_025", "ic01_resnet8", "ic_resnet_large", "ad01_fc_autoencoder"]
        for name in models {
            let fixtures = TestPaths.fixtures.appendingPathComponent("mlperf")
            try check(model: TestPaths.mlperf.appendingPathComponent("\(name).onnx"),
                      input: fixtures.appendingPathComponent("\(name)_input.npy"),
                      expected: fixtures.appendingPathComponent("\(name)_expected.npy"))
        }
    }

    func testTorchExportedModelsMatchOnnxruntime() throws {
        let dir = TestPaths.fixtures.appendingPathComponent("torch")
        let models = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".onnx") }.sorted()
        XCTAssertGreaterThanOrEqual(models.count, 8, "expected torch fixtures at opset 13 and 17")
        XCTAssertTrue(models.contains { $0.contains("_op13") } && models.contains { $0.contains("_op17") })
        for file in models {
            let stem = String(file.dropLast(5))                       // name_opN
            let name = String(stem[..<stem.range(of: "_op", options: .backwards)!.lowerBound])
            try check(model: dir.appendingPathComponent(file), input: dir.appendingPathComponent("\(name)_input.npy"),
                      expected: dir.appendingPathComponent("\(stem)_expected.npy"))
        }
    }
}
