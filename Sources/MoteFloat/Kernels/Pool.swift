import MoteIR

/// Taps i in [lower, upper) of a dilated window starting at `start` whose positions start + i·dilation fall in
/// [lo, hi).
@inline(__always)
func validTaps(start: Int, kernel: Int, dilation: Int, lo: Int, hi: Int) -> (lower: Int, upper: Int) {
    let lower = start >= lo ? 0 : (lo - start + dilation - 1) / dilation
    let upper = hi - 1 - start < 0 ? 0 : min(kernel, (hi - 1 - start) / dilation + 1)
    return (min(lower, kernel), max(upper, min(lower, kernel)))
}

/// MaxPool and AveragePool over any number of spatial axes. Per axis and output coordinate, the range of taps
/// inside the input (and, for count_include_pad, inside the padded input) is computed once, so the inner loops
/// have no bounds checks. Max ignores padding; average divides by the taps inside the input, or with
/// count_include_pad by the taps inside the input extended by its begin/end pads (taps that ceil mode puts
/// beyond the end pad are not counted), as onnxruntime does.
struct PoolKernel: NodeKernel {
    let isMax: Bool
    let planes: Int
    let inShape: [Int], outShape: [Int]
    let kernel: [Int], dilations: [Int]
    /// Per axis, per output coordinate: first input position of the window, first and end tap inside the input.
    let starts: [[Int]], lowers: [[Int]], uppers: [[Int]]
    /// Average pool: 1 / divisor per output position (0 when no tap counts).
    let reciprocal: [Float]

    init(graph: Graph, node: Node, attrs a: PoolAttributes, isMax: Bool) {
        let x = graph.type(of: node.inputs[0]).shape, y = graph.type(of: node.outputs[0]).shape
        let s = a.spatialRank
        self.isMax = isMax
        planes = x[0] * x[1]
        inShape = Array(x[2...])
        outShape = Array(y[2...])
        kernel = a.kernel
        dilations = a.dilations
        var starts: [[Int]] = [], lowers: [[Int]] = [], uppers: [[Int]] = [], counts: [[Int]] = []
        for d in 0..<s {
            var st: [Int] = [], lo: [Int] = [], up: [Int] = [], cn: [Int] = []
            for o in 0..<y[d + 2] {
                let start = o * a.strides[d] - a.pads[d]
                let real = validTaps(start: start, kernel: a.kernel[d], dilation: a.dilations[d], lo: 0, hi: x[d + 2])
                st.append(start)
                lo.append(real.lower)
                up.append(real.upper)
                if a.countIncludePad {
                    let padded = validTaps(start: start, kernel: a.kernel[d], dilation: a.dilations[d],
                                           lo: -a.pads[d], hi: x[d + 2] + a.pads[d + s])
                    cn.append(padded.upper - padded.lower)
                } else {
                    cn.append(real.upper - real.lower)
                }
            }
            starts.append(st); lowers.append(lo); uppers.append(up); counts.append(cn)
        }
        self.starts = starts
        self.lowers = lowers
        self.uppers = uppers
        var reciprocal: [Float] = []
        if !isMax {
            let total = Shape.count(Array(y[2...]))
            let outStrides = Shape.strides(Array(y[2...]))
            reciprocal.reserveCapacity(total)
            for p in 0..<total {
                var count = 1
                for d in 0..<s { count *= counts[d][(p / outStrides[d]) % y[d + 2]] }
                reciprocal.append(count > 0 ? 1 / Float(count) : 0)
            }
        }
        self.reciprocal = reciprocal
    }

    func run(_ inputs: [UnsafePointer<Float>], _ y: UnsafeMutablePointer<Float>, _ ws: Workspace) throws {
        if inShape.count <= 2 { run2D(inputs[0], y) } else { runND(inputs[0], y) }
    }

