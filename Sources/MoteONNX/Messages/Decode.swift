import MoteIR

/// Decodes ONNX protobuf messages (ModelProto, TensorProto) into the structs of `Messages.swift`.
///
/// Input is untrusted: every failure is a `Diagnostic` saying what is wrong, at which byte, and in which message
/// (e.g. `truncated varint at byte 1234 (in graph.node[3].attribute[0])`); the caller adds the file name.
/// Fields Mote does not model are skipped (after the same bounds checks). Protobuf merge semantics hold: a
/// singular scalar seen twice keeps the last value, repeated fields append, an embedded message seen twice merges.
public enum ONNXDecoder {
    /// Resource limits against hostile input. Memory is otherwise proportional to the input size: every length
    /// and count is checked against the bytes present before anything is allocated.
    public struct Limits: Sendable, Equatable {
        /// Deepest message nesting accepted (ModelProto is depth 0).
        public var maxDepth: Int
        /// Most embedded messages decoded in total: an empty message is 2 bytes on the wire but a few hundred
        /// bytes in memory, so this caps the blow-up a small hostile file could cause.
        public var maxMessages: Int

        public init(maxDepth: Int = 64, maxMessages: Int = 1 << 20) {
            self.maxDepth = maxDepth
            self.maxMessages = maxMessages
        }

        public static let standard = Limits()
    }

    /// Decodes a serialized ModelProto (an `.onnx` file).
    public static func decodeModel(_ bytes: [UInt8], limits: Limits = .standard) throws -> ONNXModel {
        guard !bytes.isEmpty else { throw Diagnostic("empty input: 0 bytes is not an ONNX model") }
        var reader = ProtoReader(bytes)
        var context = DecodeContext(limits: limits)
        var model = ONNXModel()
        try context.top { try decodeModel(&reader, into: &model, &$0) }
        return model
    }

    /// Decodes a serialized TensorProto (as in ONNX test-data `.pb` files).
    public static func decodeTensor(_ bytes: [UInt8], limits: Limits = .standard) throws -> ONNXTensor {
        guard !bytes.isEmpty else { throw Diagnostic("empty input: 0 bytes is not a TensorProto") }
        var reader = ProtoReader(bytes)
        var context = DecodeContext(limits: limits)
        var tensor = ONNXTensor()
        try context.top { try decodeTensor(&reader, into: &tensor, &$0) }
        return tensor
    }
}

/// Tracks nesting depth and the message budget, and records where in the message tree an error happened.
struct DecodeContext {
    let limits: ONNXDecoder.Limits
    private(set) var depth = 0
    private(set) var messages = 0

    init(limits: ONNXDecoder.Limits) { self.limits = limits }

    /// Runs the top-level decode and turns a located error into a plain `Diagnostic`.
    mutating func top(_ body: (inout DecodeContext) throws -> Void) throws {
        do {
            try body(&self)
        } catch let error as LocatedError {
            throw Diagnostic("\(error.message) (in \(error.path.joined(separator: ".")))")
        }
    }

    /// Decodes one embedded message: checks depth and budget, and prefixes errors with `label`.
    /// The label is an autoclosure so the success path builds no strings.
    mutating func nested<T>(
        _ label: @autoclosure () -> String, at offset: Int, _ body: (inout DecodeContext) throws -> T
    ) throws -> T {
        do {
            guard depth < limits.maxDepth else {
                throw Diagnostic("message at byte \(offset) is nested deeper than \(limits.maxDepth) levels")
            }
            guard messages < limits.maxMessages else {
                throw Diagnostic("more than \(limits.maxMessages) embedded messages (limit reached at byte \(offset))")
            }
            messages &+= 1
            depth &+= 1
            defer { depth &-= 1 }
            return try body(&self)
        } catch let error as Diagnostic {
            throw LocatedError(message: error.message, path: [label()])
        } catch var error as LocatedError {
            error.path.insert(label(), at: 0)
            throw error
        }
    }
}

/// An error on its way out of nested messages, collecting the path to where it happened.
struct LocatedError: Error {
    var message: String
    var path: [String]
}

extension ONNXDecoder {
    // MARK: ModelProto

