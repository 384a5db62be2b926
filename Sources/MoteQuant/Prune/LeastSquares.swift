import MoteIR

/// A dense row-major matrix of doubles: the Gram matrices and weight blocks of structured pruning. Double
/// because Gram matrices of activations are badly conditioned and are summed over tens of thousands of rows.
struct Matrix: Sendable, Equatable {
    var rows: Int
    var cols: Int
    var data: [Double]

    init(rows: Int, cols: Int, data: [Double]? = nil) {
        self.rows = rows
        self.cols = cols
        self.data = data ?? [Double](repeating: 0, count: rows * cols)
    }

    subscript(r: Int, c: Int) -> Double {
        get { data[r * cols + c] }
        set { data[r * cols + c] = newValue }
    }

    /// The sub-matrix of the given rows and columns.
    func pick(rows rs: [Int], cols cs: [Int]) -> Matrix {
        var m = Matrix(rows: rs.count, cols: cs.count)
        for (i, r) in rs.enumerated() { for (j, c) in cs.enumerated() { m[i, j] = self[r, c] } }
        return m
    }

    var meanDiagonal: Double {
        let n = min(rows, cols)
        guard n > 0 else { return 0 }
        var s = 0.0
        for i in 0..<n { s += self[i, i] }
        return s / Double(n)
    }
}

/// Cholesky factorisation and the solves built on it, for symmetric positive definite matrices. The loops run on
/// buffer pointers: these are the hot spots of pruning (matrices of a few hundred rows), and tests run unoptimised.
enum Cholesky {
    /// The lower factor L with A = L·Lᵀ, or nil when A is not (numerically) positive definite.
    static func factor(_ a: Matrix) -> Matrix? {
        let n = a.rows
        var l = [Double](repeating: 0, count: n * n)
        let ok = a.data.withUnsafeBufferPointer { A in
            l.withUnsafeMutableBufferPointer { L in
                for j in 0..<n {
                    var d = A[j * n + j]
                    for k in 0..<j { d -= L[j * n + k] * L[j * n + k] }
                    guard d > 0, d.isFinite else { return false }
                    let root = d.squareRoot()
                    L[j * n + j] = root
                    var i = j + 1
                    while i < n {
                        var s = A[i * n + j]
                        for k in 0..<j { s -= L[i * n + k] * L[j * n + k] }
                        L[i * n + j] = s / root
                        i += 1
                    }
                }
                return true
            }
        }
        return ok ? Matrix(rows: n, cols: n, data: l) : nil
    }

    /// X with A·X = B (B is n × m), from A's factor: forward then backward substitution, a whole row of X at a time.
    static func solve(_ l: Matrix, _ b: Matrix) -> Matrix {
        let n = l.rows, m = b.cols
        var x = b
        l.data.withUnsafeBufferPointer { L in
            x.data.withUnsafeMutableBufferPointer { X in
                for i in 0..<n {
                    for k in 0..<i {
                        let f = L[i * n + k]
                        if f == 0 { continue }
                        for c in 0..<m { X[i * m + c] -= f * X[k * m + c] }
                    }
                    let d = L[i * n + i]
                    for c in 0..<m { X[i * m + c] /= d }
                }
                for i in stride(from: n - 1, through: 0, by: -1) {
                    var k = i + 1
                    while k < n {
                        let f = L[k * n + i]
                        if f != 0 { for c in 0..<m { X[i * m + c] -= f * X[k * m + c] } }
                        k += 1
                    }
                    let d = L[i * n + i]
                    for c in 0..<m { X[i * m + c] /= d }
                }
            }
        }
        return x
    }

    /// uᵀ·A⁻¹·u = ‖L⁻¹u‖², by forward substitution only.
    static func quadratic(_ l: Matrix, _ u: [Double]) -> Double {
        let n = l.rows
        var y = u
        var total = 0.0
        l.data.withUnsafeBufferPointer { L in
            for i in 0..<n {
                var s = y[i]
                for k in 0..<i { s -= L[i * n + k] * y[k] }
                y[i] = s / L[i * n + i]
                total += y[i] * y[i]
            }
        }
        return total
    }

