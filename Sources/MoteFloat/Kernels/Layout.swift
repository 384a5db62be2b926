import MoteIR

/// Walks an N-D index space in row-major order, except the last axis, calling `body` with the flat offsets
/// (one per stride set) of each row start. Axis sizes must be ≥ 1.
@inline(__always)
func forEachRow(_ dims: [Int], _ strides: [[Int]], _ body: ([Int]) -> Void) {
    let rank = dims.count
    var offsets = [Int](repeating: 0, count: strides.count)
    if rank <= 1 { body(offsets); return }
    var index = [Int](repeating: 0, count: rank - 1)
    while true {
        body(offsets)
        var d = rank - 2
        while d >= 0 {
            index[d] += 1
            for t in strides.indices { offsets[t] += strides[t][d] }
            if index[d] < dims[d] { break }
            for t in strides.indices { offsets[t] -= strides[t][d] * dims[d] }
            index[d] = 0
            d -= 1
        }
        if d < 0 { return }
    }
}

/// Transpose of any rank: output axes that read consecutive input axes in order are merged first, then each
/// output row is gathered with a fixed input stride.
struct TransposeKernel: NodeKernel {
    let dims: [Int]          // merged output dims
    let inStrides: [Int]     // input stride along each merged output dim
    let outStrides: [Int]

    init(graph: Graph, node: Node, perm: [Int]) {
        let x = graph.type(of: node.inputs[0]).shape
        let natural = Shape.strides(x)
        var dims: [Int] = [], strides: [Int] = [], source: [Int] = []
        for p in perm where x[p] != 1 {
            if let last = source.last, last + 1 == p {
                dims[dims.count - 1] *= x[p]
                strides[strides.count - 1] = natural[p]
            } else {
                dims.append(x[p])
                strides.append(natural[p])
            }
            source.append(p)
        }
        if dims.isEmpty { dims = [1]; strides = [1] }
        self.dims = dims
        inStrides = strides
        outStrides = Shape.strides(dims)
    }

    func run(_ inputs: [UnsafePointer<Float>], _ y: UnsafeMutablePointer<Float>, _ ws: Workspace) throws {
        let x = inputs[0]
        let n = dims[dims.count - 1], s = inStrides[inStrides.count - 1]
        forEachRow(dims, [inStrides, outStrides]) { off in
            let src = x + off[0], dst = y + off[1]
            if s == 1 {
                dst.update(from: src, count: n)
            } else {
                for i in 0..<n { dst[i] = src[i * s] }
            }
        }
    }
}

/// Concat along `axis`: for every index before the axis, each input's contiguous block in turn.
struct ConcatKernel: NodeKernel {
    let outer: Int
    let blocks: [Int]     // elements of each input per outer index

    init(graph: Graph, node: Node, axis: Int) {
        let shapes = node.inputs.map { graph.type(of: $0).shape }
        outer = Shape.count(Array(shapes[0][..<axis]))
        blocks = shapes.map { Shape.count(Array($0[axis...])) }
    }

    func run(_ inputs: [UnsafePointer<Float>], _ y: UnsafeMutablePointer<Float>, _ ws: Workspace) throws {
        var dst = y
        for o in 0..<outer {
            for (t, block) in blocks.enumerated() {
                dst.update(from: inputs[t] + o * block, count: block)
                dst += block
            }
        }
    }
}

/// Constant-mode Pad; negative pads crop. The output is filled with the value, then the part of the input that
/// survives is copied row by row.
struct PadKernel: NodeKernel {
    let count: Int
    let value: Float
    /// Region of the output that receives input, per axis: its size, and the input/output starting offsets.
    let regionDims: [Int]
    let inStart: Int, outStart: Int
    let inStrides: [Int], outStrides: [Int]
    let empty: Bool

    init(graph: Graph, node: Node, attrs: PadAttributes) {
        let x = graph.type(of: node.inputs[0]).shape, y = graph.type(of: node.outputs[0]).shape
        let rank = x.count
        count = Shape.count(y)
        value = attrs.value
        let xs = Shape.strides(x), ys = Shape.strides(y)
        var dims: [Int] = [], inStart = 0, outStart = 0, empty = false
        for d in 0..<rank {
            let begin = attrs.pads[d]
            let o0 = max(0, begin), o1 = min(y[d], begin + x[d])
            if o1 <= o0 { empty = true }
            dims.append(max(o1 - o0, 0))
            outStart += o0 * ys[d]
            inStart += (o0 - begin) * xs[d]
        }
        if rank == 0 { dims = [1] }
        regionDims = dims
        self.inStart = inStart
        self.outStart = outStart
        inStrides = rank == 0 ? [1] : xs
        outStrides = rank == 0 ? [1] : ys
        self.empty = empty
    }

    func run(_ inputs: [UnsafePointer<Float>], _ y: UnsafeMutablePointer<Float>, _ ws: Workspace) throws {
        y.initialize(repeating: value, count: count)
        if empty { return }
        let x = inputs[0] + inStart, out = y + outStart
        let n = regionDims[regionDims.count - 1]
        forEachRow(regionDims, [inStrides, outStrides]) { off in
            (out + off[1]).update(from: x + off[0], count: n)
        }
    }
}
