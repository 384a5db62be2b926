import Foundation
import MoteCLI
import MoteVerify
import XCTest

/// `mote bench DIR --target cortex-m4`: executed-instruction counts under QEMU with Mote's plugin. The tools are
/// required, not optional: a machine without them fails here with the install hint rather than skipping.
final class BenchTests: XCTestCase {
    static let install = "install gcc, gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm (.ci/run installs them)"

    struct Layer: Decodable {
        var name: String
        var op: String
        var instructions: Int
        var macs: Int
    }

    struct Result: Decodable {
        var instructionsPerInference: Int
        var identicalAcrossInferences: Bool
        var glueInstructions: Int
        var macs: Int
        var instructionsPerMac: Double?
        var flashBytes: Int
        var ramBytes: Int
        var layers: [Layer]
    }

    func bench(_ dir: URL) throws -> Result {
        let r = mote(["bench", dir.path, "--target", "cortex-m4", "--json"])
        XCTAssertEqual(r.code, .ok, r.err)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Result.self, from: Data(r.out.utf8))
    }

    func testDigitsOnCortexM4() throws {
        do {
            try CortexMBench.checkTools()
        } catch {
            XCTFail("\(error); \(Self.install)")
            throw error
        }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let examples = TestPaths.root.appendingPathComponent("Examples/digits")
        let c = mote(["compile", examples.appendingPathComponent("model.onnx").path,
                      "--calibration", examples.appendingPathComponent("calibration.npy").path, "-o", dir.path])
        XCTAssertEqual(c.code, .ok, c.err)
        guard c.code == .ok else { return }

        let first = try bench(dir), second = try bench(dir)
        // Determinism: identical counts across runs and across the inferences of one run.
        XCTAssertEqual(first.instructionsPerInference, second.instructionsPerInference)
        XCTAssertEqual(first.layers.map(\.instructions), second.layers.map(\.instructions))
        XCTAssertTrue(first.identicalAcrossInferences)

        // The layers add up to the inference, up to the glue of model_run itself (prologue, copies, argument set-up).
        let sum = first.layers.map(\.instructions).reduce(0, +)
        XCTAssertEqual(sum + first.glueInstructions, first.instructionsPerInference)
        XCTAssertGreaterThanOrEqual(first.glueInstructions, 0)
        XCTAssertLessThan(first.glueInstructions, 400, "glue of model_run")
        XCTAssertGreaterThan(sum, 0)

        // Every layer that makes a kernel call is counted; reshapes planned in place are free.
        for l in first.layers {
            if l.op == "reshape" { XCTAssertEqual(l.instructions, 0, l.name) } else { XCTAssertGreaterThan(l.instructions, 0, l.name) }
        }
        XCTAssertEqual(first.macs, first.layers.map(\.macs).reduce(0, +))
        XCTAssertGreaterThan(first.macs, 0)
        let perMac = try XCTUnwrap(first.instructionsPerMac)
        XCTAssertGreaterThan(perMac, 0.25)
        XCTAssertLessThan(perMac, 1000)

        // A conv layer with several times the MACs of another takes more instructions.
        let convs = first.layers.filter { $0.op == "conv" && $0.macs > 0 }
        var compared = 0
        for a in convs { for b in convs where a.macs >= 3 * b.macs {
            XCTAssertGreaterThan(a.instructions, b.instructions, "\(a.name) (\(a.macs) MACs) vs \(b.name) (\(b.macs) MACs)")
            compared += 1
        } }
        XCTAssertGreaterThan(compared, 0)

        XCTAssertGreaterThan(first.flashBytes, 6640)
        XCTAssertGreaterThan(first.ramBytes, 0)
    }

    func testEmbeddedPluginIsCurrent() throws {
        let dir = TestPaths.root.appendingPathComponent("toolchain/cortex-m/plugin")
        var files: [String: String] = [:]
        for name in ["icount.c", "qemu_plugin_api.h"] {
            files[name] = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
        }
        XCTAssertEqual(CortexMBench.pluginFiles, files,
                       "Sources/MoteVerify/BenchPluginFiles.swift is stale: run python3 toolchain/cortex-m/plugin/embed.py")
    }
}
