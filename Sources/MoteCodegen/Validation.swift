import MoteIR

/// The checks `Codegen.emit` makes before writing any C, so that a malformed `QModel` gives a `Diagnostic`
/// naming the layer instead of C that reads or writes out of bounds on a device.
///
/// They mirror the integer interpreter's validation (MoteInteger), which this target cannot import: tensor
/// indices, single assignment, execution order, and for each layer the element counts its kernel reads and
/// writes, its array lengths, and bounds that keep the kernels' `int32_t` index arithmetic far from overflow.
enum ModelCheck {
    /// `MOTE_MAX_RANK` in mote_kernels.h.
    static let maxRank = 6
    static let maxDimension = Shape.maxElements
    static let maxExtent = 2 * Shape.maxElements

    static func validate(_ model: QModel) throws {
        for (i, t) in model.tensors.enumerated() {
            guard let count = Shape.checkedCount(t.shape), count >= 1 else {
                throw Diagnostic("tensor \(i) ('\(Diagnostic.printable(t.name))') has shape \(Shape.describe(t.shape)): it must hold 1...\(Shape.maxElements) elements")
            }
        }
        let count = model.tensors.count
        guard !model.inputs.isEmpty else { throw Diagnostic("model has no inputs") }
        guard !model.outputs.isEmpty else { throw Diagnostic("model has no outputs") }
        var defined = [Bool](repeating: false, count: count)
        for t in model.inputs {
            guard t >= 0 && t < count else { throw Diagnostic("model input refers to tensor \(t), but there are \(count) tensors") }
            guard !defined[t] else { throw Diagnostic("tensor \(t) is listed twice as a model input") }
            defined[t] = true
            try interface(model.tensors[t], t, "input")
        }
        for layer in model.layers {
            let check = LayerCheck(layer: layer, tensors: model.tensors)
            for t in layer.op.inputs {
                try check.require(t >= 0 && t < count, "input tensor \(t) is out of range (\(count) tensors)")
                try check.require(defined[t], "input tensor \(t) ('\(Diagnostic.printable(model.tensors[t].name))') is not computed before this layer")
            }
            let out = layer.op.output
            try check.require(out >= 0 && out < count, "output tensor \(out) is out of range (\(count) tensors)")
            try check.require(!defined[out], "output tensor \(out) ('\(Diagnostic.printable(model.tensors[out].name))') is already written by a model input or an earlier layer")
            try check.op(layer.op)
            defined[out] = true
        }
        for t in model.outputs {
            guard t >= 0 && t < count else { throw Diagnostic("model output refers to tensor \(t), but there are \(count) tensors") }
            guard defined[t] else { throw Diagnostic("model output tensor \(t) ('\(Diagnostic.printable(model.tensors[t].name))') is never computed") }
            try interface(model.tensors[t], t, "output")
        }
    }

    /// Model inputs and outputs become header macros and float helpers: their quantization must be usable there.
    private static func interface(_ tensor: QTensor, _ index: Int, _ role: String) throws {
        let scale = Float(tensor.quant.scale)
        guard scale.isFinite && scale > 0 else {
            throw Diagnostic("model \(role) tensor \(index) ('\(Diagnostic.printable(tensor.name))') has scale \(tensor.quant.scale): expected a positive float")
        }
        guard tensor.quant.zeroPoint >= -128 && tensor.quant.zeroPoint <= 127 else {
            throw Diagnostic("model \(role) tensor \(index) ('\(Diagnostic.printable(tensor.name))') has zero point \(tensor.quant.zeroPoint): expected -128...127")
        }
    }
}

/// Checks of one layer (its tensor indices are already known to be in range).
struct LayerCheck {
    let layer: QLayer
    let tensors: [QTensor]

    func error(_ message: String) -> Diagnostic { Diagnostic(node: layer.name, op: layer.op.name, message) }

