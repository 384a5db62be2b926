import MoteIR
@testable import MoteONNX
import XCTest

/// Builds ONNX models as structs, without protobuf bytes, for importer tests.
enum ModelBuilder {
    static func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String = "",
                     attributes: [ONNXAttribute] = [], domain: String = "") -> ONNXNode {
        var n = ONNXNode()
        n.opType = op
        n.inputs = inputs
        n.outputs = outputs
        n.name = name
        n.attributes = attributes
        n.domain = domain
        return n
    }

    static func ints(_ name: String, _ values: [Int64]) -> ONNXAttribute {
        var a = ONNXAttribute()
        a.name = name
        a.type = .ints
        a.ints = values
        return a
    }

    static func int(_ name: String, _ value: Int64) -> ONNXAttribute {
        var a = ONNXAttribute()
        a.name = name
        a.type = .int
        a.i = value
        return a
    }

    static func string(_ name: String, _ value: String) -> ONNXAttribute {
        var a = ONNXAttribute()
        a.name = name
        a.type = .string
        a.s = Array(value.utf8)
        return a
    }

    static func float(_ name: String, _ value: Float) -> ONNXAttribute {
        var a = ONNXAttribute()
        a.name = name
        a.type = .float
        a.f = value
        return a
    }

    static func input(_ name: String, _ dims: [Int64], elemType: Int32 = 1) -> ONNXValueInfo {
        var v = ONNXValueInfo()
        v.name = name
        v.isTensor = true
        v.elemType = elemType
        v.dims = dims.map { $0 < 0 ? .param("N") : .value($0) }
        return v
    }

    static func floatTensor(_ name: String, _ dims: [Int64], _ values: [Float]) -> ONNXTensor {
        var t = ONNXTensor()
        t.name = name
        t.dims = dims
        t.dataType = 1
        t.floatData = values
        return t
    }

    static func int64Tensor(_ name: String, _ dims: [Int64], _ values: [Int64]) -> ONNXTensor {
        var t = ONNXTensor()
        t.name = name
        t.dims = dims
        t.dataType = 7
        t.int64Data = values
        return t
    }

    static func model(opset: Int64 = 13, nodes: [ONNXNode], inputs: [ONNXValueInfo], outputs: [String],
                      initializers: [ONNXTensor] = []) -> ONNXModel {
        var m = ONNXModel()
        m.irVersion = 7
        m.hasGraph = true
        m.opsetImports = [ONNXOpsetImport(domain: "", version: opset)]
        m.graph.name = "test"
        m.graph.nodes = nodes
        m.graph.inputs = inputs
        m.graph.outputs = outputs.map { var v = ONNXValueInfo(); v.name = $0; return v }
        m.graph.initializers = initializers
        return m
    }
}

final class ImporterTests: XCTestCase {
    typealias B = ModelBuilder

    func testEveryUnsupportedNodeIsListedOnce() throws {
        let model = B.model(nodes: [
            B.node("Relu", ["x"], ["a"], name: "ok"),
            B.node("LSTM", ["a"], ["b"], name: "lstm1"),
            B.node("Pad", ["b", "pads"], ["c"], name: "pad_reflect", attributes: [B.string("mode", "reflect")]),
            B.node("HardSwish", ["c"], ["d"], name: "hs"),  // needs opset 14, model is 13
            B.node("Custom", ["d"], ["y"], name: "custom", domain: "com.example"),
        ], inputs: [B.input("x", [1, 4])], outputs: ["y"], initializers: [B.int64Tensor("pads", [4], [0, 0, 0, 0])])
        XCTAssertThrowsError(try ONNXImport.graph(from: model, file: "m.onnx")) { error in
            guard let list = error as? DiagnosticList else { return XCTFail("expected a list, got \(error)") }
            XCTAssertEqual(list.diagnostics.map(\.node), ["lstm1", "pad_reflect", "hs", "custom"])
            XCTAssertTrue(list.diagnostics.allSatisfy { $0.file == "m.onnx" })
            XCTAssertEqual(list.diagnostics.map(\.op), ["LSTM", "Pad", "HardSwish", "Custom"])
            let text = list.description
            XCTAssertTrue(text.contains("mode 'reflect'"), text)
            XCTAssertTrue(text.contains("opsets 14–\(ONNXImport.supportedOpsets.upperBound)"), text)
            XCTAssertTrue(text.contains("domain 'com.example'"), text)
        }
    }

