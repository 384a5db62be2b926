import Foundation
import MoteIR
import MotePlan
import XCTest
import MoteTestSupport

final class MemoryPlannerTests: XCTestCase {
    // MARK: Lifetimes

    func testLiveRanges() {
        var b = Builder()
        let x = b.input([1, 8])
        let a = b.dense(x, 16)       // layer 0
        let c = b.dense(a, 4)        // layer 1
        let d = b.add(c, c)          // layer 2: reads c twice
        let unused = b.tensor([1, 3])
        let e = b.dense(x, 4)        // layer 3: x read late, so it lives from −1 to 3
        let dead = b.dense(e, 2)     // layer 4: written, never read
        b.output(d)
        b.output(e)
        let plan = MemoryPlanner.plan(b.model)
        PlanChecker.check(b.model, plan)
        XCTAssertEqual(plan.liveRanges[x], LiveRange(first: -1, last: 3))
        XCTAssertEqual(plan.liveRanges[a], LiveRange(first: 0, last: 1))
        XCTAssertEqual(plan.liveRanges[c], LiveRange(first: 1, last: 2))
        XCTAssertEqual(plan.liveRanges[d], LiveRange(first: 2, last: 5), "a model output lives until the copy out")
        XCTAssertEqual(plan.liveRanges[e], LiveRange(first: 3, last: 5))
        XCTAssertEqual(plan.liveRanges[dead], LiveRange(first: 4, last: 4), "a dead result still needs bytes to be written to")
        XCTAssertNil(plan.liveRanges[unused])
        XCTAssertEqual(plan.offsets[unused], -1)
        XCTAssertEqual(plan.sizes, [8, 16, 4, 4, 3, 4, 2])
    }

    // MARK: Chains

    /// A plain chain needs exactly its largest input+output pair (each rounded up to 4 bytes).
    func testChainNeedsItsLargestAdjacentPair() {
        // Sizes chosen so that largest-first and first-fit both fragment (88 and 68 bytes) while 68 suffices.
        let plan = chainPlan([40, 20, 32, 36])
        XCTAssertEqual(plan.arenaBytes, 68)
        XCTAssertEqual(plan.strategies["greedy-by-size"], 88)

        var rng = SeededGenerator(seed: 11)
        for _ in 0..<200 {
            let sizes = (0..<Int.random(in: 1...14, using: &rng)).map { _ in Int.random(in: 1...300, using: &rng) }
            let plan = chainPlan(sizes)
            let pairs = zip(sizes, sizes.dropFirst()).map { PlanChecker.align($0) + PlanChecker.align($1) }
            XCTAssertEqual(plan.arenaBytes, pairs.max() ?? PlanChecker.align(sizes[0]), "chain \(sizes)")
            XCTAssertLessThanOrEqual(plan.lowerBoundBytes, plan.arenaBytes)
        }
    }

    /// input(sizes[0]) → dense → … → dense(sizes.last), the last one the model output.
    func chainPlan(_ sizes: [Int], file: StaticString = #filePath, line: UInt = #line) -> MemoryPlan {
        var b = Builder()
        var t = b.input([1, sizes[0]])
        for n in sizes.dropFirst() { t = b.dense(t, n) }
        b.output(t)
        let plan = MemoryPlanner.plan(b.model)
        PlanChecker.check(b.model, plan, file: file, line: line)
        return plan
    }

    // MARK: In place

    func testTableRunsInPlaceAndShrinksTheArena() {
        func model(keepInput: Bool) -> QModel {
            var b = Builder()
            let x = b.input([1, 100])
            let wide = b.dense(x, 1000)
            let activated = b.table(wide)
            b.output(b.dense(activated, 100))
            if keepInput { b.output(wide) }
            return b.model
        }
        let inPlace = MemoryPlanner.plan(model(keepInput: false))
        PlanChecker.check(model(keepInput: false), inPlace)
        XCTAssertEqual(inPlace.inPlace, [false, true, false])
        XCTAssertEqual(inPlace.offsets[1], inPlace.offsets[2])
        XCTAssertEqual(inPlace.arenaBytes, 1100)
        XCTAssertEqual(inPlace.lowerBoundBytes, 2000, "the table's input and output counted apart")

        // The wide tensor is also a model output, so it must survive the table: no in place.
        let kept = MemoryPlanner.plan(model(keepInput: true))
        PlanChecker.check(model(keepInput: true), kept)
        XCTAssertEqual(kept.inPlace, [false, false, false])
        XCTAssertEqual(kept.arenaBytes, 2100, "wide + activated + the last dense's output")
        XCTAssertEqual(kept.lowerBoundBytes, 2100)
    }

