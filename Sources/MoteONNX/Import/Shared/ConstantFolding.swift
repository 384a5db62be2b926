import MoteIR

/// Small computations on constants, for the shape arithmetic that exporters emit
/// (Shape → Gather → Unsqueeze → Concat → Reshape) and for constant operands of elementwise ops.
enum ConstantFolding {
    /// numpy-broadcast elementwise op. Integer inputs stay integer (division truncates toward zero, as
    /// onnxruntime does); a float operand makes the result float.
    static func binary(_ op: BinaryOp, _ a: TensorData, _ b: TensorData, node: ONNXNode) throws -> TensorData {
        guard let shape = Shape.broadcast(a.shape, b.shape), let count = Shape.checkedCount(shape) else {
            throw node.failure("constant shapes \(Shape.describe(a.shape)) and \(Shape.describe(b.shape)) do not broadcast")
        }
        let ia = broadcastIndices(from: a.shape, to: shape, count: count)
        let ib = broadcastIndices(from: b.shape, to: shape, count: count)
        if a.isFloat || b.isFloat {
            let x = a.floats, y = b.floats
            let out = (0..<count).map { op.apply(x[ia[$0]], y[ib[$0]]) }
            return TensorData(dtype: a.isFloat ? a.dtype : b.dtype, shape: shape, storage: .floats(out))
        }
        let x = a.ints, y = b.ints
        var out = [Int64](repeating: 0, count: count)
        for i in 0..<count {
            let (u, v) = (x[ia[i]], y[ib[i]])
            switch op {
            case .add: out[i] = u &+ v
            case .sub: out[i] = u &- v
            case .mul: out[i] = u &* v
            case .div:
                guard v != 0 else { throw node.failure("integer division by zero in constant folding") }
                out[i] = v == -1 ? 0 &- u : u / v
            }
        }
        return TensorData(dtype: a.dtype, shape: shape, storage: .ints(out))
    }

    /// For each element of the broadcast result, the index into the source tensor.
    static func broadcastIndices(from source: [Int], to shape: [Int], count: Int) -> [Int] {
        let rank = shape.count
        let padded = [Int](repeating: 1, count: rank - source.count) + source
        let srcStrides = Shape.strides(padded)
        var result = [Int](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: rank)
        for flat in 0..<count {
            var offset = 0
            for d in 0..<rank where padded[d] != 1 { offset += index[d] * srcStrides[d] }
            result[flat] = offset
            var d = rank - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return result
    }

    /// The same data under another shape.
    static func reshaped(_ data: TensorData, to shape: [Int]) -> TensorData {
        TensorData(dtype: data.dtype, shape: shape, storage: data.storage)
    }

    /// Elements of `data` at the given flat indices, in order.
    static func gather(_ data: TensorData, flat indices: [Int], shape: [Int]) -> TensorData {
        switch data.storage {
        case .floats(let v): return TensorData(dtype: data.dtype, shape: shape, storage: .floats(indices.map { v[$0] }))
        case .ints(let v): return TensorData(dtype: data.dtype, shape: shape, storage: .ints(indices.map { v[$0] }))
        }
    }

    /// Concatenation of constants along `axis`.
    static func concat(_ parts: [TensorData], axis: Int, shape: [Int]) -> TensorData {
        let outer = shape[..<axis].reduce(1, *)
        let anyFloat = parts.contains { $0.isFloat }
        var floats: [Float] = []
        var ints: [Int64] = []
        for o in 0..<outer {
            for p in parts {
                let inner = p.shape[axis...].reduce(1, *)
                let range = (o * inner)..<((o + 1) * inner)
                if anyFloat { floats += p.floats[range] } else { ints += p.ints[range] }
            }
        }
        return TensorData(dtype: parts[0].dtype, shape: shape, storage: anyFloat ? .floats(floats) : .ints(ints))
    }
}
