import Foundation
import MoteFloat
import MoteInteger
import MoteIR
@testable import MoteQuant
import MoteTestSupport
import XCTest

/// Weight widths, rounding and pruning through the whole quantizer (calibration, incremental integer run,
/// GPTQ, bias correction), on small graphs built here.
final class WeightRoundingPipelineTests: XCTestCase {
    private struct Builder {
        var g = Graph(name: "t")
        var rng = SeededGenerator(seed: 21)

        mutating func input(_ shape: [Int]) -> ValueID {
            let x = g.addValue(Value(name: "x", type: TensorType(.float32, shape)))
            g.inputs = [x]
            return x
        }

        mutating func constant(_ name: String, _ shape: [Int], scale: Float = 0.3) -> ValueID {
            let data = (0..<Shape.count(shape)).map { _ in scale * (Float(rng.next() % 2001) / 1000 - 1) }
            return g.addValue(Value(name: name, type: TensorType(.float32, shape), constant: TensorData(floats: data, shape: shape)))
        }

        mutating func add(_ op: Op, _ inputs: [ValueID], _ name: String) throws -> ValueID {
            let t = try ShapeInference.outputTypes(of: op, inputs: inputs.map { g.type(of: $0) })[0]
            let id = g.addValue(Value(name: name, type: t))
            g.nodes.append(Node(name: name, op: op, inputs: inputs, outputs: [id]))
            return id
        }

        mutating func conv(_ x: ValueID, out: Int, kernel: Int, group: Int = 1, _ name: String) throws -> ValueID {
            let inChannels = g.type(of: x).shape[1]
            let w = constant(name + ".w", [out, inChannels / group, kernel, kernel])
            let b = constant(name + ".b", [out], scale: 0.1)
            let p = kernel / 2
            return try add(.conv(ConvAttributes(kernel: [kernel, kernel], strides: [1, 1], dilations: [1, 1], pads: [p, p, p, p], group: group)),
                           [x, w, b], name)
        }
    }

    /// x [1,3,6,6] → conv1 3×3 (216 weights) → relu → conv2 3×3 (1,152) → relu → conv3 1×1 (128) → relu →
    /// global average pool → flatten → gemm (80).
    private func chain() throws -> Graph {
        var b = Builder()
        let x = b.input([1, 3, 6, 6])
        var y = try b.add(.activation(.relu), [try b.conv(x, out: 8, kernel: 3, "conv1")], "relu1")
        y = try b.add(.activation(.relu), [try b.conv(y, out: 16, kernel: 3, "conv2")], "relu2")
        y = try b.add(.activation(.relu), [try b.conv(y, out: 8, kernel: 1, "conv3")], "relu3")
        y = try b.add(.reshape(shape: [1, 8]), [try b.add(.globalAveragePool, [y], "gap")], "flat")
        let w = b.constant("fc.w", [10, 8]), bias = b.constant("fc.b", [10], scale: 0.1)
        b.g.outputs = [try b.add(.gemm(GemmAttributes(alpha: 1, beta: 1, transA: false, transB: true)), [y, w, bias], "fc")]
        try b.g.verify()
        return b.g
    }

    /// Smooth images with a per-sample offset (so inputs have non-zero means) and a little noise.
    private func samples(_ shape: [Int], count: Int, seed: UInt64, zeroChannel: Int? = nil) -> [[FloatTensor]] {
        var g = SeededGenerator(seed: seed)
        func u() -> Float { Float(g.next() % 10_001) / 10_000 }
        let c = shape[1], h = shape[2], w = shape[3]
        return (0..<count).map { _ in
            var data = [Float](repeating: 0, count: c * h * w)
            for ch in 0..<c where ch != zeroChannel {
                let (fy, fx, phase, offset) = (u() * 2, u() * 2, u() * 6, u())
                for i in 0..<h { for j in 0..<w {
                    data[(ch * h + i) * w + j] = offset + sin(fy * Float(i) + fx * Float(j) + phase) + 0.1 * (u() - 0.5)
                } }
            }
            return [FloatTensor(shape: shape, data: data)]
        }
    }

    private func layers(_ model: QModel) -> [String: (weights: [Int8], bits: QWeightBits, bias: [Int32])] {
        var out: [String: (weights: [Int8], bits: QWeightBits, bias: [Int32])] = [:]
        for layer in model.layers {
            switch layer.op {
            case .conv(let p): out[layer.name] = (p.weights, p.weightBits, p.bias)
            case .dense(let p): out[layer.name] = (p.weights, p.weightBits, p.bias)
            default: break
            }
        }
        return out
    }

