import MoteIR

/// Where every tensor lives in the one static activation arena.
///
/// A deliberately simple planner kept behind this small interface (a dedicated planner will replace it):
/// tensors are placed by greedy first-fit over their live ranges in layer order, at offsets aligned to 4 bytes.
/// Graph inputs and outputs live in the arena too (the generated `run` copies them in and out). A reshape whose
/// input is read by no later layer shares its input's bytes, so it costs no copy.
public struct ArenaPlan: Sendable, Equatable {
    /// Byte offset of every tensor of the model; −1 for a tensor that no layer, model input or model output uses.
    public var offsets: [Int]
    /// Arena size in bytes, a multiple of `alignment`.
    public var size: Int

    public static let alignment = 4

    public init(offsets: [Int], size: Int) {
        self.offsets = offsets
        self.size = size
    }

    /// Plans `model`. Never traps: out-of-range tensor indices (which `Codegen.emit` rejects anyway) are ignored.
    public static func plan(_ model: QModel) -> ArenaPlan {
        let n = model.tensors.count
        let end = model.layers.count  // the "step" after the last layer, where outputs are read
        func valid(_ t: Int) -> Bool { t >= 0 && t < n }

        // Live range per tensor: [first, last] in steps (−1: before layer 0, i: layer i, end: after the last).
        var first = [Int?](repeating: nil, count: n)
        var last = [Int](repeating: Int.min, count: n)
        func touch(_ t: Int, _ step: Int) {
            guard valid(t) else { return }
            if first[t] == nil { first[t] = step }
            last[t] = max(last[t], step)
        }
        for t in model.inputs { touch(t, -1) }
        for (i, layer) in model.layers.enumerated() {
            // A tensor read before it is written (invalid models only) is treated as live from the start.
            for t in layer.op.inputs where valid(t) && first[t] == nil { touch(t, -1) }
            for t in layer.op.inputs { touch(t, i) }
            touch(layer.op.output, i)
        }
        for t in model.outputs { touch(t, end) }

        // Reshape in place: the output joins its input's buffer when nothing reads the input afterwards.
        var owner = Array(0..<n)
        for (i, layer) in model.layers.enumerated() {
            guard case .reshape(let input, let output) = layer.op, valid(input), valid(output), input != output,
                  last[input] == i, first[output] == i, owner[output] == output,
                  bytes(model.tensors[input]) == bytes(model.tensors[output]) else { continue }
            owner[output] = owner[input]
        }

        // One buffer per owner, live over the union of its members' ranges.
        var bufferFirst = [Int](repeating: Int.max, count: n)
        var bufferLast = [Int](repeating: Int.min, count: n)
        for t in 0..<n {
            guard let f = first[t] else { continue }
            let o = owner[t]
            bufferFirst[o] = min(bufferFirst[o], f)
            bufferLast[o] = max(bufferLast[o], last[t])
        }
        let buffers = (0..<n).filter { owner[$0] == $0 && first[$0] != nil }
            .sorted { (bufferFirst[$0], $0) < (bufferFirst[$1], $1) }

        struct Placed { var offset: Int; var end: Int; var first: Int; var last: Int }
        var placed: [Placed] = []
        var bufferOffset = [Int](repeating: -1, count: n)
        var size = 0
        for b in buffers {
            let length = bytes(model.tensors[b])
            let lo = bufferFirst[b], hi = bufferLast[b]
            let conflicts = placed.filter { $0.first <= hi && lo <= $0.last }.sorted { ($0.offset, $0.end) < ($1.offset, $1.end) }
            var candidate = 0
            for p in conflicts {
                if candidate + length <= p.offset { break }
                candidate = max(candidate, align(p.end))
            }
            placed.append(Placed(offset: candidate, end: candidate + length, first: lo, last: hi))
            bufferOffset[b] = candidate
            size = max(size, candidate + length)
        }
        let offsets = (0..<n).map { first[$0] == nil ? -1 : bufferOffset[owner[$0]] }
        return ArenaPlan(offsets: offsets, size: align(size))
    }

    /// Bytes of one int8 tensor (0 for a malformed shape).
    static func bytes(_ tensor: QTensor) -> Int { Shape.checkedCount(tensor.shape) ?? 0 }

    static func align(_ value: Int) -> Int { (value + alignment - 1) / alignment * alignment }
}
