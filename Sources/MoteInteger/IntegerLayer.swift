import MoteIR

/// One layer of a `QModel` run on its own, validated once: the quantizer executes each layer as soon as it
/// appends it, so later layers are quantized against the inputs the integer program really produces.
public struct IntegerLayer: Sendable {
    public let layer: QLayer
    private let inputCounts: [Int]

    /// Validates `layer` against `tensors` as `QModel.validate()` would inside a model whose inputs are the
    /// layer's inputs.
    public init(_ layer: QLayer, tensors: [QTensor]) throws {
        let inputs = layer.op.inputs
        // Distinct inputs only: a layer may read one tensor twice (x + x), a model may not list it twice.
        var distinct: [Int] = []
        for t in inputs where !distinct.contains(t) { distinct.append(t) }
        try QModel(name: layer.name, tensors: tensors, layers: [layer], inputs: distinct, outputs: [layer.op.output]).validate()
        self.layer = layer
        self.inputCounts = inputs.map { tensors[$0].count }
    }

    /// `inputs[i]` is the data of tensor `layer.op.inputs[i]`; returns the output tensor's data.
    public func run(_ inputs: [[Int8]]) throws -> [Int8] {
        guard inputs.count == inputCounts.count else {
            throw Diagnostic(node: layer.name, op: layer.op.name, "expected \(inputCounts.count) inputs, got \(inputs.count)")
        }
        for (i, data) in inputs.enumerated() where data.count != inputCounts[i] {
            throw Diagnostic(node: layer.name, op: layer.op.name, "input \(i) has \(data.count) values, expected \(inputCounts[i])")
        }
        let byTensor = Dictionary(zip(layer.op.inputs, inputs), uniquingKeysWith: { a, _ in a })
        return IntegerInterpreter.execute(layer.op) { byTensor[$0] ?? [] }
    }
}