    /// Top-level output SQNR (dB) of the integer model against the float graph on `inputs`.
    private func sqnr(_ graph: Graph, _ model: QModel, _ inputs: [[FloatTensor]]) throws -> Double {
        let float = try FloatInterpreter(graph: graph), integer = try IntegerInterpreter(model: model)
        let qin = model.tensors[model.inputs[0]].quant, qout = model.tensors[model.outputs[0]].quant
        var signal = 0.0, noise = 0.0
        for x in inputs {
            let f = try float.run(x)[0].data
            let q = try integer.run([x[0].data.map { qin.quantize($0) }])[0].map { qout.dequantize($0) }
            for (a, b) in zip(f, q) { signal += Double(a * a); noise += Double((a - b) * (a - b)) }
        }
        return 10 * log10(signal / max(noise, 1e-30))
    }

    // MARK: .nearest is the previous algorithm

    /// Default options and `.nearest` give, for int8, exactly the weights and biases of the previous quantizer,
    /// re-derived here: max-abs scale per channel, rounding half away from zero, bias shifted by
    /// −Σ (ŵ − w)·E[x_c] with the float calibration mean of each input channel.
    func testNearestInt8IsThePreviousAlgorithm() throws {
        let graph = try chain()
        let cal = samples([1, 3, 6, 6], count: 24, seed: 31)
        let stats = try Calibrator.calibrate(try FloatInterpreter(graph: graph), samples: cal, method: .percentile)
        for options in [QuantizeOptions(), QuantizeOptions(rounding: .nearest)] {
            let model = try QuantizationPipeline.quantize(graph, calibration: cal, options: options)
            var checked = 0
            for layer in model.layers {
                let (input, weights, bias, qw, qb): (Int, [Float], [Float], [Int8], [Int32])
                let node = try XCTUnwrap(graph.nodes.first { $0.name == layer.name })
                switch layer.op {
                case .conv(let p): (input, qw, qb) = (p.input, p.weights, p.bias); XCTAssertEqual(p.weightBits, .int8)
                case .dense(let p): (input, qw, qb) = (p.input, p.weights, p.bias); XCTAssertEqual(p.weightBits, .int8)
                default: continue
                }
                weights = try XCTUnwrap(graph.constant(node.inputs[1])).floats
                bias = try XCTUnwrap(graph.constant(node.inputs[2])).floats
                let channels = bias.count, per = weights.count / channels
                let means = stats[node.inputs[0].index].channelMeans
                let taps = per / (means.count)
                let inputScale = model.tensors[input].quant.scale
                for m in 0..<channels {
                    let row = weights[(m * per)..<((m + 1) * per)]
                    let maxAbs = row.map { abs($0) }.max() ?? 0
                    let scale = maxAbs > 0 ? Double(maxAbs) / 127 : 1
                    var error = 0.0
                    for c in 0..<(per / taps) {
                        var d = 0.0
                        for t in 0..<taps {
                            let j = c * taps + t, w = row[row.startIndex + j]
                            let q = max(-127, min(127, (Double(w) / scale).rounded(.toNearestOrAwayFromZero)))
                            XCTAssertEqual(Double(qw[m * per + j]), q, "\(layer.name)[\(m), \(j)]")
                            d += Double(Float(q * scale) - w)
                        }
                        error += d * means[c]
                    }
                    let corrected = bias[m] - Float(error)
                    XCTAssertEqual(qb[m], Int32((Double(corrected) / (inputScale * scale)).rounded(.toNearestOrAwayFromZero)), "\(layer.name) bias \(m)")
                }
                checked += 1
            }
            XCTAssertEqual(checked, 4)
        }
    }

    /// `.nearest` with pruning is magnitude pruning: the smallest |w| become 0, the rest keep their rounding.
    func testNearestPruningIsMagnitudePruning() throws {
        let graph = try chain()
        let cal = samples([1, 3, 6, 6], count: 16, seed: 32)
        let plain = layers(try QuantizationPipeline.quantize(graph, calibration: cal, options: QuantizeOptions(rounding: .nearest)))
        let result = try QuantizationPipeline.quantizeDetailed(graph, calibration: cal, options: QuantizeOptions(rounding: .nearest, pruneRatio: 0.5))
        let pruned = layers(result.model)
        let w = try XCTUnwrap(graph.constant(graph.nodes.first { $0.name == "conv2" }!.inputs[1])).floats
        let conv2 = try XCTUnwrap(pruned["conv2"]), before = try XCTUnwrap(plain["conv2"])
        let target = w.count / 2
        XCTAssertEqual(conv2.weights.filter { $0 == 0 }.count, max(target, before.weights.filter { $0 == 0 }.count))
        let threshold = w.map { abs($0) }.sorted()[target - 1]
        for i in w.indices {
            if abs(w[i]) < threshold { XCTAssertEqual(conv2.weights[i], 0, "\(i)") }
            if conv2.weights[i] != 0 { XCTAssertEqual(conv2.weights[i], before.weights[i], "\(i)") }
        }
        // The other layers hold fewer than 1,024 weights: the global ratio spares them.
        for name in ["conv1", "conv3", "fc"] { XCTAssertEqual(pruned[name]?.weights, plain[name]?.weights, name) }
        XCTAssertEqual(result.weightLayers.map(\.pruneRatio), [0, 0.5, 0, 0])
        XCTAssertEqual(result.weightLayers.map(\.rounding), [.nearest, .nearest, .nearest, .nearest])
    }

