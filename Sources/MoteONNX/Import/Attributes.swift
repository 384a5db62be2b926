import MoteIR

/// Typed access to a node's attributes. A present attribute of the wrong type is an error, not a default.
extension ONNXNode {
    func failure(_ message: String) -> Diagnostic { Diagnostic(node: name, op: opType, message) }

    private func typed(_ key: String, _ type: ONNXAttributeType) throws -> ONNXAttribute? {
        guard let a = attribute(key) else { return nil }
        if !a.refAttrName.isEmpty { throw failure("attribute '\(key)' refers to a function attribute, which is not supported") }
        guard a.type == type else {
            throw failure("attribute '\(key)' should be of type \(type), found \(a.type == .undefined ? "type #\(a.rawType)" : "\(a.type)")")
        }
        return a
    }

    func int(_ key: String) throws -> Int? {
        guard let a = try typed(key, .int) else { return nil }
        guard let v = Int(exactly: a.i), abs(v) <= 1 << 40 else { throw failure("attribute '\(key)' = \(a.i) is out of range") }
        return v
    }

    func int(_ key: String, default value: Int) throws -> Int { try int(key) ?? value }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let v = try int(key) else { return value }
        guard v == 0 || v == 1 else { throw failure("attribute '\(key)' must be 0 or 1, got \(v)") }
        return v == 1
    }

    func float(_ key: String) throws -> Float? { try typed(key, .float)?.f }
    func float(_ key: String, default value: Float) throws -> Float { try float(key) ?? value }

    func ints(_ key: String) throws -> [Int]? {
        guard let a = try typed(key, .ints) else { return nil }
        return try a.ints.map { v in
            guard let i = Int(exactly: v), abs(i) <= 1 << 40 else { throw failure("attribute '\(key)' has out-of-range value \(v)") }
            return i
        }
    }

    func string(_ key: String) throws -> String? { try typed(key, .string)?.string }

    func tensor(_ key: String) throws -> ONNXTensor? { try typed(key, .tensor)?.t }

    /// Rejects attributes that would change the meaning of the op when Mote does not implement them.
    func rejectAttributes(_ keys: [String]) throws {
        for key in keys where attribute(key) != nil {
            throw failure("attribute '\(key)' is not supported")
        }
    }
}
