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
        switch a.spatialRank {
        case 1:
            self.init(channels: channels, h: 1, w: input[2], kh: 1, kw: a.kernel[0], sh: 1, sw: a.strides[0], dh: 1,
                      dw: a.dilations[0], padTop: 0, padLeft: a.pads[0], padBottom: 0, padRight: a.pads[1], oh: 1, ow: output[2])
        case 2:
            self.init(channels: channels, h: input[2], w: input[3], kh: a.kernel[0], kw: a.kernel[1], sh: a.strides[0],
                      sw: a.strides[1], dh: a.dilations[0], dw: a.dilations[1], padTop: a.pads[0], padLeft: a.pads[1],
                      padBottom: a.pads[2], padRight: a.pads[3], oh: output[2], ow: output[3])
        default:
            return nil
        }
    }

    init(channels: Int, h: Int, w: Int, kh: Int, kw: Int, sh: Int, sw: Int, dh: Int, dw: Int,
         padTop: Int, padLeft: Int, padBottom: Int, padRight: Int, oh: Int, ow: Int) {
        (self.channels, self.h, self.w, self.kh, self.kw, self.sh, self.sw, self.dh, self.dw) = (channels, h, w, kh, kw, sh, sw, dh, dw)
        (self.padTop, self.padLeft, self.padBottom, self.padRight, self.oh, self.ow) = (padTop, padLeft, padBottom, padRight, oh, ow)
    }
}

/// How the columns of the convolution matrix (K = C/group · kernel taps rows, one column per output position)
/// are produced for the GEMM.
enum ConvLowering: Sendable {
    /// Stride 1 (1-D/2-D) or 1×1 unpadded (any rank): no im2col. B row (c, tap) is a contiguous slice of the
    /// input plane, zero-padded into a scratch plane when there are pads, read in place by the indirect GEMM.
    case shifted(ShiftedConv)
    /// 1-D and 2-D: im2col written straight into packed B panels.
    case im2col2D(ConvGeometry)
    /// Any spatial rank: generic im2col over a table of kernel offsets.
    case im2colND(ConvND)
}

/// A stride-1 convolution computed over the flattened padded plane: output position (oh, ow) is column
/// oh·wp + ow, and B row (c, kh, kw) starts at c·hp·wp + kh·dh·wp + kw·dw. Columns with ow ≥ output width
/// wrap into the next row: they are computed and dropped when the result is compacted.
struct ShiftedConv: Sendable {
    var h: Int, w: Int             // input plane (1-D: h = 1; 1×1 of any rank: h = 1, w = all spatial)
    var hp: Int, wp: Int           // padded plane
    var padTop: Int, padLeft: Int
    var oh: Int, ow: Int
    var rowOffsets: [Int]          // k entries
    var needsPadding: Bool { hp != h || wp != w }
    /// Columns computed: up to the last output position.
    var columns: Int { (oh - 1) * wp + ow }
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

/// Convolution: depthwise (group == C == M) runs a direct loop; everything else is im2col (skipped for 1×1)
/// into packed panels and the GEMM, per group, with constant weights packed once.
struct ConvKernel: NodeKernel {
    let batch: Int, inChannels: Int, outChannels: Int, group: Int
    let inSpatial: Int, outSpatial: Int
    let k: Int                       // C/group · taps
    let hasBias: Bool
    let lowering: ConvLowering
    let depthwise: ConvGeometry?
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
        k = cg * taps
        hasBias = node.inputs.count > 2
        if s <= 2, a.group == x[1], w[0] == x[1], let geometry = ConvGeometry(attrs: a, input: x, output: y, channels: 1) {
            depthwise = geometry
        } else {
            depthwise = nil
        }
        if a.kernel.allSatisfy({ $0 == 1 }) && a.strides.allSatisfy({ $0 == 1 }) && a.pads.allSatisfy({ $0 == 0 }) {
            let plane = Shape.count(Array(x[2...]))
            lowering = .shifted(ShiftedConv(h: 1, w: plane, hp: 1, wp: plane, padTop: 0, padLeft: 0, oh: 1, ow: plane,
                                            rowOffsets: (0..<cg).map { $0 * plane }))
        } else if a.strides.allSatisfy({ $0 == 1 }), let g = ConvGeometry(attrs: a, input: x, output: y, channels: cg) {
            let hp = g.h + g.padTop + g.padBottom, wp = g.w + g.padLeft + g.padRight
            var offsets: [Int] = []
            for c in 0..<cg {
                for i in 0..<g.kh { for j in 0..<g.kw { offsets.append(c * hp * wp + i * g.dh * wp + j * g.dw) } }
            }
            lowering = .shifted(ShiftedConv(h: g.h, w: g.w, hp: hp, wp: wp, padTop: g.padTop, padLeft: g.padLeft,
                                            oh: g.oh, ow: g.ow, rowOffsets: offsets))
        } else if let geometry = ConvGeometry(attrs: a, input: x, output: y, channels: cg) {
            lowering = .im2col2D(geometry)
        } else {
            var rowChannel: [Int] = [], rowOffsets: [Int] = []
            rowChannel.reserveCapacity(k)
            rowOffsets.reserveCapacity(k * s)
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
        let k = self.k
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
        if let depthwise {
            depthwiseConv(x: x, w: w, bias: bias, y: y, g: depthwise, ws: ws)
            return
        }
        let mg = outChannels / group, cg = inChannels / group, k = self.k
        let aSize = GEMM.packedASize(m: mg, k: k)
        let weights: UnsafePointer<Float>
        if let packedW {
            weights = UnsafePointer(packedW.pointer)
        } else {
            let buf = ws.floats(1, aSize * group)
            for g in 0..<group { GEMM.packA(m: mg, k: k, src: w + g * mg * k, rs: k, cs: 1, dst: buf + g * aSize) }
            weights = UnsafePointer(buf)
        }
        let n = outSpatial, inSpatial = self.inSpatial
        if case .shifted(let sc) = lowering {
            runShifted(sc, x: x, weights: weights, aSize: aSize, bias: bias, y: y, ws: ws)
            return
        }
        for b in 0..<batch {
            for g in 0..<group {
                let yg = y + (b * outChannels + g * mg) * n
                if let bias {
                    for r in 0..<mg { (yg + r * n).initialize(repeating: bias[g * mg + r], count: n) }
                }
                let xg = x + (b * inChannels + g * cg) * inSpatial
                let packB: (Int, Int, UnsafeMutablePointer<Float>) -> Void
                switch lowering {
                case .shifted:
                    return
                case .im2col2D(let geometry):
                    packB = { j0, nc, dst in im2colPanels2D(xg, geometry, j0, nc, dst) }
                case .im2colND(let nd):
                    packB = { j0, nc, dst in im2colPanelsND(xg, nd, j0, nc, dst) }
                }
                GEMM.run(m: mg, n: n, k: k, a: weights + g * aSize, packedB: nil, packB: packB,
                         c: yg, ldc: n, accumulate: bias != nil, ws: ws)
            }
        }
    }

