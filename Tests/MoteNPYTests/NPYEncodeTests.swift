import XCTest
@testable import MoteNPY

final class NPYEncodeTests: XCTestCase {
    func testFloat32MatchesNumpyByteForByte() {
        let a = NPYArray(floats: (0..<6).map { Float($0) * 0.25 }, shape: [2, 3])
        XCTAssertEqual(NPY.encode(a), fixture("enc_f4_2x3"))
        XCTAssertEqual(NPY.encode(NPYArray(floats: [1.25], shape: [])), fixture("enc_f4_scalar"))
        XCTAssertEqual(NPY.encode(NPYArray(floats: [], shape: [0])), fixture("enc_f4_empty"))
        XCTAssertEqual(NPY.encode(NPYArray(floats: [], shape: [2_147_483_647, 0])), fixture("enc_f4_bigdim_empty"))
    }

    func testInt64MatchesNumpyByteForByte() {
        XCTAssertEqual(NPY.encode(NPYArray(int64s: [Int64.min, -1, 0, 1, Int64.max], shape: [5])), fixture("enc_i8_5"))
        XCTAssertEqual(NPY.encode(NPYArray(int64s: (0..<24).map { Int64($0) - 12 }, shape: [2, 3, 4])), fixture("enc_i8_2x3x4"))
    }

    /// Header padding depends on header length; many ranks cover every way the 64-byte alignment can fall.
    func testHeaderPaddingMatchesNumpyAcrossRanks() throws {
        for r in 1..<20 {
            let a = NPYArray(floats: [1], shape: Array(repeating: 1, count: r))
            XCTAssertEqual(NPY.encode(a), fixture("enc_f4_rank\(r)"), "rank \(r)")
        }
        for r in stride(from: 8, through: 64, by: 8) {
            let a = NPYArray(int64s: [0], shape: Array(repeating: 1, count: r))
            XCTAssertEqual(NPY.encode(a), fixture("enc_i8_rank\(r)"), "rank \(r)")
        }
        for r in [12, 28, 31] {
            let a = NPYArray(floats: [1, 1, 1], shape: [3] + Array(repeating: 1, count: r - 1))
            XCTAssertEqual(NPY.encode(a), fixture("enc_f4_shape3x\(r)"), "rank \(r)")
        }
    }

    /// Every C-ordered little-endian numpy fixture re-encodes to exactly the bytes numpy wrote (all dtypes).
    func testReencodingNumpyFilesIsByteIdentical() throws {
        let names = ["f4_2x3", "f8", "f2", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "bool",
                     "scalar_f4", "scalar_i8", "empty_f4", "empty_2x0x3", "f4_2x3x4"]
        for name in names {
            let bytes = fixture(name)
            XCTAssertEqual(NPY.encode(try NPY.decode(bytes)), bytes, name)
        }
    }

    func testDataStartsOn64ByteBoundaryWithNewline() throws {
        for shape in [[], [3], [2, 3], [1, 2, 3, 4, 5, 6, 7]] {
            let n = shape.reduce(1, *)
            let bytes = NPY.encode(NPYArray(floats: [Float](repeating: 2, count: n), shape: shape))
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            XCTAssertEqual((10 + headerLength) % 64, 0)
            XCTAssertEqual(bytes[10 + headerLength - 1], 0x0A)
            XCTAssertEqual(bytes.count, 10 + headerLength + 4 * n)
        }
    }

    func testRoundTripAllStorageKinds() throws {
        let cases: [NPYArray] = [
            try NPYArray(storage: .float32([1, -0.0, .nan, .infinity, 0x1p-149]), shape: [5]),
            try NPYArray(storage: .float64([0.1, -1e-310, .nan]), shape: [3, 1]),
            try NPYArray(storage: .float16([0x0001, 0x7C01, 0xFC00, 0x3C00]), shape: [2, 2]),
            try NPYArray(storage: .int8([-128, 127]), shape: [2]),
            try NPYArray(storage: .uint8([0, 200, 255]), shape: [1, 3]),
            try NPYArray(storage: .int16([-300, 300]), shape: [2]),
            try NPYArray(storage: .uint16([65535]), shape: []),
            try NPYArray(storage: .int32([Int32.min, 0, Int32.max]), shape: [3]),
            try NPYArray(storage: .uint32([UInt32.max]), shape: [1, 1, 1]),
            try NPYArray(storage: .int64([Int64.min, Int64.max]), shape: [2]),
            try NPYArray(storage: .uint64([UInt64.max, 0]), shape: [2]),
            try NPYArray(storage: .bool([true, false, false, true]), shape: [2, 2]),
            try NPYArray(storage: .float32([]), shape: [3, 0]),
        ]
        for a in cases {
            let bytes = NPY.encode(a)
            XCTAssertEqual(try NPY.decode(bytes), a, "\(a.dtype) \(a.shape)")
            XCTAssertEqual(NPY.encode(try NPY.decode(bytes)), bytes)
        }
    }