    private func run2D(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let two = inShape.count == 2
        let h = two ? inShape[0] : 1, w = inShape[two ? 1 : 0]
        let oh = two ? outShape[0] : 1, ow = outShape[two ? 1 : 0]
        let dh = two ? dilations[0] : 1, dw = dilations[two ? 1 : 0]
        let rowStart = two ? starts[0] : [0], rowLo = two ? lowers[0] : [0], rowUp = two ? uppers[0] : [1]
        let colStart = starts[two ? 1 : 0], colLo = lowers[two ? 1 : 0], colUp = uppers[two ? 1 : 0]
        let lowest = -Float.greatestFiniteMagnitude
        for plane in 0..<planes {
            let src = x + plane * h * w
            var dst = y + plane * oh * ow
            for r in 0..<oh {
                let i0 = rowLo[r], i1 = rowUp[r], rs = rowStart[r]
                for c in 0..<ow {
                    let j0 = colLo[c], j1 = colUp[c], cs = colStart[c]
                    if isMax {
                        var m = lowest
                        for i in i0..<i1 {
                            let line = src + (rs + i * dh) * w + cs
                            if dw == 1 {
                                m = max(m, maxFloats(line + j0, j1 - j0))
                            } else {
                                for j in j0..<j1 { m = max(m, line[j * dw]) }
                            }
                        }
                        dst[c] = m
                    } else {
                        var sum: Float = 0
                        for i in i0..<i1 {
                            let line = src + (rs + i * dh) * w + cs
                            if dw == 1 {
                                sum += sumFloats(line + j0, j1 - j0)
                            } else {
                                for j in j0..<j1 { sum += line[j * dw] }
                            }
                        }
                        dst[c] = sum * reciprocal[r * ow + c]
                    }
                }
                dst += ow
            }
        }
    }

    private func runND(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let s = inShape.count
        let inStrides = Shape.strides(inShape)
        let outCount = Shape.count(outShape), inCount = Shape.count(inShape)
        let outStrides = Shape.strides(outShape)
        var lo = [Int](repeating: 0, count: s), up = [Int](repeating: 0, count: s), base = [Int](repeating: 0, count: s)
        var tap = [Int](repeating: 0, count: s)
        for plane in 0..<planes {
            let src = x + plane * inCount
            for p in 0..<outCount {
                var empty = false
                for d in 0..<s {
                    let o = (p / outStrides[d]) % outShape[d]
                    lo[d] = lowers[d][o]; up[d] = uppers[d][o]; base[d] = starts[d][o]
                    if lo[d] >= up[d] { empty = true }
                }
                var m = -Float.greatestFiniteMagnitude
                var sum: Float = 0
                if !empty {
                    for d in 0..<s { tap[d] = lo[d] }
                    while true {
                        var index = 0
                        for d in 0..<s { index += (base[d] + tap[d] * dilations[d]) * inStrides[d] }
                        let v = src[index]
                        m = max(m, v)
                        sum += v
                        var d = s - 1
                        while d >= 0 {
                            tap[d] += 1
                            if tap[d] < up[d] { break }
                            tap[d] = lo[d]
                            d -= 1
                        }
                        if d < 0 { break }
                    }
                }
                y[plane * outCount + p] = isMax ? m : sum * reciprocal[p]
            }
        }
    }
}

/// GlobalAveragePool / GlobalMaxPool: one reduction per (n, c) plane.
struct GlobalPoolKernel: NodeKernel {
    let isMax: Bool
    let planes: Int, size: Int

    init(graph: Graph, node: Node, isMax: Bool) {
        let x = graph.type(of: node.inputs[0]).shape
        self.isMax = isMax
        planes = x[0] * x[1]
        size = Shape.count(Array(x[2...]))
    }

    func run(_ inputs: [UnsafePointer<Float>], _ y: UnsafeMutablePointer<Float>, _ ws: Workspace) throws {
        let x = inputs[0]
        for p in 0..<planes {
            let src = x + p * size
            if isMax {
                var m = -Float.greatestFiniteMagnitude
                for i in 0..<size { m = max(m, src[i]) }
                y[p] = m
            } else {
                y[p] = sumFloats(src, size) / Float(size)
            }
        }
    }
}

/// Largest of `count` floats (−greatestFiniteMagnitude for none); NaN is skipped, as `Swift.max` does.
@inline(__always)
func maxFloats(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
    var m = -Float.greatestFiniteMagnitude
    if count >= 8 {
        var acc = SIMD8<Float>(repeating: m)
        var i = 0
        while i + 8 <= count {
            let v = load8(p + i)
            acc.replace(with: v, where: v .> acc)
            i += 8
        }
        m = acc.max()
        while i < count { m = max(m, p[i]); i += 1 }
    } else {
        for i in 0..<count { m = max(m, p[i]) }
    }
    return m
}

/// Sum of `count` floats with eight SIMD lanes (pairwise-ish, more accurate than one running sum).
@inline(__always)
func sumFloats(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
        acc += load8(p + i)
        i += 8
    }
    var total = acc.sum()
    while i < count {
        total += p[i]
        i += 1
    }
    return total
}
