/* mote_pool.c - int8 max and average pooling over `planes` planes of in_height x in_width (1-D: height 1),
 * with dilation, asymmetric (ceil-mode) pads and count_include_pad.
 *
 * Mirrors TFLite Micro's reference MaxPool / AveragePool (reference/integer_ops/pooling.h) and the Swift
 * golden model (Sources/MoteInteger/Kernels/Pool.swift).
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

/* How many taps of a window starting at `origin` the average's divisor counts along one axis: those inside
 * the input, or with count_include_pad those inside the padded extent [-pad_begin, size + pad_end). Taps
 * beyond the padded extent (ceil mode) never count. */
static int32_t mote_pool_counted(const mote_pool_params *p, int32_t origin, int32_t dilation, int32_t kernel,
                                 int32_t size, int32_t pad_begin, int32_t pad_end)
{
    int32_t lo, hi;
    if (p->count_include_pad) {
        mote_tap_range(origin + pad_begin, dilation, kernel, size + pad_begin + pad_end, &lo, &hi);
    } else {
        mote_tap_range(origin, dilation, kernel, size, &lo, &hi);
    }
    return hi - lo;
}

/* The sum of the n int8 at x. Under DSP four a word: SXTAB16 adds bytes 0 and 2 (and, of the word rotated by 8,
 * bytes 1 and 3) into the two int16 halves of an accumulator; at most 256 words a run keep every half within
 * int16 (256 * -128 = -32768), and one SMLAD against (1, 1) adds both halves to the sum. */
static int32_t mote_pool_sum(const int8_t *x, int32_t n)
{
    int32_t sum = 0;
    const int8_t *const end = x + n;
#if MOTE_DSP
    while (end - x >= 4) {
        const int32_t words = (int32_t)((end - x) >> 2) < 256 ? (int32_t)((end - x) >> 2) : 256;
        const int8_t *const stop = x + 4 * words;
        uint32_t even = 0, odd = 0;
        for (; x != stop; x += 4) {
            uint32_t v;
            memcpy(&v, x, 4);
            even = (uint32_t)__sxtab16((int32_t)even, (int32_t)v);
            odd = (uint32_t)__sxtab16((int32_t)odd, (int32_t)((v >> 8) | (v << 24)));
        }
        sum = __smlad((int32_t)even, 0x00010001, sum);
        sum = __smlad((int32_t)odd, 0x00010001, sum);
    }
#endif
    for (; x != end; ++x) {
        sum += *x;
    }
    return sum;
}

/* Max (kind 0): the largest tap inside the input, starting from -128 (TFLite's lowest()), then clamped.
 * Average (kind 1): the sum of the taps inside the input, plus zero_point for each counted pad tap, divided
 * by the counted taps rounding half away from zero (mote_rounded_div), then clamped. Input and output share
 * their quantization, so no requantization. Mote bounds the kernel area by 2^20: |sum| < 2^28. */
void mote_pool(const mote_pool_params *p, const int8_t *input, int8_t *output)
{
    int8_t *out = output;
    int32_t plane, oy, ox, ky, kx;

    for (plane = 0; plane < p->planes; ++plane) {
        const int8_t *x = input + plane * p->in_height * p->in_width;
        for (oy = 0; oy < p->out_height; ++oy) {
            const int32_t iy0 = oy * p->stride_height - p->pad_top;
            const int32_t rows_counted = mote_pool_counted(p, iy0, p->dilation_height, p->kernel_height,
                                                           p->in_height, p->pad_top, p->pad_bottom);
            int32_t ky_lo, ky_hi;
            mote_tap_range(iy0, p->dilation_height, p->kernel_height, p->in_height, &ky_lo, &ky_hi);
            for (ox = 0; ox < p->out_width; ++ox) {
                const int32_t ix0 = ox * p->stride_width - p->pad_left;
                int32_t kx_lo, kx_hi;
                int32_t value;
                mote_tap_range(ix0, p->dilation_width, p->kernel_width, p->in_width, &kx_lo, &kx_hi);
                if (p->kind == 0) {
                    value = -128;
                    for (ky = ky_lo; ky < ky_hi; ++ky) {
                        /* Indices, not pointers: only row + kx * dilation is known to be inside the plane. */
                        const int32_t row = (iy0 + ky * p->dilation_height) * p->in_width + ix0;
                        for (kx = kx_lo; kx < kx_hi; ++kx) {
                            const int32_t v = x[row + kx * p->dilation_width];
                            if (v > value) {
                                value = v;
                            }
                        }
                    }
                } else {
                    const int32_t inside = (ky_hi - ky_lo) * (kx_hi - kx_lo);
                    int32_t divisor = inside;
                    int32_t sum = 0;
                    if (p->dilation_width == 1 && p->dilation_height == 1 && kx_lo == 0 && kx_hi == p->in_width &&
                        ix0 == 0) {
                        /* Whole rows, one after the other: one run (a global average pool is one plane). */
                        sum = mote_pool_sum(x + (iy0 + ky_lo) * p->in_width, (ky_hi - ky_lo) * p->in_width);
                    } else {
                        for (ky = ky_lo; ky < ky_hi; ++ky) {
                            const int32_t row = (iy0 + ky * p->dilation_height) * p->in_width + ix0;
                            if (p->dilation_width == 1) {
                                sum += mote_pool_sum(x + row + kx_lo, kx_hi - kx_lo);
                            } else {
                                for (kx = kx_lo; kx < kx_hi; ++kx) {
                                    sum += x[row + kx * p->dilation_width];
                                }
                            }
                        }
                    }
                    if (p->count_include_pad) {
                        divisor = rows_counted * mote_pool_counted(p, ix0, p->dilation_width, p->kernel_width,
                                                                   p->in_width, p->pad_left, p->pad_right);
                        sum += p->zero_point * (divisor - inside);
                    }
                    value = mote_rounded_div(sum, divisor);
                }
                *out++ = mote_clamp_i8(value, p->clamp_min, p->clamp_max);
            }
        }
    }
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
