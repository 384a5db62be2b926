import MoteIR

extension Quantizer {
    mutating func lowerConv(_ node: Node, _ a: ConvAttributes) throws {
        guard let w = graph.constant(node.inputs[1]) else { throw fail(node, "weights must be constant to quantize") }
        let bias = node.inputs.count == 3 ? graph.constant(node.inputs[2])?.floats : nil
        if node.inputs.count == 3, bias == nil { throw fail(node, "bias must be constant to quantize") }
        try emitConv(node, weights: w.floats, weightShape: w.shape, bias: bias, attributes: a)
    }

    /// Inference BatchNormalization that could not be folded: y = s·x + t per channel, which is a depthwise
    /// 1×1 convolution with weight s and bias t.
    mutating func lowerBatchNorm(_ node: Node, epsilon: Float) throws {
        // `params` is a new array of the four parameters: indices 0...3 (scale, bias, mean, variance).
        let params = node.inputs[1...].map { graph.constant($0)?.floats }
        guard params.count == 4, let scale = params[0], let bias = params[1], let mean = params[2], let variance = params[3] else {
            throw fail(node, "parameters must be constant to quantize")
        }
        let x = graph.type(of: node.inputs[0]).shape
        guard x.count == 3 || x.count == 4 else { throw fail(node, "rank \(x.count) is not supported in int8") }
        let s = zip(scale, variance).map { $0 / ($1 + epsilon).squareRoot() }
        let t = (0..<s.count).map { bias[$0] - mean[$0] * s[$0] }
        let spatial = x.count - 2
        let attributes = ConvAttributes(kernel: [Int](repeating: 1, count: spatial), strides: [Int](repeating: 1, count: spatial),
                                        dilations: [Int](repeating: 1, count: spatial), pads: [Int](repeating: 0, count: 2 * spatial),
                                        group: x[1])
        try emitConv(node, weights: s, weightShape: [x[1], 1] + [Int](repeating: 1, count: spatial), bias: t, attributes: attributes)
    }

    mutating func emitConv(_ node: Node, weights: [Float], weightShape: [Int], bias: [Float]?, attributes a: ConvAttributes) throws {
        let xShape = graph.type(of: node.inputs[0]).shape
        guard xShape.count == 3 || xShape.count == 4 else {
            throw fail(node, "\(xShape.count - 2)-D convolution is not supported in int8 (1-D and 2-D are)")
        }
        let x = try input(node.inputs[0], node)
        let outChannels = weightShape[0]
        let out = fusedOutput(node)
        let oShape = graph.type(of: out.value).shape
        let twoD = xShape.count == 4
        var floatBias = bias ?? [Float](repeating: 0, count: outChannels)
        let inQuant = quant(x)
        let output = addTensor(out.value, quant: out.quant)
        let conv = QConv(
            input: x, output: output, batch: xShape[0],
            inChannels: xShape[1], inHeight: twoD ? xShape[2] : 1, inWidth: xShape[twoD ? 3 : 2],
            outChannels: outChannels, outHeight: twoD ? oShape[2] : 1, outWidth: oShape[twoD ? 3 : 2],
            kernelHeight: twoD ? a.kernel[0] : 1, kernelWidth: a.kernel[twoD ? 1 : 0],
            strideHeight: twoD ? a.strides[0] : 1, strideWidth: a.strides[twoD ? 1 : 0],
            dilationHeight: twoD ? a.dilations[0] : 1, dilationWidth: a.dilations[twoD ? 1 : 0],
            padTop: twoD ? a.pads[0] : 0, padLeft: a.pads[twoD ? 1 : 0], groups: a.group,
            weights: [], bias: [], requant: [],
            inputOffset: -inQuant.zeroPoint, outputZeroPoint: out.quant.zeroPoint,
            clampMin: out.clampMin, clampMax: out.clampMax)
        let unquantized = conv, originalBias = floatBias
        let floatMeans = stats[node.inputs[0].index].channelMeans
        let qw = quantizeWeights(node, weights: weights, channels: outChannels, groups: a.group, layer: .conv(conv),
                                 inputQuant: inQuant, bias: &floatBias, floatMeans: floatMeans)
        func finished(_ q: QuantizedWeights, _ bias: [Float]) throws -> QConv {
            var c = unquantized
            c.weights = q.values
            c.weightBits = q.bits
            c.sparseStorage = q.pruned
            c.bias = q.bias(bias, inputScale: inQuant.scale)
            c.requant = try q.requant(inputScale: inQuant.scale, outputScale: out.quant.scale, node: node)
            return c
        }
        append(node, .conv(try finished(qw, floatBias)), extraOps: out.ops)
        try recordAlternatives(alternativeWeights(node, weights: weights, channels: outChannels, groups: a.group, layer: .conv(conv),
                                                  inputQuant: inQuant, bias: originalBias, floatMeans: floatMeans)) { .conv(try finished($0, $1)) }
    }

    /// Keeps the layer just appended under each alternative choice (`QuantizeOptions.alternatives`).
    mutating func recordAlternatives(_ variants: [(WeightChoice, QuantizedWeights, [Float])],
                                     _ make: (QuantizedWeights, [Float]) throws -> QOp) throws {
        guard !variants.isEmpty, let index = model.layers.indices.last else { return }
        var layers: [WeightChoice: QLayer] = [:]
        for (choice, q, bias) in variants {
            var layer = model.layers[index]
            layer.op = try make(q, bias)
            layers[choice] = layer
        }
        alternatives.append(CompressionSearch.Alternatives(layer: index, variants: layers))
    }

