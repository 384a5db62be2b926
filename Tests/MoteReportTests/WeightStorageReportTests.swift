import Foundation
import MoteIR
import MotePlan
import MoteReport
import XCTest

/// The size report counts weights as stored (int4 packed, sparse with its bitmask and row starts) and conv
/// scratch as RAM; the figures below are worked out by hand from the storage format (QWeightStorage.swift).
final class WeightStorageReportTests: XCTestCase {
    /// input [1, 1, 4, 4] → conv int4 3×3 pad 1 (3 channels, 27 non-zero weights) → flatten → dense int8 48 → 2
    /// with five non-zero weights (row 0 at 0, 17, 40; row 1 at 5, 47).
    static func model() -> QModel {
        let q = QuantParams(scale: 0.1, zeroPoint: 0)
        let one = QMultiplier(multiplier: 1 << 30, shift: 1)
        let conv = QConv(input: 0, output: 1, batch: 1, inChannels: 1, inHeight: 4, inWidth: 4, outChannels: 3,
                         outHeight: 4, outWidth: 4, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
                         dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1, groups: 1,
                         weights: (0..<27).map { $0 % 2 == 0 ? 1 : -7 }, weightBits: .int4, bias: [0, 0, 0],
                         requant: [one, one, one], inputOffset: 0, outputZeroPoint: 0, clampMin: -128, clampMax: 127)
        var w = [Int8](repeating: 0, count: 96)
        for (i, v) in [(0, 5), (17, -3), (40, 127), (48 + 5, 1), (48 + 47, -128)] { w[i] = Int8(v) }
        let dense = QDense(input: 2, output: 3, rows: 1, inFeatures: 48, outFeatures: 2, weights: w, bias: [0, 0],
                           requant: [one, one], inputOffset: 0, outputZeroPoint: 0, clampMin: -128, clampMax: 127)
        return QModel(name: "stored", tensors: [
            QTensor(name: "x", shape: [1, 1, 4, 4], quant: q), QTensor(name: "c", shape: [1, 3, 4, 4], quant: q),
            QTensor(name: "f", shape: [1, 48], quant: q), QTensor(name: "y", shape: [1, 2], quant: q),
        ], layers: [
            QLayer(name: "conv", sourceOps: ["Conv"], op: .conv(conv)),
            QLayer(name: "flatten", sourceOps: ["Flatten"], op: .reshape(input: 1, output: 2)),
            QLayer(name: "fc", sourceOps: ["Gemm"], op: .dense(dense)),
        ], inputs: [0], outputs: [3])
    }

    func report() -> SizeReport {
        let m = Self.model()
        return SizeReport(model: m, plan: MemoryPlanner.plan(m), measurement: nil, name: "stored")
    }

    func testWeightBytesAreTheStoredBytes() {
        let r = report()
        // conv: 27 int4 weights packed: (27 + 1) / 2 = 14 bytes (sparse would be 3·2 + 14 + 3·2 = 26).
        XCTAssertEqual(r.layers[0].weightsBytes, 14)
        XCTAssertEqual(r.layers[0].weightBits, 4)
        XCTAssertEqual(r.layers[0].weightStorage, "dense")
        XCTAssertEqual(r.layers[0].weightNonZeros, 27)
        // fc: 2 rows of 48: masks 2·6 = 12, five int8 values 5, uint16 row starts 2·2 = 4 → 21 (dense: 96).
        XCTAssertEqual(r.layers[2].weightsBytes, 21)
        XCTAssertEqual(r.layers[2].weightBits, 8)
        XCTAssertEqual(r.layers[2].weightStorage, "sparse")
        XCTAssertEqual(r.layers[2].weightNonZeros, 5)
        XCTAssertNil(r.layers[1].weightBits)
        XCTAssertEqual(r.weightsBytes, 35)
        // Not measured: flash is the constant arrays: weights 35 + biases 4·5 + requant 8·5.
        XCTAssertEqual(r.flashBytes, 35 + 20 + 40)
    }

    /// The int4 conv (3 output channels, 9 taps) runs mote_conv's im2col path: per pair of channels (the lone
    /// third counts as one) two bases and two mote_scales (2 · 48 bytes), three int16 columns of the 8 taps in
    /// whole groups of four (48), one int8 column with 4 spare bytes (13) and the block's two decoded rows (18):
    /// 175 bytes inside the arena while it runs, next to the 16-byte input and the 48-byte output (239 in use); at
    /// 4-byte offsets 16 + 48 + 176.
    func testScratchCountsAsRAM() {
        let r = report()
        XCTAssertEqual(r.layers[0].scratchBytes, 2 * 48 + 48 + 13 + 18)
        XCTAssertEqual(r.layers[0].ramBytes, 239)
        XCTAssertEqual(r.arenaBytes, 240)
        XCTAssertEqual(r.ramBytes, 240)
        XCTAssertEqual(r.arena.peakScratchBytes, 175)
    }

    func testJSONAndMarkdownNameWidthAndStorage() throws {
        let r = report()
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try r.json().utf8)) as? [String: Any])
        let layers = try XCTUnwrap(object["layers"] as? [[String: Any]])
        XCTAssertEqual(layers[0]["weight_bits"] as? Int, 4)
        XCTAssertEqual(layers[0]["weight_storage"] as? String, "dense")
        XCTAssertEqual(layers[2]["weight_storage"] as? String, "sparse")
        XCTAssertEqual(layers[2]["weight_non_zeros"] as? Int, 5)
        XCTAssertEqual(layers[0]["scratch_bytes"] as? Int, 175)
        // A layer without weights: the keys are there, null.
        XCTAssertTrue(layers[1]["weight_bits"] is NSNull)
        XCTAssertTrue(layers[1]["weight_storage"] is NSNull)
        XCTAssertEqual(try SizeReport.decode(json: Data(try r.json().utf8)), r)

        let md = r.markdown()
        XCTAssertTrue(md.contains("| &nbsp;&nbsp;weights (int8, int4; sparse in 1 of 2 layers) | 35 |"), md)
        XCTAssertTrue(md.contains("| 14 | int4 dense, 27 non-zeros, scratch 175 B |"), md)
        XCTAssertTrue(md.contains("| 21 | int8 sparse, 5 non-zeros |"), md)
        XCTAssertTrue(md.contains("of which kernel scratch"), md)
    }

    /// A report saved before these fields existed still reads (they come back nil).
    func testOlderReportWithoutStorageFieldsDecodes() throws {
        let r = report()
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try r.json().utf8)) as? [String: Any])
        var layers = try XCTUnwrap(object["layers"] as? [[String: Any]])
        for i in layers.indices {
            for key in ["weight_bits", "weight_storage", "weight_non_zeros"] { layers[i].removeValue(forKey: key) }
        }
        object["layers"] = layers
        let old = try SizeReport.decode(json: try JSONSerialization.data(withJSONObject: object))
        XCTAssertNil(old.layers[0].weightBits)
        XCTAssertEqual(old.layers[0].weightsBytes, 14)
    }
}
