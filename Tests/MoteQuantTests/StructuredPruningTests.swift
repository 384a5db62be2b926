import Foundation
import MoteFloat
import MoteIR
@testable import MoteQuant
import MoteTestSupport
import XCTest

/// Structured pruning on small graphs built here. Most models contain channels that are exact positive multiples
/// of others (ReLU commutes with a positive scale), so a correct pruner can remove them and refit the next layer
/// almost exactly. The 25 dB bounds sit below what the default 1% ridge allows (27–42 dB measured; 70–80 dB with
/// no ridge) and far above plain removal (3–14 dB): misaligned channels, wrong columns or a skipped refit fail.
final class StructuredPruningTests: XCTestCase {
    // MARK: - conv → relu → conv

    func testConvChainPrunesRedundantChannelsAndRefitBeatsRemoval() throws {
        var b = Builder(seed: 1)
        let x = b.input([1, 3, 8, 8])
        var w1 = b.floats(8 * 27), b1 = b.floats(8)
        // Channels 7 and 5 repeat 0 and 1 (scaled); channel 6 is nearly half of channel 3.
        Builder.copy(&w1, &b1, per: 27, from: 0, to: 7, scale: 1.5)
        Builder.copy(&w1, &b1, per: 27, from: 1, to: 5, scale: 2)
        Builder.copy(&w1, &b1, per: 27, from: 3, to: 6, scale: 0.5)
        for i in 0..<27 { w1[6 * 27 + i] += 0.02 * b.floats(1)[0] }
        let c1 = try b.conv(x, w1, b1, out: 8, kernel: 3, name: "conv1")
        let r = try b.node(.activation(.relu), [c1], "relu")
        let y = try b.conv(r, b.floats(6 * 72), b.floats(6), out: 6, kernel: 3, name: "conv2")
        b.graph.outputs = [y]
        let original = b.graph
        let calibration = Builder.samples(64, [1, 3, 8, 8], seed: 2)

        let (pruned, layers) = try StructuredPruning.prune(original, calibration: calibration, ratio: 0.25)
        try pruned.verify()
        XCTAssertEqual(layers.map(\.name), ["conv1", "conv2"])
        XCTAssertEqual(layers[0].channelsBefore, 8)
        XCTAssertEqual(layers[0].channelsAfter, 6, "floor(0.25 · 8) = 2 channels removed")
        XCTAssertNil(layers[0].keptBecause)
        XCTAssertEqual(layers[1].channelsAfter, 6, "conv2 writes the graph output")
        XCTAssertNotNil(layers[1].keptBecause)
        // conv1: 8·64·27 → 6·64·27; conv2: 6·64·(8·9) → 6·64·(6·9).
        XCTAssertEqual(original.totalCost.macs, 13_824 + 27_648)
        XCTAssertEqual(pruned.totalCost.macs, 10_368 + 20_736)

        // The removed channels are redundant ones: every exact pair keeps a member, 2 and 4 stay.
        let kept = try keptRows(of: "conv1", original, pruned, per: 27)
        XCTAssertEqual(kept.count, 6)
        for pair in [[0, 7], [1, 5], [3, 6]] { XCTAssertFalse(Set(pair).isDisjoint(with: kept), "\(pair) \(kept)") }
        XCTAssertTrue(kept.contains(2) && kept.contains(4), "\(kept)")

        let eval = Builder.samples(32, [1, 3, 8, 8], seed: 3)
        let refit = try sqnr(original, pruned, eval)
        let plain = try sqnr(original, StructuredPruning.prune(original, calibration: calibration,
                                                               options: PruneOptions(ratio: 0.25, refit: false)).graph, eval)
        XCTAssertGreaterThan(refit, 25, "refit SQNR \(refit) dB")
        XCTAssertGreaterThan(refit, plain + 15, "refit \(refit) dB vs plain removal \(plain) dB")
    }

    // MARK: - residual connections

