import MoteFixedPoint
import MoteIR

/// Grouped 2-D convolution, mirroring TFLM's int8 `ConvPerChannel` / `DepthwiseConvPerChannel` reference
/// kernels (reference/integer_ops/conv.h, depthwise_conv.h) in NCHW order. C twins: `mote_conv.c`,
/// `mote_conv_int4.c`, `mote_conv_sparse.c` (one per weight storage format).
///
/// The accumulator is int32 and wraps (`&+`, `&*`; the C does the same in `uint32_t`, where wrapping is
/// defined). A real model never wraps: |w| ≤ 127 and |x + inputOffset| ≤ 255, so each product is below 2^15
/// and a sum of 65 536 of them still fits — but a hand-made `QModel` with huge offsets gets the same wrapped
/// result here and in C. Wrapping addition is associative, so the order of the taps cannot change the result.
///
/// The weight storage (int8/int4, dense/sparse: `QWeightStorage`) is not seen here: `weights` holds the logical
/// values, and the C's sparse path, which skips zero weights, adds the same products minus zeros, so it gives the
/// same wrapped sums.
enum ConvKernel {
    static func run(_ p: QConv, _ input: [Int8]) -> [Int8] {
        var output = [Int8](repeating: 0, count: p.batch * p.outChannels * p.outHeight * p.outWidth)
        let inPerGroup = p.inChannels / p.groups
        let outPerGroup = p.outChannels / p.groups
        let lo = Int8(p.clampMin), hi = Int8(p.clampMax)
        let offset = p.inputOffset
        // The taps inside the input depend only on the output row (column), not on the channel.
        let rows = (0..<p.outHeight).map { oy -> (origin: Int, lo: Int, hi: Int) in
            let origin = oy * p.strideHeight - p.padTop
            let r = SlidingWindow.tapRange(origin: origin, dilation: p.dilationHeight, kernel: p.kernelHeight, size: p.inHeight)
            return (origin, r.lo, r.hi)
        }
        let cols = (0..<p.outWidth).map { ox -> (origin: Int, lo: Int, hi: Int) in
            let origin = ox * p.strideWidth - p.padLeft
            let r = SlidingWindow.tapRange(origin: origin, dilation: p.dilationWidth, kernel: p.kernelWidth, size: p.inWidth)
            return (origin, r.lo, r.hi)
        }
        // Locals rather than property reads inside the hot loops.
        let inC = p.inChannels, inH = p.inHeight, inW = p.inWidth
        let kh = p.kernelHeight, kw = p.kernelWidth, dh = p.dilationHeight, dw = p.dilationWidth
        let zeroPoint = p.outputZeroPoint
        input.withUnsafeBufferPointer { x in
        p.weights.withUnsafeBufferPointer { w in
        output.withUnsafeMutableBufferPointer { out in
            var o = 0
            for n in 0..<p.batch {
                for m in 0..<p.outChannels {
                    let firstChannel = (m / outPerGroup) * inPerGroup
                    let bias = p.bias[m], multiplier = p.requant[m].multiplier, shift = p.requant[m].shift
                    for row in rows {
                        for col in cols {
                            var acc = bias
                            for c in 0..<inPerGroup {
                                let xPlane = (n * inC + firstChannel + c) * inH
                                let wPlane = (m * inPerGroup + c) * kh
                                // Index arithmetic uses &+ / &*: validation bounds every index by 2^28, and the
                                // unchecked forms keep overflow branches out of the innermost loop.
                                var ky = row.lo
                                while ky < row.hi {
                                    let xRow = (xPlane &+ row.origin &+ ky &* dh) &* inW &+ col.origin
                                    let wRow = (wPlane &+ ky) &* kw
                                    var kx = col.lo
                                    while kx < col.hi {
                                        acc = acc &+ Int32(w[wRow &+ kx]) &* (Int32(x[xRow &+ kx &* dw]) &+ offset)
                                        kx &+= 1
                                    }
                                    ky &+= 1
                                }
                            }
                            out[o] = FixedPoint.requantize(acc: acc, multiplier: multiplier, shift: shift,
                                                           outputZeroPoint: zeroPoint, min: lo, max: hi)
                            o += 1
                        }
                    }
                }
            }
        }
        }
        }
        return output
    }
}
