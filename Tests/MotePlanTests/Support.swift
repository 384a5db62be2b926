import MoteIR
import MotePlan
import XCTest


/// Builds QModels whose structure is all the planner looks at: shapes, layer kinds, inputs and outputs.
/// Arithmetic parameters are left empty (the planner never reads them).
struct Builder {
    var model = QModel(name: "test")
    let quant = QuantParams(scale: 0.1, zeroPoint: 0)

    mutating func tensor(_ shape: [Int], quant: QuantParams? = nil) -> Int {
        model.tensors.append(QTensor(name: "t\(model.tensors.count)", shape: shape, quant: quant ?? self.quant))
        return model.tensors.count - 1
    }

    mutating func input(_ shape: [Int]) -> Int {
        let t = tensor(shape)
        model.inputs.append(t)
        return t
    }

    mutating func output(_ t: Int) { model.outputs.append(t) }

    mutating func layer(_ op: QOp) { model.layers.append(QLayer(name: "l\(model.layers.count)", sourceOps: [], op: op)) }

    /// A layer that never runs in place: [1, features] → [1, n].
    mutating func dense(_ x: Int, _ n: Int) -> Int {
        let y = tensor([1, n])
        layer(.dense(QDense(input: x, output: y, rows: 1, inFeatures: model.tensors[x].count, outFeatures: n, weights: [],
                            bias: [], requant: [], inputOffset: 0, outputZeroPoint: 0, clampMin: -128, clampMax: 127)))
        return y
    }

    /// Same shape, never in place.
    mutating func transpose(_ x: Int) -> Int {
        let shape = model.tensors[x].shape
        let y = tensor(shape)
        layer(.transpose(QTranspose(input: x, output: y, inShape: shape, perm: Array(shape.indices))))
        return y
    }

    mutating func table(_ x: Int) -> Int {
        let y = tensor(model.tensors[x].shape)
        layer(.table(QTable(input: x, output: y, table: [])))
        return y
    }

    mutating func softmax(_ x: Int) -> Int {
        let y = tensor(model.tensors[x].shape)
        let n = model.tensors[x].count
        layer(.softmax(QSoftmax(input: x, output: y, outer: 1, axis: n, inner: 1, expTable: [])))
        return y
    }

    mutating func reshape(_ x: Int, _ shape: [Int]) -> Int {
        let y = tensor(shape)
        layer(.reshape(input: x, output: y))
        return y
    }

    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: shape.count)
        var s = 1
        for d in shape.indices.reversed() { strides[d] = s; s *= shape[d] }
        return strides
    }

    /// Numpy broadcasting of two tensors of equal rank.
    static func broadcast(_ a: [Int], _ b: [Int]) -> QBroadcast {
        let shape = zip(a, b).map { max($0, $1) }
        let sa = strides(a), sb = strides(b)
        return QBroadcast(shape: shape, strides1: a.indices.map { a[$0] == 1 && shape[$0] > 1 ? 0 : sa[$0] },
                          strides2: b.indices.map { b[$0] == 1 && shape[$0] > 1 ? 0 : sb[$0] })
    }

    mutating func add(_ a: Int, _ b: Int) -> Int {
        let bc = Self.broadcast(model.tensors[a].shape, model.tensors[b].shape)
        let y = tensor(bc.shape)
        let m = QMultiplier(multiplier: 0, shift: 0)
        layer(.add(QAdd(input1: a, input2: b, output: y, broadcast: bc, subtract: false, leftShift: 20, input1Offset: 0,
                        input1Multiplier: m, input2Offset: 0, input2Multiplier: m, outputMultiplier: m, outputZeroPoint: 0,
                        clampMin: -128, clampMax: 127)))
        return y
    }

    mutating func mul(_ a: Int, _ b: Int) -> Int {
        let bc = Self.broadcast(model.tensors[a].shape, model.tensors[b].shape)
        let y = tensor(bc.shape)
        layer(.mul(QMul(input1: a, input2: b, output: y, broadcast: bc, input1Offset: 0, input2Offset: 0,
                        multiplier: QMultiplier(multiplier: 0, shift: 0), outputZeroPoint: 0, clampMin: -128, clampMax: 127)))
        return y
    }

    /// Concatenation of [outer, size_k] inputs along axis 1; `requantized[k]` marks a part whose quantization
    /// differs from the output's.
    mutating func concat(_ xs: [Int], outer: Int = 1, requantized: Set<Int> = []) -> Int {
        let rows = xs.map { model.tensors[$0].count / max(outer, 1) }
        let y = tensor([outer, rows.reduce(0, +)])
        let parts = xs.enumerated().map { k, x in
            QConcat.Part(input: x, rowSize: rows[k], requant: requantized.contains(k) ? QMultiplier(multiplier: 1 << 30, shift: 1) : nil,
                         inputZeroPoint: 0)
        }
        layer(.concat(QConcat(parts: parts, output: y, outer: outer, outputZeroPoint: 0)))
        return y
    }
}

