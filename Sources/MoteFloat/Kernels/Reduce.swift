import MoteIR

/// ReduceMean over a set of axes (keepDims only changes the shape). Neighbouring axes that are both reduced or
/// both kept are merged; the sums accumulate in Double.
struct ReduceMeanKernel: NodeKernel {
    let dims: [Int]
    let inStrides: [Int]
    let outStrides: [Int]   // 0 along reduced axes
    let outCount: Int
    let divisor: Double

    init(graph: Graph, node: Node, axes: [Int]) {
        let x = graph.type(of: node.inputs[0]).shape
        var dims: [Int] = [], reduced: [Bool] = []
        var divisor = 1
        for d in 0..<x.count where x[d] != 1 {
            let r = axes.contains(d)
            if r { divisor *= x[d] }
            if let last = reduced.last, last == r {
                dims[dims.count - 1] *= x[d]
            } else {
                dims.append(x[d])
                reduced.append(r)
            }
        }
        if dims.isEmpty { dims = [1]; reduced = [false] }
        self.dims = dims
        inStrides = Shape.strides(dims)
        let kept = zip(dims, reduced).map { $1 ? 1 : $0 }
        let keptStrides = Shape.strides(kept)
        outStrides = reduced.indices.map { reduced[$0] ? 0 : keptStrides[$0] }
        outCount = Shape.count(kept)
        self.divisor = Double(divisor)
    }

    func run(_ inputs: [UnsafePointer<Float>], _ y: UnsafeMutablePointer<Float>, _ ws: Workspace) throws {
        let x = inputs[0]
        let n = dims[dims.count - 1], so = outStrides[outStrides.count - 1]
        var sums = [Double](repeating: 0, count: outCount)
        sums.withUnsafeMutableBufferPointer { acc in
            guard let acc = acc.baseAddress else { return }
            forEachRow(dims, [inStrides, outStrides]) { off in
                let src = x + off[0], dst = acc + off[1]
                if so == 0 {
                    var s = 0.0
                    for i in 0..<n { s += Double(src[i]) }
                    dst[0] += s
                } else {
                    for i in 0..<n { dst[i] += Double(src[i]) }
                }
            }
            for i in 0..<outCount { y[i] = Float(acc[i] / divisor) }
        }
    }
}
