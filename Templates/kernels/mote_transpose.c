/* mote_transpose.c - general N-D transpose of an int8 tensor of rank <= 6: output axis d is input axis
 * perm[d].
 *
 * Mirrors TFLite's reference TransposeImpl (reference/transpose.h) and the Swift golden model
 * (Sources/MoteInteger/Kernels/Transpose.swift).
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

/* Walks the output (shape in_shape[perm[d]]) in row-major order, reading the input at strides
 * in_stride[perm[d]]: the innermost axis as one strided run, an odometer over the outer axes. */
void mote_transpose(const mote_transpose_params *p, const int8_t *input, int8_t *output)
{
    int32_t in_strides[MOTE_MAX_RANK];
    int32_t shape[MOTE_MAX_RANK];
    int32_t strides[MOTE_MAX_RANK];
    int32_t counter[MOTE_MAX_RANK];
    int32_t runs = 1;
    int32_t stride = 1;
    int32_t offset = 0;
    int32_t run, step, r, i, d;

    if (p->rank < 0 || p->rank > MOTE_MAX_RANK) {
        return; /* never emitted by Mote */
    }
    for (d = p->rank - 1; d >= 0; --d) {
        in_strides[d] = stride;
        stride *= p->in_shape[d];
    }
    for (d = 0; d < p->rank; ++d) {
        const int32_t axis = p->perm[d];
        if (axis < 0 || axis >= p->rank) {
            return; /* never emitted by Mote */
        }
        shape[d] = p->in_shape[axis];
        strides[d] = in_strides[axis];
        counter[d] = 0;
    }
    run = p->rank > 0 ? shape[p->rank - 1] : 1;
    step = p->rank > 0 ? strides[p->rank - 1] : 0;
    for (d = 0; d + 1 < p->rank; ++d) {
        runs *= shape[d];
    }
    for (r = 0; r < runs; ++r) {
        for (i = 0; i < run; ++i) {
            output[i] = input[offset + i * step];
        }
        output += run;
        for (d = p->rank - 2; d >= 0; --d) {
            offset += strides[d];
            if (++counter[d] < shape[d]) {
                break;
            }
            offset -= strides[d] * shape[d];
            counter[d] = 0;
        }
    }
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