    /// x → conv1 → relu → conv2 → Add(·, x): conv1 is pruned and conv2 refit; conv2 keeps its channels because
    /// its output meets the skip from the graph input, which nothing can prune.
    func testResidualBlockPrunesInnerConvOnly() throws {
        var b = Builder(seed: 4)
        let x = b.input([1, 4, 6, 6])
        var w1 = b.floats(8 * 36), b1 = b.floats(8)
        Builder.copy(&w1, &b1, per: 36, from: 2, to: 6, scale: 1.7)
        Builder.copy(&w1, &b1, per: 36, from: 4, to: 7, scale: 0.6)
        let c1 = try b.conv(x, w1, b1, out: 8, kernel: 3, name: "conv1")
        let r = try b.node(.activation(.relu), [c1], "relu")
        let c2 = try b.conv(r, b.floats(4 * 72), b.floats(4), out: 4, kernel: 3, name: "conv2")
        let sum = try b.node(.binary(.add), [c2, x], "add")
        let y = try b.node(.activation(.relu), [sum], "out")
        b.graph.outputs = [y]
        let original = b.graph
        let calibration = Builder.samples(64, [1, 4, 6, 6], seed: 5)

        let (pruned, layers) = try StructuredPruning.prune(original, calibration: calibration, ratio: 0.25)
        try pruned.verify()
        XCTAssertEqual(layers.first { $0.name == "conv1" }?.channelsAfter, 6)
        let conv2 = try XCTUnwrap(layers.first { $0.name == "conv2" })
        XCTAssertEqual(conv2.channelsAfter, 4)
        XCTAssertTrue(conv2.keptBecause?.contains("Add") ?? false, conv2.keptBecause ?? "nil")
        XCTAssertEqual(try weightShape("conv1", pruned), [6, 4, 3, 3])
        XCTAssertEqual(try weightShape("conv2", pruned), [4, 6, 3, 3])
        XCTAssertEqual(pruned.type(of: pruned.outputs[0]).shape, [1, 4, 6, 6])

        let eval = Builder.samples(32, [1, 4, 6, 6], seed: 6)
        let refit = try sqnr(original, pruned, eval)
        let plain = try sqnr(original, StructuredPruning.prune(original, calibration: calibration,
                                                               options: PruneOptions(ratio: 0.25, refit: false)).graph, eval)
        XCTAssertGreaterThan(refit, 25, "refit SQNR \(refit) dB")
        XCTAssertGreaterThan(refit, plain + 10, "refit \(refit) dB vs plain removal \(plain) dB")
    }

