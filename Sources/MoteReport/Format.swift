/// Text formatting shared by the Markdown, SVG and messages: fixed, locale-free, integer arithmetic only, so the
/// same report always renders to the same bytes.
enum Format {
    /// "262144" → "262,144".
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (k, c) in digits.enumerated() {
            if k > 0 && (digits.count - k) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return value < 0 ? "-" + out : out
    }

    /// `value / divisor` with one decimal, rounded half away from zero: tenths(1536, 1024) = "1.5".
    static func tenths(_ value: Int, _ divisor: Int) -> String {
        guard divisor > 0 else { return "0.0" }
        let negative = value < 0
        // A saved report is read back from a file: keep absurd values from overflowing.
        let m = min(value.magnitude, UInt(Int.max / 20))
        let t = (Int(m) * 10 + divisor / 2) / divisor
        return (negative && t > 0 ? "-" : "") + "\(t / 10).\(t % 10)"
    }

    /// "262,144 B (256.0 KiB)"; plain bytes below 1 KiB.
    static func bytes(_ value: Int) -> String {
        if value.magnitude < 1024 { return "\(grouped(value)) B" }
        if value.magnitude < 1024 * 1024 { return "\(grouped(value)) B (\(tenths(value, 1024)) KiB)" }
        return "\(grouped(value)) B (\(tenths(value, 1024 * 1024)) MiB)"
    }

    /// Short form for chart labels: "812 B", "25.3 KiB", "1.2 MiB".
    static func short(_ value: Int) -> String {
        if value.magnitude < 1024 { return "\(value) B" }
        if value.magnitude < 1024 * 1024 { return "\(tenths(value, 1024)) KiB" }
        return "\(tenths(value, 1024 * 1024)) MiB"
    }

    /// `part / whole` as a percentage with one decimal ("12.5%").
    static func percent(_ part: Int, _ whole: Int) -> String {
        let (scaled, overflow) = part.multipliedReportingOverflow(by: 100)
        return whole == 0 || overflow ? "-" : tenths(scaled, whole) + "%"
    }

    /// A coordinate with at most one decimal ("12", "12.5", "-3.2").
    /// A share 0...1 as "98.5%".
    static func percentage(_ share: Double) -> String { oneDecimal(share * 100) + "%" }

    /// A finite value with one decimal ("−3.5", "41.0"); "∞"/"-∞"/"nan" otherwise.
    static func oneDecimal(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "∞" : "-∞") }
        let tenths = Int((abs(value) * 10).rounded())
        return (value < 0 && tenths > 0 ? "-" : "") + "\(tenths / 10).\(tenths % 10)"
    }

    static func coordinate(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        let t = Int((x * 10).rounded(.toNearestOrAwayFromZero))
        let sign = t < 0 ? "-" : ""
        let m = t.magnitude
        return m % 10 == 0 ? "\(sign)\(m / 10)" : "\(sign)\(m / 10).\(m % 10)"
    }

    /// Model-derived text made safe and short: printable ASCII (others become '?'), at most `limit` characters
    /// (the head and tail kept around "...").
    static func printable(_ text: String, limit: Int = 48) -> String {
        var s = String(String.UnicodeScalarView(text.unicodeScalars.map { (0x20...0x7E).contains($0.value) ? $0 : "?" }))
        if s.count > limit, limit >= 5 {
            let keep = limit - 3
            s = String(s.prefix(keep - keep / 2)) + "..." + String(s.suffix(keep / 2))
        }
        return s
    }

    /// Escapes text for XML character data and attribute values.
    static func xml(_ text: String) -> String {
        var out = ""
        for c in printable(text, limit: Int.max) {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Escapes text for a Markdown table cell: no line breaks, Markdown punctuation and HTML neutralised.
    static func markdown(_ text: String, limit: Int = 48) -> String {
        var out = ""
        for c in printable(text, limit: limit) {
            switch c {
            case "\\", "`", "*", "_", "[", "]", "|", "#", "!", "~", "{", "}", "(", ")":
                out.append("\\")
                out.append(c)
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            default: out.append(c)
            }
        }
        return out
    }

    /// a + b, saturating: figures read back from a saved report may be anything.
    static func add(_ a: Int, _ b: Int) -> Int {
        let (r, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? Int.max : Int.min) : r
    }

    /// Saturating sum.
    static func sum<S: Sequence>(_ values: S) -> Int where S.Element == Int { values.reduce(0, add) }

    /// "[1, 64, 25, 5]".
    static func shape(_ dims: [Int]) -> String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }
}
