import Foundation
@testable import MoteCodegen
import MoteIR
import MotePlan
import XCTest

/// The bytes Mote emits for int4 and sparse weights: the nibble order and bitmask by hand, the emitted arrays
/// against the counts in the comments, and the storage model compiled and run against the interpreter.
final class WeightStorageTests: XCTestCase {
    func encode(_ w: [Int8], rows: Int, rowLength: Int, _ bits: QWeightBits, _ encoding: QWeightStorage.Encoding) throws -> EncodedWeights {
        try EncodedWeights(w, storage: QWeightStorage(weights: w, rows: rows, rowLength: rowLength, bits: bits, encoding: encoding))
    }

    /// [1, −2, 3]: 1 = 0x1 in the low nibble of byte 0, −2 = 0xE in its high nibble, 3 alone in the low nibble of
    /// byte 1 → [0xE1, 0x03]. Swapped nibbles would give [0x1E, 0x03], a wrong tail [0xE1, 0x30].
    func testDenseInt4NibbleOrder() throws {
        let e = try encode([1, -2, 3], rows: 1, rowLength: 3, .int4, .dense)
        XCTAssertEqual(e.nibbles, [0xE1, 0x03])
        XCTAssertEqual(e.values, [])
        XCTAssertEqual(e.mask, [])
        XCTAssertEqual(e.format, 1)
        XCTAssertEqual(e.byteCount, 2)
        // −8 and 7, the nibble's extremes: 0x8 low, 0x7 high.
        XCTAssertEqual(try encode([-8, 7], rows: 1, rowLength: 2, .int4, .dense).nibbles, [0x78])
    }

    /// Three rows of six, element j of row r = 10r + j: rows 0 and 1 by groups of four, [0…3, 10…13], then each
    /// row's two left over, [4, 5, 14, 15]; row 2 alone as it is. A swapped slot would put 10 first, tails
    /// interleaved [4, 14, 5, 15], a paired lone row [20…23, 20…23].
    func testInt8RowPairsOrder() throws {
        let w = (0..<3).flatMap { r in (0..<6).map { Int8(10 * r + $0) } }
        let s = QWeightStorage(weights: w, rows: 3, rowLength: 6, bits: .int8, encoding: .dense)
        let e = try EncodedWeights(w, storage: s, rowPairs: true)
        XCTAssertEqual(e.values, [0, 1, 2, 3, 10, 11, 12, 13, 4, 5, 14, 15, 20, 21, 22, 23, 24, 25])
        XCTAssertEqual(e.format, 4)
        XCTAssertEqual(e.formatMacro, "MOTE_WEIGHTS_INT8_PAIRS")
        XCTAssertEqual(e.byteCount, s.bytes)
        // Rows shorter than a group: only the tails.
        let short: [Int8] = [1, 2, 3, 4]
        let s2 = QWeightStorage(weights: short, rows: 2, rowLength: 2, bits: .int8, encoding: .dense)
        XCTAssertEqual(try EncodedWeights(short, storage: s2, rowPairs: true).values, [1, 2, 3, 4])
        // Only dense int8 weights come in pairs.
        let s4 = QWeightStorage(weights: short, rows: 2, rowLength: 2, bits: .int4, encoding: .dense)
        XCTAssertThrowsError(try EncodedWeights(short, storage: s4, rowPairs: true))
    }

