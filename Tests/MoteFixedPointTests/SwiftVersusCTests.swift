import Foundation
import XCTest
@testable import MoteFixedPoint
import MoteTestSupport

/// The C header and the Swift code must agree bit for bit: the emitted C is checked against the Swift integer
/// interpreter, so any disagreement here would show up as a mismatch in every model.
final class SwiftVersusCTests: XCTestCase {
    /// Input lines for the C driver and the answers Swift gives for them.
    struct Cases {
        var lines: [String] = []
        var expected: [Int64] = []

        mutating func append(_ line: String, _ swiftAnswer: some BinaryInteger) {
            lines.append(line)
            expected.append(Int64(swiftAnswer))
        }

        mutating func srdhm(_ a: Int32, _ b: Int32) {
            append("s \(a) \(b)", FixedPoint.saturatingRoundingDoublingHighMul(a, b))
        }
        mutating func rdbpot(_ x: Int32, _ e: Int32) {
            append("r \(x) \(e)", FixedPoint.roundingDivideByPOT(x, e))
        }
        mutating func mbqm(_ x: Int32, _ m: Int32, _ s: Int32) {
            // The hoisted form the kernels' inner loops use must give the same answer.
            append("m \(x) \(m) \(s)", FixedPoint.multiplyByQuantizedMultiplier(x, m, s))
            append("M \(x) \(m) \(s)", FixedPoint.multiplyByQuantizedMultiplier(x, m, s))
        }
        mutating func requantize(_ acc: Int32, _ m: Int32, _ s: Int32, _ zp: Int32, _ lo: Int8, _ hi: Int8) {
            let answer = FixedPoint.requantize(acc: acc, multiplier: m, shift: s, outputZeroPoint: zp, min: lo, max: hi)
            append("q \(acc) \(m) \(s) \(zp) \(lo) \(hi)", answer)
            append("Q \(acc) \(m) \(s) \(zp) \(lo) \(hi)", answer)
            if (-128...127).contains(zp) {
                append("F \(acc) \(m) \(s) \(zp) \(lo) \(hi)", answer)
                append("B \(acc) \(m) \(s) \(zp) \(lo) \(hi)", answer)
                append("U \(acc) \(m) \(s) \(zp) \(lo) \(hi)", answer)
            }
        }
        mutating func saturate(_ x: Int32) {
            append("t \(x)", FixedPoint.saturateToInt8(x))
        }
        mutating func roundedDivide(_ sum: Int32, _ count: Int32) {
            append("d \(sum) \(count)", FixedPoint.roundedDivide(sum, by: count))
        }
        mutating func add(_ x1: Int8, _ x2: Int8, _ p: FixedPoint.AddParameters) {
            let fields = [p.input1Offset, p.input2Offset, p.outputOffset, p.leftShift,
                          p.input1Multiplier, p.input1Shift, p.input2Multiplier, p.input2Shift,
                          p.outputMultiplier, p.outputShift, Int32(p.activationMin), Int32(p.activationMax)]
            append("a \(x1) \(x2) " + fields.map(String.init).joined(separator: " "), FixedPoint.add(x1, x2, p))
        }
        mutating func int4(_ bytes: [UInt8], _ index: Int) throws {
            let values = try FixedPoint.unpackInt4(bytes, count: bytes.count * 2)
            append("g " + bytes.map(String.init).joined(separator: " ") + " \(index)", values[index])
        }
    }

