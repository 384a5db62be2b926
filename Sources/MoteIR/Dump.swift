extension Graph {
    /// A stable, human-readable listing of the graph (used by tests and for debugging).
    public func dump() -> String {
        var lines: [String] = ["graph \(Diagnostic.printable(name))"]
        func ref(_ id: ValueID) -> String { "\(id)'\(Diagnostic.printable(values[id.index].name, limit: 60))'" }
        for id in inputs { lines.append("  input \(ref(id)): \(values[id.index].type)") }
        for node in nodes {
            let ins = node.inputs.map { id -> String in
                values[id.index].isConstant ? "\(ref(id)) const \(values[id.index].type)" : ref(id)
            }
            let outs = node.outputs.map { "\(ref($0)): \(values[$0.index].type)" }
            lines.append("  \(outs.joined(separator: ", ")) = \(node.op.name)(\(ins.joined(separator: ", ")))  # \(Diagnostic.printable(node.name, limit: 60))")
        }
        for id in outputs { lines.append("  output \(ref(id))") }
        return lines.joined(separator: "\n")
    }
}
