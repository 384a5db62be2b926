import MoteIR

// The subset of ONNX's protobuf messages Mote reads (onnx/onnx.proto3). Field numbers are given beside each
// property; fields Mote does not model are skipped by the decoder. Decoding lives in `Decode*.swift`.

/// ModelProto.
public struct ONNXModel: Sendable, Equatable {
    public var irVersion: Int64 = 0                 // 1
    public var producerName: String = ""            // 2
    public var producerVersion: String = ""         // 3
    public var graph: ONNXGraph = ONNXGraph()       // 7
    public var opsetImports: [ONNXOpsetImport] = [] // 8
    public var hasGraph: Bool = false
    public init() {}

    /// The opset version of the default domain ("" or "ai.onnx"), if imported.
    public var defaultOpset: Int64? {
        opsetImports.last(where: { $0.domain == "" || $0.domain == "ai.onnx" })?.version
    }
}

/// OperatorSetIdProto.
public struct ONNXOpsetImport: Sendable, Equatable {
    public var domain: String = ""                  // 1
    public var version: Int64 = 0                   // 2
    public init(domain: String = "", version: Int64 = 0) {
        self.domain = domain
        self.version = version
    }
}

/// GraphProto.
public struct ONNXGraph: Sendable, Equatable {
    public var nodes: [ONNXNode] = []               // 1
    public var name: String = ""                    // 2
    public var initializers: [ONNXTensor] = []      // 5
    public var sparseInitializerCount: Int = 0      // 15 (counted, then refused by the importer)
    public var inputs: [ONNXValueInfo] = []         // 11
    public var outputs: [ONNXValueInfo] = []        // 12
    public var valueInfo: [ONNXValueInfo] = []      // 13
    public init() {}
}

/// NodeProto.
public struct ONNXNode: Sendable, Equatable {
    public var inputs: [String] = []                // 1
    public var outputs: [String] = []               // 2
    public var name: String = ""                    // 3
    public var opType: String = ""                  // 4
    public var attributes: [ONNXAttribute] = []     // 5
    public var domain: String = ""                  // 7
    public init() {}

    public func attribute(_ name: String) -> ONNXAttribute? { attributes.last(where: { $0.name == name }) }
}

/// AttributeProto.AttributeType.
public enum ONNXAttributeType: Int32, Sendable, Equatable {
    case undefined = 0, float = 1, int = 2, string = 3, tensor = 4, graph = 5
    case floats = 6, ints = 7, strings = 8, tensors = 9, graphs = 10
    case sparseTensor = 11, sparseTensors = 12, typeProto = 13, typeProtos = 14
}

/// AttributeProto. Sub-graphs (If/Loop bodies) are not decoded: only counted, since no supported op uses them.
public struct ONNXAttribute: Sendable, Equatable {
    public var name: String = ""                    // 1
    public var refAttrName: String = ""             // 21 (function attribute references: refused)
    public var type: ONNXAttributeType = .undefined // 20 (raw value kept in `rawType` when unknown)
    public var rawType: Int32 = 0
    public var f: Float = 0                         // 2
    public var i: Int64 = 0                         // 3
    public var s: [UInt8] = []                      // 4
    public var t: ONNXTensor?                       // 5
    public var graphCount: Int = 0                  // 6 g, 11 graphs
    public var floats: [Float] = []                 // 7 (packed or not)
    public var ints: [Int64] = []                   // 8 (packed or not)
    public var strings: [[UInt8]] = []              // 9
    public var tensors: [ONNXTensor] = []           // 10
    public init() {}

    public var string: String { String(decoding: s, as: UTF8.self) }
}

/// TensorProto.DataType values.
public enum ONNXDataType: Int32, Sendable, Equatable {
    case undefined = 0, float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7
    case string = 8, bool = 9, float16 = 10, double = 11, uint32 = 12, uint64 = 13
    case complex64 = 14, complex128 = 15, bfloat16 = 16

    /// Mote's element type, nil for types Mote never handles (complex, and the float8/int4 families).
    public var dtype: DType? {
        switch self {
        case .float: return .float32
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .int32: return .int32
        case .int64: return .int64
        case .string: return .string
        case .bool: return .bool
        case .float16: return .float16
        case .double: return .float64
        case .uint32: return .uint32
        case .uint64: return .uint64
        case .bfloat16: return .bfloat16
        case .undefined, .complex64, .complex128: return nil
        }
    }
}

/// TensorProto. Payload fields are kept as decoded; `ONNXTensor.data()` validates and converts them.
public struct ONNXTensor: Sendable, Equatable {
    public var dims: [Int64] = []                   // 1
    public var dataType: Int32 = 0                  // 2
    public var floatData: [Float] = []              // 4
    public var int32Data: [Int32] = []              // 5 (also int8/uint8/int16/uint16/bool/float16 bits)
    public var stringCount: Int = 0                 // 6
    public var int64Data: [Int64] = []              // 7
    public var name: String = ""                    // 8
    public var rawData: [UInt8]? = nil              // 9
    public var doubleData: [Double] = []            // 10
    public var uint64Data: [UInt64] = []            // 11
    public var hasExternalData: Bool = false        // 13 external_data entries, or 14 data_location == EXTERNAL
    public var hasSegment: Bool = false             // 3
    public init() {}
}

/// ValueInfoProto with its TypeProto.Tensor flattened.
public struct ONNXValueInfo: Sendable, Equatable {
    public enum Dim: Sendable, Equatable {
        case value(Int64)
        case param(String)
        case unknown
    }

    public var name: String = ""                    // 1
    /// False when the TypeProto is not a tensor (sequence, map, optional, sparse).
    public var isTensor: Bool = false
    public var elemType: Int32 = 0
    /// nil when no shape is given (rank unknown).
    public var dims: [Dim]? = nil
    public init() {}
}
