import MoteFloat
import MoteIR

/// Calibrate, then quantize: the int8 front of `mote compile`.
public enum QuantizationPipeline {
    public static func quantize(_ graph: Graph, calibration samples: [[FloatTensor]], options: QuantizeOptions = QuantizeOptions()) throws -> QModel {
        guard !samples.isEmpty else { throw Diagnostic("the calibration set is empty") }
        let interpreter = try FloatInterpreter(graph: graph)
        let stats = try Calibrator.calibrate(interpreter, samples: samples, method: options.rangeMethod)
        return try Quantizer.quantize(graph, statistics: stats, options: options)
    }
}
