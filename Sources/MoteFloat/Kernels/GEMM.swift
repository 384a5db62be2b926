import MoteIR

/// Fused multiply-add on 8 lanes: one instruction where the build targets FMA hardware (see Package.swift),
/// otherwise a multiply and an add (`addProduct` without hardware FMA would call libm per lane).
@inline(__always)
func fma8(_ acc: inout SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) {
    #if MOTE_FMA || arch(arm64)
    acc.addProduct(a, b)
    #else
    acc += a * b
    #endif
}

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// Single-precision GEMM, C = A·B (+ C), on packed operands, in the BLIS style:
/// - A is packed into panels of `mr` rows: panel i holds rows [i·mr, i·mr+mr) as k columns of mr values
///   (zero rows past m);
/// - B is packed into panels of `nr` columns: panel j holds columns [j·nr, j·nr+nr) as k rows of nr values
///   (zero columns past n);
/// - a register-tiled 6×16 micro-kernel (12 SIMD8 accumulators) computes one mr×nr tile of C;
/// - the k dimension is split into blocks of at most `kcMax` so a B micro-panel stays in L1 while every A
///   panel of the block streams from L2, and B is produced (e.g. by im2col) in column blocks that fit L2.
/// Sums accumulate in Float, as onnxruntime's MLAS does.
enum GEMM {
    static let mr = 6
    static let nr = 16
    static let kcMax = 256
    /// Floats of packed B produced at once (256 KB, half the L2 of a typical core).
    static let bBlockFloats = 64 * 1024

    static func panelsA(_ m: Int) -> Int { (m + mr - 1) / mr }
    static func panelsB(_ n: Int) -> Int { (n + nr - 1) / nr }
    static func packedASize(m: Int, k: Int) -> Int { panelsA(m) * mr * k }
    static func packedBSize(k: Int, n: Int) -> Int { panelsB(n) * nr * k }

    /// Packs A (m×k, element (i, p) at `src[i·rs + p·cs]`), scaled by `scale`, into mr-row panels.
    static func packA(m: Int, k: Int, src: UnsafePointer<Float>, rs: Int, cs: Int, scale: Float = 1,
                      dst: UnsafeMutablePointer<Float>) {
        var d = dst
        var i0 = 0
        while i0 < m {
            let rows = min(mr, m - i0)
            if cs == 1 && rows == mr && scale == 1 {
                let r0 = src + i0 * rs, r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs, r4 = r3 + rs, r5 = r4 + rs
                for p in 0..<k {
                    d[0] = r0[p]; d[1] = r1[p]; d[2] = r2[p]; d[3] = r3[p]; d[4] = r4[p]; d[5] = r5[p]
                    d += mr
                }
            } else {
                for p in 0..<k {
                    for r in 0..<rows { d[r] = scale * src[(i0 + r) * rs + p * cs] }
                    for r in rows..<mr { d[r] = 0 }
                    d += mr
                }
            }
            i0 += mr
        }
    }

    /// Packs B (k×n, element (p, j) at `src[p·rs + j·cs]`) into nr-column panels.
    static func packB(k: Int, n: Int, src: UnsafePointer<Float>, rs: Int, cs: Int, dst: UnsafeMutablePointer<Float>) {
        var d = dst
        var j0 = 0
        while j0 < n {
            let cols = min(nr, n - j0)
            if cs == 1 && cols == nr {
                var s = src + j0
                for _ in 0..<k {
                    store8(load8(s), d)
                    store8(load8(s + 8), d + 8)
                    s += rs
                    d += nr
                }
            } else {
                for p in 0..<k {
                    let row = src + p * rs + j0 * cs
                    for t in 0..<cols { d[t] = row[t * cs] }
                    for t in cols..<nr { d[t] = 0 }
                    d += nr
                }
            }
            j0 += nr
        }
    }

