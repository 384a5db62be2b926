import Foundation
import MoteIR

/// A dense, row-major float32 tensor: the values the float interpreter reads and produces.
public struct FloatTensor: Sendable, Equatable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        self.shape = shape
        self.data = data
    }

    /// Number of elements the shape describes (may differ from `data.count` for a malformed tensor).
    public var count: Int { Shape.count(shape) }
}

/// A 64-byte-aligned float array with a stable address: tensors during a run, and packed constants. Written
/// only by the kernel that produces it (or while a constant is prepared), read-only afterwards.
final class FloatBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    /// `count` floats, zeroed.
    init(count: Int) {
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        pointer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            .initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
    }

    /// `count` floats left uninitialised, for a kernel output that the kernel writes completely.
    init(uninitialized count: Int) {
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        pointer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64).bindMemory(to: Float.self, capacity: max(count, 1))
    }

    convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    /// A buffer of `count` floats that `fill` writes.
    convenience init(count: Int, fill: (UnsafeMutablePointer<Float>) -> Void) {
        self.init(count: count)
        fill(pointer)
    }

    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    deinit { pointer.deallocate() }
}

/// Scratch memory reused by the kernels of one run (packed panels, padded planes). One per `run`, never shared
/// between threads; buffers are 64-byte aligned and only grow. Contents are unspecified when handed out.
final class Workspace {
    private var slots: [(pointer: UnsafeMutableRawPointer, bytes: Int)?] = Array(repeating: nil, count: 4)

    /// Room for `count` floats in `slot` (0…3); valid until the same slot is asked for again or the workspace is
    /// released. Slot 0 belongs to `GEMM.run` (packed B blocks).
    func floats(_ slot: Int, _ count: Int) -> UnsafeMutablePointer<Float> {
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        if let s = slots[slot], s.bytes >= bytes { return s.pointer.assumingMemoryBound(to: Float.self) }
        slots[slot]?.pointer.deallocate()
        let grown = max(bytes, (slots[slot]?.bytes ?? 0) * 2)
        let p = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 64)
        p.initializeMemory(as: Float.self, repeating: 0, count: grown / MemoryLayout<Float>.stride)
        slots[slot] = (p, grown)
        return p.assumingMemoryBound(to: Float.self)
    }

    deinit {
        for s in slots { s?.pointer.deallocate() }
    }
}

/// Workspaces kept between runs, so scratch memory is allocated once rather than per run. Runs may happen on
/// several threads at once: each takes its own workspace.
final class WorkspacePool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [Workspace] = []

    func take() -> Workspace {
        lock.lock()
        defer { lock.unlock() }
        return idle.popLast() ?? Workspace()
    }

    func give(_ ws: Workspace) {
        lock.lock()
        defer { lock.unlock() }
        if idle.count < 4 { idle.append(ws) }
    }
}

/// One node's computation, prepared when the interpreter is built (attributes resolved, constants packed).
/// `inputs` point at the node's input tensors and `output` at room for its single output, all with the shapes
/// the graph states (the interpreter checks the graph inputs, and `Graph.verify()` everything else).
protocol NodeKernel: Sendable {
    func run(_ inputs: [UnsafePointer<Float>], _ output: UnsafeMutablePointer<Float>, _ ws: Workspace) throws
}
