import MoteIR

/// Convolution geometry of one group with 1-D convolutions seen as 2-D ones of height 1.
struct ConvGeometry: Sendable {
    var channels: Int          // input channels per group
    var h: Int, w: Int
    var kh: Int, kw: Int
    var sh: Int, sw: Int
    var dh: Int, dw: Int
    var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
    var oh: Int, ow: Int

    init?(attrs a: ConvAttributes, input: [Int], output: [Int], channels: Int) {
        self.channels = channels
        switch a.spatialRank {
        case 1:
            (h, w, kh, kw, sh, sw, dh, dw) = (1, input[2], 1, a.kernel[0], 1, a.strides[0], 1, a.dilations[0])
            (padTop, padLeft, padBottom, padRight, oh, ow) = (0, a.pads[0], 0, a.pads[1], 1, output[2])
        case 2:
            (h, w, kh, kw, sh, sw) = (input[2], input[3], a.kernel[0], a.kernel[1], a.strides[0], a.strides[1])
            (dh, dw, padTop, padLeft, padBottom, padRight) = (a.dilations[0], a.dilations[1], a.pads[0], a.pads[1], a.pads[2], a.pads[3])
            (oh, ow) = (output[2], output[3])
        default:
            return nil
        }
    }
}

/// How the K×N convolution matrix (K = C/group · kernel taps rows, one column per output position) reaches
/// the GEMM.
enum ConvLowering: Sendable {
    /// Stride 1 (1-D/2-D), or 1×1 unpadded of any rank: no im2col. B row (c, tap) is a contiguous slice of the
    /// (zero-padded) input plane, read in place by the indirect GEMM.
    case shifted(PlaneConv)
    /// Other 1-D/2-D convolutions: packed B panels gathered from the padded plane through offset tables.
    case gathered(PlaneConv)
    /// Any spatial rank: generic im2col over a table of kernel offsets.
    case im2colND(ConvND)
}

/// A 1-D/2-D convolution over a zero-padded copy of the input plane (hp × wp), so no tap needs a bounds
/// check. B element (row r, column j) is `plane[rowOffsets[r] + colOffsets[j]]`, with row r = (c, kh, kw) at
/// c·hp·wp + kh·dh·wp + kw·dw and column j = (oh, ow) at oh·sh·wp + ow·sw.
/// With stride 1 the column offset of (oh, ow) is oh·wp + ow, so neighbouring columns are neighbouring floats:
/// the shifted form computes every column index oh·wp + ow < `columns`, including ow ≥ output width (they wrap
/// into the next row), and drops those when compacting the result.
struct PlaneConv: Sendable {
    var h: Int, w: Int             // input plane (1-D: h = 1; 1×1 of any rank: h = 1, w = all spatial)
    var hp: Int, wp: Int           // padded plane
    var padTop: Int, padLeft: Int
    var oh: Int, ow: Int
    var rowOffsets: [Int]          // k entries
    var colOffsets: [Int]          // gathered form: oh·ow entries
    var needsPadding: Bool { hp != h || wp != w }
    /// Shifted form: columns computed, up to the last output position.
    var columns: Int { (oh - 1) * wp + ow }

    init(_ g: ConvGeometry) {
        (h, w, oh, ow, padTop, padLeft) = (g.h, g.w, g.oh, g.ow, g.padTop, g.padLeft)
        hp = g.h + g.padTop + g.padBottom
        wp = g.w + g.padLeft + g.padRight
        var rows: [Int] = []
        for c in 0..<g.channels {
            for i in 0..<g.kh { for j in 0..<g.kw { rows.append(c * hp * wp + i * g.dh * wp + j * g.dw) } }
        }
        rowOffsets = rows
        var cols: [Int] = []
        if g.sh != 1 || g.sw != 1 {
            for i in 0..<g.oh { for j in 0..<g.ow { cols.append(i * g.sh * wp + j * g.sw) } }
        }
        colOffsets = cols
    }

    /// 1×1, stride 1, unpadded, over `plane` positions and `channels` input channels.
    init(pointwise plane: Int, channels: Int) {
        (h, w, hp, wp, padTop, padLeft, oh, ow) = (1, plane, 1, plane, 0, 0, 1, plane)
        rowOffsets = (0..<channels).map { $0 * plane }
        colOffsets = []
    }

