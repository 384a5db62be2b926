/* mote_table.c - any elementwise int8 -> int8 function as a 256-entry lookup table (Sigmoid, Tanh,
 * HardSwish, LeakyRelu, standalone Relu/Clip, requantizing copies), computed by Mote at compile time.
 *
 * Mirrors TFLite's LUT path for int8 activations (reference/integer_ops/lut.h, LookupTable) and the Swift
 * golden model (Sources/MoteInteger/Kernels/Table.swift).
 *
 * Accepted clang -Weverything warnings, silenced for this file only (push/pop, so a build that
 * concatenates the kernels keeps them local):
 *   -Wunsafe-buffer-usage  flags every pointer subscript, which C cannot avoid; indices are bounded by the
 *                          parameter block, which Mote validates against the tensor shapes.
 *   -Wpadded               struct padding in mote_kernels.h (before pointers on 64-bit hosts, after
 *                          mote_pad_params.value); layout does not affect the arithmetic.
 */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wunsafe-buffer-usage"
#pragma clang diagnostic ignored "-Wpadded"
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

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