    /// Edge cases: limits, zero, ±1, multipliers at both ends, every shift, exact rounding ties.
    static func edgeCases() throws -> Cases {
        var c = Cases()
        for a in edgeInt32 {
            for b in edgeInt32 { c.srdhm(a, b) }
            for m in edgeMultipliers { c.srdhm(a, m) }
            for e: Int32 in -3...34 { c.rdbpot(a, e) }
            c.saturate(a)
        }
        // RDBPOT ties x = ±(2k+1)·2^(e−1) and their neighbours, for every exponent.
        for e: Int32 in 1...31 {
            let half = Int64(1) << Int64(e - 1)
            for k: Int64 in [0, 1, 2, 3, 7, 100, 12345] {
                let tie = (2 * k + 1) * half
                for v in [tie - 1, tie, tie + 1, -tie - 1, -tie, -tie + 1] where Int64(Int32.min)...Int64(Int32.max) ~= v {
                    c.rdbpot(Int32(v), e)
                }
            }
        }
        // SRDHM ties: a·b = ±(2k+1)·2^30.
        for k: Int32 in 0...20 {
            let odd = 2 * k + 1
            c.srdhm(odd, 1 << 30); c.srdhm(-odd, 1 << 30); c.srdhm(odd << 10, 1 << 20); c.srdhm(-(odd << 10), 1 << 20)
        }
        for x in edgeInt32 {
            for m in edgeMultipliers {
                for s: Int32 in -34...33 { c.mbqm(x, m, s) }
            }
        }
        let bounds: [(Int8, Int8)] = [(-128, 127), (0, 6), (10, -10)]
        let zeroPoints: [Int32] = [-128, 0, 127, Int32.max, Int32.min]
        for acc in edgeInt32 {
            for m in [0, 1 << 30, 1_518_500_250, Int32.max] as [Int32] {
                for s: Int32 in [-31, -20, -8, -1, 0, 1, 30] {
                    for zp in zeroPoints {
                        for (lo, hi) in bounds { c.requantize(acc, m, s, zp, lo, hi) }
                    }
                }
            }
        }
        // The bounded form's domain (|acc| < 2^30, right shift 1..30) at its edges and at rounding ties: with
        // multiplier 2^30, SRDHM halves acc exactly (a tie at every odd acc), then RDBPOT meets its own ties.
        for s: Int32 in [-1, -2, -3, -13, -29, -30, -31] {
            for m: Int32 in [1 << 30, (1 << 30) + 1, 1_518_500_250, Int32.max, Int32.min, -(1 << 30)] {
                for acc: Int32 in [-(1 << 30), -(1 << 30) + 1, (1 << 30) - 1, 1 << 30, 12_345_678, -12_345_677] {
                    c.requantize(acc, m, s, 0, -128, 127)
                }
                for acc: Int32 in -40...40 { c.requantize(acc, m, s, 3, -128, 127) }
            }
        }
        // The fused form's domain (mote_fused_ok: also M >= 0, right shift <= 22) at its edges: the largest zero
        // points at the largest shift it takes and the first it refuses, accumulators whose SRDHM is 0 or a
        // rounding tie for either sign (M = 2^30 halves them exactly), and a negative multiplier it must refuse.
        for s: Int32 in [-1, -2, -7, -21, -22, -23] {
            for m: Int32 in [0, 1, 1 << 30, (1 << 30) + 1, 1_518_500_250, Int32.max, -(1 << 30)] {
                for zp: Int32 in [-128, -127, -1, 0, 5, 127] {
                    for acc: Int32 in [-(1 << 30) + 1, (1 << 30) - 1, 1 << 30, 987_654_321, -987_654_321] {
                        c.requantize(acc, m, s, zp, -128, 127)
                    }
                    for acc: Int32 in -20...20 { c.requantize(acc, m, s, zp, -128, 127) }
                    for k: Int32 in [1, 3, 1001] {
                        let tie = k << (-s)
                        for acc in [tie - 1, tie, tie + 1, -tie - 1, -tie, -tie + 1] { c.requantize(acc, m, s, zp, -128, 127) }
                    }
                }
            }
        }
        for x: Int32 in -300...300 { c.saturate(x) }
        for sum in edgeInt32 {
            for count: Int32 in [Int32.min, -5, -1, 0, 1, 2, 3, 4, 5, 7, 9, 16, 25, 49, 1 << 20, Int32.max] {
                c.roundedDivide(sum, count)
            }
        }
        for sum: Int32 in -300...300 {
            for count: Int32 in 1...12 { c.roundedDivide(sum, count) }
        }
        // ADD: a third of all int8 pairs (every x1; every third x2, and 127) for one realistic parameter set
        // (AddTests checks every pair of it against real arithmetic), a fused ReLU6-like clamp, and hand-made
        // parameters that overflow every int32 step (both sides must wrap the same way).
        guard let realistic = FixedPoint.addParameters(
            input1Scale: Double(Float(0.0235)), input1ZeroPoint: -7, input2Scale: Double(Float(0.0412)),
            input2ZeroPoint: 12, outputScale: Double(Float(0.0511)), outputZeroPoint: -3) else {
            throw DriverError("the realistic ADD parameters were refused")
        }
        var relu6 = realistic
        relu6.activationMin = 3
        relu6.activationMax = 120
        let hostile = FixedPoint.AddParameters(
            input1Offset: Int32.max, input2Offset: Int32.min, outputOffset: Int32.max, leftShift: 31,
            input1Multiplier: Int32.max, input1Shift: 30, input2Multiplier: Int32.min, input2Shift: -40,
            outputMultiplier: Int32.max, outputShift: 5, activationMin: -128, activationMax: 127)
        for x1 in Int8.min...Int8.max {
            for x2 in stride(from: Int8.min, through: Int8.max - 2, by: 3) { c.add(x1, x2, realistic) }
            c.add(x1, Int8.max, realistic)
            for x2: Int8 in [-128, -1, 0, 1, 127] {
                c.add(x1, x2, relu6)
                c.add(x1, x2, hostile)
            }
        }
        // int4: every byte, both nibbles.
        for b in 0...255 {
            try c.int4([UInt8(b), 0, 0, 0], 0)
            try c.int4([UInt8(b), 0, 0, 0], 1)
        }
        return c
    }

