import MoteFloat
import MoteIR

/// Choices of structured pruning (`--prune-structured RATIO`).
public struct PruneOptions: Sendable {
    /// Fraction of each prunable group's output channels removed, 0...1 (rounded down; at least one channel stays).
    public var ratio: Double
    /// Refit each consumer by least squares (false: plain removal, kept for comparison in tests and reports).
    public var refit: Bool
    /// Ridge of the least-squares problems, relative to the mean diagonal of the Gram matrix. The refit is pulled
    /// toward the original weights (not toward zero), so a problem with fewer rows than unknowns (a Gemm after a
    /// flatten, one row per sample) stays close to plain removal instead of over-fitting the calibration set.
    public var damping: Double
    /// Least-squares rows gathered per consumer at most (output positions are subsampled evenly beyond it).
    public var maxRows: Int
    /// Consumers with more input columns than this (plus one for the bias) keep their producers whole: the Gram
    /// matrix grows with its square.
    public var maxColumns: Int

    public init(ratio: Double, refit: Bool = true, damping: Double = 0.01, maxRows: Int = 32768, maxColumns: Int = 2048) {
        self.ratio = ratio
        self.refit = refit
        self.damping = damping
        self.maxRows = maxRows
        self.maxColumns = maxColumns
    }
}

/// What structured pruning did to one Conv/Gemm/MatMul that could lose output channels.
public struct PrunedLayer: Sendable, Equatable {
    public var name: String
    public var op: String
    public var channelsBefore: Int
    public var channelsAfter: Int
    /// Layers pruned together with this one (their outputs meet at a residual Add), by name.
    public var coupledWith: [String]
    /// Why the layer keeps every channel whatever the ratio (nil when it is prunable).
    public var keptBecause: String?
}

/// Structured pruning: a float Graph → a smaller float Graph, before quantization.
///
/// Whole output channels of Conv (group 1), Gemm and MatMul-by-constant layers are removed, with everything the
/// channels flow through (see `ChannelGroup` for exactly what may be pruned). The channels to remove are chosen
/// greedily by their Optimal-Brain-Surgeon cost in the layers that read them (`ChannelSelection`); those layers
/// (the consumers) are then refit by least squares on the calibration set so their outputs stay as close as
/// possible to the original ones: with X̃ the consumer's input in the pruned graph (im2col rows for a
/// convolution, the kept columns plus a constant 1 for the bias) and Y its output in the original graph, the new
/// weights solve min ‖Y − X̃ W'ᵀ‖² + λ‖W' − W_S‖² (W_S: the original weights of the kept columns), i.e.
/// (X̃ᵀX̃ + λI) W'ᵀ = X̃ᵀY + λ W_Sᵀ. Consumers are refit in execution order, each on the inputs the already
/// pruned and refit layers before it produce, so errors do not add up along a chain.
public enum StructuredPruning {
    public static func prune(_ graph: Graph, calibration samples: [[FloatTensor]], ratio: Double) throws -> (graph: Graph, layers: [PrunedLayer]) {
        try prune(graph, calibration: samples, options: PruneOptions(ratio: ratio))
    }