    /// C[m×n] (row stride ldc) = A·B, plus the previous C when `accumulate` (callers fold any alpha into A).
    /// `a` is A packed over its whole k. B comes either prepacked over all n (`packedB`) or from
    /// `packB(j0, nc, dst)`, which must write the panels of columns [j0, j0+nc) (nc a multiple of nr unless it
    /// reaches n) to `dst`, a block in `ws` slot 0.
    static func run(m: Int, n: Int, k: Int, a: UnsafePointer<Float>,
                    packedB: UnsafePointer<Float>?,
                    packB: ((Int, Int, UnsafeMutablePointer<Float>) -> Void)?,
                    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, ws: Workspace) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if !accumulate { for i in 0..<m { (c + i * ldc).initialize(repeating: 0, count: n) } }
            return
        }
        let kBlocks = (k + kcMax - 1) / kcMax
        let kc = (k + kBlocks - 1) / kBlocks
        let ncBlock: Int
        let scratch: UnsafeMutablePointer<Float>?
        if packedB != nil {
            ncBlock = n
            scratch = nil
        } else {
            ncBlock = min(panelsB(n) * nr, max(nr, bBlockFloats / k / nr * nr))
            scratch = ws.floats(0, k * ncBlock)
        }
        var jc = 0
        while jc < n {
            let nc = min(ncBlock, n - jc)
            let bBlock: UnsafePointer<Float>
            if let packedB {
                bBlock = packedB
            } else if let scratch, let packB {
                packB(jc, nc, scratch)
                bBlock = UnsafePointer(scratch)
            } else {
                return
            }
            var pc = 0
            while pc < k {
                let kk = min(kc, k - pc)
                let acc = accumulate || pc > 0
                var jr = 0
                while jr < nc {
                    let cols = min(nr, nc - jr)
                    let bp = bBlock + (jr / nr) * k * nr + pc * nr
                    var ir = 0
                    while ir < m {
                        let rows = min(mr, m - ir)
                        let ap = a + (ir / mr) * k * mr + pc * mr
                        let cp = c + ir * ldc + jc + jr
                        if rows == mr && cols == nr {
                            kernel6x16(kk, ap, bp, cp, ldc, acc)
                        } else {
                            edgeTile(kk, ap, bp, cp, ldc, rows, cols, acc)
                        }
                        ir += mr
                    }
                    jr += nr
                }
                pc += kk
            }
            jc += nc
        }
    }

    /// C[m×n] = A·B (+ C) where B is not packed: row p of B is the n floats at `b + rowOffsets[p]`. Used for
    /// stride-1 convolutions, whose B rows are contiguous slices of the (padded) input, so no im2col copy is
    /// made. Full 16-column panels are read in place; a last partial panel is copied (zero-padded) first, so
    /// nothing past column n is ever read.
    static func runIndirect(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                            rowOffsets: UnsafePointer<Int>, c: UnsafeMutablePointer<Float>, ldc: Int,
                            accumulate: Bool, ws: Workspace) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if !accumulate { for i in 0..<m { (c + i * ldc).initialize(repeating: 0, count: n) } }
            return
        }
        let kBlocks = (k + kcMax - 1) / kcMax
        let kc = (k + kBlocks - 1) / kBlocks
        let edge = ws.floats(0, kc * nr)
        var pc = 0
        while pc < k {
            let kk = min(kc, k - pc)
            let acc = accumulate || pc > 0
            let offs = rowOffsets + pc
            var jr = 0
            while jr < n {
                let cols = min(nr, n - jr)
                if cols < nr {
                    for p in 0..<kk {
                        let row = b + offs[p] + jr, d = edge + p * nr
                        for t in 0..<cols { d[t] = row[t] }
                        for t in cols..<nr { d[t] = 0 }
                    }
                }
                var ir = 0
                while ir < m {
                    let rows = min(mr, m - ir)
                    let ap = a + (ir / mr) * k * mr + pc * mr
                    let cp = c + ir * ldc + jr
                    if cols < nr {
                        edgeTile(kk, ap, edge, cp, ldc, rows, cols, acc)
                    } else if rows == mr {
                        kernel6x16Indirect(kk, ap, b + jr, offs, cp, ldc, acc)
                    } else {
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: mr * nr) { tile in
                            guard let t = tile.baseAddress else { return }
                            kernel6x16Indirect(kk, ap, b + jr, offs, t, nr, false)
                            addTile(t, cp, ldc, rows, nr, acc)
                        }
                    }
                    ir += mr
                }
                jr += nr
            }
            pc += kk
        }
    }

    @inline(__always)
    static func addTile(_ t: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ rows: Int, _ cols: Int,
                        _ accumulate: Bool) {
        for r in 0..<rows {
            let dst = c + r * ldc, src = t + r * nr
            if accumulate {
                for j in 0..<cols { dst[j] += src[j] }
            } else {
                for j in 0..<cols { dst[j] = src[j] }
            }
        }
    }

    /// The 6×16 tile with B rows found through `offsets` (row p at `b + offsets[p]`).
    @inline(never)
    static func kernel6x16Indirect(_ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ offsets: UnsafePointer<Int>,
                                   _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>(), c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
        var ap = a
        for p in 0..<k {
            let bp = b + offsets[p]
            let b0 = load8(bp), b1 = load8(bp + 8)
            var s = SIMD8<Float>(repeating: ap[0]); fma8(&c00, s, b0); fma8(&c01, s, b1)
            s = SIMD8<Float>(repeating: ap[1]); fma8(&c10, s, b0); fma8(&c11, s, b1)
            s = SIMD8<Float>(repeating: ap[2]); fma8(&c20, s, b0); fma8(&c21, s, b1)
            s = SIMD8<Float>(repeating: ap[3]); fma8(&c30, s, b0); fma8(&c31, s, b1)
            s = SIMD8<Float>(repeating: ap[4]); fma8(&c40, s, b0); fma8(&c41, s, b1)
            s = SIMD8<Float>(repeating: ap[5]); fma8(&c50, s, b0); fma8(&c51, s, b1)
            ap += 6
        }
        storeTile(c, ldc, accumulate, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
    }

    @inline(__always)
    static func storeTile(_ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool,
                          _ c00: SIMD8<Float>, _ c01: SIMD8<Float>, _ c10: SIMD8<Float>, _ c11: SIMD8<Float>,
                          _ c20: SIMD8<Float>, _ c21: SIMD8<Float>, _ c30: SIMD8<Float>, _ c31: SIMD8<Float>,
                          _ c40: SIMD8<Float>, _ c41: SIMD8<Float>, _ c50: SIMD8<Float>, _ c51: SIMD8<Float>) {
        if accumulate {
            @inline(__always) func add(_ r: Int, _ x0: SIMD8<Float>, _ x1: SIMD8<Float>) {
                let p = c + r * ldc
                store8(load8(p) + x0, p)
                store8(load8(p + 8) + x1, p + 8)
            }
            add(0, c00, c01); add(1, c10, c11); add(2, c20, c21); add(3, c30, c31); add(4, c40, c41); add(5, c50, c51)
        } else {
            store8(c00, c); store8(c01, c + 8)
            store8(c10, c + ldc); store8(c11, c + ldc + 8)
            store8(c20, c + 2 * ldc); store8(c21, c + 2 * ldc + 8)
            store8(c30, c + 3 * ldc); store8(c31, c + 3 * ldc + 8)
            store8(c40, c + 4 * ldc); store8(c41, c + 4 * ldc + 8)
            store8(c50, c + 5 * ldc); store8(c51, c + 5 * ldc + 8)
        }
    }

    /// A partial tile: the full 6×16 product into a local tile, then the valid rows × cols into C.
    @inline(never)
    static func edgeTile(_ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                         _ ldc: Int, _ rows: Int, _ cols: Int, _ accumulate: Bool) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: mr * nr) { tile in
            guard let t = tile.baseAddress else { return }
            kernel6x16(k, a, b, t, nr, false)
            addTile(t, c, ldc, rows, cols, accumulate)
        }
    }

    /// The 6×16 register tile: per k step, two SIMD8 loads of B, six broadcasts of A and twelve FMAs.
    @inline(never)
    static func kernel6x16(_ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                           _ ldc: Int, _ accumulate: Bool) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>(), c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
        var ap = a, bp = b
        for _ in 0..<k {
            let b0 = load8(bp), b1 = load8(bp + 8)
            var s = SIMD8<Float>(repeating: ap[0]); fma8(&c00, s, b0); fma8(&c01, s, b1)
            s = SIMD8<Float>(repeating: ap[1]); fma8(&c10, s, b0); fma8(&c11, s, b1)
            s = SIMD8<Float>(repeating: ap[2]); fma8(&c20, s, b0); fma8(&c21, s, b1)
            s = SIMD8<Float>(repeating: ap[3]); fma8(&c30, s, b0); fma8(&c31, s, b1)
            s = SIMD8<Float>(repeating: ap[4]); fma8(&c40, s, b0); fma8(&c41, s, b1)
            s = SIMD8<Float>(repeating: ap[5]); fma8(&c50, s, b0); fma8(&c51, s, b1)
            ap += 6
            bp += 16
        }
        storeTile(c, ldc, accumulate, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
    }
}

