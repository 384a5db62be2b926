import MoteFloat
import MoteIR

/// Calibrate, then quantize: the int8 front of `mote compile`.
public enum QuantizationPipeline {
    public static func quantize(_ graph: Graph, calibration samples: [[FloatTensor]], options: QuantizeOptions = QuantizeOptions()) throws -> QModel {
        try quantizeDetailed(graph, calibration: samples, options: options).model
    }

    /// As `quantize`, with what each weight layer got (width, pruning, rounding used).
    public static func quantizeDetailed(_ graph: Graph, calibration samples: [[FloatTensor]],
                                        options: QuantizeOptions = QuantizeOptions()) throws -> QuantizationResult {
        guard !samples.isEmpty else { throw Diagnostic("the calibration set is empty") }
        let interpreter = try FloatInterpreter(graph: graph)
        let stats = try Calibrator.calibrate(interpreter, samples: samples, method: options.rangeMethod)
        return try Quantizer.quantizeDetailed(graph, statistics: stats, calibration: samples, options: options)
    }
}
