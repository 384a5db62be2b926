/// The quantized program: int8 tensors and layers whose integer parameters are fully resolved. It is the
/// contract between the quantizer (which builds it), the Swift integer interpreter (the golden model) and the
/// C code generator: both of the latter run exactly the loops and rounding that each layer describes here.
///
/// Layout: every tensor keeps the source model's layout (NCHW for images). Arithmetic follows TFLite's int8
/// specification; see `MoteFixedPoint` for the primitives.
public struct QModel: Sendable, Equatable, Codable {
    public var name: String
    public var tensors: [QTensor]
    public var layers: [QLayer]
    public var inputs: [Int]
    public var outputs: [Int]

    public init(name: String, tensors: [QTensor] = [], layers: [QLayer] = [], inputs: [Int] = [], outputs: [Int] = []) {
        self.name = name
        self.tensors = tensors
        self.layers = layers
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// real = scale · (q − zeroPoint), q in [−128, 127].
public struct QuantParams: Sendable, Equatable, Hashable, Codable {
    public var scale: Double
    public var zeroPoint: Int32

    public init(scale: Double, zeroPoint: Int32) {
        self.scale = scale
        self.zeroPoint = zeroPoint
    }

    public func quantize(_ x: Float) -> Int8 {
        let q = (Double(x) / scale).rounded(.toNearestOrAwayFromZero) + Double(zeroPoint)
        return Int8(clamping: Int(q.isFinite ? min(max(q, -1e6), 1e6) : 0))
    }

    public func dequantize(_ q: Int8) -> Float { Float(scale * Double(Int32(q) - zeroPoint)) }
}

/// An int8 activation tensor.
public struct QTensor: Sendable, Equatable, Codable {
    public var name: String
    public var shape: [Int]
    public var quant: QuantParams

    public init(name: String, shape: [Int], quant: QuantParams) {
        self.name = name
        self.shape = shape
        self.quant = quant
    }

    public var count: Int { Shape.count(shape) }
}

/// A fixed-point multiplier: real ≈ multiplier · 2^(shift − 31) (TFLite's QuantizeMultiplier encoding).
public struct QMultiplier: Sendable, Equatable, Hashable, Codable {
    public var multiplier: Int32
    public var shift: Int32

    public init(multiplier: Int32, shift: Int32) {
        self.multiplier = multiplier
        self.shift = shift
    }
}

/// The width of a conv/dense layer's stored weight values. The arithmetic is the same for both (the kernels
/// widen every weight to 32 bits); int4 values lie in −7...7 (symmetric, like int8's −127...127) and are stored
/// two per byte, element 2i in the low nibble (`FixedPoint.packInt4`). Whether a layer's weights are stored
/// dense or as a bitmask of non-zeros is decided from the values (`QWeightStorage`), not chosen here.
public enum QWeightBits: Int, Sendable, Equatable, Hashable, Codable, CaseIterable {
    case int4 = 4
    case int8 = 8

    /// The largest magnitude a weight of this width takes (symmetric quantization).
    public var maxMagnitude: Int { self == .int8 ? 127 : 7 }
    public var name: String { "int\(rawValue)" }
}

public struct QLayer: Sendable, Equatable, Codable {
    /// Name of the (last) source node, for comments and reports.
    public var name: String
    /// The float ops folded into this layer, e.g. ["Conv", "Relu"].
    public var sourceOps: [String]
    public var op: QOp

    public init(name: String, sourceOps: [String], op: QOp) {
        self.name = name
        self.sourceOps = sourceOps
        self.op = op
    }
}

public enum QOp: Sendable, Equatable, Codable {
    case conv(QConv)
    case dense(QDense)
    case add(QAdd)
    case mul(QMul)
    case pool(QPool)
    case mean(QMean)
    case table(QTable)
    case softmax(QSoftmax)
    case concat(QConcat)
    case pad(QPad)
    case transpose(QTranspose)
    /// Same bytes, new shape (Reshape/Flatten/Squeeze/Unsqueeze): a copy, or nothing once planned in place.
    case reshape(input: Int, output: Int)

    public var name: String {
        switch self {
        case .conv: return "conv"
        case .dense: return "dense"
        case .add: return "add"
        case .mul: return "mul"
        case .pool(let p): return p.kind == .max ? "max_pool" : "avg_pool"
        case .mean: return "mean"
        case .table: return "table"
        case .softmax: return "softmax"
        case .concat: return "concat"
        case .pad: return "pad"
        case .transpose: return "transpose"
        case .reshape: return "reshape"
        }
    }

    public var inputs: [Int] {
        switch self {
        case .conv(let l): return [l.input]
        case .dense(let l): return [l.input]
        case .add(let l): return [l.input1, l.input2]
        case .mul(let l): return [l.input1, l.input2]
        case .pool(let l): return [l.input]
        case .mean(let l): return [l.input]
        case .table(let l): return [l.input]
        case .softmax(let l): return [l.input]
        case .concat(let l): return l.inputs
        case .pad(let l): return [l.input]
        case .transpose(let l): return [l.input]
        case .reshape(let input, _): return [input]
        }
    }

    public var output: Int {
        switch self {
        case .conv(let l): return l.output
        case .dense(let l): return l.output
        case .add(let l): return l.output
        case .mul(let l): return l.output
        case .pool(let l): return l.output
        case .mean(let l): return l.output
        case .table(let l): return l.output
        case .softmax(let l): return l.output
        case .concat(let l): return l.output
        case .pad(let l): return l.output
        case .transpose(let l): return l.output
        case .reshape(_, let output): return output
        }
    }
}

/// 2-D convolution over [N, C, H, W] (1-D convolutions have H = 1), grouped (depthwise when
/// groups == inChannels == outChannels).
/// acc[m] = bias[m] + Σ w[m][c][ky][kx] · (x[c][iy][ix] + inputOffset) over taps inside the input (padding
/// contributes real zero, so it is skipped); out = clamp(MBQM(acc, requant[m]) + outputZeroPoint, clampMin, clampMax).
public struct QConv: Sendable, Equatable, Codable {
    public var input: Int
    public var output: Int
    public var batch: Int
    public var inChannels: Int, inHeight: Int, inWidth: Int
    public var outChannels: Int, outHeight: Int, outWidth: Int
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var dilationHeight: Int, dilationWidth: Int
    public var padTop: Int, padLeft: Int
    public var groups: Int
    /// [outChannels][inChannels/groups][kernelHeight][kernelWidth], symmetric, in ±`weightBits.maxMagnitude`
    /// (validation accepts what the width's storage holds: int4 −8...7). The logical values: how the C stores
    /// them (packed, sparse) is `weightStorage`.
    public var weights: [Int8]
    public var weightBits: QWeightBits
    /// Store the weights as a bitmask of non-zeros when that is smaller than dense (set for pruned layers).
    /// The quantizer leaves unpruned layers dense: the few zeros rounding makes (VWW: 19% in one layer) save
    /// less flash than the sparse kernel's code costs, and the sparse kernel is slower on them.
    public var sparseStorage: Bool
    /// [outChannels], scale = input scale · weight scale of the channel.
    public var bias: [Int32]
    /// [outChannels]: input scale · weight scale[m] / output scale.
    public var requant: [QMultiplier]
    /// −(input zero point).
    public var inputOffset: Int32
    public var outputZeroPoint: Int32
    public var clampMin: Int32
    public var clampMax: Int32

    public init(input: Int, output: Int, batch: Int, inChannels: Int, inHeight: Int, inWidth: Int,
                outChannels: Int, outHeight: Int, outWidth: Int, kernelHeight: Int, kernelWidth: Int,
                strideHeight: Int, strideWidth: Int, dilationHeight: Int, dilationWidth: Int,
                padTop: Int, padLeft: Int, groups: Int, weights: [Int8], weightBits: QWeightBits = .int8,
                sparseStorage: Bool = true, bias: [Int32], requant: [QMultiplier], inputOffset: Int32,
                outputZeroPoint: Int32, clampMin: Int32, clampMax: Int32) {
        self.input = input; self.output = output; self.batch = batch
        self.inChannels = inChannels; self.inHeight = inHeight; self.inWidth = inWidth
        self.outChannels = outChannels; self.outHeight = outHeight; self.outWidth = outWidth
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        self.dilationHeight = dilationHeight; self.dilationWidth = dilationWidth
        self.padTop = padTop; self.padLeft = padLeft; self.groups = groups
        self.weights = weights; self.weightBits = weightBits; self.sparseStorage = sparseStorage
        self.bias = bias; self.requant = requant
        self.inputOffset = inputOffset; self.outputZeroPoint = outputZeroPoint
        self.clampMin = clampMin; self.clampMax = clampMax
    }

    public var macs: Int { batch * outChannels * outHeight * outWidth * (inChannels / groups) * kernelHeight * kernelWidth }
}

/// Fully connected: x [rows, inFeatures] · wᵀ, w [outFeatures][inFeatures].
/// acc = bias[m] + Σ_k w[m][k] · (x[r][k] + inputOffset); out as in `QConv`.
public struct QDense: Sendable, Equatable, Codable {
    public var input: Int
    public var output: Int
    public var rows: Int
    public var inFeatures: Int
    public var outFeatures: Int
    /// [outFeatures][inFeatures], symmetric, in ±`weightBits.maxMagnitude` (int4: −8...7 accepted); logical
    /// values, stored as `weightStorage` says.
    public var weights: [Int8]
    public var weightBits: QWeightBits
    /// As `QConv.sparseStorage`.
    public var sparseStorage: Bool
    public var bias: [Int32]
    public var requant: [QMultiplier]
    public var inputOffset: Int32
    public var outputZeroPoint: Int32
    public var clampMin: Int32
    public var clampMax: Int32

    public init(input: Int, output: Int, rows: Int, inFeatures: Int, outFeatures: Int, weights: [Int8],
                weightBits: QWeightBits = .int8, sparseStorage: Bool = true, bias: [Int32], requant: [QMultiplier],
                inputOffset: Int32, outputZeroPoint: Int32, clampMin: Int32, clampMax: Int32) {
        self.input = input; self.output = output; self.rows = rows
        self.inFeatures = inFeatures; self.outFeatures = outFeatures
        self.weights = weights; self.weightBits = weightBits; self.sparseStorage = sparseStorage; self.bias = bias; self.requant = requant
        self.inputOffset = inputOffset; self.outputZeroPoint = outputZeroPoint
        self.clampMin = clampMin; self.clampMax = clampMax
    }

    public var macs: Int { rows * inFeatures * outFeatures }
}

/// Broadcast indexing shared by the binary layers: the output shape and, per input, row-major strides
/// over that shape (0 on broadcast axes).
public struct QBroadcast: Sendable, Equatable, Codable {
    public var shape: [Int]
    public var strides1: [Int]
    public var strides2: [Int]

    public init(shape: [Int], strides1: [Int], strides2: [Int]) {
        self.shape = shape
        self.strides1 = strides1
        self.strides2 = strides2
    }
}

/// TFLite's int8 Add/Sub: both inputs shifted left by `leftShift` (20), scaled to a common scale, summed
/// (or subtracted), rescaled to the output.
public struct QAdd: Sendable, Equatable, Codable {
    public var input1: Int
    public var input2: Int
    public var output: Int
    public var broadcast: QBroadcast
    public var subtract: Bool
    public var leftShift: Int32
    public var input1Offset: Int32
    public var input1Multiplier: QMultiplier
    public var input2Offset: Int32
    public var input2Multiplier: QMultiplier
    public var outputMultiplier: QMultiplier
    public var outputZeroPoint: Int32
    public var clampMin: Int32
    public var clampMax: Int32

    public init(input1: Int, input2: Int, output: Int, broadcast: QBroadcast, subtract: Bool, leftShift: Int32,
                input1Offset: Int32, input1Multiplier: QMultiplier, input2Offset: Int32, input2Multiplier: QMultiplier,
                outputMultiplier: QMultiplier, outputZeroPoint: Int32, clampMin: Int32, clampMax: Int32) {
        self.input1 = input1; self.input2 = input2; self.output = output; self.broadcast = broadcast
        self.subtract = subtract; self.leftShift = leftShift
        self.input1Offset = input1Offset; self.input1Multiplier = input1Multiplier
        self.input2Offset = input2Offset; self.input2Multiplier = input2Multiplier
        self.outputMultiplier = outputMultiplier; self.outputZeroPoint = outputZeroPoint
        self.clampMin = clampMin; self.clampMax = clampMax
    }
}

/// TFLite's int8 Mul: out = clamp(MBQM((x1 + off1)·(x2 + off2), multiplier) + zp, min, max).
public struct QMul: Sendable, Equatable, Codable {
    public var input1: Int
    public var input2: Int
    public var output: Int
    public var broadcast: QBroadcast
    public var input1Offset: Int32
    public var input2Offset: Int32
    public var multiplier: QMultiplier
    public var outputZeroPoint: Int32
    public var clampMin: Int32
    public var clampMax: Int32

    public init(input1: Int, input2: Int, output: Int, broadcast: QBroadcast, input1Offset: Int32, input2Offset: Int32,
                multiplier: QMultiplier, outputZeroPoint: Int32, clampMin: Int32, clampMax: Int32) {
        self.input1 = input1; self.input2 = input2; self.output = output; self.broadcast = broadcast
        self.input1Offset = input1Offset; self.input2Offset = input2Offset; self.multiplier = multiplier
        self.outputZeroPoint = outputZeroPoint; self.clampMin = clampMin; self.clampMax = clampMax
    }
}

/// Max or average pooling over [N·C] planes of H × W (1-D pools have H = 1). Output quantization equals
/// the input's. Max ignores padding. Average sums the taps inside the input and divides by `divisor`
/// rounding half away from zero, where divisor = taps inside the input, or (countIncludePad) taps inside the
/// padded extent, whose pad taps then add the zero point each.
public struct QPool: Sendable, Equatable, Codable {
    public enum Kind: Sendable, Equatable, Codable { case max, average }
    public var kind: Kind
    public var input: Int
    public var output: Int
    public var planes: Int
    public var inHeight: Int, inWidth: Int, outHeight: Int, outWidth: Int
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var dilationHeight: Int, dilationWidth: Int
    public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
    public var countIncludePad: Bool
    public var zeroPoint: Int32
    public var clampMin: Int32
    public var clampMax: Int32

    public init(kind: Kind, input: Int, output: Int, planes: Int, inHeight: Int, inWidth: Int, outHeight: Int, outWidth: Int,
                kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int, dilationHeight: Int,
                dilationWidth: Int, padTop: Int, padLeft: Int, padBottom: Int, padRight: Int, countIncludePad: Bool,
                zeroPoint: Int32, clampMin: Int32, clampMax: Int32) {
        self.kind = kind; self.input = input; self.output = output; self.planes = planes
        self.inHeight = inHeight; self.inWidth = inWidth; self.outHeight = outHeight; self.outWidth = outWidth
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        self.dilationHeight = dilationHeight; self.dilationWidth = dilationWidth
        self.padTop = padTop; self.padLeft = padLeft; self.padBottom = padBottom; self.padRight = padRight
        self.countIncludePad = countIncludePad; self.zeroPoint = zeroPoint
        self.clampMin = clampMin; self.clampMax = clampMax
    }
}

/// Mean over the middle axis of a [outer, reduce, inner] view (GlobalAveragePool: inner = 1; ReduceMean over
/// contiguous axes). acc = Σ (x − zpIn) over the reduced axis; out = clamp(MBQM(acc, multiplier) + zpOut)
/// with multiplier = sIn / (sOut · reduce) — when sIn == sOut and zpIn == zpOut this is the rounded mean.
public struct QMean: Sendable, Equatable, Codable {
    public var input: Int
    public var output: Int
    public var outer: Int
    public var reduce: Int
    public var inner: Int
    public var inputZeroPoint: Int32
    public var multiplier: QMultiplier
    public var outputZeroPoint: Int32

    public init(input: Int, output: Int, outer: Int, reduce: Int, inner: Int, inputZeroPoint: Int32,
                multiplier: QMultiplier, outputZeroPoint: Int32) {
        self.input = input; self.output = output; self.outer = outer; self.reduce = reduce; self.inner = inner
        self.inputZeroPoint = inputZeroPoint; self.multiplier = multiplier; self.outputZeroPoint = outputZeroPoint
    }
}

/// Any elementwise int8 → int8 function as a 256-entry table, indexed by q + 128 (exact for int8 inputs:
/// Sigmoid, Tanh, HardSigmoid, HardSwish, LeakyRelu, a standalone Relu/Clip, requantizing copies).
public struct QTable: Sendable, Equatable, Codable {
    public var input: Int
    public var output: Int
    public var table: [Int8]

    public init(input: Int, output: Int, table: [Int8]) {
        self.input = input
        self.output = output
        self.table = table
    }
}

/// Softmax along the middle axis of [outer, axis, inner]: with d = max − q in 0…255,
/// e = expTable[d] (round(exp(−s·d) · 2^16), so e[0] = 65536), sum = Σ e (uint32; axis ≤ 65535), and
/// out = clamp((e · 256 + sum / 2) / sum − 128, −128, 127) in uint32 (the bounds keep it below 2^32, so a
/// microcontroller needs no 64-bit division): output scale 1/256, zero point −128.
public struct QSoftmax: Sendable, Equatable, Codable {
    public var input: Int
    public var output: Int
    public var outer: Int
    public var axis: Int
    public var inner: Int
    public var expTable: [UInt32]

    public init(input: Int, output: Int, outer: Int, axis: Int, inner: Int, expTable: [UInt32]) {
        self.input = input; self.output = output; self.outer = outer; self.axis = axis; self.inner = inner
        self.expTable = expTable
    }

    /// The entries the emitted C stores: up to the last non-zero one (validation keeps expTable[0] ≥ 1). Every
    /// entry past it is 0, and the C kernel reads any d ≥ this count as 0 (`mote_softmax_params.exp_count`):
    /// input scales above about 0.05 leave most of the 256 entries out.
    public var storedExpCount: Int { (expTable.lastIndex { $0 != 0 } ?? 0) + 1 }
}

/// Concatenation along the middle axis of [outer, Σ sizes, inner]-shaped data. An input whose quantization
/// differs from the output's is requantized: out = clamp(MBQM(q − zpIn, multiplier) + zpOut) (TFLite's
/// Requantize); otherwise copied.
public struct QConcat: Sendable, Equatable, Codable {
    public struct Part: Sendable, Equatable, Codable {
        public var input: Int
        /// Elements per outer row (axis size × inner).
        public var rowSize: Int
        /// nil when the input's quantization equals the output's.
        public var requant: QMultiplier?
        public var inputZeroPoint: Int32

        public init(input: Int, rowSize: Int, requant: QMultiplier?, inputZeroPoint: Int32) {
            self.input = input
            self.rowSize = rowSize
            self.requant = requant
            self.inputZeroPoint = inputZeroPoint
        }
    }

    public var parts: [Part]
    public var output: Int
    public var outer: Int
    public var outputZeroPoint: Int32

    public init(parts: [Part], output: Int, outer: Int, outputZeroPoint: Int32) {
        self.parts = parts
        self.output = output
        self.outer = outer
        self.outputZeroPoint = outputZeroPoint
    }

    public var inputs: [Int] { parts.map(\.input) }
}

/// Constant padding (negative pads crop): output[i] = input[i − padsBegin] inside, `value` outside.
public struct QPad: Sendable, Equatable, Codable {
    public var input: Int
    public var output: Int
    public var inShape: [Int]
    public var outShape: [Int]
    public var padsBegin: [Int]
    public var value: Int8

    public init(input: Int, output: Int, inShape: [Int], outShape: [Int], padsBegin: [Int], value: Int8) {
        self.input = input; self.output = output; self.inShape = inShape; self.outShape = outShape
        self.padsBegin = padsBegin; self.value = value
    }
}

public struct QTranspose: Sendable, Equatable, Codable {
    public var input: Int
    public var output: Int
    public var inShape: [Int]
    public var perm: [Int]

    public init(input: Int, output: Int, inShape: [Int], perm: [Int]) {
        self.input = input
        self.output = output
        self.inShape = inShape
        self.perm = perm
    }
}
