import XCTest
@testable import MoteNPY

/// Decoding files written by real numpy 2.x (bytes embedded in NumpyFixtures.swift).
final class NPYDecodeNumpyTests: XCTestCase {
    private func decode(_ name: String) throws -> NPYArray { try NPY.decode(fixture(name)) }

    func testFloat32Matrix() throws {
        let a = try decode("f4_2x3")
        XCTAssertEqual(a.dtype, .float32)
        XCTAssertEqual(a.shape, [2, 3])
        XCTAssertEqual(a.count, 6)
        XCTAssertEqual(a.storage, .float32([-1, -0.5, 0, 0.5, 1, 1.5]))
        XCTAssertEqual(a.asFloats(), [-1, -0.5, 0, 0.5, 1, 1.5])
        XCTAssertThrowsError(try a.asInt64s())
    }

    func testFloat64() throws {
        let a = try decode("f8")
        XCTAssertEqual(a.dtype, .float64)
        XCTAssertEqual(a.shape, [4])
        XCTAssertEqual(a.storage, .float64([0.1, -2.5, 1e300, -0.0]))
        let f = a.asFloats()
        XCTAssertEqual(f[0], Float(0.1))
        XCTAssertEqual(f[1], -2.5)
        XCTAssertEqual(f[2], .infinity)  // 1e300 rounds to +inf in float32
        XCTAssertEqual(f[3].bitPattern, (-0.0 as Float).bitPattern)
    }

    func testFloat16SubnormalsInfNaN() throws {
        let a = try decode("f2")
        XCTAssertEqual(a.dtype, .float16)
        XCTAssertEqual(a.shape, [12])
        let f = a.asFloats()
        let expected: [Float] = [0, -0.0, 1, -2, 65504, 0x1p-14, 0x1p-24, 3 * 0x1p-24, 1023 * 0x1p-24, .infinity, -.infinity]
        for (i, e) in expected.enumerated() {
            XCTAssertEqual(f[i].bitPattern, e.bitPattern, "element \(i): \(f[i]) vs \(e)")
        }
        XCTAssertTrue(f[11].isNaN)
        guard case .float16(let bits) = a.storage else { return XCTFail("storage") }
        XCTAssertEqual(Array(bits[0..<7]), [0x0000, 0x8000, 0x3C00, 0xC000, 0x7BFF, 0x0400, 0x0001])
        XCTAssertEqual(bits[9], 0x7C00)
    }

    func testIntegerTypesAtTheirLimits() throws {
        XCTAssertEqual(try decode("i1").storage, .int8([-128, -1, 0, 127]))
        XCTAssertEqual(try decode("u1").storage, .uint8([0, 1, 255]))
        XCTAssertEqual(try decode("i2").storage, .int16([-32768, -1, 32767]))
        XCTAssertEqual(try decode("u2").storage, .uint16([0, 65535]))
        XCTAssertEqual(try decode("i4").storage, .int32([Int32.min, Int32.max, 7]))
        XCTAssertEqual(try decode("u4").storage, .uint32([0, UInt32.max]))
        XCTAssertEqual(try decode("i8").storage, .int64([Int64.min, Int64.max, 42]))
        XCTAssertEqual(try decode("u8").storage, .uint64([0, UInt64.max]))

        XCTAssertEqual(try decode("i1").asInt64s(), [-128, -1, 0, 127])
        XCTAssertEqual(try decode("u4").asInt64s(), [0, 4_294_967_295])
        XCTAssertEqual(try decode("i8").asInt64s(), [Int64.min, Int64.max, 42])
        XCTAssertEqual(try decode("i2").asFloats(), [-32768, -1, 32767])
        XCTAssertEqual(try decode("u8").asFloats(), [0, 0x1p64])
        // uint64 max does not fit in Int64: refuse rather than wrap.
        XCTAssertThrowsError(try decode("u8").asInt64s()) { error in
            XCTAssertTrue((error as? NPYError)?.message.contains("18446744073709551615") ?? false, "\(error)")
        }
    }

