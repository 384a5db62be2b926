import Foundation
@testable import MoteCodegen
import MoteIR
import XCTest

/// Malformed QModels give a Diagnostic naming the problem, never a trap and never C that reads out of bounds.
final class ValidationTests: XCTestCase {
    let options = CodegenOptions(name: "m", toolVersion: "1", modelHash: "a")

    func assertRejected(_ model: QModel, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Codegen.emit(model, options: options), file: file, line: line) { error in
            guard let diagnostic = error as? Diagnostic else { return XCTFail("\(error) is not a Diagnostic", file: file, line: line) }
            XCTAssertTrue(diagnostic.description.contains(fragment), "\(diagnostic) should mention '\(fragment)'", file: file, line: line)
        }
    }

    func conv(_ model: QModel) -> QConv? {
        if case .conv(let c) = model.layers[0].op { return c }
        return nil
    }

    func testStructure() {
        var m = TestModels.chain()
        m.inputs = []
        assertRejected(m, "no inputs")

        m = TestModels.chain()
        m.outputs = [99]
        assertRejected(m, "tensor 99")

        m = TestModels.chain()
        m.layers.swapAt(0, 2)
        assertRejected(m, "not computed before")

        m = TestModels.chain()
        m.layers.append(m.layers[3])
        assertRejected(m, "already written")

        m = TestModels.chain()
        m.tensors[2].shape = [1, 255]
        assertRejected(m, "elements")

        m = TestModels.chain()
        m.tensors[0].shape = [0, 64]
        assertRejected(m, "tensor 0")

        m = TestModels.chain()
        m.tensors[0].quant.scale = .nan
        assertRejected(m, "scale")

        m = TestModels.chain()
        m.tensors[4].quant.zeroPoint = 300
        assertRejected(m, "zero point")
    }

    func testLayerParameters() {
        var m = TestModels.chain()
        guard var c = conv(m) else { return XCTFail() }
        c.weights.removeLast()
        m.layers[0].op = .conv(c)
        assertRejected(m, "weights has 35 values")

        m = TestModels.chain()
        c = conv(m)!
        c.groups = 3
        m.layers[0].op = .conv(c)
        assertRejected(m, "groups")

        m = TestModels.chain()
        c = conv(m)!
        c.strideHeight = 0
        m.layers[0].op = .conv(c)
        assertRejected(m, "strideHeight")

        m = TestModels.chain()
        c = conv(m)!
        c.requant[1].shift = 40
        m.layers[0].op = .conv(c)
        assertRejected(m, "shift")

        m = TestModels.chain()
        c = conv(m)!
        c.padTop = Int.min
        m.layers[0].op = .conv(c)
        assertRejected(m, "padTop")

        m = TestModels.mixed()
        if case .add(var a) = m.layers[3].op {
            a.broadcast.strides2 = [32, 16, 4, 2]
            m.layers[3].op = .add(a)
        } else { XCTFail("layer 3 is the add") }
        assertRejected(m, "strides reach")

        m = TestModels.mixed()
        if case .pad(var p) = m.layers[0].op {
            p.padsBegin = [0, 0, Int.min, 1]
            m.layers[0].op = .pad(p)
        }
        assertRejected(m, "pad")

        m = TestModels.mixed()
        if case .transpose(var t) = m.layers[6].op {
            t.perm = [0, 1, 1, 2]
            m.layers[6].op = .transpose(t)
        } else { XCTFail("layer 6 is the transpose") }
        assertRejected(m, "permutation")

        m = TestModels.chain()
        if case .softmax(var s) = m.layers[3].op {
            s.expTable[0] = 0
            m.layers[3].op = .softmax(s)
        }
        assertRejected(m, "expTable")
    }

    func testBroadcastRankAboveSixIsRejected() {
        var m = TestModels.mixed()
        if case .add(var a) = m.layers[3].op {
            a.broadcast = QBroadcast(shape: [1, 1, 1, 1, 2, 4, 4], strides1: [0, 0, 0, 0, 16, 4, 1], strides2: [0, 0, 0, 0, 16, 4, 1])
            m.layers[3].op = .add(a)
        }
        assertRejected(m, "rank 7")
    }
}
