import MoteIR
import MotePlan

/// Where every byte of flash and RAM goes, per layer and in total, and whether it fits a budget.
///
/// Built from the program (`QModel`: weights, MACs, shapes), its arena plan (`MemoryPlan`) and, when a compiler
/// was run, what the objects really hold (`SizeMeasurement`). Figures that need a compiler (code, stack, the
/// flash of parameter blocks) come only from a measurement; `measuredOn` names the target whose figures the
/// totals use, or is nil when nothing was measured (then flash counts the model's constant arrays only and RAM
/// the arena only). Everything needed to render the Markdown and the SVG is in here, so `mote report` can
/// re-render a saved `report.json` with other budgets.
public struct SizeReport: Sendable, Equatable, Codable {
    /// Format of this structure; bumped when a field changes meaning.
    public var version: Int
    /// The C prefix of the emitted code (`<name>_run`, `<name>.c`).
    public var name: String
    /// The source model's own name (`QModel.name`).
    public var modelName: String
    /// "cortex-m4" or "host": the target whose measured figures the totals use; nil when none was measured.
    public var measuredOn: String?
    /// Totals that come from the measurement (JSON names); the rest are computed from the model and the plan.
    public var measured: [String]

    /// Code + constants + initial data (measured); the constant arrays alone when not measured.
    public var flashBytes: Int
    /// Arena + static data + deepest stack (measured); the planned arena alone when not measured.
    public var ramBytes: Int
    /// Weights of every layer as stored (int8 or int4, dense or sparse with its bitmask and row starts).
    public var weightsBytes: Int
    /// int32 biases.
    public var biasBytes: Int
    /// Per-channel requantization: an int32 multiplier and an int32 shift per output channel.
    public var requantBytes: Int
    /// Lookup tables (256 int8 entries per table layer, 256 uint32 per softmax).
    public var tableBytes: Int
    /// The model's constants as the compiler laid them out: arrays plus parameter blocks (`<name>.o` read-only
    /// data). Computed: weights + bias + requant + tables.
    public var constantBytes: Int
    /// Functions: kernels, `<name>_run`, helpers. nil when not measured.
    public var codeBytes: Int?
    /// Deepest call chain from `<name>_run`. nil when not measured.
    public var stackBytes: Int?
    /// RAM beyond the arena and the stack (other `.bss`/`.data`). nil when not measured.
    public var staticBytes: Int?
    /// The arena the C reserves (measured symbol size; the plan's when not measured).
    public var arenaBytes: Int
    /// The planner's arena.
    public var plannedArenaBytes: Int
    /// The most bytes alive at once if no two tensors shared bytes.
    public var lowerBoundBytes: Int
    public var arenaStrategy: String
    /// Every placement strategy tried, smallest arena first.
    public var strategies: [StrategyResult]
    public var macs: Int
    public var layers: [LayerSize]
    public var arena: ArenaTimeline
    /// Chain of the deepest stack on the measured target.
    public var stackChain: [StackFrame]
    /// Everything measured, per target.
    public var measurement: SizeMeasurement?
    public var budget: Budget
    /// nil when no budget was given.
    public var verdict: BudgetVerdict?
    /// Per conv/dense layer, the measured cost of int4 and pruning (`mote compile --sensitivity` or
    /// `--accuracy-budget`); nil when not measured.
    public var sensitivity: Sensitivity?
    /// Pruned layers stored dense because their sparse form, measured, made the image larger; nil when none.
    public var denseFallback: DenseFallback?

    public static let currentVersion = 1
}

/// Layers whose sparse storage alone was smaller than dense but which are stored dense, because with them sparse
/// the measured flash was larger: the sparse kernel's code outweighed the weight bytes saved (small models).
public struct DenseFallback: Sendable, Equatable, Codable {
    public var layers: [String]
    /// Measured flash (the report's target) with those layers sparse; the report's `flashBytes` is as compiled.
    public var sparseFlashBytes: Int

    public init(layers: [String], sparseFlashBytes: Int) {
        self.layers = layers
        self.sparseFlashBytes = sparseFlashBytes
    }
}

public struct StrategyResult: Sendable, Equatable, Codable {
    public var name: String
    public var arenaBytes: Int

    public init(name: String, arenaBytes: Int) {
        self.name = name
        self.arenaBytes = arenaBytes
    }
}

