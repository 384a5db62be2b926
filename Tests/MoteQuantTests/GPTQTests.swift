import Foundation
import MoteFloat
import MoteInteger
import MoteIR
@testable import MoteQuant
import MoteTestSupport
import XCTest

/// Error-compensating rounding and second-order pruning, on synthetic layers whose output error the tests
/// compute themselves (‖X·(W − Ŵ)ᵀ‖² with X and W made here), and through the whole quantizer.
final class GPTQTests: XCTestCase {
    // MARK: synthetic layers

    private func gaussian(_ g: inout SeededGenerator) -> Double {
        let u1 = max(Double(g.next() >> 11) / Double(1 << 53), 1e-300), u2 = Double(g.next() >> 11) / Double(1 << 53)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// X [rows, k] with strongly correlated columns: x = z·A + 0.05·noise with z of dimension 4 and a fixed A,
    /// so a layer's rounding errors can cancel across columns.
    private func correlatedInputs(rows: Int, columns k: Int, seed: UInt64) -> [Double] {
        var a = SeededGenerator(seed: 1)
        let mix = (0..<(4 * k)).map { _ in gaussian(&a) }
        var g = SeededGenerator(seed: seed)
        var x = [Double](repeating: 0, count: rows * k)
        for r in 0..<rows {
            let z = (0..<4).map { _ in gaussian(&g) }
            for j in 0..<k {
                var v = 0.05 * gaussian(&g)
                for t in 0..<4 { v += z[t] * mix[t * k + j] }
                x[r * k + j] = v
            }
        }
        return x
    }

    private func randomWeights(_ count: Int, seed: UInt64) -> [Float] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float(gaussian(&g)) }
    }

    /// |w| in [0.3, 1] with random signs.
    private func awayFromZero(_ count: Int, seed: UInt64) -> [Float] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let magnitude = 0.3 + 0.7 * Float(g.next() % 1000) / 999
            return g.next() % 2 == 0 ? magnitude : -magnitude
        }
    }

    /// H = 2XᵀX/rows: what the quantizer builds from a layer's inputs.
    private func statistics(_ x: [Double], rows: Int, columns k: Int) -> LayerInputStatistics {
        var h = [Double](repeating: 0, count: k * k)
        for r in 0..<rows { for i in 0..<k { for j in 0..<k { h[i * k + j] += 2 * x[r * k + i] * x[r * k + j] / Double(rows) } } }
        let means = (0..<k).map { j in (0..<rows).reduce(0.0) { $0 + x[$1 * k + j] } / Double(rows) }
        return LayerInputStatistics(columns: k, hessians: [h], means: [means], rows: rows)
    }

    /// ‖X·(W − Ŵ)ᵀ‖²: the layer's output error.
    private func outputError(_ x: [Double], rows: Int, columns k: Int, _ w: [Float], _ values: [Int8], _ scales: [Double]) -> Double {
        let m = scales.count
        var e = 0.0
        for r in 0..<rows {
            for c in 0..<m {
                var d = 0.0
                for j in 0..<k { d += x[r * k + j] * (Double(w[c * k + j]) - Double(values[c * k + j]) * scales[c]) }
                e += d * d
            }
        }
        return e
    }

    /// Plain rounding: max-abs scale per channel, half away from zero, clamped to ±top.
    private func nearest(_ w: [Float], channels m: Int, top: Int) -> (values: [Int8], scales: [Double]) {
        let k = w.count / m
        var values = [Int8](repeating: 0, count: w.count), scales = [Double](repeating: 1, count: m)
        for c in 0..<m {
            let maxAbs = (0..<k).map { Double(abs(w[c * k + $0])) }.max() ?? 0
            scales[c] = maxAbs > 0 ? maxAbs / Double(top) : 1
            for j in 0..<k {
                values[c * k + j] = Int8(max(-Double(top), min(Double(top), (Double(w[c * k + j]) / scales[c]).rounded(.toNearestOrAwayFromZero))))
            }
        }
        return (values, scales)
    }

    // MARK: GPTQ and SparseGPT on one layer

    func testGPTQBeatsNearestOnCorrelatedInputsAtInt4() throws {
        let m = 16, k = 64, n = 2048
        let x = correlatedInputs(rows: n, columns: k, seed: 2), held = correlatedInputs(rows: n, columns: k, seed: 3)
        let w = randomWeights(m * k, seed: 4)
        let q = try XCTUnwrap(GPTQ.quantizeLayer(w, channels: m, statistics: statistics(x, rows: n, columns: k), bits: .int4, pruneTarget: 0))
        XCTAssertTrue(q.values.allSatisfy { (-7...7).contains($0) })
        let plain = nearest(w, channels: m, top: 7)
        let gptq = outputError(x, rows: n, columns: k, w, q.values, q.scales)
        let base = outputError(x, rows: n, columns: k, w, plain.values, plain.scales)
        XCTAssertLessThan(gptq, 0.5 * base, "calibration rows")
        // The gain is not an artefact of the calibration rows: fresh rows of the same distribution agree.
        XCTAssertLessThan(outputError(held, rows: n, columns: k, w, q.values, q.scales),
                          0.5 * outputError(held, rows: n, columns: k, w, plain.values, plain.scales), "held-out rows")
    }

    func testSparseGPTBeatsMagnitudePruningAtHalf() throws {
        let m = 16, k = 64, n = 2048
        let x = correlatedInputs(rows: n, columns: k, seed: 5)
        let w = randomWeights(m * k, seed: 6)
        let target = w.count / 2
        let q = try XCTUnwrap(GPTQ.quantizeLayer(w, channels: m, statistics: statistics(x, rows: n, columns: k), bits: .int8, pruneTarget: target))
        XCTAssertGreaterThanOrEqual(q.values.filter { $0 == 0 }.count, target)
        // Magnitude pruning: the half with the smallest |w| goes, the rest rounds to nearest.
        var plain = nearest(w, channels: m, top: 127)
        for i in w.indices.sorted(by: { abs(w[$0]) < abs(w[$1]) }).prefix(target) { plain.values[i] = 0 }
        XCTAssertLessThan(outputError(x, rows: n, columns: k, w, q.values, q.scales),
                          0.5 * outputError(x, rows: n, columns: k, w, plain.values, plain.scales))
    }

    func testPruneCountsAreExact() throws {
        let m = 8, k = 48, n = 512
        let x = correlatedInputs(rows: n, columns: k, seed: 7)
        let stats = statistics(x, rows: n, columns: k)
        // Plain int8 rounding never gives 0 here, so every zero is a pruned weight.
        let w = awayFromZero(m * k, seed: 8)
        for ratio in [0.1, 0.25, 0.5, 0.77, 0.9, 1.0] {
            let target = Int((ratio * Double(w.count)).rounded(.down))
            let q = try XCTUnwrap(GPTQ.quantizeLayer(w, channels: m, statistics: stats, bits: .int8, pruneTarget: target))
            let zeros = q.values.filter { $0 == 0 }.count
            XCTAssertGreaterThanOrEqual(zeros, target, "gptq \(ratio)")
            XCTAssertLessThanOrEqual(zeros, target + w.count / 50, "gptq \(ratio): rounding adds few zeros")
            var magnitude = QuantizedWeights(w, channels: m, bits: .int8)
            magnitude.pruneByMagnitude(w, target: target)
            XCTAssertEqual(magnitude.values.filter { $0 == 0 }.count, target, "magnitude \(ratio)")
        }
        let all = try XCTUnwrap(GPTQ.quantizeLayer(w, channels: m, statistics: stats, bits: .int4, pruneTarget: w.count))
        XCTAssertTrue(all.values.allSatisfy { $0 == 0 })
        XCTAssertEqual(all.scales, [Double](repeating: 1, count: m), "all-zero channels get scale 1")
    }

    func testFullyPrunedChannel() throws {
        let m = 6, k = 64, n = 1024
        let x = correlatedInputs(rows: n, columns: k, seed: 9)
        var w = awayFromZero(m * k, seed: 10)
        for j in 0..<k { w[3 * k + j] *= 1e-4 }  // channel 3 is by far the cheapest to remove
        let q = try XCTUnwrap(GPTQ.quantizeLayer(w, channels: m, statistics: statistics(x, rows: n, columns: k), bits: .int8, pruneTarget: k))
        XCTAssertTrue(q.values[(3 * k)..<(4 * k)].allSatisfy { $0 == 0 })
        XCTAssertEqual(q.scales[3], 1)
        XCTAssertTrue(q.values[0..<(3 * k)].contains { $0 != 0 })
        var magnitude = QuantizedWeights(w, channels: m, bits: .int8)
        magnitude.pruneByMagnitude(w, target: k)
        XCTAssertTrue(magnitude.values[(3 * k)..<(4 * k)].allSatisfy { $0 == 0 })
        XCTAssertEqual(magnitude.scales[3], 1)
    }

    // MARK: the factorization and degenerate inputs

    func testFactorIsTheCholeskyOfTheDampedInverse() throws {
        let k = 12, n = 200
        let x = correlatedInputs(rows: n, columns: k, seed: 11)
        let h = statistics(x, rows: n, columns: k).hessians[0]
        let f = try XCTUnwrap(GPTQ.factor(hessian: h, columns: k))
        let meanDiagonal = (0..<k).reduce(0.0) { $0 + h[$1 * k + $1] } / Double(k)
        for i in 0..<k {
            for j in 0..<i { XCTAssertEqual(f.u[i * k + j], 0, "upper triangular") }
            XCTAssertGreaterThan(f.u[i * k + i], 0)
        }
        // (UᵀU)(H + 0.01·mean(diag H)·I) = I.
        for i in 0..<k {
            for j in 0..<k {
                var s = 0.0
                for t in 0..<k {
                    var utu = 0.0
                    for r in 0..<k { utu += f.u[r * k + i] * f.u[r * k + t] }
                    s += utu * (h[t * k + j] + (t == j ? 0.01 * meanDiagonal : 0))
                }
                XCTAssertEqual(s, i == j ? 1 : 0, accuracy: 1e-8, "(\(i), \(j))")
            }
        }
    }

    func testDegenerateHessians() throws {
        let m = 4, k = 10, n = 300
        var x = correlatedInputs(rows: n, columns: k, seed: 12)
        for r in 0..<n { x[r * k + 3] = 0 }  // an input that is zero on every calibration row
        let w = randomWeights(m * k, seed: 13)
        let q = try XCTUnwrap(GPTQ.quantizeLayer(w, channels: m, statistics: statistics(x, rows: n, columns: k), bits: .int4, pruneTarget: 0))
        for c in 0..<m {
            // The dead column's weight is kept: rounded at the channel's scale, untouched by other columns' errors.
            let expected = max(-7, min(7, (Double(w[c * k + 3]) / q.scales[c]).rounded(.toNearestOrAwayFromZero)))
            XCTAssertEqual(Double(q.values[c * k + 3]), expected)
        }
        let zero = LayerInputStatistics(columns: k, hessians: [[Double](repeating: 0, count: k * k)],
                                        means: [[Double](repeating: 0, count: k)], rows: 1)
        let allDead = try XCTUnwrap(GPTQ.quantizeLayer(w, channels: m, statistics: zero, bits: .int4, pruneTarget: 5))
        XCTAssertTrue(allDead.values.allSatisfy { (-7...7).contains($0) })
        XCTAssertGreaterThanOrEqual(allDead.values.filter { $0 == 0 }.count, 5)
        XCTAssertNil(GPTQ.factor(hessian: [1, 100, 100, 1], columns: 2), "indefinite beyond every damping")
        XCTAssertNotNil(GPTQ.factor(hessian: [1, 1.05, 1.05, 1], columns: 2), "indefinite, fixed by more damping")
        XCTAssertNil(GPTQ.factor(hessian: [1, .nan, .nan, 1], columns: 2))
        XCTAssertNil(GPTQ.quantizeLayer(w, channels: m, statistics: LayerInputStatistics(
            columns: k, hessians: [[Double](repeating: .infinity, count: k * k)], means: [[Double](repeating: 0, count: k)], rows: 1),
                                        bits: .int8, pruneTarget: 0))
    }

    func testRowSubsampleIsDistinctSortedAndDeterministic() {
        let rows = QuantizedActivations.sampleRows(total: 10_000, count: 700)
        XCTAssertEqual(rows.count, 700)
        XCTAssertEqual(rows, rows.sorted())
        XCTAssertEqual(Set(rows).count, 700)
        XCTAssertTrue(rows.allSatisfy { (0..<10_000).contains($0) })
        XCTAssertEqual(rows, QuantizedActivations.sampleRows(total: 10_000, count: 700))
        XCTAssertEqual(QuantizedActivations.sampleRows(total: 5, count: 5), [0, 1, 2, 3, 4])
    }
}