    func testEncodeIsDeterministic() {
        let a = NPYArray(floats: [1, 2, 3, 4], shape: [2, 2])
        XCTAssertEqual(NPY.encode(a), NPY.encode(a))
    }

    func testArrayInitializersValidate() throws {
        XCTAssertThrowsError(try NPYArray(storage: .float32([1, 2, 3]), shape: [2, 2]))
        XCTAssertThrowsError(try NPYArray(storage: .float32([]), shape: [-1, 0]))
        XCTAssertThrowsError(try NPYArray(storage: .float32([]), shape: [Int.max, Int.max, 0]))
        XCTAssertThrowsError(try NPYArray(storage: .float32([]), shape: Array(repeating: 1, count: 65) + [0]))
        let a = NPYArray(floats: [1, 2, 3, 4, 5, 6], shape: [2, 3])
        XCTAssertEqual(try a.reshaped([3, 2]).shape, [3, 2])
        XCTAssertEqual(try a.reshaped([6]).asFloats(), [1, 2, 3, 4, 5, 6])
        XCTAssertThrowsError(try a.reshaped([4]))
    }

    func testAsInt64sOnFloats() throws {
        XCTAssertEqual(try NPYArray(floats: [1, -2, 0, -0.0, 16_777_216], shape: [5]).asInt64s(), [1, -2, 0, 0, 16_777_216])
        XCTAssertThrowsError(try NPYArray(floats: [1.5], shape: [1]).asInt64s())
        XCTAssertThrowsError(try NPYArray(floats: [.nan], shape: [1]).asInt64s())
        XCTAssertThrowsError(try NPYArray(floats: [.infinity], shape: [1]).asInt64s())
        XCTAssertThrowsError(try NPYArray(floats: [0x1p63], shape: [1]).asInt64s())
        XCTAssertEqual(try NPYArray(floats: [-0x1p63], shape: [1]).asInt64s(), [Int64.min])
        XCTAssertEqual(try NPYArray(storage: .float64([3, -4]), shape: [2]).asInt64s(), [3, -4])
        XCTAssertThrowsError(try NPYArray(storage: .float64([0.1]), shape: [1]).asInt64s())
        XCTAssertEqual(try NPYArray(storage: .float16([0x4200, 0xC000]), shape: [2]).asInt64s(), [3, -2])
        XCTAssertThrowsError(try NPYArray(storage: .float16([0x3800]), shape: [1]).asInt64s()) { error in
            XCTAssertTrue("\(error)".contains("0.5"), "\(error)")
        }
    }

    func testFloatFromHalfExhaustively() {
        // Compare every one of the 65 536 bit patterns with an independent arithmetic definition.
        for bits in 0...UInt16.max {
            let sign: Float = bits & 0x8000 != 0 ? -1 : 1
            let e = Int((bits >> 10) & 0x1F), m = Float(bits & 0x3FF)
            let f = NPY.floatFromHalf(bits)
            if e == 31 {
                if m == 0 { XCTAssertEqual(f, sign * .infinity) } else { XCTAssertTrue(f.isNaN) }
            } else {
                let expected = e == 0 ? sign * m * 0x1p-24 : sign * (1 + m / 1024) * Float(sign: .plus, exponent: e - 15, significand: 1)
                XCTAssertEqual(f.bitPattern, expected.bitPattern, "bits 0x\(String(bits, radix: 16))")
            }
        }
    }
}
