import MoteFixedPoint
import MoteIR

/// Concatenation along the middle axis of [outer, Σ sizes, inner]: for each outer row, each part's row in turn.
/// A part whose quantization differs from the output's is requantized as in TFLite's `Requantize`
/// (reference/requantize.h): out = clamp(MBQM(x − zpIn, multiplier) + zpOut, −128, 127); otherwise copied.
/// Mirrors TFLM's `Concatenation` reference (reference/concatenation.h). C twin: `mote_concat.c`.
enum ConcatKernel {
    static func run(_ p: QConcat, _ inputs: [[Int8]]) -> [Int8] {
        var output = [Int8]()
        output.reserveCapacity(p.outer * p.parts.reduce(0) { $0 + $1.rowSize })
        for o in 0..<p.outer {
            for (k, part) in p.parts.enumerated() {
                let row = inputs[k][(o * part.rowSize)..<((o + 1) * part.rowSize)]
                if let m = part.requant {
                    for x in row {
                        output.append(FixedPoint.requantize(
                            acc: Int32(x) &- part.inputZeroPoint, multiplier: m.multiplier, shift: m.shift,
                            outputZeroPoint: p.outputZeroPoint, min: -128, max: 127))
                    }
                } else {
                    output.append(contentsOf: row)
                }
            }
        }
        return output
    }
}
