import MoteIR

/// Any elementwise int8 → int8 function as a 256-entry lookup: out = table[x + 128]. Mirrors TFLite's LUT path
/// for int8 Logistic / Tanh / HardSwish (`LookupTable` in reference/integer_ops/lut.h). C twin: `mote_table.c`.
enum TableKernel {
    static func run(_ p: QTable, _ input: [Int8]) -> [Int8] {
        p.table.withUnsafeBufferPointer { t in
            input.map { t[Int($0) + 128] }
        }
    }
}
