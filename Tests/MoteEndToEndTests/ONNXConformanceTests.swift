import Foundation
import MoteFloat
import MoteIR
import MoteNPY
import MoteONNX
import XCTest

/// ONNX's own operator tests (exported from the `onnx` wheel by toolchain/onnx_node_tests/export_cases.py):
/// every float32 case of a supported op must match within 1e-4 relative (plus 1e-6 absolute, for values at
/// zero), or be listed in Tests/Fixtures/onnx-node-known-gaps.txt with the reason, which the README repeats.
/// Integer inputs (shapes, axes, pads) and one-element float inputs after the first (Pad's value, Clip's
/// bounds) are bound as constants; every other input is fed at run time.
final class ONNXConformanceTests: XCTestCase {
    static let relativeTolerance: Float = 1e-4
    static let absoluteTolerance: Float = 1e-6

    /// Cases come from `MOTE_ONNX_NODE_TESTS` when set (.ci/run exports them there); otherwise they are
    /// exported once into `.build/onnx-node-tests`, which needs `python3` with the `onnx` wheel.
    func casesDirectory() throws -> URL {
        if let env = ProcessInfo.processInfo.environment["MOTE_ONNX_NODE_TESTS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let dir = TestPaths.root.appendingPathComponent(".build/onnx-node-tests")
        if !FileManager.default.fileExists(atPath: dir.appendingPathComponent("manifest.json").path) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", TestPaths.root.appendingPathComponent("toolchain/onnx_node_tests/export_cases.py").path, dir.path]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                struct ExportFailed: Error, CustomStringConvertible {
                    var description = "exporting ONNX's node tests failed: run `pip install onnx==1.23.2` (what .ci/run does)"
                }
                throw ExportFailed()
            }
        }
        return dir
    }

    enum Outcome: Equatable {
        case pass
        case notFloat32
        case fail(String)
    }

    func testOperatorConformance() throws {
        let dir = try casesDirectory()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { FileManager.default.fileExists(atPath: dir.appendingPathComponent("\($0)/model.onnx").path) }
            .sorted()
        XCTAssertGreaterThan(names.count, 100, "expected the exported ONNX node tests in \(dir.path)")
        let gaps = try knownGaps()
        var passed = 0, notFloat = 0
        var failures: [String] = []
        var gapsThatPass: [String] = []
        for name in names {
            let outcome = run(case: dir.appendingPathComponent(name))
            switch outcome {
            case .pass:
                passed += 1
                if gaps[name] != nil { gapsThatPass.append(name) }
            case .notFloat32:
                notFloat += 1
            case .fail(let why):
                if gaps[name] == nil { failures.append("\(name): \(why)") }
            }
        }
        print("ONNX conformance: \(names.count) cases, \(passed) pass, \(notFloat) not float32, \(gaps.count) known gaps")
        XCTAssertEqual(failures, [], "failing cases not listed as known gaps")
        XCTAssertEqual(gapsThatPass, [], "known gaps that now pass: remove them from the list")
    }

    /// `name<TAB>reason` per line; `#` starts a comment.
    func knownGaps() throws -> [String: String] {
        let text = try String(contentsOf: TestPaths.fixtures.appendingPathComponent("onnx-node-known-gaps.txt"), encoding: .utf8)
        var gaps: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2 { gaps[String(parts[0])] = String(parts[1]) }
        }
        return gaps
    }

    func run(case dir: URL) -> Outcome {
        do {
            let model = try ONNXDecoder.decodeModel(try TestPaths.read(dir.appendingPathComponent("model.onnx")))
            let initializerNames = Set(model.graph.initializers.map(\.name))
            let inputs = model.graph.inputs.filter { !initializerNames.contains($0.name) }
            let dataSets = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("data_") }.sorted()
            guard !dataSets.isEmpty else { return .fail("no data sets") }
            for dataSet in dataSets {
                let dataDir = dir.appendingPathComponent(dataSet)
                let outputs = try (0..<model.graph.outputs.count).map {
                    try NPY.decode(TestPaths.read(dataDir.appendingPathComponent("output_\($0).npy")))
                }
                guard outputs.allSatisfy({ $0.dtype == .float32 }) else { return .notFloat32 }
                var feeds: [FloatTensor] = []
                var constants: [String: TensorData] = [:]
                for (i, input) in inputs.enumerated() {
                    let array = try NPY.decode(TestPaths.read(dataDir.appendingPathComponent("input_\(i).npy")))
                    switch array.dtype {
                    case .float32 where i > 0 && array.count == 1:
                        // Scalar parameters (Pad's constant_value, Clip's bounds) are compile-time values
                        // for a microcontroller model.
                        constants[input.name] = TensorData(floats: array.asFloats(), shape: array.shape)
                    case .float32:
                        feeds.append(FloatTensor(shape: array.shape, data: array.asFloats()))
                    case .int64, .int32:
                        // Shape-like inputs (Reshape's shape, Pad's pads, axes): Mote needs them at compile time.
                        constants[input.name] = TensorData(int64s: try array.asInt64s(), shape: array.shape)
                    default:
                        return .notFloat32
                    }
                }
                let graph = try ONNXImport.graph(from: model, file: dir.lastPathComponent,
                                                 options: ImportOptions(constantInputs: constants))
                let interpreter = try FloatInterpreter(graph: graph)
                let results = try interpreter.run(feeds)
                for (k, (got, want)) in zip(results, outputs).enumerated() {
                    guard got.shape == want.shape else {
                        return .fail("output \(k) shape \(got.shape) vs expected \(want.shape)")
                    }
                    let expected = want.asFloats()
                    for (j, (a, b)) in zip(got.data, expected).enumerated() {
                        let ok = a == b || (a.isNaN && b.isNaN) || abs(a - b) <= Self.relativeTolerance * abs(b) + Self.absoluteTolerance
                        if !ok { return .fail("output \(k)[\(j)] = \(a), expected \(b)") }
                    }
                }
            }
            return .pass
        } catch {
            return .fail("\(error)".replacingOccurrences(of: "\n", with: " | "))
        }
    }
}
