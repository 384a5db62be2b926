import Foundation
import XCTest
import MoteFixedPoint
import MoteTestSupport

/// The primitives against references written differently: wide-integer arithmetic stating the rounding rule
/// directly instead of gemmlowp's masks and nudges.
final class ArithmeticReferenceTests: XCTestCase {
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0) && ((a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Nearest integer to a·b / 2^31 with ties toward +∞ (floor(v + 1/2)), saturated to Int32.
    static func referenceSRDHM(_ a: Int32, _ b: Int32) -> Int32 {
        Int32(clamping: floorDiv(Int64(a) * Int64(b) + (1 << 30), 1 << 31))
    }

    /// Nearest integer to x / 2^e, ties away from zero, by sign and magnitude.
    static func referenceRDBPOT(_ x: Int32, _ e: Int32) -> Int32 {
        if e == 0 { return x }
        let magnitude = abs(Int64(x))
        let rounded = (magnitude + (1 << Int64(e - 1))) >> Int64(e)
        return Int32(x < 0 ? -rounded : rounded)
    }

    static func referenceMBQM(_ x: Int32, _ m: Int32, _ s: Int32) -> Int32 {
        let left = max(s, 0), right = max(-s, 0)
        let shifted = Int32(truncatingIfNeeded: Int64(x) << Int64(left))  // int32 product wraps
        return referenceRDBPOT(referenceSRDHM(shifted, m), right)
    }

    /// Nearest integer to sum / count, ties away from zero, by quotient and remainder.
    static func referenceRoundedDivide(_ sum: Int32, _ count: Int32) -> Int32 {
        let magnitude = abs(Int64(sum)), c = Int64(count)
        var q = magnitude / c
        if 2 * (magnitude % c) >= c { q += 1 }
        return Int32(sum < 0 ? -q : q)
    }

    func testSRDHM() {
        for a in edgeInt32 + edgeMultipliers {
            for b in edgeInt32 + edgeMultipliers {
                XCTAssertEqual(FixedPoint.saturatingRoundingDoublingHighMul(a, b), Self.referenceSRDHM(a, b), "\(a)·\(b)")
            }
        }
        XCTAssertEqual(FixedPoint.saturatingRoundingDoublingHighMul(.min, .min), .max)
        XCTAssertEqual(FixedPoint.saturatingRoundingDoublingHighMul(.min, .max), -Int32.max)
        // Ties: ±k.5 goes toward +∞ (ARM VQRDMULH), not away from zero.
        XCTAssertEqual(FixedPoint.saturatingRoundingDoublingHighMul(1, 1 << 30), 1)    // 0.5 → 1
        XCTAssertEqual(FixedPoint.saturatingRoundingDoublingHighMul(-1, 1 << 30), 0)   // −0.5 → 0
        XCTAssertEqual(FixedPoint.saturatingRoundingDoublingHighMul(3, 1 << 30), 2)    // 1.5 → 2
        XCTAssertEqual(FixedPoint.saturatingRoundingDoublingHighMul(-3, 1 << 30), -1)  // −1.5 → −1
        XCTAssertEqual(FixedPoint.saturatingRoundingDoublingHighMul(-5, 1 << 29), -1)  // −1.25 → −1
        XCTAssertEqual(FixedPoint.saturatingRoundingDoublingHighMul(-7, 1 << 29), -2)  // −1.75 → −2

        var rng = SeededGenerator(seed: 11)
        for _ in 0..<50_000 {
            let a = rng.nextInt32(), b = rng.nextInt32()
            let got = FixedPoint.saturatingRoundingDoublingHighMul(a, b)
            XCTAssertEqual(got, Self.referenceSRDHM(a, b), "\(a)·\(b)")
            if !(a == .min && b == .min) {
                XCTAssertLessThanOrEqual(abs(Double(got) - Double(a) * Double(b) / 0x1p31), 0.5 + 1e-6)
            }
        }
    }

    func testRDBPOT() {
        for x in edgeInt32 {
            for e: Int32 in 0...31 {
                XCTAssertEqual(FixedPoint.roundingDivideByPOT(x, e), Self.referenceRDBPOT(x, e), "\(x) / 2^\(e)")
            }
            // Outside gemmlowp's domain the exponent is clamped.
            XCTAssertEqual(FixedPoint.roundingDivideByPOT(x, -5), x)
            XCTAssertEqual(FixedPoint.roundingDivideByPOT(x, 40), FixedPoint.roundingDivideByPOT(x, 31))
        }
        // Exact ties ±(2k+1)·2^(e−1) go away from zero.
        for e: Int32 in 1...31 {
            for k: Int64 in [0, 1, 2, 5, 1000] {
                let tie = (2 * k + 1) << Int64(e - 1)
                guard tie <= Int64(Int32.max) else { continue }
                XCTAssertEqual(Int64(FixedPoint.roundingDivideByPOT(Int32(tie), e)), k + 1, "+tie e=\(e) k=\(k)")
                XCTAssertEqual(Int64(FixedPoint.roundingDivideByPOT(Int32(-tie), e)), -(k + 1), "−tie e=\(e) k=\(k)")
                XCTAssertEqual(Int64(FixedPoint.roundingDivideByPOT(Int32(tie - 1), e)), k, "below +tie")
                XCTAssertEqual(Int64(FixedPoint.roundingDivideByPOT(Int32(-tie + 1), e)), -k, "above −tie")
            }
        }
        XCTAssertEqual(FixedPoint.roundingDivideByPOT(.min, 31), -1)
        XCTAssertEqual(FixedPoint.roundingDivideByPOT(.max, 31), 1)
        XCTAssertEqual(FixedPoint.roundingDivideByPOT(-(1 << 30), 31), -1)   // −0.5 → −1
        XCTAssertEqual(FixedPoint.roundingDivideByPOT(1 << 30, 31), 1)       // +0.5 → 1
        XCTAssertEqual(FixedPoint.roundingDivideByPOT((1 << 30) - 1, 31), 0)

        var rng = SeededGenerator(seed: 12)
        for _ in 0..<50_000 {
            let x = rng.nextInt32(), e = Int32.random(in: 0...31, using: &rng)
            XCTAssertEqual(FixedPoint.roundingDivideByPOT(x, e), Self.referenceRDBPOT(x, e), "\(x) / 2^\(e)")
        }
    }

    func testMBQM() {
        // Known answers, including TFLM's double rounding: 5 · 0.5 · 2^−1 = 1.25, but SRDHM gives round(2.5) = 3
        // and RDBPOT gives round(1.5) = 2.
        XCTAssertEqual(FixedPoint.multiplyByQuantizedMultiplier(100, 1 << 30, 0), 50)
        XCTAssertEqual(FixedPoint.multiplyByQuantizedMultiplier(5, 1 << 30, -1), 2)
        XCTAssertEqual(FixedPoint.multiplyByQuantizedMultiplier(-3, 1 << 30, 0), -1)
        XCTAssertEqual(FixedPoint.multiplyByQuantizedMultiplier(1000, 1 << 30, 2), 2000)
        XCTAssertEqual(FixedPoint.multiplyByQuantizedMultiplier(Int32.max, Int32.max, 0), Int32.max - 1)
        // x·2^left wraps in int32 as in TFLite: 2^30 · 2^2 = 2^32 ≡ 0.
        XCTAssertEqual(FixedPoint.multiplyByQuantizedMultiplier(1 << 30, 1 << 30, 2), 0)
        // Shifts outside −31...30 are clamped.
        XCTAssertEqual(FixedPoint.multiplyByQuantizedMultiplier(12345, 1 << 30, -40),
                       FixedPoint.multiplyByQuantizedMultiplier(12345, 1 << 30, -31))
        XCTAssertEqual(FixedPoint.multiplyByQuantizedMultiplier(3, 1 << 30, 35),
                       FixedPoint.multiplyByQuantizedMultiplier(3, 1 << 30, 30))

        for x in edgeInt32 {
            for m in edgeMultipliers {
                for s: Int32 in -31...30 {
                    XCTAssertEqual(FixedPoint.multiplyByQuantizedMultiplier(x, m, s), Self.referenceMBQM(x, m, s),
                                   "mbqm(\(x), \(m), \(s))")
                }
            }
        }
        var rng = SeededGenerator(seed: 13)
        for _ in 0..<50_000 {
            let x = rng.nextInt32(), m = Int32.random(in: (1 << 30)...Int32.max, using: &rng)
            let s = Int32.random(in: -31...30, using: &rng)
            let got = FixedPoint.multiplyByQuantizedMultiplier(x, m, s)
            XCTAssertEqual(got, Self.referenceMBQM(x, m, s), "mbqm(\(x), \(m), \(s))")
            // Where nothing wraps or saturates, double rounding stays within 1 of the exact product.
            let exact = Double(x) * Double(m) * Foundation.pow(2, Double(s) - 31)
            let shiftedFits = s <= 0 || abs(Int64(x) << Int64(s)) <= Int64(Int32.max)
            if shiftedFits && abs(exact) < 0x1p31 - 2 {
                XCTAssertLessThanOrEqual(abs(Double(got) - exact), 1 + 1e-6, "mbqm(\(x), \(m), \(s))")
            }
        }
    }

    func testRequantize() {
        let m = Int32(1 << 30)  // 0.5 with shift 0
        XCTAssertEqual(FixedPoint.requantize(acc: 100, multiplier: m, shift: 0, outputZeroPoint: -3, min: -128, max: 127), 47)
        XCTAssertEqual(FixedPoint.requantize(acc: 1000, multiplier: m, shift: 0, outputZeroPoint: 0, min: -128, max: 127), 127)
        XCTAssertEqual(FixedPoint.requantize(acc: -1000, multiplier: m, shift: 0, outputZeroPoint: 0, min: -128, max: 127), -128)
        XCTAssertEqual(FixedPoint.requantize(acc: -10, multiplier: m, shift: 0, outputZeroPoint: -128, min: -128, max: 127), -128)
        // ReLU6-style bounds.
        XCTAssertEqual(FixedPoint.requantize(acc: -10, multiplier: m, shift: 0, outputZeroPoint: 0, min: 0, max: 6), 0)
        XCTAssertEqual(FixedPoint.requantize(acc: 100, multiplier: m, shift: 0, outputZeroPoint: 0, min: 0, max: 6), 6)
        // min > max: TFLite's min(max(v, lo), hi) gives hi.
        XCTAssertEqual(FixedPoint.requantize(acc: 0, multiplier: m, shift: 0, outputZeroPoint: 0, min: 10, max: -10), -10)
        // The zero point is added without int32 overflow: a saturated positive value stays at the top.
        XCTAssertEqual(FixedPoint.requantize(acc: .max, multiplier: .max, shift: 0, outputZeroPoint: .max, min: -128, max: 127), 127)
        XCTAssertEqual(FixedPoint.requantize(acc: .min, multiplier: .max, shift: 0, outputZeroPoint: .min, min: -128, max: 127), -128)

        var rng = SeededGenerator(seed: 14)
        for _ in 0..<20_000 {
            let acc = rng.nextInt32(), mult = Int32.random(in: (1 << 30)...Int32.max, using: &rng)
            let s = Int32.random(in: -31...30, using: &rng), zp = Int32.random(in: -128...127, using: &rng)
            let lo = Int8.random(in: -128...0, using: &rng), hi = Int8.random(in: 0...127, using: &rng)
            let expected = min(max(Int64(Self.referenceMBQM(acc, mult, s)) + Int64(zp), Int64(lo)), Int64(hi))
            XCTAssertEqual(Int64(FixedPoint.requantize(acc: acc, multiplier: mult, shift: s, outputZeroPoint: zp,
                                                       min: lo, max: hi)), expected)
        }
    }

    func testSaturateToInt8() {
        for x: Int32 in -1000...1000 {
            XCTAssertEqual(Int32(FixedPoint.saturateToInt8(x)), min(max(x, -128), 127))
        }
        XCTAssertEqual(FixedPoint.saturateToInt8(.min), -128)
        XCTAssertEqual(FixedPoint.saturateToInt8(.max), 127)
    }

    func testRoundedDivide() {
        // Ties away from zero, as TFLM's average pool.
        XCTAssertEqual(FixedPoint.roundedDivide(1, by: 2), 1)
        XCTAssertEqual(FixedPoint.roundedDivide(-1, by: 2), -1)
        XCTAssertEqual(FixedPoint.roundedDivide(3, by: 2), 2)
        XCTAssertEqual(FixedPoint.roundedDivide(-3, by: 2), -2)
        XCTAssertEqual(FixedPoint.roundedDivide(5, by: 4), 1)
        XCTAssertEqual(FixedPoint.roundedDivide(-6, by: 4), -2)
        XCTAssertEqual(FixedPoint.roundedDivide(-5, by: 4), -1)
        XCTAssertEqual(FixedPoint.roundedDivide(4, by: 3), 1)
        XCTAssertEqual(FixedPoint.roundedDivide(5, by: 3), 2)
        XCTAssertEqual(FixedPoint.roundedDivide(-127 * 9, by: 9), -127)
        XCTAssertEqual(FixedPoint.roundedDivide(.max, by: 1), .max)
        XCTAssertEqual(FixedPoint.roundedDivide(.min, by: 1), .min)
        XCTAssertEqual(FixedPoint.roundedDivide(.max, by: 2), 1 << 30)   // TFLite's int32 sum + 1 would overflow
        XCTAssertEqual(FixedPoint.roundedDivide(.min, by: 2), -(1 << 30))
        // count ≤ 0 is defined as 0 (TFLM reports an error).
        XCTAssertEqual(FixedPoint.roundedDivide(10, by: 0), 0)
        XCTAssertEqual(FixedPoint.roundedDivide(10, by: -3), 0)

        for sum: Int32 in -2000...2000 {
            for count: Int32 in 1...20 {
                XCTAssertEqual(FixedPoint.roundedDivide(sum, by: count), Self.referenceRoundedDivide(sum, count),
                               "\(sum) / \(count)")
            }
        }
        var rng = SeededGenerator(seed: 15)
        for _ in 0..<20_000 {
            let sum = rng.nextInt32(), count = Int32.random(in: 1...Int32.max, using: &rng)
            XCTAssertEqual(FixedPoint.roundedDivide(sum, by: count), Self.referenceRoundedDivide(sum, count))
        }
    }
}
