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

extension LayerCheck {
    /// A binary op's broadcast: rank ≤ 6, the output shape covers the output tensor, and every offset an input
    /// is read at stays inside that input.
    func broadcast(_ b: QBroadcast, input1: Int, input2: Int, output: Int) throws {
        try shape(b.shape, "broadcast shape")
        try require(b.strides1.count == b.shape.count && b.strides2.count == b.shape.count,
                    "broadcast strides have ranks \(b.strides1.count) and \(b.strides2.count), the shape has rank \(b.shape.count)")
        let total = try product(b.shape, "broadcast shape")
        try tensor(output, count: total, "output")
        for (strides, input, name) in [(b.strides1, input1, "strides1"), (b.strides2, input2, "strides2")] {
            for s in strides {
                try require(s >= 0 && s <= LayerCheck.maxDimension, "\(name) \(strides) has a stride outside 0...\(LayerCheck.maxDimension)")
            }
            guard total > 0 else { continue }
            // The largest offset read: every axis at its last index (each term ≤ 2^52: no Int overflow).
            let last = zip(b.shape, strides).reduce(0) { $0 + ($1.0 - 1) * $1.1 }
            try require(last < tensors[input].count,
                        "\(name) \(strides) over shape \(Shape.describe(b.shape)) reads offset \(last), input tensor \(input) has \(tensors[input].count) elements")
        }
    }
}
