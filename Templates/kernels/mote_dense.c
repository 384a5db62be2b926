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
    const int32_t features = p->in_features;
    int32_t r, m, k;

    for (r = 0; r < p->rows; ++r) {
        const int8_t *x = input + r * features;
        int8_t *out = output + r * p->out_features;
        m = 0;
#if MOTE_DSP
        if (p->input_offset >= -127 && p->input_offset <= 128) {
            /* Four inputs at a time as int16 pairs (x0 + offset, x2 + offset) and (x1 + offset, x3 + offset) (no
             * 16-bit overflow: |x + offset| <= 255); three weight rows each split the same way by SXTB16: six
             * SMLADs for 12 multiply-accumulates (four rows ran out of registers under GCC: 8 stack accesses a step).
             * The tail of in_features mod 4 goes one by one. */
            const uint32_t off2 = (offset & 0xFFFFu) | (offset << 16);
            const int32_t k4 = features & ~3;
            for (; m + 3 <= p->out_features; m += 3) {
                const int8_t *w0 = p->weights + m * features;
                const int8_t *w1 = w0 + features;
                const int8_t *w2 = w1 + features;
                int32_t a0 = p->bias[m], a1 = p->bias[m + 1], a2 = p->bias[m + 2];
                for (k = 0; k < k4; k += 4) {
                    uint32_t v;
                    int32_t xe, xo;
                    memcpy(&v, x + k, 4);
                    xe = __sadd16((int32_t)mote_sxtb16_even(v), (int32_t)off2);
                    xo = __sadd16((int32_t)mote_sxtb16_odd(v), (int32_t)off2);
                    memcpy(&v, w0 + k, 4);
                    a0 = __smlad((int32_t)mote_sxtb16_odd(v), xo, __smlad((int32_t)mote_sxtb16_even(v), xe, a0));
                    memcpy(&v, w1 + k, 4);
                    a1 = __smlad((int32_t)mote_sxtb16_odd(v), xo, __smlad((int32_t)mote_sxtb16_even(v), xe, a1));
                    memcpy(&v, w2 + k, 4);
                    a2 = __smlad((int32_t)mote_sxtb16_odd(v), xo, __smlad((int32_t)mote_sxtb16_even(v), xe, a2));
                }
                {
                    uint32_t u0 = (uint32_t)a0, u1 = (uint32_t)a1, u2 = (uint32_t)a2;
                    for (; k < features; ++k) {
                        const uint32_t xv = (uint32_t)(int32_t)x[k] + offset;
                        u0 += (uint32_t)(int32_t)w0[k] * xv;
                        u1 += (uint32_t)(int32_t)w1[k] * xv;
                        u2 += (uint32_t)(int32_t)w2[k] * xv;
                    }
                    out[m] = mote_dense_requantize(p, m, u0);
                    out[m + 1] = mote_dense_requantize(p, m + 1, u1);
                    out[m + 2] = mote_dense_requantize(p, m + 2, u2);
                }
            }
        }
#endif
        for (; m + 4 <= p->out_features; m += 4) {
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
            out[m] = mote_dense_requantize(p, m, a0);
            out[m + 1] = mote_dense_requantize(p, m + 1, a1);
            out[m + 2] = mote_dense_requantize(p, m + 2, a2);
            out[m + 3] = mote_dense_requantize(p, m + 3, a3);
        }
        for (; m < p->out_features; ++m) {
            const int8_t *w = p->weights + m * features;
            uint32_t acc = (uint32_t)p->bias[m];
            for (k = 0; k < features; ++k) {
                acc += (uint32_t)(int32_t)w[k] * ((uint32_t)(int32_t)x[k] + offset);
            }
            out[m] = mote_dense_requantize(p, m, acc);
        }
    }
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
