/* mote_add.c - TFLite int8 Add / Sub with numpy broadcasting (rank <= 6).
 *
 * Mirrors TFLite Micro's reference AddElementwise / BroadcastAdd6DSlow (reference/integer_ops/add.h) and
 * SubElementwise (reference/sub.h), and the Swift golden model (Sources/MoteInteger/Kernels/Add.swift).
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

/* a - b with int32 wrapping, computed in uint32_t where wrapping is defined. */
static int32_t mote_add_wrap_sub(int32_t a, int32_t b)
{
    return mote_i32_from_bits((uint32_t)a - (uint32_t)b);
}

/* One element pair, TFLite's AddFunc (or its Sub twin): both inputs offset and shifted left by left_shift,
 * scaled to a common scale, summed (or subtracted), requantized to the output. With Mote's parameters no
 * step overflows; for any others the int32 steps wrap, as TFLite's do on real targets. */
static int8_t mote_add_element(const mote_add_params *p, int8_t x1, int8_t x2)
{
    const uint32_t ls = p->left_shift < 0 ? 0u : (p->left_shift > 31 ? 31u : (uint32_t)p->left_shift);
    const int32_t shifted1 = mote_wrap_shl(mote_wrap_add(p->input1_offset, x1), ls);
    const int32_t shifted2 = mote_wrap_shl(mote_wrap_add(p->input2_offset, x2), ls);
    const int32_t scaled1 = mote_mbqm(shifted1, p->input1_multiplier, p->input1_shift);
    const int32_t scaled2 = mote_mbqm(shifted2, p->input2_multiplier, p->input2_shift);
    const int32_t raw = p->subtract ? mote_add_wrap_sub(scaled1, scaled2) : mote_wrap_add(scaled1, scaled2);
    return mote_requantize(raw, p->output_multiplier, p->output_shift, p->output_zero_point,
                           (int8_t)p->clamp_min, (int8_t)p->clamp_max);
}

/* Walks the output shape in row-major order (an odometer over up to MOTE_MAX_RANK axes), reading each input
 * at its own strides (0 on broadcast axes). */
void mote_add(const mote_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    const mote_broadcast *b = &p->broadcast;
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
        output[o] = mote_add_element(p, input1[offset1], input2[offset2]);
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
