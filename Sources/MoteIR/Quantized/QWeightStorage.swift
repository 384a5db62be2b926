/// How the emitted C stores one conv/dense layer's weights: the one place that decides dense or sparse and
/// counts the bytes (the code generator emits exactly these bytes, the planner sizes kernel scratch from them,
/// the size report shows them).
///
/// The weights are viewed as `rows` × `rowLength` in their logical order: rows are output channels (dense:
/// output features), a row is [inChannels/groups][kernelHeight][kernelWidth] (dense: inFeatures). Formats:
///
/// - dense int8: one byte per weight, row-major.
/// - dense int4: the whole array packed two per byte, element 2i in the low nibble and 2i+1 in the high
///   nibble, an odd tail in the low nibble of the last byte (high nibble 0): (count + 1) / 2 bytes. A row may
///   start in the middle of a byte.
/// - sparse (either width), three arrays:
///   - mask: per row ceil(rowLength / 8) bytes; bit j % 8 (LSB first) of byte j / 8 is set when element j
///     of the row is non-zero. Rows are concatenated: rows · ceil(rowLength / 8) bytes.
///   - values: the non-zero weights of the whole layer in row-major order; int8 one byte each, int4 packed
///     contiguously as in dense int4 ((nonZeros + 1) / 2 bytes). Empty when every weight is zero.
///   - row starts: per row, the index (in values, not bytes) of the row's first non-zero; uint16 when the
///     layer has at most 65,535 non-zeros, else uint32: rows · 2 or rows · 4 bytes.
///
/// Sparse is chosen only when its total (mask, values and row starts) is strictly smaller than dense.
public struct QWeightStorage: Sendable, Equatable {
    public enum Encoding: String, Sendable, Equatable, Codable, CaseIterable {
        case dense, sparse
    }

    public var bits: QWeightBits
    public var rows: Int
    public var rowLength: Int
    /// Weights that are not zero.
    public var nonZeros: Int
    /// The most non-zeros in one row (sizes the sparse conv kernel's scratch).
    public var maxRowNonZeros: Int
    public var encoding: Encoding
    /// Bytes of the dense and of the sparse form; `bytes` is the chosen one's.
    public var denseBytes: Int
    public var sparseBytes: Int

    public var count: Int { rows * rowLength }
    public var bytes: Int { encoding == .dense ? denseBytes : sparseBytes }
    public var zeros: Int { count - nonZeros }
    /// Sparse: bytes of one row's bitmask.
    public var maskBytesPerRow: Int { (rowLength + 7) / 8 }
    /// Sparse: bytes of the non-zero values.
    public var valueBytes: Int { Self.packedBytes(nonZeros, bits) }
    /// Sparse: bytes of one row start (uint16 while every index fits).
    public var rowStartBytes: Int { nonZeros <= Int(UInt16.max) ? 2 : 4 }

    /// `weights` holds the logical values, `rows` · `rowLength` of them (a count that disagrees — a malformed
    /// layer, rejected by validation — is taken as one row, so reports never trap). `encoding` forces a form
    /// (tests exercise both); nil chooses the smaller.
    public init(weights: [Int8], rows: Int, rowLength: Int, bits: QWeightBits, encoding: Encoding? = nil) {
        let product = rows.multipliedReportingOverflow(by: rowLength)
        let consistent = rows >= 0 && rowLength > 0 && !product.overflow && product.partialValue == weights.count
        let rows = consistent ? rows : (weights.isEmpty ? 0 : 1)
        let rowLength = consistent ? rowLength : weights.count
        var nonZeros = 0, maxRow = 0
        for r in 0..<rows {
            var n = 0
            for w in weights[(r * rowLength)..<((r + 1) * rowLength)] where w != 0 { n += 1 }
            nonZeros += n
            maxRow = max(maxRow, n)
        }
        self.bits = bits
        self.rows = rows
        self.rowLength = rowLength
        self.nonZeros = nonZeros
        self.maxRowNonZeros = maxRow
        denseBytes = Self.packedBytes(rows * rowLength, bits)
        let maskBytes = rows * ((rowLength + 7) / 8)
        let startBytes = rows * (nonZeros <= Int(UInt16.max) ? 2 : 4)
        sparseBytes = maskBytes + Self.packedBytes(nonZeros, bits) + startBytes
        self.encoding = encoding ?? (sparseBytes < denseBytes ? .sparse : .dense)
    }

    /// Bytes of `count` values of width `bits` stored contiguously.
    public static func packedBytes(_ count: Int, _ bits: QWeightBits) -> Int {
        bits == .int8 ? count : (count + 1) / 2
    }

    /// "int4, sparse bitmask" / "int8, dense": for comments and reports.
    public var summary: String { "\(bits.name), \(encoding == .sparse ? "sparse bitmask" : "dense")" }
}

extension QConv {
    /// Elements of one output channel's weight row: inChannels/groups · kernelHeight · kernelWidth (0 for a
    /// malformed layer, which validation rejects).
    public var weightRowLength: Int {
        guard groups > 0 else { return 0 }
        let (a, o1) = (inChannels / groups).multipliedReportingOverflow(by: kernelHeight)
        let (b, o2) = a.multipliedReportingOverflow(by: kernelWidth)
        return o1 || o2 ? 0 : b
    }

    /// How the emitted C stores these weights: the smaller of dense and sparse, or dense unless `sparseStorage`.
    public var weightStorage: QWeightStorage {
        QWeightStorage(weights: weights, rows: outChannels, rowLength: weightRowLength, bits: weightBits,
                       encoding: sparseStorage ? nil : .dense)
    }
}

extension QDense {
    /// How the emitted C stores these weights: the smaller of dense and sparse, or dense unless `sparseStorage`.
    public var weightStorage: QWeightStorage {
        QWeightStorage(weights: weights, rows: outFeatures, rowLength: inFeatures, bits: weightBits,
                       encoding: sparseStorage ? nil : .dense)
    }
}

extension QOp {
    /// The weight storage of a conv or dense layer; nil for layers without weights.
    public var weightStorage: QWeightStorage? {
        switch self {
        case .conv(let p): return p.weightStorage
        case .dense(let p): return p.weightStorage
        default: return nil
        }
    }
}

extension QModel {
    /// Indices of the layers of kernel kind `kind` ("conv", "dense") whose weights the emitted C stores sparse.
    public func sparseLayerIndices(kind: String) -> [Int] {
        layers.indices.filter { layers[$0].op.name == kind && layers[$0].op.weightStorage?.encoding == .sparse }
    }

    /// The same program with the conv/dense layers at `indices` stored dense: same values and arithmetic, only
    /// the storage (and so the kernel that runs it) changes.
    public func storingDense(_ indices: [Int]) -> QModel {
        var m = self
        for i in indices {
            switch m.layers[i].op {
            case .conv(var p): p.sparseStorage = false; m.layers[i].op = .conv(p)
            case .dense(var p): p.sparseStorage = false; m.layers[i].op = .dense(p)
            default: break
            }
        }
        return m
    }
}