    func testSoftmaxAndReshapeRunInPlace() {
        var b = Builder()
        let x = b.input([1, 64])
        let logits = b.dense(x, 400)
        let flat = b.reshape(logits, [20, 20])
        let probabilities = b.softmax(flat)
        b.output(probabilities)
        let plan = MemoryPlanner.plan(b.model)
        PlanChecker.check(b.model, plan)
        XCTAssertEqual(plan.inPlace, [false, true, true])
        XCTAssertEqual(Set([logits, flat, probabilities].map { plan.offsets[$0] }).count, 1)
        XCTAssertEqual(plan.arenaBytes, 464)
        XCTAssertEqual(plan.lowerBoundBytes, 800)
    }

    func testReshapeOfATensorReadLaterIsACopy() {
        var b = Builder()
        let x = b.input([1, 64])
        let h = b.dense(x, 32)
        let flat = b.reshape(h, [4, 8])
        b.output(flat)
        b.output(b.dense(h, 8))
        let plan = MemoryPlanner.plan(b.model)
        PlanChecker.check(b.model, plan)
        XCTAssertEqual(plan.inPlace, [false, false, false])
        XCTAssertNotEqual(plan.offsets[h], plan.offsets[flat])
    }

    /// Residual block: x → dense → a; a + x. The add overwrites a (input1, which dies there); x lives in
    /// parallel all along.
    func testResidualAddRunsInPlace() {
        var b = Builder()
        let x = b.input([1, 256])
        let a = b.dense(x, 256)
        let s = b.add(a, x)
        b.output(b.dense(s, 10))
        let plan = MemoryPlanner.plan(b.model)
        PlanChecker.check(b.model, plan)
        XCTAssertEqual(plan.inPlace, [false, true, false])
        XCTAssertEqual(plan.offsets[s], plan.offsets[a])
        XCTAssertEqual(plan.arenaBytes, 512)
        XCTAssertEqual(plan.lowerBoundBytes, 768)
    }

    /// The add overwrites the input read without broadcast; an input that is broadcast, or read later, is kept.
    func testBinaryInPlacePicksTheUnbroadcastInputThatDies() {
        var b = Builder()
        let x = b.input([1, 4, 8, 8])
        let scale = b.input([1, 4, 1, 1])
        let y = b.transpose(x)
        let gated = b.mul(scale, y)                 // input1 broadcast: overwrite input2 (y)
        let z = b.transpose(gated)
        let shifted = b.add(scale, z)               // scale still live? no: last read here, but it is broadcast
        b.output(shifted)
        let plan = MemoryPlanner.plan(b.model)
        PlanChecker.check(b.model, plan)
        XCTAssertEqual(plan.inPlace, [false, true, false, true])
        XCTAssertEqual(plan.offsets[gated], plan.offsets[y])
        XCTAssertEqual(plan.offsets[shifted], plan.offsets[z])
        XCTAssertNotEqual(plan.offsets[shifted], plan.offsets[scale])

        // Both inputs broadcast against each other ([1, 4, 1, 8] + [1, 1, 8, 1]): nothing can be overwritten.
        var c = Builder()
        let p = c.input([1, 4, 1, 8]), q = c.input([1, 1, 8, 1])
        c.output(c.add(p, q))
        let outer = MemoryPlanner.plan(c.model)
        PlanChecker.check(c.model, outer)
        XCTAssertEqual(outer.inPlace, [false])
    }

