/* mote_table.c - any elementwise int8 -> int8 function as a 256-entry lookup table (Sigmoid, Tanh,
 * HardSwish, LeakyRelu, standalone Relu/Clip, requantizing copies), computed by Mote at compile time.
 *
 * Mirrors TFLite's LUT path for int8 activations (reference/integer_ops/lut.h, LookupTable) and the Swift
 * golden model (Sources/MoteInteger/Kernels/Table.swift).
 *
 * Accepted clang -Weverything warnings, silenced for this file only:
 *   -Wunsafe-buffer-usage  flags every pointer subscript, which C cannot avoid; indices are bounded by the
 *                          parameter block, which Mote validates against the tensor shapes.
 */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wunsafe-buffer-usage"
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mote_kernels.h"
#include "mote_fixedpoint.h"

/* out[i] = table[in[i] + 128]. */
void mote_table(const int8_t table[256], int32_t count, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < count; ++i) {
        output[i] = table[(int32_t)input[i] + 128];
    }
}