    /// s = relu(convA(x)); t = conv2(relu(conv1(s))); y = conv3(relu(s + t)). The Add couples convA and conv2:
    /// both lose the same channels (in their outputs, in conv1's and conv3's inputs), and conv1 is pruned on
    /// its own with conv2 refit.
    func testResidualAddCouplesBothProducers() throws {
        var b = Builder(seed: 7)
        let x = b.input([1, 3, 6, 6])
        var wa = b.floats(8 * 27), ba = b.floats(8)
        var w1 = b.floats(8 * 72), b1 = b.floats(8)
        var w2 = b.floats(8 * 72), b2 = b.floats(8)
        // Residual channels 7 and 6 are 1.3 × channel 2 and 0.7 × channel 5 in both operands, so in the sum.
        for (from, to, scale) in [(2, 7, Float(1.3)), (5, 6, 0.7)] {
            Builder.copy(&wa, &ba, per: 27, from: from, to: to, scale: scale)
            Builder.copy(&w2, &b2, per: 72, from: from, to: to, scale: scale)
        }
        Builder.copy(&w1, &b1, per: 72, from: 0, to: 6, scale: 2)
        Builder.copy(&w1, &b1, per: 72, from: 4, to: 7, scale: 0.5)
        let s = try b.node(.activation(.relu), [b.conv(x, wa, ba, out: 8, kernel: 3, name: "convA")], "reluA")
        let t1 = try b.node(.activation(.relu), [b.conv(s, w1, b1, out: 8, kernel: 3, name: "conv1")], "relu1")
        let t = try b.conv(t1, w2, b2, out: 8, kernel: 3, name: "conv2")
        let sum = try b.node(.activation(.relu), [b.node(.binary(.add), [s, t], "add")], "relu2")
        let y = try b.conv(sum, b.floats(4 * 72), b.floats(4), out: 4, kernel: 3, name: "conv3")
        b.graph.outputs = [y]
        let original = b.graph
        let calibration = Builder.samples(64, [1, 3, 6, 6], seed: 8)

        let (pruned, layers) = try StructuredPruning.prune(original, calibration: calibration, ratio: 0.25)
        try pruned.verify()
        let byName = Dictionary(uniqueKeysWithValues: layers.map { ($0.name, $0) })
        XCTAssertEqual(byName["convA"]?.channelsAfter, 6)
        XCTAssertEqual(byName["conv2"]?.channelsAfter, 6)
        XCTAssertEqual(byName["convA"]?.coupledWith, ["conv2"])
        XCTAssertEqual(byName["conv1"]?.channelsAfter, 6)
        XCTAssertEqual(byName["conv3"]?.channelsAfter, 4)
        XCTAssertEqual(try weightShape("conv1", pruned), [6, 6, 3, 3])
        XCTAssertEqual(try weightShape("conv2", pruned), [6, 6, 3, 3])
        XCTAssertEqual(try weightShape("conv3", pruned), [4, 6, 3, 3])
        // convA is not refit (it reads the graph input), so its kept rows identify the residual channels removed.
        let kept = try keptRows(of: "convA", original, pruned, per: 27)
        let removed = Set(0..<8).subtracting(kept)
        XCTAssertTrue(removed.isSubset(of: [2, 5, 6, 7]), "removed \(removed.sorted())")
        XCTAssertTrue(kept.contains(2) || kept.contains(7), "\(kept)")
        XCTAssertTrue(kept.contains(5) || kept.contains(6), "\(kept)")

        let eval = Builder.samples(32, [1, 3, 6, 6], seed: 9)
        let refit = try sqnr(original, pruned, eval)
        let plain = try sqnr(original, StructuredPruning.prune(original, calibration: calibration,
                                                               options: PruneOptions(ratio: 0.25, refit: false)).graph, eval)
        XCTAssertGreaterThan(refit, 25, "refit SQNR \(refit) dB")
        XCTAssertGreaterThan(refit, plain + 10, "refit \(refit) dB vs plain removal \(plain) dB")
    }

    // MARK: - channels flowing through channel-wise layers