    /// x + x: both reads are at the output index, so overwriting x is safe.
    func testAddOfATensorToItself() {
        var b = Builder()
        let x = b.input([1, 40])
        let h = b.dense(x, 40)
        b.output(b.add(h, h))
        let plan = MemoryPlanner.plan(b.model)
        PlanChecker.check(b.model, plan)
        XCTAssertEqual(plan.inPlace, [false, true])
    }

    // MARK: Concat

    /// Two branches written straight into their slices of the concat's output: the concat costs nothing.
    func testConcatInputsAreWrittenIntoTheOutput() {
        var b = Builder()
        let x = b.input([1, 16])
        let left = b.dense(x, 64)
        let right = b.dense(x, 64)
        let joined = b.concat([left, right])
        b.output(b.dense(joined, 8))
        let plan = MemoryPlanner.plan(b.model)
        PlanChecker.check(b.model, plan)
        XCTAssertEqual(plan.inPlace, [false, false, true, false])
        XCTAssertEqual(plan.offsets[left], plan.offsets[joined])
        XCTAssertEqual(plan.offsets[right], plan.offsets[joined] + 64)
        XCTAssertEqual(plan.arenaBytes, 144, "x + the concat's 128 bytes; copying would need 256")
        XCTAssertEqual(plan.strategies["greedy-by-size" + MemoryPlanner.concatCopiedSuffix], 256)
    }

    /// A chain ending in a branch's in-place activation moves into the slice as a whole.
    func testConcatTakesInPlaceChains() {
        var b = Builder()
        let x = b.input([1, 16])
        let h = b.dense(x, 32)
        let act = b.table(h)
        let other = b.dense(x, 32)
        let joined = b.concat([act, other])
        b.output(joined)
        let plan = MemoryPlanner.plan(b.model)
        PlanChecker.check(b.model, plan)
        XCTAssertEqual(plan.inPlace, [false, true, false, true])
        XCTAssertEqual(plan.offsets[h], plan.offsets[joined])
        XCTAssertEqual(plan.offsets[act], plan.offsets[joined])
        XCTAssertEqual(plan.offsets[other], plan.offsets[joined] + 32)
    }

    func testConcatIsCopiedWhenItsInputsCannotBeShared() {
        func plan(_ build: (inout Builder) -> Void) -> MemoryPlan {
            var b = Builder()
            build(&b)
            let plan = MemoryPlanner.plan(b.model)
            PlanChecker.check(b.model, plan)
            return plan
        }
        // A model input as a part.
        XCTAssertEqual(plan { b in
            let x = b.input([1, 16])
            b.output(b.concat([b.dense(x, 8), x]))
        }.inPlace, [false, false])
        // A part that another layer reads too.
        XCTAssertEqual(plan { b in
            let x = b.input([1, 16])
            let h = b.dense(x, 8)
            let joined = b.concat([h, b.dense(x, 8)])
            b.output(b.add(joined, b.concat([h, h])))
        }.inPlace[2], false)
        // A part that is a model output.
        XCTAssertEqual(plan { b in
            let x = b.input([1, 16])
            let h = b.dense(x, 8)
            b.output(b.concat([h, b.dense(x, 8)]))
            b.output(h)
        }.inPlace, [false, false, false])
        // A requantized part.
        XCTAssertEqual(plan { b in
            let x = b.input([1, 16])
            b.output(b.concat([b.dense(x, 8), b.dense(x, 8)], requantized: [1]))
        }.inPlace, [false, false, false])
        // outer > 1: the parts interleave in the output.
        XCTAssertEqual(plan { b in
            let x = b.input([1, 16])
            let p = b.reshape(b.dense(x, 8), [2, 4]), q = b.reshape(b.dense(x, 8), [2, 4])
            b.output(b.concat([p, q], outer: 2))
        }.inPlace[4], false)
        // A slice that would start off the 4-byte grid.
        XCTAssertEqual(plan { b in
            let x = b.input([1, 16])
            b.output(b.concat([b.dense(x, 6), b.dense(x, 10)]))
        }.inPlace, [false, false, false])
    }

