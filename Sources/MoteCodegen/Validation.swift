import MoteIR

/// The checks `Codegen.emit` makes before writing any C, so that a malformed `QModel` gives a `Diagnostic`
/// naming the problem instead of C that reads or writes out of bounds on a device.
///
/// `QModel.validate()` (shared with the integer interpreter) checks tensor indices, single assignment,
/// execution order and every layer's parameters; this adds what only the C needs: no zero-length arrays, a
/// model interface to emit, header macros from the inputs' and outputs' quantization, and int8 input zero
/// points for Mean and Concat (the interpreter also accepts, and wraps, hand-made int32 ones there).
enum ModelCheck {
    static func validate(_ model: QModel) throws {
        // C has no zero-length arrays (shapes that are invalid for another reason are reported by validate()).
        for (i, t) in model.tensors.enumerated() where Shape.checkedCount(t.shape) == 0 {
            throw Diagnostic("tensor \(i) ('\(Diagnostic.printable(t.name))') has shape \(Shape.describe(t.shape)): it must hold 1...\(Shape.maxElements) elements")
        }
        guard !model.inputs.isEmpty else { throw Diagnostic("model has no inputs") }
        guard !model.outputs.isEmpty else { throw Diagnostic("model has no outputs") }
        try model.validate()
        for t in model.inputs { try interface(model.tensors[t], t, "input") }
        for t in model.outputs { try interface(model.tensors[t], t, "output") }
        for layer in model.layers {
            switch layer.op {
            case .mean(let p):
                try int8(p.inputZeroPoint, "inputZeroPoint", layer)
            case .concat(let p):
                for (k, part) in p.parts.enumerated() { try int8(part.inputZeroPoint, "part \(k) inputZeroPoint", layer) }
            default:
                break
            }
        }
    }

    /// Model inputs and outputs become header macros and float helpers: their quantization must be usable there.
    private static func interface(_ tensor: QTensor, _ index: Int, _ role: String) throws {
        let scale = Float(tensor.quant.scale)
        guard scale.isFinite && scale > 0 else {
            throw Diagnostic("model \(role) tensor \(index) ('\(Diagnostic.printable(tensor.name))') has scale \(tensor.quant.scale): expected a positive float")
        }
        guard tensor.quant.zeroPoint >= -128 && tensor.quant.zeroPoint <= 127 else {
            throw Diagnostic("model \(role) tensor \(index) ('\(Diagnostic.printable(tensor.name))') has zero point \(tensor.quant.zeroPoint): expected -128...127")
        }
    }

    private static func int8(_ value: Int32, _ name: String, _ layer: QLayer) throws {
        guard value >= -128 && value <= 127 else {
            throw Diagnostic(node: layer.name, op: layer.op.name, "\(name) is \(value), expected -128...127")
        }
    }
}
