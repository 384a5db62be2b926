import MoteIR

/// Who writes and reads each tensor, and when: the facts every planning decision rests on.
///
/// Never traps on a malformed model: out-of-range indices are ignored, a tensor read before any step writes it
/// is treated as live from step −1, and a tensor written twice is never shared in place (`writers > 1`).
struct Liveness {
    /// Bytes per tensor.
    var sizes: [Int]
    var first: [Int?]
    var last: [Int]
    /// Layer that writes the tensor (the first one, if several do); nil for model inputs and unused tensors.
    var producer: [Int?]
    /// Layers plus model-input slots that write the tensor.
    var writers: [Int]
    /// Read slots: one per layer input position, plus one per model-output position.
    var reads: [Int]
    var isModelInput: [Bool]
    var isModelOutput: [Bool]
    let layerCount: Int

    init(_ model: QModel) {
        let n = model.tensors.count
        layerCount = model.layers.count
        sizes = model.tensors.map { Shape.checkedCount($0.shape) ?? 0 }
        first = [Int?](repeating: nil, count: n)
        last = [Int](repeating: Int.min, count: n)
        producer = [Int?](repeating: nil, count: n)
        writers = [Int](repeating: 0, count: n)
        reads = [Int](repeating: 0, count: n)
        isModelInput = [Bool](repeating: false, count: n)
        isModelOutput = [Bool](repeating: false, count: n)

        for t in model.inputs where valid(t) {
            isModelInput[t] = true
            writers[t] += 1
            touch(t, -1)
        }
        for (i, layer) in model.layers.enumerated() {
            for t in layer.op.inputs where valid(t) {
                if first[t] == nil { touch(t, -1) }
                reads[t] += 1
                touch(t, i)
            }
            let out = layer.op.output
            if valid(out) {
                writers[out] += 1
                if producer[out] == nil { producer[out] = i }
                touch(out, i)
            }
        }
        for t in model.outputs where valid(t) {
            isModelOutput[t] = true
            reads[t] += 1
            touch(t, layerCount)
        }
    }

    var count: Int { sizes.count }

    func valid(_ t: Int) -> Bool { t >= 0 && t < sizes.count }

    private mutating func touch(_ t: Int, _ step: Int) {
        first[t] = min(first[t] ?? step, step)
        last[t] = max(last[t], step)
    }

    func range(_ t: Int) -> LiveRange? { first[t].map { LiveRange(first: $0, last: last[t]) } }

    /// `t` holds its value until step `i` and no later: nothing reads it afterwards and it is no model output.
    func diesAt(_ t: Int, _ i: Int) -> Bool { valid(t) && first[t] != nil && last[t] == i && !isModelOutput[t] }

    /// `t` is written by layer `i` alone (not a model input, not written twice), so it may be given shared bytes.
    func writtenOnlyBy(_ t: Int, _ i: Int) -> Bool { valid(t) && producer[t] == i && writers[t] == 1 && !isModelInput[t] }
}
