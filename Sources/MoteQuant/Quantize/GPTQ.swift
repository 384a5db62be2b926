import MoteIR

/// Error-compensating rounding (GPTQ, Frantar et al. 2022, after OBQ/OBS) and second-order pruning
/// (SparseGPT, Frantar & Alistarh 2023) of one weight layer, given the Gram matrix of its real inputs.
///
/// For a weight row w (one output channel) and inputs X, the output error of replacing w by ŵ is
/// (w − ŵ)ᵀ H (w − ŵ) with H = 2XᵀX/rows. Columns are quantized left to right; the error of each one is
/// spread over the columns not yet quantized through the upper Cholesky factor U of H⁻¹ (OBS's optimal
/// update), so later columns absorb what earlier ones lost. Pruning picks, per block of columns, the
/// weights whose removal costs least (w²/U_jj²) and zeroes them with the same update. Each channel's scale
/// is chosen among clipped max-abs scales by the output error the whole procedure reaches with it.
enum GPTQ {
    /// Columns per block: the error of a block reaches the rest of the layer in one lazy update.
    static let blockSize = 128
    /// Damping added to the diagonal, as a fraction of its mean (GPTQ's 1 %), then ×10 while H is not
    /// positive definite.
    static let dampingFractions: [Double] = [0.01, 0.1, 1, 10]
    /// Clipping factors tried for each channel's scale: max-abs · α, α = 1.00, 0.96, …, 0.60.
    static let clipFactors: [Double] = (0...10).map { (i: Int) -> Double in 1 - 0.04 * Double(i) }

    /// One group of a layer (a conv group, or the whole dense layer) ready to be quantized: the upper
    /// Cholesky factor of the damped H⁻¹, and the damped H that measures a row's output error.
    struct Factor {
        let columns: Int
        /// Row-major K×K upper triangular U with UᵀU = (H + λI)⁻¹.
        let u: [Double]
        /// Row-major H + λI, with dead columns (never non-zero on the calibration set) cut loose and their
        /// diagonal set to the mean of the others.
        let damped: [Double]

        /// [H⁻¹]_jj = Σ_i U_ij²: the cost of removing weight j is w_j² / [H⁻¹]_jj (OBS).
        var inverseDiagonal: [Double] {
            var d = [Double](repeating: 0, count: columns)
            for i in 0..<columns { for j in i..<columns { d[j] += u[i * columns + j] * u[i * columns + j] } }
            return d
        }
    }

    /// The factor of `hessian` (row-major K×K, symmetric), or nil when no damping makes it positive definite
    /// (or it holds a non-finite value): the caller then rounds to nearest.
    static func factor(hessian: [Double], columns k: Int) -> Factor? {
        guard k > 0, hessian.count == k * k, hessian.allSatisfy(\.isFinite) else { return nil }
        var h = hessian
        var live = 0.0, liveCount = 0
        for j in 0..<k where h[j * k + j] > 0 { live += h[j * k + j]; liveCount += 1 }
        let meanLive = liveCount > 0 ? live / Double(liveCount) : 1
        // A column that is zero in every calibration row carries no information: its weight is kept (rounded
        // like an ordinary weight of average importance, independent of the others) rather than zeroed, as
        // the input may be non-zero outside the calibration set.
        for j in 0..<k where !(h[j * k + j] > 0) {
            for i in 0..<k { h[i * k + j] = 0; h[j * k + i] = 0 }
            h[j * k + j] = meanLive
        }
        for fraction in dampingFractions {
            var damped = h
            for j in 0..<k { damped[j * k + j] += fraction * meanLive }
            if let v = reverseCholesky(damped, k), let u = invertUpper(v, k) { return Factor(columns: k, u: u, damped: damped) }
        }
        return nil
    }