/// One layer's share.
public struct LayerSize: Sendable, Equatable, Codable {
    public var index: Int
    public var name: String
    public var op: String
    public var sourceOps: [String]
    public var outputShape: [Int]
    public var macs: Int
    /// The weights as the C stores them (`QWeightStorage`): values, and for sparse storage the bitmask and row starts.
    public var weightsBytes: Int
    /// Conv/dense only (nil otherwise): the weight width in bits (8 or 4), "dense" or "sparse", and how many
    /// weights are not zero.
    public var weightBits: Int?
    public var weightStorage: String?
    public var weightNonZeros: Int?
    public var biasBytes: Int
    /// Multipliers and shifts (int32 each, per output channel).
    public var requantBytes: Int
    public var tableBytes: Int
    /// The layer's constants in flash: measured (its arrays and parameter block as the compiler laid them out)
    /// when a measurement exists, else weights + bias + requant + table.
    public var flashBytes: Int
    /// Where the layer's output tensor lives in the arena (−1: nowhere) and its bytes.
    public var arenaOffset: Int
    public var arenaBytes: Int
    /// Arena bytes in use while the layer runs (its inputs, its output and everything else alive then).
    public var ramBytes: Int
    /// The output overwrites the input's bytes (or, for a concat, the inputs were written in place).
    public var inPlace: Bool
    public var scratchBytes: Int
}

/// One tensor's place in the arena over the schedule.
public struct ArenaTensor: Sendable, Equatable, Codable {
    public var index: Int
    public var name: String
    public var bytes: Int
    public var offset: Int
    /// First and last step it is alive (−1: the input copy, layer count: the output copy).
    public var first: Int
    public var last: Int
    /// Layer that writes it; nil for a model input.
    public var producer: Int?
}

/// Arena use per step, and what is alive at the peak.
public struct ArenaTimeline: Sendable, Equatable, Codable {
    /// Bytes in use during each layer (bytes shared in place count once).
    public var occupancy: [Int]
    /// Layer with the largest occupancy (the first one on ties); nil for a model without layers.
    public var peakStep: Int?
    public var peakBytes: Int
    /// Tensors alive during the peak step, by offset.
    public var peakTensors: [ArenaTensor]
    /// Bytes of the peak step's kernel scratch.
    public var peakScratchBytes: Int
    /// Every tensor that lives in the arena, by index.
    public var tensors: [ArenaTensor]
}

extension SizeReport {
    /// Builds the report. Never traps on a malformed model or a plan of the wrong length: what is out of range
    /// counts as absent.
    /// `name` is the C prefix the code was emitted with.
    public init(model: QModel, plan: MemoryPlan, measurement: SizeMeasurement?, name: String, budget: Budget = Budget()) {
        let target = measurement?.preferred
        func at<T>(_ a: [T], _ i: Int) -> T? { i >= 0 && i < a.count ? a[i] : nil }

        var layers: [LayerSize] = []
        for (i, layer) in model.layers.enumerated() {
            let c = Self.constants(layer.op)
            let storage = layer.op.weightStorage
            let out = layer.op.output
            let computed = c.weights + c.bias + c.requant + c.table
            let measuredFlash = target.flatMap { at($0.layerSymbols, i) }.map { $0.reduce(0) { $0 + $1.bytes } }
            layers.append(LayerSize(index: i, name: layer.name, op: layer.op.name, sourceOps: layer.sourceOps,
                                    outputShape: at(model.tensors, out)?.shape ?? [], macs: Self.macs(layer.op),
                                    weightsBytes: c.weights, weightBits: storage?.bits.rawValue,
                                    weightStorage: storage?.encoding.rawValue, weightNonZeros: storage?.nonZeros,
                                    biasBytes: c.bias, requantBytes: c.requant,
                                    tableBytes: c.table, flashBytes: measuredFlash ?? computed,
                                    arenaOffset: at(plan.offsets, out) ?? -1, arenaBytes: at(plan.sizes, out) ?? 0,
                                    ramBytes: at(plan.occupancy, i) ?? 0,
                                    inPlace: at(plan.inPlace, i) ?? false, scratchBytes: at(plan.scratchBytes, i) ?? 0))
        }
        func total(_ f: (LayerSize) -> Int) -> Int { layers.reduce(0) { $0 + f($1) } }

        version = Self.currentVersion
        self.name = name
        modelName = model.name
        measuredOn = target?.target
        weightsBytes = total(\.weightsBytes)
        biasBytes = total(\.biasBytes)
        requantBytes = total(\.requantBytes)
        tableBytes = total(\.tableBytes)
        macs = total(\.macs)
        plannedArenaBytes = plan.arenaBytes
        lowerBoundBytes = plan.lowerBoundBytes
        arenaStrategy = plan.strategy
        strategies = plan.strategies.map { StrategyResult(name: $0.key, arenaBytes: $0.value) }
            .sorted { ($0.arenaBytes, $0.name) < ($1.arenaBytes, $1.name) }
        self.layers = layers
        arena = Self.timeline(model: model, plan: plan)
        self.measurement = measurement
        self.budget = budget

        if let t = target {
            measured = ["arena_bytes", "code_bytes", "constant_bytes", "flash_bytes", "layers.flash_bytes", "ram_bytes",
                        "stack_bytes", "static_bytes"]
            flashBytes = t.flashBytes
            constantBytes = t.modelConstantBytes
            codeBytes = t.codeBytes
            stackBytes = t.stack.bytes
            staticBytes = t.staticBytes
            // A model without an arena symbol (no tensors) reserves nothing; fall back to the plan then.
            arenaBytes = t.arenaBytes > 0 ? t.arenaBytes : plan.arenaBytes
            ramBytes = arenaBytes + t.staticBytes + t.stack.bytes
            stackChain = t.stack.chain
        } else {
            measured = []
            constantBytes = weightsBytes + biasBytes + requantBytes + tableBytes
            flashBytes = constantBytes
            codeBytes = nil
            stackBytes = nil
            staticBytes = nil
            arenaBytes = plan.arenaBytes
            ramBytes = plan.arenaBytes
            stackChain = []
        }
        verdict = nil
        verdict = budget.isEmpty ? nil : evaluate(budget)
    }