/// Fills C[m×n] with beta·c broadcast (numpy) from `cShape` to [m, n].
func fillBroadcast2D(_ src: UnsafePointer<Float>, cShape: [Int], m: Int, n: Int, beta: Float, dst: UnsafeMutablePointer<Float>) {
    let rank = cShape.count
    let cm = rank >= 2 ? cShape[rank - 2] : 1
    let cn = rank >= 1 ? cShape[rank - 1] : 1
    for i in 0..<m {
        let row = src + (cm == 1 ? 0 : i) * cn
        let d = dst + i * n
        if cn == 1 {
            let v = beta * row[0]
            for j in 0..<n { d[j] = v }
        } else {
            for j in 0..<n { d[j] = beta * row[j] }
        }
    }
}

/// Gemm: Y = alpha·op(A)·op(B) + beta·C, with constant operands packed once at load time.
struct GemmKernel: NodeKernel {
    let m: Int, n: Int, k: Int
    let attrs: GemmAttributes
    let aShape: [Int], bShape: [Int], cShape: [Int]?
    let packedA: FloatBuffer?
    let packedB: FloatBuffer?

    init(graph: Graph, node: Node, attrs: GemmAttributes, constants: [FloatBuffer?]) {
        let a = graph.type(of: node.inputs[0]).shape, b = graph.type(of: node.inputs[1]).shape
        self.attrs = attrs
        aShape = a
        bShape = b
        let (m, k) = attrs.transA ? (a[1], a[0]) : (a[0], a[1])
        let n = attrs.transB ? b[0] : b[1]
        (self.m, self.n, self.k) = (m, n, k)
        cShape = node.inputs.count > 2 ? graph.type(of: node.inputs[2]).shape : nil
        packedA = constants[node.inputs[0].index].map { src in
            FloatBuffer(count: GEMM.packedASize(m: m, k: k)) { dst in
                GEMM.packA(m: m, k: k, src: src.pointer, rs: attrs.transA ? 1 : a[1], cs: attrs.transA ? a[1] : 1,
                           scale: attrs.alpha, dst: dst)
            }
        }
        packedB = constants[node.inputs[1].index].map { src in
            FloatBuffer(count: GEMM.packedBSize(k: k, n: n)) { dst in
                GEMM.packB(k: k, n: n, src: src.pointer, rs: attrs.transB ? 1 : b[1], cs: attrs.transB ? b[1] : 1, dst: dst)
            }
        }
    }

