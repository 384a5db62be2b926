/// Placement strategies: each gives every buffer an offset such that buffers live at the same step never share
/// a byte. All sizes are multiples of the alignment, so every offset is too. Every order below ends in the
/// buffer id, so no two buffers ever compare equal: the result depends on the buffers alone.
enum Placement {
    /// The strategies in their tie-breaking order: on equal arena sizes the earlier one wins.
    enum Strategy: String, CaseIterable {
        case bySize = "greedy-by-size"
        case byLifetime = "greedy-by-lifetime"
        case firstFit = "first-fit"
        case twoEnded = "two-ended"

        func place(_ buffers: [Buffer]) -> [Int] {
            switch self {
            case .bySize: return Placement.firstFit(buffers, order: Placement.bySize)
            case .byLifetime: return Placement.firstFit(buffers, order: Placement.byLifetime)
            case .firstFit: return Placement.firstFit(buffers, order: Placement.bySchedule)
            case .twoEnded: return Placement.twoEnded(buffers)
            }
        }
    }

    /// Largest first (TFLite Micro's greedy planner): big blocks claim low addresses, small ones fill the gaps.
    static func bySize(_ a: Buffer, _ b: Buffer) -> Bool {
        (-a.size, a.range.first, a.id) < (-b.size, b.range.first, b.id)
    }

    /// Longest-lived first, then largest: long-lived tensors (residual branches, model inputs read late) get
    /// the bottom of the arena and the short-lived ones reuse what lies above them.
    static func byLifetime(_ a: Buffer, _ b: Buffer) -> Bool {
        (a.range.first - a.range.last, -a.size, a.range.first, a.id) < (b.range.first - b.range.last, -b.size, b.range.first, b.id)
    }

    /// In the order the schedule creates them.
    static func bySchedule(_ a: Buffer, _ b: Buffer) -> Bool {
        (a.range.first, a.id) < (b.range.first, b.id)
    }

    /// The placed buffers whose lifetime meets `buffer`'s.
    static func conflicts(_ buffer: Buffer, _ placed: [(buffer: Buffer, offset: Int)]) -> [(offset: Int, end: Int)] {
        placed.filter { $0.buffer.range.overlaps(buffer.range) }.map { ($0.offset, $0.offset + $0.buffer.size) }
    }

    /// The lowest offset where `size` bytes meet none of `taken`.
    static func lowest(_ size: Int, _ taken: [(offset: Int, end: Int)]) -> Int {
        var candidate = 0
        for t in taken.sorted(by: { ($0.offset, $0.end) < ($1.offset, $1.end) }) {
            if candidate + size <= t.offset { break }
            candidate = max(candidate, t.end)
        }
        return candidate
    }

    /// Places buffers one by one in `order`, each at the lowest offset free over its whole lifetime.
    static func firstFit(_ buffers: [Buffer], order: (Buffer, Buffer) -> Bool) -> [Int] {
        var offsets = [Int](repeating: 0, count: buffers.count)
        var placed: [(buffer: Buffer, offset: Int)] = []
        for k in buffers.indices.sorted(by: { order(buffers[$0], buffers[$1]) }) {
            let b = buffers[k]
            offsets[k] = lowest(b.size, conflicts(b, placed))
            placed.append((b, offsets[k]))
        }
        return offsets
    }

    /// Ping-pong: for an arena of `limit` bytes, buffers in schedule order go to the bottom or the top end, each to
    /// the end opposite the newest buffer it coexists with (usually the layer input it is computed from), so a
    /// chain alternates ends and needs only its largest input+output pair. The smallest `limit` that works is
    /// found by bisection between the lower bound for these buffers and their total size (where any order fits).
    static func twoEnded(_ buffers: [Buffer]) -> [Int] {
        let total = buffers.reduce(0) { $0 + $1.size }
        var lo = peak(buffers), hi = total
        var best = twoEnded(buffers, limit: total) ?? firstFit(buffers, order: bySchedule)
        // Invariant: `hi` fits (or is the total); bisect for the smallest limit that fits.
        while lo < hi {
            let mid = (lo + hi) / 2 / MemoryPlan.alignment * MemoryPlan.alignment
            if let offsets = twoEnded(buffers, limit: mid) {
                best = offsets
                hi = mid
            } else {
                lo = mid + MemoryPlan.alignment
            }
        }
        return best
    }

    /// Two-ended placement within `limit` bytes, or nil when some buffer does not fit.
    static func twoEnded(_ buffers: [Buffer], limit: Int) -> [Int]? {
        var offsets = [Int](repeating: 0, count: buffers.count)
        var top = [Bool](repeating: false, count: buffers.count)
        var placed: [(buffer: Buffer, offset: Int)] = []
        var placedIndex: [Int] = []
        for k in buffers.indices.sorted(by: { bySchedule(buffers[$0], buffers[$1]) }) {
            let b = buffers[k]
            let taken = conflicts(b, placed)
            let bottom = lowest(b.size, taken)
            // The highest fit: the lowest fit in the arena seen upside down.
            let flipped = taken.map { (offset: limit - $0.end, end: limit - $0.offset) }
            let upper = limit - lowest(b.size, flipped) - b.size
            let bottomFits = bottom + b.size <= limit, upperFits = upper >= 0
            // The newest coexisting buffer: created last, then the later placed.
            var newest: Int? = nil
            for (j, p) in placed.enumerated() where p.buffer.range.overlaps(b.range) {
                if let n = newest, placed[n].buffer.range.first > p.buffer.range.first { continue }
                newest = j
            }
            let preferTop = newest.map { !top[placedIndex[$0]] } ?? false
            if (preferTop && upperFits) || (!bottomFits && upperFits) {
                offsets[k] = upper
                top[k] = true
            } else if bottomFits {
                offsets[k] = bottom
            } else {
                return nil
            }
            placed.append((b, offsets[k]))
            placedIndex.append(k)
        }
        return offsets
    }

    /// The largest total size of buffers live at one step: no placement of these buffers fits in less.
    static func peak(_ buffers: [Buffer]) -> Int {
        // The most crowded step is one where some buffer begins.
        return buffers.map { $0.range.first }.map { s in buffers.filter { $0.range.contains(s) }.reduce(0) { $0 + $1.size } }.max() ?? 0
    }

    /// Arena bytes for these offsets.
    static func extent(_ buffers: [Buffer], _ offsets: [Int]) -> Int {
        zip(buffers, offsets).map { $0.size + $1 }.max() ?? 0
    }
}