    /// Copies `channels` planes into `dst` inside their zero border (which the caller zeroed once).
    func pad(_ src: UnsafePointer<Float>, channels: Int, into dst: UnsafeMutablePointer<Float>) {
        let plane = h * w, paddedPlane = hp * wp
        for c in 0..<channels {
            for r in 0..<h {
                copyFloats(src + c * plane + r * w, dst + c * paddedPlane + (r + padTop) * wp + padLeft, w)
            }
        }
    }
}

/// Generic N-D im2col description.
struct ConvND: Sendable {
    var inShape: [Int]       // spatial input dims
    var inStrides: [Int]     // element strides of the spatial dims
    var outShape: [Int]      // spatial output dims
    var strides: [Int]
    var padBegin: [Int]
    /// For every row r of the K×N matrix: the input channel (within the group) and the dilated kernel offset
    /// along every spatial axis (`rowOffsets[r·s + d]`).
    var rowChannel: [Int]
    var rowOffsets: [Int]
}

/// Convolution. Depthwise (group == C == M, 1-D/2-D) runs a direct SIMD loop; everything else is a GEMM per
/// image and group, Y[M/g × positions] = W[M/g × K] · B[K × positions], with constant weights packed once and
/// B from the lowering above.
struct ConvKernel: NodeKernel {
    let batch: Int, inChannels: Int, outChannels: Int, group: Int
    let inSpatial: Int, outSpatial: Int
    let k: Int                       // C/group · taps
    let hasBias: Bool
    let lowering: ConvLowering
    let depthwise: ConvGeometry?
    /// Depthwise, stride 1, output as wide as the input: taps read the unpadded plane through masks.
    let maskedDepthwise: MaskedDepthwise?
    let packedW: FloatBuffer?         // per group: packed A panels, groups back to back

    init(graph: Graph, node: Node, attrs a: ConvAttributes, constants: [FloatBuffer?]) {
        let x = graph.type(of: node.inputs[0]).shape
        let w = graph.type(of: node.inputs[1]).shape
        let y = graph.type(of: node.outputs[0]).shape
        let s = a.spatialRank
        batch = x[0]
        inChannels = x[1]
        outChannels = w[0]
        group = a.group
        inSpatial = Shape.count(Array(x[2...]))
        outSpatial = Shape.count(Array(y[2...]))
        let cg = x[1] / a.group, mg = w[0] / a.group
        let taps = Shape.count(a.kernel)
        let k = cg * taps
        self.k = k
        hasBias = node.inputs.count > 2
        if a.group == x[1], w[0] == x[1], let geometry = ConvGeometry(attrs: a, input: x, output: y, channels: 1) {
            depthwise = geometry
        } else {
            depthwise = nil
        }
        maskedDepthwise = depthwise.flatMap(MaskedDepthwise.init)
        if a.kernel.allSatisfy({ $0 == 1 }) && a.strides.allSatisfy({ $0 == 1 }) && a.pads.allSatisfy({ $0 == 0 }) {
            lowering = .shifted(PlaneConv(pointwise: inSpatial, channels: cg))
        } else if let g = ConvGeometry(attrs: a, input: x, output: y, channels: cg) {
            lowering = g.sh == 1 && g.sw == 1 ? .shifted(PlaneConv(g)) : .gathered(PlaneConv(g))
        } else {
            var rowChannel: [Int] = [], rowOffsets: [Int] = []
            let kernelStrides = Shape.strides(a.kernel)
            for c in 0..<cg {
                for t in 0..<taps {
                    rowChannel.append(c)
                    for d in 0..<s { rowOffsets.append((t / kernelStrides[d]) % a.kernel[d] * a.dilations[d]) }
                }
            }
            lowering = .im2colND(ConvND(inShape: Array(x[2...]), inStrides: Shape.strides(Array(x[2...])),
                                        outShape: Array(y[2...]), strides: a.strides, padBegin: Array(a.pads[0..<s]),
                                        rowChannel: rowChannel, rowOffsets: rowOffsets))
        }
        if depthwise == nil, let wc = constants[node.inputs[1].index] {
            let size = GEMM.packedASize(m: mg, k: k)
            packedW = FloatBuffer(count: size * a.group) { dst in
                for g in 0..<a.group {
                    GEMM.packA(m: mg, k: k, src: wc.pointer + g * mg * k, rs: k, cs: 1, dst: dst + g * size)
                }
            }
        } else {
            packedW = nil
        }
    }

