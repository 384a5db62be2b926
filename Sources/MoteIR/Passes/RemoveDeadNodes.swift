extension Graph {
    /// Removes nodes whose outputs never reach a graph output (e.g. leftovers of folded shape arithmetic).
    public mutating func removeDeadNodes() {
        var live = [Bool](repeating: false, count: values.count)
        for id in outputs { live[id.index] = true }
        var keep = [Bool](repeating: false, count: nodes.count)
        for i in stride(from: nodes.count - 1, through: 0, by: -1) where nodes[i].outputs.contains(where: { live[$0.index] }) {
            keep[i] = true
            for input in nodes[i].inputs { live[input.index] = true }
        }
        nodes = nodes.indices.filter { keep[$0] }.map { nodes[$0] }
    }
}
