import MoteFloat
import MoteInteger
import MoteIR

/// The calibration samples run through the integer program as the quantizer builds it: each layer executes
/// as soon as it is appended, so a weight layer is quantized against the inputs it will really see (after
/// the rounding of every layer before it), not the float model's.
struct QuantizedActivations {
    /// At most this many im2col rows (a seeded random subset) form a layer's Hessian.
    static let maxRows = 8192
    /// Multiply-accumulates of the float graph × samples the quantizer spends running the integer layers
    /// (about a second of the reference kernels), and the fewest samples it runs whatever the model's size.
    /// ResNet-8's agreement and logit SQNR at int4 were the same with 16, 32 and 64 samples: conv layers have
    /// rows to spare; dense layers (one row per sample) are the ones that want many.
    static let macBudget = 400_000_000
    static let minSamples = 16

    /// How many of `available` samples to run for a graph of `macs` multiply-accumulates per sample.
    static func sampleCount(available: Int, maxSamples: Int, macs: Int) -> Int {
        min(available, max(maxSamples, 1), max(minSamples, macBudget / max(macs, 1)))
    }
    /// Rows per Gram chunk: 256 · 255² < 2^31, so a chunk's sums of int8 products are exact in Int32.
    static let chunkRows = 256

    /// Tensor index → its data for each sample.
    private(set) var data: [Int: [[Int8]]] = [:]
    let sampleCount: Int

    /// Quantizes the model inputs of `count` evenly spaced samples of `samples` (one array per graph input).
    init(samples: [[FloatTensor]], count wanted: Int, inputs: [(tensor: Int, quant: QuantParams)]) {
        let n = samples.count
        let count = min(n, max(wanted, 1))
        let picked = (0..<count).map { samples[$0 * n / count] }
        sampleCount = count
        for (position, input) in inputs.enumerated() {
            data[input.tensor] = picked.map { sample in
                position < sample.count ? sample[position].data.map { input.quant.quantize($0) } : []
            }
        }
    }

    /// Runs `layers` (just appended to the model whose tensors are `tensors`) on every sample.
    mutating func run(_ layers: ArraySlice<QLayer>, tensors: [QTensor]) throws {
        for layer in layers {
            let runner = try IntegerLayer(layer, tensors: tensors)
            let inputs = layer.op.inputs
            var outputs: [[Int8]] = []
            outputs.reserveCapacity(sampleCount)
            for s in 0..<sampleCount {
                outputs.append(try runner.run(inputs.map { data[$0]?[s] ?? [] }))
            }
            data[layer.op.output] = outputs
        }
    }

    mutating func release(_ tensor: Int) { data[tensor] = nil }

    func has(_ tensor: Int) -> Bool { data[tensor] != nil }

    /// Input statistics of a convolution: im2col rows (one per output position), columns (c, ky, kx) per group.
    func statistics(of p: QConv, inputZeroPoint zp: Int32, inputScale: Double) -> LayerInputStatistics? {
        // Shapes come from a verified graph, but an empty or ungroupable layer simply has no statistics.
        guard let x = data[p.input], p.groups > 0, p.inChannels % p.groups == 0, p.outWidth > 0 else { return nil }
        let positions = p.outHeight * p.outWidth
        let kh = p.kernelHeight, kw = p.kernelWidth
        let z = Int16(clamping: zp)
        return statistics(x, groups: p.groups, columns: (p.inChannels / p.groups) * kh * kw, rowsPerSample: p.batch * positions,
                          sampleSize: p.batch * p.inChannels * p.inHeight * p.inWidth, scale: inputScale) { sample, row, out in
            let n = row / positions, oy = (row % positions) / p.outWidth, ox = row % p.outWidth
            // Channel by channel in order, which is group by group with each group's (c, ky, kx) columns.
            var j = 0
            for c in 0..<p.inChannels {
                let plane = (n * p.inChannels + c) * p.inHeight
                for ky in 0..<kh {
                    let iy = oy * p.strideHeight - p.padTop + ky * p.dilationHeight
                    for kx in 0..<kw {
                        let ix = ox * p.strideWidth - p.padLeft + kx * p.dilationWidth
                        // Padding taps are real zeros, exactly what the kernel adds for them.
                        if iy >= 0 && iy < p.inHeight && ix >= 0 && ix < p.inWidth {
                            out[j] = Int16(sample[(plane + iy) * p.inWidth + ix]) - z
                        } else {
                            out[j] = 0
                        }
                        j += 1
                    }
                }
            }
        }
    }

