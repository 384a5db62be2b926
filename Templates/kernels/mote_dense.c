/* mote_dense.c - int8 fully connected layer: [rows][in_features] x weights[out_features][in_features]^T.
 *
 * Mirrors TFLite Micro's reference FullyConnected (reference/integer_ops/fully_connected.h) and the Swift
 * golden model (Sources/MoteInteger/Kernels/Dense.swift).
 *
 * Weights stored MOTE_WEIGHTS_INT8 (mote_kernels.h); int4 and sparse layers call mote_dense_int4 and
 * mote_dense_sparse (their own files), so an int8 model carries and runs only this.
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
 * The int32 accumulator wraps (computed in uint32_t), as in mote_conv. Wrapping addition is associative
 * and commutative, so computing four outputs per input load gives the reference bits for every input. */
void mote_dense(const mote_dense_params *p, const int8_t *input, int8_t *output)
{
    const uint32_t offset = (uint32_t)p->input_offset;
    const int8_t act_min = (int8_t)p->clamp_min;
    const int8_t act_max = (int8_t)p->clamp_max;
    const int32_t zp = p->output_zero_point;
    const int32_t features = p->in_features;
    int32_t r, m, k;

    for (r = 0; r < p->rows; ++r) {
        const int8_t *x = input + r * features;
        int8_t *out = output + r * p->out_features;
        for (m = 0; m + 4 <= p->out_features; m += 4) {
            const int8_t *w0 = p->weights + m * features;
            const int8_t *w1 = w0 + features;
            const int8_t *w2 = w1 + features;
            const int8_t *w3 = w2 + features;
            uint32_t a0 = (uint32_t)p->bias[m];
            uint32_t a1 = (uint32_t)p->bias[m + 1];
            uint32_t a2 = (uint32_t)p->bias[m + 2];
            uint32_t a3 = (uint32_t)p->bias[m + 3];
            for (k = 0; k < features; ++k) {
                const uint32_t xv = (uint32_t)(int32_t)x[k] + offset;
                a0 += (uint32_t)(int32_t)w0[k] * xv;
                a1 += (uint32_t)(int32_t)w1[k] * xv;
                a2 += (uint32_t)(int32_t)w2[k] * xv;
                a3 += (uint32_t)(int32_t)w3[k] * xv;
            }
            out[m] = mote_requantize(mote_i32_from_bits(a0), p->multiplier[m], p->shift[m], zp, act_min, act_max);
            out[m + 1] = mote_requantize(mote_i32_from_bits(a1), p->multiplier[m + 1], p->shift[m + 1], zp, act_min,
                                         act_max);
            out[m + 2] = mote_requantize(mote_i32_from_bits(a2), p->multiplier[m + 2], p->shift[m + 2], zp, act_min,
                                         act_max);
            out[m + 3] = mote_requantize(mote_i32_from_bits(a3), p->multiplier[m + 3], p->shift[m + 3], zp, act_min,
                                         act_max);
        }
        for (; m < p->out_features; ++m) {
            const int8_t *w = p->weights + m * features;
            uint32_t acc = (uint32_t)p->bias[m];
            for (k = 0; k < features; ++k) {
                acc += (uint32_t)(int32_t)w[k] * ((uint32_t)(int32_t)x[k] + offset);
            }
            out[m] = mote_requantize(mote_i32_from_bits(acc), p->multiplier[m], p->shift[m], zp, act_min, act_max);
        }
    }
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