    func run(_ inputs: [UnsafePointer<Float>], _ y: UnsafeMutablePointer<Float>, _ ws: Workspace) throws {
        let x = inputs[0], w = inputs[1]
        let bias: UnsafePointer<Float>? = hasBias ? inputs[2] : nil
        if let maskedDepthwise {
            maskedDepthwise.run(x: x, w: w, bias: bias, y: y, planes: batch * inChannels, channels: inChannels, ws: ws)
            return
        }
        if let depthwise {
            depthwiseConv(x: x, w: w, bias: bias, y: y, g: depthwise, ws: ws)
            return
        }
        let mg = outChannels / group, k = self.k
        let aSize = GEMM.packedASize(m: mg, k: k)
        let weights: UnsafePointer<Float>
        if let packedW {
            weights = UnsafePointer(packedW.pointer)
        } else {
            let buf = ws.floats(1, aSize * group)
            for g in 0..<group { GEMM.packA(m: mg, k: k, src: w + g * mg * k, rs: k, cs: 1, dst: buf + g * aSize) }
            weights = UnsafePointer(buf)
        }
        switch lowering {
        case .shifted(let pc):
            runShifted(pc, x: x, weights: weights, aSize: aSize, bias: bias, y: y, ws: ws)
        case .gathered(let pc):
            runGathered(pc, x: x, weights: weights, aSize: aSize, bias: bias, y: y, ws: ws)
        case .im2colND(let nd):
            let cg = inChannels / group, n = outSpatial
            for b in 0..<batch {
                for g in 0..<group {
                    let yg = y + (b * outChannels + g * mg) * n
                    fillBias(bias, g * mg, mg, yg, n)
                    let xg = x + (b * inChannels + g * cg) * inSpatial
                    GEMM.run(m: mg, n: n, k: k, a: weights + g * aSize, packedB: nil,
                             packB: { j0, nc, dst in im2colPanelsND(xg, nd, j0, nc, dst) },
                             c: yg, ldc: n, accumulate: bias != nil, ws: ws)
                }
            }
        }
    }

    /// Rows [first, first+rows) of the bias, each repeated `n` times at `y` (row stride n).
    private func fillBias(_ bias: UnsafePointer<Float>?, _ first: Int, _ rows: Int, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        guard let bias else { return }
        for r in 0..<rows { (y + r * n).initialize(repeating: bias[first + r], count: n) }
    }

    /// The (b, g) input planes, zero-padded into workspace slot 2 when the convolution has pads.
    private func paddedPlanes(_ pc: PlaneConv, _ x: UnsafePointer<Float>, ws: Workspace) -> (Int, Int) -> UnsafePointer<Float> {
        let cg = inChannels / group, plane = pc.h * pc.w
        let inChannels = self.inChannels
        guard pc.needsPadding else { return { b, g in x + (b * inChannels + g * cg) * plane } }
        let size = cg * pc.hp * pc.wp
        let padded = ws.floats(2, size)
        // Zeroed once: the borders are never written, the interior is overwritten for every image and group.
        padded.initialize(repeating: 0, count: size)
        return { b, g in
            pc.pad(x + (b * inChannels + g * cg) * plane, channels: cg, into: padded)
            return UnsafePointer(padded)
        }
    }

    /// Stride 1: the indirect GEMM reads B rows in place; when the padded width exceeds the output width the
    /// result goes to a wide buffer (workspace slot 3) and is compacted.
    private func runShifted(_ pc: PlaneConv, x: UnsafePointer<Float>, weights: UnsafePointer<Float>, aSize: Int,
                            bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, ws: Workspace) {
        let mg = outChannels / group
        let columns = pc.columns, outPlane = pc.oh * pc.ow
        let wide: UnsafeMutablePointer<Float>? = pc.wp != pc.ow ? ws.floats(3, mg * columns) : nil
        let planes = paddedPlanes(pc, x, ws: ws)
        pc.rowOffsets.withUnsafeBufferPointer { offsets in
            guard let offsets = offsets.baseAddress else { return }
            for b in 0..<batch {
                for g in 0..<group {
                    let src = planes(b, g)
                    let yg = y + (b * outChannels + g * mg) * outPlane
                    let target = wide ?? yg
                    fillBias(bias, g * mg, mg, target, columns)
                    GEMM.runIndirect(m: mg, n: columns, k: k, a: weights + g * aSize, b: src, rowOffsets: offsets,
                                     c: target, ldc: columns, accumulate: bias != nil, ws: ws)
                    if let wide {
                        for r in 0..<mg {
                            for i in 0..<pc.oh { copyFloats(wide + r * columns + i * pc.wp, yg + r * outPlane + i * pc.ow, pc.ow) }
                        }
                    }
                }
            }
        }
    }

