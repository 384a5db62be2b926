import MoteIR

/// Output channels that structured pruning removes together, and everything those channels touch.
///
/// The rule (also in ARCHITECTURE.md). A *source* is a layer whose output channels can be dropped: a Conv with
/// group 1, or a Gemm / MatMul by a constant matrix whose output is [1, N]; its weights (and bias) must be
/// constants. From a source, its channels are followed forward through:
/// - channel-wise ops, whose per-channel constants are sliced along: every one-input activation, Clip, Pad that
///   does not pad axes 0–1, MaxPool, AveragePool, GlobalAverage/MaxPool, inference BatchNormalization (constant
///   parameters), a depthwise Conv (group = input = output channels, constant weights) and a binary op with a
///   constant operand that does not broadcast the channel axis;
/// - Reshape/Flatten with batch 1 that keeps each channel a contiguous block of the new axis 1 (channel c of
///   [1, C, H, W] becomes features c·H·W ..< (c+1)·H·W of [1, C·H·W]);
/// - Concat along axis 1 (the channels land at the operand's offset).
/// They must end only in *consumers* that absorb the removal by a least-squares refit: a Conv with group 1, a
/// Gemm (input A, not transposed) or a MatMul with a constant [K, N] right operand, read through input 0, with
/// fewer than `PruneOptions.maxColumns` input columns.
/// An Add or Sub of two computed tensors couples channels: channel c of both operands must go, so the sources
/// behind the other operand (found walking back through channel-wise ops and further Adds) join the group and
/// are pruned identically. A group is pruned only if every path of every member ends in consumers; reaching a
/// graph output, a graph input behind an Add (e.g. a skip connection from the model input), Softmax, Transpose,
/// Mul of two tensors, a grouped (non-depthwise) conv or anything else keeps the whole group intact.
struct ChannelGroup: Sendable {
    /// Number of channels (every source has exactly this many outputs).
    var channels: Int
    /// Node indices of the sources, ascending.
    var sources: [Int]
    /// For every value the channels reach: the axis-1 indices each channel occupies there.
    var maps: [ValueID: [[Int]]]
    /// Node indices of the consumers (refit layers), ascending.
    var consumers: [Int]
    /// Why the group cannot be pruned; nil when it can.
    var failure: String?
}

enum ChannelAnalysis {
    /// Output channel count of `node` when it can be a source (see `ChannelGroup`), else nil.
    static func sourceChannels(_ node: Node, in graph: Graph) -> Int? {
        guard let out = node.outputs.first else { return nil }
        let shape = graph.type(of: out).shape
        guard shape.count >= 2, shape[0] == 1 else { return nil }
        func isConstant(_ i: Int) -> Bool { i >= node.inputs.count || graph[node.inputs[i]].isConstant }
        switch node.op {
        case .conv(let a):
            guard a.group == 1, isConstant(1), isConstant(2) else { return nil }
            return shape[1]
        case .gemm:
            guard shape.count == 2, isConstant(1), isConstant(2) else { return nil }
            return shape[1]
        case .matMul:
            guard shape.count == 2, graph.type(of: node.inputs[0]).rank == 2, graph.type(of: node.inputs[1]).rank == 2,
                  isConstant(1) else { return nil }
            return shape[1]
        default:
            return nil
        }
    }

    /// Input column count of a consumer (see `ChannelGroup`) when `operand` of `node` may be refit, else nil.
    static func consumerColumns(_ node: Node, operand: Int, in graph: Graph) -> Int? {
        guard operand == 0 else { return nil }
        let x = graph.type(of: node.inputs[0]).shape
        func isConstant(_ i: Int) -> Bool { i >= node.inputs.count || graph[node.inputs[i]].isConstant }
        switch node.op {
        case .conv(let a):
            guard a.group == 1, isConstant(1), isConstant(2), x.count >= 3, x[0] == 1 else { return nil }
            return x[1] * Shape.count(a.kernel)
        case .gemm(let a):
            guard !a.transA, a.alpha != 0, a.alpha.isFinite, a.beta.isFinite, isConstant(1), isConstant(2),
                  x.count == 2, x[0] == 1 else { return nil }
            return x[1]
        case .matMul:
            guard isConstant(1), x.count == 2, x[0] == 1, graph.type(of: node.inputs[1]).rank == 2 else { return nil }
            return x[1]
        default:
            return nil
        }
    }

    static func isDepthwise(_ node: Node, in graph: Graph) -> Bool {
        guard case .conv(let a) = node.op, a.group > 1 else { return false }
        let x = graph.type(of: node.inputs[0]).shape, w = graph.type(of: node.inputs[1]).shape
        return x[1] == a.group && w[0] == a.group && w[1] == 1 && graph[node.inputs[1]].isConstant
            && (node.inputs.count < 3 || graph[node.inputs[2]].isConstant)
    }

