import XCTest
import MoteFixedPoint
import MoteTestSupport

final class Int4Tests: XCTestCase {
    func testNibbleOrder() throws {
        // Element 0 in the low nibble, element 1 in the high nibble: [1, 2] is 0x21, never 0x12.
        XCTAssertEqual(try FixedPoint.packInt4([1, 2]), [0x21])
        XCTAssertEqual(try FixedPoint.unpackInt4([0x21], count: 2), [1, 2])
        XCTAssertEqual(try FixedPoint.packInt4([3, -2, 5, -8]), [0xE3, 0x85])
        XCTAssertEqual(try FixedPoint.unpackInt4([0xE3, 0x85], count: 4), [3, -2, 5, -8])
    }

    func testOddCountUsesLowNibbleOfLastByte() throws {
        XCTAssertEqual(try FixedPoint.packInt4([-1]), [0x0F])
        XCTAssertEqual(try FixedPoint.packInt4([3, -2, 5]), [0xE3, 0x05])
        XCTAssertEqual(try FixedPoint.unpackInt4([0xE3, 0x05], count: 3), [3, -2, 5])
        // The unused high nibble of an odd tail is ignored when reading.
        XCTAssertEqual(try FixedPoint.unpackInt4([0xF3], count: 1), [3])
        XCTAssertEqual(try FixedPoint.packInt4([]), [])
        XCTAssertEqual(try FixedPoint.unpackInt4([], count: 0), [])
    }

    func testLimits() throws {
        XCTAssertEqual(try FixedPoint.packInt4([-8, 7]), [0x78])
        XCTAssertEqual(try FixedPoint.packInt4([7, -8]), [0x87])
        XCTAssertEqual(try FixedPoint.unpackInt4([0x78, 0x87], count: 4), [-8, 7, 7, -8])
        for nibble in UInt8(0)...15 {
            XCTAssertEqual(FixedPoint.signExtendInt4(nibble), nibble < 8 ? Int8(nibble) : Int8(nibble) - 16)
            XCTAssertEqual(FixedPoint.signExtendInt4(nibble | 0xF0), FixedPoint.signExtendInt4(nibble))
        }
    }

    func testEveryPairRoundTrips() throws {
        let values = FixedPoint.int4Range.flatMap { a in FixedPoint.int4Range.map { b in [a, b] } }.flatMap { $0 }
        let packed = try FixedPoint.packInt4(values)
        XCTAssertEqual(packed.count, 256)
        XCTAssertEqual(Set(packed).count, 256, "every byte value appears once")
        XCTAssertEqual(try FixedPoint.unpackInt4(packed, count: values.count), values)

        var rng = SeededGenerator(seed: 4)
        for length in [1, 2, 3, 7, 64, 101] {
            let v = (0..<length).map { _ in Int8.random(in: -8...7, using: &rng) }
            XCTAssertEqual(try FixedPoint.unpackInt4(try FixedPoint.packInt4(v), count: length), v)
        }
    }

    func testOutOfRangeIsRefusedNotWrapped() {
        XCTAssertThrowsError(try FixedPoint.packInt4([0, 8])) { error in
            XCTAssertEqual(error as? FixedPointError, .int4OutOfRange(index: 1, value: 8))
        }
        XCTAssertThrowsError(try FixedPoint.packInt4([-9])) { error in
            XCTAssertEqual(error as? FixedPointError, .int4OutOfRange(index: 0, value: -9))
        }
        for bad: Int8 in [-128, -9, 8, 16, 127] {
            XCTAssertThrowsError(try FixedPoint.packInt4([1, 2, 3, bad]), "\(bad)")
        }
    }

    func testUnpackRefusesWrongByteCount() {
        XCTAssertThrowsError(try FixedPoint.unpackInt4([0, 0], count: 5)) { error in
            XCTAssertEqual(error as? FixedPointError, .int4CountMismatch(count: 5, byteCount: 2))
        }
        XCTAssertThrowsError(try FixedPoint.unpackInt4([0, 0, 0], count: 4))
        XCTAssertThrowsError(try FixedPoint.unpackInt4([0], count: -1))
        XCTAssertThrowsError(try FixedPoint.unpackInt4([], count: 1))
        XCTAssertNoThrow(try FixedPoint.unpackInt4([0, 0], count: 3))
        XCTAssertNoThrow(try FixedPoint.unpackInt4([0, 0], count: 4))
    }
}