    /// Stride-1 convolution through the indirect GEMM (see `ShiftedConv`), per image and group.
    func runShifted(_ sc: ShiftedConv, x: UnsafePointer<Float>, weights: UnsafePointer<Float>, aSize: Int,
                    bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, ws: Workspace) {
        let mg = outChannels / group, cg = inChannels / group
        let plane = sc.h * sc.w, paddedPlane = sc.hp * sc.wp
        let columns = sc.columns, outPlane = sc.oh * sc.ow
        let compact = sc.wp != sc.ow
        let padded: UnsafeMutablePointer<Float>? = sc.needsPadding ? ws.floats(2, cg * paddedPlane) : nil
        // Zero once: the borders are never written, the interior is overwritten for every image and group.
        padded?.initialize(repeating: 0, count: cg * paddedPlane)
        let wide: UnsafeMutablePointer<Float>? = compact ? ws.floats(3, mg * columns) : nil
        sc.rowOffsets.withUnsafeBufferPointer { offsets in
            guard let offsets = offsets.baseAddress else { return }
            for b in 0..<batch {
                for g in 0..<group {
                    var src = x + (b * inChannels + g * cg) * plane
                    if let padded {
                        for c in 0..<cg {
                            for r in 0..<sc.h {
                                (padded + c * paddedPlane + (r + sc.padTop) * sc.wp + sc.padLeft)
                                    .update(from: src + c * plane + r * sc.w, count: sc.w)
                            }
                        }
                        src = UnsafePointer(padded)
                    }
                    let yg = y + (b * outChannels + g * mg) * outPlane
                    let target = wide ?? yg
                    if let bias {
                        for r in 0..<mg { (target + r * columns).initialize(repeating: bias[g * mg + r], count: columns) }
                    }
                    GEMM.runIndirect(m: mg, n: columns, k: k, a: weights + g * aSize, b: src, rowOffsets: offsets,
                                     c: target, ldc: columns, accumulate: bias != nil, ws: ws)
                    if let wide {
                        for r in 0..<mg {
                            for i in 0..<sc.oh {
                                (yg + r * outPlane + i * sc.ow).update(from: wide + r * columns + i * sc.wp, count: sc.ow)
                            }
                        }
                    }
                }
            }
        }
    }