    /// Upper triangular V with A = V·Vᵀ (Cholesky of A with rows and columns reversed), or nil when A is not
    /// positive definite. Then V⁻¹ is the upper Cholesky factor of A⁻¹: (V⁻¹)ᵀV⁻¹ = (VVᵀ)⁻¹.
    static func reverseCholesky(_ a: [Double], _ k: Int) -> [Double]? {
        var v = [Double](repeating: 0, count: k * k)
        let ok = v.withUnsafeMutableBufferPointer { vp -> Bool in
            guard let vb = vp.baseAddress else { return false }
            for j in stride(from: k - 1, through: 0, by: -1) {
                let tail = k - j - 1
                let d = a[j * k + j] - dot(vb + j * k + j + 1, vb + j * k + j + 1, tail)
                // Relative threshold: a pivot lost to cancellation means A is numerically singular.
                guard d > 1e-12 * abs(a[j * k + j]), d.isFinite else { return false }
                let p = d.squareRoot()
                vb[j * k + j] = p
                for i in 0..<j { vb[i * k + j] = (a[i * k + j] - dot(vb + i * k + j + 1, vb + j * k + j + 1, tail)) / p }
            }
            return true
        }
        return ok ? v : nil
    }

    /// Inverse of an upper triangular matrix with a positive diagonal, row by row from the bottom.
    static func invertUpper(_ v: [Double], _ k: Int) -> [Double]? {
        var u = [Double](repeating: 0, count: k * k)
        u.withUnsafeMutableBufferPointer { up in
            guard let ub = up.baseAddress else { return }
            for i in stride(from: k - 1, through: 0, by: -1) {
                let inv = 1 / v[i * k + i]
                ub[i * k + i] = inv
                // Row i of U·V = e_i: u_i = −inv · Σ_{t>i} V_it · u_t (rows t > i are done).
                for t in (i + 1)..<k where v[i * k + t] != 0 {
                    axpy(ub + i * k + t, ub + t * k + t, -inv * v[i * k + t], k - t)
                }
            }
        }
        return u.allSatisfy(\.isFinite) ? u : nil
    }

