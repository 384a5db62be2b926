import Foundation
import XCTest
import MoteFixedPoint

final class AddTests: XCTestCase {
    func testParametersOfASimpleConfiguration() throws {
        // s1 = 0.5, s2 = 0.25, s_out = 1: twice_max = 1, real multipliers 0.5, 0.25 and 2^−20.
        let p = try XCTUnwrap(FixedPoint.addParameters(
            input1Scale: 0.5, input1ZeroPoint: 0, input2Scale: 0.25, input2ZeroPoint: 10,
            outputScale: 1.0, outputZeroPoint: -5))
        XCTAssertEqual(p, FixedPoint.AddParameters(
            input1Offset: 0, input2Offset: -10, outputOffset: -5, leftShift: 20,
            input1Multiplier: 1 << 30, input1Shift: 0, input2Multiplier: 1 << 30, input2Shift: -1,
            outputMultiplier: 1 << 30, outputShift: -19, activationMin: -128, activationMax: 127))
    }

    func testHandCheckedExamples() throws {
        let p = try XCTUnwrap(FixedPoint.addParameters(
            input1Scale: 0.5, input1ZeroPoint: 0, input2Scale: 0.25, input2ZeroPoint: 10,
            outputScale: 1.0, outputZeroPoint: -5))
        // 0.5·20 + 0.25·(30 − 10) = 15 → 15 − 5 = 10.
        XCTAssertEqual(FixedPoint.add(20, 30, p), 10)
        // 0.5·(−7) + 0.25·(−3 − 10) = −3.5 − 3.25 = −6.75 → −7 → −12.
        XCTAssertEqual(FixedPoint.add(-7, -3, p), -12)
        // 0.5·127 + 0.25·117 = 92.75 → 93 → 88.
        XCTAssertEqual(FixedPoint.add(127, 127, p), 88)
        // 0.5·(−128) + 0.25·(−127 − 10) = −64 − 34.25 = −98.25 → −98 → −103.
        XCTAssertEqual(FixedPoint.add(-128, -127, p), -103)

        // A saturating case: scales 0.1 / 0.05 / 0.02, zero points −9, 5, 14.
        let q = try XCTUnwrap(FixedPoint.addParameters(
            input1Scale: 0.1, input1ZeroPoint: -9, input2Scale: 0.05, input2ZeroPoint: 5,
            outputScale: 0.02, outputZeroPoint: 14))
        // 0.1·(11 + 9) + 0.05·(13 − 5) = 2.0 + 0.4 = 2.4 → 120 + 14 = 134 → 127.
        XCTAssertEqual(FixedPoint.add(11, 13, q), 127)
        // 0.1·(−19 + 9) + 0.05·(−1 − 5) = −1.0 − 0.3 = −1.3 → −65 + 14 = −51.
        XCTAssertEqual(FixedPoint.add(-19, -1, q), -51)

        // A fused activation: the same sum clamped to [0, 6] in quantized units.
        var relu = p
        relu.activationMin = 0
        relu.activationMax = 6
        XCTAssertEqual(FixedPoint.add(20, 30, relu), 6)
        XCTAssertEqual(FixedPoint.add(-7, -3, relu), 0)
    }

    /// Every int8 pair, several scale sets (float32 scales, as TFLite stores them): wherever the exact real
    /// result is not within 0.02 of a rounding boundary, the integer scheme gives exactly
    /// clamp(round((s1(q1−z1) + s2(q2−z2)) / s_out) + z_out).
    func testAgreesWithRealArithmeticAwayFromRoundingBoundaries() throws {
        let configurations: [(Float, Int32, Float, Int32, Float, Int32)] = [
            (0.0235, -7, 0.0412, 12, 0.0511, -3),
            (0.1, -9, 0.05, 5, 0.1, 14),
            (0.007843, -128, 0.003921, 0, 0.011764, -128),
            (1.0, 0, 1.0, 0, 2.0, 0),
            (0.02, 3, 0.5, -20, 0.3, 100),
        ]
        for (s1, z1, s2, z2, so, zo) in configurations {
            let p = try XCTUnwrap(FixedPoint.addParameters(
                input1Scale: Double(s1), input1ZeroPoint: z1, input2Scale: Double(s2), input2ZeroPoint: z2,
                outputScale: Double(so), outputZeroPoint: zo))
            var checked = 0
            for q1 in Int8.min...Int8.max {
                for q2 in Int8.min...Int8.max {
                    let real = (Double(s1) * Double(Int32(q1) - z1) + Double(s2) * Double(Int32(q2) - z2)) / Double(so)
                    let fraction = real - real.rounded(.down)
                    guard abs(fraction - 0.5) > 0.02 else { continue }
                    let expected = min(max(real.rounded(.toNearestOrAwayFromZero) + Double(zo), -128), 127)
                    let got = FixedPoint.add(q1, q2, p)
                    if Double(got) != expected {
                        return XCTFail("scales \(s1) \(s2) \(so): add(\(q1), \(q2)) = \(got), real \(real) → \(expected)")
                    }
                    checked += 1
                }
            }
            XCTAssertGreaterThan(checked, 30_000)  // (1, 1, 2): every other sum is a tie
        }
    }

    func testRefusesWhatTFLiteWouldAbortOn() {
        func params(_ s1: Double, _ s2: Double, _ so: Double, zp: Int32 = 0, lo: Int8 = -128, hi: Int8 = 127)
            -> FixedPoint.AddParameters? {
            FixedPoint.addParameters(input1Scale: s1, input1ZeroPoint: zp, input2Scale: s2, input2ZeroPoint: 0,
                                     outputScale: so, outputZeroPoint: 0, activationMin: lo, activationMax: hi)
        }
        XCTAssertNotNil(params(0.1, 0.2, 0.3))
        for bad in [0.0, -0.1, .nan, .infinity] {
            XCTAssertNil(params(bad, 0.2, 0.3), "s1 = \(bad)")
            XCTAssertNil(params(0.1, bad, 0.3), "s2 = \(bad)")
            XCTAssertNil(params(0.1, 0.2, bad), "s_out = \(bad)")
        }
        XCTAssertNil(params(0.1, 0.2, 0.3, zp: 128))
        XCTAssertNil(params(0.1, 0.2, 0.3, zp: -129))
        XCTAssertNil(params(0.1, 0.2, 0.3, lo: 5, hi: 4))
        // The output multiplier 2·max/(2^20·s_out) must be below 1.
        XCTAssertNil(params(1, 1, 2 * 0x1p-20))
        XCTAssertNotNil(params(1, 1, 2 * 0x1p-20 * 1.001))
        // Input scales so far apart that the smaller multiplier underflows to 0.0.
        XCTAssertNil(params(1e-300, 1e300, 1e300))
        // Far apart but representable: the small input's multiplier flushes to 0, as in TFLite.
        let flushed = params(1, 0x1p-40, 1)
        XCTAssertEqual(flushed?.input2Multiplier, 0)
        XCTAssertEqual(flushed?.input2Shift, 0)
    }

    func testOutOfDomainParametersDoNotTrap() {
        // Hand-made parameters that overflow every int32 step: defined (wrapping) results, no trap.
        let p = FixedPoint.AddParameters(
            input1Offset: .max, input2Offset: .min, outputOffset: .max, leftShift: 40,
            input1Multiplier: .max, input1Shift: 30, input2Multiplier: .min, input2Shift: -40,
            outputMultiplier: .min, outputShift: 40, activationMin: -128, activationMax: 127)
        for x in Int8.min...Int8.max { _ = FixedPoint.add(x, x, p) }
    }
}