    /// The same report judged against another budget (what `mote report --flash-budget` does with a saved report).
    public func applying(_ budget: Budget) -> SizeReport {
        var r = self
        r.budget = budget
        r.verdict = budget.isEmpty ? nil : evaluate(budget)
        return r
    }

    /// Layer `i`, or nil when out of range (a saved report is read back from a file).
    func layer(_ i: Int) -> LayerSize? { i >= 0 && i < layers.count ? layers[i] : nil }

    // MARK: Budget

    /// The verdict for `budget`, naming the three largest contributors to each figure.
    public func evaluate(_ budget: Budget) -> BudgetVerdict {
        var messages: [String] = []
        let basis = measuredOn.map { "measured on \($0)" } ?? "computed, not measured: code and stack are not counted"
        var flash: BudgetCheck?
        if let limit = budget.flash {
            let check = BudgetCheck(budgetBytes: limit, usedBytes: flashBytes, largest: flashCulprits())
            flash = check
            messages.append(Self.message("flash", check, basis: basis))
        }
        var ram: BudgetCheck?
        if let limit = budget.ram {
            let check = BudgetCheck(budgetBytes: limit, usedBytes: ramBytes, largest: ramCulprits())
            ram = check
            messages.append(Self.message("RAM", check, basis: basis))
        }
        return BudgetVerdict(flash: flash, ram: ram, messages: messages)
    }

    static func message(_ what: String, _ c: BudgetCheck, basis: String) -> String {
        let largest = c.largest.map { "\($0.layer.map { "layer \($0) " } ?? "")'\(Format.printable($0.name, limit: 40))' \(Format.grouped($0.bytes)) B (\($0.what))" }
        let costs = largest.isEmpty ? "" : "; largest: " + largest.joined(separator: ", ")
        if c.exceeded {
            return "\(what) budget exceeded by \(Format.grouped(c.overBytes)) B: \(Format.grouped(c.usedBytes)) B used of \(Format.grouped(c.budgetBytes)) B (\(basis))\(costs)"
        }
        return "\(what) fits: \(Format.grouped(c.usedBytes)) B used of \(Format.grouped(c.budgetBytes)) B, \(Format.grouped(c.headroomBytes)) B to spare (\(basis))"
    }

    /// The three layers with the most flash (largest first, lower index on ties).
    func flashCulprits() -> [Culprit] {
        let ranked = layers.filter { $0.flashBytes > 0 }.sorted { ($1.flashBytes, $0.index) < ($0.flashBytes, $1.index) }
        var list = ranked.prefix(3).map { l -> Culprit in
            let parts = [(l.weightsBytes, "weights"), (l.biasBytes, "bias"), (l.requantBytes, "requant"), (l.tableBytes, "table")]
                .filter { $0.0 > 0 }.map(\.1)
            return Culprit(layer: l.index, name: l.name, bytes: l.flashBytes, what: parts.isEmpty ? "parameters" : parts.joined(separator: ", "))
        }
        // Code is shared by all layers; name it when it outweighs the third layer.
        if let code = codeBytes, code > (list.count < 3 ? 0 : list[2].bytes) {
            list.append(Culprit(layer: nil, name: "code", bytes: code, what: "kernels and \(name)_run"))
            list.sort { ($1.bytes, $0.layer ?? Int.max) < ($0.bytes, $1.layer ?? Int.max) }
            list = Array(list.prefix(3))
        }
        return list
    }

