/* mote_dense.c - int8 fully connected layer: [rows][in_features] x weights[out_features][in_features]^T.
 *
 * Mirrors TFLite Micro's reference FullyConnected (reference/integer_ops/fully_connected.h) and the Swift
 * golden model (Sources/MoteInteger/Kernels/Dense.swift).
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

/* acc = bias[m] + sum_k w[m][k] * (x[r][k] + input_offset),
 * out[r][m] = clamp(mbqm(acc, multiplier[m], shift[m]) + output_zero_point, clamp_min, clamp_max).
 * The int32 accumulator wraps (computed in uint32_t), as in mote_conv. */
void mote_dense(const mote_dense_params *p, const int8_t *input, int8_t *output)
{
    const uint32_t offset = (uint32_t)p->input_offset;
    const int8_t act_min = (int8_t)p->clamp_min;
    const int8_t act_max = (int8_t)p->clamp_max;
    int32_t r, m, k;

    for (r = 0; r < p->rows; ++r) {
        const int8_t *x = input + r * p->in_features;
        for (m = 0; m < p->out_features; ++m) {
            const int8_t *w = p->weights + m * p->in_features;
            uint32_t acc = (uint32_t)p->bias[m];
            for (k = 0; k < p->in_features; ++k) {
                acc += (uint32_t)(int32_t)w[k] * ((uint32_t)(int32_t)x[k] + offset);
            }
            output[r * p->out_features + m] = mote_requantize(mote_i32_from_bits(acc), p->multiplier[m], p->shift[m],
                                                              p->output_zero_point, act_min, act_max);
        }
    }
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
