import MoteIR
import MoteONNX
import XCTest

final class ProtoReaderTests: XCTestCase {
    /// The message of the Diagnostic thrown by `body`, failing the test if nothing (or something else) is thrown.
    private func diagnostic(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            try body()
            XCTFail("expected a Diagnostic", file: file, line: line)
        } catch let d as Diagnostic {
            return d.message
        } catch {
            XCTFail("expected a Diagnostic, got \(error)", file: file, line: line)
        }
        return ""
    }

    // MARK: Varints

    func testVarintValues() throws {
        let values: [UInt64] = [0, 1, 127, 128, 150, 300, 16_383, 16_384, 1 << 32, UInt64(Int64.max), UInt64.max]
        for v in values {
            var w = ProtoWriter()
            w.rawVarint(v)
            var r = ProtoReader(w.bytes)
            XCTAssertEqual(try r.readVarint(), v)
            XCTAssertTrue(r.isAtEnd)
        }
        var r = ProtoReader([0x96, 0x01])
        XCTAssertEqual(try r.readVarint(), 150)
        // UInt64.max takes exactly 10 bytes.
        var w = ProtoWriter()
        w.rawVarint(UInt64.max)
        XCTAssertEqual(w.bytes.count, 10)
    }

    func testNonCanonicalButShortVarintIsAccepted() throws {
        // 0x80 0x00 is an overlong encoding of 0 within 10 bytes: protobuf parsers accept it.
        var r = ProtoReader([0x80, 0x80, 0x00])
        XCTAssertEqual(try r.readVarint(), 0)
    }

    func testElevenByteVarintIsRefused() {
        let bytes = [UInt8](repeating: 0xFF, count: 10) + [0x01]
        let message = diagnostic { var r = ProtoReader(bytes); _ = try r.readVarint() }
        XCTAssertEqual(message, "varint at byte 0 is longer than 10 bytes")
        // Continuation bits all the way: also refused, not looped over.
        let endless = [UInt8](repeating: 0x80, count: 64)
        XCTAssertTrue(diagnostic { var r = ProtoReader(endless); _ = try r.readVarint() }.contains("longer than 10 bytes"))
    }

    func testTenByteVarintOverflowingSixtyFourBitsIsRefused() {
        let bytes = [UInt8](repeating: 0xFF, count: 9) + [0x02]
        let message = diagnostic { var r = ProtoReader(bytes); _ = try r.readVarint() }
        XCTAssertEqual(message, "varint at byte 0 does not fit in 64 bits")
    }

    func testTruncatedVarint() {
        XCTAssertEqual(diagnostic { var r = ProtoReader([]); _ = try r.readVarint() }, "truncated varint at byte 0")
        let bytes: [UInt8] = [0x08, 0x96]  // key, then a varint missing its last byte
        var r = ProtoReader(bytes)
        XCTAssertEqual(try r.readField()?.number, 1)
        XCTAssertEqual(diagnostic { _ = try r.readVarint() }, "truncated varint at byte 1")
    }

    // MARK: Fixed-width

    func testFixed32AndFixed64AreLittleEndian() throws {
        var r = ProtoReader([0x78, 0x56, 0x34, 0x12, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01])
        XCTAssertEqual(try r.readFixed32(), 0x1234_5678)
        XCTAssertEqual(try r.readFixed64(), 0x0102_0304_0506_0708)
        XCTAssertTrue(r.isAtEnd)
    }

    func testTruncatedFixed() {
        XCTAssertEqual(diagnostic { var r = ProtoReader([1, 2, 3]); _ = try r.readFixed32() },
                       "truncated fixed32 at byte 0: needs 4 bytes, 3 left")
        XCTAssertEqual(diagnostic { var r = ProtoReader([1, 2, 3, 4, 5, 6, 7]); _ = try r.readFixed64() },
                       "truncated fixed64 at byte 0: needs 8 bytes, 7 left")
    }

    // MARK: Length-delimited

    func testLengthDelimited() throws {
        var w = ProtoWriter()
        w.bytes(3, [1, 2, 3])
        w.string(4, "héllo")
        var r = ProtoReader(w.bytes)
        let f1 = try XCTUnwrap(r.readField())
        XCTAssertEqual(f1, ProtoField(number: 3, wireType: .lengthDelimited, offset: 0))
        XCTAssertEqual(try r.readBytes(f1), [1, 2, 3])
        let f2 = try XCTUnwrap(r.readField())
        XCTAssertEqual(try r.readString(f2), "héllo")
        XCTAssertNil(try r.readField())
    }

    func testLengthPastEndOfBuffer() {
        var w = ProtoWriter()
        w.key(1, 2)
        w.rawVarint(99_999)
        w.bytes += [UInt8](repeating: 0, count: 496)
        XCTAssertEqual(w.bytes.count, 500)
        let message = diagnostic {
            var r = ProtoReader(w.bytes)
            let f = try XCTUnwrap(r.readField())
            _ = try r.readBytes(f)
        }
        XCTAssertEqual(message, "length 99999 at byte 1 runs past the end of the buffer (500 bytes)")
    }

    func testLengthPastEndOfEnclosingMessage() throws {
        // Outer message (field 1, 4 bytes) holds field 2 claiming 10 bytes; the buffer itself has 20 more.
        var w = ProtoWriter()
        w.key(1, 2)
        w.rawVarint(4)
        w.key(2, 2)
        w.rawVarint(10)
        w.bytes += [0, 0]
        w.bytes += [UInt8](repeating: 0, count: 20)
        var r = ProtoReader(w.bytes)
        let outer = try XCTUnwrap(r.readField())
        var sub = try r.readMessage(outer)
        XCTAssertEqual(sub.offset, 2)  // offsets are absolute in the whole buffer
        let inner = try XCTUnwrap(sub.readField())
        XCTAssertEqual(inner.offset, 2)
        XCTAssertEqual(diagnostic { _ = try sub.readMessage(inner) },
                       "length 10 at byte 3 runs past the end of its enclosing message (byte 6)")
    }

    func testHugeLengthDoesNotTrapOrAllocate() {
        for claimed in [UInt64(Int64.max), UInt64.max, UInt64(Int.max) + 1, 1 << 40] {
            var w = ProtoWriter()
            w.key(9, 2)
            w.rawVarint(claimed)
            let message = diagnostic {
                var r = ProtoReader(w.bytes)
                let f = try XCTUnwrap(r.readField())
                _ = try r.readBytes(f)
            }
            XCTAssertTrue(message.hasPrefix("length \(claimed) at byte 1 runs past the end"), message)
        }
    }

    // MARK: Keys

    func testKeys() throws {
        var w = ProtoWriter()
        w.varint(1, 5)
        w.fixed64(2, 6)
        w.bytes(3, [])
        w.fixed32(4, 7)
        w.varint((1 << 29) - 1, 8)  // largest field number
        var r = ProtoReader(w.bytes)
        var seen: [(Int, WireType)] = []
        while let f = try r.readField() {
            seen.append((f.number, f.wireType))
            try r.skip(f)
        }
        XCTAssertEqual(seen.map(\.0), [1, 2, 3, 4, (1 << 29) - 1])
        XCTAssertEqual(seen.map(\.1), [.varint, .fixed64, .lengthDelimited, .fixed32, .varint])
    }

    func testFieldNumberZeroIsRefused() {
        XCTAssertEqual(diagnostic { var r = ProtoReader([0x00, 0x01]); _ = try r.readField() },
                       "field number 0 at byte 0 is invalid")
    }

    func testGroupWireTypesAreRefused() {
        for wireType: UInt8 in [3, 4] {
            var w = ProtoWriter()
            w.varint(1, 1)
            w.key(5, wireType)
            let message = diagnostic {
                var r = ProtoReader(w.bytes)
                while let f = try r.readField() { try r.skip(f) }
            }
            XCTAssertEqual(message, "field 5 at byte 2 uses the deprecated group wire type \(wireType), which is not supported")
        }
    }

    func testInvalidWireTypesAreRefused() {
        for wireType: UInt8 in [6, 7] {
            var w = ProtoWriter()
            w.key(2, wireType)
            XCTAssertEqual(diagnostic { var r = ProtoReader(w.bytes); _ = try r.readField() },
                           "field 2 at byte 0 has invalid wire type \(wireType)")
        }
    }

    func testKeyBeyondUInt32IsRefused() {
        var w = ProtoWriter()
        w.rawVarint(UInt64(1) << 35)
        XCTAssertTrue(diagnostic { var r = ProtoReader(w.bytes); _ = try r.readField() }.contains("out of range"))
    }

    func testWrongWireTypeForKnownField() throws {
        var w = ProtoWriter()
        w.fixed32(2, 1)
        var r = ProtoReader(w.bytes)
        let f = try XCTUnwrap(r.readField())
        XCTAssertEqual(diagnostic { _ = try r.readInt64(f) }, "field 2 at byte 0 has wire type fixed32, expected varint")
        XCTAssertEqual(diagnostic { _ = try r.readString(f) }, "field 2 at byte 0 has wire type fixed32, expected length-delimited")
        var ints: [Int64] = []
        XCTAssertEqual(diagnostic { try r.appendInt64s(f, to: &ints) },
                       "field 2 at byte 0 has wire type fixed32, expected varint or packed")
    }

    // MARK: Skipping

    func testSkipsUnknownFieldsOfEveryWireType() throws {
        var w = ProtoWriter()
        w.unknownFields()
        w.varint(1, 42)
        w.unknownFields(base: 2)
        w.string(100, "kept")
        var r = ProtoReader(w.bytes)
        var known: [String] = []
        while let f = try r.readField() {
            switch f.number {
            case 1: known.append(String(try r.readInt64(f)))
            case 100: known.append(try r.readString(f))
            default: try r.skip(f)
            }
        }
        XCTAssertEqual(known, ["42", "kept"])
    }

    func testSkipChecksBounds() throws {
        for (wireType, body) in [(UInt8(1), [UInt8](repeating: 0, count: 7)), (5, [0, 0, 0]), (2, [5, 0]), (0, [0x80])] {
            var w = ProtoWriter()
            w.key(7, wireType)
            w.bytes += body
            var r = ProtoReader(w.bytes)
            let f = try XCTUnwrap(r.readField())
            let message = diagnostic { try r.skip(f) }
            XCTAssertTrue(message.contains("truncated") || message.contains("runs past"), message)
        }
    }

    // MARK: Scalars

    func testTypedScalars() throws {
        var w = ProtoWriter()
        w.int64(1, -5)
        w.int32(2, -7)  // sign-extended to 10 bytes on the wire
        w.float(3, 1.5)
        w.double(4, -2.25)
        w.varint(5, UInt64.max)
        var r = ProtoReader(w.bytes)
        var f = try XCTUnwrap(r.readField())
        XCTAssertEqual(try r.readInt64(f), -5)
        f = try XCTUnwrap(r.readField())
        XCTAssertEqual(try r.readInt32(f), -7)
        f = try XCTUnwrap(r.readField())
        XCTAssertEqual(try r.readFloat(f), 1.5)
        f = try XCTUnwrap(r.readField())
        XCTAssertEqual(try r.readDouble(f), -2.25)
        f = try XCTUnwrap(r.readField())
        XCTAssertEqual(try r.readUInt64(f), UInt64.max)
        XCTAssertTrue(r.isAtEnd)
    }

    func testInvalidUTF8IsReplacedNotRefused() throws {
        var w = ProtoWriter()
        w.bytes(1, [0x61, 0xFF, 0x62])
        var r = ProtoReader(w.bytes)
        let f = try XCTUnwrap(r.readField())
        XCTAssertEqual(try r.readString(f), "a\u{FFFD}b")
    }

    // MARK: Repeated scalars

    func testPackedAndUnpackedRepeatedScalars() throws {
        let floats: [Float] = [1, -2.5, .infinity, 0x1p-149]
        let doubles: [Double] = [1e300, -0.0, 3.25]
        let int64s: [Int64] = [0, -1, Int64.min, Int64.max, 300]
        let int32s: [Int32] = [0, -1, Int32.min, Int32.max, 70_000]
        let uint64s: [UInt64] = [0, UInt64.max, 1 << 63]

        for packed in [true, false] {
            var w = ProtoWriter()
            if packed {
                w.packedFloats(1, floats)
                w.packedDoubles(2, doubles)
                w.packedInt64s(3, int64s)
                w.packedInt32s(4, int32s)
                w.packedVarints(5, uint64s)
            } else {
                for v in floats { w.float(1, v) }
                for v in doubles { w.double(2, v) }
                for v in int64s { w.int64(3, v) }
                for v in int32s { w.int32(4, v) }
                for v in uint64s { w.varint(5, v) }
            }
            var r = ProtoReader(w.bytes)
            var f: [Float] = [], d: [Double] = [], i64: [Int64] = [], i32: [Int32] = [], u64: [UInt64] = []
            while let field = try r.readField() {
                switch field.number {
                case 1: try r.appendFloats(field, to: &f)
                case 2: try r.appendDoubles(field, to: &d)
                case 3: try r.appendInt64s(field, to: &i64)
                case 4: try r.appendInt32s(field, to: &i32)
                case 5: try r.appendUInt64s(field, to: &u64)
                default: XCTFail("unexpected field")
                }
            }
            XCTAssertEqual(f, floats, "packed: \(packed)")
            XCTAssertEqual(d.map(\.bitPattern), doubles.map(\.bitPattern), "packed: \(packed)")
            XCTAssertEqual(i64, int64s, "packed: \(packed)")
            XCTAssertEqual(i32, int32s, "packed: \(packed)")
            XCTAssertEqual(u64, uint64s, "packed: \(packed)")
        }
    }

    func testPackedAndUnpackedMixAppend() throws {
        // Parsers must accept both encodings for the same field, in any mix.
        var w = ProtoWriter()
        w.packedFloats(4, [1, 2])
        w.float(4, 3)
        w.packedFloats(4, [])
        w.packedFloats(4, [4])
        var r = ProtoReader(w.bytes)
        var values: [Float] = []
        while let f = try r.readField() { try r.appendFloats(f, to: &values) }
        XCTAssertEqual(values, [1, 2, 3, 4])
    }

    func testPackedFixedWithBadLength() throws {
        var w = ProtoWriter()
        w.bytes(4, [0, 0, 0, 0, 0, 0, 0])
        var r = ProtoReader(w.bytes)
        let f = try XCTUnwrap(r.readField())
        var floats: [Float] = []
        XCTAssertEqual(diagnostic { try r.appendFloats(f, to: &floats) },
                       "packed fixed32 field 4 at byte 0 has length 7, not a multiple of 4")
        var r2 = ProtoReader(w.bytes)
        let f2 = try XCTUnwrap(r2.readField())
        var doubles: [Double] = []
        XCTAssertEqual(diagnostic { try r2.appendDoubles(f2, to: &doubles) },
                       "packed fixed64 field 4 at byte 0 has length 7, not a multiple of 8")
    }

    func testPackedVarintTruncatedAtEndOfItsRange() throws {
        // The packed payload ends inside a varint; the next byte of the buffer must not be read as its tail.
        var w = ProtoWriter()
        w.bytes(1, [0x01, 0x96])
        w.bytes.append(0x01)
        var r = ProtoReader(w.bytes)
        let f = try XCTUnwrap(r.readField())
        var values: [Int64] = []
        XCTAssertEqual(diagnostic { try r.appendInt64s(f, to: &values) }, "truncated varint at byte 3")
    }

    func testSubReaderRangeIsClamped() {
        let r = ProtoReader([1, 2, 3], range: 2..<10)
        XCTAssertEqual(r.offset, 2)
        XCTAssertEqual(r.end, 3)
    }
}