    static func decodeModel(_ r: inout ProtoReader, into m: inout ONNXModel, _ ctx: inout DecodeContext) throws {
        while let f = try r.readField() {
            switch f.number {
            case 1: m.irVersion = try r.readInt64(f)
            case 2: m.producerName = try r.readString(f)
            case 3: m.producerVersion = try r.readString(f)
            case 7:
                var sub = try r.readMessage(f)
                try ctx.nested("graph", at: f.offset) { try decodeGraph(&sub, into: &m.graph, &$0) }
                m.hasGraph = true
            case 8:
                var sub = try r.readMessage(f)
                let index = m.opsetImports.count
                m.opsetImports.append(try ctx.nested("opset_import[\(index)]", at: f.offset) { _ in
                    try decodeOpset(&sub)
                })
            default: try r.skip(f)
            }
        }
    }

    static func decodeOpset(_ r: inout ProtoReader) throws -> ONNXOpsetImport {
        var o = ONNXOpsetImport()
        while let f = try r.readField() {
            switch f.number {
            case 1: o.domain = try r.readString(f)
            case 2: o.version = try r.readInt64(f)
            default: try r.skip(f)
            }
        }
        return o
    }

    // MARK: GraphProto

    static func decodeGraph(_ r: inout ProtoReader, into g: inout ONNXGraph, _ ctx: inout DecodeContext) throws {
        while let f = try r.readField() {
            switch f.number {
            case 1:
                var sub = try r.readMessage(f)
                let index = g.nodes.count
                var node = ONNXNode()
                try ctx.nested("node[\(index)]", at: f.offset) { try decodeNode(&sub, into: &node, &$0) }
                g.nodes.append(node)
            case 2: g.name = try r.readString(f)
            case 5:
                var sub = try r.readMessage(f)
                let index = g.initializers.count
                var tensor = ONNXTensor()
                try ctx.nested("initializer[\(index)]", at: f.offset) { try decodeTensor(&sub, into: &tensor, &$0) }
                g.initializers.append(tensor)
            case 11, 12, 13:
                var sub = try r.readMessage(f)
                let kind = f.number == 11 ? "input" : f.number == 12 ? "output" : "value_info"
                let index = f.number == 11 ? g.inputs.count : f.number == 12 ? g.outputs.count : g.valueInfo.count
                var info = ONNXValueInfo()
                try ctx.nested("\(kind)[\(index)]", at: f.offset) { try decodeValueInfo(&sub, into: &info, &$0) }
                switch f.number {
                case 11: g.inputs.append(info)
                case 12: g.outputs.append(info)
                default: g.valueInfo.append(info)
                }
            case 15:
                // Sparse initializers are refused by the importer; only their number matters here.
                _ = try r.readMessage(f)
                g.sparseInitializerCount &+= 1
            default: try r.skip(f)
            }
        }
    }

    // MARK: NodeProto

    static func decodeNode(_ r: inout ProtoReader, into n: inout ONNXNode, _ ctx: inout DecodeContext) throws {
        while let f = try r.readField() {
            switch f.number {
            case 1: n.inputs.append(try r.readString(f))
            case 2: n.outputs.append(try r.readString(f))
            case 3: n.name = try r.readString(f)
            case 4: n.opType = try r.readString(f)
            case 5:
                var sub = try r.readMessage(f)
                let index = n.attributes.count
                var attribute = ONNXAttribute()
                try ctx.nested("attribute[\(index)]", at: f.offset) { try decodeAttribute(&sub, into: &attribute, &$0) }
                n.attributes.append(attribute)
            case 7: n.domain = try r.readString(f)
            default: try r.skip(f)
            }
        }
    }

    // MARK: AttributeProto

    static func decodeAttribute(_ r: inout ProtoReader, into a: inout ONNXAttribute, _ ctx: inout DecodeContext) throws {
        while let f = try r.readField() {
            switch f.number {
            case 1: a.name = try r.readString(f)
            case 21: a.refAttrName = try r.readString(f)
            case 20:
                let raw = try r.readInt32(f)
                a.rawType = raw
                a.type = ONNXAttributeType(rawValue: raw) ?? .undefined
            case 2: a.f = try r.readFloat(f)
            case 3: a.i = try r.readInt64(f)
            case 4: a.s = try r.readBytes(f)
            case 5:
                var sub = try r.readMessage(f)
                // A repeated singular message merges into the previous one (protobuf semantics).
                var tensor = a.t ?? ONNXTensor()
                try ctx.nested("t", at: f.offset) { try decodeTensor(&sub, into: &tensor, &$0) }
                a.t = tensor
            case 6, 11:
                // Sub-graphs (If/Loop/Scan bodies) are not decoded: no supported op uses them.
                _ = try r.readMessage(f)
                a.graphCount &+= 1
            case 7: try r.appendFloats(f, to: &a.floats)
            case 8: try r.appendInt64s(f, to: &a.ints)
            case 9: a.strings.append(try r.readBytes(f))
            case 10:
                var sub = try r.readMessage(f)
                let index = a.tensors.count
                var tensor = ONNXTensor()
                try ctx.nested("tensors[\(index)]", at: f.offset) { try decodeTensor(&sub, into: &tensor, &$0) }
                a.tensors.append(tensor)
            default: try r.skip(f)
            }
        }
    }