/// Checks a plan against the model only, never against the planner's own bookkeeping: lifetimes recomputed
/// here, every pair of tensors alive at one step either disjoint in the arena or a declared in-place alias whose
/// geometry and kernel safety are verified here, alignment, bounds, occupancy and the lower bound.
enum PlanChecker {
    /// first: the writing step (−1: model input); last: the last reading step (layers.count: model output).
    static func liveRanges(_ model: QModel) -> [ClosedRange<Int>?] {
        var first = [Int?](repeating: nil, count: model.tensors.count)
        var last = [Int](repeating: -1, count: model.tensors.count)
        func touch(_ t: Int, _ step: Int) {
            first[t] = min(first[t] ?? step, step)
            last[t] = max(last[t], step)
        }
        for t in model.inputs { touch(t, -1) }
        for (i, layer) in model.layers.enumerated() {
            for t in layer.op.inputs { touch(t, i) }
            touch(layer.op.output, i)
        }
        for t in model.outputs { touch(t, model.layers.count) }
        return model.tensors.indices.map { t in first[t].map { $0...last[t] } }
    }

    static func bytes(_ model: QModel, _ t: Int) -> Int { model.tensors[t].count }

    /// Readers of each tensor: layer input slots plus model-output slots.
    static func readCounts(_ model: QModel) -> [Int] {
        var reads = [Int](repeating: 0, count: model.tensors.count)
        for layer in model.layers { for t in layer.op.inputs { reads[t] += 1 } }
        for t in model.outputs { reads[t] += 1 }
        return reads
    }

