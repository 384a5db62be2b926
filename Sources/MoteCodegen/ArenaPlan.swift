import MoteIR
import MotePlan

/// The arena placement as the first Mote releases exposed it: offsets and size only. A view of the
/// `MemoryPlan` that `MotePlan.MemoryPlanner` makes (the plan `Codegen.emit` uses); new code should call
/// `Codegen.memoryPlan(_:)`, which also gives lifetimes, in-place decisions, the lower bound and occupancy.
public struct ArenaPlan: Sendable, Equatable {
    /// Byte offset of every tensor of the model; −1 for a tensor that no layer, model input or model output uses.
    public var offsets: [Int]
    /// Arena size in bytes, a multiple of `alignment`.
    public var size: Int
    /// Per layer: the layer runs in place (see `MemoryPlan.inPlace`).
    public var inPlace: [Bool]

    public static let alignment = MemoryPlan.alignment

    public init(offsets: [Int], size: Int, inPlace: [Bool] = []) {
        self.offsets = offsets
        self.size = size
        self.inPlace = inPlace
    }

    public init(_ plan: MemoryPlan) {
        self.init(offsets: plan.offsets, size: plan.arenaBytes, inPlace: plan.inPlace)
    }

    /// Plans `model` with `MemoryPlanner`. Never traps: out-of-range tensor indices (which `Codegen.emit`
    /// rejects anyway) are ignored.
    public static func plan(_ model: QModel) -> ArenaPlan { ArenaPlan(MemoryPlanner.plan(model)) }
}
