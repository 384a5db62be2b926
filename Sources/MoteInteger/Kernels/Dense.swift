import MoteFixedPoint
import MoteIR

/// Fully connected, mirroring TFLM's int8 `FullyConnected` reference kernel
/// (reference/integer_ops/fully_connected.h). C twins: `mote_dense.c`,
/// `mote_dense_int4.c`, `mote_dense_sparse.c` (one per weight storage format).
///
/// The accumulator wraps exactly as in `ConvKernel` (a real model never reaches int32's limits); like it, this
/// reads the logical weights whatever their storage.
enum DenseKernel {
    static func run(_ p: QDense, _ input: [Int8]) -> [Int8] {
        var output = [Int8](repeating: 0, count: p.rows * p.outFeatures)
        let lo = Int8(p.clampMin), hi = Int8(p.clampMax)
        let offset = p.inputOffset
        let k = p.inFeatures
        input.withUnsafeBufferPointer { x in
        p.weights.withUnsafeBufferPointer { w in
        output.withUnsafeMutableBufferPointer { out in
            for r in 0..<p.rows {
                let xRow = r * k
                for m in 0..<p.outFeatures {
                    let wRow = m * k
                    var acc = p.bias[m]
                    // &+ on indices: validation bounds them by 2^26; no overflow branches in the hot loop.
                    var i = 0
                    while i < k {
                        acc = acc &+ Int32(w[wRow &+ i]) &* (Int32(x[xRow &+ i]) &+ offset)
                        i &+= 1
                    }
                    out[r * p.outFeatures + m] = FixedPoint.requantize(
                        acc: acc, multiplier: p.requant[m].multiplier, shift: p.requant[m].shift,
                        outputZeroPoint: p.outputZeroPoint, min: lo, max: hi)
                }
            }
        }
        }
        }
        return output
    }
}
