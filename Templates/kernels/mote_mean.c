/* mote_mean.c - int8 mean over the middle axis of [outer][reduce][inner] (GlobalAveragePool, ReduceMean
 * over contiguous axes).
 *
 * Mirrors the Swift golden model (Sources/MoteInteger/Kernels/Mean.swift); TFLite Micro's reference Mean
 * (reference/reduce.h, QuantizedMeanOrSum) reaches the same form through its multiplier and shift.
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

/* acc = sum over the reduced axis of (x - input_zero_point),
 * out = clamp(mbqm(acc, multiplier, shift) + output_zero_point, -128, 127); the multiplier holds 1/reduce.
 * The int32 sum wraps (computed in uint32_t); with int8 zero points it cannot for reduce <= 2^23. */
void mote_mean(const mote_mean_params *p, const int8_t *input, int8_t *output)
{
    const uint32_t zero_point = (uint32_t)p->input_zero_point;
    int32_t o, i, r;

    for (o = 0; o < p->outer; ++o) {
        for (i = 0; i < p->inner; ++i) {
            const int8_t *x = input + o * p->reduce * p->inner + i;
            uint32_t acc = 0;
            for (r = 0; r < p->reduce; ++r) {
                acc += (uint32_t)(int32_t)x[r * p->inner] - zero_point;
            }
            output[o * p->inner + i] = mote_requantize(mote_i32_from_bits(acc), p->multiplier, p->shift,
                                                       p->output_zero_point, -128, 127);
        }
    }
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