    /// Strided: B panels gathered from the padded planes through the row and column offset tables.
    private func runGathered(_ pc: PlaneConv, x: UnsafePointer<Float>, weights: UnsafePointer<Float>, aSize: Int,
                             bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, ws: Workspace) {
        let mg = outChannels / group, n = outSpatial, k = self.k
        let planes = paddedPlanes(pc, x, ws: ws)
        pc.rowOffsets.withUnsafeBufferPointer { rowBuffer in
            pc.colOffsets.withUnsafeBufferPointer { colBuffer in
                guard let rows = rowBuffer.baseAddress, let cols = colBuffer.baseAddress else { return }
                for b in 0..<batch {
                    for g in 0..<group {
                        let src = planes(b, g)
                        let yg = y + (b * outChannels + g * mg) * n
                        fillBias(bias, g * mg, mg, yg, n)
                        GEMM.run(m: mg, n: n, k: k, a: weights + g * aSize, packedB: nil, packB: { j0, nc, dst in
                            gatherPanels(src, rows, k, cols + j0, nc, dst)
                        }, c: yg, ldc: n, accumulate: bias != nil, ws: ws)
                    }
                }
            }
        }
    }

    /// One channel at a time: the plane is copied into a zero-padded buffer, then every output is the sum of the
    /// taps with no bounds checks. With stride 1 the sums run over the flattened padded plane, 32 then 8 outputs
    /// at a time (columns past the output width are computed and dropped); otherwise row by row.
    private func depthwiseConv(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               y: UnsafeMutablePointer<Float>, g: ConvGeometry, ws: Workspace) {
        let hp = g.h + g.padTop + g.padBottom, wp = g.w + g.padLeft + g.padRight
        let taps = g.kh * g.kw
        let flat = g.sh == 1 && g.sw == 1
        let flatCount = (g.oh * wp + 7) / 8 * 8
        // Room for the vector sweeps reading past the last row: whole vectors of 8 outputs, 16 floats each
        // with stride 2.
        let paddedCount = hp * wp + (g.kw - 1) * g.dw + 32
        let padded = ws.floats(1, paddedCount)
        let accumulator = ws.floats(2, flatCount + 8)
        var tapOffset = [Int](repeating: 0, count: taps)
        for i in 0..<g.kh { for j in 0..<g.kw { tapOffset[i * g.kw + j] = i * g.dh * wp + j * g.dw } }
        let planeIn = g.h * g.w, planeOut = g.oh * g.ow
        padded.initialize(repeating: 0, count: paddedCount)
        tapOffset.withUnsafeBufferPointer { offsetBuffer in
            guard let offs = offsetBuffer.baseAddress else { return }
            for plane in 0..<(batch * inChannels) {
                let c = plane % inChannels
                let src = x + plane * planeIn
                // Interior rows; the zero border is never overwritten.
                for r in 0..<g.h { copyFloats(src + r * g.w, padded + (r + g.padTop) * wp + g.padLeft, g.w) }
                let wc = w + c * taps
                let b0 = bias?[c] ?? 0
                let dst = y + plane * planeOut
                if flat {
                    var i = 0
                    while i + 32 <= flatCount {
                        var a0 = SIMD8<Float>(repeating: b0), a1 = a0, a2 = a0, a3 = a0
                        let base = padded + i
                        for t in 0..<taps {
                            let wt = SIMD8<Float>(repeating: wc[t]), p = base + offs[t]
                            fma8(&a0, wt, load8(p)); fma8(&a1, wt, load8(p + 8))
                            fma8(&a2, wt, load8(p + 16)); fma8(&a3, wt, load8(p + 24))
                        }
                        store8(a0, accumulator + i); store8(a1, accumulator + i + 8)
                        store8(a2, accumulator + i + 16); store8(a3, accumulator + i + 24)
                        i += 32
                    }
                    while i < flatCount {
                        var acc = SIMD8<Float>(repeating: b0)
                        let base = padded + i
                        for t in 0..<taps { fma8(&acc, SIMD8<Float>(repeating: wc[t]), load8(base + offs[t])) }
                        store8(acc, accumulator + i)
                        i += 8
                    }
                    for r in 0..<g.oh { copyFloats(accumulator + r * wp, dst + r * g.ow, g.ow) }
                } else if g.sw <= 2 {
                    // Eight outputs of a row at a time; stride 2 takes the even lanes of 16 loaded floats.
                    for r in 0..<g.oh {
                        let row = dst + r * g.ow
                        let rowBase = padded + r * g.sh * wp
                        var o = 0
                        while o < g.ow {
                            var acc = SIMD8<Float>(repeating: b0)
                            for t in 0..<taps {
                                let p = rowBase + offs[t] + o * g.sw
                                let v = g.sw == 1 ? load8(p) : UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self).evenHalf
                                fma8(&acc, SIMD8<Float>(repeating: wc[t]), v)
                            }
                            if o + 8 <= g.ow {
                                store8(acc, row + o)
                            } else {
                                store8(acc, accumulator)
                                copyFloats(accumulator, row + o, g.ow - o)
                            }
                            o += 8
                        }
                    }
                } else {
                    for r in 0..<g.oh {
                        let row = dst + r * g.ow
                        row.initialize(repeating: b0, count: g.ow)
                        let rowBase = padded + r * g.sh * wp
                        for t in 0..<taps {
                            let wt = wc[t]
                            let s = rowBase + offs[t]
                            for o in 0..<g.ow { row[o] += wt * s[o * g.sw] }
                        }
                    }
                }
            }
        }
    }
}

