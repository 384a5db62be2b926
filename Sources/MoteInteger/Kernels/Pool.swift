import MoteFixedPoint
import MoteIR

/// Max and average pooling over planes of H × W, mirroring TFLM's int8 `MaxPool` / `AveragePool` reference
/// kernels (reference/integer_ops/pooling.h), extended with dilation, asymmetric (ceil-mode) pads and
/// count_include_pad. C twin: `mote_pool.c`.
///
/// - Max: the largest tap inside the input, starting from −128 (TFLM's `lowest()`), then clamped.
/// - Average: Σ taps inside the input, divided by the divisor with `FixedPoint.roundedDivide` (ties away from
///   zero), then clamped. The divisor counts the taps inside the input, or with `countIncludePad` the taps
///   inside the padded extent [−padTop, inHeight + padBottom) × [−padLeft, inWidth + padRight) — each such pad
///   tap adds the zero point (real 0) to the sum. Taps beyond the padded extent (ceil mode) never count.
///
/// Validation bounds the kernel area by 2^20 and the zero point to int8, so |sum| < 2^28: no overflow.
enum PoolKernel {
    /// Per output row (column): window origin, taps inside the input, and taps the divisor counts.
    private struct AxisTaps {
        var origin: Int, lo: Int, hi: Int, counted: Int
    }

    private static func axisTaps(_ p: QPool, count: Int, vertical: Bool) -> [AxisTaps] {
        let w = p.windowAxis(vertical: vertical)
        return (0..<count).map { o in
            let origin = w.origin(o)
            let inside = SlidingWindow.tapRange(origin: origin, dilation: w.dilation, kernel: w.kernel, size: w.size)
            return AxisTaps(origin: origin, lo: inside.lo, hi: inside.hi, counted: p.divisorTaps(output: o, vertical: vertical))
        }
    }

    static func run(_ p: QPool, _ input: [Int8]) -> [Int8] {
        var output = [Int8](repeating: 0, count: p.planes * p.outHeight * p.outWidth)
        let lo = Int32(p.clampMin), hi = Int32(p.clampMax)
        let rows = axisTaps(p, count: p.outHeight, vertical: true)
        let cols = axisTaps(p, count: p.outWidth, vertical: false)
        input.withUnsafeBufferPointer { x in
        output.withUnsafeMutableBufferPointer { out in
            var o = 0
            for plane in 0..<p.planes {
                let xPlane = plane * p.inHeight
                for row in rows {
                    for col in cols {
                        var value: Int32
                        if p.kind == .max {
                            value = -128
                            for ky in row.lo..<row.hi {
                                let xRow = (xPlane + row.origin + ky * p.dilationHeight) * p.inWidth + col.origin
                                for kx in col.lo..<col.hi {
                                    value = max(value, Int32(x[xRow + kx * p.dilationWidth]))
                                }
                            }
                        } else {
                            var sum: Int32 = 0
                            for ky in row.lo..<row.hi {
                                let xRow = (xPlane + row.origin + ky * p.dilationHeight) * p.inWidth + col.origin
                                for kx in col.lo..<col.hi {
                                    sum += Int32(x[xRow + kx * p.dilationWidth])
                                }
                            }
                            let inside = (row.hi - row.lo) * (col.hi - col.lo)
                            var divisor = inside
                            if p.countIncludePad {
                                divisor = row.counted * col.counted
                                sum += p.zeroPoint * Int32(divisor - inside)
                            }
                            value = FixedPoint.roundedDivide(sum, by: Int32(divisor))
                        }
                        out[o] = Int8(min(max(value, lo), hi))
                        o += 1
                    }
                }
            }
        }
        }
        return output
    }
}