    func testBool() throws {
        let a = try decode("bool")
        XCTAssertEqual(a.dtype, .bool)
        XCTAssertEqual(a.storage, .bool([true, false, true]))
        XCTAssertEqual(a.asFloats(), [1, 0, 1])
        XCTAssertEqual(try a.asInt64s(), [1, 0, 1])
    }

    func testBigEndian() throws {
        let f4 = try decode("be_f4")
        XCTAssertEqual(f4.dtype, .float32)
        XCTAssertEqual(f4.asFloats(), [1.5, -2, 3.25, Float(1e-3 as Double)])
        XCTAssertEqual(try decode("be_i8").storage, .int64([1, -2, (1 << 40) + 3, Int64.min]))
        XCTAssertEqual(try decode("be_u2").storage, .uint16([1, 258, 65535]))
        XCTAssertEqual(try decode("be_f8").storage, .float64([0.1, -1e-300]))
        XCTAssertEqual(try decode("be_f2").asFloats(), [1, -0x1p-24, .infinity])
    }

    func testFortranOrderIsTransposedToC() throws {
        let a = try decode("fortran_i4_2x3x4")
        XCTAssertEqual(a.shape, [2, 3, 4])
        XCTAssertEqual(a.storage, .int32((0..<24).map { Int32($0) }))
        let b = try decode("fortran_f4_2x3")
        XCTAssertEqual(b.shape, [2, 3])
        XCTAssertEqual(b.asFloats(), [0, 1, 2, 3, 4, 5])
        let c = try decode("fortran_be_f8_3x2")
        XCTAssertEqual(c.shape, [3, 2])
        XCTAssertEqual(c.storage, .float64([0, 1, 2, 3, 4, 5]))
    }

    func testScalarsAndEmptyArrays() throws {
        let s = try decode("scalar_f4")
        XCTAssertEqual(s.shape, [])
        XCTAssertEqual(s.count, 1)
        XCTAssertEqual(s.asFloats(), [3.5])
        let i = try decode("scalar_i8")
        XCTAssertEqual(i.shape, [])
        XCTAssertEqual(try i.asInt64s(), [-7])
        let e = try decode("empty_f4")
        XCTAssertEqual(e.shape, [0])
        XCTAssertEqual(e.count, 0)
        XCTAssertEqual(e.asFloats(), [])
        let e3 = try decode("empty_2x0x3")
        XCTAssertEqual(e3.shape, [2, 0, 3])
        XCTAssertEqual(e3.count, 0)
        let big = try decode("enc_f4_bigdim_empty")
        XCTAssertEqual(big.shape, [2_147_483_647, 0])
        XCTAssertEqual(big.count, 0)
    }

    func testThreeDimensional() throws {
        let a = try decode("f4_2x3x4")
        XCTAssertEqual(a.shape, [2, 3, 4])
        XCTAssertEqual(a.asFloats(), (0..<24).map { Float($0) / 4 })
    }

    func testFormatVersions2And3() throws {
        let fixtureV2 = fixture("v2_f4")
        XCTAssertEqual(fixtureV2[6], 2)
        let a = try NPY.decode(fixtureV2)
        XCTAssertEqual(a.shape, [5])
        XCTAssertEqual(a.asFloats(), [0, 1, 2, 3, 4])
        let fixtureV3 = fixture("v3_i2")
        XCTAssertEqual(fixtureV3[6], 3)
        let b = try NPY.decode(fixtureV3)
        XCTAssertEqual(b.shape, [2, 2])
        XCTAssertEqual(b.storage, .int16([1, -2, 3, -4]))
    }

    func testEveryFixtureDecodes() throws {
        for (name, _) in NumpyFixtures.all {
            XCTAssertNoThrow(try NPY.decode(fixture(name)), name)
        }
    }
}