    /// Input statistics of a dense layer: one row per input row, one column per feature.
    func statistics(of p: QDense, inputZeroPoint zp: Int32, inputScale: Double) -> LayerInputStatistics? {
        guard let x = data[p.input] else { return nil }
        let k = p.inFeatures
        let z = Int16(clamping: zp)
        return statistics(x, groups: 1, columns: k, rowsPerSample: p.rows, sampleSize: p.rows * k, scale: inputScale) { sample, row, out in
            for j in 0..<k { out[j] = Int16(sample[row * k + j]) - z }
        }
    }

    /// H = 2XᵀX/rows over a seeded subset of at most `maxRows` rows, and E[x] over all rows, per group; X in
    /// real units (scale · (q − zero point)). `fill(sample, row, out)` writes one row's offsets q − zp for every
    /// group, group g's columns at g·columns.
    private func statistics(_ x: [[Int8]], groups: Int, columns k: Int, rowsPerSample: Int, sampleSize: Int, scale: Double,
                            fill: ([Int8], Int, inout [Int16]) -> Void) -> LayerInputStatistics? {
        let total = x.count * rowsPerSample
        guard total > 0, k > 0, groups > 0, x.allSatisfy({ $0.count == sampleSize }) else { return nil }
        let selected = Self.sampleRows(total: total, count: min(total, Self.maxRows))
        let width = groups * k
        let chunkRows = Self.chunkRows
        var row = [Int16](repeating: 0, count: width)
        // Column-major per group: group g's column j holds chunkRows values at (g·k + j)·chunkRows.
        var chunk = [Int16](repeating: 0, count: width * chunkRows)
        var grams = [[Int64]](repeating: [Int64](repeating: 0, count: k * k), count: groups)
        var sums = [Int64](repeating: 0, count: width)
        var filled = 0, next = 0
        func flush() {
            for g in 0..<groups { Self.accumulate(&grams[g], chunk, offset: g * k * chunkRows, columns: k, rows: filled) }
            filled = 0
        }
        for s in 0..<x.count {
            for r in 0..<rowsPerSample {
                fill(x[s], r, &row)
                for j in 0..<width { sums[j] += Int64(row[j]) }
                guard next < selected.count, selected[next] == s * rowsPerSample + r else { continue }
                next += 1
                for j in 0..<width { chunk[j * chunkRows + filled] = row[j] }
                filled += 1
                if filled == chunkRows { flush() }
            }
        }
        if filled > 0 { flush() }
        let factor = 2 * scale * scale / Double(selected.count)
        let hessians = grams.map { gram -> [Double] in
            var h = [Double](repeating: 0, count: k * k)
            for i in 0..<k {
                for j in i..<k {
                    let v = factor * Double(gram[i * k + j])
                    h[i * k + j] = v
                    h[j * k + i] = v
                }
            }
            return h
        }
        let means = (0..<groups).map { g in (0..<k).map { scale * Double(sums[g * k + $0]) / Double(total) } }
        return LayerInputStatistics(columns: k, hessians: hessians, means: means, rows: selected.count)
    }

    /// gram[i][j] += Σ_r chunk[i][r] · chunk[j][r] for j ≥ i; the chunk starts at `offset` and is column-major
    /// with `chunkRows` rows.
    private static func accumulate(_ gram: inout [Int64], _ chunk: [Int16], offset: Int, columns k: Int, rows: Int) {
        chunk.withUnsafeBufferPointer { c in
            gram.withUnsafeMutableBufferPointer { g in
                guard let start = c.baseAddress else { return }
                let base = start + offset
                for i in 0..<k {
                    let a = base + i * chunkRows
                    for j in i..<k {
                        let b = base + j * chunkRows
                        var acc: Int32 = 0
                        for r in 0..<rows { acc &+= Int32(a[r]) &* Int32(b[r]) }
                        g[i * k + j] += Int64(acc)
                    }
                }
            }
        }
    }

    /// `count` distinct row indices out of `total`, sorted: Floyd's sampling with a fixed seed, so a
    /// compile is deterministic and the subset does not alias with the image width as a stride would.
    static func sampleRows(total: Int, count: Int) -> [Int] {
        guard count < total else { return Array(0..<total) }
        var generator = SplitMix64(seed: 0x6D6F_7465)
        var chosen = Set<Int>()
        chosen.reserveCapacity(count)
        for j in (total - count)..<total {
            let t = Int(generator.next() % UInt64(j + 1))
            chosen.insert(chosen.contains(t) ? j : t)
        }
        return chosen.sorted()
    }
}

/// A small seeded generator (SplitMix64) for deterministic subsampling.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
