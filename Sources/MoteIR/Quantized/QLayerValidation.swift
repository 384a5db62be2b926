/// The per-layer checks of `QModel.validate()`: one function per op, each stating what its kernel (Swift in
/// MoteInteger, C in Templates/kernels) relies on.
extension LayerCheck {
    /// Largest pooling window (kernelHeight · kernelWidth): with an int8 zero point an average's |sum| < 2^28.
    static let maxPoolKernelArea = 1 << 20
    /// Softmax: axis ≤ 65535 and every table entry ≤ 65536 keep the uint32 sum and e·256 + sum/2 in 32 bits.
    static let maxSoftmaxAxis = 65535
    static let maxSoftmaxEntry: UInt32 = 65536

    func op(_ op: QOp) throws {
        switch op {
        case .conv(let p): try conv(p)
        case .dense(let p): try dense(p)
        case .add(let p): try add(p)
        case .mul(let p): try mul(p)
        case .pool(let p): try pool(p)
        case .mean(let p): try mean(p)
        case .table(let p): try table(p)
        case .softmax(let p): try softmax(p)
        case .concat(let p): try concat(p)
        case .pad(let p): try pad(p)
        case .transpose(let p): try transpose(p)
        case .reshape(let input, let output):
            try tensor(output, count: tensors[input].count, "output")
        }
    }

    private func conv(_ p: QConv) throws {
        for (value, name) in [(p.batch, "batch"), (p.inChannels, "inChannels"), (p.inHeight, "inHeight"),
                              (p.inWidth, "inWidth"), (p.outChannels, "outChannels"), (p.outHeight, "outHeight"),
                              (p.outWidth, "outWidth"), (p.kernelHeight, "kernelHeight"), (p.kernelWidth, "kernelWidth"),
                              (p.strideHeight, "strideHeight"), (p.strideWidth, "strideWidth"),
                              (p.dilationHeight, "dilationHeight"), (p.dilationWidth, "dilationWidth"), (p.groups, "groups")] {
            try positive(value, name)
        }
        try nonNegative(p.padTop, "padTop")
        try nonNegative(p.padLeft, "padLeft")
        try require(p.inChannels % p.groups == 0 && p.outChannels % p.groups == 0,
                    "groups \(p.groups) does not divide inChannels \(p.inChannels) and outChannels \(p.outChannels)")
        try window(output: p.outHeight, kernel: p.kernelHeight, stride: p.strideHeight,
                   dilation: p.dilationHeight, axis: "height")
        try window(output: p.outWidth, kernel: p.kernelWidth, stride: p.strideWidth,
                   dilation: p.dilationWidth, axis: "width")
        let inCount = try product([p.batch, p.inChannels, p.inHeight, p.inWidth], "input")
        let outCount = try product([p.batch, p.outChannels, p.outHeight, p.outWidth], "output")
        let weightCount = try product([p.outChannels, p.inChannels / p.groups, p.kernelHeight, p.kernelWidth], "weights")
        try weighted(input: p.input, inCount: inCount, output: p.output, outCount: outCount,
                     weights: p.weights.count, weightCount: weightCount, channels: p.outChannels,
                     bias: p.bias, requant: p.requant, clampMin: p.clampMin, clampMax: p.clampMax)
        try weightValues(p.weights, p.weightBits)
    }

    private func dense(_ p: QDense) throws {
        try positive(p.rows, "rows")
        try positive(p.inFeatures, "inFeatures")
        try positive(p.outFeatures, "outFeatures")
        let inCount = try product([p.rows, p.inFeatures], "input")
        let outCount = try product([p.rows, p.outFeatures], "output")
        let weightCount = try product([p.outFeatures, p.inFeatures], "weights")
        try weighted(input: p.input, inCount: inCount, output: p.output, outCount: outCount,
                     weights: p.weights.count, weightCount: weightCount, channels: p.outFeatures,
                     bias: p.bias, requant: p.requant, clampMin: p.clampMin, clampMax: p.clampMax)
        try weightValues(p.weights, p.weightBits)
    }

    /// Every weight fits the storage of its width. The quantizer's symmetric range is ±`maxMagnitude`, but the
    /// bound checked is what the storage holds and the kernels compute exactly: int8 −128...127 (as before)
    /// and int4 −8...7 (a nibble's two's complement range; 8 or more would be cut to 4 bits and change value).
    private func weightValues(_ weights: [Int8], _ bits: QWeightBits) throws {
        guard bits == .int4 else { return }
        if let i = weights.firstIndex(where: { $0 < -8 || $0 > 7 }) {
            throw error("weights[\(i)] is \(weights[i]), outside the int4 range -8...7 (weightBits is int4)")
        }
    }

