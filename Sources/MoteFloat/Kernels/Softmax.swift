import Foundation
import MoteIR

/// Softmax. With `coerceTo2D` (opset < 13) over each contiguous block of all dims ≥ axis; otherwise along the
/// one axis (the block is then `size` elements `inner` apart). The maximum is subtracted first for stability.
struct SoftmaxKernel: NodeKernel {
    let outer: Int, size: Int, inner: Int

    init(graph: Graph, node: Node, attrs: SoftmaxAttributes) {
        let shape = graph.type(of: node.inputs[0]).shape
        let axis = min(attrs.axis, shape.count)
        outer = Shape.count(Array(shape[..<axis]))
        if attrs.coerceTo2D {
            size = Shape.count(Array(shape[axis...]))
            inner = 1
        } else {
            size = axis < shape.count ? shape[axis] : 1
            inner = axis < shape.count ? Shape.count(Array(shape[(axis + 1)...])) : 1
        }
    }

    func run(_ inputs: [UnsafePointer<Float>], _ y: UnsafeMutablePointer<Float>, _ ws: Workspace) throws {
        let x = inputs[0]
        if inner == 1 {
            for o in 0..<outer {
                let src = x + o * size, dst = y + o * size
                var m = -Float.infinity
                for i in 0..<size { m = max(m, src[i]) }
                var sum: Float = 0
                for i in 0..<size {
                    let e = exp(src[i] - m)
                    dst[i] = e
                    sum += e
                }
                let r = 1 / sum
                for i in 0..<size { dst[i] *= r }
            }
            return
        }
        // Along a middle axis: vectorise across the `inner` positions, one running row per axis element.
        let sums = ws.floats(1, inner)
        for o in 0..<outer {
            let src = x + o * size * inner, dst = y + o * size * inner
            // Max per inner position, kept in dst's first row while scanning.
            dst.update(from: src, count: inner)
            for i in 1..<max(size, 1) {
                let row = src + i * inner
                for j in 0..<inner { dst[j] = max(dst[j], row[j]) }
            }
            sums.update(from: dst, count: inner)   // maxima
            for i in stride(from: size - 1, through: 0, by: -1) {
                let row = src + i * inner, out = dst + i * inner
                for j in 0..<inner { out[j] = exp(row[j] - sums[j]) }
            }
            sums.initialize(repeating: 0, count: inner)
            for i in 0..<size {
                let out = dst + i * inner
                for j in 0..<inner { sums[j] += out[j] }
            }
            for j in 0..<inner { sums[j] = 1 / sums[j] }
            for i in 0..<size {
                let out = dst + i * inner
                for j in 0..<inner { out[j] *= sums[j] }
            }
        }
    }
}