    /// The three largest contributors to RAM: the layers whose outputs fill the arena at its peak (each tensor
    /// counted for the bytes it adds beyond tensors sharing its place), the peak layer's scratch, the stack.
    func ramCulprits() -> [Culprit] {
        var byLayer: [(layer: Int?, name: String, bytes: Int, what: [String])] = []
        func add(_ layer: Int?, _ name: String, _ bytes: Int, _ what: String) {
            guard bytes > 0 else { return }
            if let k = byLayer.firstIndex(where: { $0.layer == layer && $0.name == name }) {
                byLayer[k].bytes += bytes
                byLayer[k].what.append(what)
            } else {
                byLayer.append((layer, name, bytes, [what]))
            }
        }
        for (t, bytes) in arena.peakContributions() {
            if let p = t.producer, let l = layer(p) {
                add(p, l.name, bytes, "output t\(t.index) alive at the peak")
            } else {
                add(nil, "model input '\(Format.printable(t.name, limit: 32))'", bytes, "input t\(t.index) alive at the peak")
            }
        }
        if let step = arena.peakStep, let l = layer(step), arena.peakScratchBytes > 0 {
            add(step, l.name, arena.peakScratchBytes, "scratch")
        }
        if let s = stackBytes { add(nil, "stack", s, "deepest call chain") }
        return byLayer.sorted { ($1.bytes, $0.layer ?? Int.max) < ($0.bytes, $1.layer ?? Int.max) }.prefix(3)
            .map { Culprit(layer: $0.layer, name: $0.name, bytes: $0.bytes, what: $0.what.joined(separator: "; ")) }
    }

    // MARK: From the model and the plan

    struct Constants { var weights = 0, bias = 0, requant = 0, table = 0 }

    /// Bytes of the constant arrays the C keeps for one layer (parameter blocks excluded: their size depends on
    /// the target's pointer width, so only a measurement knows it).
    static func constants(_ op: QOp) -> Constants {
        switch op {
        case .conv(let p): return Constants(weights: p.weightStorage.bytes, bias: 4 * p.bias.count, requant: 8 * p.requant.count)
        case .dense(let p): return Constants(weights: p.weightStorage.bytes, bias: 4 * p.bias.count, requant: 8 * p.requant.count)
        case .table(let p): return Constants(table: p.table.count)
        case .softmax(let p): return Constants(table: 4 * p.storedExpCount)
        case .add, .mul, .pool, .mean, .concat, .pad, .transpose, .reshape: return Constants()
        }
    }

    static func macs(_ op: QOp) -> Int {
        switch op {
        case .conv(let p): return p.macs
        case .dense(let p): return p.macs
        default: return 0
        }
    }

    static func timeline(model: QModel, plan: MemoryPlan) -> ArenaTimeline {
        var producer = [Int: Int]()
        for (i, layer) in model.layers.enumerated() where producer[layer.op.output] == nil { producer[layer.op.output] = i }
        var tensors: [ArenaTensor] = []
        for t in plan.liveRanges.indices {
            guard let r = plan.liveRanges[t], t < plan.offsets.count, t < plan.sizes.count, plan.offsets[t] >= 0 else { continue }
            tensors.append(ArenaTensor(index: t, name: t < model.tensors.count ? model.tensors[t].name : "t\(t)",
                                       bytes: plan.sizes[t], offset: plan.offsets[t], first: r.first, last: r.last,
                                       producer: producer[t]))
        }
        // The plan gives one occupancy per layer; anything else is taken as it comes.
        let occupancy = plan.occupancy
        var peak: Int?
        for (step, bytes) in occupancy.enumerated() where peak == nil || bytes > occupancy[peak ?? 0] { peak = step }
        let alive = peak.map { p in
            tensors.filter { $0.first <= p && p <= $0.last && $0.bytes > 0 }
                .sorted { ($0.offset, -$0.bytes, $0.index) < ($1.offset, -$1.bytes, $1.index) }
        } ?? []
        let scratch = peak.flatMap { $0 < plan.scratchBytes.count ? plan.scratchBytes[$0] : nil } ?? 0
        return ArenaTimeline(occupancy: occupancy, peakStep: peak, peakBytes: peak.map { occupancy[$0] } ?? 0,
                             peakTensors: alive, peakScratchBytes: scratch, tensors: tensors)
    }
}

extension ArenaTimeline {
    /// Each tensor alive at the peak with the bytes it adds: a tensor lying inside bytes already counted (an
    /// in-place output, a concat input written into its output) adds only what sticks out.
    public func peakContributions() -> [(tensor: ArenaTensor, bytes: Int)] {
        var covered: [(Int, Int)] = []
        var result: [(ArenaTensor, Int)] = []
        for t in peakTensors {   // sorted by offset, larger first
            var lo = t.offset
            let hi = t.offset.addingReportingOverflow(max(0, t.bytes)).overflow ? Int.max : t.offset + max(0, t.bytes)
            var added = 0
            for (a, b) in covered.sorted(by: { $0 < $1 }) where b > lo && a < hi {
                if a > lo { added += a - lo }
                lo = max(lo, b)
            }
            if hi > lo { added += hi - lo }
            covered.append((t.offset, hi))
            result.append((t, added))
        }
        return result
    }
}
