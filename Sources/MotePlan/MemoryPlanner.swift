import MoteIR

/// Plans the activation arena of a `QModel`: lifetimes, in-place decisions, and the placement that needs the
/// fewest bytes among several strategies. A pure function of the model's content: no Dictionary or Set order
/// reaches an offset, so the same model always gets the same plan.
public enum MemoryPlanner {
    /// The placement strategies, in the order that breaks ties between equal arena sizes.
    public static let strategyNames: [String] = Placement.Strategy.allCases.map(\.rawValue)
    /// Appended to a strategy name for the variant that copies concats instead of writing their inputs in
    /// place (tried only when some concat can be made free, since a free concat keeps all its inputs' bytes
    /// reserved from the first input's creation on). Ties go to the in-place variant.
    public static let concatCopiedSuffix = ", concats copied"

    /// Scratch bytes layer `layer`'s kernel needs inside the arena; the planner reserves them for that step only,
    /// and the code generator passes their address in the layer's parameter block (layouts in the kernels):
    /// `mote_conv_int4` decodes one output channel's row (rowLength bytes); `mote_conv_sparse` the row's
    /// non-zeros as int32 input offsets and int8 values plus the whole row (5 · maxRowNonZeros + rowLength
    /// bytes); int8 convolutions their im2col columns or padded depthwise plane; large adds two lookup tables.
    /// Dense layers read their weights in place.
    public static func kernelScratchBytes(_ layer: QLayer) -> Int {
        if case .add(let p) = layer.op {
            return p.broadcast.shape.reduce(1, *) >= addTableMinElements ? addTableBytes : 0
        }
        guard case .conv(let p) = layer.op else { return 0 }
        return convScratchBytes(p, storage: p.weightStorage)
    }

    /// The scratch of `mote_conv` for the layer `p` with its weights stored as `storage`: the im2col or padded
    /// depthwise path for int8 dense weights, else what the int4/sparse kernel needs.
    public static func convScratchBytes(_ p: QConv, storage: QWeightStorage) -> Int {
        if storage.encoding == .dense, takesIm2col(p) {
            let columns = im2colScratchBytes(outChannels: storage.rows, taps: storage.rowLength)
            // One pair of rows as well: int4, the block's two rows decoded to int8; int8, the lone last row of an
            // odd channel count paired with itself.
            let pairedRows = storage.bits == .int4 || storage.rows % 2 == 1
            return columns + (pairedRows ? 2 * storage.rowLength : 0)
        }
        // int8 or int4 (mote_conv_int4 takes the same path).
        if storage.encoding == .dense, isDepthwise3x3(p) {
            return depthwiseScratchBytes(p)
        }
        return convScratchBytes(storage) + (storage.encoding == .sparse ? sparseBandBytes(p) : 0)
    }

    /// `mote_conv_sparse`'s band (`MOTE_CONV_SPARSE_BAND` in mote_kernels.h): where a window overlaps the
    /// padding, the input rows of a block of `rowsPer(64, …)` output rows, padded:
    /// (in channels / groups) · ((rows − 1) · strideHeight + (kernelHeight − 1) · dilationHeight + 1) rows of
    /// (outWidth − 1) · strideWidth + (kernelWidth − 1) · dilationWidth + 1 bytes.
    public static func sparseBandBytes(_ p: QConv) -> Int {
        guard p.outHeight >= 1, p.outWidth >= 1, p.groups > 0 else { return 0 }
        let width = (p.outWidth - 1) * p.strideWidth + (p.kernelWidth - 1) * p.dilationWidth + 1
        let inside = p.padTop == 0 && p.padLeft == 0 && width <= p.inWidth
            && (p.outHeight - 1) * p.strideHeight + (p.kernelHeight - 1) * p.dilationHeight < p.inHeight
        let rows = rowsPer(64, width: p.outWidth, height: p.outHeight)
        let height = (rows - 1) * p.strideHeight + (p.kernelHeight - 1) * p.dilationHeight + 1
        return inside ? 0 : (p.inChannels / p.groups) * height * width
    }

    public static let im2colMinPointwiseChannels = 16

    /// Whether `mote_conv`/`mote_conv_int4` run the dense-weight layer `p` through im2col (given its scratch):
    /// groups 1 and at least three output pixels (every block of the path is three pixels wide, so its stores
    /// need no tests), except 1×1 kernels over fewer than 16 channels, which run faster on the pointwise path (four
    /// pixels per weight load; VWW's 8-channel layer 5.5 vs 6.9 instructions/MAC on Cortex-M4), and zero points
    /// whose padding value and clamp bounds fit the path's int8 and int16 arithmetic (always true of Mote's
    /// tensors). The C has the same rule (MOTE_CONV_IM2COL, MOTE_CONV_INT8_POINTS in mote_kernels.h).
    public static func takesIm2col(_ p: QConv) -> Bool {
        p.groups == 1 && p.outHeight * p.outWidth >= 3
            && !(p.kernelHeight == 1 && p.kernelWidth == 1 && p.inChannels < im2colMinPointwiseChannels)
            && hasInt8Points(p)
    }

