/* mote_conv_int4.c - int8 grouped 2-D convolution for weights stored MOTE_WEIGHTS_INT4 (mote_kernels.h): same
 * parameter block and arithmetic as mote_conv and the same Swift golden model (Sources/MoteInteger/Kernels/
 * Conv.swift). Per output channel the packed row is decoded once into the scratch (row_length bytes), then
 * mote_conv (mote_conv.c) runs on it as a one-channel int8 convolution of the channel's input group (its
 * pointwise, strided or generic path). The cost is one call per output channel (and batch element). Layers that
 * take im2col (MOTE_CONV_IM2COL) or the padded depthwise path (MOTE_CONV_DEPTHWISE3X3) instead run mote_conv.c's
 * path with this file's byte table.
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

/* mote_i4_pairs[b]: the two int4 values packed in byte b, low nibble first (mote_i4_value of each nibble). */
static const int8_t mote_i4_pairs[256][2] = {
    {0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}, {6, 0}, {7, 0},
    {-8, 0}, {-7, 0}, {-6, 0}, {-5, 0}, {-4, 0}, {-3, 0}, {-2, 0}, {-1, 0},
    {0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}, {6, 1}, {7, 1},
    {-8, 1}, {-7, 1}, {-6, 1}, {-5, 1}, {-4, 1}, {-3, 1}, {-2, 1}, {-1, 1},
    {0, 2}, {1, 2}, {2, 2}, {3, 2}, {4, 2}, {5, 2}, {6, 2}, {7, 2},
    {-8, 2}, {-7, 2}, {-6, 2}, {-5, 2}, {-4, 2}, {-3, 2}, {-2, 2}, {-1, 2},
    {0, 3}, {1, 3}, {2, 3}, {3, 3}, {4, 3}, {5, 3}, {6, 3}, {7, 3},
    {-8, 3}, {-7, 3}, {-6, 3}, {-5, 3}, {-4, 3}, {-3, 3}, {-2, 3}, {-1, 3},
    {0, 4}, {1, 4}, {2, 4}, {3, 4}, {4, 4}, {5, 4}, {6, 4}, {7, 4},
    {-8, 4}, {-7, 4}, {-6, 4}, {-5, 4}, {-4, 4}, {-3, 4}, {-2, 4}, {-1, 4},
    {0, 5}, {1, 5}, {2, 5}, {3, 5}, {4, 5}, {5, 5}, {6, 5}, {7, 5},
    {-8, 5}, {-7, 5}, {-6, 5}, {-5, 5}, {-4, 5}, {-3, 5}, {-2, 5}, {-1, 5},
    {0, 6}, {1, 6}, {2, 6}, {3, 6}, {4, 6}, {5, 6}, {6, 6}, {7, 6},
    {-8, 6}, {-7, 6}, {-6, 6}, {-5, 6}, {-4, 6}, {-3, 6}, {-2, 6}, {-1, 6},
    {0, 7}, {1, 7}, {2, 7}, {3, 7}, {4, 7}, {5, 7}, {6, 7}, {7, 7},
    {-8, 7}, {-7, 7}, {-6, 7}, {-5, 7}, {-4, 7}, {-3, 7}, {-2, 7}, {-1, 7},
    {0, -8}, {1, -8}, {2, -8}, {3, -8}, {4, -8}, {5, -8}, {6, -8}, {7, -8},
    {-8, -8}, {-7, -8}, {-6, -8}, {-5, -8}, {-4, -8}, {-3, -8}, {-2, -8}, {-1, -8},
    {0, -7}, {1, -7}, {2, -7}, {3, -7}, {4, -7}, {5, -7}, {6, -7}, {7, -7},
    {-8, -7}, {-7, -7}, {-6, -7}, {-5, -7}, {-4, -7}, {-3, -7}, {-2, -7}, {-1, -7},
    {0, -6}, {1, -6}, {2, -6}, {3, -6}, {4, -6}, {5, -6}, {6, -6}, {7, -6},
    {-8, -6}, {-7, -6}, {-6, -6}, {-5, -6}, {-4, -6}, {-3, -6}, {-2, -6}, {-1, -6},
    {0, -5}, {1, -5}, {2, -5}, {3, -5}, {4, -5}, {5, -5}, {6, -5}, {7, -5},
    {-8, -5}, {-7, -5}, {-6, -5}, {-5, -5}, {-4, -5}, {-3, -5}, {-2, -5}, {-1, -5},
    {0, -4}, {1, -4}, {2, -4}, {3, -4}, {4, -4}, {5, -4}, {6, -4}, {7, -4},
    {-8, -4}, {-7, -4}, {-6, -4}, {-5, -4}, {-4, -4}, {-3, -4}, {-2, -4}, {-1, -4},
    {0, -3}, {1, -3}, {2, -3}, {3, -3}, {4, -3}, {5, -3}, {6, -3}, {7, -3},
    {-8, -3}, {-7, -3}, {-6, -3}, {-5, -3}, {-4, -3}, {-3, -3}, {-2, -3}, {-1, -3},
    {0, -2}, {1, -2}, {2, -2}, {3, -2}, {4, -2}, {5, -2}, {6, -2}, {7, -2},
    {-8, -2}, {-7, -2}, {-6, -2}, {-5, -2}, {-4, -2}, {-3, -2}, {-2, -2}, {-1, -2},
    {0, -1}, {1, -1}, {2, -1}, {3, -1}, {4, -1}, {5, -1}, {6, -1}, {7, -1},
    {-8, -1}, {-7, -1}, {-6, -1}, {-5, -1}, {-4, -1}, {-3, -1}, {-2, -1}, {-1, -1}
};

