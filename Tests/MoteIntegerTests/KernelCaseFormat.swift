import MoteCodegen
import MoteIR
import MoteInteger
import MotePlan

/// One single-layer model with its input data: the unit the differential tests run through the Swift
/// interpreter and through the C kernel driver.
struct KernelCase {
    var model: QModel
    var inputs: [[Int8]]
    /// Conv/dense: the weight storage the C is given; nil takes Mote's choice (`QWeightStorage`), a value forces
    /// dense or sparse so that every format meets every kernel path.
    var encoding: QWeightStorage.Encoding? = nil

    var op: QOp { model.layers[0].op }

    /// A model whose tensors 0..<n are the inputs (with `inputShapes`) and tensor n the output; `op` must use
    /// those indices.
    init(_ op: QOp, inputShapes: [[Int]], outputShape: [Int], inputs: [[Int8]]) {
        var tensors = inputShapes.enumerated().map { i, shape in
            QTensor(name: "in\(i)", shape: shape, quant: QuantParams(scale: 1, zeroPoint: 0))
        }
        tensors.append(QTensor(name: "out", shape: outputShape, quant: QuantParams(scale: 1, zeroPoint: 0)))
        let layer = QLayer(name: "layer", sourceOps: [op.name], op: op)
        model = QModel(name: "case", tensors: tensors, layers: [layer],
                       inputs: Array(0..<inputShapes.count), outputs: [inputShapes.count])
        self.inputs = inputs
    }

    /// The Swift interpreter's output.
    func swiftOutput() throws -> [Int8] {
        try IntegerInterpreter(model: model).run(inputs)[0]
    }

    /// The case in the driver's text format (`KernelDriverSource.swift`): kernel name, parameters in
    /// mote_kernels.h field order, then the input data.
    var driverText: String {
        var w = TokenWriter()
        switch op {
        case .conv(let p):
            w.word("conv")
            w.ints([p.batch, p.inChannels, p.inHeight, p.inWidth, p.outChannels, p.outHeight, p.outWidth,
                    p.kernelHeight, p.kernelWidth, p.strideHeight, p.strideWidth, p.dilationHeight, p.dilationWidth,
                    p.padTop, p.padLeft, p.groups])
            w.int32s([p.inputOffset, p.outputZeroPoint, p.clampMin, p.clampMax])
            let storage = QWeightStorage(weights: p.weights, rows: p.outChannels, rowLength: p.weightRowLength,
                                         bits: p.weightBits, encoding: encoding)
            let pairs = MemoryPlanner.pairsWeightRows(p, storage: storage)
            w.weights(p.weights, storage, scratch: MemoryPlanner.convScratchBytes(p, storage: storage), rowPairs: pairs)
            w.int32s(p.kernelBias(pairs: pairs))
            w.int32s(p.requant.map(\.multiplier))
            w.int32s(p.requant.map(\.shift))
            w.int8s(inputs[0])
        case .dense(let p):
            w.word("dense")
            w.ints([p.rows, p.inFeatures, p.outFeatures])
            w.int32s([p.inputOffset, p.outputZeroPoint, p.clampMin, p.clampMax])
            let storage = QWeightStorage(weights: p.weights, rows: p.outFeatures, rowLength: p.inFeatures,
                                         bits: p.weightBits, encoding: encoding)
            w.weights(p.weights, storage, scratch: 0)
            w.int32s(p.kernelBias(storage: storage))
            w.int32s(p.requant.map(\.multiplier))
            w.int32s(p.requant.map(\.shift))
            w.int8s(inputs[0])
        case .add(let p):
            w.word("add")
            w.broadcast(p.broadcast)
            w.int32s([p.subtract ? 1 : 0, p.leftShift,
                      p.input1Offset, p.input1Multiplier.multiplier, p.input1Multiplier.shift,
                      p.input2Offset, p.input2Multiplier.multiplier, p.input2Multiplier.shift,
                      p.outputMultiplier.multiplier, p.outputMultiplier.shift,
                      p.outputZeroPoint, p.clampMin, p.clampMax])
            w.counted(inputs[0])
            w.counted(inputs[1])
        case .mul(let p):
            w.word("mul")
            w.broadcast(p.broadcast)
            w.int32s([p.input1Offset, p.input2Offset, p.multiplier.multiplier, p.multiplier.shift,
                      p.outputZeroPoint, p.clampMin, p.clampMax])
            w.counted(inputs[0])
            w.counted(inputs[1])
        case .pool(let p):
            w.word("pool")
            w.ints([p.kind == .max ? 0 : 1, p.planes, p.inHeight, p.inWidth, p.outHeight, p.outWidth,
                    p.kernelHeight, p.kernelWidth, p.strideHeight, p.strideWidth, p.dilationHeight, p.dilationWidth,
                    p.padTop, p.padLeft, p.padBottom, p.padRight, p.countIncludePad ? 1 : 0])
            w.int32s([p.zeroPoint, p.clampMin, p.clampMax])
            w.int8s(inputs[0])
        case .mean(let p):
            w.word("mean")
            w.ints([p.outer, p.reduce, p.inner])
            w.int32s([p.inputZeroPoint, p.multiplier.multiplier, p.multiplier.shift, p.outputZeroPoint])
            w.int8s(inputs[0])
        case .table(let p):
            w.word("table")
            w.ints([inputs[0].count])
            w.int8s(p.table)
            w.int8s(inputs[0])
        case .softmax(let p):
            w.word("softmax")
            w.ints([p.outer, p.axis, p.inner, p.storedExpCount])
            w.tokens(p.expTable.prefix(p.storedExpCount).map { String($0) })
            w.int8s(inputs[0])
        case .concat(let p):
            w.word("concat")
            w.ints([p.outer, p.parts.count])
            w.int32s([p.outputZeroPoint])
            for part in p.parts {
                w.ints([part.rowSize, part.requant == nil ? 0 : 1])
                w.int32s([part.requant?.multiplier ?? 0, part.requant?.shift ?? 0, part.inputZeroPoint])
            }
            for input in inputs { w.int8s(input) }
        case .pad(let p):
            w.word("pad")
            w.ints([p.inShape.count] + p.inShape + p.outShape + p.padsBegin + [Int(p.value)])
            w.int8s(inputs[0])
        case .transpose(let p):
            w.word("transpose")
            w.ints([p.inShape.count] + p.inShape + p.perm)
            w.int8s(inputs[0])
        case .reshape:
            preconditionFailure("reshape has no C kernel")  // test-side programming error, never data-driven
        }
        return w.text
    }
}

