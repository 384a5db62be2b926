/// An error a user can act on: which file, which node, which op, and what is wrong.
///
/// Every stage reports bad input through `Diagnostic` (never `fatalError`), so the command line can print one
/// line per problem and exit with code 1.
public struct Diagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var node: String?
    public var op: String?
    public var message: String

    public init(file: String? = nil, node: String? = nil, op: String? = nil, _ message: String) {
        self.file = file
        self.node = node
        self.op = op
        self.message = message
    }

    /// The same diagnostic with the file filled in where it was not known yet.
    public func inFile(_ path: String) -> Diagnostic {
        var copy = self
        if copy.file == nil { copy.file = path }
        return copy
    }

    /// `file: node 'conv1' (Conv): message` — names are quoted and stripped of control characters so a
    /// hostile model cannot forge extra lines in the output.
    public var description: String {
        var parts: [String] = []
        if let file { parts.append(Diagnostic.printable(file)) }
        var location = ""
        if let node { location += "node '\(Diagnostic.printable(node))'" }
        if let op { location += location.isEmpty ? "op \(Diagnostic.printable(op))" : " (\(Diagnostic.printable(op)))" }
        if !location.isEmpty { parts.append(location) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }

    /// Replaces control characters and truncates, for names taken from untrusted files.
    public static func printable(_ text: String, limit: Int = 120) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if out.unicodeScalars.count >= limit { out += "…"; break }
            if scalar.value < 0x20 || scalar.value == 0x7F { out += "?" } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }
}

/// Several diagnostics reported together (e.g. every unsupported node of a model at once).
public struct DiagnosticList: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