    // MARK: TensorProto

    static func decodeTensor(_ r: inout ProtoReader, into t: inout ONNXTensor, _ ctx: inout DecodeContext) throws {
        while let f = try r.readField() {
            switch f.number {
            case 1: try r.appendInt64s(f, to: &t.dims)
            case 2: t.dataType = try r.readInt32(f)
            case 3:
                _ = try r.readMessage(f)
                t.hasSegment = true
            case 4: try r.appendFloats(f, to: &t.floatData)
            case 5: try r.appendInt32s(f, to: &t.int32Data)
            case 6:
                // String tensors are refused on conversion; count the entries without copying them.
                _ = try r.readMessage(f)
                t.stringCount &+= 1
            case 7: try r.appendInt64s(f, to: &t.int64Data)
            case 8: t.name = try r.readString(f)
            case 9: t.rawData = try r.readBytes(f)
            case 10: try r.appendDoubles(f, to: &t.doubleData)
            case 11: try r.appendUInt64s(f, to: &t.uint64Data)
            case 13:
                _ = try r.readMessage(f)
                t.hasExternalData = true
            case 14:
                // DataLocation: DEFAULT = 0, EXTERNAL = 1.
                if try r.readInt32(f) == 1 { t.hasExternalData = true }
            default: try r.skip(f)
            }
        }
    }

    // MARK: ValueInfoProto / TypeProto

    static func decodeValueInfo(_ r: inout ProtoReader, into v: inout ONNXValueInfo, _ ctx: inout DecodeContext) throws {
        while let f = try r.readField() {
            switch f.number {
            case 1: v.name = try r.readString(f)
            case 2:
                var sub = try r.readMessage(f)
                try ctx.nested("type", at: f.offset) { try decodeType(&sub, into: &v, &$0) }
            default: try r.skip(f)
            }
        }
    }

    /// TypeProto: only `tensor_type` is decoded; the other members of the `value` oneof mark the value as
    /// not a tensor (the last member present wins, as for any oneof).
    static func decodeType(_ r: inout ProtoReader, into v: inout ONNXValueInfo, _ ctx: inout DecodeContext) throws {
        while let f = try r.readField() {
            switch f.number {
            case 1:
                var sub = try r.readMessage(f)
                if !v.isTensor {
                    v.elemType = 0
                    v.dims = nil
                }
                v.isTensor = true
                try ctx.nested("tensor_type", at: f.offset) { try decodeTensorType(&sub, into: &v, &$0) }
            case 4, 5, 8, 9:
                _ = try r.readMessage(f)
                v.isTensor = false
                v.elemType = 0
                v.dims = nil
            default: try r.skip(f)
            }
        }
    }

    static func decodeTensorType(_ r: inout ProtoReader, into v: inout ONNXValueInfo, _ ctx: inout DecodeContext) throws {
        while let f = try r.readField() {
            switch f.number {
            case 1: v.elemType = try r.readInt32(f)
            case 2:
                var sub = try r.readMessage(f)
                var dims = v.dims ?? []
                try ctx.nested("shape", at: f.offset) { try decodeShape(&sub, into: &dims, &$0) }
                v.dims = dims
            default: try r.skip(f)
            }
        }
    }

    static func decodeShape(_ r: inout ProtoReader, into dims: inout [ONNXValueInfo.Dim], _ ctx: inout DecodeContext) throws {
        while let f = try r.readField() {
            switch f.number {
            case 1:
                var sub = try r.readMessage(f)
                let index = dims.count
                dims.append(try ctx.nested("dim[\(index)]", at: f.offset) { _ in try decodeDimension(&sub) })
            default: try r.skip(f)
            }
        }
    }

    /// Dimension: a oneof of dim_value (1) and dim_param (2); neither means unknown.
    static func decodeDimension(_ r: inout ProtoReader) throws -> ONNXValueInfo.Dim {
        var dim = ONNXValueInfo.Dim.unknown
        while let f = try r.readField() {
            switch f.number {
            case 1: dim = .value(try r.readInt64(f))
            case 2: dim = .param(try r.readString(f))
            default: try r.skip(f)
            }
        }
        return dim
    }
}
