import MoteIR

/// Where every activation of a `QModel` lives in the one static arena, and why.
///
/// Steps: −1 is the copy of the model inputs into the arena at the start of `<name>_run`, `i` is layer `i`
/// (in the QModel's own order: it is already a valid topological order and the planner keeps it, so the plan,
/// the Swift interpreter and the C all run the same schedule), and `layers.count` is the copy of the model
/// outputs out of the arena at the end.
public struct MemoryPlan: Sendable, Equatable, Codable {
    /// What the C reserves (`<NAME>_ARENA_BYTES`), a multiple of `alignment`.
    public var arenaBytes: Int
    /// The largest sum of the bytes of the tensors alive at one step (plus that step's scratch), counting every
    /// tensor on its own: no placement without in-place sharing can use fewer bytes.
    public var lowerBoundBytes: Int
    /// Name of the placement strategy that won (one of `MemoryPlanner.strategyNames`, possibly with the
    /// `MemoryPlanner.concatCopiedSuffix`).
    public var strategy: String
    /// Every strategy tried → the arena it needs.
    public var strategies: [String: Int]
    /// Byte offset of each tensor in the arena, a multiple of `alignment`; −1 for a tensor no layer, model input
    /// or model output uses.
    public var offsets: [Int]
    /// Bytes of each tensor (int8: its element count; 0 for a malformed shape).
    public var sizes: [Int]
    /// Steps during which each tensor must hold its value: from the step that writes it (−1 for a model input)
    /// to the last step that reads it (`layers.count` for a model output); nil when unused.
    public var liveRanges: [LiveRange?]
    /// Per layer: its output occupies its input's bytes (table, softmax, add, mul, reshape), or (concat) its inputs
    /// were written straight into their slices of the output, so the concat itself does nothing.
    public var inPlace: [Bool]
    /// Per layer: kernel scratch bytes inside the arena (`MemoryPlanner.kernelScratchBytes`; 0 for most layers).
    public var scratchBytes: [Int]
    /// Per layer: offset of its scratch in the arena; −1 when it has none.
    public var scratchOffsets: [Int]
    /// Per layer step: distinct arena bytes holding live tensors or scratch (bytes shared in place count once).
    public var occupancy: [Int]

    /// Every offset and the arena size are multiples of this.
    public static let alignment = 4

    public init(arenaBytes: Int, lowerBoundBytes: Int, strategy: String, strategies: [String: Int], offsets: [Int],
                sizes: [Int], liveRanges: [LiveRange?], inPlace: [Bool], scratchBytes: [Int], scratchOffsets: [Int],
                occupancy: [Int]) {
        self.arenaBytes = arenaBytes
        self.lowerBoundBytes = lowerBoundBytes
        self.strategy = strategy
        self.strategies = strategies
        self.offsets = offsets
        self.sizes = sizes
        self.liveRanges = liveRanges
        self.inPlace = inPlace
        self.scratchBytes = scratchBytes
        self.scratchOffsets = scratchOffsets
        self.occupancy = occupancy
    }

    /// Rounds `value` up to a multiple of `alignment`.
    public static func align(_ value: Int) -> Int { (value + alignment - 1) / alignment * alignment }
}

/// An inclusive range of schedule steps (see `MemoryPlan`).
public struct LiveRange: Sendable, Equatable, Codable {
    public var first: Int
    public var last: Int

    public init(first: Int, last: Int) {
        self.first = first
        self.last = last
    }

    public func contains(_ step: Int) -> Bool { first <= step && step <= last }
    public func overlaps(_ other: LiveRange) -> Bool { first <= other.last && other.first <= last }
}
