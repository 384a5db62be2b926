import Foundation
import XCTest
import MoteFixedPoint
import MoteTestSupport

final class QuantizeMultiplierTests: XCTestCase {
    /// A second implementation, deliberately different from the library's: it reads the IEEE-754 fields and
    /// rounds with integer arithmetic (53-bit significand → 31 bits, ties away from zero), then applies
    /// TFLite's post-processing.
    static func bitFieldQuantize(_ real: Double) -> (multiplier: Int32, shift: Int32)? {
        let bits = real.bitPattern
        if bits >> 63 == 1 && real != 0 { return nil }  // negative (also −NaN, −∞)
        let biased = Int((bits >> 52) & 0x7FF)
        let mantissa = bits & ((1 << 52) - 1)
        if biased == 0x7FF { return nil }                // NaN or +∞
        if biased == 0 {                                  // ±0, or subnormal: < 2^−1022, flushed like TFLite
            return (0, 0)
        }
        // real = (2^52 + mantissa) · 2^(biased − 1075) = fraction · 2^shift, fraction = (2^52+mantissa)/2^53.
        var shift = biased - 1022
        let significand = (UInt64(1) << 52) | mantissa
        // fraction · 2^31 = significand / 2^22: keep the top 31 bits, round on the 22 dropped ones.
        var q = significand >> 22
        if significand & ((1 << 22) - 1) >= 1 << 21 { q += 1 }
        if q == 1 << 31 { q >>= 1; shift += 1 }
        if shift < -31 { return (0, 0) }
        if shift > 30 { return (Int32.max, 30) }
        return (Int32(q), Int32(shift))
    }

    /// A third: Foundation's frexp and rounding, as TFLite writes it.
    static func frexpQuantize(_ real: Double) -> (multiplier: Int32, shift: Int32)? {
        guard real.isFinite, !(real < 0) else { return nil }
        if real == 0 { return (0, 0) }
        let (fraction, exp) = frexp(real)
        var shift = exp
        var q = Int64(Foundation.round(fraction * Double(Int64(1) << 31)))
        if q == Int64(1) << 31 { q /= 2; shift += 1 }
        if shift < -31 { return (0, 0) }
        if shift > 30 { return (Int32.max, 30) }
        return (Int32(q), Int32(shift))
    }

    private func assertQuantizes(_ real: Double, _ multiplier: Int32, _ shift: Int32,
                                 file: StaticString = #filePath, line: UInt = #line) {
        guard let q = FixedPoint.quantizeMultiplier(real) else {
            return XCTFail("\(real) refused", file: file, line: line)
        }
        XCTAssertEqual(q.multiplier, multiplier, "multiplier of \(real)", file: file, line: line)
        XCTAssertEqual(q.shift, shift, "shift of \(real)", file: file, line: line)
    }

    func testKnownValues() {
        assertQuantizes(0.5, 1 << 30, 0)
        assertQuantizes(1.0, 1 << 30, 1)
        assertQuantizes(0.25, 1 << 30, -1)
        assertQuantizes(0.75, 3 << 29, 0)
        assertQuantizes(0.1, 1_717_986_918, -3)            // 0.8·2^31 = 1717986918.4
        assertQuantizes(0.0035, 1_924_145_349, -8)        // typical conv requant scale
        assertQuantizes(0.5.nextDown, 1 << 30, 0)          // fraction 1 − 2^−53 rounds to 2^31: halved
    }

    func testRoundingUpToTwoToThe31HalvesAndBumpsShift() {
        // Just below a power of two the fraction rounds to 2^31: TFLite halves it and bumps the shift.
        assertQuantizes(1 - 0x1p-40, 1 << 30, 1)
        assertQuantizes(1 - 0x1p-33, 1 << 30, 1)
        assertQuantizes(1 - 0x1p-32, 1 << 30, 1)          // fraction·2^31 = 2^31 − 0.5: a tie, away from zero
        assertQuantizes(1 - 0x1p-31, Int32.max, 0)        // exactly 2^31 − 1: no rounding
        assertQuantizes(0x1p-10 * (1 - 0x1p-40), 1 << 30, -9)
    }

    func testTiesRoundAwayFromZero() {
        // fraction·2^31 = 2^30 + 0.5 exactly.
        assertQuantizes(0.5 + 0x1p-32, (1 << 30) + 1, 0)
        // 2^30 + 1.5 → 2^30 + 2 and 2^30 + 2.5 → 2^30 + 3 (not to even).
        assertQuantizes(0.5 + 3 * 0x1p-32, (1 << 30) + 2, 0)
        assertQuantizes(0.5 + 5 * 0x1p-32, (1 << 30) + 3, 0)
        // A value a hair below a tie rounds down.
        assertQuantizes((0.5 + 0x1p-32).nextDown, 1 << 30, 0)
    }

