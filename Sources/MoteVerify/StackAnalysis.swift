import MoteReport

/// The deepest call chain from one function through the static call graph gcc wrote (`-fcallgraph-info`), with
/// each frame taken from `-fstack-usage`. Library routines the objects call (memcpy, libgcc's 64-bit division)
/// have no `.su` entry; when a disassembly of a linked image is given their frames and callees come from it.
public struct StackAnalysis: Sendable {
    struct Function {
        var name: String
        var bytes: Int?
        var source: String
        var dynamic: Bool
        var callees: [String]
        var unknownDepth: Bool
    }

    var functions: [String: Function] = [:]
    /// True when a linked image's disassembly was given: a callee found neither in the objects nor in the image
    /// is a call the compiler removed after writing the call graph (it keeps the undefined symbol but no
    /// relocation), so it is ignored rather than reported.
    let linked: Bool

    /// `objects`: per object file its `.su` and `.ci` text. `library`: functions of a linked image's disassembly.
    public init(objects: [(stackUsage: String, callGraph: String)], library: [String: ToolOutput.DisassembledFunction]? = nil) {
        linked = library != nil
        for object in objects {
            let frames = ToolOutput.stackUsage(object.stackUsage)
            var frameAt: [String: ToolOutput.StackEntry] = [:]
            for f in frames { frameAt[f.location + ":" + f.function] = f }
            let graph = ToolOutput.callGraph(object.callGraph)
            var callees: [String: Set<String>] = [:]
            for e in graph.edges { callees[e.from, default: []].insert(e.to) }
            for node in graph.nodes where node.defined {
                let entry = frameAt[node.location + ":" + node.name]
                functions[node.title] = Function(name: node.name, bytes: entry?.bytes, source: entry == nil ? "unknown" : "su",
                                                 dynamic: entry.map { $0.qualifier == "dynamic" } ?? false,
                                                 callees: (callees[node.title] ?? []).sorted(), unknownDepth: false)
            }
        }
        for (name, f) in library ?? [:] where functions[name] == nil {
            functions[name] = Function(name: name, bytes: f.frameBytes, source: "disassembly", dynamic: false,
                                       callees: f.callees, unknownDepth: f.unknownDepth)
        }
    }

    /// Frame of a function defined in the objects (by its call-graph title), for tests and reports.
    public func frame(_ title: String) -> Int? { functions[title]?.bytes }

    /// The heaviest path from `root`: ties go to the callee whose name sorts first, so the chain is deterministic.
    public func deepest(from root: String) -> StackMeasurement {
        var memo: [String: (bytes: Int, chain: [StackFrame])] = [:]
        var onPath = Set<String>()
        var unresolved = Set<String>()
        var dynamic = false
        var recursive = false

        func visit(_ title: String) -> (bytes: Int, chain: [StackFrame])? {
            if let known = memo[title] { return known }
            guard let f = functions[title] else {
                if linked { return nil }
                unresolved.insert(title)
                let r = (0, [StackFrame(function: title, bytes: 0, source: "unknown")])
                memo[title] = r
                return r
            }
            if onPath.contains(title) {
                recursive = true
                return (0, [])
            }
            onPath.insert(title)
            defer { onPath.remove(title) }
            if f.bytes == nil || f.unknownDepth { unresolved.insert(f.name) }
            if f.dynamic { dynamic = true }
            var best: (bytes: Int, chain: [StackFrame]) = (0, [])
            for callee in f.callees {
                guard let r = visit(callee) else { continue }
                if r.bytes > best.bytes || best.chain.isEmpty { best = r }
            }
            let own = f.bytes ?? 0
            let result = (own + best.bytes, [StackFrame(function: f.name, bytes: own, source: f.source)] + best.chain)
            memo[title] = result
            return result
        }

        let r = visit(root) ?? (0, [])
        return StackMeasurement(bytes: r.bytes, chain: r.chain, unresolved: unresolved.sorted(), dynamic: dynamic,
                                recursive: recursive)
    }
}
