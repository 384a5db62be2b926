import Foundation
import MoteFloat
import MoteIR
@testable import MoteQuant
import XCTest

final class QuantizerTests: XCTestCase {
    func testActivationParamsRepresentZeroExactly() {
        for (lo, hi) in [(Float(-1), Float(3)), (0, 6), (-5, 0), (-0.3, 0.7), (2, 5), (-4, -1)] {
            let p = RangeChoice.params(low: lo, high: hi)
            XCTAssertEqual(p.dequantize(Int8(p.zeroPoint)), 0, "\(lo)…\(hi)")
            XCTAssertTrue((-128...127).contains(p.zeroPoint))
            // The range is covered: both ends quantize within one step.
            XCTAssertLessThanOrEqual(abs(p.dequantize(p.quantize(min(lo, 0))) - min(lo, 0)), Float(p.scale))
            XCTAssertLessThanOrEqual(abs(p.dequantize(p.quantize(max(hi, 0))) - max(hi, 0)), Float(p.scale))
        }
        let constantZero = RangeChoice.params(low: 0, high: 0)
        XCTAssertEqual(constantZero.quantize(0), Int8(constantZero.zeroPoint))
        XCTAssertTrue(constantZero.scale.isFinite && constantZero.scale > 0)
    }

    func testPerChannelWeightsAreSymmetricAndZeroChannelIsSafe() {
        let w: [Float] = [0.5, -1.0, 0.25, /* channel 1 all zero */ 0, 0, 0, /* channel 2 */ 3, 1.5, -3]
        let q = QuantizedWeights(w, channels: 3)
        XCTAssertEqual(q.values, [64, -127, 32, 0, 0, 0, 127, 64, -127])
        XCTAssertEqual(q.scales[0], 1.0 / 127, accuracy: 1e-12)
        XCTAssertEqual(q.scales[1], 1)
        XCTAssertEqual(q.bias([0.1, 0.2, 0.3], inputScale: 0.5), [Int32((0.1 / (0.5 / 127)).rounded()), 0, Int32((0.3 / (0.5 * 3 / 127)).rounded())])
    }

    /// conv → relu becomes one layer whose clamp starts at the output zero point; MatMul + Add becomes one
    /// dense layer; a scalar Mul becomes a table; Softmax uses TFLite's fixed output encoding.
    func testFusionAndLowering() throws {
        var g = Graph(name: "t")
        let x = g.addValue(Value(name: "x", type: TensorType(.float32, [1, 1, 4, 4])))
        g.inputs = [x]
        let w = g.addValue(Value(name: "w", type: TensorType(.float32, [2, 1, 3, 3]),
                                 constant: TensorData(floats: (0..<18).map { Float($0 % 5) - 2 }, shape: [2, 1, 3, 3])))
        func add(_ op: Op, _ inputs: [ValueID], _ name: String) throws -> ValueID {
            let t = try ShapeInference.outputTypes(of: op, inputs: inputs.map { g.type(of: $0) })[0]
            let id = g.addValue(Value(name: name, type: t))
            g.nodes.append(Node(name: name, op: op, inputs: inputs, outputs: [id]))
            return id
        }
        let c = try add(.conv(ConvAttributes(kernel: [3, 3], strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], group: 1)), [x, w], "conv")
        let r = try add(.activation(.relu), [c], "relu")
        let f = try add(.reshape(shape: [1, 32]), [r], "flat")
        let m = g.addValue(Value(name: "m", type: TensorType(.float32, [32, 3]),
                                 constant: TensorData(floats: (0..<96).map { Float($0 % 7) / 7 - 0.4 }, shape: [32, 3])))
        let b = g.addValue(Value(name: "b", type: TensorType(.float32, [3]), constant: TensorData(floats: [0.1, -0.2, 0.3], shape: [3])))
        let mm = try add(.matMul, [f, m], "matmul")
        let biased = try add(.binary(.add), [mm, b], "bias")
        let half = g.addValue(Value(name: "half", type: TensorType(.float32, []), constant: TensorData(floats: [0.5], shape: [])))
        let scaled = try add(.binary(.mul), [biased, half], "scale")
        let y = try add(.softmax(SoftmaxAttributes(axis: 1, coerceTo2D: false)), [scaled], "softmax")
        g.outputs = [y]
        try g.verify()

