/// Window arithmetic shared by the conv and pool kernels (MoteInteger) and by `QModel.validate()`, so that
/// validation and execution skip and count exactly the same taps.
package enum SlidingWindow {
    /// Window taps that land inside `0..<size` for a window starting at `origin`: `k` in `lo..<hi` gives
    /// `origin + k·dilation` in range (an empty range when the window misses the input). Shared with the C
    /// (`mote_conv_tap_range`, `mote_pool_tap_range`), so both skip exactly the same taps.
    @inlinable
    package static func tapRange(origin: Int, dilation: Int, kernel: Int, size: Int) -> (lo: Int, hi: Int) {
        let lo = origin >= 0 ? 0 : (-origin + dilation - 1) / dilation
        var hi = origin >= size ? 0 : (size - origin + dilation - 1) / dilation
        if hi > kernel { hi = kernel }
        return (lo, hi < lo ? lo : hi)
    }
}

extension QPool {
    /// One spatial axis of the pooling window: the rows (`vertical`) or the columns.
    package struct WindowAxis: Sendable {
        package var size, stride, dilation, kernel, padBegin, padEnd: Int

        /// Where the window of output row (column) `o` starts, in input coordinates (negative inside the pad).
        package func origin(_ o: Int) -> Int { o * stride - padBegin }
    }

    package func windowAxis(vertical: Bool) -> WindowAxis {
        vertical
            ? WindowAxis(size: inHeight, stride: strideHeight, dilation: dilationHeight, kernel: kernelHeight,
                         padBegin: padTop, padEnd: padBottom)
            : WindowAxis(size: inWidth, stride: strideWidth, dilation: dilationWidth, kernel: kernelWidth,
                         padBegin: padLeft, padEnd: padRight)
    }

    /// Taps of output row (column) `o` that an average's divisor counts along one axis: those inside the input,
    /// or with `countIncludePad` those inside the padded extent [−padBegin, size + padEnd).
    package func divisorTaps(output o: Int, vertical: Bool) -> Int {
        let w = windowAxis(vertical: vertical)
        let origin = w.origin(o)
        let counted = countIncludePad
            ? SlidingWindow.tapRange(origin: origin + w.padBegin, dilation: w.dilation, kernel: w.kernel,
                                     size: w.size + w.padBegin + w.padEnd)
            : SlidingWindow.tapRange(origin: origin, dilation: w.dilation, kernel: w.kernel, size: w.size)
        return counted.hi - counted.lo
    }
}