    /// conv → BatchNormalization (not folded) → relu → depthwise conv → relu → pointwise conv: the BN
    /// parameters and the depthwise filters are sliced at exactly conv1's kept channels; the pointwise conv is
    /// the layer that is refit.
    func testDepthwiseAndBatchNormAreSlicedAlong() throws {
        var b = Builder(seed: 10)
        let x = b.input([1, 3, 6, 6])
        var w1 = b.floats(8 * 27), b1 = b.floats(8)
        var wd = b.floats(8 * 9), bd = b.floats(8)
        var scale = b.floats(8, 0.5...1.5), shift = b.floats(8), mean = b.floats(8), variance = b.floats(8, 0.5...2)
        // Channel 6 = 1.5 × channel 1 and 7 = 0.8 × channel 3 through conv, BN (affine) and the depthwise filter.
        for (from, to, k) in [(1, 6, Float(1.5)), (3, 7, 0.8)] {
            Builder.copy(&w1, &b1, per: 27, from: from, to: to, scale: k)
            (scale[to], variance[to], mean[to], shift[to]) = (scale[from], variance[from], k * mean[from], k * shift[from])
            // Filter `to` is twice filter `from` (so rows stay distinguishable) and its bias 2k times.
            Builder.copy(&wd, &bd, per: 9, from: from, to: to, scale: 2)
            bd[to] = 2 * k * bd[from]
        }
        let c1 = try b.conv(x, w1, b1, out: 8, kernel: 3, name: "conv1")
        let params = [scale, shift, mean, variance].enumerated().map { b.constant($1, [8], "bn\($0)") }
        let bn = try b.node(.batchNormalization(epsilon: 1e-5), [c1] + params, "bn")
        let r1 = try b.node(.activation(.relu), [bn], "relu1")
        let dw = try b.conv(r1, wd, bd, out: 8, kernel: 3, group: 8, name: "dw")
        let r2 = try b.node(.activation(.relu), [dw], "relu2")
        let y = try b.conv(r2, b.floats(5 * 8), b.floats(5), out: 5, kernel: 1, name: "pw")
        b.graph.outputs = [y]
        let original = b.graph
        let calibration = Builder.samples(64, [1, 3, 6, 6], seed: 11)

        let (pruned, layers) = try StructuredPruning.prune(original, calibration: calibration, ratio: 0.25)
        try pruned.verify()
        XCTAssertEqual(layers.map(\.name), ["conv1", "pw"], "the depthwise conv is not a source")
        XCTAssertEqual(layers[0].channelsAfter, 6)
        let kept = try keptRows(of: "conv1", original, pruned, per: 27)
        XCTAssertEqual(try keptRows(of: "dw", original, pruned, per: 9), kept, "depthwise filters follow conv1's channels")
        let bnNode = try XCTUnwrap(pruned.nodes.first { $0.name == "bn" })
        XCTAssertEqual(pruned[bnNode.inputs[1]].constant?.floats, kept.map { scale[$0] })
        XCTAssertEqual(pruned[bnNode.inputs[3]].constant?.floats, kept.map { mean[$0] })
        guard case .conv(let a) = try XCTUnwrap(pruned.nodes.first { $0.name == "dw" }).op else { return XCTFail() }
        XCTAssertEqual(a.group, 6)
        XCTAssertEqual(try weightShape("pw", pruned), [5, 6, 1, 1])
        // conv1 8·36·27 → 6·36·27, depthwise 8·36·9 → 6·36·9, pointwise 5·36·8 → 5·36·6.
        XCTAssertEqual(original.totalCost.macs, 7_776 + 2_592 + 1_440)
        XCTAssertEqual(pruned.totalCost.macs, 5_832 + 1_944 + 1_080)

        let eval = Builder.samples(32, [1, 3, 6, 6], seed: 12)
        XCTAssertGreaterThan(try sqnr(original, pruned, eval), 25)
    }