/* Output channel m alone: its group's input channels, one output channel, int8 weights from the scratch, through
 * mote_conv. */
MOTE_NOINLINE static void mote_conv_int4_rows(const mote_conv_params *p, const int8_t *input, int8_t *output)
{
    const int32_t in_per_group = p->in_channels / p->groups;
    const int32_t out_per_group = p->out_channels / p->groups;
    const int32_t row_length = in_per_group * p->kernel_height * p->kernel_width;
    const int32_t in_plane = p->in_height * p->in_width;
    const int32_t out_plane = p->out_height * p->out_width;
    int8_t *const row = (int8_t *)p->scratch;
    mote_conv_params q = *p;
    int32_t n, m, j;

    q.batch = 1;
    q.in_channels = in_per_group;
    q.out_channels = 1;
    q.groups = 1;
    q.weight_format = MOTE_WEIGHTS_INT8;
    q.weights = row;
    q.weight_nibbles = NULL;
    q.scratch = NULL;
    for (m = 0; m < p->out_channels; ++m) {
        const uint32_t first = (uint32_t)(m * row_length);
        for (j = 0; j < row_length; ++j) {
            row[j] = mote_i4_get(p->weight_nibbles, first + (uint32_t)j);
        }
        q.bias = p->bias + m;
        q.multiplier = p->multiplier + m;
        q.shift = p->shift + m;
        for (n = 0; n < p->batch; ++n) {
            mote_conv(&q, input + (n * p->in_channels + (m / out_per_group) * in_per_group) * in_plane,
                      output + (n * p->out_channels + m) * out_plane);
        }
    }
}

/* The scratch paths where they apply, else a channel at a time. A dispatcher of its own, so that the channel path's
 * frame is not on the stack under the others. */
void mote_conv_int4(const mote_conv_params *p, const int8_t *input, int8_t *output)
{
    if (MOTE_CONV_IM2COL(p) && MOTE_CONV_INT8_POINTS(p)) {
        mote_conv_im2col(p, mote_i4_pairs, input, output);
    } else if (MOTE_CONV_DEPTHWISE3X3(p) && MOTE_CONV_INT8_POINTS(p)) {
        mote_conv_depthwise3x3_padded(p, mote_i4_pairs, input, output);
    } else {
        mote_conv_int4_rows(p, input, output);
    }
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
