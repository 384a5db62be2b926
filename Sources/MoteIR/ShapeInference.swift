/// Output types of every op from its input types. The importer uses this to type each node it creates, and
/// `Graph.verify()` uses it again to check that a graph is consistent after every pass.
public enum ShapeInference {
    /// Output types of `op` applied to `inputs`; throws a `Diagnostic` (without node/file) when the inputs are
    /// incompatible.
    public static func outputTypes(of op: Op, inputs: [TensorType]) throws -> [TensorType] {
        guard let arity = expectedInputCount(op), arity.contains(inputs.count) else {
            throw Diagnostic("expects \(describe(expectedInputCount(op))) inputs, got \(inputs.count)")
        }
        let x = inputs[0]
        switch op {
        case .conv(let a):
            let w = inputs[1]
            let s = a.spatialRank
            guard x.rank == s + 2, w.rank == s + 2 else {
                throw Diagnostic("input rank \(x.rank) and weight rank \(w.rank) do not fit a \(s)-D convolution")
            }
            try checkWindow(a.kernel, a.strides, a.dilations, a.pads)
            guard a.group >= 1, x.shape[1] % a.group == 0, w.shape[0] % a.group == 0 else {
                throw Diagnostic("group \(a.group) does not divide input channels \(x.shape[1]) and output channels \(w.shape[0])")
            }
            guard w.shape[1] * a.group == x.shape[1] else {
                throw Diagnostic("weight expects \(w.shape[1] * a.group) input channels, input has \(x.shape[1])")
            }
            guard Array(w.shape[2...]) == a.kernel else {
                throw Diagnostic("kernel_shape \(Shape.describe(a.kernel)) does not match weight \(Shape.describe(w.shape))")
            }
            if inputs.count == 3, inputs[2].shape != [w.shape[0]] {
                throw Diagnostic("bias shape \(Shape.describe(inputs[2].shape)) is not [\(w.shape[0])]")
            }
            var out = [x.shape[0], w.shape[0]]
            for i in 0..<s {
                out.append(try windowOutput(x.shape[i + 2], a.kernel[i], a.strides[i], a.dilations[i],
                                            a.pads[i], a.pads[i + s], ceil: false))
            }
            return [TensorType(x.dtype, out)]

        case .gemm(let a):
            let b = inputs[1]
            guard x.rank == 2, b.rank == 2 else { throw Diagnostic("Gemm needs 2-D inputs, got \(x) and \(b)") }
            let (m, k) = a.transA ? (x.shape[1], x.shape[0]) : (x.shape[0], x.shape[1])
            let (kb, n) = a.transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
            guard k == kb else { throw Diagnostic("inner dimensions differ: \(k) vs \(kb)") }
            if inputs.count == 3, Shape.broadcast(inputs[2].shape, [m, n]) != [m, n] {
                throw Diagnostic("C \(Shape.describe(inputs[2].shape)) does not broadcast to [\(m),\(n)]")
            }
            return [TensorType(x.dtype, [m, n])]

        case .matMul:
            return [TensorType(x.dtype, try matMulShape(x.shape, inputs[1].shape))]

        case .binary:
            guard let out = Shape.broadcast(x.shape, inputs[1].shape) else {
                throw Diagnostic("shapes \(Shape.describe(x.shape)) and \(Shape.describe(inputs[1].shape)) do not broadcast")
            }
            return [TensorType(x.dtype, out)]

        case .activation, .batchNormalization:
            if case .batchNormalization = op {
                guard x.rank >= 2 else { throw Diagnostic("input must have a channel axis") }
                for p in inputs[1...] where p.shape != [x.shape[1]] {
                    throw Diagnostic("parameter shape \(Shape.describe(p.shape)) is not [\(x.shape[1])]")
                }
            }
            return [x]

        case .clip:
            for bound in inputs[1...] where bound.count != 1 {
                throw Diagnostic("min and max must be scalars, got \(Shape.describe(bound.shape))")
            }
            return [x]

        case .softmax(let a):
            guard a.axis < max(x.rank, 1) else { throw Diagnostic("axis \(a.axis) out of range for rank \(x.rank)") }
            return [x]

        case .maxPool(let a), .averagePool(let a):
            let s = a.spatialRank
            guard x.rank == s + 2 else { throw Diagnostic("input rank \(x.rank) does not fit a \(s)-D pool") }
            try checkWindow(a.kernel, a.strides, a.dilations, a.pads)
            var out = [x.shape[0], x.shape[1]]
            for i in 0..<s {
                out.append(try windowOutput(x.shape[i + 2], a.kernel[i], a.strides[i], a.dilations[i],
                                            a.pads[i], a.pads[i + s], ceil: a.ceilMode))
            }
            return [TensorType(x.dtype, out)]

        case .globalAveragePool, .globalMaxPool:
            guard x.rank >= 3 else { throw Diagnostic("input must be [N, C, spatial…], got \(Shape.describe(x.shape))") }
            return [TensorType(x.dtype, [x.shape[0], x.shape[1]] + [Int](repeating: 1, count: x.rank - 2))]

        case .reshape(let shape):
            guard Shape.checkedCount(shape) == x.count else {
                throw Diagnostic("cannot reshape \(Shape.describe(x.shape)) to \(Shape.describe(shape))")
            }
            return [TensorType(x.dtype, shape)]

        case .transpose(let perm):
            guard perm.sorted() == Array(0..<x.rank) else {
                throw Diagnostic("perm \(Shape.describe(perm)) is not a permutation of 0..<\(x.rank)")
            }
            return [TensorType(x.dtype, perm.map { x.shape[$0] })]

        case .concat(let axis):
            guard axis >= 0, axis < x.rank else { throw Diagnostic("axis \(axis) out of range for rank \(x.rank)") }
            var total = 0
            for t in inputs {
                guard t.rank == x.rank else { throw Diagnostic("inputs have different ranks") }
                for d in 0..<x.rank where d != axis && t.shape[d] != x.shape[d] {
                    throw Diagnostic("input shapes \(Shape.describe(x.shape)) and \(Shape.describe(t.shape)) differ off axis \(axis)")
                }
                total += t.shape[axis]
            }
            var out = x.shape
            out[axis] = total
            return [TensorType(x.dtype, out)]

        case .pad(let a):
            guard a.pads.count == 2 * x.rank else { throw Diagnostic("pads has \(a.pads.count) entries for rank \(x.rank)") }
            var out = x.shape
            for i in 0..<x.rank {
                out[i] = x.shape[i] + a.pads[i] + a.pads[i + x.rank]
                guard out[i] >= 1 else { throw Diagnostic("pads leave axis \(i) empty") }
            }
            return [TensorType(x.dtype, out)]

        case .reduceMean(let axes, let keepDims):
            guard axes.allSatisfy({ $0 >= 0 && $0 < x.rank }), Set(axes).count == axes.count else {
                throw Diagnostic("axes \(Shape.describe(axes)) invalid for rank \(x.rank)")
            }
            var out: [Int] = []
            for d in 0..<x.rank {
                if axes.contains(d) { if keepDims { out.append(1) } } else { out.append(x.shape[d]) }
            }
            return [TensorType(x.dtype, out)]
        }
    }