    func testShapeArithmeticFoldsIntoOneReshape() throws {
        // x.view(x.size(0), -1) as the TorchScript exporter writes it.
        let model = B.model(nodes: [
            B.node("Relu", ["x"], ["r"]),
            B.node("Shape", ["r"], ["s"]),
            B.node("Constant", [], ["zero"], attributes: [{ var a = ONNXAttribute(); a.name = "value"; a.type = .tensor
                a.t = B.int64Tensor("", [], [0]); return a }()]),
            B.node("Gather", ["s", "zero"], ["n"], attributes: [B.int("axis", 0)]),
            B.node("Unsqueeze", ["n", "axes0"], ["n1"]),
            B.node("Concat", ["n1", "minus1"], ["shape"], attributes: [B.int("axis", 0)]),
            B.node("Reshape", ["r", "shape"], ["y"]),
        ], inputs: [B.input("x", [2, 3, 4])], outputs: ["y"],
           initializers: [B.int64Tensor("axes0", [1], [0]), B.int64Tensor("minus1", [1], [-1])])
        let graph = try ONNXImport.graph(from: model, file: "m.onnx")
        XCTAssertEqual(graph.nodes.map(\.op), [.activation(.relu), .reshape(shape: [2, 12])])
        XCTAssertEqual(graph.type(of: graph.outputs[0]).shape, [2, 12])
    }

    func testUnsortedNodesAreOrderedAndCyclesRejected() throws {
        let unsorted = B.model(nodes: [
            B.node("Sigmoid", ["a"], ["y"], name: "second"),
            B.node("Relu", ["x"], ["a"], name: "first"),
        ], inputs: [B.input("x", [1, 2])], outputs: ["y"])
        let graph = try ONNXImport.graph(from: unsorted, file: "u.onnx")
        XCTAssertEqual(graph.nodes.map(\.name), ["first", "second"])

        let cyclic = B.model(nodes: [
            B.node("Add", ["x", "b"], ["a"], name: "n1"),
            B.node("Relu", ["a"], ["b"], name: "n2"),
        ], inputs: [B.input("x", [1, 2])], outputs: ["b"])
        XCTAssertThrowsError(try ONNXImport.graph(from: cyclic, file: "c.onnx")) { error in
            XCTAssertTrue("\(error)".contains("cycle"), "\(error)")
            XCTAssertTrue("\(error)".contains("c.onnx"), "\(error)")
        }
    }

