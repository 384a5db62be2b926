// int4 weights, two per byte: element 2i in the low nibble, element 2i+1 in the high nibble, an odd tail in the
// low nibble of the last byte (high nibble 0). The C twin reads them with `mote_i4_get`.

/// Why a fixed-point helper refused its input.
public enum FixedPointError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// `packInt4` was given a value outside −8...7 (at `index`). Packing never wraps silently.
    case int4OutOfRange(index: Int, value: Int8)
    /// `unpackInt4` was asked for `count` values from `byteCount` bytes; it needs exactly (count + 1) / 2.
    case int4CountMismatch(count: Int, byteCount: Int)

    public var description: String {
        switch self {
        case let .int4OutOfRange(index, value):
            return "int4 value \(value) at index \(index) is outside -8...7"
        case let .int4CountMismatch(count, byteCount):
            return "\(count) int4 values need \(count < 0 ? 0 : (count + 1) / 2) bytes, got \(byteCount)"
        }
    }
}

extension FixedPoint {
    /// The values an int4 nibble holds (two's complement). Whether weights use −8 or stop at −7 is the
    /// quantizer's choice; packing accepts the whole range.
    public static let int4Range: ClosedRange<Int8> = -8...7

    /// Packs int4 values two per byte (see the file comment for the order). Throws
    /// `FixedPointError.int4OutOfRange` for the first value outside −8...7 instead of wrapping it.
    public static func packInt4(_ values: [Int8]) throws(FixedPointError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: (values.count + 1) / 2)
        for (i, v) in values.enumerated() {
            guard int4Range.contains(v) else { throw .int4OutOfRange(index: i, value: v) }
            let nibble = UInt8(bitPattern: v) & 0x0F
            bytes[i / 2] |= i % 2 == 0 ? nibble : nibble << 4
        }
        return bytes
    }

    /// Unpacks `count` int4 values (sign-extended to Int8). `bytes` must hold exactly `(count + 1) / 2` bytes;
    /// the unused high nibble of an odd tail is ignored (`packInt4` writes 0 there).
    public static func unpackInt4(_ bytes: [UInt8], count: Int) throws(FixedPointError) -> [Int8] {
        guard count >= 0, bytes.count == (count + 1) / 2 else {
            throw .int4CountMismatch(count: count, byteCount: bytes.count)
        }
        return (0..<count).map { i in
            let byte = bytes[i / 2]
            return signExtendInt4(i % 2 == 0 ? byte & 0x0F : byte >> 4)
        }
    }

    /// The value of a 4-bit two's complement nibble (only the low 4 bits of `nibble` are read).
    @inlinable
    public static func signExtendInt4(_ nibble: UInt8) -> Int8 {
        // (n ^ 8) − 8 maps 0...7 to 0...7 and 8...15 to −8...−1; the C twin uses the same formula.
        Int8((nibble & 0x0F) ^ 0x08) - 8
    }
}
