import MoteCodegen
import MoteIR
import MoteTestSupport
import XCTest

/// The C kernels on every weight storage format (int8/int4 × dense/sparse), against the Swift interpreter (which
/// reads the logical weights), in both driver builds (strict -O2 and ASan+UBSan, every weight array and the
/// scratch allocated to their exact size).
final class WeightStorageKernelTests: XCTestCase {
    static let formats: [(QWeightBits, QWeightStorage.Encoding)] = [(.int8, .dense), (.int8, .sparse), (.int4, .dense), (.int4, .sparse)]

    func testConvEveryFormatOnEveryPath() throws {
        var rng = SeededGenerator(seed: 0x5707_A6E1)
        var cases: [KernelCase] = []
        for (bits, encoding) in Self.formats {
            for path in StorageGenerator.ConvPath.allCases {
                for _ in 0..<16 {
                    var c = StorageGenerator.conv(&rng, path: path, bits: bits)
                    c.encoding = encoding
                    cases.append(c)
                }
            }
        }
        try assertSwiftMatchesC(cases, "conv storage")
    }

    func testDenseEveryFormat() throws {
        var rng = SeededGenerator(seed: 0xDE45_0004)
        var cases: [KernelCase] = []
        for (bits, encoding) in Self.formats {
            for _ in 0..<50 {
                var c = StorageGenerator.dense(&rng, bits: bits)
                c.encoding = encoding
                cases.append(c)
            }
        }
        try assertSwiftMatchesC(cases, "dense storage")
    }

    /// Mote's own choice of storage (the generators' zero shares make both happen).
    func testChosenStorage() throws {
        var rng = SeededGenerator(seed: 0xC405E)
        var cases: [KernelCase] = []
        var chosen = Set<String>()
        for bits in QWeightBits.allCases {
            for path in StorageGenerator.ConvPath.allCases {
                for _ in 0..<6 { cases.append(StorageGenerator.conv(&rng, path: path, bits: bits)) }
            }
            for _ in 0..<20 { cases.append(StorageGenerator.dense(&rng, bits: bits)) }
        }
        for c in cases { if let s = c.op.weightStorage { chosen.insert(s.summary) } }
        XCTAssertEqual(chosen, ["int8, dense", "int8, sparse bitmask", "int4, dense", "int4, sparse bitmask"])
        try assertSwiftMatchesC(cases, "chosen storage")
    }

    // MARK: Hand-computed

    /// Requantization by exactly 1: multiplier 2^30 with shift 1 is 2^30 · 2^(1 − 31) = 1, so out = acc + zp.
    static let identity = QMultiplier(multiplier: 1 << 30, shift: 1)

    /// Dense int4, 3 × 3 weights: an odd total (9) and an odd row length, so row 1 starts in a high nibble and
    /// the last weight sits alone in the low nibble of byte 4.
    /// x = [1, 2, 3]; rows [1, −2, 3] → 1 − 4 + 9 = 6; [−8, 7, 0] + bias 10 → 10 − 8 + 14 = 16; [0, 0, −1] → −3.
    func testOddCountInt4DenseLayerByHand() throws {
        for encoding in QWeightStorage.Encoding.allCases {
            let op = QDense(input: 0, output: 1, rows: 1, inFeatures: 3, outFeatures: 3,
                            weights: [1, -2, 3, -8, 7, 0, 0, 0, -1], weightBits: .int4, bias: [0, 10, 0],
                            requant: [Self.identity, Self.identity, Self.identity], inputOffset: 0, outputZeroPoint: 0,
                            clampMin: -128, clampMax: 127)
            var c = KernelCase(.dense(op), inputShapes: [[1, 3]], outputShape: [1, 3], inputs: [[1, 2, 3]])
            c.encoding = encoding
            try assertSwiftMatchesC([c], expected: [[6, 16, -3]], "odd int4 dense (\(encoding))")
        }
    }

    /// The same weights as a 1-D conv (3 output channels, kernel 3 over width 4, one input channel):
    /// x = [1, 2, 3, 4], outputs at columns 0 and 1:
    /// ch0 [1, −2, 3]: 1−4+9 = 6, 2−6+12 = 8; ch1 [−8, 7, 0] + 10: 10−8+14 = 16, 10−16+21 = 15; ch2 [0, 0, −1]: −3, −4.
    func testOddCountInt4ConvByHand() throws {
        for encoding in QWeightStorage.Encoding.allCases {
            let op = QConv(input: 0, output: 1, batch: 1, inChannels: 1, inHeight: 1, inWidth: 4, outChannels: 3,
                           outHeight: 1, outWidth: 2, kernelHeight: 1, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
                           dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0, groups: 1,
                           weights: [1, -2, 3, -8, 7, 0, 0, 0, -1], weightBits: .int4, bias: [0, 10, 0],
                           requant: [Self.identity, Self.identity, Self.identity], inputOffset: 0, outputZeroPoint: 0,
                           clampMin: -128, clampMax: 127)
            var c = KernelCase(.conv(op), inputShapes: [[1, 1, 1, 4]], outputShape: [1, 3, 1, 2], inputs: [[1, 2, 3, 4]])
            c.encoding = encoding
            try assertSwiftMatchesC([c], expected: [[6, 8, 16, 15, -3, -4]], "odd int4 conv (\(encoding))")
        }
    }

