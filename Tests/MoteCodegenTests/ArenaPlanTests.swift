import Foundation
@testable import MoteCodegen
import MotePlan
import MoteIR
import XCTest

final class ArenaPlanTests: XCTestCase {
    /// Live range of every tensor in steps (−1: model inputs, i: layer i, layers.count: outputs read).
    func liveRanges(_ model: QModel) -> [ClosedRange<Int>?] {
        var first = [Int?](repeating: nil, count: model.tensors.count)
        var last = [Int](repeating: -1, count: model.tensors.count)
        func touch(_ t: Int, _ step: Int) {
            if first[t] == nil { first[t] = step }
            last[t] = max(last[t], step)
        }
        for t in model.inputs { touch(t, -1) }
        for (i, layer) in model.layers.enumerated() {
            for t in layer.op.inputs { touch(t, i) }
            touch(layer.op.output, i)
        }
        for t in model.outputs { touch(t, model.layers.count) }
        return (0..<model.tensors.count).map { t in first[t].map { $0...last[t] } }
    }

    /// Tensors live at the same time never share a byte, unless one is the input of a layer that the plan runs in
    /// place and the other its output (MotePlanTests checks the geometry of such aliases in detail).
    func checkPlan(_ model: QModel, file: StaticString = #filePath, line: UInt = #line) {
        let plan = ArenaPlan.plan(model)
        let ranges = liveRanges(model)
        var aliases = Set<[Int]>()
        for (i, layer) in model.layers.enumerated() where plan.inPlace[i] {
            for input in layer.op.inputs { aliases.insert([input, layer.op.output]) }
        }
        XCTAssertEqual(plan.size % 4, 0, file: file, line: line)
        for t in model.tensors.indices {
            guard let r = ranges[t] else {
                XCTAssertEqual(plan.offsets[t], -1, file: file, line: line)
                continue
            }
            XCTAssertEqual(plan.offsets[t] % 4, 0, "tensor \(t) offset", file: file, line: line)
            XCTAssertLessThanOrEqual(plan.offsets[t] + model.tensors[t].count, plan.size, file: file, line: line)
            for u in 0..<t {
                guard let s = ranges[u], r.overlaps(s), !aliases.contains([u, t]), !aliases.contains([t, u]) else { continue }
                let a = plan.offsets[t]..<(plan.offsets[t] + model.tensors[t].count)
                let b = plan.offsets[u]..<(plan.offsets[u] + model.tensors[u].count)
                XCTAssertFalse(a.overlaps(b), "tensors \(u) and \(t) are live together but overlap: \(b) \(a)",
                               file: file, line: line)
            }
        }
    }

    func testPlansAreSafe() {
        checkPlan(TestModels.chain())
        checkPlan(TestModels.mixed())
        checkPlan(TestModels.twoInputs())
        checkPlan(SanitizingTests.hostileModel())
    }

    func testReshapeInPlaceOnlyWhenItsInputDies() {
        let chain = ArenaPlan.plan(TestModels.chain())
        XCTAssertEqual(chain.offsets[1], chain.offsets[2], "flatten of a dying tensor is in place")
        let mixed = ArenaPlan.plan(TestModels.mixed())
        XCTAssertNotEqual(mixed.offsets[5], mixed.offsets[10], "flatten of a tensor read later is a copy")
    }

    func testReusesMemory() {
        // chain: input 64, conv out 256 (reshape shares it), logits 10, probabilities 10 (softmax in place).
        // Peak: input + conv output + the conv's im2col scratch (4 output channels, 9 taps: 4 × 24 bytes of
        // per-channel base and scale, three int16 columns of the 8 taps in whole groups of four = 48 bytes, one
        // int8 column of 9 + 4 spare bytes: 157, aligned 160) = 480; logits fit into the freed input bytes.
        let plan = ArenaPlan.plan(TestModels.chain())
        XCTAssertEqual(MemoryPlanner.im2colScratchBytes(outChannels: 4, taps: 9), 157)
        XCTAssertEqual(plan.size, 64 + 256 + 160)
        XCTAssertEqual(plan.offsets[1], plan.offsets[2], "flatten in place")
        XCTAssertEqual(plan.offsets[3], plan.offsets[4], "softmax in place")
        XCTAssertEqual(plan.inPlace, [false, true, false, true])
        XCTAssertFalse((plan.offsets[0]..<plan.offsets[0] + 64).overlaps(plan.offsets[1]..<plan.offsets[1] + 256))
        XCTAssertFalse((plan.offsets[3]..<plan.offsets[3] + 10).overlaps(plan.offsets[2]..<plan.offsets[2] + 256))
    }

    func testMalformedModelDoesNotTrap() {
        var model = TestModels.chain()
        model.layers.append(QLayer(name: "bad", sourceOps: [], op: .reshape(input: 99, output: -1)))
        model.outputs.append(1234)
        model.inputs.append(-5)
        let plan = ArenaPlan.plan(model)
        XCTAssertEqual(plan.offsets.count, model.tensors.count)
        XCTAssertThrowsError(try Codegen.emit(model, options: CodegenOptions(toolVersion: "1", modelHash: "a")))
    }
}