    /// Two rows of five: [0, 1, 0, −2, 3] and [0, 0, −8, 0, 7].
    /// Masks: row 0 has elements 1, 3, 4 → 0b0001_1010 = 0x1A; row 1 elements 2, 4 → 0b0001_0100 = 0x14.
    /// Values 1, −2, 3, −8, 7: int4 → [0xE1, 0x83, 0x07]; int8 as they are. Row starts [0, 3].
    func testSparseBitmaskAndNibbles() throws {
        let w: [Int8] = [0, 1, 0, -2, 3, 0, 0, -8, 0, 7]
        let e4 = try encode(w, rows: 2, rowLength: 5, .int4, .sparse)
        XCTAssertEqual(e4.mask, [0x1A, 0x14])
        XCTAssertEqual(e4.nibbles, [0xE1, 0x83, 0x07])
        XCTAssertEqual(e4.rowStarts, [0, 3])
        XCTAssertEqual(e4.format, 3)
        XCTAssertEqual(e4.byteCount, 2 + 3 + 2 * 2)
        let e8 = try encode(w, rows: 2, rowLength: 5, .int8, .sparse)
        XCTAssertEqual(e8.mask, [0x1A, 0x14])
        XCTAssertEqual(e8.values, [1, -2, 3, -8, 7])
        XCTAssertEqual(e8.nibbles, [])
        XCTAssertEqual(e8.rowStarts, [0, 3])
        XCTAssertEqual(e8.format, 2)
        // A row of 9 spans two mask bytes: element 8 is bit 0 of the second byte.
        let e9 = try encode([1, 0, 0, 0, 0, 0, 0, 2, 3], rows: 1, rowLength: 9, .int8, .sparse)
        XCTAssertEqual(e9.mask, [0x81, 0x01])
    }

    func testEncodedBytesEqualTheCountedBytes() throws {
        let model = TestModels.storage()
        for layer in model.layers {
            guard let storage = layer.op.weightStorage else { continue }
            let weights: [Int8]
            switch layer.op {
            case .conv(let p): weights = p.weights
            case .dense(let p): weights = p.weights
            default: continue
            }
            for encoding in QWeightStorage.Encoding.allCases {
                var s = storage
                s.encoding = encoding
                XCTAssertEqual(try EncodedWeights(weights, storage: s).byteCount, s.bytes, "\(layer.name) \(encoding)")
            }
        }
    }

    /// The storage model's layers each take the format they were built for.
    func testTheStorageModelCoversEveryFormat() {
        let summaries = TestModels.storage().layers.compactMap { $0.op.weightStorage?.summary }
        XCTAssertEqual(summaries, ["int4, dense", "int8, sparse bitmask", "int4, sparse bitmask", "int8, sparse bitmask", "int4, dense"])
    }

    /// The int4 and sparse kernels are separate files, emitted (and called) only by models with such layers.
    func testSparseKernelFilesOnlyWhenUsed() throws {
        let options = CodegenOptions(name: "st", toolVersion: "1", modelHash: "ab")
        let storage = try Codegen.emit(TestModels.storage(), options: options)
        let paths = storage.map(\.path)
        // mote_conv_int4 runs mote_conv on each decoded row, so mote_conv.c comes with it; no layer is int8 dense.
        XCTAssertEqual(paths.filter { $0.hasSuffix(".c") && $0 != "st.c" },
                       ["mote_conv.c", "mote_conv_int4.c", "mote_conv_sparse.c", "mote_dense_int4.c", "mote_dense_sparse.c"])
        XCTAssertTrue(storage[1].contents.contains("    mote_conv_int4(&st_conv_int4_params, "))
        XCTAssertTrue(storage[1].contents.contains("    mote_conv_sparse(&st_pointwise_sparse_params, "))
        XCTAssertTrue(storage[1].contents.contains("    mote_dense_sparse(&st_fc_sparse_params, "))
        XCTAssertTrue(storage[1].contents.contains("    mote_dense_int4(&st_fc_int4_params, "))
        let chain = try Codegen.emit(TestModels.chain(), options: options).map(\.path)
        XCTAssertEqual(chain.filter { $0.hasSuffix(".c") && $0 != "st.c" }, ["mote_conv.c", "mote_dense.c", "mote_softmax.c"])
    }

    /// Every `static const` array of the emitted model, by symbol: element type size × declared length, after
    /// checking that the initializer really holds that many values.
    static func arrays(_ source: String) throws -> [String: Int] {
        let sizes = ["int8_t": 1, "uint8_t": 1, "uint16_t": 2, "int32_t": 4, "uint32_t": 4]
        var result: [String: Int] = [:]
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var i = 0
        while i < lines.count {
            let words = lines[i].split(separator: " ")
            defer { i += 1 }
            guard lines[i].hasPrefix("static const "), words.count >= 4, let size = sizes[String(words[2])],
                  let open = words[3].firstIndex(of: "["), let close = words[3].firstIndex(of: "]"),
                  let length = Int(words[3][words[3].index(after: open)..<close]) else { continue }
            let name = String(words[3][..<open])
            var values = 0
            var j = i + 1
            while j < lines.count, lines[j] != "};" {
                values += lines[j].split(separator: ",").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.count
                j += 1
            }
            XCTAssertEqual(values, length, name)
            result[name] = size * length
        }
        return result
    }

