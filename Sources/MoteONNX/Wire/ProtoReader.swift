import MoteIR

/// The protobuf wire types Mote accepts. Groups (3 and 4) are deprecated, absent from ONNX, and refused.
public enum WireType: UInt8, Sendable, Equatable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5

    public var name: String {
        switch self {
        case .varint: return "varint"
        case .fixed64: return "fixed64"
        case .lengthDelimited: return "length-delimited"
        case .fixed32: return "fixed32"
        }
    }
}

/// One decoded field key: field number, wire type, and the byte offset of the key (for diagnostics).
public struct ProtoField: Sendable, Equatable {
    public var number: Int
    public var wireType: WireType
    public var offset: Int

    public init(number: Int, wireType: WireType, offset: Int) {
        self.number = number
        self.wireType = wireType
        self.offset = offset
    }
}

/// A bounds-checked reader of protobuf wire format over a byte array.
///
/// A reader covers `offset..<end` of `bytes`; nested messages get a sub-reader over the same array (sharing its
/// storage, no copy), so every byte offset in an error message is relative to the start of the whole input.
/// Every length and count is checked against the bytes actually present before anything is sliced or allocated;
/// malformed input throws a `Diagnostic`, never traps.
public struct ProtoReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset: Int
    /// One past the last byte of the message being read.
    public let end: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
        self.end = bytes.count
    }

    /// A reader over a sub-range; the range must lie within `bytes` (checked, clamped on misuse).
    public init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        let upper = min(max(range.upperBound, 0), bytes.count)
        self.offset = min(max(range.lowerBound, 0), upper)
        self.end = upper
    }

    public var isAtEnd: Bool { offset >= end }
    public var remaining: Int { end - offset }

    // MARK: Primitives

    /// Reads a base-128 varint of at most 10 bytes. Longer encodings, and 10-byte ones carrying more than 64 bits,
    /// are refused (no encoder produces them; accepting them would only hide corruption).
    public mutating func readVarint() throws -> UInt64 {
        let start = offset
        var i = offset
        // Fast path: one-byte varints (tags, small ints, short lengths) are the vast majority.
        if i < end {
            let b = bytes[i]
            if b < 0x80 {
                offset = i &+ 1
                return UInt64(b)
            }
        }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard i < end else { throw Diagnostic("truncated varint at byte \(start)") }
            let b = bytes[i]
            i &+= 1
            if shift == 63 {
                guard b & 0x80 == 0 else { throw Diagnostic("varint at byte \(start) is longer than 10 bytes") }
                guard b <= 1 else { throw Diagnostic("varint at byte \(start) does not fit in 64 bits") }
            }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 {
                offset = i
                return result
            }
            shift &+= 7
        }
    }

    public mutating func readFixed32() throws -> UInt32 {
        guard end - offset >= 4 else { throw truncated("fixed32", need: 4) }
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(bytes[offset &+ k]) << (8 * UInt32(k)) }
        offset &+= 4
        return v
    }

    public mutating func readFixed64() throws -> UInt64 {
        guard end - offset >= 8 else { throw truncated("fixed64", need: 8) }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[offset &+ k]) << (8 * UInt64(k)) }
        offset &+= 8
        return v
    }

    /// Reads a length prefix and returns the byte range of the payload, after checking it lies within this message.
    public mutating func readLengthDelimited() throws -> Range<Int> {
        let start = offset
        let length = try readVarint()
        let available = end - offset
        // Compare as UInt64 first: the claimed length may not even fit in Int.
        guard length <= UInt64(available) else {
            let limit = end == bytes.count
                ? "the end of the buffer (\(bytes.count) bytes)"
                : "the end of its enclosing message (byte \(end))"
            throw Diagnostic("length \(length) at byte \(start) runs past \(limit)")
        }
        let lower = offset
        let upper = offset &+ Int(length)
        offset = upper
        return lower..<upper
    }

    /// Reads a field key. Returns nil at the end of the message.
    public mutating func readField() throws -> ProtoField? {
        guard offset < end else { return nil }
        let start = offset
        let key = try readVarint()
        // Keys are uint32 on the wire; field numbers run from 1 to 2^29 − 1.
        guard key <= UInt64(UInt32.max) else { throw Diagnostic("field key \(key) at byte \(start) is out of range") }
        let number = Int(key >> 3)
        let rawType = UInt8(key & 7)
        guard number >= 1 else { throw Diagnostic("field number 0 at byte \(start) is invalid") }
        guard let wireType = WireType(rawValue: rawType) else {
            if rawType == 3 || rawType == 4 {
                throw Diagnostic("field \(number) at byte \(start) uses the deprecated group wire type \(rawType), which is not supported")
            }
            throw Diagnostic("field \(number) at byte \(start) has invalid wire type \(rawType)")
        }
        return ProtoField(number: number, wireType: wireType, offset: start)
    }

    /// Skips the value of a field of any valid wire type (bounds-checked like a real read).
    public mutating func skip(_ field: ProtoField) throws {
        switch field.wireType {
        case .varint: _ = try readVarint()
        case .fixed64:
            guard end - offset >= 8 else { throw truncated("fixed64", need: 8) }
            offset &+= 8
        case .fixed32:
            guard end - offset >= 4 else { throw truncated("fixed32", need: 4) }
            offset &+= 4
        case .lengthDelimited: _ = try readLengthDelimited()
        }
    }

    // MARK: Typed singular values (wire type checked)

    public mutating func readUInt64(_ field: ProtoField) throws -> UInt64 {
        try expect(field, .varint)
        return try readVarint()
    }

    /// int64 (and enum values stored as int64): two's complement of the varint.
    public mutating func readInt64(_ field: ProtoField) throws -> Int64 {
        try expect(field, .varint)
        return Int64(bitPattern: try readVarint())
    }

    /// int32 and enums: negative values are sign-extended to 10 bytes on the wire; the low 32 bits are the value.
    public mutating func readInt32(_ field: ProtoField) throws -> Int32 {
        try expect(field, .varint)
        return Int32(truncatingIfNeeded: try readVarint())
    }

    public mutating func readFloat(_ field: ProtoField) throws -> Float {
        try expect(field, .fixed32)
        return Float(bitPattern: try readFixed32())
    }

    public mutating func readDouble(_ field: ProtoField) throws -> Double {
        try expect(field, .fixed64)
        return Double(bitPattern: try readFixed64())
    }

    /// A length-delimited payload copied out (for real payloads such as raw_data).
    public mutating func readBytes(_ field: ProtoField) throws -> [UInt8] {
        try expect(field, .lengthDelimited)
        let range = try readLengthDelimited()
        return Array(bytes[range])
    }

    /// A string field. Invalid UTF-8 is replaced (U+FFFD) rather than refused: names are only ever displayed
    /// or compared, and sanitised before they reach generated code.
    public mutating func readString(_ field: ProtoField) throws -> String {
        try expect(field, .lengthDelimited)
        let range = try readLengthDelimited()
        return String(decoding: bytes[range], as: UTF8.self)
    }

    /// A reader over an embedded message, and advances past it.
    public mutating func readMessage(_ field: ProtoField) throws -> ProtoReader {
        try expect(field, .lengthDelimited)
        let range = try readLengthDelimited()
        return ProtoReader(bytes, range: range)
    }

    // MARK: Repeated scalars (packed or not)

    public mutating func appendFloats(_ field: ProtoField, to values: inout [Float]) throws {
        try appendFixed32(field) { values.append(Float(bitPattern: $0)) } reserve: { values.reserveCapacity(values.count &+ $0) }
    }

    public mutating func appendDoubles(_ field: ProtoField, to values: inout [Double]) throws {
        try appendFixed64(field) { values.append(Double(bitPattern: $0)) } reserve: { values.reserveCapacity(values.count &+ $0) }
    }

    public mutating func appendInt64s(_ field: ProtoField, to values: inout [Int64]) throws {
        try appendVarints(field) { values.append(Int64(bitPattern: $0)) }
    }

    public mutating func appendInt32s(_ field: ProtoField, to values: inout [Int32]) throws {
        try appendVarints(field) { values.append(Int32(truncatingIfNeeded: $0)) }
    }

    public mutating func appendUInt64s(_ field: ProtoField, to values: inout [UInt64]) throws {
        try appendVarints(field) { values.append($0) }
    }

    // MARK: Internals

    private mutating func appendVarints(_ field: ProtoField, _ append: (UInt64) -> Void) throws {
        switch field.wireType {
        case .varint:
            append(try readVarint())
        case .lengthDelimited:
            let range = try readLengthDelimited()
            var packed = ProtoReader(bytes, range: range)
            while !packed.isAtEnd { append(try packed.readVarint()) }
        default:
            throw wrongType(field, expected: "varint or packed")
        }
    }

    private mutating func appendFixed32(_ field: ProtoField, _ append: (UInt32) -> Void, reserve: (Int) -> Void) throws {
        switch field.wireType {
        case .fixed32:
            append(try readFixed32())
        case .lengthDelimited:
            let range = try readLengthDelimited()
            guard range.count % 4 == 0 else {
                throw Diagnostic("packed fixed32 field \(field.number) at byte \(field.offset) has length \(range.count), not a multiple of 4")
            }
            // The count is bounded by bytes already present, so reserving is safe.
            reserve(range.count / 4)
            bytes.withUnsafeBytes { raw in
                var at = range.lowerBound
                while at < range.upperBound {
                    append(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                    at &+= 4
                }
            }
        default:
            throw wrongType(field, expected: "fixed32 or packed")
        }
    }

    private mutating func appendFixed64(_ field: ProtoField, _ append: (UInt64) -> Void, reserve: (Int) -> Void) throws {
        switch field.wireType {
        case .fixed64:
            append(try readFixed64())
        case .lengthDelimited:
            let range = try readLengthDelimited()
            guard range.count % 8 == 0 else {
                throw Diagnostic("packed fixed64 field \(field.number) at byte \(field.offset) has length \(range.count), not a multiple of 8")
            }
            reserve(range.count / 8)
            bytes.withUnsafeBytes { raw in
                var at = range.lowerBound
                while at < range.upperBound {
                    append(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
                    at &+= 8
                }
            }
        default:
            throw wrongType(field, expected: "fixed64 or packed")
        }
    }

    private func expect(_ field: ProtoField, _ wireType: WireType) throws {
        guard field.wireType == wireType else { throw wrongType(field, expected: wireType.name) }
    }

    private func wrongType(_ field: ProtoField, expected: String) -> Diagnostic {
        Diagnostic("field \(field.number) at byte \(field.offset) has wire type \(field.wireType.name), expected \(expected)")
    }

    private func truncated(_ what: String, need: Int) -> Diagnostic {
        Diagnostic("truncated \(what) at byte \(offset): needs \(need) bytes, \(max(end - offset, 0)) left")
    }
}