    public static func prune(_ graph: Graph, calibration samples: [[FloatTensor]], options: PruneOptions) throws -> (graph: Graph, layers: [PrunedLayer]) {
        let ratio = options.ratio
        guard ratio.isFinite, ratio >= 0, ratio <= 1 else {
            throw Diagnostic("structured pruning ratio \(ratio) is not between 0 and 1")
        }
        guard options.damping.isFinite, options.damping >= 0, options.maxRows >= 1, options.maxColumns >= 2 else {
            throw Diagnostic("structured pruning options are out of range")
        }
        try graph.verify()
        let groups = ChannelAnalysis.groups(in: graph, maxColumns: options.maxColumns)
        // The small epsilon keeps 0.29 · 100 = 28.999999999999996 at 29.
        let counts = groups.map { g in
            g.failure == nil ? min(Int((ratio * Double(g.channels) + 1e-9).rounded(.down)), g.channels - 1) : 0
        }
        let active = groups.indices.filter { counts[$0] > 0 }
        guard !active.isEmpty else { return (graph, report(graph, groups, removed: [:])) }
        guard !samples.isEmpty else { throw Diagnostic("structured pruning needs calibration data; the calibration set is empty") }

        // Consumers by slot (their order of execution); `slot` maps a node index to its slot.
        let consumerNodes = Set(active.flatMap { groups[$0].consumers }).sorted()
        let consumers = consumerNodes.map { Consumer(node: $0, in: graph) }
        let slot = Dictionary(uniqueKeysWithValues: consumerNodes.enumerated().map { ($1, $0) })
        let original = try FloatInterpreter(graph: graph)

        // 1. On the original graph: Gram matrices of every consumer's full input, for the choice of channels, and
        // its outputs at the sampled positions, the targets of the refit.
        var grams = consumers.map { NormalEquations(features: $0.inputChannels * $0.taps, targets: 0, intercept: $0.hasIntercept) }
        var targets = [[Float]](repeating: [], count: consumers.count)
        var readers: [ValueID: [Int]] = [:], writers: [ValueID: Int] = [:]
        for (k, n) in consumerNodes.enumerated() {
            readers[graph.nodes[n].inputs[0], default: []].append(k)
            writers[graph.nodes[n].outputs[0]] = k
        }
        for (s, sample) in samples.enumerated() {
            _ = try original.run(sample) { id, t in
                for k in readers[id] ?? [] {
                    let c = consumers[k]
                    let all = Array(0..<c.inputChannels)
                    for p in sampled(c, sample: s, count: samples.count, maxRows: options.maxRows) {
                        grams[k].add(c.row(t, channels: all, position: p), [])
                    }
                }
                if let k = writers[id] {
                    let c = consumers[k]
                    let rows = Array(0..<(t.shape[1]))
                    for p in sampled(c, sample: s, count: samples.count, maxRows: options.maxRows) {
                        targets[k].append(contentsOf: c.target(t, rows: rows, position: p).map { Float($0) })
                    }
                }
            }
        }
        for k in grams.indices { grams[k].symmetrize() }

        // 2. Greedy choice per group.
        var removedChannels: [Int: [Int]] = [:]
        for gi in active {
            let group = groups[gi]
            let states = try group.consumers.compactMap { n -> SelectionConsumer? in
                guard let k = slot[n] else { return nil }
                let c = consumers[k]
                let map = group.maps[graph.nodes[n].inputs[0]] ?? []
                let blocks = map.map { $0.flatMap { i in (i * c.taps)..<((i + 1) * c.taps) } }
                let w = try c.weights(in: graph)
                let rowChannel: [Int?] = (0..<w.rows).map { group.sources.contains(n) ? $0 : nil }
                return try SelectionConsumer(gram: grams[k].gram, weights: w, blocks: blocks, rowChannel: rowChannel,
                                             damping: options.damping)
            }
            removedChannels[gi] = ChannelSelection.choose(counts[gi], of: group.channels, consumers: states)
        }

        // 3. Remove them everywhere.
        var removed: [ValueID: Set<Int>] = [:]
        for (gi, channels) in removedChannels {
            for (v, map) in groups[gi].maps {
                for c in channels { removed[v, default: []].formUnion(map[c]) }
            }
        }
        var pruned = try ChannelSlicing.apply(graph, removing: removed)

        // 4. Refit the consumers in execution order.
        if options.refit {
            for (k, n) in consumerNodes.enumerated() {
                let input = graph.nodes[n].inputs[0], output = graph.nodes[n].outputs[0]
                guard let gone = removed[input], !gone.isEmpty else { continue }
                try refit(consumers[k], input: input, targets: targets[k], removedInputs: gone,
                          removedOutputs: removed[output] ?? [], originalGraph: graph,
                          pruned: &pruned, samples: samples, options: options)
            }
        }
        pruned.compact()
        try pruned.verify()
        return (pruned, report(graph, groups, removed: removedChannels))
    }