    func testEmittedArraysAreTheCountedBytes() throws {
        let model = TestModels.storage()
        let files = try Codegen.emit(model, options: CodegenOptions(name: "st", toolVersion: "1", modelHash: "ab"))
        let source = files[1].contents
        let arrays = try Self.arrays(source)
        // The banner's total is every array.
        let total = arrays.values.reduce(0, +)
        XCTAssertTrue(source.contains("constant arrays \(total) bytes (flash)"), "banner total \(total)")
        // Each weighted layer's comment gives its weight arrays (values, mask, row starts).
        let ids = ["conv_int4", "pointwise_sparse", "grouped_int4_sparse", "fc_sparse", "fc_int4"]
        let storages = model.layers.compactMap { $0.op.weightStorage }
        for (id, storage) in zip(ids, storages) {
            let bytes = ["weights", "mask", "starts"].compactMap { arrays["st_\(id)_\($0)"] }.reduce(0, +)
            XCTAssertEqual(bytes, storage.bytes, id)
            let zeros = Int((100 * Double(storage.zeros) / Double(storage.count)).rounded())
            let line = "weights \(storage.summary): \(LayerEmitter.grouped(bytes)) bytes (\(zeros)% zeros)"
            XCTAssertTrue(source.contains(line), "\(id): \(line)")
            XCTAssertEqual(arrays["st_\(id)_mask"] != nil, storage.encoding == .sparse, id)
        }
        // The int4 conv's weights are packed nibbles, in hex; the sparse int8 values stay decimal int8.
        XCTAssertTrue(source.contains("static const uint8_t st_conv_int4_weights[108] = {\n    0x"), source)
        XCTAssertTrue(source.contains("static const int8_t st_fc_sparse_weights["))
        XCTAssertTrue(source.contains(".weight_format = MOTE_WEIGHTS_INT4_SPARSE,"))
    }

    /// Conv scratch lives in the arena, reserved for its layer: the int4 dense conv (8 channels, 3·3·3 = 27 taps)
    /// runs im2col: 24 bytes per channel (base, mote_scale), three int16 columns of 24 taps (144), one int8 column and
    /// 4 spare bytes (31), two decoded rows (54); sparse 5 bytes per non-zero of the densest row plus the row,
    /// and for the padded 3×3 conv (dilation 2, groups 2) a band of its 3 group channels × 10 input rows (a block
    /// of all 6 output rows, within the 64 outputs a block may hold, + 2 · 2 dilated kernel rows) × 11 columns
    /// (7 outputs + 2 · 2 dilated taps). The parameter block points at the plan's offset.
    func testScratchIsPlannedInTheArena() throws {
        let model = TestModels.storage()
        let plan = MemoryPlanner.plan(model)
        func densestRow(_ p: QConv) -> Int {
            let n = p.weights.count / p.outChannels
            return (0..<p.outChannels).map { m in p.weights[(m * n)..<((m + 1) * n)].filter { $0 != 0 }.count }.max() ?? 0
        }
        guard case .conv(let c2) = model.layers[1].op, case .conv(let c3) = model.layers[2].op else { return XCTFail() }
        XCTAssertEqual(plan.scratchBytes, [24 * 8 + 144 + 31 + 54, 5 * densestRow(c2) + 8, 5 * densestRow(c3) + 27 + 3 * 10 * 11, 0, 0, 0])
        let source = try Codegen.emit(model, options: CodegenOptions(name: "st", toolVersion: "1", modelHash: "ab"))[1].contents
        for layer in 0..<3 {
            XCTAssertTrue(source.contains(".scratch = st_arena.bytes + \(plan.scratchOffsets[layer]),"), "layer \(layer)")
        }
        XCTAssertEqual(source.components(separatedBy: ".scratch = NULL,").count - 1, 0)
    }
}
