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
    static let maxKernelArea = 1 << 20

    static func validate(_ p: QPool, _ check: LayerCheck) throws {
        for (value, name) in [(p.planes, "planes"), (p.inHeight, "inHeight"), (p.inWidth, "inWidth"),
                              (p.outHeight, "outHeight"), (p.outWidth, "outWidth"), (p.kernelHeight, "kernelHeight"),
                              (p.kernelWidth, "kernelWidth"), (p.strideHeight, "strideHeight"),
                              (p.strideWidth, "strideWidth"), (p.dilationHeight, "dilationHeight"),
                              (p.dilationWidth, "dilationWidth")] {
            try check.positive(value, name)
        }
        for (value, name) in [(p.padTop, "padTop"), (p.padLeft, "padLeft"), (p.padBottom, "padBottom"), (p.padRight, "padRight")] {
            try check.nonNegative(value, name)
        }
        try check.window(output: p.outHeight, kernel: p.kernelHeight, stride: p.strideHeight,
                         dilation: p.dilationHeight, axis: "height")
        try check.window(output: p.outWidth, kernel: p.kernelWidth, stride: p.strideWidth,
                         dilation: p.dilationWidth, axis: "width")
        try check.require(p.kernelHeight * p.kernelWidth <= maxKernelArea,
                          "kernel \(p.kernelHeight)x\(p.kernelWidth) has more than \(maxKernelArea) taps")
        try check.tensor(p.input, count: try check.product([p.planes, p.inHeight, p.inWidth], "input"), "input")
        try check.tensor(p.output, count: try check.product([p.planes, p.outHeight, p.outWidth], "output"), "output")
        try check.int8(p.zeroPoint, "zeroPoint")
        _ = try check.clamp(p.clampMin, p.clampMax)
        if p.kind == .average {
            // Every window must count at least one tap, or its divisor would be 0. The divisor is a product of a
            // row count and a column count, so checking each output row and column suffices.
            for oy in 0..<p.outHeight where axisCount(p, oy, vertical: true) == 0 {
                throw check.error("average window of output row \(oy) covers no \(p.countIncludePad ? "input or pad" : "input") taps: its divisor would be 0")
            }
            for ox in 0..<p.outWidth where axisCount(p, ox, vertical: false) == 0 {
                throw check.error("average window of output column \(ox) covers no \(p.countIncludePad ? "input or pad" : "input") taps: its divisor would be 0")
            }
        }
    }

    /// Taps of output row (column) `o` that the divisor counts along one axis.
    private static func axisCount(_ p: QPool, _ o: Int, vertical: Bool) -> Int {
        let w = Window(p, vertical: vertical)
        let origin = o * w.stride - w.padBegin
        let counted = p.countIncludePad
            ? tapRange(origin: origin + w.padBegin, dilation: w.dilation, kernel: w.kernel, size: w.size + w.padBegin + w.padEnd)
            : tapRange(origin: origin, dilation: w.dilation, kernel: w.kernel, size: w.size)
        return counted.hi - counted.lo
    }

    private struct Window {
        var size, stride, dilation, kernel, padBegin, padEnd: Int
        init(_ p: QPool, vertical: Bool) {
            if vertical {
                (size, stride, dilation, kernel, padBegin, padEnd) =
                    (p.inHeight, p.strideHeight, p.dilationHeight, p.kernelHeight, p.padTop, p.padBottom)
            } else {
                (size, stride, dilation, kernel, padBegin, padEnd) =
                    (p.inWidth, p.strideWidth, p.dilationWidth, p.kernelWidth, p.padLeft, p.padRight)
            }
        }
    }

    /// Per output row (column): window origin, taps inside the input, and taps the divisor counts.
    private struct AxisTaps {
        var origin: Int, lo: Int, hi: Int, counted: Int
    }

    private static func axisTaps(_ p: QPool, count: Int, vertical: Bool) -> [AxisTaps] {
        let w = Window(p, vertical: vertical)
        return (0..<count).map { o in
            let origin = o * w.stride - w.padBegin
            let inside = tapRange(origin: origin, dilation: w.dilation, kernel: w.kernel, size: w.size)
            return AxisTaps(origin: origin, lo: inside.lo, hi: inside.hi, counted: axisCount(p, o, vertical: vertical))
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