    /// Whether `node` passes channels from input `operand` to its output unchanged in position (axis 1), with
    /// any per-channel constants sliceable; nil when it does, else the reason it does not.
    static func channelWise(_ node: Node, operand: Int, in graph: Graph) -> String? {
        let name = "\(node.op.name) '\(Diagnostic.printable(node.name))'"
        switch node.op {
        case .activation, .maxPool, .averagePool, .globalAveragePool, .globalMaxPool:
            return nil
        case .clip:
            return operand == 0 ? nil : "\(name) as a bound"
        case .pad(let a):
            let rank = graph.type(of: node.inputs[0]).rank
            guard rank >= 2, a.pads[0] == 0, a.pads[1] == 0, a.pads[rank] == 0, a.pads[rank + 1] == 0 else {
                return "\(name), which pads the channel axis"
            }
            return nil
        case .batchNormalization:
            guard operand == 0, node.inputs[1...].allSatisfy({ graph[$0].isConstant }) else {
                return "\(name), which has computed parameters"
            }
            return nil
        case .conv:
            return isDepthwise(node, in: graph) && operand == 0 ? nil : "\(name), which mixes channels in groups"
        case .binary:
            let other = node.inputs[1 - min(operand, 1)]
            guard node.inputs[0] != node.inputs[1], let c = graph[other].constant else {
                return "\(name), which combines them with another computed tensor"
            }
            let out = graph.type(of: node.outputs[0]).shape
            let mine = graph.type(of: node.inputs[operand]).shape
            // The constant must not widen the tensor, and along axis 1 it is either broadcast or per channel.
            guard out == mine, c.shape.count <= out.count, out.count >= 2 else { return "\(name), which broadcasts them" }
            let axis = 1 - (out.count - c.shape.count)
            guard axis < 0 || c.shape[axis] == 1 || c.shape[axis] == out[1] else { return "\(name), which broadcasts them" }
            return nil
        default:
            return "\(name), which is not channel-wise"
        }
    }

    /// Every source candidate grouped with the sources it is coupled to, in node order of the first member.
    static func groups(in graph: Graph, maxColumns: Int) -> [ChannelGroup] {
        let consumers = graph.consumers(), producers = graph.producers()
        var assigned = Set<Int>()
        var result: [ChannelGroup] = []
        for (i, node) in graph.nodes.enumerated() where !assigned.contains(i) {
            guard let m = sourceChannels(node, in: graph) else { continue }
            var tracer = Tracer(graph: graph, consumers: consumers, producers: producers, channels: m, maxColumns: maxColumns)
            tracer.addSource(i)
            tracer.run()
            if tracer.failure == nil && tracer.consumerNodes.isEmpty {
                tracer.failure = "its channels reach no layer that could absorb the removal"
            }
            assigned.formUnion(tracer.sources)
            result.append(ChannelGroup(channels: m, sources: tracer.sources.sorted(), maps: tracer.maps,
                                       consumers: tracer.consumerNodes.sorted(), failure: tracer.failure))
        }
        return result
    }
}

/// Follows one group's channels through the graph (forward from each source, backward from each coupling Add).
private struct Tracer {
    let graph: Graph
    let consumers: [[Int]]
    let producers: [Int?]
    let channels: Int
    let maxColumns: Int
    var maps: [ValueID: [[Int]]] = [:]
    var sources = Set<Int>()
    var consumerNodes = Set<Int>()
    var pending: [ValueID] = []
    var failure: String?

    init(graph: Graph, consumers: [[Int]], producers: [Int?], channels: Int, maxColumns: Int) {
        self.graph = graph
        self.consumers = consumers
        self.producers = producers
        self.channels = channels
        self.maxColumns = maxColumns
    }

    private var identity: [[Int]] { (0..<channels).map { [$0] } }

    mutating func addSource(_ node: Int) {
        guard sources.insert(node).inserted else { return }
        merge(graph.nodes[node].outputs[0], identity)
    }

    private mutating func merge(_ v: ValueID, _ map: [[Int]]) {
        guard var existing = maps[v] else {
            maps[v] = map
            pending.append(v)
            return
        }
        var changed = false
        for c in 0..<channels {
            for i in map[c] where !existing[c].contains(i) {
                existing[c].append(i)
                changed = true
            }
        }
        if changed {
            maps[v] = existing.map { $0.sorted() }
            pending.append(v)
        }
    }

    mutating func run() {
        while failure == nil, let v = pending.popLast() { visit(v) }
    }