    /// Σ a[0..<n] · b[0..<n].
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var s = 0.0
        var j = 0
        while j < n {
            s += a[j] * b[j]
            j += 1
        }
        return s
    }

    /// The scale candidates of one channel: max-abs · α / maxMagnitude for each clipping factor (1 for an
    /// all-zero channel).
    static func candidateScales(_ w: ArraySlice<Double>, maxMagnitude: Int) -> [Double] {
        let maxAbs = w.reduce(0) { max($0, abs($1)) }
        guard maxAbs > 0, maxAbs.isFinite else { return [1] }
        return clipFactors.map { $0 * maxAbs / Double(maxMagnitude) }
    }

    /// Per row, (w − ŵ)ᵀ (H + λI) (w − ŵ): the row's output error on the calibration rows (plus the damping
    /// term), in the units of `sweep`'s errors.
    static func rowErrors(_ w: [Double], _ q: [Int8], scales: [Double], rows m: Int, factor: Factor) -> [Double] {
        let k = factor.columns, h = factor.damped
        var errors = [Double](repeating: 0, count: m)
        var d = [Double](repeating: 0, count: k)
        h.withUnsafeBufferPointer { hp in
            d.withUnsafeMutableBufferPointer { dp in
                guard let hb = hp.baseAddress, let db = dp.baseAddress else { return }
                for r in 0..<m {
                    for j in 0..<k { db[j] = w[r * k + j] - Double(q[r * k + j]) * scales[r] }
                    var e = 0.0
                    for i in 0..<k where db[i] != 0 { e += db[i] * dot(hb + i * k, db, k) }
                    errors[r] = e
                }
            }
        }
        return errors
    }

    /// Quantizes `rows` channels of `factor.columns` weights each (row-major) on the ±maxMagnitude grid
    /// with error feedback; `pruneTarget` of them or more end at zero (zeros the grid produces count, so
    /// rounding is not followed by needless pruning). Each channel's scale is the clipped max-abs whose
    /// error-compensated rounding has the least output error (plain rounding with the max-abs scale is a
    /// candidate too, so no channel does worse than `.nearest` on the calibration set).
    static func quantize(_ weights: [Double], rows m: Int, factor: Factor, maxMagnitude: Int,
                         pruneTarget: Int) -> (values: [Int8], scales: [Double]) {
        let k = factor.columns
        let candidates = (0..<m).map { candidateScales(weights[($0 * k)..<(($0 + 1) * k)], maxMagnitude: maxMagnitude) }
        let tries = candidates.map(\.count).max() ?? 1
        var best = (values: [Int8](repeating: 0, count: m * k), scales: [Double](repeating: 1, count: m),
                    errors: [Double](repeating: .infinity, count: m))
        func keep(_ q: [Int8], _ scales: [Double], _ errors: [Double]) {
            for r in 0..<m where errors[r] < best.errors[r] {
                best.errors[r] = errors[r]
                best.scales[r] = scales[r]
                for j in 0..<k { best.values[r * k + j] = q[r * k + j] }
            }
        }
        let maxAbsScales = candidates.map { $0[0] }
        let nearest = QuantizedWeights.nearest(weights, scales: maxAbsScales, maxMagnitude: maxMagnitude)
        keep(nearest, maxAbsScales, rowErrors(weights, nearest, scales: maxAbsScales, rows: m, factor: factor))
        for t in 0..<tries {
            let scales = candidates.map { $0[min(t, $0.count - 1)] }
            let r = sweep(weights, rows: m, factor: factor, scales: scales, maxMagnitude: maxMagnitude, pruneTarget: 0)
            keep(r.values, scales, r.errors)
        }
        guard pruneTarget > 0 else { return (best.values, best.scales) }
        return (sweep(weights, rows: m, factor: factor, scales: best.scales, maxMagnitude: maxMagnitude, pruneTarget: pruneTarget).values,
                best.scales)
    }

    /// y[0..<n] += a · x[0..<n].
    @inline(__always)
    static func axpy(_ y: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Double>, _ a: Double, _ n: Int) {
        var j = 0
        while j < n {
            y[j] += a * x[j]
            j += 1
        }
    }

    /// One pass of GPTQ (with SparseGPT's adaptive mask when `pruneTarget` > 0) at fixed per-row scales.
    /// Also returns each row's Σ_j err_j²: with w − ŵ = Uᵀ·err and U(H + λI)Uᵀ = I this is exactly
    /// (w − ŵ)ᵀ(H + λI)(w − ŵ), the row's output error, at no extra cost (before any final pruning fix-up).
    static func sweep(_ weights: [Double], rows m: Int, factor: Factor, scales: [Double], maxMagnitude: Int,
                      pruneTarget: Int) -> (values: [Int8], errors: [Double]) {
        let k = factor.columns, u = factor.u
        let top = Double(maxMagnitude)
        var w = weights
        var q = [Int8](repeating: 0, count: m * k)
        let target = min(max(pruneTarget, 0), m * k)
        var zeros = 0
        let b = blockSize
        var err = [Double](repeating: 0, count: m * b)
        var pruned = [Bool](repeating: false, count: m * b)
        var errors = [Double](repeating: 0, count: m)
        for i1 in stride(from: 0, to: k, by: b) {
            let i2 = min(i1 + b, k), width = i2 - i1
            for x in pruned.indices { pruned[x] = false }
            if target > 0 {
                // The share of the target this block must reach; zeros already produced, and the weights that
                // round to zero anyway, count towards it.
                let wanted = i2 == k ? target : Int((Double(target) * Double(i2) / Double(k)).rounded(.down))
                var candidates: [(score: Double, index: Int)] = []
                var free = 0
                for r in 0..<m {
                    for c in 0..<width {
                        let x = w[r * k + i1 + c]
                        if abs(x / scales[r]) < 0.5 { free += 1; continue }
                        let d = u[(i1 + c) * k + i1 + c]
                        candidates.append((x * x / (d * d), r * b + c))
                    }
                }
                let count = wanted - zeros - free
                if count > 0 {
                    candidates.sort { ($0.score, $0.index) < ($1.score, $1.index) }
                    for c in candidates.prefix(count) { pruned[c.index] = true }
                }
            }
            w.withUnsafeMutableBufferPointer { wp in
                u.withUnsafeBufferPointer { up in
                    guard let wb = wp.baseAddress, let ub = up.baseAddress else { return }
                    for c in 0..<width {
                        let col = i1 + c
                        let d = ub[col * k + col]
                        for r in 0..<m {
                            let x = wb[r * k + col]
                            var value = 0.0
                            if !pruned[r * b + c] {
                                value = max(-top, min(top, (x / scales[r]).rounded(.toNearestOrAwayFromZero)))
                                if !value.isFinite { value = 0 }
                            }
                            q[r * k + col] = Int8(value)
                            if value == 0 { zeros += 1 }
                            let e = (x - value * scales[r]) / d
                            err[r * b + c] = e
                            errors[r] += e * e
                            // Inside the block, at once: the next columns see this column's error.
                            if e != 0 { axpy(wb + r * k + col + 1, ub + col * k + col + 1, -e, i2 - col - 1) }
                        }
                    }
                    guard i2 < k else { return }
                    // The rest of the layer, lazily: W[:, i2:] −= Err · U[i1:i2, i2:].
                    for r in 0..<m {
                        for c in 0..<width where err[r * b + c] != 0 {
                            axpy(wb + r * k + i2, ub + (i1 + c) * k + i2, -err[r * b + c], k - i2)
                        }
                    }
                }
            }
        }
        if zeros < target {
            // Shortfall only when weights predicted to round to zero moved away under error feedback in the last
            // block: remove the cheapest remaining ones (OBS cost ŵ²/[H⁻¹]_jj), without further compensation.
            let inverse = factor.inverseDiagonal
            var rest: [(score: Double, index: Int)] = []
            for r in 0..<m {
                for j in 0..<k where q[r * k + j] != 0 {
                    let x = Double(q[r * k + j]) * scales[r]
                    rest.append((x * x / inverse[j], r * k + j))
                }
            }
            rest.sort { ($0.score, $0.index) < ($1.score, $1.index) }
            for c in rest.prefix(target - zeros) { q[c.index] = 0 }
        }
        return (q, errors)
    }
}

