/* mote_pad.c - constant padding of an int8 tensor of rank <= 6; negative pads crop.
 *
 * Mirrors TFLite's reference PadImpl (reference/pad.h), generalised to crops and rank 6, and the Swift
 * golden model (Sources/MoteInteger/Kernels/Pad.swift).
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

/* output[i] = input[i - pads_begin] where every coordinate of that index is inside in_shape, value
 * elsewhere. The output is walked in row-major order with an odometer over out_shape. */
void mote_pad(const mote_pad_params *p, const int8_t *input, int8_t *output)
{
    int32_t counter[MOTE_MAX_RANK];
    int32_t in_strides[MOTE_MAX_RANK];
    int32_t total = 1;
    int32_t stride = 1;
    int32_t o, d;

    if (p->rank < 0 || p->rank > MOTE_MAX_RANK) {
        return; /* never emitted by Mote */
    }
    for (d = p->rank - 1; d >= 0; --d) {
        in_strides[d] = stride;
        stride *= p->in_shape[d];
        total *= p->out_shape[d];
        counter[d] = 0;
    }
    for (o = 0; o < total; ++o) {
        int32_t offset = 0;
        int32_t inside = 1;
        for (d = 0; d < p->rank; ++d) {
            const int32_t i = counter[d] - p->pads_begin[d];
            if (i < 0 || i >= p->in_shape[d]) {
                inside = 0;
                break;
            }
            offset += i * in_strides[d];
        }
        output[o] = inside ? input[offset] : p->value;
        for (d = p->rank - 1; d >= 0; --d) {
            if (++counter[d] < p->out_shape[d]) {
                break;
            }
            counter[d] = 0;
        }
    }
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
