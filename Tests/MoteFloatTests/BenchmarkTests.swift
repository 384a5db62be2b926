import Foundation
import MoteFloat
import MoteIR
import XCTest

/// Manual benchmark, skipped unless MOTE_FLOAT_BENCH=1. Builds ResNet-8 and the KWS DS-CNN of MLPerf Tiny by
/// hand (same shapes and ops as ic01_resnet8.onnx / kws01_dscnn.onnx, random weights) and prints the time per
/// inference. Run it in release:
///   MOTE_FLOAT_BENCH=1 swift test -c release --filter MoteFloatTests.BenchmarkTests
/// No timing is asserted.
final class BenchmarkTests: XCTestCase {
    static func conv(_ b: inout GraphBuilder, _ x: ValueID, _ m: Int, _ k: [Int], stride: Int = 1, pads: [Int], group: Int = 1,
                     rng: inout SeededRNG) throws -> ValueID {
        let c = b.graph.type(of: x).shape[1]
        let fanIn = Float(c / group * k.reduce(1, *))
        let w = b.constant("w\(b.graph.values.count)", rng.tensor([m, c / group] + k, -1 / fanIn.squareRoot()...1 / fanIn.squareRoot()))
        let bias = b.constant("b\(b.graph.values.count)", rng.tensor([m], -0.1...0.1))
        let a = ConvAttributes(kernel: k, strides: [stride, stride], dilations: [1, 1], pads: pads, group: group)
        return try b.node(.conv(a), [x, w, bias])
    }

    static func resNet8(rng: inout SeededRNG) throws -> Graph {
        var b = GraphBuilder()
        let input = b.input("input", [1, 32, 32, 3])
        var x = try b.node(.transpose(perm: [0, 3, 1, 2]), [input])
        let p1 = [1, 1, 1, 1]
        x = try b.node(.activation(.relu), [conv(&b, x, 16, [3, 3], pads: p1, rng: &rng)])
        var y = try b.node(.activation(.relu), [conv(&b, x, 16, [3, 3], pads: p1, rng: &rng)])
        y = try conv(&b, y, 16, [3, 3], pads: p1, rng: &rng)
        x = try b.node(.activation(.relu), [b.node(.binary(.add), [x, y])])
        for channels in [32, 64] {
            let shortcut = try conv(&b, x, channels, [1, 1], stride: 2, pads: [0, 0, 0, 0], rng: &rng)
            var y = try b.node(.activation(.relu), [conv(&b, x, channels, [3, 3], stride: 2, pads: [0, 0, 1, 1], rng: &rng)])
            y = try conv(&b, y, channels, [3, 3], pads: p1, rng: &rng)
            x = try b.node(.activation(.relu), [b.node(.binary(.add), [shortcut, y])])
        }
        x = try b.node(.averagePool(PoolAttributes(kernel: [8, 8], strides: [8, 8], dilations: [1, 1], pads: [0, 0, 0, 0],
                                                   ceilMode: false, countIncludePad: false)), [x])
        x = try b.node(.reshape(shape: [1, 64]), [x])
        x = try b.node(.matMul, [x, b.constant("fc", rng.tensor([64, 10], -0.1...0.1))])
        x = try b.node(.binary(.add), [x, b.constant("fcb", rng.tensor([10]))])
        b.output(try b.node(.softmax(SoftmaxAttributes(axis: 1, coerceTo2D: false)), [x]))
        return b.graph
    }

    static func dsCNN(rng: inout SeededRNG) throws -> Graph {
        var b = GraphBuilder()
        let input = b.input("input", [1, 49, 10, 1])
        var x = try b.node(.reshape(shape: [1, 1, 49, 10]), [input])
        x = try b.node(.activation(.relu), [conv(&b, x, 64, [10, 4], stride: 2, pads: [4, 1, 5, 1], rng: &rng)])
        for _ in 0..<4 {
            x = try b.node(.activation(.relu), [conv(&b, x, 64, [3, 3], pads: [1, 1, 1, 1], group: 64, rng: &rng)])
            x = try b.node(.activation(.relu), [conv(&b, x, 64, [1, 1], pads: [0, 0, 0, 0], rng: &rng)])
        }
        x = try b.node(.averagePool(PoolAttributes(kernel: [25, 5], strides: [25, 5], dilations: [1, 1], pads: [0, 0, 0, 0],
                                                   ceilMode: false, countIncludePad: false)), [x])
        x = try b.node(.reshape(shape: [1, 64]), [x])
        x = try b.node(.matMul, [x, b.constant("fc", rng.tensor([64, 12], -0.1...0.1))])
        x = try b.node(.binary(.add), [x, b.constant("fcb", rng.tensor([12]))])
        b.output(try b.node(.softmax(SoftmaxAttributes(axis: 1, coerceTo2D: false)), [x]))
        return b.graph
    }

    /// Median over 7 rounds of the mean time of `iterations` runs, in microseconds.
    static func time(_ interpreter: FloatInterpreter, _ input: FloatTensor, iterations: Int) throws -> Double {
        for _ in 0..<20 { _ = try interpreter.run([input]) }
        var rounds: [Double] = []
        for _ in 0..<7 {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<iterations { _ = try interpreter.run([input]) }
            rounds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / Double(iterations))
        }
        return rounds.sorted()[3]
    }

    func testBenchmarkModels() throws {
        guard ProcessInfo.processInfo.environment["MOTE_FLOAT_BENCH"] == "1" else {
            throw XCTSkip("benchmark: set MOTE_FLOAT_BENCH=1 and build in release")
        }
        var rng = SeededRNG(seed: 99)
        for (name, graph) in [("resnet8", try Self.resNet8(rng: &rng)), ("ds-cnn", try Self.dsCNN(rng: &rng))] {
            let interpreter = try FloatInterpreter(graph: graph)
            let input = rng.tensor(graph.type(of: graph.inputs[0]).shape, 0...1)
            let us = try Self.time(interpreter, input, iterations: 200)
            let macs = graph.totalCost.macs
            print(String(format: "BENCH %@: %.1f us/inference, %.2f M MACs, %.1f GMAC/s", name, us, Double(macs) / 1e6, Double(macs) / us / 1e3))
            // Per-node breakdown (observe adds a copy per value; only the relative split matters).
            if ProcessInfo.processInfo.environment["MOTE_FLOAT_BENCH_NODES"] == "1" {
                var last = DispatchTime.now().uptimeNanoseconds
                var times: [ValueID: Double] = [:]
                for _ in 0..<200 {
                    last = DispatchTime.now().uptimeNanoseconds
                    _ = try interpreter.run([input]) { id, _ in
                        let now = DispatchTime.now().uptimeNanoseconds
                        times[id, default: 0] += Double(now - last) / 1000 / 200
                        last = now
                    }
                }
                for node in graph.nodes {
                    let id = node.outputs[0]
                    print(String(format: "  %-18@ %@ %8.1f us", node.op.name, Shape.describe(graph.type(of: id).shape), times[id] ?? 0))
                }
            }
        }
    }
}
