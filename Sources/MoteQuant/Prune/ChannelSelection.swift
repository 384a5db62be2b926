import MoteIR

/// Greedy choice of the channels to remove, by Optimal Brain Surgeon for groups of columns.
///
/// For each consumer, with H = G + λI (G the Gram matrix of its input columns plus the constant column) and W its
/// weights, removing the column block B of a channel and re-solving the least-squares problem for the remaining
/// columns raises the squared output error by Σ_rows W[r,B] · (H⁻¹[B,B])⁻¹ · W[r,B]ᵀ. This accounts for
/// correlated channels (a channel the others can reproduce costs almost nothing) and for the bias (the constant
/// column absorbs a channel's mean). Each step removes the channel whose summed cost over all consumers of its
/// group is smallest, then applies the compensating update to W and H⁻¹ (so later choices see the refit
/// weights). Each consumer's cost is divided by its output energy Σ_r W[r]·G·W[r]ᵀ, so a group read by several
/// layers weighs each by its relative error rather than by its raw scale.
struct SelectionConsumer {
    var inverse: Matrix
    var weights: Matrix
    /// Columns of each channel of the group in this consumer.
    let blocks: [[Int]]
    /// When the consumer is itself a source of the group: the channel each output row belongs to (its error no
    /// longer counts once that channel is gone).
    let rowChannel: [Int?]
    var rowActive: [Bool]
    let scale: Double

    init(gram: Matrix, weights: Matrix, blocks: [[Int]], rowChannel: [Int?], damping: Double) throws {
        let n = weights.cols
        var energy = 0.0
        gram.data.withUnsafeBufferPointer { G in
            weights.data.withUnsafeBufferPointer { W in
                for r in 0..<weights.rows {
                    for i in 0..<n where W[r * n + i] != 0 {
                        var s = 0.0
                        for j in 0..<n { s += G[i * n + j] * W[r * n + j] }
                        energy += W[r * n + i] * s
                    }
                }
            }
        }
        scale = energy > 0 && energy.isFinite ? 1 / energy : 1
        let (l, _) = try Cholesky.factorWithRidge(gram, ridge: damping * gram.meanDiagonal)
        inverse = Cholesky.inverse(l)
        self.weights = weights
        self.blocks = blocks
        self.rowChannel = rowChannel
        rowActive = [Bool](repeating: true, count: weights.rows)
    }

    /// Scaled error of removing channel `c` now (nil when H⁻¹[B,B] is no longer positive definite).
    func cost(_ c: Int) -> Double? {
        let b = blocks[c]
        guard let l = Cholesky.factor(inverse.pick(rows: b, cols: b)) else { return nil }
        var error = 0.0
        for r in 0..<weights.rows where rowActive[r] && rowChannel[r] != c {
            error += Cholesky.quadratic(l, b.map { weights[r, $0] })
        }
        return error * scale
    }

    /// Removes channel `c`: W ← W − W[:,B]·K·H⁻¹[B,:], H⁻¹ ← H⁻¹ − H⁻¹[:,B]·K·H⁻¹[B,:] with K = (H⁻¹[B,B])⁻¹.
    mutating func remove(_ c: Int) {
        let b = blocks[c], n = inverse.rows
        guard let l = Cholesky.factor(inverse.pick(rows: b, cols: b)) else { return }
        // P = K · H⁻¹[B,:] (|B| × n), solved rather than formed through K.
        let p = Cholesky.solve(l, inverse.pick(rows: b, cols: Array(0..<n)))
        let column = inverse.pick(rows: Array(0..<n), cols: b)
        let wb = weights.pick(rows: Array(0..<weights.rows), cols: b)
        let nb = b.count
        p.data.withUnsafeBufferPointer { P in
            weights.data.withUnsafeMutableBufferPointer { W in
                for r in 0..<weights.rows {
                    for i in 0..<nb {
                        let f = wb.data[r * nb + i]
                        if f == 0 { continue }
                        for col in 0..<n { W[r * n + col] -= f * P[i * n + col] }
                    }
                }
            }
            inverse.data.withUnsafeMutableBufferPointer { H in
                for row in 0..<n {
                    for i in 0..<nb {
                        let f = column.data[row * nb + i]
                        if f == 0 { continue }
                        for col in 0..<n { H[row * n + col] -= f * P[i * n + col] }
                    }
                }
            }
        }
        for r in 0..<weights.rows where rowChannel[r] == c { rowActive[r] = false }
    }
}

enum ChannelSelection {
    /// The `count` channels (of `channels`) whose greedy removal costs least, ascending.
    static func choose(_ count: Int, of channels: Int, consumers: [SelectionConsumer]) -> [Int] {
        var states = consumers
        var removed: [Int] = []
        var remaining = Set(0..<channels)
        while removed.count < count {
            var best: (channel: Int, error: Double)?
            for c in remaining.sorted() {
                // A block whose H⁻¹ lost positive definiteness (rounding after many updates) is only removed last.
                let total = states.reduce(0.0) { $0 + ($1.cost(c) ?? .infinity) }
                if let b = best, b.error <= total { continue }
                best = (c, total)
            }
            guard let pick = best else { break }
            for i in states.indices { states[i].remove(pick.channel) }
            removed.append(pick.channel)
            remaining.remove(pick.channel)
        }
        return removed.sorted()
    }
}
