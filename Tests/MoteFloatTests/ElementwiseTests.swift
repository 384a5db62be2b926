import Foundation
import MoteFloat
import MoteIR
import XCTest
import MoteTestSupport

final class ElementwiseTests: XCTestCase {
    func referenceBinary(_ op: BinaryOp, _ a: FloatTensor, _ b: FloatTensor) -> ([Int], [Double]) {
        let rank = max(a.shape.count, b.shape.count)
        var out: [Int] = []
        for d in 0..<rank {
            let da = d < rank - a.shape.count ? 1 : a.shape[d - (rank - a.shape.count)]
            let db = d < rank - b.shape.count ? 1 : b.shape[d - (rank - b.shape.count)]
            out.append(max(da, db))
        }
        let data = allIndices(out).map { i -> Double in
            let x = Double(a.data[broadcastSource(i, a.shape)]), y = Double(b.data[broadcastSource(i, b.shape)])
            switch op {
            case .add: return x + y
            case .sub: return x - y
            case .mul: return x * y
            case .div: return x / y
            }
        }
        return (out, data)
    }

    func testBinaryBroadcasting() throws {
        var rng = SeededGenerator(seed: 30)
        let pairs: [([Int], [Int])] = [
            ([2, 3, 4], [2, 3, 4]), ([2, 3, 4], []), ([], [5]), ([1], [3, 4]), ([1, 16, 5, 5], [1, 16, 1, 1]),
            ([16, 1, 1], [2, 16, 3, 3]), ([3, 1], [1, 4]), ([2, 1, 4, 1], [3, 1, 5]), ([1, 10], [10]), ([4, 5], [4, 1]),
            ([2, 3, 1, 5], [1, 3, 4, 5]), ([1, 1, 1], [1]), ([7, 1, 9], [7, 8, 1]),
        ]
        for (sa, sb) in pairs {
            for op in BinaryOp.allCases {
                let a = rng.tensor(sa)
                var b = rng.tensor(sb, 0.5...1.5)
                b.data = b.data.map { rng.bool() ? $0 : -$0 }
                for constant in [false, true] {
                    let y = try runSingle(.binary(op), [Operand(a), Operand(b, constant: constant)])
                    let ref = referenceBinary(op, a, b)
                    assertClose(y, ref.0, ref.1, "\(op) \(sa) \(sb)")
                    let z = try runSingle(.binary(op), [Operand(b, constant: constant), Operand(a)])
                    let refZ = referenceBinary(op, b, a)
                    assertClose(z, refZ.0, refZ.1, atol: 1e-4, "\(op) \(sb) \(sa)")
                }
            }
        }
    }

    func testActivations() throws {
        var rng = SeededGenerator(seed: 31)
        var x = rng.tensor([2, 3, 37], -6...6)
        x.data[0] = 100; x.data[1] = -100; x.data[2] = 0; x.data[3] = -0.0; x.data[4] = 3; x.data[5] = -3; x.data[6] = 89; x.data[7] = -89
        func sigmoid(_ v: Double) -> Double { 1 / (1 + Foundation.exp(-v)) }
        let cases: [(Activation, (Double) -> Double)] = [
            (.relu, { max($0, 0) }),
            (.leakyRelu(alpha: 0.1), { $0 < 0 ? 0.1 * $0 : $0 }),
            (.sigmoid, sigmoid),
            (.tanh, { Foundation.tanh($0) }),
            (.hardSigmoid(alpha: 0.2, beta: 0.5), { max(0, min(1, 0.2 * $0 + 0.5)) }),
            (.hardSwish, { $0 * max(0, min(1, $0 / 6 + 0.5)) }),
        ]
        for (activation, f) in cases {
            let y = try runSingle(.activation(activation), [Operand(x)])
            assertClose(y, x.shape, x.data.map { f(Double($0)) }, atol: 1e-6, rtol: 1e-6, "\(activation)")
            XCTAssertFalse(y.data.contains { $0.isNaN }, "\(activation)")
        }
    }

    func testClip() throws {
        var rng = SeededGenerator(seed: 32)
        let x = rng.tensor([3, 17], -3...3)
        let bounds: [(Float, Float)] = [(-1, 1), (0, 6), (-.infinity, 0.5), (-0.5, .infinity), (-.infinity, .infinity), (2, 1)]
        for (lo, hi) in bounds {
            for constant in [true, false] {
                let y = try runSingle(.clip, [Operand(x), Operand(FloatTensor(shape: [], data: [lo]), constant: constant),
                                              Operand(FloatTensor(shape: [1], data: [hi]), constant: constant)])
                assertClose(y, x.shape, x.data.map { Double(min(max($0, lo), hi)) }, atol: 0, rtol: 0, "clip \(lo) \(hi)")
            }
        }
    }

    func testBatchNormalization() throws {
        var rng = SeededGenerator(seed: 33)
        for shape in [[4, 3], [2, 3, 5], [2, 4, 3, 3], [1, 2, 2, 2, 3]] {
            let c = shape[1]
            let x = rng.tensor(shape), scale = rng.tensor([c]), bias = rng.tensor([c]), mean = rng.tensor([c])
            let variance = rng.tensor([c], 0.1...2)
            let eps: Float = 1e-3
            let inner = Shape.count(Array(shape[2...]))
            let ref = (0..<x.data.count).map { i -> Double in
                let ch = (i / inner) % c
                return Double(scale.data[ch]) * (Double(x.data[i]) - Double(mean.data[ch])) / (Double(variance.data[ch]) + Double(eps)).squareRoot()
                    + Double(bias.data[ch])
            }
            for constant in [true, false] {
                let y = try runSingle(.batchNormalization(epsilon: eps), [Operand(x)] + [scale, bias, mean, variance].map { Operand($0, constant: constant) })
                assertClose(y, shape, ref, "batchnorm \(shape)")
            }
        }
    }

    func referenceSoftmax(_ x: FloatTensor, axis: Int, coerce: Bool) -> [Double] {
        let shape = x.shape
        var out = [Double](repeating: 0, count: x.data.count)
        // Groups of indices normalised together.
        var groups: [[Int]: [Int]] = [:]
        for (flat, i) in allIndices(shape).enumerated() {
            var key = i
            if coerce { key = Array(i[..<axis]) } else if axis < i.count { key[axis] = -1 }
            groups[key, default: []].append(flat)
        }
        for members in groups.values {
            let m = members.map { Double(x.data[$0]) }.max() ?? 0
            let sum = members.reduce(0.0) { $0 + Foundation.exp(Double(x.data[$1]) - m) }
            for f in members { out[f] = Foundation.exp(Double(x.data[f]) - m) / sum }
        }
        return out
    }

    func testSoftmaxBothSemantics() throws {
        var rng = SeededGenerator(seed: 34)
        for shape in [[10], [1, 10], [3, 4], [2, 3, 4], [2, 3, 4, 5], []] {
            for axis in 0..<max(shape.count, 1) {
                for coerce in [false, true] {
                    var x = rng.tensor(shape, -5...5)
                    if !x.data.isEmpty { x.data[0] = 80 }
                    let y = try runSingle(.softmax(SoftmaxAttributes(axis: axis, coerceTo2D: coerce)), [Operand(x)])
                    assertClose(y, shape, referenceSoftmax(x, axis: axis, coerce: coerce), atol: 1e-6, "softmax \(shape) axis \(axis) coerce \(coerce)")
                }
            }
        }
    }
}
