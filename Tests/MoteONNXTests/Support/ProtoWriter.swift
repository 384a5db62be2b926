import MoteONNX

/// A tiny protobuf encoder for building test inputs (test-only: the product never writes protobuf).
struct ProtoWriter {
    var bytes: [UInt8] = []

    init() {}

    static func build(_ body: (inout ProtoWriter) -> Void) -> [UInt8] {
        var w = ProtoWriter()
        body(&w)
        return w.bytes
    }

    // MARK: Raw pieces

    mutating func rawVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ wireType: UInt8) {
        rawVarint(UInt64(field) << 3 | UInt64(wireType))
    }

    mutating func rawFixed32(_ v: UInt32) {
        for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(k)))) }
    }

    mutating func rawFixed64(_ v: UInt64) {
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) }
    }

    // MARK: Fields

    mutating func varint(_ field: Int, _ v: UInt64) {
        key(field, 0)
        rawVarint(v)
    }

    mutating func int64(_ field: Int, _ v: Int64) { varint(field, UInt64(bitPattern: v)) }

    /// int32 as protobuf encodes it: negative values sign-extended to 64 bits (10 bytes).
    mutating func int32(_ field: Int, _ v: Int32) { varint(field, UInt64(bitPattern: Int64(v))) }

    mutating func fixed32(_ field: Int, _ v: UInt32) {
        key(field, 5)
        rawFixed32(v)
    }

    mutating func fixed64(_ field: Int, _ v: UInt64) {
        key(field, 1)
        rawFixed64(v)
    }

    mutating func float(_ field: Int, _ v: Float) { fixed32(field, v.bitPattern) }
    mutating func double(_ field: Int, _ v: Double) { fixed64(field, v.bitPattern) }

    mutating func bytes(_ field: Int, _ payload: [UInt8]) {
        key(field, 2)
        rawVarint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
    }

    mutating func string(_ field: Int, _ s: String) { bytes(field, Array(s.utf8)) }

    mutating func message(_ field: Int, _ body: (inout ProtoWriter) -> Void) {
        bytes(field, ProtoWriter.build(body))
    }

    // MARK: Packed repeated

    mutating func packedVarints(_ field: Int, _ values: [UInt64]) {
        var inner = ProtoWriter()
        for v in values { inner.rawVarint(v) }
        bytes(field, inner.bytes)
    }

    mutating func packedInt64s(_ field: Int, _ values: [Int64]) {
        packedVarints(field, values.map { UInt64(bitPattern: $0) })
    }

    mutating func packedInt32s(_ field: Int, _ values: [Int32]) {
        packedVarints(field, values.map { UInt64(bitPattern: Int64($0)) })
    }

    mutating func packedFloats(_ field: Int, _ values: [Float]) {
        var inner = ProtoWriter()
        for v in values { inner.rawFixed32(v.bitPattern) }
        bytes(field, inner.bytes)
    }

    mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        var inner = ProtoWriter()
        for v in values { inner.rawFixed64(v.bitPattern) }
        bytes(field, inner.bytes)
    }

    /// One unknown field of each valid wire type, numbered high enough not to clash with ONNX fields.
    mutating func unknownFields(base: Int = 900) {
        varint(base, 123_456_789)
        fixed64(base + 1, 0x0102_0304_0506_0708)
        bytes(base + 2, [0xFF, 0x00, 0x08, 0x96, 0x01])  // junk that is not a valid message
        fixed32(base + 3, 0xDEAD_BEEF)
        message(base + 4) { $0.varint(1, 1); $0.string(2, "nested unknown") }
    }
}


/// Encodes Mote's ONNX message structs back to protobuf (test-only), so decode tests can round-trip.
/// `packed` chooses packed or one-field-per-element encoding for repeated scalars; `unknown` sprinkles unknown
/// fields of every wire type into every message.
struct ONNXEncoder {
    var packed = true
    var unknown = false

    func encode(_ m: ONNXModel) -> [UInt8] {
        ProtoWriter.build { w in
            w.int64(1, m.irVersion)
            if unknown { w.unknownFields() }
            if !m.producerName.isEmpty { w.string(2, m.producerName) }
            if !m.producerVersion.isEmpty { w.string(3, m.producerVersion) }
            w.string(6, "doc string (skipped)")
            for o in m.opsetImports {
                w.message(8) { w in
                    w.string(1, o.domain)
                    if unknown { w.unknownFields() }
                    w.int64(2, o.version)
                }
            }
            // The graph goes last so that every strict prefix of the encoding lacks it (see the truncation test).
            if m.hasGraph { w.bytes(7, encode(m.graph)) }
        }
    }