    /// Conv and dense: the tensors hold the counts the shape parameters give, there are `weightCount` weights,
    /// one bias and one requantization multiplier per output channel, and the clamp is an int8 range.
    private func weighted(input: Int, inCount: Int, output: Int, outCount: Int, weights: Int, weightCount: Int,
                          channels: Int, bias: [Int32], requant: [QMultiplier], clampMin: Int32, clampMax: Int32) throws {
        try tensor(input, count: inCount, "input")
        try tensor(output, count: outCount, "output")
        try array(weights, weightCount, "weights")
        try array(bias.count, channels, "bias")
        try array(requant.count, channels, "requant")
        for (m, r) in requant.enumerated() { try multiplier(r, "requant[\(m)]") }
        try clamp(clampMin, clampMax)
    }

    private func add(_ p: QAdd) throws {
        try broadcast(p.broadcast, input1: p.input1, input2: p.input2, output: p.output)
        try require(p.leftShift >= 0 && p.leftShift <= 31, "leftShift is \(p.leftShift), expected 0...31")
        try multiplier(p.input1Multiplier, "input1Multiplier")
        try multiplier(p.input2Multiplier, "input2Multiplier")
        try multiplier(p.outputMultiplier, "outputMultiplier")
        try clamp(p.clampMin, p.clampMax)
    }

    private func mul(_ p: QMul) throws {
        try broadcast(p.broadcast, input1: p.input1, input2: p.input2, output: p.output)
        try multiplier(p.multiplier, "multiplier")
        try clamp(p.clampMin, p.clampMax)
    }

    /// A binary op's broadcast: rank ≤ 6, the output shape covers the output tensor, and every offset an input
    /// is read at stays inside that input.
    private func broadcast(_ b: QBroadcast, input1: Int, input2: Int, output: Int) throws {
        try shape(b.shape, "broadcast shape")
        try require(b.strides1.count == b.shape.count && b.strides2.count == b.shape.count,
                    "broadcast strides have ranks \(b.strides1.count) and \(b.strides2.count), the shape has rank \(b.shape.count)")
        let total = try product(b.shape, "broadcast shape")
        try tensor(output, count: total, "output")
        for (strides, input, name) in [(b.strides1, input1, "strides1"), (b.strides2, input2, "strides2")] {
            for s in strides {
                try require(s >= 0 && s <= Self.maxDimension, "\(name) \(strides) has a stride outside 0...\(Self.maxDimension)")
            }
            guard total > 0 else { continue }
            // The largest offset read: every axis at its last index (each term ≤ 2^52: no Int overflow).
            let last = zip(b.shape, strides).reduce(0) { $0 + ($1.0 - 1) * $1.1 }
            try require(last < tensors[input].count,
                        "\(name) \(strides) over shape \(Shape.describe(b.shape)) reads offset \(last): the strides reach past input tensor \(input), which has \(tensors[input].count) elements")
        }
    }

    private func pool(_ p: QPool) throws {
        for (value, name) in [(p.planes, "planes"), (p.inHeight, "inHeight"), (p.inWidth, "inWidth"),
                              (p.outHeight, "outHeight"), (p.outWidth, "outWidth"), (p.kernelHeight, "kernelHeight"),
                              (p.kernelWidth, "kernelWidth"), (p.strideHeight, "strideHeight"),
                              (p.strideWidth, "strideWidth"), (p.dilationHeight, "dilationHeight"),
                              (p.dilationWidth, "dilationWidth")] {
            try positive(value, name)
        }
        for (value, name) in [(p.padTop, "padTop"), (p.padLeft, "padLeft"), (p.padBottom, "padBottom"), (p.padRight, "padRight")] {
            try nonNegative(value, name)
        }
        try window(output: p.outHeight, kernel: p.kernelHeight, stride: p.strideHeight,
                   dilation: p.dilationHeight, axis: "height")
        try window(output: p.outWidth, kernel: p.kernelWidth, stride: p.strideWidth,
                   dilation: p.dilationWidth, axis: "width")
        try require(p.kernelHeight * p.kernelWidth <= Self.maxPoolKernelArea,
                    "kernel \(p.kernelHeight)x\(p.kernelWidth) has more than \(Self.maxPoolKernelArea) taps")
        try tensor(p.input, count: try product([p.planes, p.inHeight, p.inWidth], "input"), "input")
        try tensor(p.output, count: try product([p.planes, p.outHeight, p.outWidth], "output"), "output")
        try int8(p.zeroPoint, "zeroPoint")
        try clamp(p.clampMin, p.clampMax)
        if p.kind == .average {
            // Every window must count at least one tap, or its divisor would be 0. The divisor is a product of a
            // row count and a column count, so checking each output row and column suffices.
            let counted = p.countIncludePad ? "input or pad" : "input"
            for oy in 0..<p.outHeight where p.divisorTaps(output: oy, vertical: true) == 0 {
                throw error("average window of output row \(oy) covers no \(counted) taps: its divisor would be 0")
            }
            for ox in 0..<p.outWidth where p.divisorTaps(output: ox, vertical: false) == 0 {
                throw error("average window of output column \(ox) covers no \(counted) taps: its divisor would be 0")
            }
        }
    }