    /// conv → relu → {Flatten, GlobalAveragePool → Flatten} → Concat → Gemm (transB, alpha 0.5, beta 2): a
    /// channel is a block of 16 flattened features plus one pooled feature, and both are cut from the Gemm.
    func testFlattenAndConcatIntoGemm() throws {
        var b = Builder(seed: 13)
        let x = b.input([1, 2, 4, 4])
        var w1 = b.floats(8 * 18), b1 = b.floats(8)
        Builder.copy(&w1, &b1, per: 18, from: 1, to: 6, scale: 2)
        Builder.copy(&w1, &b1, per: 18, from: 3, to: 7, scale: 0.5)
        let r = try b.node(.activation(.relu), [b.conv(x, w1, b1, out: 8, kernel: 3, name: "conv1")], "relu")
        let flat = try b.node(.reshape(shape: [1, 128]), [r], "flatten")
        let pooled = try b.node(.reshape(shape: [1, 8]), [b.node(.globalAveragePool, [r], "gap")], "flatten_gap")
        let features = try b.node(.concat(axis: 1), [flat, pooled], "concat")
        let wg = b.constant(b.floats(5 * 136), [5, 136], "fc.weight")
        let cg = b.constant(b.floats(5), [5], "fc.bias")
        let y = try b.node(.gemm(GemmAttributes(alpha: 0.5, beta: 2, transA: false, transB: true)), [features, wg, cg], "fc")
        b.graph.outputs = [y]
        let original = b.graph
        let calibration = Builder.samples(300, [1, 2, 4, 4], seed: 14)

        let (pruned, layers) = try StructuredPruning.prune(original, calibration: calibration, ratio: 0.25)
        try pruned.verify()
        XCTAssertEqual(layers.map(\.name), ["conv1", "fc"])
        XCTAssertEqual(layers[0].channelsAfter, 6)
        XCTAssertEqual(layers[1].channelsAfter, 5)
        XCTAssertEqual(try weightShape("fc", pruned), [5, 6 * 16 + 6])
        XCTAssertEqual(pruned.nodes.first { $0.name == "flatten" }?.op, .reshape(shape: [1, 96]))
        // conv1 8·16·18 → 6·16·18; Gemm 136·5 → 102·5.
        XCTAssertEqual(original.totalCost.macs, 2_304 + 680)
        XCTAssertEqual(pruned.totalCost.macs, 1_728 + 510)

        let eval = Builder.samples(32, [1, 2, 4, 4], seed: 15)
        let refit = try sqnr(original, pruned, eval)
        let plain = try sqnr(original, StructuredPruning.prune(original, calibration: calibration,
                                                               options: PruneOptions(ratio: 0.25, refit: false)).graph, eval)
        XCTAssertGreaterThan(refit, 25, "refit SQNR \(refit) dB")
        XCTAssertGreaterThan(refit, plain + 10, "refit \(refit) dB vs plain removal \(plain) dB")
    }

    /// MatMul by a constant with a bias Add, twice: the first loses columns (and bias entries), the second is
    /// refit and its bias Add absorbs the removed features' mean.
    func testMatMulWithBiasAdd() throws {
        var b = Builder(seed: 16)
        let x = b.input([1, 6])
        var w1 = b.floats(6 * 8), b1 = b.floats(8)
        // Columns 6 and 7 of [6, 8] repeat columns 1 and 3 (scaled).
        for (from, to, k) in [(1, 6, Float(2)), (3, 7, 0.5)] {
            for i in 0..<6 { w1[i * 8 + to] = k * w1[i * 8 + from] }
            b1[to] = k * b1[from]
        }
        let h = try b.node(.matMul, [x, b.constant(w1, [6, 8], "w1")], "mm1")
        let r = try b.node(.activation(.relu), [b.node(.binary(.add), [h, b.constant(b1, [8], "b1")], "add1")], "relu")
        let m2 = try b.node(.matMul, [r, b.constant(b.floats(8 * 3), [8, 3], "w2")], "mm2")
        let y = try b.node(.binary(.add), [b.constant(b.floats(3), [3], "b2"), m2], "add2")
        b.graph.outputs = [y]
        let original = b.graph
        let calibration = Builder.samples(200, [1, 6], seed: 17)

        let (pruned, layers) = try StructuredPruning.prune(original, calibration: calibration, ratio: 0.25)
        try pruned.verify()
        XCTAssertEqual(layers.first { $0.name == "mm1" }?.channelsAfter, 6)
        XCTAssertEqual(try weightShape("mm1", pruned), [6, 6])
        XCTAssertEqual(try weightShape("mm2", pruned), [6, 3])
        let add1 = try XCTUnwrap(pruned.nodes.first { $0.name == "add1" })
        XCTAssertEqual(pruned.type(of: add1.inputs[1]).shape, [6])
        let eval = Builder.samples(64, [1, 6], seed: 18)
        XCTAssertGreaterThan(try sqnr(original, pruned, eval), 25)
    }

    // MARK: - edge cases

