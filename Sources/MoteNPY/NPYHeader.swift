/// The three facts an `.npy` header dictionary carries.
struct NPYHeader: Equatable {
    var descr: NPYDescr
    var fortranOrder: Bool
    var shape: [Int]

    /// Parses the header text, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` plus padding.
    /// Accepts exactly the Python-literal subset writers use: single- or double-quoted keys in any order,
    /// free whitespace, trailing commas, Python 2 `3L` integers. Anything else is an error, never a guess.
    static func parse(_ text: ArraySlice<UInt8>) throws -> NPYHeader {
        let bytes = Array(text)
        // Headers are ASCII for every numeric dtype; refusing other bytes up front keeps the parser byte-based
        // and makes messages printable.
        for (i, b) in bytes.enumerated() {
            let printable = b >= 0x20 && b < 0x7F
            if !printable && b != 0x09 && b != 0x0A && b != 0x0D {
                let kind = b >= 0x80 ? "non-ASCII" : "control"
                throw NPYError("malformed .npy header: \(kind) byte 0x\(hex2(b)) at header offset \(i)")
            }
        }
        var parser = PyLiteralParser(bytes)
        let entries = try parser.parseDictionary()

        var descr: PyValue?
        var fortran: PyValue?
        var shape: PyValue?
        for (key, value) in entries {
            switch key {
            case "descr", "fortran_order", "shape":
                let seen = key == "descr" ? descr : key == "shape" ? shape : fortran
                if seen != nil { throw NPYError("malformed .npy header: duplicate key '\(key)'") }
                if key == "descr" { descr = value } else if key == "shape" { shape = value } else { fortran = value }
            default:
                throw NPYError("malformed .npy header: unexpected key '\(key)' (expected exactly 'descr', 'fortran_order' and 'shape')")
            }
        }
        guard let descrValue = descr else { throw NPYError("malformed .npy header: missing key 'descr'") }
        guard let fortranValue = fortran else { throw NPYError("malformed .npy header: missing key 'fortran_order'") }
        guard let shapeValue = shape else { throw NPYError("malformed .npy header: missing key 'shape'") }

        let parsedDescr: NPYDescr
        switch descrValue {
        case .string(let s):
            parsedDescr = try NPYDescr.parse(s)
        case .list:
            throw NPYError("unsupported dtype \(descrValue.shortText): structured/record arrays are not supported (only numeric arrays are accepted)")
        default:
            throw NPYError("malformed .npy header: 'descr' is not a dtype string: \(descrValue.shortText)")
        }

        guard case .bool(let isFortran) = fortranValue else {
            throw NPYError("malformed .npy header: 'fortran_order' must be True or False, found \(fortranValue.shortText)")
        }

        guard case .tuple(let items) = shapeValue else {
            throw NPYError("malformed .npy header: 'shape' must be a tuple of integers, found \(shapeValue.shortText)")
        }
        guard items.count <= NPY.maxRank else {
            throw NPYError("shape has \(items.count) dimensions; at most \(NPY.maxRank) are supported")
        }
        var dims: [Int] = []
        for item in items {
            guard case .number(let raw) = item else {
                throw NPYError("malformed .npy header: shape entry \(item.shortText) is not an integer")
            }
            dims.append(try parseDimension(raw))
        }
        return NPYHeader(descr: parsedDescr, fortranOrder: isFortran, shape: dims)
    }

    /// A non-negative decimal integer (optionally with Python 2's `L` suffix), at most Int32.max.
    static func parseDimension(_ raw: String) throws -> Int {
        var digits = Array(raw.utf8)
        var negative = false
        if let first = digits.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            digits.removeFirst()
        }
        if let last = digits.last, last == UInt8(ascii: "L") || last == UInt8(ascii: "l") { digits.removeLast() }
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw NPYError("malformed .npy header: non-integer dimension '\(raw)' in shape")
        }
        var value = 0
        for d in digits {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int(d - UInt8(ascii: "0")))
            // Saturate instead of overflowing; anything past Int32.max is refused below anyway.
            value = (o1 || o2 || s > NPY.maxElements) ? NPY.maxElements + 1 : s
        }
        if negative && value != 0 {
            throw NPYError("invalid shape: negative dimension '\(raw)'")
        }
        guard value <= NPY.maxElements else {
            throw NPYError("invalid shape: dimension '\(raw)' exceeds the limit of \(NPY.maxElements)")
        }
        return value
    }
}

func hex2(_ b: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(b >> 4)], digits[Int(b & 0x0F)]])
}

/// The Python literal values that can appear in a header. Numbers keep their source text so errors can quote it.
indirect enum PyValue: Equatable {
    case string(String)
    case number(String)
    case bool(Bool)
    case none
    case tuple([PyValue])
    case list([PyValue])

    /// Python-like rendering for error messages, cut short so a hostile header cannot flood the terminal.
    var shortText: String {
        let t = text
        return t.count > 120 ? String(t.prefix(117)) + "..." : t
    }

    private var text: String {
        switch self {
        case .string(let s): return "'\(s)'"
        case .number(let s): return s
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        case .tuple(let v): return v.count == 1 ? "(\(v[0].text),)" : "(" + v.map(\.text).joined(separator: ", ") + ")"
        case .list(let v): return "[" + v.map(\.text).joined(separator: ", ") + "]"
        }
    }
}

