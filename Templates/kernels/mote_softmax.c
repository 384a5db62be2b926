/* mote_softmax.c - int8 softmax along the middle axis of [outer][axis][inner] with a per-layer exponential
 * table; output scale 1/256, zero point -128 (TFLite's fixed int8 softmax output encoding).
 *
 * Mirrors the Swift golden model (Sources/MoteInteger/Kernels/Softmax.swift). TFLite's reference int8
 * Softmax (reference/softmax.h) computes exp in gemmlowp fixed point; a table per layer, made by Mote at
 * compile time from the input scale, is exact for int8 inputs and cheaper.
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

/* exp_table[d], 0 past the entries stored (the table's tail of zeros is not in flash). */
static uint32_t mote_softmax_exp(const mote_softmax_params *p, int32_t d)
{
    return d < p->exp_count ? p->exp_table[d] : 0u;
}

/* For each (outer, inner) column: m = max over the axis; e = exp_table[m - x] (about exp(-s*(m-x)) * 2^16,
 * so the max gets 65536); sum = sum of e; out = clamp((e * 256 + sum / 2) / sum - 128, -128, 127), i.e.
 * e/sum in units of 1/256, rounded half up.
 *
 * Mote guarantees exp_table[0] >= 1, every entry <= 65536 and axis <= 65535, so 1 <= sum < 2^32 and
 * e * 256 + sum / 2 < 2^24 + 2^31: everything fits in uint32_t (no 64-bit division on the target). */
void mote_softmax(const mote_softmax_params *p, const int8_t *input, int8_t *output)
{
    int32_t o, i, a;

    for (o = 0; o < p->outer; ++o) {
        for (i = 0; i < p->inner; ++i) {
            const int32_t base = o * p->axis * p->inner + i;
            int32_t max = -128;
            uint32_t sum = 0;
            uint32_t half;
            for (a = 0; a < p->axis; ++a) {
                const int32_t v = input[base + a * p->inner];
                if (v > max) {
                    max = v;
                }
            }
            for (a = 0; a < p->axis; ++a) {
                sum += mote_softmax_exp(p, max - input[base + a * p->inner]);
            }
            half = sum / 2u;
            for (a = 0; a < p->axis; ++a) {
                const uint32_t e = mote_softmax_exp(p, max - input[base + a * p->inner]);
                const int32_t q = (int32_t)((e * 256u + half) / sum) - 128; /* <= 256 - 128 */
                output[base + a * p->inner] = mote_clamp_i8(q, -128, 127);
            }
        }
    }
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
