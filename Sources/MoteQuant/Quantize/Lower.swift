import MoteIR

extension Quantizer {
    /// Lowers one float node (and whatever it absorbs) to QModel layers.
    mutating func lower(_ index: Int, _ node: Node) throws {
        switch node.op {
        case .conv(let a): try lowerConv(node, a)
        case .batchNormalization(let eps): try lowerBatchNorm(node, epsilon: eps)
        case .gemm(let a): try lowerGemm(node, a)
        case .matMul: try lowerMatMul(node)
        case .binary(let op): try lowerBinary(node, op)
        case .activation(let a): try lowerActivation(node, a)
        case .clip: try lowerClip(node)
        case .softmax(let a): try lowerSoftmax(node, a)
        case .maxPool(let a): try lowerPool(node, a, kind: .max)
        case .averagePool(let a): try lowerPool(node, a, kind: .average)
        case .globalMaxPool: try lowerGlobalMaxPool(node)
        case .globalAveragePool:
            let shape = graph.type(of: node.inputs[0]).shape
            try lowerMean(node, outer: shape[0] * shape[1], reduce: shape[2...].reduce(1, *), inner: 1)
        case .reduceMean(let axes, _): try lowerReduceMean(node, axes: axes)
        case .reshape: try lowerMove(node) { .reshape(input: $0, output: $1) }
        case .transpose(let perm):
            let shape = graph.type(of: node.inputs[0]).shape
            guard shape.count <= 6 else { throw fail(node, "rank \(shape.count) transposes are not supported in int8 (at most 6)") }
            try lowerMove(node) { .transpose(QTranspose(input: $0, output: $1, inShape: shape, perm: perm)) }
        case .pad(let a): try lowerPad(node, a)
        case .concat(let axis): try lowerConcat(node, axis: axis)
        }
        _ = index
    }

    /// Ops that move data: the output keeps the input's quantization.
    mutating func lowerMove(_ node: Node, _ make: (Int, Int) -> QOp) throws {
        let x = try input(node.inputs[0], node)
        let out = addTensor(node.outputs[0], quant: quant(x))
        append(node, make(x, out))
    }
}