    /// Allowed input counts for each op.
    public static func expectedInputCount(_ op: Op) -> ClosedRange<Int>? {
        switch op {
        case .conv, .gemm: return 2...3
        case .matMul, .binary: return 2...2
        case .clip: return 3...3
        case .batchNormalization: return 5...5
        case .concat: return 1...Int.max
        default: return 1...1
        }
    }

    private static func describe(_ r: ClosedRange<Int>?) -> String {
        guard let r else { return "?" }
        if r.lowerBound == r.upperBound { return "\(r.lowerBound)" }
        return r.upperBound == Int.max ? "at least \(r.lowerBound)" : "\(r.lowerBound)–\(r.upperBound)"
    }

    private static func checkWindow(_ kernel: [Int], _ strides: [Int], _ dilations: [Int], _ pads: [Int]) throws {
        let s = kernel.count
        guard s >= 1, strides.count == s, dilations.count == s, pads.count == 2 * s else {
            throw Diagnostic("kernel, strides, dilations and pads disagree on the number of spatial axes")
        }
        guard kernel.allSatisfy({ $0 >= 1 }), strides.allSatisfy({ $0 >= 1 }), dilations.allSatisfy({ $0 >= 1 }),
              pads.allSatisfy({ $0 >= 0 }) else {
            throw Diagnostic("kernel \(Shape.describe(kernel)), strides \(Shape.describe(strides)), dilations \(Shape.describe(dilations)) must be ≥ 1 and pads \(Shape.describe(pads)) ≥ 0")
        }
        guard kernel.allSatisfy({ $0 <= 1 << 16 }), strides.allSatisfy({ $0 <= 1 << 16 }),
              dilations.allSatisfy({ $0 <= 1 << 16 }), pads.allSatisfy({ $0 <= 1 << 16 }) else {
            throw Diagnostic("kernel, strides, dilations or pads are implausibly large")
        }
    }

    /// Output length of a sliding window along one axis (ONNX formula; with `ceil`, a last window that would
    /// start inside the end padding is dropped, as PyTorch and onnxruntime do).
    public static func windowOutput(_ size: Int, _ kernel: Int, _ stride: Int, _ dilation: Int,
                                    _ padBegin: Int, _ padEnd: Int, ceil: Bool) throws -> Int {
        let span = dilation * (kernel - 1) + 1
        let room = size + padBegin + padEnd - span
        guard room >= 0 else {
            throw Diagnostic("window of \(span) does not fit axis of \(size) with pads \(padBegin)+\(padEnd)")
        }
        var out = room / stride + 1
        if ceil && room % stride != 0 {
            out += 1
            if (out - 1) * stride >= size + padBegin { out -= 1 }
        }
        return out
    }

    /// numpy.matmul result shape.
    public static func matMulShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
        guard !a.isEmpty, !b.isEmpty else { throw Diagnostic("MatMul inputs must not be scalars") }
        let a2 = a.count == 1 ? [1] + a : a
        let b2 = b.count == 1 ? b + [1] : b
        guard a2[a2.count - 1] == b2[b2.count - 2] else {
            throw Diagnostic("inner dimensions differ: \(Shape.describe(a)) × \(Shape.describe(b))")
        }
        guard let batch = Shape.broadcast(Array(a2.dropLast(2)), Array(b2.dropLast(2))) else {
            throw Diagnostic("batch dimensions of \(Shape.describe(a)) and \(Shape.describe(b)) do not broadcast")
        }
        var out = batch
        if a.count > 1 { out.append(a2[a2.count - 2]) }
        if b.count > 1 { out.append(b2[b2.count - 1]) }
        return out
    }
}
