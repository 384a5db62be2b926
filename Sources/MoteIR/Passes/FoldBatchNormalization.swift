extension Graph {
    /// Folds an inference BatchNormalization into the Conv or Gemm that feeds it, when the producer's weights
    /// and the BN parameters are constants and nothing else reads the producer's output:
    /// s = scale / sqrt(var + eps), w' = w · s (per output channel), b' = (b − mean) · s + bias.
    public mutating func foldBatchNormalization() {
        let consumers = self.consumers()
        let producers = self.producers()
        var removed = Set<Int>()
        for (bnIndex, bn) in nodes.enumerated() {
            guard case .batchNormalization(let epsilon) = bn.op,
                  let p = producers[bn.inputs[0].index], !removed.contains(p),
                  consumers[bn.inputs[0].index] == [bnIndex], !outputs.contains(bn.inputs[0]) else { continue }
            let params = bn.inputs[1...].map { values[$0.index].constant?.floats }
            guard params.allSatisfy({ $0 != nil }) else { continue }
            let scale = params[0]!, bias = params[1]!, mean = params[2]!, variance = params[3]!
            let s = zip(scale, variance).map { $0 / (($1 + epsilon).squareRoot()) }
            let producer = nodes[p]
            guard let w = values[producer.inputs[1].index].constant else { continue }
            var weights = w.floats
            let channels = s.count
            switch producer.op {
            case .conv:
                guard w.shape.first == channels else { continue }
                let per = weights.count / channels
                for c in 0..<channels { for k in 0..<per { weights[c * per + k] *= s[c] } }
            case .gemm(let a) where a.alpha == 1 && a.beta == 1:
                guard w.shape.count == 2 else { continue }
                let n = a.transB ? w.shape[0] : w.shape[1]
                guard n == channels else { continue }
                for r in 0..<w.shape[0] {
                    for c in 0..<w.shape[1] { weights[r * w.shape[1] + c] *= s[a.transB ? r : c] }
                }
            default:
                continue
            }
            var b = [Float](repeating: 0, count: channels)
            if producer.inputs.count == 3 {
                guard let old = values[producer.inputs[2].index].constant?.floats else { continue }
                // Gemm's C may broadcast; fold only a per-output-channel bias.
                guard old.count == channels || old.count == 1 else { continue }
                b = old.count == 1 ? [Float](repeating: old[0], count: channels) : old
            }
            let newBias = (0..<channels).map { c in (b[c] - mean[c]) * s[c] + bias[c] }
            let wID = addValue(Value(name: values[producer.inputs[1].index].name + ".bn_folded",
                                     type: TensorType(.float32, w.shape), constant: TensorData(floats: weights, shape: w.shape)))
            let bID = addValue(Value(name: bn.name + ".bias_folded", type: TensorType(.float32, [channels]),
                                     constant: TensorData(floats: newBias, shape: [channels])))
            nodes[p].inputs = [producer.inputs[0], wID, bID]
            // The producer now writes the BN's output directly.
            nodes[p].outputs = bn.outputs
            removed.insert(bnIndex)
        }
        nodes = nodes.indices.filter { !removed.contains($0) }.map { nodes[$0] }
    }
}
