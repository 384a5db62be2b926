import MoteFixedPoint
import MoteIR

/// The bit-exact integer reference interpreter of a `QModel`: the golden model for the emitted C.
///
/// Every layer runs the loops and rounding of its C kernel (`Templates/kernels/mote_<op>.c`) with the
/// arithmetic of `MoteFixedPoint`, so the C's output must equal this byte for byte. The model is validated
/// once, in `init` (`QModel.validate()`): afterwards no input data can make a kernel trap or read out of bounds.
public struct IntegerInterpreter: Sendable {
    public let model: QModel
    /// For each tensor, the index of the last layer that reads it (−1: none), so buffers can be released
    /// early; model outputs are kept.
    private let lastUse: [Int]

    public init(model: QModel) throws {
        try model.validate()
        var lastUse = [Int](repeating: -1, count: model.tensors.count)
        for (i, layer) in model.layers.enumerated() {
            for t in layer.op.inputs { lastUse[t] = i }
        }
        for t in model.outputs { lastUse[t] = Int.max }
        self.model = model
        self.lastUse = lastUse
    }

    /// Runs the model on one sample: `inputs[i]` is the flat int8 data of tensor `model.inputs[i]`; the result
    /// holds the data of `model.outputs`, in that order.
    public func run(_ inputs: [[Int8]]) throws -> [[Int8]] {
        try run(inputs, observe: { _, _ in })
    }

    /// As `run(_:)`, and calls `observe(tensorIndex, data)` with every layer's output, in execution order.
    public func run(_ inputs: [[Int8]], observe: (Int, [Int8]) -> Void) throws -> [[Int8]] {
        guard inputs.count == model.inputs.count else {
            throw Diagnostic("model '\(Diagnostic.printable(model.name))' has \(model.inputs.count) inputs, got \(inputs.count)")
        }
        var values = [[Int8]?](repeating: nil, count: model.tensors.count)
        for (position, t) in model.inputs.enumerated() {
            let expected = model.tensors[t].count
            guard inputs[position].count == expected else {
                throw Diagnostic(
                    "input \(position) ('\(Diagnostic.printable(model.tensors[t].name))') has \(inputs[position].count) values, expected \(expected)")
            }
            values[t] = inputs[position]
        }
        for (i, layer) in model.layers.enumerated() {
            let result = Self.execute(layer.op) { values[$0] ?? [] }
            values[layer.op.output] = result
            observe(layer.op.output, result)
            for t in layer.op.inputs where lastUse[t] == i { values[t] = nil }
        }
        // Validation guarantees every output is a model input or written by a layer, and never released.
        return model.outputs.map { values[$0] ?? [] }
    }

    /// One layer. Its inputs are present: validation checked that each is a model input or written earlier,
    /// and buffers are released only after their last reader.
    static func execute(_ op: QOp, _ value: (Int) -> [Int8]) -> [Int8] {
        switch op {
        case .conv(let l): return ConvKernel.run(l, value(l.input))
        case .dense(let l): return DenseKernel.run(l, value(l.input))
        case .add(let l): return AddKernel.run(l, value(l.input1), value(l.input2))
        case .mul(let l): return MulKernel.run(l, value(l.input1), value(l.input2))
        case .pool(let l): return PoolKernel.run(l, value(l.input))
        case .mean(let l): return MeanKernel.run(l, value(l.input))
        case .table(let l): return TableKernel.run(l, value(l.input))
        case .softmax(let l): return SoftmaxKernel.run(l, value(l.input))
        case .concat(let l): return ConcatKernel.run(l, l.parts.map { value($0.input) })
        case .pad(let l): return PadKernel.run(l, value(l.input))
        case .transpose(let l): return TransposeKernel.run(l, value(l.input))
        case .reshape(let input, _): return value(input)  // same bytes; the C copies (or plans it in place)
        }
    }
}
