import Foundation
import MoteIR

// MARK: Binary ops with numpy broadcasting

protocol BinaryFunction { static func apply(_ a: Float, _ b: Float) -> Float }
enum AddFunction: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b } }
enum SubFunction: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b } }
enum MulFunction: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b } }
enum DivFunction: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b } }

/// y[i] = f(a[i·sa], b[i·sb]) for i < n, where each stride is 1 (walks) or 0 (repeats one value).
@inline(__always)
func binaryRun<F: BinaryFunction>(_: F.Type, _ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
                                  _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    if sa != 0 && sb != 0 {
        for i in 0..<n { y[i] = F.apply(a[i], b[i]) }
    } else if sa != 0 {
        let bv = b[0]
        for i in 0..<n { y[i] = F.apply(a[i], bv) }
    } else if sb != 0 {
        let av = a[0]
        for i in 0..<n { y[i] = F.apply(av, b[i]) }
    } else {
        y.initialize(repeating: F.apply(a[0], b[0]), count: n)
    }
}

/// Add/Sub/Mul/Div. At load time the broadcast is reduced to as few axes as possible (size-1 axes dropped,
/// axes that walk both operands contiguously merged), so the common cases — same shape, scalar operand,
/// per-channel operand — become one or two loops over long contiguous runs.
struct BinaryKernel: NodeKernel {
    let op: BinaryOp
    /// Merged output dims and the element strides of a and b along them (0 where broadcast). The last axis is
    /// the inner loop; its strides are 0 or 1.
    let dims: [Int], aStrides: [Int], bStrides: [Int]

    init(graph: Graph, node: Node, op: BinaryOp) {
        self.op = op
        let a = graph.type(of: node.inputs[0]).shape, b = graph.type(of: node.inputs[1]).shape
        let out = graph.type(of: node.outputs[0]).shape
        (dims, aStrides, bStrides) = mergeBroadcast(out: out, operands: [a, b]).map3
    }

    func run(_ inputs: [UnsafePointer<Float>], _ y: UnsafeMutablePointer<Float>, _ ws: Workspace) throws {
        switch op {
        case .add: apply(AddFunction.self, inputs[0], inputs[1], y)
        case .sub: apply(SubFunction.self, inputs[0], inputs[1], y)
        case .mul: apply(MulFunction.self, inputs[0], inputs[1], y)
        case .div: apply(DivFunction.self, inputs[0], inputs[1], y)
        }
    }

