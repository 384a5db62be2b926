/// The operations of Mote's graph IR, with attributes already validated and normalised by the importer
/// (negative axes resolved, `auto_pad` turned into explicit pads, attribute and input forms unified).
///
/// Input conventions (values in `Node.inputs`, in order):
/// - `conv`: x [N, C, spatial…], w [M, C/group, kernel…], optional b [M]
/// - `gemm`: a, b, optional c (broadcast to the [M, N] result)
/// - `matMul`: a, b (numpy matmul semantics, batch dims broadcast)
/// - `binary`: a, b (numpy broadcasting)
/// - `clip`: x, min (scalar), max (scalar) — absent bounds are ±infinity constants
/// - `batchNormalization`: x, scale, bias, mean, variance (inference form)
/// - `pad`: x only; pads and value are attributes
/// - everything else: one input
public enum Op: Sendable, Equatable {
    case conv(ConvAttributes)
    case gemm(GemmAttributes)
    case matMul
    case binary(BinaryOp)
    case activation(Activation)
    case clip
    case softmax(SoftmaxAttributes)
    case maxPool(PoolAttributes)
    case averagePool(PoolAttributes)
    case globalAveragePool
    case globalMaxPool
    case batchNormalization(epsilon: Float)
    /// Any pure change of shape (Reshape, Flatten, Squeeze, Unsqueeze): the data is unchanged, only the
    /// shape (fully resolved, no -1 or 0 left) changes.
    case reshape(shape: [Int])
    case transpose(perm: [Int])
    case concat(axis: Int)
    case pad(PadAttributes)
    case reduceMean(axes: [Int], keepDims: Bool)

    /// Short name used in dumps, reports and diagnostics.
    public var name: String {
        switch self {
        case .conv: return "Conv"
        case .gemm: return "Gemm"
        case .matMul: return "MatMul"
        case .binary(let b): return b.name
        case .activation(let a): return a.name
        case .clip: return "Clip"
        case .softmax: return "Softmax"
        case .maxPool: return "MaxPool"
        case .averagePool: return "AveragePool"
        case .globalAveragePool: return "GlobalAveragePool"
        case .globalMaxPool: return "GlobalMaxPool"
        case .batchNormalization: return "BatchNormalization"
        case .reshape: return "Reshape"
        case .transpose: return "Transpose"
        case .concat: return "Concat"
        case .pad: return "Pad"
        case .reduceMean: return "ReduceMean"
        }
    }
}

public enum BinaryOp: String, Sendable, Equatable, CaseIterable {
    case add, sub, mul, div

    public var name: String {
        switch self {
        case .add: return "Add"
        case .sub: return "Sub"
        case .mul: return "Mul"
        case .div: return "Div"
        }
    }

    public func apply(_ a: Float, _ b: Float) -> Float {
        switch self {
        case .add: return a + b
        case .sub: return a - b
        case .mul: return a * b
        case .div: return a / b
        }
    }
}

/// Elementwise activations with one input and one output.
public enum Activation: Sendable, Equatable {
    case relu
    case leakyRelu(alpha: Float)
    case sigmoid
    case tanh
    /// max(0, min(1, alpha·x + beta))
    case hardSigmoid(alpha: Float, beta: Float)
    /// x · max(0, min(1, x/6 + 1/2))
    case hardSwish

    public var name: String {
        switch self {
        case .relu: return "Relu"
        case .leakyRelu: return "LeakyRelu"
        case .sigmoid: return "Sigmoid"
        case .tanh: return "Tanh"
        case .hardSigmoid: return "HardSigmoid"
        case .hardSwish: return "HardSwish"
        }
    }
}

public struct ConvAttributes: Sendable, Equatable {
    /// Kernel size per spatial axis.
    public var kernel: [Int]
    public var strides: [Int]
    public var dilations: [Int]
    /// Begin pads for every spatial axis, then end pads (ONNX order).
    public var pads: [Int]
    public var group: Int

    public init(kernel: [Int], strides: [Int], dilations: [Int], pads: [Int], group: Int) {
        self.kernel = kernel
        self.strides = strides
        self.dilations = dilations
        self.pads = pads
        self.group = group
    }

    public var spatialRank: Int { kernel.count }
}

public struct GemmAttributes: Sendable, Equatable {
    public var alpha: Float
    public var beta: Float
    public var transA: Bool
    public var transB: Bool

    public init(alpha: Float = 1, beta: Float = 1, transA: Bool = false, transB: Bool = false) {
        self.alpha = alpha
        self.beta = beta
        self.transA = transA
        self.transB = transB
    }
}

public struct SoftmaxAttributes: Sendable, Equatable {
    /// Non-negative axis.
    public var axis: Int
    /// Opset < 13 semantics: the input is coerced to 2-D at `axis` and softmax runs over all trailing
    /// dimensions together. Opset ≥ 13: softmax along `axis` only.
    public var coerceTo2D: Bool

    public init(axis: Int, coerceTo2D: Bool) {
        self.axis = axis
        self.coerceTo2D = coerceTo2D
    }
}

public struct PoolAttributes: Sendable, Equatable {
    public var kernel: [Int]
    public var strides: [Int]
    public var dilations: [Int]
    /// Begin pads then end pads, as in `ConvAttributes`. With `ceilMode` the output may read past the end
    /// pads; such windows are clipped to the padded input.
    public var pads: [Int]
    public var ceilMode: Bool
    /// Average pool only: divide by the full kernel size (true) or by the number of non-pad elements.
    public var countIncludePad: Bool

    public init(kernel: [Int], strides: [Int], dilations: [Int], pads: [Int], ceilMode: Bool, countIncludePad: Bool) {
        self.kernel = kernel
        self.strides = strides
        self.dilations = dilations
        self.pads = pads
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
    }

    public var spatialRank: Int { kernel.count }
}

public struct PadAttributes: Sendable, Equatable {
    /// Begin pads for every axis, then end pads; negative values crop.
    public var pads: [Int]
    public var value: Float

    public init(pads: [Int], value: Float) {
        self.pads = pads
        self.value = value
    }
}
