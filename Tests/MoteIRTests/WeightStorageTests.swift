import MoteIR
import XCTest

/// `QWeightStorage`'s byte counts and choice, against sizes worked out by hand from the format in its comment:
/// dense int8 n bytes, dense int4 (n + 1) / 2; sparse = rows · ceil(rowLength / 8) (mask) + values (int8 nz,
/// int4 (nz + 1) / 2) + rows · 2 (uint16 row starts; 4 beyond 65,535 non-zeros).
final class WeightStorageTests: XCTestCase {
    /// `rows` rows of `rowLength`, the first `zerosPerRow` of each row zero, the rest 1.
    func weights(rows: Int, rowLength: Int, zerosPerRow: Int) -> [Int8] {
        (0..<rows).flatMap { _ in (0..<rowLength).map { $0 < zerosPerRow ? 0 : 1 } }
    }

    func storage(rows: Int, rowLength: Int, zerosPerRow: Int, _ bits: QWeightBits) -> QWeightStorage {
        QWeightStorage(weights: weights(rows: rows, rowLength: rowLength, zerosPerRow: zerosPerRow), rows: rows,
                       rowLength: rowLength, bits: bits)
    }

    func testFewZerosStayDense() {
        // int8 4 × 16, one zero per row: dense 64; sparse 4·2 + 60 + 4·2 = 76.
        let s = storage(rows: 4, rowLength: 16, zerosPerRow: 1, .int8)
        XCTAssertEqual(s.denseBytes, 64)
        XCTAssertEqual(s.sparseBytes, 76)
        XCTAssertEqual(s.encoding, .dense)
        XCTAssertEqual(s.bytes, 64)
        XCTAssertEqual(s.nonZeros, 60)
    }

    func testManyZerosGoSparse() {
        // int8 4 × 16, twelve zeros per row: sparse 8 + 16 + 8 = 32 < 64.
        let s = storage(rows: 4, rowLength: 16, zerosPerRow: 12, .int8)
        XCTAssertEqual(s.sparseBytes, 32)
        XCTAssertEqual(s.encoding, .sparse)
        XCTAssertEqual(s.bytes, 32)
        XCTAssertEqual(s.maxRowNonZeros, 4)
        // int4 4 × 16: dense 32; ten zeros per row leave 24 non-zeros: 8 + 12 + 8 = 28 < 32.
        let t = storage(rows: 4, rowLength: 16, zerosPerRow: 10, .int4)
        XCTAssertEqual(t.denseBytes, 32)
        XCTAssertEqual(t.sparseBytes, 28)
        XCTAssertEqual(t.encoding, .sparse)
    }

    func testATieStaysDense() {
        // int4 4 × 16 with eight zeros per row: sparse 8 + 16 + 8 = 32 = dense: not strictly smaller.
        let s = storage(rows: 4, rowLength: 16, zerosPerRow: 8, .int4)
        XCTAssertEqual(s.sparseBytes, 32)
        XCTAssertEqual(s.denseBytes, 32)
        XCTAssertEqual(s.encoding, .dense)
    }

    func testOddCounts() {
        // int4 3 × 3 = 9 weights: dense 5 bytes; two zeros per row: sparse 3 + 2 (three values) + 6 = 11.
        let s = storage(rows: 3, rowLength: 3, zerosPerRow: 2, .int4)
        XCTAssertEqual(s.denseBytes, 5)
        XCTAssertEqual(s.sparseBytes, 11)
        XCTAssertEqual(s.valueBytes, 2)
        // A row of 9 needs two mask bytes: int8 2 × 9, eight zeros per row: 4 + 2 + 4 = 10 < 18.
        let t = storage(rows: 2, rowLength: 9, zerosPerRow: 8, .int8)
        XCTAssertEqual(t.maskBytesPerRow, 2)
        XCTAssertEqual(t.sparseBytes, 10)
        XCTAssertEqual(t.encoding, .sparse)
    }

    func testRowStartsWidenPast65535NonZeros() {
        let at = storage(rows: 1, rowLength: 65_535, zerosPerRow: 0, .int8)
        XCTAssertEqual(at.rowStartBytes, 2)
        // 2 × 40,000 non-zero int8: 80,000 non-zeros need uint32 starts: 2 · 5,000 + 80,000 + 2 · 4 = 90,008.
        let past = storage(rows: 2, rowLength: 40_000, zerosPerRow: 0, .int8)
        XCTAssertEqual(past.rowStartBytes, 4)
        XCTAssertEqual(past.sparseBytes, 90_008)
        XCTAssertEqual(past.encoding, .dense)
    }