    private func apply<F: BinaryFunction>(_ f: F.Type, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                          _ y: UnsafeMutablePointer<Float>) {
        let rank = dims.count
        let inner = dims[rank - 1], sa = aStrides[rank - 1], sb = bStrides[rank - 1]
        if rank == 1 {
            binaryRun(f, a, sa, b, sb, y, inner)
            return
        }
        let outer = Shape.count(Array(dims.dropLast()))
        var index = [Int](repeating: 0, count: rank - 1)
        var ao = 0, bo = 0
        for o in 0..<outer {
            binaryRun(f, a + ao, sa, b + bo, sb, y + o * inner, inner)
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                ao += aStrides[d]
                bo += bStrides[d]
                if index[d] < dims[d] { break }
                ao -= aStrides[d] * dims[d]
                bo -= bStrides[d] * dims[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}

struct MergedBroadcast {
    var dims: [Int]
    var strides: [[Int]]
    var map3: ([Int], [Int], [Int]) { (dims, strides[0], strides.count > 1 ? strides[1] : [0]) }
}

/// Reduces the broadcast of `operands` to `out` to the fewest axes: drops size-1 axes and merges neighbours
/// that every operand walks contiguously (or repeats alike). Always returns at least one axis.
func mergeBroadcast(out: [Int], operands: [[Int]]) -> MergedBroadcast {
    let rank = out.count
    var strides: [[Int]] = operands.map { shape in
        let natural = Shape.strides(shape)
        return (0..<rank).map { d in
            let sd = d - (rank - shape.count)
            return sd >= 0 && shape[sd] != 1 ? natural[sd] : 0
        }
    }
    var dims = out
    // Drop size-1 axes.
    let keep = (0..<rank).filter { dims[$0] != 1 }
    if keep.isEmpty { return MergedBroadcast(dims: [1], strides: strides.map { _ in [0] }) }
    dims = keep.map { dims[$0] }
    strides = strides.map { s in keep.map { s[$0] } }
    // Merge axis i into i+1 when every operand's stride on i equals its stride on i+1 times the size of i+1.
    var i = dims.count - 2
    while i >= 0 {
        if strides.allSatisfy({ $0[i] == $0[i + 1] * dims[i + 1] }) {
            dims[i + 1] *= dims[i]
            dims.remove(at: i)
            for t in strides.indices { strides[t].remove(at: i) }
        }
        i -= 1
    }
    return MergedBroadcast(dims: dims, strides: strides)
}

// MARK: Activations, Clip, BatchNormalization

struct ActivationKernel: NodeKernel {
    let activation: Activation
    let count: Int

    func run(_ inputs: [UnsafePointer<Float>], _ y: UnsafeMutablePointer<Float>, _ ws: Workspace) throws {
        let x = inputs[0], n = count
        switch activation {
        case .relu:
            for i in 0..<n { let v = x[i]; y[i] = v > 0 ? v : 0 }
        case .leakyRelu(let alpha):
            for i in 0..<n { let v = x[i]; y[i] = v < 0 ? alpha * v : v }
        case .sigmoid:
            for i in 0..<n { y[i] = stableSigmoid(x[i]) }
        case .tanh:
            for i in 0..<n { y[i] = Foundation.tanh(x[i]) }
        case .hardSigmoid(let alpha, let beta):
            for i in 0..<n { y[i] = max(0, min(1, alpha * x[i] + beta)) }
        case .hardSwish:
            for i in 0..<n { let v = x[i]; y[i] = v * max(0, min(1, v / 6 + 0.5)) }
        }
    }
}

/// 1/(1+e^−x) without overflow: for x < 0 it is computed as e^x/(1+e^x).
@inline(__always)
func stableSigmoid(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + exp(-x)) }
    let e = exp(x)
    return e / (1 + e)
}

/// Clip: y = min(max(x, lo), hi), with lo and hi read from the (one-element) bound tensors at run time.
struct ClipKernel: NodeKernel {
    let count: Int

    func run(_ inputs: [UnsafePointer<Float>], _ y: UnsafeMutablePointer<Float>, _ ws: Workspace) throws {
        let x = inputs[0], lo = inputs[1][0], hi = inputs[2][0]
        for i in 0..<count { y[i] = min(max(x[i], lo), hi) }
    }
}

/// Inference BatchNormalization on the channel axis 1, folded per channel (as onnxruntime does) into
/// y = x·s + t with s = scale/sqrt(var+eps), t = bias − mean·s.
struct BatchNormKernel: NodeKernel {
    let batch: Int, channels: Int, inner: Int
    let epsilon: Float

    init(graph: Graph, node: Node, epsilon: Float) {
        let x = graph.type(of: node.inputs[0]).shape
        batch = x[0]
        channels = x[1]
        inner = Shape.count(Array(x[2...]))
        self.epsilon = epsilon
    }

    func run(_ inputs: [UnsafePointer<Float>], _ y: UnsafeMutablePointer<Float>, _ ws: Workspace) throws {
        let x = inputs[0], scale = inputs[1], bias = inputs[2], mean = inputs[3], variance = inputs[4]
        for c in 0..<channels {
            let s = scale[c] / (variance[c] + epsilon).squareRoot()
            let t = bias[c] - mean[c] * s
            for b in 0..<batch {
                let base = (b * channels + c) * inner
                for i in 0..<inner { y[base + i] = x[base + i] * s + t }
            }
        }
    }
}