    /// A⁻¹ = MᵀM with M = L⁻¹ (lower triangular): a third of the work of solving against the identity.
    static func inverse(_ l: Matrix) -> Matrix {
        let n = l.rows
        var m = [Double](repeating: 0, count: n * n)
        var inv = [Double](repeating: 0, count: n * n)
        l.data.withUnsafeBufferPointer { L in
            m.withUnsafeMutableBufferPointer { M in
                for j in 0..<n {
                    M[j * n + j] = 1 / L[j * n + j]
                    var i = j + 1
                    while i < n {
                        var s = 0.0
                        for k in j..<i { s += L[i * n + k] * M[k * n + j] }
                        M[i * n + j] = -s / L[i * n + i]
                        i += 1
                    }
                }
                inv.withUnsafeMutableBufferPointer { R in
                    for i in 0..<n {
                        for j in 0...i {
                            var s = 0.0
                            for k in i..<n { s += M[k * n + i] * M[k * n + j] }
                            R[i * n + j] = s
                            R[j * n + i] = s
                        }
                    }
                }
            }
        }
        return Matrix(rows: n, cols: n, data: inv)
    }

    /// Factor of A + λ·I, raising λ tenfold (up to six times) while A is not positive definite: a Gram matrix of
    /// dead (always-zero) inputs is singular, and rounding can leave a tiny negative pivot. Returns the factor and
    /// the λ used.
    static func factorWithRidge(_ a: Matrix, ridge: Double) throws -> (factor: Matrix, ridge: Double) {
        var lambda = ridge > 0 ? ridge : 1e-12
        for _ in 0..<7 {
            var damped = a
            for i in 0..<a.rows { damped[i, i] += lambda }
            if let l = factor(damped) { return (l, lambda) }
            lambda *= 10
        }
        throw Diagnostic("structured pruning: the calibration Gram matrix is not positive definite (non-finite activations?)")
    }
}

/// Running sums of a least-squares problem with rows x (features, plus a trailing 1 when `intercept`) and
/// targets y: G = Σ x xᵀ and R = Σ x yᵀ.
struct NormalEquations {
    let features: Int
    let targets: Int
    let intercept: Bool
    var gram: Matrix
    var cross: Matrix
    var rowCount = 0

    init(features: Int, targets: Int, intercept: Bool) {
        self.features = features
        self.targets = targets
        self.intercept = intercept
        let n = features + (intercept ? 1 : 0)
        gram = Matrix(rows: n, cols: n)
        cross = Matrix(rows: n, cols: targets)
    }

    var size: Int { gram.rows }

    /// Adds one row; `x` has `features` entries (the intercept is appended here), `y` `targets` entries.
    mutating func add(_ x: [Double], _ y: [Double]) {
        let n = size
        rowCount += 1
        gram.data.withUnsafeMutableBufferPointer { g in
            x.withUnsafeBufferPointer { xs in
                for i in 0..<n {
                    let xi = i < features ? xs[i] : 1
                    if xi == 0 { continue }
                    // Upper triangle only; `symmetrize` mirrors it once all rows are in.
                    let base = i * n
                    for j in i..<features { g[base + j] += xi * xs[j] }
                    if intercept { g[base + n - 1] += xi }
                }
            }
        }
        guard targets > 0 else { return }
        cross.data.withUnsafeMutableBufferPointer { r in
            for i in 0..<n {
                let xi = i < features ? x[i] : 1
                if xi == 0 { continue }
                for t in 0..<targets { r[i * targets + t] += xi * y[t] }
            }
        }
    }

    mutating func symmetrize() {
        let n = size
        for i in 0..<n { for j in 0..<i { gram[i, j] = gram[j, i] } }
    }
}