    /// Bias correction: the expected output error of channel m is Σ (ŵ − w)[m, c, k] · E[x_c], with E[x_c]
    /// the calibration mean of input channel c (padding ignored).
    func correctBias(_ bias: inout [Float], weights: [Float], quantized: QuantizedWeights, channels: Int, group: Int, inputMeans: [Double]) {
        guard channels > 0, !inputMeans.isEmpty else { return }
        let per = weights.count / channels
        let deq = quantized.dequantized(channels: channels)
        let inPerGroup = inputMeans.count / max(group, 1)
        guard inPerGroup > 0, per % inPerGroup == 0 else { return }
        let taps = per / inPerGroup
        let outPerGroup = channels / max(group, 1)
        for m in 0..<channels {
            let g = m / max(outPerGroup, 1)
            var e = 0.0
            for c in 0..<inPerGroup {
                var d = 0.0
                for k in 0..<taps { d += Double(deq[m * per + c * taps + k] - weights[m * per + c * taps + k]) }
                e += d * inputMeans[g * inPerGroup + c]
            }
            bias[m] -= Float(e)
        }
    }

    mutating func lowerGemm(_ node: Node, _ a: GemmAttributes) throws {
        guard !a.transA else { throw fail(node, "transA = 1 is not supported in int8") }
        guard let b = graph.constant(node.inputs[1]) else { throw fail(node, "B must be constant (weights) to quantize") }
        let n = a.transB ? b.shape[0] : b.shape[1], k = a.transB ? b.shape[1] : b.shape[0]
        var w = [Float](repeating: 0, count: n * k)
        let bv = b.floats
        for j in 0..<n { for i in 0..<k { w[j * k + i] = a.alpha * (a.transB ? bv[j * k + i] : bv[i * n + j]) } }
        var bias = [Float](repeating: 0, count: n)
        if node.inputs.count == 3 {
            guard let c = graph.constant(node.inputs[2]) else { throw fail(node, "C must be constant to quantize") }
            let rows = graph.type(of: node.inputs[0]).shape[0]
            let cv = c.floats
            if c.count == 1 { bias = [Float](repeating: a.beta * cv[0], count: n) } else if c.count == n || (c.count == n * rows && rows == 1) {
                bias = cv.map { a.beta * $0 }
            } else {
                throw fail(node, "C of shape \(Shape.describe(c.shape)) is not a per-output bias")
            }
        }
        try emitDense(node, weights: w, outFeatures: n, inFeatures: k, bias: bias, outputNode: node)
    }

    /// MatMul by constant weights [K, N], plus a following constant Add as its bias when possible.
    mutating func lowerMatMul(_ node: Node) throws {
        guard let b = graph.constant(node.inputs[1]), b.shape.count == 2 else {
            throw fail(node, "only a MatMul by a constant 2-D weight matrix is supported in int8")
        }
        let k = b.shape[0], n = b.shape[1]
        let bv = b.floats
        var w = [Float](repeating: 0, count: n * k)
        for j in 0..<n { for i in 0..<k { w[j * k + i] = bv[i * n + j] } }
        var bias = [Float](repeating: 0, count: n)
        var last = node
        let y = node.outputs[0]
        if !graph.outputs.contains(y), consumers[y.index].count == 1 {
            let addIndex = consumers[y.index][0]
            let add = graph.nodes[addIndex]
            if case .binary(.add) = add.op {
                let other = add.inputs[0] == y ? add.inputs[1] : add.inputs[0]
                if let c = graph.constant(other), c.count == n, add.outputs.first.map({ graph.type(of: $0) }) == graph.type(of: y) {
                    bias = c.floats
                    absorbed.insert(addIndex)
                    last = add
                }
            }
        }
        try emitDense(node, weights: w, outFeatures: n, inFeatures: k, bias: bias, outputNode: last)
    }

    /// `outputNode` is the node whose output the dense layer produces (the MatMul or the absorbed Add).
    mutating func emitDense(_ node: Node, weights: [Float], outFeatures n: Int, inFeatures k: Int, bias: [Float], outputNode: Node) throws {
        let x = try input(node.inputs[0], node)
        let count = graph.type(of: node.inputs[0]).count
        let out = fusedOutput(outputNode)
        var floatBias = bias
        let inQuant = quant(x)
        let dense = QDense(input: x, output: addTensor(out.value, quant: out.quant), rows: count / k, inFeatures: k,
                           outFeatures: n, weights: [], bias: [], requant: [],
                           inputOffset: -inQuant.zeroPoint, outputZeroPoint: out.quant.zeroPoint,
                           clampMin: out.clampMin, clampMax: out.clampMax)
        // Feature means of the input: channelMeans holds axis-1 means, which are the features for a 2-D input.
        let floatMeans = graph.type(of: node.inputs[0]).shape.count == 2 ? stats[node.inputs[0].index].channelMeans : nil
        let unquantized = dense, originalBias = floatBias
        let qw = quantizeWeights(node, weights: weights, channels: n, groups: 1, layer: .dense(dense), inputQuant: inQuant,
                                 bias: &floatBias, floatMeans: floatMeans)
        func finished(_ q: QuantizedWeights, _ bias: [Float]) throws -> QDense {
            var d = unquantized
            d.weights = q.values
            d.weightBits = q.bits
            d.sparseStorage = q.pruned
            d.bias = q.bias(bias, inputScale: inQuant.scale)
            d.requant = try q.requant(inputScale: inQuant.scale, outputScale: out.quant.scale, node: node)
            return d
        }
        append(node, .dense(try finished(qw, floatBias)), extraOps: (outputNode == node ? [] : [outputNode.sourceOp]) + out.ops)
        try recordAlternatives(alternativeWeights(node, weights: weights, channels: n, groups: 1, layer: .dense(dense),
                                                  inputQuant: inQuant, bias: originalBias, floatMeans: floatMeans)) { .dense(try finished($0, $1)) }
    }
}