    func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw error(message()) }
    }

    func positive(_ values: [(Int, String)]) throws {
        for (v, name) in values {
            try require(v >= 1 && v <= ModelCheck.maxDimension, "\(name) is \(v), expected 1...\(ModelCheck.maxDimension)")
        }
    }

    func nonNegative(_ values: [(Int, String)]) throws {
        for (v, name) in values {
            try require(v >= 0 && v <= ModelCheck.maxDimension, "\(name) is \(v), expected 0...\(ModelCheck.maxDimension)")
        }
    }

    func product(_ factors: [Int], _ what: String) throws -> Int {
        var total = 1
        for f in factors {
            let (p, overflow) = total.multipliedReportingOverflow(by: f)
            try require(f >= 0 && !overflow && p <= ModelCheck.maxDimension, "\(what) exceeds \(ModelCheck.maxDimension) elements")
            total = p
        }
        return total
    }

    func tensor(_ index: Int, count: Int, _ role: String) throws {
        let actual = tensors[index].count
        try require(actual == count, "\(role) tensor \(index) has \(actual) elements, the layer's parameters need \(count)")
    }

    func array(_ actual: Int, _ expected: Int, _ name: String) throws {
        try require(actual == expected, "\(name) has \(actual) values, expected \(expected)")
    }

    func clamp(_ lo: Int32, _ hi: Int32) throws {
        try require(lo >= -128 && hi <= 127 && lo <= hi, "clamp range \(lo)...\(hi) is not inside -128...127")
    }

    func int8(_ value: Int32, _ name: String) throws {
        try require(value >= -128 && value <= 127, "\(name) is \(value), expected -128...127")
    }

    func multiplier(_ m: QMultiplier, _ name: String) throws {
        try require(m.multiplier >= 0, "\(name) multiplier is \(m.multiplier), expected >= 0")
        try require(m.shift >= -31 && m.shift <= 30, "\(name) shift is \(m.shift), expected -31...30")
    }

    func window(output: Int, kernel: Int, stride: Int, dilation: Int, axis: String) throws {
        let extent = (output - 1) * stride + (kernel - 1) * dilation
        try require(extent <= ModelCheck.maxExtent, "\(axis) window extent \(extent) exceeds \(ModelCheck.maxExtent)")
    }

    func rankLimited(_ shape: [Int], _ name: String) throws {
        try require(shape.count <= ModelCheck.maxRank, "\(name) has rank \(shape.count), at most \(ModelCheck.maxRank) is supported")
        for d in shape {
            try require(d >= 0 && d <= ModelCheck.maxDimension, "\(name) \(Shape.describe(shape)) has a dimension outside 0...\(ModelCheck.maxDimension)")
        }
    }

    func op(_ op: QOp) throws {
        switch op {
        case .conv(let p): try conv(p)
        case .dense(let p): try dense(p)
        case .add(let p):
            try broadcast(p.broadcast, p.input1, p.input2, p.output)
            try require(p.leftShift >= 0 && p.leftShift <= 31, "leftShift is \(p.leftShift), expected 0...31")
            try multiplier(p.input1Multiplier, "input1Multiplier")
            try multiplier(p.input2Multiplier, "input2Multiplier")
            try multiplier(p.outputMultiplier, "outputMultiplier")
            try clamp(p.clampMin, p.clampMax)
        case .mul(let p):
            try broadcast(p.broadcast, p.input1, p.input2, p.output)
            try multiplier(p.multiplier, "multiplier")
            try clamp(p.clampMin, p.clampMax)
        case .pool(let p): try pool(p)
        case .mean(let p):
            try positive([(p.outer, "outer"), (p.reduce, "reduce"), (p.inner, "inner")])
            try tensor(p.input, count: try product([p.outer, p.reduce, p.inner], "input"), "input")
            try tensor(p.output, count: try product([p.outer, p.inner], "output"), "output")
            try int8(p.inputZeroPoint, "inputZeroPoint")
            try multiplier(p.multiplier, "multiplier")
        case .table(let p):
            try array(p.table.count, 256, "table")
            try tensor(p.output, count: tensors[p.input].count, "output")
        case .softmax(let p):
            try positive([(p.outer, "outer"), (p.axis, "axis"), (p.inner, "inner")])
            try require(p.axis <= 65535, "axis size \(p.axis) exceeds 65535")
            try array(p.expTable.count, 256, "expTable")
            // The C divides by the sum of entries (which includes entry 0) in 32 bits.
            try require(p.expTable[0] >= 1, "expTable[0] is 0: a softmax sum could be 0")
            try require(p.expTable.allSatisfy { $0 <= 65536 }, "expTable has an entry above 65536")
            let n = try product([p.outer, p.axis, p.inner], "input")
            try tensor(p.input, count: n, "input")
            try tensor(p.output, count: n, "output")
        case .concat(let p):
            try positive([(p.outer, "outer")])
            try require(!p.parts.isEmpty, "has no inputs")
            var total = 0
            for (k, part) in p.parts.enumerated() {
                try positive([(part.rowSize, "part \(k) rowSize")])
                try tensor(part.input, count: try product([p.outer, part.rowSize], "input \(k)"), "input \(k)")
                if let r = part.requant { try multiplier(r, "part \(k) requant") }
                try int8(part.inputZeroPoint, "part \(k) inputZeroPoint")
                total += part.rowSize
            }
            try tensor(p.output, count: try product([p.outer, total], "output"), "output")
        case .pad(let p):
            try rankLimited(p.inShape, "inShape")
            try rankLimited(p.outShape, "outShape")
            try require(p.outShape.count == p.inShape.count && p.padsBegin.count == p.inShape.count,
                        "inShape, outShape and padsBegin have ranks \(p.inShape.count), \(p.outShape.count), \(p.padsBegin.count)")
            for b in p.padsBegin {
                try require(b >= -ModelCheck.maxDimension && b <= ModelCheck.maxDimension, "pad \(b) is outside ±\(ModelCheck.maxDimension)")
            }
            try tensor(p.input, count: try product(p.inShape, "input"), "input")
            try tensor(p.output, count: try product(p.outShape, "output"), "output")
        case .transpose(let p):
            try rankLimited(p.inShape, "inShape")
            try require(p.perm.sorted() == Array(0..<p.inShape.count), "perm \(p.perm) is not a permutation of 0..<\(p.inShape.count)")
            let n = try product(p.inShape, "input")
            try tensor(p.input, count: n, "input")
            try tensor(p.output, count: n, "output")
        case .reshape(let input, let output):
            try tensor(output, count: tensors[input].count, "output")
        }
    }

    private func conv(_ p: QConv) throws {
        try positive([(p.batch, "batch"), (p.inChannels, "inChannels"), (p.inHeight, "inHeight"), (p.inWidth, "inWidth"),
                      (p.outChannels, "outChannels"), (p.outHeight, "outHeight"), (p.outWidth, "outWidth"),
                      (p.kernelHeight, "kernelHeight"), (p.kernelWidth, "kernelWidth"), (p.strideHeight, "strideHeight"),
                      (p.strideWidth, "strideWidth"), (p.dilationHeight, "dilationHeight"), (p.dilationWidth, "dilationWidth"),
                      (p.groups, "groups")])
        try nonNegative([(p.padTop, "padTop"), (p.padLeft, "padLeft")])
        try require(p.inChannels % p.groups == 0 && p.outChannels % p.groups == 0,
                    "groups \(p.groups) does not divide inChannels \(p.inChannels) and outChannels \(p.outChannels)")
        try window(output: p.outHeight, kernel: p.kernelHeight, stride: p.strideHeight, dilation: p.dilationHeight, axis: "height")
        try window(output: p.outWidth, kernel: p.kernelWidth, stride: p.strideWidth, dilation: p.dilationWidth, axis: "width")
        try tensor(p.input, count: try product([p.batch, p.inChannels, p.inHeight, p.inWidth], "input"), "input")
        try tensor(p.output, count: try product([p.batch, p.outChannels, p.outHeight, p.outWidth], "output"), "output")
        try array(p.weights.count, try product([p.outChannels, p.inChannels / p.groups, p.kernelHeight, p.kernelWidth], "weights"), "weights")
        try array(p.bias.count, p.outChannels, "bias")
        try array(p.requant.count, p.outChannels, "requant")
        for (m, r) in p.requant.enumerated() { try multiplier(r, "requant[\(m)]") }
        try clamp(p.clampMin, p.clampMax)
    }

    private func dense(_ p: QDense) throws {
        try positive([(p.rows, "rows"), (p.inFeatures, "inFeatures"), (p.outFeatures, "outFeatures")])
        try tensor(p.input, count: try product([p.rows, p.inFeatures], "input"), "input")
        try tensor(p.output, count: try product([p.rows, p.outFeatures], "output"), "output")
        try array(p.weights.count, try product([p.outFeatures, p.inFeatures], "weights"), "weights")
        try array(p.bias.count, p.outFeatures, "bias")
        try array(p.requant.count, p.outFeatures, "requant")
        for (m, r) in p.requant.enumerated() { try multiplier(r, "requant[\(m)]") }
        try clamp(p.clampMin, p.clampMax)
    }

    private func pool(_ p: QPool) throws {
        try positive([(p.planes, "planes"), (p.inHeight, "inHeight"), (p.inWidth, "inWidth"), (p.outHeight, "outHeight"),
                      (p.outWidth, "outWidth"), (p.kernelHeight, "kernelHeight"), (p.kernelWidth, "kernelWidth"),
                      (p.strideHeight, "strideHeight"), (p.strideWidth, "strideWidth"),
                      (p.dilationHeight, "dilationHeight"), (p.dilationWidth, "dilationWidth")])
        try nonNegative([(p.padTop, "padTop"), (p.padLeft, "padLeft"), (p.padBottom, "padBottom"), (p.padRight, "padRight")])
        try window(output: p.outHeight, kernel: p.kernelHeight, stride: p.strideHeight, dilation: p.dilationHeight, axis: "height")
        try window(output: p.outWidth, kernel: p.kernelWidth, stride: p.strideWidth, dilation: p.dilationWidth, axis: "width")
        // The average's sum of up to `area` int8 taps stays far inside int32.
        _ = try product([p.kernelHeight, p.kernelWidth], "kernel area")
        try tensor(p.input, count: try product([p.planes, p.inHeight, p.inWidth], "input"), "input")
        try tensor(p.output, count: try product([p.planes, p.outHeight, p.outWidth], "output"), "output")
        try int8(p.zeroPoint, "zeroPoint")
        try clamp(p.clampMin, p.clampMax)
    }

    /// Broadcast indexing: rank ≤ 6, the output holds the broadcast shape, and the largest index each input's
    /// strides reach is inside that input.
    private func broadcast(_ b: QBroadcast, _ input1: Int, _ input2: Int, _ output: Int) throws {
        try rankLimited(b.shape, "broadcast shape")
        try require(b.strides1.count == b.shape.count && b.strides2.count == b.shape.count,
                    "broadcast strides have ranks \(b.strides1.count) and \(b.strides2.count), the shape \(b.shape.count)")
        let n = try product(b.shape, "output")
        try tensor(output, count: n, "output")
        for (strides, input, name) in [(b.strides1, input1, "input1"), (b.strides2, input2, "input2")] {
            var last = 0
            for (d, s) in zip(b.shape, strides) {
                try require(s >= 0 && s <= ModelCheck.maxDimension, "\(name) stride \(s) is outside 0...\(ModelCheck.maxDimension)")
                last += (d - 1) * s
            }
            try require(last < tensors[input].count, "\(name) strides reach element \(last), but the tensor has \(tensors[input].count)")
        }
    }
}