    /// Writing parts in place reserves the whole output from the first part on; when that costs more than the
    /// copy, the copying variant wins.
    func testConcatCopyWinsWhenItIsSmaller() {
        var b = Builder()
        let x = b.input([1, 4])
        let early = b.dense(x, 400)
        let big = b.dense(x, 2000)
        let bigger = b.dense(big, 2000)
        let late = b.dense(bigger, 400)
        let joined = b.concat([early, late])
        b.output(b.dense(joined, 4))
        let plan = MemoryPlanner.plan(b.model)
        PlanChecker.check(b.model, plan)
        XCTAssertTrue(plan.strategy.hasSuffix(MemoryPlanner.concatCopiedSuffix), plan.strategy)
        XCTAssertEqual(plan.inPlace[4], false)
        XCTAssertEqual(plan.arenaBytes, 4400)
        // In place, the 800-byte concat output sits beside both 2000-byte tensors.
        XCTAssertEqual(MemoryPlanner.strategyNames.compactMap { plan.strategies[$0] }.min(), 4800)
    }

    // MARK: Strategies

    func testSmallestStrategyWinsWithFixedTieBreak() {
        var rng = SeededGenerator(seed: 5)
        for k in 0..<60 {
            let model = randomModel(&rng)
            let plan = MemoryPlanner.plan(model)
            PlanChecker.check(model, plan)
            let order = MemoryPlanner.strategyNames + MemoryPlanner.strategyNames.map { $0 + MemoryPlanner.concatCopiedSuffix }
            let tried = order.filter { plan.strategies[$0] != nil }
            XCTAssertEqual(Set(tried), Set(plan.strategies.keys), "model \(k)")
            let smallest = plan.strategies.values.min()
            XCTAssertEqual(plan.arenaBytes, smallest, "model \(k)")
            XCTAssertEqual(plan.strategy, tried.first { plan.strategies[$0] == smallest }, "model \(k)")
        }
        XCTAssertEqual(MemoryPlanner.strategyNames, ["greedy-by-size", "greedy-by-lifetime", "first-fit", "two-ended"])
        // Greedy by size fragments this chain; first-fit and two-ended both reach 68, first-fit comes first.
        let plan = chainPlan([40, 20, 32, 36])
        XCTAssertEqual(plan.strategies, ["greedy-by-size": 88, "greedy-by-lifetime": 88, "first-fit": 68, "two-ended": 68])
        XCTAssertEqual(plan.strategy, "first-fit")
    }

    func testRandomGraphsArePlannedSafelyAndDeterministically() throws {
        var rng = SeededGenerator(seed: 99)
        for k in 0..<150 {
            let model = randomModel(&rng)
            let plan = MemoryPlanner.plan(model)
            PlanChecker.check(model, plan)
            XCTAssertEqual(MemoryPlanner.plan(model), plan, "model \(k)")
            // A copy rebuilt from its JSON (fresh arrays, fresh hashing seeds for any Dictionary) plans the same.
            let copy = try JSONDecoder().decode(QModel.self, from: JSONEncoder().encode(model))
            XCTAssertEqual(MemoryPlanner.plan(copy), plan, "model \(k)")
        }
    }

    /// Without any layer that can run in place, no plan beats the live-tensor lower bound.
    func testLowerBoundNeverExceedsTheArenaWithoutInPlace() {
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<100 {
            let model = randomModel(&rng, inPlaceOps: false)
            let plan = MemoryPlanner.plan(model)
            PlanChecker.check(model, plan)
            XCTAssertEqual(plan.inPlace, [Bool](repeating: false, count: model.layers.count))
            XCTAssertLessThanOrEqual(plan.lowerBoundBytes, plan.arenaBytes)
            XCTAssertLessThanOrEqual(plan.occupancy.max() ?? 0, plan.arenaBytes)
        }
    }

    // MARK: Scratch, edge cases

    func testScratchIsPlacedInsideTheArena() {
        var b = Builder()
        let x = b.input([1, 64])
        let h = b.dense(x, 64)
        b.output(b.dense(h, 64))
        let without = MemoryPlanner.plan(b.model)
        XCTAssertEqual(without.scratchBytes, [0, 0])
        XCTAssertEqual(without.scratchOffsets, [-1, -1])
        let plan = MemoryPlanner.plan(b.model, scratchBytes: [10, 0])
        PlanChecker.check(b.model, plan)
        XCTAssertEqual(plan.scratchBytes, [10, 0])
        XCTAssertEqual(plan.arenaBytes, 140, "x + h + 12 bytes of scratch during layer 0")
        XCTAssertEqual(plan.lowerBoundBytes, 138)
        XCTAssertEqual(plan.occupancy, [138, 128])
    }