/// Depthwise convolution with stride 1 and an output as wide as the input ("same" width): with both planes
/// flattened, output p reads input p + offset(tap) for every tap, so each tap is one SIMD8 sweep over the
/// unpadded plane. Taps that fall in the padding are switched off by a per-tap bit mask (the same for every
/// channel, built once), ANDed with the loaded value so they add +0 even when the neighbouring value is
/// inf or NaN. No padded copy and no compaction: worth it for the narrow planes of keyword-spotting models.
struct MaskedDepthwise: Sendable {
    let taps: Int
    let inPlane: Int, outPlane: Int
    let vectors: Int                 // ceil(outPlane / 8)
    let offsets: [Int]               // per tap, relative to the output position
    let masks: [UInt32]              // taps × vectors·8
    let minOffset: Int, maxOffset: Int

    init?(_ g: ConvGeometry) {
        guard g.sh == 1, g.sw == 1, g.ow == g.w, g.w < 32, g.oh * g.ow <= 4096 else { return nil }
        taps = g.kh * g.kw
        inPlane = g.h * g.w
        outPlane = g.oh * g.ow
        vectors = (outPlane + 7) / 8
        var offsets: [Int] = [], masks: [UInt32] = []
        for i in 0..<g.kh {
            for j in 0..<g.kw {
                let dy = i * g.dh - g.padTop, dx = j * g.dw - g.padLeft
                offsets.append(dy * g.w + dx)
                for p in 0..<(vectors * 8) {
                    let oy = p / g.ow, ox = p % g.ow
                    let inside = p < outPlane && oy + dy >= 0 && oy + dy < g.h && ox + dx >= 0 && ox + dx < g.w
                    masks.append(inside ? .max : 0)
                }
            }
        }
        self.offsets = offsets
        self.masks = masks
        minOffset = min(0, offsets.min() ?? 0)
        maxOffset = max(0, offsets.max() ?? 0)
    }