    func testForcedEncodingAndLayerViews() {
        let w = weights(rows: 4, rowLength: 16, zerosPerRow: 1)
        XCTAssertEqual(QWeightStorage(weights: w, rows: 4, rowLength: 16, bits: .int8, encoding: .sparse).bytes, 76)
        let conv = QConv(input: 0, output: 1, batch: 1, inChannels: 4, inHeight: 3, inWidth: 3, outChannels: 4,
                         outHeight: 3, outWidth: 3, kernelHeight: 2, kernelWidth: 2, strideHeight: 1, strideWidth: 1,
                         dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0, groups: 1, weights: w,
                         weightBits: .int4, bias: [0, 0, 0, 0], requant: [], inputOffset: 0, outputZeroPoint: 0,
                         clampMin: -128, clampMax: 127)
        XCTAssertEqual(conv.weightRowLength, 16)
        XCTAssertEqual(conv.weightStorage.bytes, 32)
        XCTAssertEqual(QOp.conv(conv).weightStorage?.summary, "int4, dense")
        XCTAssertNil(QOp.reshape(input: 0, output: 1).weightStorage)
    }

    /// A layer not marked for sparse storage (an unpruned one) stays dense however many zeros it holds.
    func testUnprunedLayerStaysDense() {
        // 4 rows of 16, 12 zeros per row: sparse would be 4·2 mask + 16 values + 4·2 starts = 32 B < 64 B dense.
        let w = weights(rows: 4, rowLength: 16, zerosPerRow: 12)
        var dense = QDense(input: 0, output: 1, rows: 1, inFeatures: 16, outFeatures: 4, weights: w, bias: [0, 0, 0, 0],
                           requant: [], inputOffset: 0, outputZeroPoint: 0, clampMin: -128, clampMax: 127)
        XCTAssertEqual(dense.weightStorage.encoding, .sparse)
        XCTAssertEqual(dense.weightStorage.bytes, 32)
        dense.sparseStorage = false
        XCTAssertEqual(dense.weightStorage.encoding, .dense)
        XCTAssertEqual(dense.weightStorage.bytes, 64)
    }

    /// A malformed layer (counts that disagree, zero groups) gives some storage instead of trapping.
    func testMalformedLayerDoesNotTrap() {
        let s = QWeightStorage(weights: [1, 0, 2], rows: 5, rowLength: 7, bits: .int8)
        XCTAssertEqual(s.count, 3)
        let conv = QConv(input: 0, output: 1, batch: 1, inChannels: 4, inHeight: 3, inWidth: 3, outChannels: 4,
                         outHeight: 3, outWidth: 3, kernelHeight: 2, kernelWidth: 2, strideHeight: 1, strideWidth: 1,
                         dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0, groups: 0, weights: [1, 2],
                         bias: [], requant: [], inputOffset: 0, outputZeroPoint: 0, clampMin: -128, clampMax: 127)
        XCTAssertEqual(conv.weightRowLength, 0)
        XCTAssertEqual(conv.weightStorage.bytes, 2)
    }

    // MARK: Validation

    func model(weights: [Int8], bits: QWeightBits) -> QModel {
        let dense = QDense(input: 0, output: 1, rows: 1, inFeatures: 2, outFeatures: 2, weights: weights, weightBits: bits,
                           bias: [0, 0], requant: [QMultiplier(multiplier: 1 << 30, shift: 0), QMultiplier(multiplier: 1 << 30, shift: 0)],
                           inputOffset: 0, outputZeroPoint: 0, clampMin: -128, clampMax: 127)
        let q = QuantParams(scale: 1, zeroPoint: 0)
        return QModel(name: "m", tensors: [QTensor(name: "x", shape: [1, 2], quant: q), QTensor(name: "y", shape: [1, 2], quant: q)],
                      layers: [QLayer(name: "fc", sourceOps: ["Gemm"], op: .dense(dense))], inputs: [0], outputs: [1])
    }

    func testInt4WeightsMustFitANibble() throws {
        XCTAssertNoThrow(try model(weights: [-8, 7, 0, -1], bits: .int4).validate())
        XCTAssertNoThrow(try model(weights: [-128, 127, 0, 100], bits: .int8).validate())
        for bad: Int8 in [8, -9, 127] {
            XCTAssertThrowsError(try model(weights: [0, 1, bad, 2], bits: .int4).validate()) { error in
                let text = String(describing: error)
                XCTAssertTrue(text.contains("weights[2] is \(bad)") && text.contains("int4"), text)
            }
        }
    }
}