    func encode(_ g: ONNXGraph) -> [UInt8] {
        ProtoWriter.build { w in
            if !g.name.isEmpty { w.string(2, g.name) }
            if unknown { w.unknownFields() }
            for n in g.nodes { w.bytes(1, encode(n)) }
            for t in g.initializers { w.bytes(5, encode(t)) }
            for _ in 0..<g.sparseInitializerCount { w.message(15) { $0.string(3, "sparse") } }
            for v in g.inputs { w.bytes(11, encode(v)) }
            for v in g.outputs { w.bytes(12, encode(v)) }
            for v in g.valueInfo { w.bytes(13, encode(v)) }
        }
    }

    func encode(_ n: ONNXNode) -> [UInt8] {
        ProtoWriter.build { w in
            for s in n.inputs { w.string(1, s) }
            for s in n.outputs { w.string(2, s) }
            if !n.name.isEmpty { w.string(3, n.name) }
            if unknown { w.unknownFields() }
            w.string(4, n.opType)
            w.string(6, "doc")
            for a in n.attributes { w.bytes(5, encode(a)) }
            if !n.domain.isEmpty { w.string(7, n.domain) }
        }
    }

    func encode(_ a: ONNXAttribute) -> [UInt8] {
        ProtoWriter.build { w in
            w.string(1, a.name)
            if !a.refAttrName.isEmpty { w.string(21, a.refAttrName) }
            if unknown { w.unknownFields() }
            w.int32(20, a.rawType)
            if a.f != 0 { w.float(2, a.f) }
            if a.i != 0 { w.int64(3, a.i) }
            if !a.s.isEmpty { w.bytes(4, a.s) }
            if let t = a.t { w.bytes(5, encode(t)) }
            for k in 0..<a.graphCount { w.message(k == 0 ? 6 : 11) { $0.string(2, "body") } }
            if packed {
                if !a.floats.isEmpty { w.packedFloats(7, a.floats) }
                if !a.ints.isEmpty { w.packedInt64s(8, a.ints) }
            } else {
                for f in a.floats { w.float(7, f) }
                for i in a.ints { w.int64(8, i) }
            }
            for s in a.strings { w.bytes(9, s) }
            for t in a.tensors { w.bytes(10, encode(t)) }
        }
    }

    func encode(_ t: ONNXTensor) -> [UInt8] {
        ProtoWriter.build { w in
            if packed {
                if !t.dims.isEmpty { w.packedInt64s(1, t.dims) }
            } else {
                for d in t.dims { w.int64(1, d) }
            }
            w.int32(2, t.dataType)
            if t.hasSegment { w.message(3) { $0.int64(1, 0); $0.int64(2, 10) } }
            if unknown { w.unknownFields() }
            if packed {
                if !t.floatData.isEmpty { w.packedFloats(4, t.floatData) }
                if !t.int32Data.isEmpty { w.packedInt32s(5, t.int32Data) }
                if !t.int64Data.isEmpty { w.packedInt64s(7, t.int64Data) }
                if !t.doubleData.isEmpty { w.packedDoubles(10, t.doubleData) }
                if !t.uint64Data.isEmpty { w.packedVarints(11, t.uint64Data) }
            } else {
                for v in t.floatData { w.float(4, v) }
                for v in t.int32Data { w.int32(5, v) }
                for v in t.int64Data { w.int64(7, v) }
                for v in t.doubleData { w.double(10, v) }
                for v in t.uint64Data { w.varint(11, v) }
            }
            for _ in 0..<t.stringCount { w.bytes(6, Array("s".utf8)) }
            if !t.name.isEmpty { w.string(8, t.name) }
            if let raw = t.rawData { w.bytes(9, raw) }
            if t.hasExternalData { w.int32(14, 1) }
        }
    }

    func encode(_ v: ONNXValueInfo) -> [UInt8] {
        ProtoWriter.build { w in
            w.string(1, v.name)
            if unknown { w.unknownFields() }
            w.message(2) { w in
                if v.isTensor {
                    w.message(1) { w in
                        w.int32(1, v.elemType)
                        if let dims = v.dims {
                            w.message(2) { w in
                                for d in dims {
                                    w.message(1) { w in
                                        switch d {
                                        case .value(let x): w.int64(1, x)
                                        case .param(let p): w.string(2, p)
                                        case .unknown: if unknown { w.unknownFields() }
                                        }
                                    }
                                }
                            }
                        }
                    }
                } else {
                    // sequence_type(tensor_type(float)): not a tensor.
                    w.message(4) { $0.message(1) { $0.message(1) { $0.int32(1, 1) } } }
                }
                w.string(6, "denotation (skipped)")
            }
        }
    }
}
