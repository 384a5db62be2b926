import MoteFloat
import MoteIR
import XCTest
import MoteTestSupport

final class GemmMatMulTests: XCTestCase {
    func referenceGemm(_ a: FloatTensor, _ b: FloatTensor, _ c: FloatTensor?, _ attrs: GemmAttributes) -> ([Int], [Double]) {
        let (m, k) = attrs.transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let n = attrs.transB ? b.shape[0] : b.shape[1]
        var out: [Double] = []
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let av = attrs.transA ? a.data[p * m + i] : a.data[i * k + p]
                    let bv = attrs.transB ? b.data[j * k + p] : b.data[p * n + j]
                    sum += Double(av) * Double(bv)
                }
                var y = Double(attrs.alpha) * sum
                if let c { y += Double(attrs.beta) * Double(c.data[broadcastSource([i, j], c.shape)]) }
                out.append(y)
            }
        }
        return ([m, n], out)
    }

    func testGemmAllCombinations() throws {
        var rng = SeededGenerator(seed: 10)
        // k = 300 crosses a k block; m = 13 and n = 17/40 leave partial tiles in both directions.
        let sizes = [(1, 7, 10), (5, 13, 17), (7, 300, 33), (13, 20, 40)]
        for (m, k, n) in sizes {
            for transA in [false, true] {
                for transB in [false, true] {
                    for (alpha, beta) in [(Float(1), Float(1)), (0.5, 2), (-1.5, 0)] {
                        // Every C form for the small sizes; two for the large one.
                        let forms: [[Int]?] = k > 100 ? [nil, [m, 1]] : [nil, [n], [1, n], [m, 1], [m, n], [], [1]]
                        for cShape in forms {
                            let a = rng.tensor(transA ? [k, m] : [m, k])
                            let b = rng.tensor(transB ? [n, k] : [k, n])
                            let c = cShape.map { rng.tensor($0) }
                            let attrs = GemmAttributes(alpha: alpha, beta: beta, transA: transA, transB: transB)
                            let constA = rng.bool(), constB = rng.bool()
                            var operands = [Operand(a, constant: constA), Operand(b, constant: constB)]
                            if let c { operands.append(Operand(c, constant: rng.bool())) }
                            if operands.allSatisfy(\.constant) { operands[0].constant = false }
                            let y = try runSingle(.gemm(attrs), operands)
                            let ref = referenceGemm(a, b, c, attrs)
                            assertClose(y, ref.0, ref.1, "gemm \(m)x\(k)x\(n) \(attrs) C\(cShape ?? [-1])")
                        }
                    }
                }
            }
        }
    }

    /// numpy.matmul by definition: promote 1-D operands, broadcast batch dims, drop promoted dims.
    func referenceMatMul(_ a: FloatTensor, _ b: FloatTensor) -> ([Int], [Double]) {
        let a2 = a.shape.count == 1 ? [1] + a.shape : a.shape
        let b2 = b.shape.count == 1 ? b.shape + [1] : b.shape
        let m = a2[a2.count - 2], k = a2[a2.count - 1], n = b2[b2.count - 1]
        let aBatch = Array(a2.dropLast(2)), bBatch = Array(b2.dropLast(2))
        let rank = max(aBatch.count, bBatch.count)
        var batch: [Int] = []
        for d in 0..<rank {
            let da = d < rank - aBatch.count ? 1 : aBatch[d - (rank - aBatch.count)]
            let db = d < rank - bBatch.count ? 1 : bBatch[d - (rank - bBatch.count)]
            batch.append(max(da, db))
        }
        var out: [Double] = []
        for bi in allIndices(batch) {
            let ao = broadcastSource(bi, aBatch) * m * k, bo = broadcastSource(bi, bBatch) * k * n
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0
                    for p in 0..<k { sum += Double(a.data[ao + i * k + p]) * Double(b.data[bo + p * n + j]) }
                    out.append(sum)
                }
            }
        }
        var shape = batch
        if a.shape.count > 1 { shape.append(m) }
        if b.shape.count > 1 { shape.append(n) }
        return (shape, out)
    }

    func testMatMulShapes() throws {
        var rng = SeededGenerator(seed: 11)
        let cases: [([Int], [Int])] = [
            ([9], [9]), ([9], [9, 5]), ([4, 9], [9]), ([1, 64], [64, 10]), ([7, 20], [20, 18]),
            ([3, 5, 7], [7, 4]), ([5, 7], [2, 7, 4]), ([2, 3, 5, 7], [3, 7, 6]), ([2, 1, 5, 7], [1, 3, 7, 6]),
            ([3, 4, 9], [9]), ([9], [2, 9, 3]), ([1, 300], [300, 40]),
        ]
        for (sa, sb) in cases {
            for constB in [false, true] {
                let a = rng.tensor(sa), b = rng.tensor(sb)
                let y = try runSingle(.matMul, [Operand(a), Operand(b, constant: constB)])
                let ref = referenceMatMul(a, b)
                assertClose(y, ref.0, ref.1, "matmul \(sa) x \(sb)")
            }
        }
    }
}