    private mutating func fail(_ why: String) {
        if failure == nil { failure = why }
    }

    private mutating func visit(_ v: ValueID) {
        guard let map = maps[v] else { return }
        let valueName = Diagnostic.printable(graph[v].name)
        if graph.outputs.contains(v) { return fail("its channels reach the graph output '\(valueName)'") }
        for n in consumers[v.index] {
            let node = graph.nodes[n]
            let name = "\(node.op.name) '\(Diagnostic.printable(node.name))'"
            for operand in node.inputs.indices where node.inputs[operand] == v {
                let out = node.outputs[0]
                if let columns = ChannelAnalysis.consumerColumns(node, operand: operand, in: graph) {
                    guard columns + 1 <= maxColumns else {
                        return fail("its channels reach \(name), which reads \(columns) inputs, more than the least-squares refit handles (\(maxColumns - 1))")
                    }
                    consumerNodes.insert(n)
                    continue
                }
                switch node.op {
                case .binary(let op) where (op == .add || op == .sub) && !graph[node.inputs[1 - operand]].isConstant:
                    // Coupling: both operands must carry these channels at the same positions.
                    let other = node.inputs[1 - operand]
                    guard map == identity, graph.type(of: other) == graph.type(of: v) else {
                        return fail("its channels reach \(name), which adds them to a tensor of another layout")
                    }
                    if maps[other] != identity, !walkBack(other, via: name) { return }
                    merge(out, identity)
                case .reshape:
                    guard let mapped = reshaped(map, from: graph.type(of: v).shape, to: graph.type(of: out).shape) else {
                        return fail("its channels reach \(name), which does not keep each channel a block of axis 1")
                    }
                    merge(out, mapped)
                case .concat(let axis):
                    guard axis == 1 else { return fail("its channels reach \(name), which concatenates along axis \(axis)") }
                    let offset = node.inputs[..<operand].reduce(0) { $0 + graph.type(of: $1).shape[1] }
                    merge(out, map.map { $0.map { $0 + offset } })
                default:
                    if let why = ChannelAnalysis.channelWise(node, operand: operand, in: graph) { return fail("its channels reach \(why)") }
                    merge(out, map)
                }
            }
        }
    }

    /// Finds the sources behind `value`, which an Add couples to this group: back through channel-wise ops and
    /// further Adds (a work list, not recursion, so a long chain cannot exhaust the stack). False (with `failure`
    /// set) when a path ends anywhere else.
    private mutating func walkBack(_ value: ValueID, via add: String) -> Bool {
        var work = [value]
        var seen = Set<ValueID>()
        while let v = work.popLast() {
            guard maps[v] != identity, seen.insert(v).inserted else { continue }
            guard let p = producers[v.index] else {
                fail("its channels meet '\(Diagnostic.printable(graph[v].name))' (a graph input) at \(add)")
                return false
            }
            let node = graph.nodes[p]
            if ChannelAnalysis.sourceChannels(node, in: graph) == channels {
                addSource(p)
                continue
            }
            if case .binary(let op) = node.op, op == .add || op == .sub,
               !graph[node.inputs[0]].isConstant, !graph[node.inputs[1]].isConstant {
                work += node.inputs
                continue
            }
            let operand = node.inputs.firstIndex { !graph[$0].isConstant } ?? 0
            if node.op.isChannelPreserving, ChannelAnalysis.channelWise(node, operand: operand, in: graph) == nil {
                work.append(node.inputs[operand])
                continue
            }
            fail("its channels meet the output of \(node.op.name) '\(Diagnostic.printable(node.name))' at \(add), which cannot lose channels with them")
            return false
        }
        return true
    }

    /// The map after a reshape, when every axis-1 index of the input is a whole number of axis-1 indices of the
    /// output (both with batch 1).
    private func reshaped(_ map: [[Int]], from a: [Int], to b: [Int]) -> [[Int]]? {
        guard a.count >= 2, b.count >= 2, a[0] == 1, b[0] == 1 else { return nil }
        let inner = Shape.count(Array(a[2...])), outInner = Shape.count(Array(b[2...]))
        guard outInner > 0, inner % outInner == 0 else { return nil }
        let per = inner / outInner
        return map.map { $0.flatMap { i in (i * per)..<((i + 1) * per) } }
    }
}

private extension Op {
    /// Ops whose output has the input's shape along axes 0–1 (so an Add after them still lines channels up).
    var isChannelPreserving: Bool {
        switch self {
        case .activation, .clip, .pad, .maxPool, .averagePool, .globalAveragePool, .globalMaxPool, .batchNormalization,
             .conv, .binary:
            return true
        default:
            return false
        }
    }
}