/// A small recursive-descent parser for the dictionary literal in an `.npy` header.
struct PyLiteralParser {
    private let bytes: [UInt8]
    private var pos = 0
    private var depth = 0
    /// Nesting limit so a header of 60 000 '(' cannot exhaust the stack.
    private static let maxDepth = 16

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private var peek: UInt8? { pos < bytes.count ? bytes[pos] : nil }

    private func fail(_ what: String) -> NPYError {
        let found: String
        if let b = peek { found = "'\(String(decoding: [b], as: UTF8.self))'" } else { found = "end of header" }
        return NPYError("malformed .npy header: expected \(what) at header offset \(pos), found \(found)")
    }

    private mutating func skipSpace() {
        while let b = peek, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { pos += 1 }
    }

    private mutating func expect(_ c: Character) throws {
        skipSpace()
        guard let b = peek, b == c.asciiValue else { throw fail("'\(c)'") }
        pos += 1
    }

    /// `{ key: value, ... }` followed by nothing but whitespace.
    mutating func parseDictionary() throws -> [(String, PyValue)] {
        try expect("{")
        var entries: [(String, PyValue)] = []
        while true {
            skipSpace()
            if peek == UInt8(ascii: "}") { pos += 1; break }
            guard case .string(let key) = try parseValue() else { throw NPYError("malformed .npy header: dictionary keys must be strings") }
            try expect(":")
            let value = try parseValue()
            entries.append((key, value))
            skipSpace()
            if peek == UInt8(ascii: ",") { pos += 1; continue }
            if peek == UInt8(ascii: "}") { pos += 1; break }
            throw fail("',' or '}'")
        }
        skipSpace()
        guard pos == bytes.count else { throw fail("end of header after '}'") }
        return entries
    }

    private mutating func parseValue() throws -> PyValue {
        skipSpace()
        guard let b = peek else { throw fail("a value") }
        switch b {
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return .string(try parseString(quote: b))
        case UInt8(ascii: "("):
            let (items, sawComma) = try parseSequence(close: UInt8(ascii: ")"))
            // `(x)` is just a parenthesised x in Python; only `()` and `(x,)` / `(x, y)` are tuples.
            if items.count == 1 && !sawComma { return items[0] }
            return .tuple(items)
        case UInt8(ascii: "["):
            return .list(try parseSequence(close: UInt8(ascii: "]")).items)
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
            return .number(parseNumberText())
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "_"):
            let start = pos
            while let c = peek, isWordByte(c) { pos += 1 }
            let name = String(decoding: bytes[start..<pos], as: UTF8.self)
            switch name {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default: throw NPYError("malformed .npy header: unexpected name '\(name)' at header offset \(start)")
            }
        default:
            throw fail("a value")
        }
    }

    private func isWordByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || c == UInt8(ascii: "_")
    }

    /// Takes the whole numeric-looking token (`12`, `-3`, `4L`, `2.5`, `1e-3`, `0x1f`) so that malformed
    /// numbers are reported whole instead of split into confusing pieces.
    private mutating func parseNumberText() -> String {
        let start = pos
        if let c = peek, c == UInt8(ascii: "-") || c == UInt8(ascii: "+") { pos += 1 }
        while let c = peek {
            if isWordByte(c) || c == UInt8(ascii: ".") {
                pos += 1
            } else if (c == UInt8(ascii: "-") || c == UInt8(ascii: "+")) && pos > start,
                      bytes[pos - 1] == UInt8(ascii: "e") || bytes[pos - 1] == UInt8(ascii: "E") {
                pos += 1
            } else {
                break
            }
        }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    /// A quoted string without escapes: no numpy header needs one, and refusing them keeps the parser tiny.
    private mutating func parseString(quote: UInt8) throws -> String {
        let start = pos
        pos += 1
        while let c = peek, c != quote {
            if c == UInt8(ascii: "\\") {
                throw NPYError("malformed .npy header: escape sequences in strings are not supported (header offset \(pos))")
            }
            if c == 0x0A || c == 0x0D {
                throw NPYError("malformed .npy header: unterminated string starting at header offset \(start)")
            }
            pos += 1
        }
        guard peek == quote else {
            throw NPYError("malformed .npy header: unterminated string starting at header offset \(start)")
        }
        pos += 1
        return String(decoding: bytes[(start + 1)..<(pos - 1)], as: UTF8.self)
    }

    /// Comma-separated values up to `close`; reports whether any comma was seen (to tell `(x)` from `(x,)`).
    private mutating func parseSequence(close: UInt8) throws -> (items: [PyValue], sawComma: Bool) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else {
            throw NPYError("malformed .npy header: values nested deeper than \(Self.maxDepth) levels")
        }
        pos += 1  // the opening bracket
        var items: [PyValue] = []
        var sawComma = false
        while true {
            skipSpace()
            if peek == close { pos += 1; return (items, sawComma) }
            items.append(try parseValue())
            skipSpace()
            if peek == UInt8(ascii: ",") { pos += 1; sawComma = true; continue }
            if peek == close { pos += 1; return (items, sawComma) }
            throw fail("',' or '\(String(decoding: [close], as: UTF8.self))'")
        }
    }
}
