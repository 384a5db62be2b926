import MoteIR
import MoteInteger
import XCTest
import MoteTestSupport

/// Runs `cases` through the Swift interpreter and through both builds of the C kernel driver (strict -O2 and
/// ASan+UBSan) and requires every output byte to agree — and, when `expected` is given, to equal it too
/// (hand-computed values, which catch a bug Swift and C share).
func assertSwiftMatchesC(_ cases: [KernelCase], expected: [[Int8]]? = nil, _ what: String,
                         file: StaticString = #filePath, line: UInt = #line) throws {
    let swift = try cases.map { try $0.swiftOutput() }
    if let expected {
        for (i, (got, want)) in zip(swift, expected).enumerated() where got != want {
            XCTFail("\(what) case \(i): Swift gives \(got), expected \(want)", file: file, line: line)
        }
    }
    let drivers = try KernelDriver.shared.get()
    let text = cases.map(\.driverText).joined()
    for driver in drivers {
        let c = try driver.run(text, expectedCases: cases.count)
        var reported = 0
        for i in cases.indices where c[i] != swift[i] {
            let at = zip(c[i], swift[i]).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(c[i].count, swift[i].count)
            XCTFail("""
                \(what) case \(i) (\(driver.label)): C and Swift differ at byte \(at) of \(swift[i].count) \
                (C \(c[i].count > at ? String(c[i][at]) : "-"), Swift \(swift[i].count > at ? String(swift[i][at]) : "-"))
                case: \(cases[i].driverText.prefix(1500))
                """, file: file, line: line)
            reported += 1
            if reported == 3 { break }
        }
    }
}

/// 200 random layers per kernel (seeded), Swift against C, bit for bit.
final class KernelDifferentialTests: XCTestCase {
    static let casesPerKind = 200

    private func differential(_ what: String, seed: UInt64, _ make: (inout SeededGenerator) -> KernelCase,
                              file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = SeededGenerator(seed: seed)
        let cases = (0..<Self.casesPerKind).map { _ in make(&rng) }
        try assertSwiftMatchesC(cases, what, file: file, line: line)
    }

    func testConv() throws { try differential("conv", seed: 0xC0_4701) { LayerGenerator.conv(&$0) } }
    func testDense() throws { try differential("dense", seed: 0xDE_05E1) { LayerGenerator.dense(&$0) } }
    func testAdd() throws { try differential("add", seed: 0xADD_0001) { LayerGenerator.add(&$0) } }
    func testMul() throws { try differential("mul", seed: 0x3_0001) { LayerGenerator.mul(&$0) } }
    func testPool() throws { try differential("pool", seed: 0x9001) { LayerGenerator.pool(&$0) } }
    func testMean() throws { try differential("mean", seed: 0x3EA4) { LayerGenerator.mean(&$0) } }
    func testTable() throws { try differential("table", seed: 0x7AB1E) { LayerGenerator.table(&$0) } }
    func testSoftmax() throws { try differential("softmax", seed: 0x50F7) { LayerGenerator.softmax(&$0) } }
    func testConcat() throws { try differential("concat", seed: 0xC0CA7) { LayerGenerator.concat(&$0) } }
    func testPad() throws { try differential("pad", seed: 0x9AD) { LayerGenerator.pad(&$0) } }
    func testTranspose() throws { try differential("transpose", seed: 0x7A05) { LayerGenerator.transpose(&$0) } }
}
