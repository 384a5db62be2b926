extension QModel {
    /// Checks the whole program before anything runs it, so that a malformed `QModel` gives a `Diagnostic`
    /// (naming the layer where there is one) instead of an out-of-bounds trap in the integer interpreter or an
    /// out-of-bounds read in the emitted C: tensor shapes and indices, single assignment, execution order, and
    /// for each layer the element counts its kernel reads and writes, its array lengths, and bounds that keep
    /// the kernels' `int32_t` index arithmetic far from overflow. Shared by `IntegerInterpreter` and `Codegen`.
    public func validate() throws {
        for (i, t) in tensors.enumerated() {
            guard Shape.checkedCount(t.shape) != nil else {
                throw Diagnostic("tensor \(i) ('\(Diagnostic.printable(t.name))') has shape \(Shape.describe(t.shape)): a negative dimension or more than \(Shape.maxElements) elements")
            }
        }
        let count = tensors.count
        var defined = [Bool](repeating: false, count: count)
        for t in inputs {
            guard t >= 0 && t < count else { throw Diagnostic("model input refers to tensor \(t), but there are \(count) tensors") }
            guard !defined[t] else { throw Diagnostic("tensor \(t) is listed twice as a model input") }
            defined[t] = true
        }
        for layer in layers {
            let check = LayerCheck(layer: layer, tensors: tensors)
            for t in layer.op.inputs {
                try check.require(t >= 0 && t < count, "input tensor \(t) is out of range (\(count) tensors)")
                try check.require(defined[t], "input tensor \(t) ('\(Diagnostic.printable(tensors[t].name))') is not computed before this layer")
            }
            let out = layer.op.output
            try check.require(out >= 0 && out < count, "output tensor \(out) is out of range (\(count) tensors)")
            try check.require(!defined[out], "output tensor \(out) ('\(Diagnostic.printable(tensors[out].name))') is already written by a model input or an earlier layer")
            try check.op(layer.op)
            defined[out] = true
        }
        for t in outputs {
            guard t >= 0 && t < count else { throw Diagnostic("model output refers to tensor \(t), but there are \(count) tensors") }
            guard defined[t] else { throw Diagnostic("model output tensor \(t) ('\(Diagnostic.printable(tensors[t].name))') is never computed") }
        }
    }
}

/// Checks one layer's parameters against its tensors (whose indices are already known to be in range).
///
/// The bounds are chosen so that every index and intermediate the C kernels compute in `int32_t` stays far
/// from overflow: dimensions, strides, dilations and pads are at most `maxDimension` (2^26, the largest tensor
/// Mote accepts) and window extents at most `maxExtent` (2^27).
struct LayerCheck {
    let layer: QLayer
    let tensors: [QTensor]

    static let maxDimension = Shape.maxElements
    static let maxExtent = 2 * Shape.maxElements
    /// The largest rank of a broadcast, padded or transposed tensor (`MOTE_MAX_RANK` in mote_kernels.h).
    static let maxRank = 6

    func error(_ message: String) -> Diagnostic {
        Diagnostic(node: layer.name, op: layer.op.name, message)
    }

    func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw error(message()) }
    }

    /// A size, stride, dilation or kernel extent: 1...2^26.
    func positive(_ value: Int, _ name: String) throws {
        try require(value >= 1 && value <= Self.maxDimension, "\(name) is \(value), expected 1...\(Self.maxDimension)")
    }

    /// A padding amount: 0...2^26.
    func nonNegative(_ value: Int, _ name: String) throws {
        try require(value >= 0 && value <= Self.maxDimension, "\(name) is \(value), expected 0...\(Self.maxDimension)")
    }

    /// The product of `factors` (each already checked to be in 0...2^26), or an error when it exceeds 2^26.
    func product(_ factors: [Int], _ what: String) throws -> Int {
        var total = 1
        for f in factors {
            let (p, overflow) = total.multipliedReportingOverflow(by: f)
            try require(f >= 0 && !overflow && p <= Self.maxDimension, "\(what) exceeds \(Self.maxDimension) elements")
            total = p
        }
        return total
    }

    /// Tensor `index` (already known to be in range) holds exactly `count` elements.
    func tensor(_ index: Int, count: Int, _ role: String) throws {
        let actual = tensors[index].count
        try require(actual == count,
                    "\(role) tensor \(index) has \(actual) elements, the layer's parameters need \(count)")
    }

    func array(_ actual: Int, _ expected: Int, _ name: String) throws {
        try require(actual == expected, "\(name) has \(actual) values, expected \(expected)")
    }

    /// Activation clamp bounds: int8 and ordered.
    func clamp(_ lo: Int32, _ hi: Int32) throws {
        try require(lo >= -128 && hi <= 127 && lo <= hi, "clamp range \(lo)...\(hi) is not inside -128...127")
    }

    /// A value that must be an int8 (a zero point that is added to int8 sums before a division).
    func int8(_ value: Int32, _ name: String) throws {
        try require(value >= -128 && value <= 127, "\(name) is \(value), expected -128...127")
    }

    /// A requantization multiplier as `FixedPoint.quantizeMultiplier` produces it: multiplier ≥ 0 and
    /// shift in −31...30 (the domain of TFLite's `MultiplyByQuantizedMultiplier`).
    func multiplier(_ m: QMultiplier, _ name: String) throws {
        try require(m.multiplier >= 0, "\(name) multiplier is \(m.multiplier), expected >= 0")
        try require(m.shift >= -31 && m.shift <= 30, "\(name) shift is \(m.shift), expected -31...30")
    }

    /// A sliding-window axis (conv or pool): every index `o·stride − padBegin + k·dilation` the kernels form
    /// stays within ±2^28, so the C computes it in `int32_t` without overflow.
    /// (The pad itself is already at most 2^26 by `nonNegative`.)
    func window(output: Int, kernel: Int, stride: Int, dilation: Int, axis: String) throws {
        let extent = (output - 1) * stride + (kernel - 1) * dilation  // each factor ≤ 2^26: fits in Int
        try require(extent <= Self.maxExtent,
                    "\(axis) window extent \(extent) (output \(output), kernel \(kernel), stride \(stride), dilation \(dilation)) exceeds \(Self.maxExtent)")
    }

    /// Rank-limited shapes (broadcast, pad, transpose) of dimensions in 0...2^26.
    func shape(_ shape: [Int], _ name: String) throws {
        try require(shape.count <= Self.maxRank, "\(name) has rank \(shape.count), at most \(Self.maxRank) is supported")
        for d in shape {
            try require(d >= 0 && d <= Self.maxDimension, "\(name) \(Shape.describe(shape)) has a dimension outside 0...\(Self.maxDimension)")
        }
    }
}