    func run(_ inputs: [UnsafePointer<Float>], _ y: UnsafeMutablePointer<Float>, _ ws: Workspace) throws {
        let (m, n, k) = (self.m, self.n, self.k)
        var accumulate = false
        if let cShape, attrs.beta != 0 {
            fillBroadcast2D(inputs[2], cShape: cShape, m: m, n: n, beta: attrs.beta, dst: y)
            accumulate = true
        }
        let aPtr: UnsafePointer<Float>
        if let packedA {
            aPtr = UnsafePointer(packedA.pointer)
        } else {
            let buf = ws.floats(1, GEMM.packedASize(m: m, k: k))
            GEMM.packA(m: m, k: k, src: inputs[0], rs: attrs.transA ? 1 : aShape[1], cs: attrs.transA ? aShape[1] : 1,
                       scale: attrs.alpha, dst: buf)
            aPtr = UnsafePointer(buf)
        }
        if let packedB {
            GEMM.run(m: m, n: n, k: k, a: aPtr, packedB: packedB.pointer, packB: nil, c: y, ldc: n,
                     accumulate: accumulate, ws: ws)
        } else {
            let (rs, cs) = attrs.transB ? (1, bShape[1]) : (bShape[1], 1)
            let base = inputs[1]
            GEMM.run(m: m, n: n, k: k, a: aPtr, packedB: nil, packB: { j0, nc, dst in
                GEMM.packB(k: k, n: nc, src: base + j0 * cs, rs: rs, cs: cs, dst: dst)
            }, c: y, ldc: n, accumulate: accumulate, ws: ws)
        }
    }
}

