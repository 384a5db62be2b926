import Foundation
import XCTest

/// The malformed and unsupported models of Tests/Fixtures/bad (made by toolchain/make_bad_models.py): each
/// fails with exit code 1 and messages that name the file, the node and the op.
final class BadModelTests: XCTestCase {
    func run(_ name: String) -> CommandResult {
        mote(["inspect", TestPaths.fixtures.appendingPathComponent("bad/\(name)").path])
    }

    func expect(_ name: String, lines: [[String]], line: UInt = #line) {
        let r = run(name)
        XCTAssertEqual(r.code, .inputError, r.err, line: line)
        let errors = r.err.split(separator: "\n").filter { $0.hasPrefix("error: ") && $0.contains(name) }
        XCTAssertEqual(errors.count, lines.count, r.err, line: line)
        for (text, fragments) in zip(errors, lines) {
            for fragment in fragments { XCTAssertTrue(text.contains(fragment), "'\(fragment)' missing in: \(text)", line: line) }
        }
    }

    func testEveryUnsupportedNodeIsListedInOneRun() {
        expect("unsupported_many.onnx", lines: [
            ["node 'lrn' (LRN)", "not supported"],
            ["node 'pad_reflect' (Pad)", "mode 'reflect'"],
            ["node 'hardswish_opset13' (HardSwish)", "opsets 14–", "opset 13"],
            ["node 'vendor_op' (FusedConv)", "domain 'com.microsoft'"],
        ])
    }

    func testStructuralDefects() {
        expect("cyclic.onnx", lines: [["cycle", "'add_in_cycle'", "'relu_in_cycle'"]])
        expect("missing_initializer.onnx", lines: [["node 'conv_without_weight' (Conv)", "'w'"]])
        expect("shape_mismatch.onnx", lines: [["node 'conv_bad_channels' (Conv)", "input channels"]])
    }

    func testTensorsRefusedBeforeAllocation() {
        expect("huge_tensor.onnx", lines: [["'w'", "[1048576,1048576]", "limit"]])
        expect("external_data.onnx", lines: [["'w'", "external"]])
    }
}
