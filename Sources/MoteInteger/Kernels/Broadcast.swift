import MoteIR

/// Shared by Add, Mul and Transpose: visits every element of `shape` in row-major order and passes its flat
/// index with its offsets into two inputs addressed by `strides1` / `strides2` (0 on broadcast axes). The C
/// kernels walk the same odometer (`mote_add.c`, `mote_mul.c`, `mote_transpose.c`).
@inline(__always)
func stridedWalk(shape: [Int], strides1: [Int], strides2: [Int], _ body: (_ index: Int, _ offset1: Int, _ offset2: Int) -> Void) {
    let rank = shape.count
    let total = Shape.count(shape)
    guard total > 0 else { return }
    var counter = [Int](repeating: 0, count: rank)
    var offset1 = 0, offset2 = 0
    for index in 0..<total {
        body(index, offset1, offset2)
        // Advance the odometer: bump the last axis, carrying into earlier axes.
        var d = rank - 1
        while d >= 0 {
            counter[d] += 1
            offset1 += strides1[d]
            offset2 += strides2[d]
            if counter[d] < shape[d] { break }
            offset1 -= strides1[d] * shape[d]
            offset2 -= strides2[d] * shape[d]
            counter[d] = 0
            d -= 1
        }
    }
}
