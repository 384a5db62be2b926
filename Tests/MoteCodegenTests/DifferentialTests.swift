import Foundation
import MoteCodegen
import MoteInteger
import MoteIR
import XCTest

/// The emitted C, compiled by gcc, against the Swift integer interpreter: every output byte must agree.
final class DifferentialTests: XCTestCase {
    func check(_ model: QModel, name: String, samples: Int = 8, seed: UInt64 = 7, flags: [String],
               file: StaticString = #filePath, line: UInt = #line) throws {
        let inputs = TestModels.samples(model, count: samples, seed: seed)
        let interpreter = try IntegerInterpreter(model: model)
        let expected = try inputs.map { try interpreter.run($0) }
        let actual = try CHarness.runModel(model, name: name, samples: inputs, flags: flags)
        var mismatches = 0
        for s in expected.indices {
            for k in expected[s].indices where expected[s][k] != actual[s][k] {
                let differing = zip(expected[s][k], actual[s][k]).filter { $0 != $1 }.count
                mismatches += max(differing, 1)
                if mismatches < 20 {
                    XCTFail("sample \(s) output \(k): C \(actual[s][k]) vs interpreter \(expected[s][k])", file: file, line: line)
                }
            }
        }
        XCTAssertEqual(mismatches, 0, "output bytes differing between C and interpreter", file: file, line: line)
    }

    func testChainO2() throws {
        try check(TestModels.chain(), name: "chain", flags: CHarness.strictFlags + ["-O2"])
    }

    func testChainSanitized() throws {
        try check(TestModels.chain(), name: "chain", flags: CHarness.strictFlags + CHarness.sanitizerFlags)
    }

    func testMixedO2() throws {
        try check(TestModels.mixed(), name: "mixed", flags: CHarness.strictFlags + ["-O2"])
    }

    func testMixedSanitized() throws {
        try check(TestModels.mixed(), name: "mixed", flags: CHarness.strictFlags + CHarness.sanitizerFlags)
    }

    func testTwoInputsO2() throws {
        try check(TestModels.twoInputs(), name: "two", flags: CHarness.strictFlags + ["-O2"])
    }

    func testTwoInputsSanitized() throws {
        try check(TestModels.twoInputs(), name: "two", flags: CHarness.strictFlags + CHarness.sanitizerFlags)
    }

    /// Every path of mote_conv, two of them called directly by the emitted C.
    func testConvPathsO2() throws {
        try check(TestModels.convPaths(), name: "paths", flags: CHarness.strictFlags + ["-O2"])
    }

    func testConvPathsSanitized() throws {
        try check(TestModels.convPaths(), name: "paths", flags: CHarness.strictFlags + CHarness.sanitizerFlags)
    }

    /// Every weight storage format (int8/int4 × dense/sparse) in one model, conv scratch in the arena.
    func testWeightStorageO2() throws {
        try check(TestModels.storage(), name: "storage", flags: CHarness.strictFlags + ["-O2"])
    }

    func testWeightStorageSanitized() throws {
        try check(TestModels.storage(), name: "storage", flags: CHarness.strictFlags + CHarness.sanitizerFlags)
    }

    /// No layers: the output is the input (an identity model), a scalar-shaped second output included.
    func testLayerlessModel() throws {
        let model = QModel(name: "identity", tensors: [
            QTensor(name: "x", shape: [3, 5], quant: QuantParams(scale: 0.5, zeroPoint: 1)),
            QTensor(name: "s", shape: [], quant: QuantParams(scale: 1, zeroPoint: 0)),
        ], layers: [], inputs: [0, 1], outputs: [1, 0])
        try check(model, name: "identity", flags: CHarness.strictFlags + CHarness.sanitizerFlags)
        let header = try Codegen.emit(model, options: CodegenOptions(name: "identity", toolVersion: "1", modelHash: "a"))[0].contents
        XCTAssertTrue(header.contains("#define IDENTITY_INPUT1_RANK 0\n#define IDENTITY_INPUT1_SHAPE {1}\n"), header)
    }
}
