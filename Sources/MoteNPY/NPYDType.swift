/// Element types an `.npy` file may carry that Mote accepts: plain numeric arrays and bool.
/// Everything else numpy can store (objects, strings, records, complex, datetimes) is refused at decode time.
public enum NPYDType: String, Sendable, Equatable, Hashable, CaseIterable {
    case float32, float64, float16, int8, uint8, int16, uint16, int32, uint32, int64, uint64, bool

    /// Size of one element in bytes.
    public var itemSize: Int {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .float16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .float16, .float32, .float64: return true
        default: return false
        }
    }

    /// The little-endian `descr` numpy writes for this type (`'<f4'`, `'|u1'`, `'|b1'`, ...).
    public var descr: String {
        switch self {
        case .float16: return "<f2"
        case .float32: return "<f4"
        case .float64: return "<f8"
        case .int8: return "|i1"
        case .uint8: return "|u1"
        case .int16: return "<i2"
        case .uint16: return "<u2"
        case .int32: return "<i4"
        case .uint32: return "<u4"
        case .int64: return "<i8"
        case .uint64: return "<u8"
        case .bool: return "|b1"
        }
    }
}

/// A parsed `descr` string: element type plus the byte order of the data section.
struct NPYDescr: Equatable {
    var dtype: NPYDType
    var bigEndian: Bool

    /// Parses a numpy type string such as `<f4`, `>i8`, `|b1`, `?`.
    /// Byte order `=` (native) and a missing byte-order char are read as little-endian: numpy itself always
    /// writes an explicit order, and every platform numpy writes these files on today is little-endian.
    static func parse(_ descr: String) throws -> NPYDescr {
        var chars = Array(descr.utf8)
        var order: UInt8 = UInt8(ascii: "=")
        if let first = chars.first, [UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "|"), UInt8(ascii: "=")].contains(first) {
            order = first
            chars.removeFirst()
        }
        let body = String(decoding: chars, as: UTF8.self)
        let dtype: NPYDType
        switch body {
        case "f2": dtype = .float16
        case "f4": dtype = .float32
        case "f8": dtype = .float64
        case "i1": dtype = .int8
        case "u1": dtype = .uint8
        case "i2": dtype = .int16
        case "u2": dtype = .uint16
        case "i4": dtype = .int32
        case "u4": dtype = .uint32
        case "i8": dtype = .int64
        case "u8": dtype = .uint64
        case "b1", "?": dtype = .bool
        default:
            throw NPYError("unsupported dtype '\(descr)'\(kindHint(body)) (only numeric arrays are accepted)")
        }
        // '|' means "byte order not applicable", which is only true of one-byte types; on a wider type the
        // order of the data is unknown, so refuse rather than guess.
        if order == UInt8(ascii: "|") && dtype.itemSize > 1 {
            throw NPYError("dtype '\(descr)' has no byte order ('|') but its items are \(dtype.itemSize) bytes wide")
        }
        return NPYDescr(dtype: dtype, bigEndian: order == UInt8(ascii: ">"))
    }

    /// A short human name for common numpy kinds we refuse, so the error says what the file actually holds.
    private static func kindHint(_ body: String) -> String {
        switch body.first {
        case "O": return ": Python objects (pickled)"
        case "U": return ": unicode strings"
        case "S", "a": return ": byte strings"
        case "V": return ": raw void/record data"
        case "c": return ": complex numbers"
        case "M": return ": datetimes"
        case "m": return ": timedeltas"
        case "f", "i", "u", "b": return ": unsupported item size"
        default: return ""
        }
    }
}