    // MARK: widths, ratios and records

    func testInt4WidthsOverridesAndRecords() throws {
        let graph = try chain()
        let cal = samples([1, 3, 6, 6], count: 16, seed: 33)
        var options = QuantizeOptions(weightBits: .int4)
        var result = try QuantizationPipeline.quantizeDetailed(graph, calibration: cal, options: options)
        XCTAssertEqual(result.weightLayers.map(\.name), ["conv1", "conv2", "conv3", "fc"])
        XCTAssertEqual(result.weightLayers.map(\.bits), [.int8, .int4, .int4, .int8], "first and last stay int8")
        XCTAssertEqual(result.weightLayers.map(\.rounding), [.nearest, .gptq, .gptq, .nearest], "plain int8 rounds to nearest")
        for (name, layer) in layers(result.model) {
            let top = Int8(layer.bits.maxMagnitude)
            XCTAssertTrue(layer.weights.allSatisfy { (-top...top).contains($0) }, name)
            XCTAssertEqual(result.weightLayers.first { $0.name == name }?.zeros, layer.weights.filter { $0 == 0 }.count, name)
        }
        XCTAssertGreaterThan(try sqnr(graph, result.model, cal), 10)

        options.keepEndsInt8 = false
        options.layerWeightBits = ["conv3": .int8]
        options.layerPruneRatio = ["conv1": 0.25]
        options.pruneRatio = 0.5
        result = try QuantizationPipeline.quantizeDetailed(graph, calibration: cal, options: options)
        XCTAssertEqual(result.weightLayers.map(\.bits), [.int4, .int4, .int8, .int4])
        XCTAssertEqual(result.weightLayers.map(\.pruneRatio), [0.25, 0.5, 0, 0])
        XCTAssertEqual(result.weightLayers.map(\.rounding), [.gptq, .gptq, .nearest, .gptq])
        for record in result.weightLayers {
            XCTAssertGreaterThanOrEqual(record.zeros, Int((record.pruneRatio * Double(record.weights)).rounded(.down)), record.name)
        }
        for (name, layer) in layers(result.model) {
            let top = Int8(layer.bits.maxMagnitude)
            XCTAssertTrue(layer.weights.allSatisfy { (-top...top).contains($0) }, name)
        }
    }

    /// GPTQ at int4 follows the float model more closely than rounding to nearest at int4.
    func testGPTQBeatsNearestEndToEndAtInt4() throws {
        let graph = try chain()
        let cal = samples([1, 3, 6, 6], count: 32, seed: 34), held = samples([1, 3, 6, 6], count: 32, seed: 35)
        let gptq = try QuantizationPipeline.quantize(graph, calibration: cal, options: QuantizeOptions(weightBits: .int4, keepEndsInt8: false))
        let plain = try QuantizationPipeline.quantize(graph, calibration: cal,
                                                      options: QuantizeOptions(rounding: .nearest, weightBits: .int4, keepEndsInt8: false))
        XCTAssertGreaterThan(try sqnr(graph, gptq, held), try sqnr(graph, plain, held))
    }

    // MARK: grouped convolutions and degenerate inputs

