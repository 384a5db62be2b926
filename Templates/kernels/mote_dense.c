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

#define MOTE_U(v) ((uint32_t)(int32_t)(v))

/* Output feature m from its accumulator: mote_requantize, by mote_scale_bounded when the layer allows it. */
static int8_t mote_dense_out(const mote_dense_params *p, const mote_out *o, int bounded, int32_t m, uint32_t acc)
{
    const mote_scale s = mote_scale_init(p->multiplier[m], p->shift[m]);
    if (bounded) {
        return mote_out_narrow(mote_scale_bounded(mote_i32_from_bits(acc), &s), o);
    }
    return mote_out_apply(mote_scale_apply(mote_i32_from_bits(acc), &s), o);
}

/* acc = bias[m] + sum_k w[m][k] * x[r][k], with the input offset already folded into bias (mote_dense_params),
 * out[r][m] = clamp(mbqm(acc, multiplier[m], shift[m]) + output_zero_point, clamp_min, clamp_max).
 * The int32 accumulator wraps (computed in uint32_t), as in mote_conv. Wrapping addition is associative
 * and commutative, so several outputs per input load give the reference bits for every input. */
void mote_dense(const mote_dense_params *p, const int8_t *input, int8_t *output)
{
    const int32_t features = p->in_features;
    const mote_out o = mote_out_init(p->output_zero_point, (int8_t)p->clamp_min, (int8_t)p->clamp_max);
    int bounded = !o.wide;
    int32_t r, m, k;

    /* mote_bounded_ok for every feature, |acc| <= mote_acc_bound(bias, 0, in_features) = |bias| + 128 * 128 *
     * in_features: no left shift, a right shift of 1..30 and |bias| < 2^30 - 128 * 128 * in_features. Checked per
     * call (a few instructions per feature) instead of per output. */
    {
        const uint64_t products = (uint64_t)(features < 0 ? 0 : features) * 16384u;
        const uint32_t limit = products < 0x40000000u ? 0x40000000u - (uint32_t)products : 0u;
        for (m = 0; m < p->out_features && bounded; ++m) {
            const int32_t b = p->bias[m];
            const uint32_t magnitude = b < 0 ? 0u - (uint32_t)b : (uint32_t)b;
            bounded = p->shift[m] <= -1 && p->shift[m] >= -30 && magnitude < limit;
        }
    }
    for (r = 0; r < p->rows; ++r) {
        const int8_t *x = input + r * features;
        int8_t *out = output + r * p->out_features;
        m = 0;
#if MOTE_DSP
        {
            /* Four inputs at a time, split by SXTB16 into the int16 pairs (x0, x2) and (x1, x3); three weight rows
             * split the same way: six SMLADs for 12 multiply-accumulates. The tail of in_features mod 4 goes one by
             * one. */
            const int32_t k4 = features & ~3;
            for (; m + 3 <= p->out_features; m += 3) {
                const int8_t *w0 = p->weights + m * features;
                const int8_t *w1 = w0 + features;
                const int8_t *w2 = w1 + features;
                int32_t a0 = p->bias[m], a1 = p->bias[m + 1], a2 = p->bias[m + 2];
                const int8_t *xp = x;
                const int8_t *const x_end = x + k4;
                /* Pointers stepped, not indexed: GCC then keeps the loop in registers (20 instructions a step;
                 * indexed, it spilled one; four rows, five). */
                while (xp != x_end) {
                    uint32_t v;
                    int32_t xe, xo;
                    memcpy(&v, xp, 4);
                    xp += 4;
                    xe = (int32_t)mote_sxtb16_even(v);
                    xo = (int32_t)mote_sxtb16_odd(v);
                    memcpy(&v, w0, 4);
                    w0 += 4;
                    a0 = __smlad((int32_t)mote_sxtb16_odd(v), xo, __smlad((int32_t)mote_sxtb16_even(v), xe, a0));
                    memcpy(&v, w1, 4);
                    w1 += 4;
                    a1 = __smlad((int32_t)mote_sxtb16_odd(v), xo, __smlad((int32_t)mote_sxtb16_even(v), xe, a1));
                    memcpy(&v, w2, 4);
                    w2 += 4;
                    a2 = __smlad((int32_t)mote_sxtb16_odd(v), xo, __smlad((int32_t)mote_sxtb16_even(v), xe, a2));
                }
                {
                    uint32_t u0 = (uint32_t)a0, u1 = (uint32_t)a1, u2 = (uint32_t)a2;
                    for (k = k4; k < features; ++k) {
                        const uint32_t xv = MOTE_U(x[k]);
                        u0 += MOTE_U(*w0++) * xv;
                        u1 += MOTE_U(*w1++) * xv;
                        u2 += MOTE_U(*w2++) * xv;
                    }
                    out[m] = mote_dense_out(p, &o, bounded, m, u0);
                    out[m + 1] = mote_dense_out(p, &o, bounded, m + 1, u1);
                    out[m + 2] = mote_dense_out(p, &o, bounded, m + 2, u2);
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
                const uint32_t xv = MOTE_U(x[k]);
                a0 += MOTE_U(w0[k]) * xv;
                a1 += MOTE_U(w1[k]) * xv;
                a2 += MOTE_U(w2[k]) * xv;
                a3 += MOTE_U(w3[k]) * xv;
            }
            out[m] = mote_dense_out(p, &o, bounded, m, a0);
            out[m + 1] = mote_dense_out(p, &o, bounded, m + 1, a1);
            out[m + 2] = mote_dense_out(p, &o, bounded, m + 2, a2);
            out[m + 3] = mote_dense_out(p, &o, bounded, m + 3, a3);
        }
        for (; m < p->out_features; ++m) {
            const int8_t *w = p->weights + m * features;
            uint32_t acc = (uint32_t)p->bias[m];
            for (k = 0; k < features; ++k) {
                acc += MOTE_U(w[k]) * MOTE_U(x[k]);
            }
            out[m] = mote_dense_out(p, &o, bounded, m, acc);
        }
    }
}

#undef MOTE_U

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