/// Builds the driver's whitespace-separated text.
struct TokenWriter {
    private(set) var text = ""

    mutating func tokens(_ values: [String]) {
        text += values.joined(separator: " ")
        text += "\n"
    }
    mutating func word(_ s: String) { tokens([s]) }
    mutating func ints(_ v: [Int]) { tokens(v.map { String($0) }) }
    mutating func int32s(_ v: [Int32]) { tokens(v.map { String($0) }) }
    mutating func int8s(_ v: [Int8]) { tokens(v.map { String($0) }) }
    mutating func counted(_ v: [Int8]) { ints([v.count]); int8s(v) }
    mutating func broadcast(_ b: QBroadcast) { ints([b.shape.count] + b.shape + b.strides1 + b.strides2) }

    /// A conv/dense layer's weights as the emitted C stores them (`EncodedWeights`): format, the most non-zeros
    /// in a row, scratch bytes, then each array with its length (0: NULL), and the row-start width.
    mutating func weights(_ weights: [Int8], _ storage: QWeightStorage, scratch: Int, rowPairs: Bool = false) {
        // A test-side failure, never data-driven: the generators make valid weights.
        guard let e = try? EncodedWeights(weights, storage: storage, rowPairs: rowPairs) else {
            preconditionFailure("unencodable weights")
        }
        ints([Int(e.format), storage.maxRowNonZeros, scratch])
        counted(e.values)
        ints([e.nibbles.count]); tokens(e.nibbles.map { String($0) })
        ints([e.mask.count]); tokens(e.mask.map { String($0) })
        ints([storage.rowStartBytes, e.rowStarts.count]); tokens(e.rowStarts.map { String($0) })
    }
}
