/// Flash and RAM limits a build must fit, in bytes; nil: no limit.
public struct Budget: Sendable, Equatable, Codable {
    public var flash: Int?
    public var ram: Int?

    public init(flash: Int? = nil, ram: Int? = nil) {
        self.flash = flash
        self.ram = ram
    }

    public var isEmpty: Bool { flash == nil && ram == nil }

    /// Parses a size as the command line takes it: a whole number of bytes ("262144", "512B"), or a number with
    /// a binary unit ("256KiB", "256 KiB", "1.5MiB", "1GiB"; units are case-insensitive) that comes to a whole
    /// number of bytes. "KB", "kB", "K", "MB", "M" are refused: half of the world reads them as 1000 and half as
    /// 1024, and a budget must not depend on which half wrote it.
    public static func parseBytes(_ text: String) throws(SizeParseError) -> Int {
        let shown = Format.printable(text, limit: 40)
        let s = text.trimmingWhitespace
        guard !s.isEmpty else { throw SizeParseError("empty size: give bytes, or a number with KiB or MiB") }
        // Split "1.5 MiB" into the number and the unit.
        let number = String(s.prefix { $0.isASCII && ($0.isNumber || $0 == ".") })
        let unit = String(s.dropFirst(number.count)).trimmingWhitespace
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard !number.isEmpty, parts.count <= 2, !parts[0].isEmpty, parts.allSatisfy({ $0.allSatisfy(\.isASCII) }),
              parts.count == 1 || !parts[1].isEmpty else {
            throw SizeParseError("'\(shown)' is not a size: write bytes (262144) or a number with KiB or MiB (256KiB, 1.5MiB)")
        }
        let multiplier: Int
        switch unit.lowercased() {
        case "", "b": multiplier = 1
        case "kib": multiplier = 1 << 10
        case "mib": multiplier = 1 << 20
        case "gib": multiplier = 1 << 30
        case "k", "kb":
            throw SizeParseError("'\(shown)' is ambiguous (\(unit) may mean 1000 or 1024): write \(number)KiB for multiples of 1024 or the number of bytes")
        case "m", "mb":
            throw SizeParseError("'\(shown)' is ambiguous (\(unit) may mean 10^6 or 2^20): write \(number)MiB for multiples of 2^20 or the number of bytes")
        case "g", "gb":
            throw SizeParseError("'\(shown)' is ambiguous (\(unit) may mean 10^9 or 2^30): write \(number)GiB or the number of bytes")
        default:
            throw SizeParseError("'\(shown)' has an unknown unit '\(Format.printable(unit, limit: 12))': use B, KiB, MiB or GiB")
        }
        // Exact arithmetic: value = (whole · 10^f + fraction) · multiplier / 10^f must be an integer.
        let wholeDigits = String(parts[0]), fractionDigits = parts.count == 2 ? String(parts[1]) : ""
        guard wholeDigits.count + fractionDigits.count <= 18, let whole = Int(wholeDigits) else {
            throw SizeParseError("'\(shown)' is too large")
        }
        var scale = 1
        for _ in fractionDigits { scale *= 10 }
        let fraction = Int(fractionDigits) ?? 0
        let (scaled, o1) = whole.multipliedReportingOverflow(by: scale)
        let (numerator, o2) = (scaled + fraction).multipliedReportingOverflow(by: multiplier)
        guard !o1, !o2 else { throw SizeParseError("'\(shown)' is too large") }
        guard numerator % scale == 0 else {
            throw SizeParseError("'\(shown)' is not a whole number of bytes")
        }
        let value = numerator / scale
        guard value > 0 else { throw SizeParseError("'\(shown)': a budget must be at least 1 byte") }
        return value
    }
}

/// Why a size on the command line was refused; the message is meant for the user as is.
public struct SizeParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// One thing that costs bytes, named for a user: a layer, or the code, stack or static data.
public struct Culprit: Sendable, Equatable, Codable {
    /// Layer index; nil for what is not a layer (code, stack, a model input).
    public var layer: Int?
    public var name: String
    public var bytes: Int
    /// What the bytes are, e.g. "weights, bias, requant" or "output t5 alive at the peak".
    public var what: String

    public init(layer: Int?, name: String, bytes: Int, what: String) {
        self.layer = layer
        self.name = name
        self.bytes = bytes
        self.what = what
    }
}

/// One budget against one figure.
public struct BudgetCheck: Sendable, Equatable, Codable {
    public var budgetBytes: Int
    public var usedBytes: Int
    public var exceeded: Bool
    /// used − budget when exceeded, else 0.
    public var overBytes: Int
    /// budget − used when it fits, else 0.
    public var headroomBytes: Int
    /// What costs most (at most three), largest first.
    public var largest: [Culprit]

    public init(budgetBytes: Int, usedBytes: Int, largest: [Culprit]) {
        self.budgetBytes = budgetBytes
        self.usedBytes = usedBytes
        self.exceeded = usedBytes > budgetBytes
        let over = usedBytes.subtractingReportingOverflow(budgetBytes)
        let under = budgetBytes.subtractingReportingOverflow(usedBytes)
        self.overBytes = over.overflow ? Int.max : max(0, over.partialValue)
        self.headroomBytes = under.overflow ? Int.max : max(0, under.partialValue)
        self.largest = largest
    }
}

/// Whether the build fits its budgets, with a message that says by how much and what costs most.
public struct BudgetVerdict: Sendable, Equatable, Codable {
    public var flash: BudgetCheck?
    public var ram: BudgetCheck?
    public var exceeded: Bool
    /// One line per budget, e.g. "flash budget exceeded by 12,345 B: ...".
    public var messages: [String]

    public init(flash: BudgetCheck?, ram: BudgetCheck?, messages: [String]) {
        self.flash = flash
        self.ram = ram
        self.exceeded = (flash?.exceeded ?? false) || (ram?.exceeded ?? false)
        self.messages = messages
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