    func run(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
             planes: Int, channels: Int, ws: Workspace) {
        let span = vectors * 8
        // A plane whose masked reads would leave the tensor is first copied into a buffer with margins.
        let margin = -minOffset
        let marginBuffer = ws.floats(1, margin + span + maxOffset + 8)
        let tail = ws.floats(2, 8)
        let total = planes * inPlane
        offsets.withUnsafeBufferPointer { offsetBuffer in
            masks.withUnsafeBufferPointer { maskBuffer in
                guard let offs = offsetBuffer.baseAddress, let maskBase = maskBuffer.baseAddress else { return }
                let maskBits = UnsafeRawPointer(maskBase)
                for plane in 0..<planes {
                    let c = plane % channels
                    var src = x + plane * inPlane
                    let first = plane * inPlane + minOffset, last = plane * inPlane + span + maxOffset
                    if first < 0 || last > total {
                        marginBuffer.initialize(repeating: 0, count: margin + span + maxOffset + 8)
                        copyFloats(src, marginBuffer + margin, inPlane)
                        src = UnsafePointer(marginBuffer + margin)
                    }
                    let wc = w + c * taps
                    let b0 = SIMD8<Float>(repeating: bias?[c] ?? 0)
                    let dst = y + plane * outPlane
                    @inline(__always) func tap(_ t: Int, _ p: Int) -> SIMD8<Float> {
                        let m = maskBits.loadUnaligned(fromByteOffset: (t * span + p) * 4, as: SIMD8<UInt32>.self)
                        let raw = UnsafeRawPointer(src + p + offs[t]).loadUnaligned(as: SIMD8<UInt32>.self)
                        return unsafeBitCast(raw & m, to: SIMD8<Float>.self)
                    }
                    // Four independent accumulators, then single vectors; the last partial vector via `tail`.
                    var p = 0
                    while p + 32 <= outPlane {
                        var a0 = b0, a1 = b0, a2 = b0, a3 = b0
                        for t in 0..<taps {
                            let wt = SIMD8<Float>(repeating: wc[t])
                            fma8(&a0, wt, tap(t, p)); fma8(&a1, wt, tap(t, p + 8))
                            fma8(&a2, wt, tap(t, p + 16)); fma8(&a3, wt, tap(t, p + 24))
                        }
                        store8(a0, dst + p); store8(a1, dst + p + 8); store8(a2, dst + p + 16); store8(a3, dst + p + 24)
                        p += 32
                    }
                    while p < outPlane {
                        var acc = b0
                        for t in 0..<taps { fma8(&acc, SIMD8<Float>(repeating: wc[t]), tap(t, p)) }
                        if p + 8 <= outPlane {
                            store8(acc, dst + p)
                        } else {
                            store8(acc, tail)
                            copyFloats(tail, dst + p, outPlane - p)
                        }
                        p += 8
                    }
                }
            }
        }
    }
}

/// Packed B panels for columns [0, nc) of `cols` (already offset to the block): element (r, j) is
/// `plane[rows[r] + cols[j]]`, zero past nc in the last panel.
func gatherPanels(_ plane: UnsafePointer<Float>, _ rows: UnsafePointer<Int>, _ k: Int, _ cols: UnsafePointer<Int>,
                  _ nc: Int, _ dst: UnsafeMutablePointer<Float>) {
    let nr = GEMM.nr
    var panel = dst
    var jb = 0
    while jb < nc {
        let width = min(nr, nc - jb)
        let colBase = cols + jb
        for r in 0..<k {
            let src = plane + rows[r], d = panel + r * nr
            if width == nr {
                for t in 0..<nr { d[t] = src[colBase[t]] }
            } else {
                for t in 0..<width { d[t] = src[colBase[t]] }
                for t in width..<nr { d[t] = 0 }
            }
        }
        panel += k * nr
        jb += nr
    }
}

/// Generic im2col (any spatial rank) for output columns [j0, j0+nc), as packed B panels.
func im2colPanelsND(_ x: UnsafePointer<Float>, _ nd: ConvND, _ j0: Int, _ nc: Int, _ dst: UnsafeMutablePointer<Float>) {
    let nr = GEMM.nr
    let s = nd.inShape.count
    let k = nd.rowChannel.count
    let plane = Shape.count(nd.inShape)
    let outStrides = Shape.strides(nd.outShape)
    // Per panel column: the window origin along every axis.
    var origin = [Int](repeating: 0, count: s * nr)
    var jb = j0
    var panel = dst
    while jb < j0 + nc {
        let cols = min(nr, j0 + nc - jb)
        for t in 0..<cols {
            let j = jb + t
            for d in 0..<s {
                origin[t * s + d] = (j / outStrides[d]) % nd.outShape[d] * nd.strides[d] - nd.padBegin[d]
            }
        }
        for r in 0..<k {
            let row = panel + r * nr
            let xc = x + nd.rowChannel[r] * plane
            for t in 0..<cols {
                var index = 0
                var inside = true
                for d in 0..<s {
                    let p = origin[t * s + d] + nd.rowOffsets[r * s + d]
                    if p < 0 || p >= nd.inShape[d] { inside = false; break }
                    index += p * nd.inStrides[d]
                }
                row[t] = inside ? xc[index] : 0
            }
            for t in cols..<nr { row[t] = 0 }
        }
        panel += k * nr
        jb += nr
    }
}

/// Copies `n` floats, eight at a time.
@inline(__always)
func copyFloats(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    var t = 0
    while t + 8 <= n {
        store8(load8(src + t), dst + t)
        t += 8
    }
    while t < n {
        dst[t] = src[t]
        t += 1
    }
}
