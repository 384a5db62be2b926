import MoteIR

enum ChannelSlicing {
    /// The graph with the given axis-1 indices gone from each value: sources lose output rows, channel-wise
    /// layers lose the matching per-channel constants, consumers lose input columns (plain removal, no refit),
    /// reshapes get their new shapes, and every computed value its new type. Node and activation value ids are
    /// unchanged (edited constants become new values), so interpreters of both graphs observe the same ids.
    static func apply(_ graph: Graph, removing removed: [ValueID: Set<Int>]) throws -> Graph {
        var g = graph
        func gone(_ v: ValueID) -> Set<Int> { removed[v] ?? [] }
        for i in g.nodes.indices {
            let node = g.nodes[i]
            let out = node.outputs[0]
            let outGone = gone(out), inGone = gone(node.inputs[0])
            func replace(_ slot: Int, _ edit: (TensorData) -> TensorData) throws {
                let id = g.nodes[i].inputs[slot]
                guard let data = g[id].constant else {
                    throw Diagnostic(node: node.name, op: node.op.name, "structured pruning: input \(slot) is not constant")
                }
                let new = edit(data)
                guard new != data else { return }
                g.nodes[i].inputs[slot] = g.addValue(Value(name: g[id].name + ".pruned", type: new.type, constant: new))
            }
            switch node.op {
            case .conv(var a):
                if a.group == 1 {
                    try replace(1) { $0.removing(outGone, axis: 0).removing(inGone, axis: 1) }
                    if node.inputs.count > 2 { try replace(2) { $0.removing(outGone, axis: 0) } }
                } else if !inGone.isEmpty {
                    // Depthwise: one filter per channel, so input and output lose the same channels.
                    try replace(1) { $0.removing(inGone, axis: 0) }
                    if node.inputs.count > 2 { try replace(2) { $0.removing(inGone, axis: 0) } }
                    a.group -= inGone.count
                    g.nodes[i].op = .conv(a)
                }
            case .gemm(let a):
                try replace(1) { $0.removing(inGone, axis: a.transB ? 1 : 0).removing(outGone, axis: a.transB ? 0 : 1) }
                if node.inputs.count > 2, !outGone.isEmpty {
                    let n = g.type(of: out).shape[1]
                    // A broadcast C (scalar, [1]) has nothing per output to remove.
                    try replace(2) { $0.shape.last == n ? $0.removing(outGone, axis: $0.shape.count - 1) : $0 }
                }
            case .matMul:
                try replace(1) { $0.removing(inGone, axis: 0).removing(outGone, axis: 1) }
            case .batchNormalization:
                for slot in 1...4 { try replace(slot) { $0.removing(inGone, axis: 0) } }
            case .binary:
                guard !outGone.isEmpty, let slot = node.inputs.firstIndex(where: { g[$0].isConstant }) else { break }
                let rank = g.type(of: out).rank
                try replace(slot) { c in
                    let axis = 1 - (rank - c.shape.count)
                    return axis >= 0 && c.shape[axis] > 1 ? c.removing(outGone, axis: axis) : c
                }
            case .reshape(var shape):
                shape[1] -= outGone.count
                g.nodes[i].op = .reshape(shape: shape)
            default:
                break
            }
            let edited = g.nodes[i]
            let types: [TensorType]
            do {
                types = try ShapeInference.outputTypes(of: edited.op, inputs: edited.inputs.map { g.type(of: $0) })
            } catch let d as Diagnostic {
                throw Diagnostic(node: node.name, op: node.op.name, "structured pruning left inconsistent shapes: \(d.message)")
            }
            var expected = g.type(of: out)
            if !outGone.isEmpty { expected.shape[1] -= outGone.count }
            guard types == [expected] else {
                throw Diagnostic(node: node.name, op: node.op.name,
                                 "structured pruning left inconsistent shapes: \(types) instead of \(expected)")
            }
            g[out].type = expected
        }
        return g
    }
}

extension TensorData {
    /// This tensor without the given indices along `axis`.
    func removing(_ indices: Set<Int>, axis: Int) -> TensorData {
        guard !indices.isEmpty, axis < shape.count else { return self }
        let outer = Shape.count(Array(shape[..<axis])), size = shape[axis], inner = Shape.count(Array(shape[(axis + 1)...]))
        let keep = (0..<size).filter { !indices.contains($0) }
        let values = floats
        var result: [Float] = []
        result.reserveCapacity(outer * keep.count * inner)
        for o in 0..<outer {
            for k in keep {
                let base = (o * size + k) * inner
                result.append(contentsOf: values[base..<(base + inner)])
            }
        }
        var newShape = shape
        newShape[axis] = keep.count
        return TensorData(floats: result, shape: newShape)
    }
}
