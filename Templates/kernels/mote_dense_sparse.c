/* mote_dense_sparse.c - int8 fully connected layer for weights stored as a bitmask of their non-zeros
 * (MOTE_WEIGHTS_INT8_SPARSE, MOTE_WEIGHTS_INT4_SPARSE in mote_kernels.h): same parameter block and arithmetic as
 * mote_dense (mote_dense.c) and the same Swift golden model (Sources/MoteInteger/Kernels/Dense.swift), which reads
 * the logical weights: skipping a zero weight skips a zero product, so the wrapped sums agree. Its own file so
 * that a model without sparse layers does not carry this code.
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

#include "mote_kernels.h"
#include "mote_fixedpoint.h"

/* Wrapping int32 arithmetic in uint32_t, as in mote_dense.c. */
#define MOTE_U(v) ((uint32_t)(int32_t)(v))

/* The bitmask is walked in place; only set bits cost a
 * multiply-add (the row's values are consecutive from its row start), and a zero mask byte skips eight
 * weights at once. Bits past in_features are never set. */
void mote_dense_sparse(const mote_dense_params *p, const int8_t *input, int8_t *output)
{
    const uint32_t offset = (uint32_t)p->input_offset;
    const int32_t features = p->in_features;
    const int32_t mask_bytes = (features + 7) / 8;
    const int nibbles = p->weight_format == MOTE_WEIGHTS_INT4_SPARSE;
    int32_t r, m, i;

    for (r = 0; r < p->rows; ++r) {
        const int8_t *x = input + r * features;
        int8_t *out = output + r * p->out_features;
        for (m = 0; m < p->out_features; ++m) {
            const uint8_t *mask = p->weight_mask + m * mask_bytes;
            uint32_t v = p->weight_row_start16 != NULL ? (uint32_t)p->weight_row_start16[m] : p->weight_row_start32[m];
            uint32_t acc = (uint32_t)p->bias[m];
            for (i = 0; i < mask_bytes; ++i) {
                uint32_t bits = mask[i];
                int32_t k = 8 * i;
                while (bits != 0u) {
                    if (bits & 1u) {
                        const int8_t w = nibbles ? mote_i4_get(p->weight_nibbles, v) : p->weights[v];
                        ++v;
                        acc += MOTE_U(w) * (MOTE_U(x[k]) + offset);
                    }
                    bits >>= 1;
                    ++k;
                }
            }
            out[m] = mote_dense_requantize(p, m, acc);
        }
    }
}

#undef MOTE_U

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