    func testLayerlessAndEmptyModels() {
        var b = Builder()
        let x = b.input([3, 5])
        b.output(x)
        let plan = MemoryPlanner.plan(b.model)
        PlanChecker.check(b.model, plan)
        XCTAssertEqual(plan.arenaBytes, 16)
        XCTAssertEqual(plan.occupancy, [])
        let empty = MemoryPlanner.plan(QModel(name: "empty"))
        XCTAssertEqual(empty.arenaBytes, 0)
        XCTAssertEqual(empty.lowerBoundBytes, 0)
    }

    func testMalformedModelDoesNotTrap() {
        var b = Builder()
        let x = b.input([1, 8])
        let h = b.dense(x, 8)
        b.output(h)
        var model = b.model
        model.layers.append(QLayer(name: "bad", sourceOps: [], op: .reshape(input: 99, output: -1)))
        model.layers.append(QLayer(name: "again", sourceOps: [], op: .table(QTable(input: h, output: h, table: []))))
        model.outputs.append(1234)
        model.inputs.append(-5)
        model.tensors.append(QTensor(name: "huge", shape: [-1, 4], quant: b.quant))
        let plan = MemoryPlanner.plan(model)
        XCTAssertEqual(plan.offsets.count, model.tensors.count)
        XCTAssertEqual(plan.inPlace, [false, false, false])
    }

    // MARK: Random models

    /// A random DAG: each layer reads one or two recent tensors; binary ops, concats and in-place-capable ops
    /// appear when `inPlaceOps`. Every tensor is [1, n] (or [k, m] for broadcasts).
    func randomModel(_ rng: inout SeededGenerator, inPlaceOps: Bool = true) -> QModel {
        var b = Builder()
        var pool: [Int] = []
        for _ in 0..<Int.random(in: 1...2, using: &rng) { pool.append(b.input([1, 4 * Int.random(in: 1...32, using: &rng)])) }
        for _ in 0..<Int.random(in: 1...16, using: &rng) {
            let pick = pool[pool.count - 1 - Int.random(in: 0..<min(pool.count, 3), using: &rng)]
            let kind = inPlaceOps ? Int.random(in: 0..<8, using: &rng) : 0
            let n = b.model.tensors[pick].count
            switch kind {
            case 1: pool.append(b.table(pick))
            case 2: pool.append(b.reshape(pick, [n]))
            case 3:
                let other = pool.filter { b.model.tensors[$0].shape == b.model.tensors[pick].shape }.randomElement(using: &rng) ?? pick
                pool.append(Bool.random(using: &rng) ? b.add(pick, other) : b.mul(other, pick))
            case 4:
                let parts = (0..<Int.random(in: 1...3, using: &rng)).map { _ in
                    b.dense(pool[pool.count - 1 - Int.random(in: 0..<min(pool.count, 2), using: &rng)], 4 * Int.random(in: 1...24, using: &rng))
                }
                pool.append(b.concat(parts))
            case 5: pool.append(b.softmax(pick))
            case 6:
                // A [rows, 1] column broadcast over [rows, cols].
                let rows = Int.random(in: 1...4, using: &rng), cols = Int.random(in: 1...8, using: &rng)
                let column = b.reshape(b.dense(pick, rows), [rows, 1])
                let wide = b.reshape(b.dense(pick, rows * cols), [rows, cols])
                pool.append(Bool.random(using: &rng) ? b.mul(column, wide) : b.add(wide, column))
            default: pool.append(b.dense(pick, Int.random(in: 1...160, using: &rng)))
            }
        }
        b.output(pool[pool.count - 1])
        if pool.count > 3, Bool.random(using: &rng) { b.output(pool[pool.count / 2]) }
        return b.model
    }
}
