import MoteIR

/// General N-D transpose (rank ≤ 6): output axis d is input axis perm[d], so the output, walked in row-major
/// order, reads the input with strides inStrides[perm[d]]. Mirrors TFLite's `TransposeImpl`
/// (reference/transpose.h). C twin: `mote_transpose.c`.
enum TransposeKernel {
    static func run(_ p: QTranspose, _ input: [Int8]) -> [Int8] {
        let inStrides = Shape.strides(p.inShape)
        let outShape = p.perm.map { p.inShape[$0] }
        let strides = p.perm.map { inStrides[$0] }
        var output = [Int8](repeating: 0, count: input.count)
        stridedWalk(shape: outShape, strides1: strides, strides2: strides) { o, i, _ in
            output[o] = input[i]
        }
        return output
    }
}