    /// A pruned channel (all-zero row) outputs its requantized bias at every pixel, whatever the input; so does
    /// every channel of an all-zero layer (whose sparse form has no values at all: a NULL values pointer).
    /// Channel 0: bias 100 with multiplier 2^30, shift 0 (×0.5) → 50, plus zero point 3 → 53. Channel 1
    /// requantizes by exactly 1: bias −7 alone → −4.
    func testPrunedChannelGivesRequantizedBias() throws {
        let half = QMultiplier(multiplier: 1 << 30, shift: 0)
        func conv(_ weights: [Int8], bits: QWeightBits) -> QConv {
            QConv(input: 0, output: 1, batch: 1, inChannels: 1, inHeight: 3, inWidth: 3, outChannels: 2,
                  outHeight: 2, outWidth: 2, kernelHeight: 2, kernelWidth: 2, strideHeight: 1, strideWidth: 1,
                  dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0, groups: 1, weights: weights,
                  weightBits: bits, bias: [100, -7], requant: [half, Self.identity], inputOffset: 0, outputZeroPoint: 3,
                  clampMin: -128, clampMax: 127)
        }
        let x: [Int8] = [10, 20, 30, 40, 50, 60, 70, 80, 90]
        for bits in QWeightBits.allCases {
            // Channel 1, weights [2, 0, 0, −1]: acc = −7 + 2·(top-left) − (bottom-right) of each 2 × 2 window:
            // −7 + 20 − 50 = −37, −7 + 40 − 60 = −27, −7 + 80 − 80 = −7, −7 + 100 − 90 = 3; plus 3.
            let mixed = KernelCase(.conv(conv([0, 0, 0, 0, 2, 0, 0, -1], bits: bits)), inputShapes: [[1, 1, 3, 3]],
                                   outputShape: [1, 2, 2, 2], inputs: [x])
            let zero = KernelCase(.conv(conv([Int8](repeating: 0, count: 8), bits: bits)), inputShapes: [[1, 1, 3, 3]],
                                  outputShape: [1, 2, 2, 2], inputs: [x])
            for encoding in QWeightStorage.Encoding.allCases {
                var a = mixed, b = zero
                a.encoding = encoding
                b.encoding = encoding
                try assertSwiftMatchesC([a, b], expected: [[53, 53, 53, 53, -34, -24, -4, 6], [53, 53, 53, 53, -4, -4, -4, -4]],
                                        "pruned channel \(bits) \(encoding)")
            }
            // Rows of 4: int8 dense 8 bytes, sparse 2 (masks) + 0 (values) + 4 (uint16 starts) = 6 → sparse;
            // int4 dense 4 bytes beats those 6.
            XCTAssertEqual(zero.op.weightStorage?.encoding, bits == .int8 ? .sparse : .dense)
        }
        // Dense layer: row 0 pruned → 53; row 1 [1, −1]: −7 + 10 − 20 = −17, plus 3 → −14.
        for bits in QWeightBits.allCases {
            for encoding in QWeightStorage.Encoding.allCases {
                let op = QDense(input: 0, output: 1, rows: 1, inFeatures: 2, outFeatures: 2, weights: [0, 0, 1, -1],
                                weightBits: bits, bias: [100, -7], requant: [half, Self.identity], inputOffset: 0,
                                outputZeroPoint: 3, clampMin: -128, clampMax: 127)
                var c = KernelCase(.dense(op), inputShapes: [[1, 2]], outputShape: [1, 2], inputs: [[10, 20]])
                c.encoding = encoding
                try assertSwiftMatchesC([c], expected: [[53, -14]], "pruned dense row \(bits) \(encoding)")
            }
        }
    }

    /// More than 65,535 non-zeros: the row starts are uint32 (weight_row_start32), for conv and dense.
    func testWideRowStarts() throws {
        var rng = SeededGenerator(seed: 0x32_57A7)
        let inC = 520, outC = 130
        let w = (0..<(inC * outC)).map { _ in Int8(rng.int(1...7)) * (rng.chance(0.5) ? 1 : -1) }
        let op = QConv(input: 0, output: 1, batch: 1, inChannels: inC, inHeight: 2, inWidth: 3, outChannels: outC,
                       outHeight: 2, outWidth: 3, kernelHeight: 1, kernelWidth: 1, strideHeight: 1, strideWidth: 1,
                       dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0, groups: 1, weights: w, weightBits: .int4,
                       bias: [Int32](repeating: 5, count: outC),
                       requant: (0..<outC).map { _ in rng.multiplier(around: 1e-3) }, inputOffset: 3, outputZeroPoint: -2,
                       clampMin: -128, clampMax: 127)
        var conv = KernelCase(.conv(op), inputShapes: [[1, inC, 2, 3]], outputShape: [1, outC, 2, 3], inputs: [rng.int8s(inC * 6)])
        conv.encoding = .sparse
        let d = QDense(input: 0, output: 1, rows: 1, inFeatures: inC, outFeatures: outC, weights: w, weightBits: .int8,
                       bias: [Int32](repeating: -5, count: outC), requant: (0..<outC).map { _ in rng.multiplier(around: 1e-3) },
                       inputOffset: 1, outputZeroPoint: 0, clampMin: -128, clampMax: 127)
        var dense = KernelCase(.dense(d), inputShapes: [[1, inC]], outputShape: [1, outC], inputs: [rng.int8s(inC)])
        dense.encoding = .sparse
        XCTAssertEqual(QWeightStorage(weights: w, rows: outC, rowLength: inC, bits: .int4, encoding: .sparse).rowStartBytes, 4)
        try assertSwiftMatchesC([conv, dense], "uint32 row starts")
    }
}
