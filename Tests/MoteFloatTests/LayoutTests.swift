import MoteFloat
import MoteIR
import XCTest
import MoteTestSupport

final class LayoutTests: XCTestCase {
    func testTranspose() throws {
        var rng = SeededGenerator(seed: 40)
        let cases: [([Int], [Int])] = [
            ([5], [0]), ([3, 4], [1, 0]), ([1, 32, 32, 3], [0, 3, 1, 2]), ([2, 3, 4], [2, 0, 1]), ([2, 3, 4], [0, 1, 2]),
            ([2, 1, 3, 1, 4], [4, 3, 2, 1, 0]), ([2, 3, 4, 5, 2], [1, 2, 0, 4, 3]), ([3, 1, 4], [1, 0, 2]), ([], []),
        ]
        for (shape, perm) in cases {
            let x = rng.tensor(shape)
            let y = try runSingle(.transpose(perm: perm), [Operand(x)])
            let outShape = perm.map { shape[$0] }
            let ref = allIndices(outShape).map { o -> Double in
                var i = [Int](repeating: 0, count: shape.count)
                for d in 0..<perm.count { i[perm[d]] = o[d] }
                return Double(x.data[ravel(i, shape)])
            }
            assertClose(y, outShape, ref, atol: 0, rtol: 0, "transpose \(shape) \(perm)")
        }
        for _ in 0..<20 {
            let rank = rng.int(1...5)
            let shape = (0..<rank).map { _ in rng.int(1...4) }
            let perm = Array(0..<rank).shuffled(using: &rng)
            let x = rng.tensor(shape)
            let y = try runSingle(.transpose(perm: perm), [Operand(x)])
            let outShape = perm.map { shape[$0] }
            let ref = allIndices(outShape).map { o -> Double in
                var i = [Int](repeating: 0, count: rank)
                for d in 0..<rank { i[perm[d]] = o[d] }
                return Double(x.data[ravel(i, shape)])
            }
            assertClose(y, outShape, ref, atol: 0, rtol: 0, "transpose \(shape) \(perm)")
        }
    }

    func testConcat() throws {
        var rng = SeededGenerator(seed: 41)
        for _ in 0..<25 {
            let rank = rng.int(1...4)
            let base = (0..<rank).map { _ in rng.int(1...4) }
            let axis = rng.int(0...(rank - 1))
            let parts = (0..<rng.int(1...3)).map { _ -> FloatTensor in
                var s = base
                s[axis] = rng.int(1...3)
                return rng.tensor(s)
            }
            let operands = parts.map { Operand($0, constant: rng.bool()) }
            var ops = operands
            if ops.allSatisfy(\.constant) { ops[0].constant = false }
            let y = try runSingle(.concat(axis: axis), ops)
            var outShape = base
            outShape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
            let ref = allIndices(outShape).map { o -> Double in
                var i = o
                for p in parts {
                    if i[axis] < p.shape[axis] { return Double(p.data[ravel(i, p.shape)]) }
                    i[axis] -= p.shape[axis]
                }
                return .nan
            }
            assertClose(y, outShape, ref, atol: 0, rtol: 0, "concat axis \(axis) \(parts.map(\.shape))")
        }
    }

    func testPadWithCrops() throws {
        var rng = SeededGenerator(seed: 42)
        var tested = 0
        while tested < 30 {
            let rank = rng.int(1...4)
            let shape = (0..<rank).map { _ in rng.int(1...5) }
            let pads = (0..<(2 * rank)).map { _ in rng.int(-2...2) }
            let outShape = (0..<rank).map { shape[$0] + pads[$0] + pads[$0 + rank] }
            if outShape.contains(where: { $0 < 1 }) { continue }
            let value: Float = rng.pick([0, 1.5, -2])
            let x = rng.tensor(shape)
            let y = try runSingle(.pad(PadAttributes(pads: pads, value: value)), [Operand(x)])
            let ref = allIndices(outShape).map { o -> Double in
                let i = (0..<rank).map { o[$0] - pads[$0] }
                if (0..<rank).allSatisfy({ i[$0] >= 0 && i[$0] < shape[$0] }) { return Double(x.data[ravel(i, shape)]) }
                return Double(value)
            }
            assertClose(y, outShape, ref, atol: 0, rtol: 0, "pad \(shape) \(pads)")
            tested += 1
        }
        let scalar = try runSingle(.pad(PadAttributes(pads: [], value: 3)), [Operand(FloatTensor(shape: [], data: [7]))])
        XCTAssertEqual(scalar, FloatTensor(shape: [], data: [7]))
    }

    func testReshape() throws {
        var rng = SeededGenerator(seed: 43)
        let x = rng.tensor([2, 3, 4])
        let y = try runSingle(.reshape(shape: [6, 4]), [Operand(x)])
        XCTAssertEqual(y, FloatTensor(shape: [6, 4], data: x.data))
    }

    func testReduceMean() throws {
        var rng = SeededGenerator(seed: 44)
        for _ in 0..<30 {
            let rank = rng.int(1...4)
            let shape = (0..<rank).map { _ in rng.int(1...4) }
            let axes = (0..<rank).filter { _ in rng.bool() }
            let keep = rng.bool()
            let x = rng.tensor(shape)
            let y = try runSingle(.reduceMean(axes: axes, keepDims: keep), [Operand(x)])
            let kept = (0..<rank).map { axes.contains($0) ? 1 : shape[$0] }
            var sums = [Double](repeating: 0, count: Shape.count(kept))
            for (flat, i) in allIndices(shape).enumerated() {
                let o = (0..<rank).map { axes.contains($0) ? 0 : i[$0] }
                sums[ravel(o, kept)] += Double(x.data[flat])
            }
            let divisor = Double(axes.reduce(1) { $0 * shape[$1] })
            let outShape = keep ? kept : (0..<rank).filter { !axes.contains($0) }.map { shape[$0] }
            assertClose(y, outShape, sums.map { $0 / divisor }, "reduceMean \(shape) \(axes) \(keep)")
        }
    }
}