/// What a layer's quantized inputs look like on the calibration set, per group of input channels.
struct LayerInputStatistics {
    /// Columns of one group: (inChannels/groups)·kernelHeight·kernelWidth for a conv, inFeatures for a dense.
    var columns: Int
    /// Per group, row-major columns×columns H = 2XᵀX/rows in real units, over a subsample of rows.
    var hessians: [[Double]]
    /// Per group, the mean of each column over every row (padding taps count as 0): E[x] for bias correction.
    var means: [[Double]]
    /// Rows behind the Hessians.
    var rows: Int
}

extension GPTQ {
    /// The layer's weights ([channels][columns], each group's channels consecutive) quantized group by group;
    /// at least `pruneTarget` zeros in the layer, shared among groups by OBS cost. nil when some group's H
    /// cannot be factored.
    static func quantizeLayer(_ weights: [Float], channels: Int, statistics s: LayerInputStatistics,
                              bits: QWeightBits, pruneTarget: Int) -> QuantizedWeights? {
        let groups = s.hessians.count, k = s.columns
        guard groups > 0, channels % groups == 0, weights.count == channels * k else { return nil }
        let perGroup = channels / groups
        var factors: [Factor] = []
        for h in s.hessians {
            guard let f = factor(hessian: h, columns: k) else { return nil }
            factors.append(f)
        }
        let w = weights.map(Double.init)
        var targets = [Int](repeating: 0, count: groups)
        if groups == 1 {
            targets[0] = pruneTarget
        } else if pruneTarget > 0 {
            // Each group's share of the layer's zeros: how many of the layer's cheapest weights to remove
            // (w²/[H⁻¹]_jj, comparable across groups: every H is in the same output units) fall in it.
            var costs: [(cost: Double, group: Int, index: Int)] = []
            costs.reserveCapacity(weights.count)
            for g in 0..<groups {
                let inverse = factors[g].inverseDiagonal
                for r in (g * perGroup)..<((g + 1) * perGroup) {
                    for j in 0..<k { costs.append((w[r * k + j] * w[r * k + j] / inverse[j], g, r * k + j)) }
                }
            }
            costs.sort { ($0.cost, $0.index) < ($1.cost, $1.index) }
            for c in costs.prefix(pruneTarget) { targets[c.group] += 1 }
        }
        var values = [Int8](repeating: 0, count: weights.count)
        var scales = [Double](repeating: 1, count: channels)
        for g in 0..<groups {
            let range = (g * perGroup * k)..<((g + 1) * perGroup * k)
            let r = quantize(Array(w[range]), rows: perGroup, factor: factors[g], maxMagnitude: bits.maxMagnitude,
                             pruneTarget: targets[g])
            values.replaceSubrange(range, with: r.values)
            scales.replaceSubrange((g * perGroup)..<((g + 1) * perGroup), with: r.scales)
        }
        var result = QuantizedWeights(values: values, scales: scales, bits: bits)
        result.normalizeZeroChannels()
        return result
    }
}
