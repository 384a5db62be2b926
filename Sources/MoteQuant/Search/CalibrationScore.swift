import MoteFloat
import MoteInteger
import MoteIR

/// Scores candidate QModels on the calibration set against the float model: top-1 agreement and SQNR of the
/// first output, the figures `mote verify` reports (`Agreement`), here on calibration data so that choosing a
/// compression never looks at the evaluation set.
public struct CalibrationScore: Sendable {
    /// Float outputs (first output, flat) per sample.
    let reference: [[Float]]
    /// The calibration inputs (first input, flat) per sample.
    let inputs: [[Float]]

    /// Runs the float model once over `samples`.
    public init(graph: Graph, samples: [[FloatTensor]]) throws {
        let interpreter = try FloatInterpreter(graph: graph)
        reference = try samples.map { try interpreter.run($0)[0].data }
        inputs = samples.map { $0.first?.data ?? [] }
    }

    /// Agreement of `model`'s dequantized first output with the float model's, over every calibration sample.
    public func score(_ model: QModel) throws -> Agreement {
        let interpreter = try IntegerInterpreter(model: model)
        guard let inputTensor = model.inputs.first, let outputTensor = model.outputs.first else {
            throw Diagnostic("model '\(Diagnostic.printable(model.name))' has no input or output to score")
        }
        let inQuant = model.tensors[inputTensor].quant
        let outQuant = model.tensors[outputTensor].quant
        var quantized: [[Float]] = []
        quantized.reserveCapacity(inputs.count)
        for x in inputs {
            let out = try interpreter.run([x.map(inQuant.quantize)])[0]
            quantized.append(out.map(outQuant.dequantize))
        }
        return Agreement.measure(float: reference, quantized: quantized)
    }
}