    private func mean(_ p: QMean) throws {
        try positive(p.outer, "outer")
        try positive(p.reduce, "reduce")
        try positive(p.inner, "inner")
        try tensor(p.input, count: try product([p.outer, p.reduce, p.inner], "input"), "input")
        try tensor(p.output, count: try product([p.outer, p.inner], "output"), "output")
        try multiplier(p.multiplier, "multiplier")
    }

    private func table(_ p: QTable) throws {
        try array(p.table.count, 256, "table")
        try tensor(p.output, count: tensors[p.input].count, "output")
    }

    private func softmax(_ p: QSoftmax) throws {
        try positive(p.outer, "outer")
        try positive(p.inner, "inner")
        try require(p.axis >= 1 && p.axis <= Self.maxSoftmaxAxis, "axis size is \(p.axis), expected 1...\(Self.maxSoftmaxAxis)")
        let count = try product([p.outer, p.axis, p.inner], "input")
        try tensor(p.input, count: count, "input")
        try tensor(p.output, count: count, "output")
        try array(p.expTable.count, 256, "expTable")
        // The kernels divide by the sum of entries (which includes entry 0).
        try require(p.expTable[0] >= 1, "expTable[0] is 0: a softmax sum could be 0")
        if let i = p.expTable.firstIndex(where: { $0 > Self.maxSoftmaxEntry }) {
            throw error("expTable[\(i)] is \(p.expTable[i]), expected at most \(Self.maxSoftmaxEntry)")
        }
    }

    private func concat(_ p: QConcat) throws {
        try positive(p.outer, "outer")
        try require(!p.parts.isEmpty, "has no inputs")
        try require(p.parts.count <= Int(Int32.max), "has too many inputs")
        var rowTotal = 0
        for (k, part) in p.parts.enumerated() {
            try nonNegative(part.rowSize, "parts[\(k)].rowSize")
            try tensor(part.input, count: try product([p.outer, part.rowSize], "parts[\(k)]"), "parts[\(k)] input")
            if let m = part.requant { try multiplier(m, "parts[\(k)].requant") }
            rowTotal += part.rowSize  // each ≤ 2^26 and the product below is checked
            try require(rowTotal <= Self.maxDimension, "output row exceeds \(Self.maxDimension) elements")
        }
        try tensor(p.output, count: try product([p.outer, rowTotal], "output"), "output")
    }

    private func pad(_ p: QPad) throws {
        try shape(p.inShape, "inShape")
        try shape(p.outShape, "outShape")
        try require(p.outShape.count == p.inShape.count && p.padsBegin.count == p.inShape.count,
                    "inShape, outShape and padsBegin have ranks \(p.inShape.count), \(p.outShape.count), \(p.padsBegin.count)")
        for pad in p.padsBegin {
            // A range test rather than abs(): abs(Int.min) traps.
            try require(pad >= -Self.maxDimension && pad <= Self.maxDimension,
                        "padsBegin \(p.padsBegin) has a pad beyond ±\(Self.maxDimension)")
        }
        try tensor(p.input, count: try product(p.inShape, "input"), "input")
        try tensor(p.output, count: try product(p.outShape, "output"), "output")
    }

    private func transpose(_ p: QTranspose) throws {
        try shape(p.inShape, "inShape")
        try require(p.perm.count == p.inShape.count && p.perm.sorted() == Array(0..<p.inShape.count),
                    "perm \(p.perm) is not a permutation of 0..<\(p.inShape.count)")
        let count = try product(p.inShape, "input")
        try tensor(p.input, count: count, "input")
        try tensor(p.output, count: count, "output")
    }
}