    /// Seeded random cases (≥ 100,000).
    static func randomCases(count: Int) throws -> Cases {
        var rng = SeededGenerator(seed: 0x4D6F_7465_4678_5031)
        var c = Cases()
        for i in 0..<count {
            switch i % 10 {
            case 0, 1: c.srdhm(rng.nextInt32(), rng.nextInt32())
            case 2, 3: c.rdbpot(rng.nextInt32(), Int32.random(in: -2...33, using: &rng))
            case 4, 5:
                let m = i % 20 < 15 ? Int32.random(in: (1 << 30)...Int32.max, using: &rng) : rng.nextInt32()
                c.mbqm(rng.nextInt32(), m, Int32.random(in: -33...32, using: &rng))
            case 6:
                c.requantize(rng.nextInt32(), Int32.random(in: (1 << 30)...Int32.max, using: &rng),
                             Int32.random(in: -31...30, using: &rng), Int32.random(in: -128...127, using: &rng),
                             Int8.random(in: -128...0, using: &rng), Int8.random(in: 0...127, using: &rng))
                // A kernel's usual case, which the fast forms (B, F, U) take: a bounded accumulator, a right
                // shift, the whole int8 range.
                c.requantize(Int32.random(in: -(1 << 30) + 1...(1 << 30) - 1, using: &rng) >> Int32.random(in: 0...20, using: &rng),
                             Int32.random(in: (1 << 30)...Int32.max, using: &rng), Int32.random(in: -24...0, using: &rng),
                             Int32.random(in: -128...127, using: &rng), -128, 127)
            case 7:
                let s = { (r: inout SeededGenerator) in Double(Float(Double.random(in: 0.001...0.2, using: &r))) }
                let s1 = s(&rng), s2 = s(&rng), so = s(&rng)
                let z = { (r: inout SeededGenerator) in Int32.random(in: -128...127, using: &r) }
                if let p = FixedPoint.addParameters(
                    input1Scale: s1, input1ZeroPoint: z(&rng), input2Scale: s2, input2ZeroPoint: z(&rng),
                    outputScale: so, outputZeroPoint: z(&rng)) {
                    c.add(Int8.random(in: .min ... .max, using: &rng), Int8.random(in: .min ... .max, using: &rng), p)
                } else {
                    c.saturate(rng.nextInt32())
                }
            case 8:
                c.roundedDivide(rng.nextInt32(), Int32.random(in: -2...300, using: &rng))
                c.saturate(rng.nextInt32())
            default:
                let bytes = (0..<4).map { _ in UInt8.random(in: 0...255, using: &rng) }
                try c.int4(bytes, Int.random(in: 0..<8, using: &rng))
                // Hand-made ADD parameters from the whole int32 range: both sides must wrap identically.
                let p = FixedPoint.AddParameters(
                    input1Offset: rng.nextInt32(), input2Offset: rng.nextInt32(), outputOffset: rng.nextInt32(),
                    leftShift: Int32.random(in: -2...33, using: &rng),
                    input1Multiplier: rng.nextInt32(), input1Shift: Int32.random(in: -33...32, using: &rng),
                    input2Multiplier: rng.nextInt32(), input2Shift: Int32.random(in: -33...32, using: &rng),
                    outputMultiplier: rng.nextInt32(), outputShift: Int32.random(in: -33...32, using: &rng),
                    activationMin: Int8.random(in: .min ... .max, using: &rng),
                    activationMax: Int8.random(in: .min ... .max, using: &rng))
                c.add(Int8.random(in: .min ... .max, using: &rng), Int8.random(in: .min ... .max, using: &rng), p)
            }
        }
        return c
    }