    /// Depthwise (group = channels, 9 columns per group) and grouped (2 groups) convolutions: every channel's
    /// weights stay with their channel, pruning reaches its count, and the model still follows the float graph.
    func testDepthwiseAndGroupedConvolutions() throws {
        var b = Builder()
        let x = b.input([1, 4, 6, 6])
        let dw = try b.add(.activation(.relu), [try b.conv(x, out: 4, kernel: 3, group: 4, "dw")], "relu")
        b.g.outputs = [try b.conv(dw, out: 6, kernel: 3, group: 2, "grouped")]
        try b.g.verify()
        let graph = b.g
        let cal = samples([1, 4, 6, 6], count: 24, seed: 36)
        let result = try QuantizationPipeline.quantizeDetailed(graph, calibration: cal, options: QuantizeOptions(weightBits: .int4, keepEndsInt8: false))
        XCTAssertEqual(result.weightLayers.map(\.rounding), [.gptq, .gptq])
        for layer in result.model.layers {
            guard case .conv(let p) = layer.op else { continue }
            XCTAssertEqual(p.weightBits, .int4)
            let w = try XCTUnwrap(graph.constant(graph.nodes.first { $0.name == layer.name }!.inputs[1])).floats
            let per = w.count / p.outChannels
            for m in 0..<p.outChannels {
                // Correlation of each channel's integer weights with its float weights.
                let a = (0..<per).map { Double(w[m * per + $0]) }, q = (0..<per).map { Double(p.weights[m * per + $0]) }
                let dot = zip(a, q).reduce(0) { $0 + $1.0 * $1.1 }
                let norms = (a.reduce(0) { $0 + $1 * $1 } * q.reduce(0) { $0 + $1 * $1 }).squareRoot()
                XCTAssertGreaterThan(dot / norms, 0.8, "\(layer.name) channel \(m)")
            }
        }
        XCTAssertGreaterThan(try sqnr(graph, result.model, cal), 12)

        // The global ratio spares the depthwise layer; a per-layer ratio reaches it.
        let spared = try QuantizationPipeline.quantizeDetailed(
            graph, calibration: cal, options: QuantizeOptions(weightBits: .int4, keepEndsInt8: false, pruneRatio: 0.4, pruneMinWeights: 0))
        XCTAssertEqual(spared.weightLayers.map(\.pruneRatio), [0, 0.4])
        let pruned = try QuantizationPipeline.quantizeDetailed(
            graph, calibration: cal, options: QuantizeOptions(weightBits: .int4, keepEndsInt8: false, pruneRatio: 0.4,
                                                              layerPruneRatio: ["dw": 0.4], pruneMinWeights: 0))
        XCTAssertEqual(pruned.weightLayers.map(\.pruneRatio), [0.4, 0.4])
        for record in pruned.weightLayers {
            XCTAssertEqual(record.rounding, .gptq)
            XCTAssertGreaterThanOrEqual(record.zeros, Int((0.4 * Double(record.weights)).rounded(.down)), record.name)
        }
        for (name, layer) in layers(pruned.model) {
            XCTAssertEqual(layer.weights.filter { $0 == 0 }.count, pruned.weightLayers.first { $0.name == name }?.zeros)
        }
    }

    /// An input channel that is zero on every calibration sample makes a singular Gram matrix; quantizing
    /// still succeeds with GPTQ, pruned and not.
    func testConstantZeroInputChannel() throws {
        let graph = try chain()
        let cal = samples([1, 3, 6, 6], count: 16, seed: 37, zeroChannel: 1)
        for ratio in [0.0, 0.5] {
            let result = try QuantizationPipeline.quantizeDetailed(
                graph, calibration: cal, options: QuantizeOptions(weightBits: .int4, keepEndsInt8: false, pruneRatio: ratio, pruneMinWeights: 0))
            XCTAssertEqual(result.weightLayers.map(\.rounding), [.gptq, .gptq, .gptq, .gptq])
            XCTAssertTrue(result.weightLayers.allSatisfy { $0.fallback == nil })
            XCTAssertGreaterThan(try sqnr(graph, result.model, cal), ratio == 0 ? 10 : 0)
        }
    }

    /// Bias correction with the layer's real inputs removes the mean output error GPTQ's rounding leaves.
    func testBiasCorrectionUsesTheRealInputMeans() throws {
        var b = Builder()
        let x = b.input([1, 3, 6, 6])
        b.g.outputs = [try b.conv(x, out: 8, kernel: 3, "conv")]
        try b.g.verify()
        let graph = b.g
        let cal = samples([1, 3, 6, 6], count: 24, seed: 38)
        func meanError(_ correct: Bool) throws -> Double {
            let model = try QuantizationPipeline.quantize(
                graph, calibration: cal, options: QuantizeOptions(biasCorrection: correct, weightBits: .int4, keepEndsInt8: false))
            let float = try FloatInterpreter(graph: graph), integer = try IntegerInterpreter(model: model)
            let qin = model.tensors[model.inputs[0]].quant, qout = model.tensors[model.outputs[0]].quant
            var sums = [Double](repeating: 0, count: 8)
            for s in cal {
                let f = try float.run(s)[0].data
                let q = try integer.run([s[0].data.map { qin.quantize($0) }])[0].map { qout.dequantize($0) }
                for i in f.indices { sums[i / 36] += Double(q[i] - f[i]) }
            }
            return sums.reduce(0) { $0 + abs($1) } / Double(cal.count * 36 * 8)
        }
        XCTAssertLessThan(try meanError(true), try meanError(false))
    }
}
