import MoteIR

/// The in-place decisions: tensors grouped into buffers that share one block of the arena.
///
/// Every tensor starts in a buffer of its own. Walking the layers in schedule order:
/// - an elementwise layer (table, softmax, add, mul) or a reshape whose input dies at that layer writes its
///   output over the input's bytes (the output joins the input's buffer at the same place);
/// - a concat with `outer == 1` and no requantized part, each of whose inputs is written by an earlier layer and
///   read by nothing but this concat, owns its inputs' buffers: each input lives at its slice of the output, so
///   its producer writes straight into the output and the concat does nothing.
///
/// Kernel safety (checked against `Templates/kernels/*.c`; the Swift interpreter works on separate arrays, so
/// aliasing cannot change its results): `mote_table` computes out[i] from in[i] only; `mote_add`/`mote_mul`
/// walk the output in row-major order, reading each input at its broadcast offset before writing out[o], so an
/// input read at exactly offset o (its strides are the output's natural strides) is safe to overwrite;
/// `mote_softmax` reads a whole (outer, inner) column (max, then sum) before its last pass, which reads x[k]
/// and then writes out[k], and columns are disjoint. Pool, mean, pad, transpose, conv and dense read elements
/// after writing earlier outputs at overlapping indices, so they never run in place.
struct Aliasing {
    /// Buffer of each tensor: the index of its representative tensor.
    var root: [Int]
    /// Offset of each tensor inside its buffer (multiples of the alignment; may be shifted by `normalise`).
    var rel: [Int]
    /// Members of each buffer, by representative, in the order they joined.
    var members: [[Int]]
    var inPlace: [Bool]
    let live: Liveness

    init(_ model: QModel, _ live: Liveness, fuseConcats: Bool) {
        let n = live.count
        self.live = live
        root = Array(0..<n)
        rel = [Int](repeating: 0, count: n)
        members = (0..<n).map { [$0] }
        inPlace = [Bool](repeating: false, count: model.layers.count)

        for (i, layer) in model.layers.enumerated() {
            if case .concat(let p) = layer.op {
                if fuseConcats { inPlace[i] = fuseConcat(p, at: i) }
                continue
            }
            let y = layer.op.output
            for x in Self.overwritable(layer.op, live) where shareable(x, y, at: i, op: layer.op) {
                move(root[y], into: root[x], shift: rel[x] - rel[y])
                inPlace[i] = true
                break
            }
        }
    }

    /// Inputs whose bytes the layer's kernel may overwrite with its output, in order of preference.
    static func overwritable(_ op: QOp, _ live: Liveness) -> [Int] {
        switch op {
        case .table(let p): return [p.input]
        case .softmax(let p): return [p.input]
        case .reshape(let input, _): return [input]
        case .add(let p): return sameLayout(p.broadcast, [(p.input1, p.broadcast.strides1), (p.input2, p.broadcast.strides2)], live)
        case .mul(let p): return sameLayout(p.broadcast, [(p.input1, p.broadcast.strides1), (p.input2, p.broadcast.strides2)], live)
        case .conv, .dense, .pool, .mean, .concat, .pad, .transpose: return []
        }
    }

    /// The inputs of a binary layer that are read at exactly the output's flat index: the same element count,
    /// and the output's row-major strides on every axis longer than 1 (a stride on a length-1 axis is never
    /// applied by the odometer).
    static func sameLayout(_ b: QBroadcast, _ inputs: [(Int, [Int])], _ live: Liveness) -> [Int] {
        guard let total = Shape.checkedCount(b.shape) else { return [] }
        var natural = [Int](repeating: 0, count: b.shape.count)
        var s = 1
        for d in b.shape.indices.reversed() {
            natural[d] = s
            s *= b.shape[d]
        }
        return inputs.compactMap { t, strides in
            guard live.valid(t), live.sizes[t] == total, strides.count == b.shape.count,
                  b.shape.indices.allSatisfy({ b.shape[$0] <= 1 || strides[$0] == natural[$0] }) else { return nil }
            return t
        }
    }

    /// Layer `i` may write its output `y` over its input `x`.
    func shareable(_ x: Int, _ y: Int, at i: Int, op: QOp) -> Bool {
        guard live.diesAt(x, i), live.writtenOnlyBy(y, i), x != y, live.sizes[x] == live.sizes[y],
              members[root[y]] == [y] else { return false }
        // Another input of the same layer must not live in x's buffer (it would be overwritten while read).
        return op.inputs.allSatisfy { z in z == x || !live.valid(z) || root[z] != root[x] }
    }

    /// Places every input of `p` (output `y`, layer `i`) at its slice of the output when all of them qualify.
    mutating func fuseConcat(_ p: QConcat, at i: Int) -> Bool {
        let y = p.output
        guard p.outer == 1, live.writtenOnlyBy(y, i), members[root[y]] == [y] else { return false }
        var slices: [(input: Int, offset: Int)] = []
        var offset = 0
        var roots: [Int] = [root[y]]
        for part in p.parts {
            let x = part.input
            guard part.requant == nil, live.valid(x), live.sizes[x] == part.rowSize,
                  offset % MemoryPlan.alignment == 0,
                  let producer = live.producer[x], producer < i, live.writtenOnlyBy(x, producer),
                  live.reads[x] == 1, live.diesAt(x, i),
                  !roots.contains(root[x]) else { return false }
            // Everything sharing x's bytes (an in-place chain ending in x) must fit inside x's slice.
            let fits = members[root[x]].allSatisfy { m in
                rel[m] - rel[x] >= 0 && rel[m] - rel[x] + live.sizes[m] <= live.sizes[x]
            }
            guard fits else { return false }
            roots.append(root[x])
            slices.append((x, offset))
            offset += part.rowSize
        }
        guard offset == live.sizes[y] else { return false }
        for (x, sliceOffset) in slices {
            move(root[x], into: root[y], shift: rel[y] + sliceOffset - rel[x])
        }
        return true
    }

    /// Moves every member of buffer `from` into buffer `to`, shifting its offset by `shift`.
    mutating func move(_ from: Int, into to: Int, shift: Int) {
        guard from != to else { return }
        for m in members[from] {
            root[m] = to
            rel[m] += shift
        }
        members[to] += members[from]
        members[from] = []
    }

    /// The buffers that hold live tensors, each with its size and live range, relative offsets shifted so each
    /// buffer starts at 0. In order of representative tensor index.
    mutating func buffers() -> [Buffer] {
        var result: [Buffer] = []
        for r in members.indices {
            let liveMembers = members[r].filter { live.first[$0] != nil }
            guard let lo = liveMembers.map({ rel[$0] }).min() else { continue }
            for m in members[r] { rel[m] -= lo }
            let hi = liveMembers.map { rel[$0] + live.sizes[$0] }.max() ?? 0
            let first = liveMembers.compactMap { live.first[$0] }.min() ?? 0
            let last = liveMembers.map { live.last[$0] }.max() ?? 0
            result.append(Buffer(id: r, size: MemoryPlan.align(hi), range: LiveRange(first: first, last: last)))
        }
        return result
    }
}

/// A block of the arena to place: one buffer of tensors, or one layer's scratch.
struct Buffer: Equatable {
    /// The representative tensor, or (scratch) tensor count + layer index.
    var id: Int
    /// Bytes, a multiple of the alignment.
    var size: Int
    var range: LiveRange
}