        var rng = SystemRandomNumberGenerator()
        let samples = (0..<20).map { _ in [FloatTensor(shape: [1, 1, 4, 4], data: (0..<16).map { _ in Float.random(in: -1...1, using: &rng) })] }
        let model = try QuantizationPipeline.quantize(g, calibration: samples)
        XCTAssertEqual(model.layers.map(\.op.name), ["conv", "reshape", "dense", "table", "softmax"])
        XCTAssertEqual(model.layers[0].sourceOps, ["Conv", "Relu"])
        XCTAssertEqual(model.layers[2].sourceOps, ["MatMul", "Add"])
        guard case .conv(let conv) = model.layers[0].op, case .dense(let dense) = model.layers[2].op,
              case .table(let table) = model.layers[3].op else { return XCTFail() }
        XCTAssertEqual(conv.clampMin, conv.outputZeroPoint, "ReLU clamps at the real zero")
        XCTAssertEqual(conv.clampMax, 127)
        XCTAssertEqual(dense.outFeatures, 3)
        XCTAssertEqual(dense.inFeatures, 32)
        // The table is the exact int8 function: out = round(0.5·s_in·(q − z_in) / s_out) + z_out.
        let qi = model.tensors[table.input].quant, qo = model.tensors[table.output].quant
        for q in -128...127 {
            let real = 0.5 * qi.scale * Double(q - Int(qi.zeroPoint))
            let expected = max(-128, min(127, Int((real / qo.scale).rounded(.toNearestOrAwayFromZero)) + Int(qo.zeroPoint)))
            XCTAssertEqual(Int(table.table[q + 128]), expected)
        }
        XCTAssertEqual(model.tensors[model.outputs[0]].quant, QuantParams(scale: 1.0 / 256, zeroPoint: -128))
    }

    func testUnquantizableOpIsNamed() throws {
        var g = Graph(name: "t")
        let a = g.addValue(Value(name: "a", type: TensorType(.float32, [1, 4])))
        let b = g.addValue(Value(name: "b", type: TensorType(.float32, [1, 4])))
        let y = g.addValue(Value(name: "y", type: TensorType(.float32, [1, 4])))
        g.inputs = [a, b]
        g.nodes = [Node(name: "ratio", op: .binary(.div), inputs: [a, b], outputs: [y])]
        g.outputs = [y]
        let samples = [[FloatTensor(shape: [1, 4], data: [1, 2, 3, 4]), FloatTensor(shape: [1, 4], data: [1, 1, 2, 2])]]
        XCTAssertThrowsError(try QuantizationPipeline.quantize(g, calibration: samples)) { error in
            XCTAssertTrue("\(error)".contains("ratio") && "\(error)".contains("Div"), "\(error)")
        }
    }

    /// An unfolded BatchNormalization becomes a depthwise 1×1 convolution with weight s = scale/√(var + ε) and
    /// bias t = bias − mean·s (one weight per channel, so each quantizes to ±127 at scale |s|/127).
    func testUnfoldedBatchNormalizationBecomesDepthwiseConv() throws {
        var g = Graph(name: "t")
        let x = g.addValue(Value(name: "x", type: TensorType(.float32, [1, 2, 2, 2])))
        g.inputs = [x]
        let params: [[Float]] = [[2, -1], [0.5, 1], [1, 0], [3, 0.25]]
        let ids = params.enumerated().map { g.addValue(Value(name: "p\($0)", type: TensorType(.float32, [2]), constant: TensorData(floats: $1, shape: [2]))) }
        let y = g.addValue(Value(name: "y", type: TensorType(.float32, [1, 2, 2, 2])))
        g.nodes = [Node(name: "bn", op: .batchNormalization(epsilon: 0), inputs: [x] + ids, outputs: [y])]
        g.outputs = [y]
        try g.verify()
        let samples = [[FloatTensor(shape: [1, 2, 2, 2], data: [-1, 0, 0.5, 1, 2, -2, 0.25, 1.5])]]
        let model = try QuantizationPipeline.quantize(g, calibration: samples)
        guard model.layers.count == 1, case .conv(let conv) = model.layers[0].op else { return XCTFail("\(model.layers)") }
        XCTAssertEqual(conv.groups, 2)
        XCTAssertEqual(conv.weights, [127, -127])
        let s: [Double] = [2 / 3.0.squareRoot(), 2], t: [Double] = [0.5 - 2 / 3.0.squareRoot(), 1]
        let inputScale = model.tensors[conv.input].quant.scale
        for c in 0..<2 {
            XCTAssertEqual(Double(conv.bias[c]), (t[c] / (inputScale * s[c] / 127)).rounded(), accuracy: 1, "channel \(c)")
        }
    }
}
