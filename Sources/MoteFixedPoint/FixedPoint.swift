/// The integer arithmetic shared by the quantizer, the integer reference interpreter and the code generator:
/// TFLite's int8 specification as TFLite Micro's reference kernels compute it.
///
/// - `quantizeMultiplier` (compile time): a real scale → 31-bit multiplier and shift.
/// - `saturatingRoundingDoublingHighMul`, `roundingDivideByPOT`, `multiplyByQuantizedMultiplier`,
///   `requantize`, `saturateToInt8`, `roundedDivide`, `add`: the run-time arithmetic. Each has a twin in
///   `Templates/runtime/mote_fixedpoint.h` (`mote_srdhm`, `mote_rdbpot`, `mote_mbqm`, `mote_requantize`,
///   `mote_sat_i8`, `mote_rounded_div`, `mote_add_elem`), and a test runs both on the same inputs.
/// - `packInt4` / `unpackInt4`: int4 weight storage (C: `mote_i4_get`).
///
/// Pure value code: no Foundation, no global state, no traps on any input.
public enum FixedPoint {}
