import MoteFixedPoint
import MoteIR

/// A conv/dense layer's weights as the emitted C stores them: the arrays behind one `QWeightStorage` (whose
/// comment defines the formats; `mote_kernels.h` repeats them for the kernels). Public so that tests can feed
/// the kernels the exact bytes a model would carry.
public struct EncodedWeights: Sendable, Equatable {
    public var storage: QWeightStorage
    /// int8 values: every weight (dense int8) or the non-zeros (sparse int8); empty for int4.
    public var values: [Int8]
    /// Packed int4: every weight (dense int4) or the non-zeros (sparse int4); empty for int8.
    public var nibbles: [UInt8]
    /// Sparse: per row ceil(rowLength / 8) bytes, LSB first. Empty for dense.
    public var mask: [UInt8]
    /// Sparse: per row the index of its first non-zero among the values (stored as uint16 or uint32,
    /// `storage.rowStartBytes`). Empty for dense.
    public var rowStarts: [UInt32]
    /// Dense int8 values two rows at a time (`MOTE_WEIGHTS_INT8_PAIRS`, the order mote_conv's im2col path reads).
    public var rowPairs: Bool

    /// `MOTE_WEIGHTS_INT8` … `MOTE_WEIGHTS_INT8_PAIRS` (mote_kernels.h).
    public var format: Int32 {
        switch (storage.bits, storage.encoding) {
        case (.int8, .dense): return rowPairs ? 4 : 0
        case (.int4, .dense): return 1
        case (.int8, .sparse): return 2
        case (.int4, .sparse): return 3
        }
    }

    public var formatMacro: String {
        ["MOTE_WEIGHTS_INT8", "MOTE_WEIGHTS_INT4", "MOTE_WEIGHTS_INT8_SPARSE", "MOTE_WEIGHTS_INT4_SPARSE",
         "MOTE_WEIGHTS_INT8_PAIRS"][Int(format)]
    }

    /// Bytes of every array emitted for the weights; equals `storage.bytes` (a test checks it).
    public var byteCount: Int {
        values.count + nibbles.count + mask.count + rowStarts.count * (storage.encoding == .sparse ? storage.rowStartBytes : 0)
    }

    /// Encodes `weights` (logical values, `storage.rows` × `storage.rowLength`) in `storage`'s format, dense int8
    /// rows in pairs when `rowPairs`. Throws a `Diagnostic` for a count that disagrees with the storage, an int4
    /// value outside −8...7 (both rejected by `QModel.validate()` before code generation), or pairs asked of
    /// storage other than dense int8.
    public init(_ weights: [Int8], storage: QWeightStorage, rowPairs: Bool = false) throws {
        guard weights.count == storage.count else {
            throw Diagnostic("\(weights.count) weights do not fill \(storage.rows) rows of \(storage.rowLength)")
        }
        guard !rowPairs || (storage.bits == .int8 && storage.encoding == .dense) else {
            throw Diagnostic("rows in pairs need dense int8 weights, not \(storage.summary)")
        }
        self.storage = storage
        self.rowPairs = rowPairs
        values = []
        nibbles = []
        mask = []
        rowStarts = []
        var stored = weights
        if storage.encoding == .sparse {
            let maskBytes = storage.maskBytesPerRow
            mask = [UInt8](repeating: 0, count: storage.rows * maskBytes)
            stored = []
            stored.reserveCapacity(storage.nonZeros)
            rowStarts.reserveCapacity(storage.rows)
            for r in 0..<storage.rows {
                rowStarts.append(UInt32(stored.count))
                for j in 0..<storage.rowLength {
                    let w = weights[r * storage.rowLength + j]
                    guard w != 0 else { continue }
                    mask[r * maskBytes + j / 8] |= UInt8(1) << UInt8(j % 8)
                    stored.append(w)
                }
            }
        }
        switch storage.bits {
        case .int8:
            values = rowPairs ? Self.pairingRows(stored, rows: storage.rows, rowLength: storage.rowLength) : stored
        case .int4:
            do {
                nibbles = try FixedPoint.packInt4(stored)
            } catch {
                throw Diagnostic("int4 weights: \(error)")
            }
        }
    }

    /// Rows 2j and 2j + 1 interleaved four elements at a time, then the rowLength mod 4 left of each; a lone last
    /// row as it is (`MOTE_WEIGHTS_INT8_PAIRS`). A permutation: the same bytes, so the same flash.
    static func pairingRows(_ w: [Int8], rows: Int, rowLength: Int) -> [Int8] {
        let whole = rowLength / 4 * 4
        var out: [Int8] = []
        out.reserveCapacity(w.count)
        var m = 0
        while m + 1 < rows {
            let a = m * rowLength, b = a + rowLength
            for g in stride(from: 0, to: whole, by: 4) {
                out += w[(a + g)..<(a + g + 4)]
                out += w[(b + g)..<(b + g + 4)]
            }
            out += w[(a + whole)..<(a + rowLength)]
            out += w[(b + whole)..<(b + rowLength)]
            m += 2
        }
        if m < rows {
            out += w[(m * rowLength)..<((m + 1) * rowLength)]
        }
        return out
    }
}