    func testRatioZeroIsTheIdentityAndFullRatioKeepsOneChannel() throws {
        let (graph, calibration) = try chain()
        let (same, layers) = try StructuredPruning.prune(graph, calibration: calibration, ratio: 0)
        XCTAssertEqual(same, graph)
        XCTAssertEqual(layers.map(\.channelsAfter), layers.map(\.channelsBefore))
        // Ratio 0 needs no calibration data at all.
        XCTAssertEqual(try StructuredPruning.prune(graph, calibration: [], ratio: 0).graph, graph)

        for ratio in [1.0, 0.99] {
            let (one, l) = try StructuredPruning.prune(graph, calibration: calibration, ratio: ratio)
            try one.verify()
            XCTAssertEqual(l[0].channelsAfter, 1, "ratio \(ratio)")
            XCTAssertEqual(try weightShape("conv1", one), [1, 3, 3, 3])
            XCTAssertEqual(try weightShape("conv2", one), [6, 1, 3, 3])
            let out = try FloatInterpreter(graph: one).run(calibration[0])[0]
            XCTAssertTrue(out.data.allSatisfy(\.isFinite))
        }
        // floor(0.3 · 8) = 2, not 3.
        XCTAssertEqual(try StructuredPruning.prune(graph, calibration: calibration, ratio: 0.3).layers[0].channelsAfter, 6)
    }

    func testBadRatiosAndMissingCalibrationAreDiagnostics() throws {
        let (graph, calibration) = try chain()
        for ratio in [-0.1, 1.5, .nan, .infinity] {
            XCTAssertThrowsError(try StructuredPruning.prune(graph, calibration: calibration, ratio: ratio)) { error in
                XCTAssertTrue(error is Diagnostic, "\(error)")
            }
        }
        XCTAssertThrowsError(try StructuredPruning.prune(graph, calibration: [], ratio: 0.5)) { error in
            XCTAssertTrue("\(error)".contains("calibration"), "\(error)")
        }
    }

    /// Channels that reach Softmax (not channel-wise) keep their producer whole, with the reason.
    func testUnsupportedPathKeepsTheLayer() throws {
        var b = Builder(seed: 19)
        let x = b.input([1, 2, 4, 4])
        let c = try b.conv(x, b.floats(4 * 18), b.floats(4), out: 4, kernel: 3, name: "conv")
        let s = try b.node(.softmax(SoftmaxAttributes(axis: 1, coerceTo2D: false)), [c], "softmax")
        let y = try b.conv(s, b.floats(2 * 36), b.floats(2), out: 2, kernel: 3, name: "conv2")
        b.graph.outputs = [y]
        let (pruned, layers) = try StructuredPruning.prune(b.graph, calibration: Builder.samples(8, [1, 2, 4, 4], seed: 20), ratio: 0.5)
        XCTAssertEqual(pruned, b.graph)
        XCTAssertTrue(layers[0].keptBecause?.contains("Softmax") ?? false, layers[0].keptBecause ?? "nil")
    }

    // MARK: - helpers

    private func chain() throws -> (Graph, [[FloatTensor]]) {
        var b = Builder(seed: 21)
        let x = b.input([1, 3, 6, 6])
        let r = try b.node(.activation(.relu), [b.conv(x, b.floats(8 * 27), b.floats(8), out: 8, kernel: 3, name: "conv1")], "relu")
        b.graph.outputs = [try b.conv(r, b.floats(6 * 72), b.floats(6), out: 6, kernel: 3, name: "conv2")]
        return (b.graph, Builder.samples(16, [1, 3, 6, 6], seed: 22))
    }

    private func weightShape(_ name: String, _ g: Graph) throws -> [Int] {
        let node = try XCTUnwrap(g.nodes.first { $0.name == name }, name)
        return g.type(of: node.inputs[1]).shape
    }