/// MatMul (numpy.matmul): 1-D operands are promoted, batch dimensions broadcast. A constant B is packed once.
struct MatMulKernel: NodeKernel {
    let m: Int, n: Int, k: Int
    /// Offsets (in matrices) of A and B for each output batch entry.
    let aIndex: [Int], bIndex: [Int]
    let bCount: Int
    let packedB: FloatBuffer?

    init(graph: Graph, node: Node, constants: [FloatBuffer?]) {
        let a = graph.type(of: node.inputs[0]).shape, b = graph.type(of: node.inputs[1]).shape
        let a2 = a.count == 1 ? [1] + a : a
        let b2 = b.count == 1 ? b + [1] : b
        let m = a2[a2.count - 2], k = a2[a2.count - 1], n = b2[b2.count - 1]
        (self.m, self.n, self.k) = (m, n, k)
        let aBatch = Array(a2.dropLast(2)), bBatch = Array(b2.dropLast(2))
        let batch = Shape.broadcast(aBatch, bBatch) ?? []
        aIndex = broadcastIndices(from: aBatch, to: batch)
        bIndex = broadcastIndices(from: bBatch, to: batch)
        let bCount = Shape.count(bBatch)
        self.bCount = bCount
        let size = GEMM.packedBSize(k: k, n: n)
        packedB = constants[node.inputs[1].index].map { src in
            FloatBuffer(count: size * bCount) { dst in
                for i in 0..<bCount {
                    GEMM.packB(k: k, n: n, src: src.pointer + i * k * n, rs: n, cs: 1, dst: dst + i * size)
                }
            }
        }
    }

    func run(_ inputs: [UnsafePointer<Float>], _ y: UnsafeMutablePointer<Float>, _ ws: Workspace) throws {
        let (m, n, k) = (self.m, self.n, self.k)
        let bSize = GEMM.packedBSize(k: k, n: n)
        let bPanels: UnsafePointer<Float>
        if let packedB {
            bPanels = UnsafePointer(packedB.pointer)
        } else {
            let buf = ws.floats(2, bSize * bCount)
            for i in 0..<bCount {
                GEMM.packB(k: k, n: n, src: inputs[1] + i * k * n, rs: n, cs: 1, dst: buf + i * bSize)
            }
            bPanels = UnsafePointer(buf)
        }
        let aPack = ws.floats(1, GEMM.packedASize(m: m, k: k))
        var lastA = -1
        for t in 0..<aIndex.count {
            let ai = aIndex[t], bi = bIndex[t]
            if ai != lastA {
                GEMM.packA(m: m, k: k, src: inputs[0] + ai * m * k, rs: k, cs: 1, dst: aPack)
                lastA = ai
            }
            GEMM.run(m: m, n: n, k: k, a: aPack, packedB: bPanels + bi * bSize, packB: nil,
                     c: y + t * m * n, ldc: n, accumulate: false, ws: ws)
        }
    }
}

/// For each index of the broadcast shape `to`, the flat index into `from` (right-aligned, size-1 axes repeat).
func broadcastIndices(from: [Int], to: [Int]) -> [Int] {
    let total = Shape.count(to)
    var result = [Int](repeating: 0, count: total)
    let rank = to.count
    let fromStrides = Shape.strides(from)
    var strides = [Int](repeating: 0, count: rank)
    for d in 0..<rank {
        let fd = d - (rank - from.count)
        if fd >= 0 && from[fd] != 1 { strides[d] = fromStrides[fd] }
    }
    var index = [Int](repeating: 0, count: rank)
    var offset = 0
    for t in 0..<total {
        result[t] = offset
        var d = rank - 1
        while d >= 0 {
            index[d] += 1
            offset += strides[d]
            if index[d] < to[d] { break }
            offset -= strides[d] * index[d]
            index[d] = 0
            d -= 1
        }
    }
    return result
}
