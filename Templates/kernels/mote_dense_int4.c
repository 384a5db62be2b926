/* mote_dense_int4.c - int8 fully connected layer for weights stored MOTE_WEIGHTS_INT4 (mote_kernels.h): same
 * parameter block and arithmetic as mote_dense (mote_dense.c) and the same Swift golden model
 * (Sources/MoteInteger/Kernels/Dense.swift), which reads the logical weights. Its own file so that an int8 model
 * does not carry this code.
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

/* Wrapping int32 arithmetic in uint32_t, as in mote_dense.c (associative: the order of the terms is free). */
#define MOTE_U(v) ((uint32_t)(int32_t)(v))

/* Each weight is used once per input row, so the packed nibbles are read in place (no scratch), two weights
 * per byte; a row that starts in a high nibble (odd row start) takes its first weight alone, an odd tail the low
 * nibble of its last byte. */
void mote_dense_int4(const mote_dense_params *p, const int8_t *input, int8_t *output)
{
    const uint32_t offset = (uint32_t)p->input_offset;
    const int32_t features = p->in_features;
    int32_t r, m, k;

    for (r = 0; r < p->rows; ++r) {
        const int8_t *x = input + r * features;
        int8_t *out = output + r * p->out_features;
        for (m = 0; m < p->out_features; ++m) {
            const uint32_t first = (uint32_t)(m * features);
            const uint8_t *b;
            uint32_t acc = (uint32_t)p->bias[m];
            k = 0;
            if (first & 1u) {
                acc += MOTE_U(mote_i4_value((uint32_t)p->weight_nibbles[first >> 1] >> 4)) * (MOTE_U(x[0]) + offset);
                k = 1;
            }
            b = p->weight_nibbles + ((first + (uint32_t)k) >> 1);
            for (; k + 2 <= features; k += 2) {
                const uint32_t byte = *b++;
                acc += MOTE_U(mote_i4_value(byte)) * (MOTE_U(x[k]) + offset);
                acc += MOTE_U(mote_i4_value(byte >> 4)) * (MOTE_U(x[k + 1]) + offset);
            }
            if (k < features) {
                acc += MOTE_U(mote_i4_value(*b)) * (MOTE_U(x[k]) + offset);
            }
            out[m] = mote_dense_requantize(p, m, acc);
        }
    }
}

#undef MOTE_U

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
