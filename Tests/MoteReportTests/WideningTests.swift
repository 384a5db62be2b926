import Foundation
import MoteCodegen
import MoteIR
import MotePlan
import MoteReport
import MoteVerify
import XCTest

/// Widening one dense layer moves the measured flash by exactly the bytes its arrays grow, moves the arena and
/// its peak, and turns a budget verdict from fits to exceeded, naming that layer.
final class WideningTests: XCTestCase {
    // Wide enough that fc1's output outweighs the measured stack (848 B on x86-64 with the im2col conv path).
    let narrowWidth = 16, wideWidth = 1024

    func measured(hidden: Int, toolchain: SizeProbe.Toolchain, budget: Budget = Budget()) throws -> (QModel, SizeReport, String) {
        let model = ReportModels.net(hidden: hidden)
        let files = try ReportModels.emit(model, name: "net")
        let m = try SizeProbe.measure(files: files.map { ($0.path, $0.contents) }, name: "net", layerCount: model.layers.count,
                                      toolchains: [toolchain])
        let header = files.first { $0.path == "net.h" }?.contents ?? ""
        return (model, SizeReport(model: model, plan: MemoryPlanner.plan(model), measurement: m, name: "net", budget: budget), header)
    }

    func checkWidening(_ tc: SizeProbe.Toolchain) throws {
        let (_, narrow, narrowHeader) = try measured(hidden: narrowWidth, toolchain: tc)
        let (_, wide, wideHeader) = try measured(hidden: wideWidth, toolchain: tc)
        XCTAssertEqual(narrow.measuredOn, tc.target)
        let delta = wideWidth - narrowWidth

        // Flash: fc1 gains 64 weights + a bias, a multiplier and a shift (4 bytes each) per added output; fc2
        // gains 10 weights per added input; nothing else changes (same kernels, same parameter blocks).
        let fc1Growth = delta * (64 + 4 + 4 + 4), fc2Growth = delta * 10
        XCTAssertEqual(wide.layers[3].flashBytes - narrow.layers[3].flashBytes, fc1Growth)
        XCTAssertEqual(wide.layers[4].flashBytes - narrow.layers[4].flashBytes, fc2Growth)
        for i in [0, 1, 2, 5] { XCTAssertEqual(wide.layers[i].flashBytes, narrow.layers[i].flashBytes, "layer \(i)") }
        // The code is the same kernels; only net_run's arena offsets change, which may lengthen an immediate.
        let codeGrowth = (wide.codeBytes ?? 0) - (narrow.codeBytes ?? 0)
        XCTAssertLessThanOrEqual(abs(codeGrowth), 32)
        XCTAssertEqual(wide.flashBytes - narrow.flashBytes, fc1Growth + fc2Growth + codeGrowth)
        XCTAssertEqual(wide.weightsBytes - narrow.weightsBytes, delta * 64 + delta * 10)

        // Arena: the C reserves what the report says, in both builds; the wide hidden layer moves the peak to
        // fc1, where its 64 inputs and 512 outputs are alive together.
        XCTAssertEqual(narrow.arenaBytes, Independent.define(narrowHeader, "NET_ARENA_BYTES"))
        XCTAssertEqual(wide.arenaBytes, Independent.define(wideHeader, "NET_ARENA_BYTES"))
        XCTAssertEqual(narrow.arenaBytes, narrow.plannedArenaBytes, "the emitted C follows MemoryPlanner")
        XCTAssertEqual(wide.arenaBytes, wide.plannedArenaBytes, "the emitted C follows MemoryPlanner")
        XCTAssertGreaterThan(wide.arenaBytes, narrow.arenaBytes)
        XCTAssertGreaterThanOrEqual(wide.arenaBytes, 64 + wideWidth)
        XCTAssertEqual(wide.arena.peakStep, 3)
        XCTAssertEqual(wide.arena.peakBytes, 64 + wideWidth)
        XCTAssertEqual(narrow.arena.peakStep, 0)
        XCTAssertGreaterThan(wide.ramBytes, narrow.ramBytes)
        XCTAssertEqual(wide.ramBytes - narrow.ramBytes, wide.arenaBytes - narrow.arenaBytes, "same code, same stack")

        // Budgets half-way between the two builds: the narrow one fits, the wide one does not, by the difference.
        let budget = Budget(flash: (narrow.flashBytes + wide.flashBytes) / 2, ram: (narrow.ramBytes + wide.ramBytes) / 2)
        let fits = narrow.applying(budget), fails = wide.applying(budget)
        XCTAssertEqual(fits.verdict?.exceeded, false)
        XCTAssertEqual(fails.verdict?.exceeded, true)
        let flash = try XCTUnwrap(fails.verdict?.flash), ram = try XCTUnwrap(fails.verdict?.ram)
        XCTAssertEqual(flash.overBytes, wide.flashBytes - (narrow.flashBytes + wide.flashBytes) / 2)
        XCTAssertEqual(ram.overBytes, wide.ramBytes - (narrow.ramBytes + wide.ramBytes) / 2)
        XCTAssertEqual(flash.largest.first?.layer, 3, "fc1 costs most flash")
        XCTAssertEqual(flash.largest.first?.name, "fc1")
        XCTAssertEqual(ram.largest.first?.layer, 3, "fc1's output fills the arena at the peak")
        XCTAssertEqual(ram.largest.first?.bytes, wideWidth)
        XCTAssertTrue(fails.markdown().contains("**Exceeded.**"))
        XCTAssertTrue(try fails.json().contains("\"exceeded\" : true"))
        XCTAssertTrue(fits.markdown().contains("**Fits.**"))
    }

    func testWideningOnTheHost() throws {
        guard Toolchains.requireHost() else { return }
        try checkWidening(.host)
    }

    func testWideningOnCortexM4() throws {
        guard Toolchains.requireCortexM4() else { return }
        try checkWidening(.cortexM4)
    }
}