    func testTinyValuesFlushToZero() {
        assertQuantizes(0x1p-31, 1 << 30, -30)
        assertQuantizes(0x1p-32, 1 << 30, -31)             // smallest shift kept
        assertQuantizes(0x1p-32 * 1.5, 3 << 29, -31)
        assertQuantizes(0x1p-33 * 1.999, 0, 0)             // shift −32: flushed
        assertQuantizes(0x1p-33 * (2 - 0x1p-40), 1 << 30, -31) // rounds up into shift −31: kept
        assertQuantizes(0x1p-40, 0, 0)
        assertQuantizes(Double.leastNonzeroMagnitude, 0, 0)
        assertQuantizes(Double.leastNormalMagnitude, 0, 0)
    }

    func testLargeValuesSaturate() {
        assertQuantizes(0x1p29, 1 << 30, 30)
        assertQuantizes(0x1p30 * (1 - 0x1p-31), Int32.max, 30)
        assertQuantizes(0x1p30, Int32.max, 30)             // shift 31: clamped
        assertQuantizes(0x1p30 * (1 - 0x1p-40), Int32.max, 30) // rounds up into shift 31: clamped
        assertQuantizes(1e300, Int32.max, 30)
        assertQuantizes(Double.greatestFiniteMagnitude, Int32.max, 30)
    }

    func testZeroNegativeAndNonFinite() {
        assertQuantizes(0.0, 0, 0)
        assertQuantizes(-0.0, 0, 0)
        for bad in [-1.0, -Double.leastNonzeroMagnitude, -0.5, .infinity, -.infinity, .nan, -.nan,
                    .signalingNaN] {
            XCTAssertNil(FixedPoint.quantizeMultiplier(bad), "\(bad)")
            XCTAssertNil(Self.bitFieldQuantize(bad), "reference: \(bad)")
        }
    }

    func testSmallerThanOneExp() {
        XCTAssertNil(FixedPoint.quantizeMultiplierSmallerThanOneExp(0))
        XCTAssertNil(FixedPoint.quantizeMultiplierSmallerThanOneExp(1))
        XCTAssertNil(FixedPoint.quantizeMultiplierSmallerThanOneExp(1.5))
        XCTAssertNil(FixedPoint.quantizeMultiplierSmallerThanOneExp(-0.5))
        XCTAssertNil(FixedPoint.quantizeMultiplierSmallerThanOneExp(.nan))
        XCTAssertNil(FixedPoint.quantizeMultiplierSmallerThanOneExp(1 - 0x1p-40)) // rounds to shift +1
        XCTAssertEqual(FixedPoint.quantizeMultiplierSmallerThanOneExp(1 - 0x1p-31)?.shift, 0)
        XCTAssertEqual(FixedPoint.quantizeMultiplierSmallerThanOneExp(0.5)?.multiplier, 1 << 30)
        XCTAssertEqual(FixedPoint.quantizeMultiplierSmallerThanOneExp(0x1p-40)?.multiplier, 0)
    }

    /// Many reals, log-uniform over 2^−45 ... 2^35 plus values crafted next to powers of two and ties:
    /// all three implementations agree, the multiplier is in [2^30, 2^31) (or 0), and multiplier·2^(shift−31)
    /// is within 2^−31 (relative) of the real wherever the range is not clamped.
    func testAgreesWithIndependentImplementationsAndApproximates() {
        var rng = SeededGenerator(seed: 0x5175_616E_744D_756C)
        var reals: [Double] = []
        for _ in 0..<50_000 {
            reals.append(Foundation.pow(2, Double.random(in: -45...35, using: &rng)))
        }
        for p in -40...34 {
            let power = Foundation.pow(2.0, Double(p))
            reals += [power, power.nextDown, power.nextUp, power * (1 - 0x1p-32), power * (1 - 0x1p-31),
                      power * (1 + 0x1p-32), power * (1 + 3 * 0x1p-32), power * 0.75]
        }
        for _ in 0..<5_000 {
            // Exact ties: fraction·2^31 = k + 0.5.
            let k = Double(UInt32.random(in: (1 << 30)..<(1 << 31 - 1), using: &rng))
            let shift = Double(Int.random(in: -30...30, using: &rng))
            reals.append((k + 0.5) * Foundation.pow(2, shift - 31))
        }

        for real in reals {
            let q = FixedPoint.quantizeMultiplier(real)
            let r1 = Self.bitFieldQuantize(real), r2 = Self.frexpQuantize(real)
            guard let q, let r1, let r2 else {
                XCTFail("\(real) refused: \(String(describing: q)) \(String(describing: r1))")
                continue
            }
            XCTAssertTrue(q == r1 && q == r2, "\(real): \(q) vs bit fields \(r1) vs frexp \(r2)")
            if q.multiplier == 0 {
                XCTAssertEqual(q.shift, 0)
                XCTAssertLessThan(real, 0x1p-32, "\(real) flushed to zero")
                continue
            }
            XCTAssertGreaterThanOrEqual(q.multiplier, 1 << 30, "\(real)")
            XCTAssertTrue((-31...30).contains(q.shift), "\(real)")
            if q.multiplier == Int32.max && q.shift == 30 && real >= 0x1p30 * (1 - 0x1p-32) { continue } // clamped
            let approx = Double(q.multiplier) * Foundation.pow(2, Double(q.shift) - 31)
            XCTAssertLessThanOrEqual(abs(approx - real), real * 0x1p-31, "\(real) ≈ \(approx)")
        }
    }
}