    /// Output positions of sample `sample` that enter the least-squares sums: all of them, or an even subsample
    /// (every k-th position across the whole calibration set) when there would be more than `maxRows`.
    static func sampled(_ c: Consumer, sample: Int, count: Int, maxRows: Int) -> [Int] {
        let total = count * c.positions
        guard total > maxRows else { return Array(0..<c.positions) }
        let step = (total + maxRows - 1) / maxRows
        let first = sample * c.positions
        return (0..<c.positions).filter { (first + $0) % step == 0 }
    }

    /// `targets`: the layer's original outputs (all of them) at every sampled position, in sampling order.
    private static func refit(_ c: Consumer, input: ValueID, targets: [Float], removedInputs: Set<Int>, removedOutputs: Set<Int>,
                              originalGraph: Graph, pruned: inout Graph, samples: [[FloatTensor]], options: PruneOptions) throws {
        let keptInputs = (0..<c.inputChannels).filter { !removedInputs.contains($0) }
        let w = try c.weights(in: originalGraph)
        let keptRows = (0..<w.rows).filter { !removedOutputs.contains($0) }
        let columns = keptInputs.flatMap { i in (i * c.taps)..<((i + 1) * c.taps) } + (c.hasIntercept ? [w.cols - 1] : [])
        var eq = NormalEquations(features: keptInputs.count * c.taps, targets: keptRows.count, intercept: c.hasIntercept)
        let current = try FloatInterpreter(graph: pruned)
        let local = Array(0..<keptInputs.count)
        var row = 0
        for (s, sample) in samples.enumerated() {
            var x: FloatTensor?
            _ = try current.run(sample) { id, t in if id == input { x = t } }
            guard let x else { throw Diagnostic("structured pruning: a refit layer's input was not computed") }
            for p in sampled(c, sample: s, count: samples.count, maxRows: options.maxRows) {
                guard (row + 1) * w.rows <= targets.count else { throw Diagnostic("structured pruning: refit targets are missing") }
                eq.add(c.row(x, channels: local, position: p), keptRows.map { Double(targets[row * w.rows + $0]) })
                row += 1
            }
        }
        eq.symmetrize()
        let (l, lambda) = try Cholesky.factorWithRidge(eq.gram, ridge: options.damping * eq.gram.meanDiagonal)
        // Right-hand side X̃ᵀY + λ·W_Sᵀ: the ridge pulls toward the original weights of the kept columns.
        let prior = w.pick(rows: keptRows, cols: columns)
        var rhs = eq.cross
        for i in 0..<rhs.rows { for r in 0..<rhs.cols { rhs[i, r] += lambda * prior[r, i] } }
        let solution = Cholesky.solve(l, rhs)
        var refit = Matrix(rows: keptRows.count, cols: columns.count)
        for r in 0..<refit.rows { for i in 0..<refit.cols { refit[r, i] = solution[i, r] } }
        guard refit.data.allSatisfy(\.isFinite) else {
            throw Diagnostic(node: originalGraph.nodes[c.node].name, op: originalGraph.nodes[c.node].op.name,
                             "structured pruning: the least-squares refit is not finite")
        }
        try c.write(refit, into: &pruned)
    }

    private static func report(_ graph: Graph, _ groups: [ChannelGroup], removed: [Int: [Int]]) -> [PrunedLayer] {
        var layers: [(Int, PrunedLayer)] = []
        for (gi, g) in groups.enumerated() {
            let names = g.sources.map { graph.nodes[$0].name }
            for s in g.sources {
                let node = graph.nodes[s]
                layers.append((s, PrunedLayer(name: node.name, op: node.op.name, channelsBefore: g.channels,
                                              channelsAfter: g.channels - (removed[gi]?.count ?? 0),
                                              coupledWith: names.filter { $0 != node.name }, keptBecause: g.failure)))
            }
        }
        return layers.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
