/* mote_concat.c - int8 concatenation along the middle axis of [outer][sum of sizes][inner] data.
 *
 * Mirrors TFLite Micro's reference Concatenation (reference/concatenation.h) with TFLite's Requantize
 * (reference/requantize.h) for inputs whose quantization differs from the output's, and the Swift golden
 * model (Sources/MoteInteger/Kernels/Concat.swift).
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

/* For each outer row, each part's row of row_size elements in turn: copied, or (requantize != 0)
 * out = clamp(mbqm(x - input_zero_point, multiplier, shift) + output_zero_point, -128, 127). */
void mote_concat(const mote_concat_params *p, const int8_t *const *inputs, int8_t *output)
{
    int8_t *out = output;
    int32_t o, k, j;

    for (o = 0; o < p->outer; ++o) {
        for (k = 0; k < p->part_count; ++k) {
            const mote_concat_part *part = &p->parts[k];
            const int8_t *x = inputs[k] + o * part->row_size;
            if (part->requantize) {
                for (j = 0; j < part->row_size; ++j) {
                    const int32_t v = mote_i32_from_bits((uint32_t)(int32_t)x[j] - (uint32_t)part->input_zero_point);
                    out[j] = mote_requantize(v, part->multiplier, part->shift, p->output_zero_point, -128, 127);
                }
            } else if (part->row_size > 0) {
                memcpy(out, x, (size_t)part->row_size);
            }
            out += part->row_size;
        }
    }
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