    static func check(_ model: QModel, _ plan: MemoryPlan, file: StaticString = #filePath, line: UInt = #line) {
        let n = model.tensors.count
        let ranges = liveRanges(model)
        XCTAssertEqual(plan.offsets.count, n, file: file, line: line)
        XCTAssertEqual(plan.sizes, model.tensors.map(\.count), file: file, line: line)
        XCTAssertEqual(plan.liveRanges, ranges.map { $0.map { LiveRange(first: $0.lowerBound, last: $0.upperBound) } },
                       file: file, line: line)
        XCTAssertEqual(plan.inPlace.count, model.layers.count, file: file, line: line)
        XCTAssertEqual(plan.arenaBytes % 4, 0, file: file, line: line)
        XCTAssertEqual(plan.strategies[plan.strategy], plan.arenaBytes, file: file, line: line)
        for t in 0..<n {
            guard ranges[t] != nil else {
                XCTAssertEqual(plan.offsets[t], -1, "unused tensor \(t)", file: file, line: line)
                continue
            }
            XCTAssertGreaterThanOrEqual(plan.offsets[t], 0, file: file, line: line)
            XCTAssertEqual(plan.offsets[t] % 4, 0, "tensor \(t) offset \(plan.offsets[t])", file: file, line: line)
            XCTAssertLessThanOrEqual(plan.offsets[t] + bytes(model, t), plan.arenaBytes, "tensor \(t) ends past the arena",
                                     file: file, line: line)
        }

        // Every in-place claim must be true of the model and safe for the kernel.
        var aliases: Set<[Int]> = []
        let reads = readCounts(model)
        for (i, layer) in model.layers.enumerated() where plan.inPlace[i] {
            let y = layer.op.output
            if case .concat(let p) = layer.op {
                XCTAssertEqual(p.outer, 1, "layer \(i)", file: file, line: line)
                var offset = 0
                for part in p.parts {
                    let x = part.input
                    XCTAssertNil(part.requant, "layer \(i): a requantized part cannot be written in place", file: file, line: line)
                    XCTAssertEqual(plan.offsets[x], plan.offsets[y] + offset, "layer \(i): input t\(x) not at its slice", file: file, line: line)
                    XCTAssertFalse(model.inputs.contains(x) || model.outputs.contains(x), "layer \(i) t\(x)", file: file, line: line)
                    XCTAssertEqual(reads[x], 1, "layer \(i): t\(x) is read elsewhere", file: file, line: line)
                    XCTAssertEqual(part.rowSize, bytes(model, x), file: file, line: line)
                    aliases.insert([x, y])
                    offset += part.rowSize
                }
                continue
            }
            let candidates: [Int]
            switch layer.op {
            case .table(let p): candidates = [p.input]
            case .softmax(let p): candidates = [p.input]
            case .reshape(let x, _): candidates = [x]
            case .add(let p): candidates = natural(p.broadcast, [(p.input1, p.broadcast.strides1), (p.input2, p.broadcast.strides2)])
            case .mul(let p): candidates = natural(p.broadcast, [(p.input1, p.broadcast.strides1), (p.input2, p.broadcast.strides2)])
            default: candidates = []
            }
            let shared = candidates.filter { plan.offsets[$0] == plan.offsets[y] && bytes(model, $0) == bytes(model, y) }
            XCTAssertFalse(shared.isEmpty, "layer \(i) (\(layer.op.name)) claims in place, but no safe input shares its output's bytes",
                           file: file, line: line)
            for x in shared {
                XCTAssertEqual(ranges[x]?.upperBound, i, "layer \(i): input t\(x) is still needed after it is overwritten",
                               file: file, line: line)
                XCTAssertFalse(model.outputs.contains(x), file: file, line: line)
                aliases.insert([x, y])
            }
        }

        for t in 0..<n {
            guard let r = ranges[t], bytes(model, t) > 0 else { continue }
            let a = plan.offsets[t]..<(plan.offsets[t] + bytes(model, t))
            for u in 0..<t {
                guard let s = ranges[u], r.overlaps(s), bytes(model, u) > 0 else { continue }
                let b = plan.offsets[u]..<(plan.offsets[u] + bytes(model, u))
                guard a.overlaps(b) else { continue }
                // A declared alias shares bytes only at the one step where the layer consumes one and makes the other.
                let declared = aliases.contains([u, t]) || aliases.contains([t, u])
                let touchOnly = r.lowerBound == s.upperBound || s.lowerBound == r.upperBound
                XCTAssertTrue(declared && touchOnly, "t\(u) \(s) at \(b) and t\(t) \(r) at \(a) are live together and overlap",
                              file: file, line: line)
            }
        }

        for (i, bytes) in plan.scratchBytes.enumerated() where bytes > 0 {
            let s = plan.scratchOffsets[i]..<(plan.scratchOffsets[i] + bytes)
            XCTAssertLessThanOrEqual(s.upperBound, plan.arenaBytes, file: file, line: line)
            for t in 0..<n where ranges[t]?.contains(i) == true {
                XCTAssertFalse(s.overlaps(plan.offsets[t]..<(plan.offsets[t] + self.bytes(model, t))),
                               "scratch of layer \(i) overlaps t\(t)", file: file, line: line)
            }
        }

        XCTAssertEqual(plan.lowerBoundBytes, lowerBound(model, scratch: plan.scratchBytes), file: file, line: line)
        XCTAssertEqual(plan.occupancy.count, model.layers.count, file: file, line: line)
        for i in model.layers.indices {
            var used = Set<Int>()
            for t in 0..<n where ranges[t]?.contains(i) == true {
                used.formUnion(plan.offsets[t]..<(plan.offsets[t] + bytes(model, t)))
            }
            if plan.scratchBytes[i] > 0 { used.formUnion(plan.scratchOffsets[i]..<(plan.scratchOffsets[i] + plan.scratchBytes[i])) }
            XCTAssertEqual(plan.occupancy[i], used.count, "occupancy at step \(i)", file: file, line: line)
            XCTAssertLessThanOrEqual(plan.occupancy[i], plan.arenaBytes, file: file, line: line)
        }
    }

    /// Inputs read at the output's own flat index (the natural row-major strides on every axis longer than 1).
    static func natural(_ b: QBroadcast, _ inputs: [(Int, [Int])]) -> [Int] {
        let strides = Builder.strides(b.shape)
        return inputs.filter { _, s in b.shape.indices.allSatisfy { b.shape[$0] == 1 || s[$0] == strides[$0] } }.map(\.0)
    }

    /// The most bytes that tensors alive at one step (from −1 to layers.count) take, each on its own, plus scratch.
    static func lowerBound(_ model: QModel, scratch: [Int] = []) -> Int {
        let ranges = liveRanges(model)
        var best = 0
        for step in -1...model.layers.count {
            var total = step >= 0 && step < scratch.count ? scratch[step] : 0
            for t in model.tensors.indices where ranges[t]?.contains(step) == true { total += bytes(model, t) }
            best = max(best, total)
        }
        return best
    }

    static func align(_ x: Int) -> Int { (x + 3) / 4 * 4 }
}