    /// A depthwise 3×3 layer with undilated windows (MOTE_CONV_DEPTHWISE3X3 in mote_kernels.h): given its
    /// scratch and `hasInt8Points`, `mote_conv`/`mote_conv_int4` run it on the padded depthwise path.
    public static func isDepthwise3x3(_ p: QConv) -> Bool {
        p.groups == p.inChannels && p.groups == p.outChannels && p.kernelHeight == 3 && p.kernelWidth == 3
            && p.dilationHeight == 1 && p.dilationWidth == 1 && p.outHeight >= 1 && p.outWidth >= 1
    }

    /// What both scratch paths assume of the zero points (MOTE_CONV_INT8_POINTS in mote_kernels.h): the padding
    /// value −inputOffset is an int8 and the output zero point keeps the clamp bounds in −255…255.
    public static func hasInt8Points(_ p: QConv) -> Bool {
        (-127...128).contains(p.inputOffset) && (-128...127).contains(p.outputZeroPoint)
    }

    /// Whether the layer's weights are emitted two rows at a time (MOTE_WEIGHTS_INT8_PAIRS, the order the im2col
    /// path reads): int8 dense weights of an im2col layer.
    public static func pairsWeightRows(_ p: QConv, storage: QWeightStorage) -> Bool {
        storage.bits == .int8 && storage.encoding == .dense && takesIm2col(p)
    }

    /// `mote_add`'s two 256-entry int32 tables of each input's scaled value (computed once per call, 512
    /// requantizations): they pay for themselves from about a thousand elements; smaller adds go without.
    public static let addTableBytes = 2 * 256 * 4
    public static let addTableMinElements = 1024

    /// `mote_conv`'s padded depthwise 3×3 path: one channel's plane with its padding, as the outputs read it, and
    /// 4 spare bytes (the DSP path reads a word past an odd row), rounded up to a word; then the int32
    /// accumulators of a chunk of `rowsPer(128, …)` rows and a spare one. Rows are those the kernel walks: the
    /// plane's columns where it is walked transposed (`depthwiseFlipped`).
    public static func depthwiseScratchBytes(_ p: QConv) -> Int {
        let plane = ((p.outHeight - 1) * p.strideHeight + 3) * ((p.outWidth - 1) * p.strideWidth + 3)
        let (rows, width) = depthwiseFlipped(p) ? (p.outWidth, p.outHeight) : (p.outHeight, p.outWidth)
        return (plane + 4 + 3) / 4 * 4 + 4 * (rowsPer(128, width: width, height: rows) * width + 1)
    }

    /// Whether the padded depthwise path walks the output plane transposed (`MOTE_DEPTHWISE_FLIP`): at least twice
    /// as tall as wide, with at most 64 outputs to a column.
    static func depthwiseFlipped(_ p: QConv) -> Bool {
        p.outHeight >= 2 * p.outWidth && p.outHeight <= 64
    }

    /// How many rows of `width` outputs (of `height`) make about `n` outputs, at least one (`MOTE_ROWS_PER` in
    /// mote_kernels.h): the padded depthwise path's accumulator chunk (n = 128) and the sparse band path's block
    /// (n = 64).
    static func rowsPer(_ n: Int, width: Int, height: Int) -> Int {
        width >= n ? 1 : min(n / width, height)
    }

    /// `mote_conv`'s im2col path (groups 1): per pair of output channels (a lone last one counts as a pair) a
    /// `mote_im2col_rows` (two `mote_scale`s of 5 words and two uint32 bases), three int16 columns of the taps in
    /// whole groups of four (the 2×3 block's pixels), and one int8 column with 4 spare bytes (the pair of rows
    /// some layers need after that is added by `convScratchBytes`).
    public static func im2colScratchBytes(outChannels: Int, taps: Int) -> Int {
        48 * ((outChannels + 1) / 2) + 3 * 2 * (taps & ~3) + taps + 4
    }

