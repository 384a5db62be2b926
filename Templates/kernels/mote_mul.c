/* mote_mul.c - TFLite int8 Mul with numpy broadcasting (rank <= 6).
 *
 * Mirrors TFLite Micro's reference MulElementwise / BroadcastMul6DSlow (reference/integer_ops/mul.h) and
 * the Swift golden model (Sources/MoteInteger/Kernels/Mul.swift).
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

/* out = clamp(mbqm((x1 + input1_offset) * (x2 + input2_offset)) + output_zero_point, clamp_min, clamp_max),
 * output walked in row-major order, each input read at its own strides (0 on broadcast axes). The int32
 * product cannot overflow for int8 offsets (|.| <= 255^2); for others it wraps, computed in uint32_t. */
void mote_mul(const mote_mul_params *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    const mote_broadcast *b = &p->broadcast;
    const int8_t act_min = (int8_t)p->clamp_min;
    const int8_t act_max = (int8_t)p->clamp_max;
    int32_t counter[MOTE_MAX_RANK];
    int32_t total = 1;
    int32_t offset1 = 0;
    int32_t offset2 = 0;
    int32_t o, d;

    if (b->rank < 0 || b->rank > MOTE_MAX_RANK) {
        return; /* never emitted by Mote */
    }
    for (d = 0; d < b->rank; ++d) {
        total *= b->shape[d];
        counter[d] = 0;
    }
    for (o = 0; o < total; ++o) {
        const uint32_t v1 = (uint32_t)mote_wrap_add(p->input1_offset, input1[offset1]);
        const uint32_t v2 = (uint32_t)mote_wrap_add(p->input2_offset, input2[offset2]);
        output[o] = mote_requantize(mote_i32_from_bits(v1 * v2), p->multiplier, p->shift, p->output_zero_point,
                                    act_min, act_max);
        for (d = b->rank - 1; d >= 0; --d) {
            offset1 += b->strides1[d];
            offset2 += b->strides2[d];
            if (++counter[d] < b->shape[d]) {
                break;
            }
            offset1 -= b->strides1[d] * b->shape[d];
            offset2 -= b->strides2[d] * b->shape[d];
            counter[d] = 0;
        }
    }
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