    /// Which rows (output channels, `per` weights each) of the original layer's weights the pruned layer kept,
    /// found by exact comparison (valid for layers that are sliced, not refit).
    private func keptRows(of name: String, _ original: Graph, _ pruned: Graph, per: Int) throws -> [Int] {
        let o = try XCTUnwrap(original.nodes.first { $0.name == name }), p = try XCTUnwrap(pruned.nodes.first { $0.name == name })
        let ow = try XCTUnwrap(original[o.inputs[1]].constant?.floats), pw = try XCTUnwrap(pruned[p.inputs[1]].constant?.floats)
        var kept: [Int] = []
        for r in 0..<(pw.count / per) {
            let row = Array(pw[(r * per)..<((r + 1) * per)])
            let match = (0..<(ow.count / per)).first { Array(ow[($0 * per)..<(($0 + 1) * per)]) == row }
            kept.append(try XCTUnwrap(match, "row \(r) of \(name) is not an original row"))
        }
        return kept
    }

    /// 10·log10(Σ reference² / Σ (reference − pruned)²) over all outputs of all samples.
    private func sqnr(_ reference: Graph, _ pruned: Graph, _ samples: [[FloatTensor]]) throws -> Double {
        let a = try FloatInterpreter(graph: reference), b = try FloatInterpreter(graph: pruned)
        var signal = 0.0, noise = 0.0
        for s in samples {
            for (ra, rb) in zip(try a.run(s), try b.run(s)) {
                XCTAssertEqual(ra.shape, rb.shape)
                for (u, v) in zip(ra.data, rb.data) {
                    signal += Double(u) * Double(u)
                    noise += (Double(u) - Double(v)) * (Double(u) - Double(v))
                }
            }
        }
        return 10 * log10(signal / max(noise, 1e-30))
    }
}

/// Builds small float graphs with seeded random weights.
private struct Builder {
    var graph = Graph(name: "pruning")
    var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    mutating func floats(_ n: Int, _ range: ClosedRange<Float> = -0.5...0.5) -> [Float] {
        (0..<n).map { _ in Float.random(in: range, using: &rng) }
    }

    mutating func input(_ shape: [Int]) -> ValueID {
        let id = graph.addValue(Value(name: "x", type: TensorType(.float32, shape)))
        graph.inputs.append(id)
        return id
    }

    mutating func constant(_ values: [Float], _ shape: [Int], _ name: String) -> ValueID {
        graph.addValue(Value(name: name, type: TensorType(.float32, shape), constant: TensorData(floats: values, shape: shape)))
    }

    mutating func node(_ op: Op, _ inputs: [ValueID], _ name: String) throws -> ValueID {
        let t = try ShapeInference.outputTypes(of: op, inputs: inputs.map { graph.type(of: $0) })[0]
        let id = graph.addValue(Value(name: name + ".out", type: t))
        graph.nodes.append(Node(name: name, op: op, inputs: inputs, outputs: [id]))
        return id
    }

    /// A 2-D convolution with stride 1 and "same" padding.
    mutating func conv(_ x: ValueID, _ w: [Float], _ bias: [Float], out: Int, kernel: Int, group: Int = 1, name: String) throws -> ValueID {
        let inPerGroup = graph.type(of: x).shape[1] / group
        let pad = kernel / 2
        let a = ConvAttributes(kernel: [kernel, kernel], strides: [1, 1], dilations: [1, 1], pads: [pad, pad, pad, pad], group: group)
        let wID = constant(w, [out, inPerGroup, kernel, kernel], name + ".weight")
        let bID = constant(bias, [out], name + ".bias")
        return try node(.conv(a), [x, wID, bID], name)
    }

    /// Makes output channel `to` equal `scale` × channel `from` (weights rows of `per` values and bias).
    static func copy(_ w: inout [Float], _ b: inout [Float], per: Int, from: Int, to: Int, scale: Float) {
        for i in 0..<per { w[to * per + i] = scale * w[from * per + i] }
        b[to] = scale * b[from]
    }

    /// `n` single samples of `shape`, uniform in [−0.5, 1.5] (a non-zero mean, as real activations have).
    static func samples(_ n: Int, _ shape: [Int], seed: UInt64) -> [[FloatTensor]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<n).map { _ in
            [FloatTensor(shape: shape, data: (0..<Shape.count(shape)).map { _ in Float.random(in: -0.5...1.5, using: &rng) })]
        }
    }
}
