/* mote_conv.c - int8 grouped 2-D convolution over NCHW data (1-D: in_height = 1; depthwise: groups =
 * in_channels = out_channels).
 *
 * Mirrors TFLite Micro's reference ConvPerChannel / DepthwiseConvPerChannel (reference/integer_ops/conv.h,
 * depthwise_conv.h) and, loop for loop, the Swift golden model (Sources/MoteInteger/Kernels/Conv.swift).
 *
 * Accepted clang -Weverything warnings, silenced for this file only (push/pop, so a build that
 * concatenates the kernels keeps them local):
 *   -Wunsafe-buffer-usage  flags every pointer subscript, which C cannot avoid. Every index stays inside
 *                          its array because Mote validates the parameter block against the tensor shapes
 *                          before it emits it.
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

/* The taps k in [*lo, *hi) of a window starting at `origin` (stepping by `dilation`, `kernel` taps) whose
 * positions origin + k * dilation lie inside [0, size): padding taps contribute real zero, so they are
 * skipped. Same as Swift's tapRange. All values are bounded by Mote's validation (|.| <= 2^28). */
static void mote_conv_tap_range(int32_t origin, int32_t dilation, int32_t kernel, int32_t size,
                                int32_t *lo, int32_t *hi)
{
    int32_t first = origin >= 0 ? 0 : (dilation - 1 - origin) / dilation;
    int32_t end = origin >= size ? 0 : (size - origin + dilation - 1) / dilation;
    if (end > kernel) {
        end = kernel;
    }
    if (end < first) {
        end = first;
    }
    *lo = first;
    *hi = end;
}

/* acc = bias[m] + sum w[m][c][ky][kx] * (x[n][c][iy][ix] + input_offset) over the taps inside the input,
 * out = clamp(mbqm(acc, multiplier[m], shift[m]) + output_zero_point, clamp_min, clamp_max).
 *
 * The accumulator is an int32 that wraps: the sum is taken in uint32_t, where wrapping is defined, and
 * converted back exactly. A real model never wraps (|w| <= 127, |x + offset| <= 255), but a wrapped result
 * is still the same as the Swift interpreter's. */
void mote_conv(const mote_conv_params *p, const int8_t *input, int8_t *output)
{
    const int32_t in_per_group = p->in_channels / p->groups;
    const int32_t out_per_group = p->out_channels / p->groups;
    const uint32_t offset = (uint32_t)p->input_offset;
    const int8_t act_min = (int8_t)p->clamp_min;
    const int8_t act_max = (int8_t)p->clamp_max;
    int8_t *out = output;
    int32_t n, m, oy, ox, c, ky, kx;

    for (n = 0; n < p->batch; ++n) {
        for (m = 0; m < p->out_channels; ++m) {
            const int32_t first_channel = (m / out_per_group) * in_per_group;
            for (oy = 0; oy < p->out_height; ++oy) {
                const int32_t iy0 = oy * p->stride_height - p->pad_top;
                int32_t ky_lo, ky_hi;
                mote_conv_tap_range(iy0, p->dilation_height, p->kernel_height, p->in_height, &ky_lo, &ky_hi);
                for (ox = 0; ox < p->out_width; ++ox) {
                    const int32_t ix0 = ox * p->stride_width - p->pad_left;
                    int32_t kx_lo, kx_hi;
                    uint32_t acc = (uint32_t)p->bias[m];
                    mote_conv_tap_range(ix0, p->dilation_width, p->kernel_width, p->in_width, &kx_lo, &kx_hi);
                    for (c = 0; c < in_per_group; ++c) {
                        const int8_t *x_plane =
                            input + (n * p->in_channels + first_channel + c) * p->in_height * p->in_width;
                        const int8_t *w_plane = p->weights + (m * in_per_group + c) * p->kernel_height * p->kernel_width;
                        for (ky = ky_lo; ky < ky_hi; ++ky) {
                            /* Indices, not pointers: x_row + kx * dilation is inside the plane, x_row
                             * alone (ix0 < 0) may not be, and a pointer must never leave its array. */
                            const int32_t x_row = (iy0 + ky * p->dilation_height) * p->in_width + ix0;
                            const int8_t *w_row = w_plane + ky * p->kernel_width;
                            for (kx = kx_lo; kx < kx_hi; ++kx) {
                                const uint32_t x = (uint32_t)(int32_t)x_plane[x_row + kx * p->dilation_width];
                                acc += (uint32_t)(int32_t)w_row[kx] * (x + offset);
                            }
                        }
                    }
                    *out++ = mote_requantize(mote_i32_from_bits(acc), p->multiplier[m], p->shift[m],
                                             p->output_zero_point, act_min, act_max);
                }
            }
        }
    }
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