    /// The scratch of the conv kernel for weights stored as `storage` (`mote_conv`, `mote_conv_int4`, `mote_conv_sparse`).
    public static func convScratchBytes(_ storage: QWeightStorage) -> Int {
        switch (storage.bits, storage.encoding) {
        case (.int8, .dense): return 0
        case (.int4, .dense): return storage.rowLength
        case (_, .sparse): return 5 * storage.maxRowNonZeros + storage.rowLength
        }
    }

    public static func plan(_ model: QModel) -> MemoryPlan {
        plan(model, scratchBytes: model.layers.map(kernelScratchBytes))
    }

    /// Plans with the given scratch bytes per layer (missing entries count as 0, negative ones as 0).
    public static func plan(_ model: QModel, scratchBytes: [Int]) -> MemoryPlan {
        let live = Liveness(model)
        let layerCount = model.layers.count
        let scratch = (0..<layerCount).map { i in i < scratchBytes.count ? max(0, scratchBytes[i]) : 0 }
        let scratchBuffers = scratch.enumerated().compactMap { i, bytes in
            bytes > 0 ? Buffer(id: live.count + i, size: MemoryPlan.align(bytes), range: LiveRange(first: i, last: i)) : nil
        }

        var variants = [(aliasing: Aliasing(model, live, fuseConcats: true), suffix: "")]
        let concats = model.layers.indices.filter { if case .concat = model.layers[$0].op { return true } else { return false } }
        if concats.contains(where: { variants[0].aliasing.inPlace[$0] }) {
            variants.append((Aliasing(model, live, fuseConcats: false), concatCopiedSuffix))
        }

        var strategies: [String: Int] = [:]
        var best: (name: String, size: Int, aliasing: Aliasing, buffers: [Buffer], offsets: [Int])? = nil
        for (aliasing, suffix) in variants {
            var aliasing = aliasing
            let buffers = aliasing.buffers() + scratchBuffers
            for strategy in Placement.Strategy.allCases {
                let offsets = strategy.place(buffers)
                let size = MemoryPlan.align(Placement.extent(buffers, offsets))
                let name = strategy.rawValue + suffix
                strategies[name] = size
                if size < (best?.size ?? Int.max) {
                    best = (name, size, aliasing, buffers, offsets)
                }
            }
        }
        guard let winner = best else {
            // Unreachable (there is always at least one strategy); an empty plan keeps this path trap-free.
            return MemoryPlan(arenaBytes: 0, lowerBoundBytes: 0, strategy: "", strategies: [:], offsets: [],
                              sizes: [], liveRanges: [], inPlace: [], scratchBytes: [], scratchOffsets: [], occupancy: [])
        }

        var bufferOffset = [Int](repeating: -1, count: live.count + layerCount)
        for (b, o) in zip(winner.buffers, winner.offsets) { bufferOffset[b.id] = o }
        let offsets = (0..<live.count).map { t in
            live.first[t] == nil ? -1 : bufferOffset[winner.aliasing.root[t]] + winner.aliasing.rel[t]
        }
        let scratchOffsets = (0..<layerCount).map { bufferOffset[live.count + $0] }
        let ranges = (0..<live.count).map { live.range($0) }

        // Lower bound: every tensor on its own bytes, at every step from the input copy to the output copy.
        var lowerBound = 0
        if live.count > 0 || layerCount > 0 {
            for step in -1...layerCount {
                var bytes = step >= 0 && step < layerCount ? scratch[step] : 0
                for t in 0..<live.count where ranges[t]?.contains(step) == true { bytes += live.sizes[t] }
                lowerBound = max(lowerBound, bytes)
            }
        }

        let occupancy = (0..<layerCount).map { step -> Int in
            var blocks: [(Int, Int)] = []
            for t in 0..<live.count where ranges[t]?.contains(step) == true && live.sizes[t] > 0 {
                blocks.append((offsets[t], offsets[t] + live.sizes[t]))
            }
            if scratch[step] > 0 { blocks.append((scratchOffsets[step], scratchOffsets[step] + scratch[step])) }
            return unionLength(blocks)
        }

        return MemoryPlan(arenaBytes: winner.size, lowerBoundBytes: lowerBound, strategy: winner.name,
                          strategies: strategies, offsets: offsets, sizes: live.sizes, liveRanges: ranges,
                          inPlace: winner.aliasing.inPlace, scratchBytes: scratch, scratchOffsets: scratchOffsets,
                          occupancy: occupancy)
    }

    /// Bytes covered by the union of half-open intervals.
    static func unionLength(_ blocks: [(Int, Int)]) -> Int {
        var total = 0, end = Int.min
        for (lo, hi) in blocks.sorted(by: { $0 < $1 }) {
            let start = max(lo, end)
            if hi > start { total += hi - start }
            end = max(end, hi)
        }
        return total
    }
}