    func testCHeaderMatchesSwiftBitForBit() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }

        let edge = try Self.edgeCases()
        let random = try Self.randomCases(count: 100_000)
        XCTAssertGreaterThanOrEqual(random.lines.count, 100_000)
        let all = Cases(lines: edge.lines + random.lines, expected: edge.expected + random.expected)
        let input = all.lines.joined(separator: "\n") + "\n"

        let inputFile = dir.appendingPathComponent("cases.txt")
        try Data(input.utf8).write(to: inputFile)

        let drivers = try CDriver.build([
            ("O2", ["-O2"]),
            ("sanitized", ["-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]),
        ], in: dir)
        for (driver, output) in zip(drivers, try CDriver.run(drivers, input: inputFile)) {
            XCTAssertEqual(output.count, all.lines.count, "\(driver.label): one answer per case")
            var mismatches: [String] = []
            for (i, answer) in output.prefix(all.lines.count).enumerated() where answer != all.expected[i] {
                if mismatches.count < 20 {
                    mismatches.append("\(all.lines[i]) → C \(answer.map(String.init) ?? "garbage"), Swift \(all.expected[i])")
                }
            }
            XCTAssertTrue(mismatches.isEmpty, "\(driver.label) build disagrees with Swift:\n"
                + mismatches.joined(separator: "\n"))
        }
    }

    /// The header alone, under the strictest warnings of both compilers: gcc's are required, clang's
    /// `-Weverything` is checked when a clang is installed.
    func testHeaderIsWarningFree() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("include_only.c")
        try "#include \"mote_fixedpoint.h\"\nint mote_anchor(void);\nint mote_anchor(void) { return 0; }\n"
            .write(to: source, atomically: true, encoding: .utf8)
        let include = ["-I", FixedPointTestPaths.runtimeTemplates.path]
        let gccArgs = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Wconversion", "-Wsign-conversion",
                       "-Wshadow", "-Wcast-qual", "-Wstrict-prototypes", "-Wmissing-prototypes", "-fsyntax-only"]
            + include + [source.path]
        let gcc = try runProcess(try CDriver.compiler(), gccArgs, stdin: nil)
        XCTAssertEqual(gcc.status, 0, "gcc: \(gcc.stderr)")

        let clangCandidates = ["/usr/bin/clang", "/opt/swift/usr/bin/clang", "/usr/local/bin/clang"]
        guard let clang = clangCandidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("no clang installed; gcc checks ran")
        }
        let result = try runProcess(clang, ["-std=c99", "-Weverything", "-Werror", "-fsyntax-only"] + include
            + [source.path], stdin: nil)
        XCTAssertEqual(result.status, 0, "clang -Weverything: \(result.stderr)")
    }
}
