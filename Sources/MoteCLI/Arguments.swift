/// A usage error: wrong or missing arguments. Exit code 2.
public struct UsageError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Parsed command-line arguments: positionals, `--option value` pairs (repeatable) and `--flag`s.
struct Arguments {
    var positionals: [String] = []
    var options: [String: [String]] = [:]
    var flags: Set<String> = []

    /// `valueOptions` take a value; `flagOptions` do not. Anything else starting with `--` is an error.
    init(_ args: [String], valueOptions: Set<String>, flagOptions: Set<String>) throws {
        var i = 0
        while i < args.count {
            let arg = args[i]
            if arg.hasPrefix("--") {
                var key = arg
                var inlineValue: String? = nil
                if let eq = arg.firstIndex(of: "=") {
                    key = String(arg[..<eq])
                    inlineValue = String(arg[arg.index(after: eq)...])
                }
                if valueOptions.contains(key) {
                    let value: String
                    if let inlineValue { value = inlineValue } else {
                        guard i + 1 < args.count else { throw UsageError("\(key) needs a value") }
                        i += 1
                        value = args[i]
                    }
                    options[key, default: []].append(value)
                } else if flagOptions.contains(key), inlineValue == nil {
                    flags.insert(key)
                } else {
                    throw UsageError("unknown option \(Diagnostic.printable(arg))")
                }
            } else if arg == "-o", valueOptions.contains("-o") {
                guard i + 1 < args.count else { throw UsageError("-o needs a value") }
                i += 1
                options["-o", default: []].append(args[i])
            } else {
                positionals.append(arg)
            }
            i += 1
        }
    }

    func single(_ key: String) throws -> String? {
        guard let values = options[key] else { return nil }
        guard values.count == 1 else { throw UsageError("\(key) given \(values.count) times") }
        return values[0]
    }

    func required(_ key: String) throws -> String {
        guard let v = try single(key) else { throw UsageError("missing \(key)") }
        return v
    }

    func all(_ key: String) -> [String] { options[key] ?? [] }

    func onePositional(_ what: String) throws -> String {
        guard positionals.count == 1 else {
            throw UsageError(positionals.isEmpty ? "missing \(what)" : "unexpected arguments: \(positionals.dropFirst().map { Diagnostic.printable($0) }.joined(separator: " "))")
        }
        return positionals[0]
    }
}

import MoteIR