    func testMissingInitializerIsNamed() {
        let model = B.model(nodes: [B.node("Conv", ["x", "w"], ["y"], name: "conv0")],
                            inputs: [B.input("x", [1, 1, 4, 4])], outputs: ["y"])
        XCTAssertThrowsError(try ONNXImport.graph(from: model, file: "w.onnx")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("w.onnx") && text.contains("conv0") && text.contains("'w'"), text)
        }
    }

    func testOpsetRange() {
        for opset in [Int64(ONNXImport.supportedOpsets.lowerBound - 1), Int64(ONNXImport.supportedOpsets.upperBound + 1)] {
            let model = B.model(opset: opset, nodes: [B.node("Relu", ["x"], ["y"])], inputs: [B.input("x", [1])], outputs: ["y"])
            XCTAssertThrowsError(try ONNXImport.graph(from: model, file: "o.onnx")) { error in
                XCTAssertTrue("\(error)".contains("opset \(opset)"), "\(error)")
            }
        }
    }

    func testAutoPadSameUpperAndLower() throws {
        // Input 5, kernel 3, stride 2: output 3, total pad (3−1)·2 + 3 − 5 = 2 → 1/1; kernel 4: total 3.
        for (mode, kernel, expected) in [("SAME_UPPER", 4, [1, 1, 2, 2]), ("SAME_LOWER", 4, [2, 2, 1, 1]), ("SAME_UPPER", 3, [1, 1, 1, 1])] {
            let k = Int64(kernel)
            let model = B.model(nodes: [B.node("Conv", ["x", "w"], ["y"], attributes: [B.string("auto_pad", mode), B.ints("strides", [2, 2])])],
                                inputs: [B.input("x", [1, 1, 5, 5])], outputs: ["y"],
                                initializers: [B.floatTensor("w", [1, 1, k, k], [Float](repeating: 1, count: kernel * kernel))])
            let graph = try ONNXImport.graph(from: model, file: "p.onnx")
            guard case .conv(let a) = graph.nodes[0].op else { return XCTFail() }
            XCTAssertEqual(a.pads, expected, mode)
            XCTAssertEqual(graph.type(of: graph.outputs[0]).shape, [1, 1, 3, 3])
        }
    }

    func testClipAttributeAndInputForms() throws {
        let old = B.model(opset: 10, nodes: [B.node("Clip", ["x"], ["y"], attributes: [B.float("min", 0), B.float("max", 6)])],
                          inputs: [B.input("x", [1, 3])], outputs: ["y"])
        let g1 = try ONNXImport.graph(from: old, file: "c.onnx")
        XCTAssertEqual(g1.nodes[0].inputs.dropFirst().map { g1.constant($0)?.floats }, [[0], [6]])

        let new = B.model(opset: 13, nodes: [B.node("Clip", ["x", "", "hi"], ["y"])],
                          inputs: [B.input("x", [1, 3])], outputs: ["y"],
                          initializers: [B.floatTensor("hi", [], [6])])
        let g2 = try ONNXImport.graph(from: new, file: "c.onnx")
        XCTAssertEqual(g2.nodes[0].inputs.dropFirst().map { g2.constant($0)?.floats }, [[-.infinity], [6]])
    }

    func testSoftmaxAxisSemanticsFollowOpset() throws {
        for (opset, expected) in [(Int64(11), SoftmaxAttributes(axis: 1, coerceTo2D: true)), (13, SoftmaxAttributes(axis: 2, coerceTo2D: false))] {
            let model = B.model(opset: opset, nodes: [B.node("Softmax", ["x"], ["y"])], inputs: [B.input("x", [1, 2, 3])], outputs: ["y"])
            let graph = try ONNXImport.graph(from: model, file: "s.onnx")
            XCTAssertEqual(graph.nodes[0].op, .softmax(expected))
        }
    }

    func testBatchNormFoldsIntoConvAndKeepsStandaloneBN() throws {
        let bn = { (x: String, y: String) in B.node("BatchNormalization", [x, "s", "b", "m", "v"], [y], attributes: [B.float("epsilon", 0)]) }
        let params = [B.floatTensor("s", [2], [2, 3]), B.floatTensor("b", [2], [1, -1]),
                      B.floatTensor("m", [2], [0.5, 0]), B.floatTensor("v", [2], [4, 9])]
        let model = B.model(nodes: [B.node("Conv", ["x", "w", "cb"], ["c"]), bn("c", "y"), bn("x2", "z")],
                            inputs: [B.input("x", [1, 1, 3, 3]), B.input("x2", [1, 2, 1, 1])], outputs: ["y", "z"],
                            initializers: params + [B.floatTensor("w", [2, 1, 1, 1], [1, 2]), B.floatTensor("cb", [2], [0.5, 1])])
        let graph = try ONNXImport.graph(from: model, file: "bn.onnx")
        XCTAssertEqual(graph.nodes.map(\.op.name), ["Conv", "BatchNormalization"])
        // s = scale/sqrt(var) = [1, 1]; w' = w; b' = (b − mean)·s + bias = [0 + 1, 1 − 1].
        XCTAssertEqual(graph.constant(graph.nodes[0].inputs[1])?.floats, [1, 2])
        XCTAssertEqual(graph.constant(graph.nodes[0].inputs[2])?.floats, [1, 0])
    }

    func testSymbolicBatchBecomesOneAndNonFloatInputIsRefused() throws {
        let model = B.model(nodes: [B.node("Relu", ["x"], ["y"])], inputs: [B.input("x", [-1, 3])], outputs: ["y"])
        XCTAssertEqual(try ONNXImport.graph(from: model, file: "b.onnx").type(of: ValueID(0)).shape, [1, 3])
        let ints = B.model(nodes: [B.node("Relu", ["x"], ["y"])], inputs: [B.input("x", [1, 3], elemType: 7)], outputs: ["y"])
        XCTAssertThrowsError(try ONNXImport.graph(from: ints, file: "b.onnx")) { XCTAssertTrue("\($0)".contains("float32"), "\($0)") }
    }

    func testConsumedExtraOutputIsAnError() {
        let model = B.model(nodes: [B.node("MaxPool", ["x"], ["y", "idx"], name: "mp", attributes: [B.ints("kernel_shape", [2, 2])]),
                                    B.node("Relu", ["idx"], ["z"], name: "uses_indices")],
                            inputs: [B.input("x", [1, 1, 4, 4])], outputs: ["y", "z"])
        XCTAssertThrowsError(try ONNXImport.graph(from: model, file: "i.onnx")) { error in
            XCTAssertTrue("\(error)".contains("uses_indices") && "\(error)".contains("idx"), "\(error)")
        }
    }
}
