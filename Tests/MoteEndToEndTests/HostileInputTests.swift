import Foundation
import MoteCLI
import MoteNPY
import XCTest
import MoteTestSupport

/// Bad files give one clear error line naming the file and exit code 1: never a crash, a hang or a success.
final class HostileInputTests: XCTestCase {
    let model = TestPaths.mlperf.appendingPathComponent("kws01_dscnn.onnx")

    func expectInputError(_ args: [String], mentioning file: String, _ message: String = "", line: UInt = #line) {
        let r = mote(args)
        XCTAssertEqual(r.code, .inputError, "\(args): \(r.err)", line: line)
        XCTAssertTrue(r.err.contains(file), "error should name \(file): \(r.err)", line: line)
        XCTAssertTrue(message.isEmpty || r.err.contains(message), "error should say '\(message)': \(r.err)", line: line)
    }

    func write(_ bytes: [UInt8], _ name: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func testTruncatedRandomAndMissingModels() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = try TestPaths.read(model)
        for cut in [0, 1, 7, 100, bytes.count / 2, bytes.count - 1] {
            let path = try write(Array(bytes.prefix(cut)), "cut\(cut).onnx", in: dir)
            expectInputError(["inspect", path], mentioning: path)
        }
        var rng = SeededGenerator(seed: 1)
        for i in 0..<20 {
            let path = try write((0..<Int.random(in: 1...4096, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, "rand\(i).onnx", in: dir)
            expectInputError(["inspect", path], mentioning: path)
        }
        expectInputError(["inspect", dir.appendingPathComponent("absent.onnx").path], mentioning: "absent.onnx", "no such file")
        expectInputError(["inspect", dir.path], mentioning: dir.path, "directory")
    }

    /// Seeded mutations of a real model: every run ends in success or a one-line diagnostic naming the file.
    func testMutatedModelsNeverCrash() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = try TestPaths.read(model)
        var rng = SeededGenerator(seed: 2026)
        var outcomes = [ExitCode: Int]()
        for i in 0..<400 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                case 2: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...64, using: &rng)))
                default: bytes.insert(contentsOf: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], at: at)   // a huge varint
                }
                if bytes.isEmpty { bytes = [0] }
            }
            let path = try write(bytes, "m\(i).onnx", in: dir)
            let r = mote(["inspect", path])
            outcomes[r.code, default: 0] += 1
            XCTAssertTrue(r.code == .ok || r.code == .inputError, "mutation \(i): exit \(r.code)")
            if r.code == .inputError {
                XCTAssertTrue(r.err.contains(path), "mutation \(i): \(r.err)")
                XCTAssertFalse(r.err.isEmpty)
            }
            try? FileManager.default.removeItem(atPath: path)
        }
        XCTAssertGreaterThan(outcomes[.inputError, default: 0], 100, "most mutations should be caught: \(outcomes)")
    }

    func testBadNPYInputs() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("y.npy").path
        let wrongShape = try write(NPY.encode(NPYArray(floats: [Float](repeating: 0, count: 490), shape: [1, 49, 10])), "wrong.npy", in: dir)
        expectInputError(["run", model.path, "--input", wrongShape, "--output", out], mentioning: wrongShape, "does not fit input")
        let garbage = try write(Array("not a numpy file".utf8), "garbage.npy", in: dir)
        expectInputError(["run", model.path, "--input", garbage, "--output", out], mentioning: garbage)
        let header = "{'descr': '<U5', 'fortran_order': False, 'shape': (2,), }"
        var text: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let padded = header + String(repeating: " ", count: 128 - 10 - header.utf8.count - 1) + "\n"
        text += [UInt8(padded.utf8.count & 0xFF), UInt8(padded.utf8.count >> 8)] + Array(padded.utf8) + [UInt8](repeating: 65, count: 40)
        let strings = try write(text, "strings.npy", in: dir)
        expectInputError(["run", model.path, "--input", strings, "--output", out], mentioning: strings, "<U5")
        let nan = try write(NPY.encode(NPYArray(floats: [Float](repeating: .nan, count: 490), shape: [1, 49, 10, 1])), "nan.npy", in: dir)
        expectInputError(["run", model.path, "--input", nan, "--output", out], mentioning: nan, "finite")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "a failed run must not write its output")
    }

    func testUsageErrorsExitTwo() {
        XCTAssertEqual(mote([]).code, .usage)
        XCTAssertEqual(mote(["frobnicate"]).code, .usage)
        XCTAssertEqual(mote(["inspect"]).code, .usage)
        XCTAssertEqual(mote(["inspect", model.path, "--bogus"]).code, .usage)
        XCTAssertEqual(mote(["run", model.path, "--input", "x.npy"]).code, .usage)
    }
}
