/// Turning untrusted model text and numbers into C text.
///
/// A model file is untrusted input: its layer and tensor names reach the emitted C only through `identifier`
/// (C identifiers) and `comment` (text inside `/* */` blocks), which cannot end a comment, open a new one,
/// splice lines or form trigraphs.
enum CText {
    // MARK: Identifiers

    /// Longest identifier fragment taken from a model name (the tail: `StatefulPartitionedCall/seq/conv2d/BiasAdd`
    /// carries its meaning at the end).
    static let identifierLimit = 32

    /// `[A-Za-z0-9_]` only, runs of `_` collapsed, no leading or trailing `_`, not starting with a digit
    /// (prefixed `n`), at most `identifierLimit` characters; `fallback` when nothing is left.
    static func identifier(_ raw: String, fallback: String) -> String {
        var out: [UInt8] = []
        for byte in raw.utf8 {
            let c = isAlphanumeric(byte) ? byte : UInt8(ascii: "_")
            if c == UInt8(ascii: "_") && (out.isEmpty || out.last == UInt8(ascii: "_")) { continue }
            out.append(c)
        }
        while out.last == UInt8(ascii: "_") { out.removeLast() }
        if out.count > identifierLimit {
            // Keep the tail, starting at a word boundary when there is one.
            out = Array(out.suffix(identifierLimit))
            if let cut = out.firstIndex(of: UInt8(ascii: "_")), cut + 1 < out.count { out.removeFirst(cut + 1) }
        }
        if out.isEmpty { return fallback }
        if isDigit(out[0]) { out.insert(UInt8(ascii: "n"), at: 0) }
        return String(decoding: out, as: UTF8.self)
    }

    /// One identifier per raw name, in order, each unique (case-sensitively, as C compares them): a repeated one
    /// gets `_2`, `_3`, … . Deterministic: depends only on the order of `raws`.
    static func uniqueIdentifiers(_ raws: [String], fallback: (Int) -> String) -> [String] {
        var used = Set<String>()
        var result: [String] = []
        result.reserveCapacity(raws.count)
        for (i, raw) in raws.enumerated() {
            let base = identifier(raw, fallback: fallback(i))
            var candidate = base
            var k = 2
            while used.contains(candidate) {
                candidate = "\(base)_\(k)"
                k += 1
            }
            used.insert(candidate)
            result.append(candidate)
        }
        return result
    }

    static func isValidIdentifier(_ text: String) -> Bool {
        guard let first = text.utf8.first, isLetter(first) || first == UInt8(ascii: "_") else { return false }
        return text.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") }
    }

    // MARK: Comments

    /// Longest model-derived text in a comment; longer text keeps its head and tail around `...`.
    static let commentLimit = 80

    /// Printable ASCII only (others become `_`), no `\` (line splicing), and never the pairs `*/`, `/*`, `//`
    /// or `??` (trigraphs): a space is put between their two characters.
    static func comment(_ raw: String, limit: Int = commentLimit) -> String {
        var chars: [UInt8] = []
        for scalar in raw.unicodeScalars {
            let v = scalar.value
            let printable = v >= 0x20 && v < 0x7F && v != UInt32(UInt8(ascii: "\\"))
            chars.append(printable ? UInt8(v) : UInt8(ascii: "_"))
        }
        if chars.count > limit {
            let keep = max((limit - 3) / 2, 1)
            chars = Array(chars.prefix(keep)) + Array("...".utf8) + Array(chars.suffix(keep))
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count + 8)
        for c in chars {
            if let last = out.last, forbiddenPair(last, c) { out.append(UInt8(ascii: " ")) }
            out.append(c)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A model name in a comment, quoted so that empty or space-padded names stay visible.
    static func quoted(_ raw: String) -> String { "\"\(comment(raw))\"" }

    private static func forbiddenPair(_ a: UInt8, _ b: UInt8) -> Bool {
        let star = UInt8(ascii: "*"), slash = UInt8(ascii: "/"), question = UInt8(ascii: "?")
        return (a == star && b == slash) || (a == slash && b == star) || (a == slash && b == slash)
            || (a == question && b == question)
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
    private static func isLetter(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
    }
    private static func isAlphanumeric(_ c: UInt8) -> Bool { isLetter(c) || isDigit(c) }

    // MARK: Numbers

    /// An `int32_t` value as C text. INT32_MIN is spelled as the macro: the literal `-2147483648` is the negation
    /// of a constant that does not fit in 32 bits.
    static func int32(_ v: Int32) -> String { v == Int32.min ? "INT32_MIN" : String(v) }

    /// A `float` literal that reads back as exactly `Float(value)`: Swift's shortest round-trip digits (the same
    /// on every host and locale) plus `f`. nil for NaN and infinities, which C99 has no literal for.
    static func floatLiteral(_ value: Double) -> String? {
        let f = Float(value)
        guard f.isFinite else { return nil }
        return floatDigits(f) + "f"
    }

    /// The digits of `floatLiteral` without the suffix, for comments (`nan`/`inf` spelled out there).
    static func floatText(_ value: Double) -> String {
        let f = Float(value)
        guard f.isFinite else { return f.isNaN ? "nan" : (f < 0 ? "-inf" : "inf") }
        return floatDigits(f)
    }

    private static func floatDigits(_ f: Float) -> String {
        var s = f.description
        if !s.contains(".") && !s.contains("e") { s += ".0" }
        return s
    }

    /// `[1, 4, 6, 6]`.
    static func shape(_ dims: [Int]) -> String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }

    /// A C initializer list of `values`, 16 per line, right-aligned to the widest, each line indented by four
    /// spaces, with a trailing comma.
    static func initializerBody(_ values: [String]) -> String {
        let width = values.reduce(0) { max($0, $1.utf8.count) }
        var out = ""
        out.reserveCapacity(values.count * (width + 2) + values.count / 16 * 6)
        for (i, v) in values.enumerated() {
            if i % 16 == 0 { out += i == 0 ? "    " : "\n    " } else { out += " " }
            out += String(repeating: " ", count: width - v.utf8.count)
            out += v
            out += ","
        }
        return out
    }
}