    /// One channel at a time: the plane is copied into a zero-padded buffer, then every output is the sum of the
    /// taps with no bounds checks. With stride 1 the sums run over the flattened padded plane in SIMD8 steps
    /// (columns past the output width are computed and dropped); otherwise row by row.
    func depthwiseConv(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                       y: UnsafeMutablePointer<Float>, g: ConvGeometry, ws: Workspace) {
        let hp = g.h + g.padTop + g.padBottom, wp = g.w + g.padLeft + g.padRight
        let taps = g.kh * g.kw
        let flat = g.sh == 1 && g.sw == 1
        let flatCount = (g.oh * wp + 7) / 8 * 8
        // Room for the flattened sweep reading past the last row, rounded up to whole vectors.
        let paddedCount = hp * wp + (g.kw - 1) * g.dw + 16
        let padded = ws.floats(1, paddedCount)
        let accumulator = ws.floats(2, flatCount + 8)
        var tapOffset = [Int](repeating: 0, count: taps)
        for i in 0..<g.kh { for j in 0..<g.kw { tapOffset[i * g.kw + j] = i * g.dh * wp + j * g.dw } }
        let planeIn = g.h * g.w, planeOut = g.oh * g.ow
        padded.initialize(repeating: 0, count: paddedCount)
        tapOffset.withUnsafeBufferPointer { offs in
            for plane in 0..<(batch * inChannels) {
                let c = plane % inChannels
                let src = x + plane * planeIn
                // Interior rows; the zero border is never overwritten.
                for r in 0..<g.h {
                    (padded + (r + g.padTop) * wp + g.padLeft).update(from: src + r * g.w, count: g.w)
                }
                let wc = w + c * taps
                let b0 = bias?[c] ?? 0
                let dst = y + plane * planeOut
                if flat {
                    var i = 0
                    while i < flatCount {
                        var acc = SIMD8<Float>(repeating: b0)
                        let base = padded + i
                        for t in 0..<taps {
                            fma8(&acc, SIMD8<Float>(repeating: wc[t]), load8(base + offs[t]))
                        }
                        store8(acc, accumulator + i)
                        i += 8
                    }
                    for r in 0..<g.oh { (dst + r * g.ow).update(from: accumulator + r * wp, count: g.ow) }
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

/// im2col of one group for output columns [j0, j0+nc), written as packed B panels (k rows × 16 columns each).
/// Each panel's columns are split into runs within one output row, so stride-1 rows are plain copies with
/// zero borders.
func im2colPanels2D(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ j0: Int, _ nc: Int, _ dst: UnsafeMutablePointer<Float>) {
    let nr = GEMM.nr
    let k = g.channels * g.kh * g.kw
    let plane = g.h * g.w
    withUnsafeTemporaryAllocation(of: Int.self, capacity: 4 * nr) { runsBuffer in
        guard let runs = runsBuffer.baseAddress else { return }
        var jb = j0
        var panel = dst
        while jb < j0 + nc {
            let cols = min(nr, j0 + nc - jb)
            // Runs: (output row, first output column, length, offset in the panel row).
            var runCount = 0
            var j = jb
            while j < jb + cols {
                let orow = j / g.ow, ocol = j - orow * g.ow
                let len = min(g.ow - ocol, jb + cols - j)
                runs[4 * runCount] = orow
                runs[4 * runCount + 1] = ocol
                runs[4 * runCount + 2] = len
                runs[4 * runCount + 3] = j - jb
                runCount += 1
                j += len
            }
            var row = panel
            for c in 0..<g.channels {
                let xc = x + c * plane
                for i in 0..<g.kh {
                    for jj in 0..<g.kw {
                        for r in 0..<runCount {
                            let orow = runs[4 * r], ocol = runs[4 * r + 1], len = runs[4 * r + 2]
                            let d = row + runs[4 * r + 3]
                            let ih = orow * g.sh - g.padTop + i * g.dh
                            if ih < 0 || ih >= g.h {
                                d.initialize(repeating: 0, count: len)
                                continue
                            }
                            let srcRow = xc + ih * g.w
                            let iw0 = ocol * g.sw - g.padLeft + jj * g.dw
                            if g.sw == 1 {
                                let lo = min(max(-iw0, 0), len)
                                let hi = max(min(g.w - iw0, len), lo)
                                for t in 0..<lo { d[t] = 0 }
                                copyFloats(srcRow + (iw0 + lo), d + lo, hi - lo)
                                for t in hi..<len { d[t] = 0 }
                            } else {
                                var iw = iw0
                                for t in 0..<len {
                                    d[t] = iw >= 0 && iw < g.w ? srcRow[iw] : 0
                                    iw += g.sw
                                }
                            }
                        }
                        for t in cols..<nr { row[t] = 0 }
                        row += nr
                    }
                }
            }
            panel += k * nr
            jb += nr
        }
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
