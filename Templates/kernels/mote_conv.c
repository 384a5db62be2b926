/* mote_conv.c - int8 grouped 2-D convolution over NCHW data (1-D: in_height = 1; depthwise: groups =
 * in_channels = out_channels).
 *
 * Mirrors TFLite Micro's reference ConvPerChannel / DepthwiseConvPerChannel (reference/integer_ops/conv.h,
 * depthwise_conv.h) and, loop for loop, the Swift golden model (Sources/MoteInteger/Kernels/Conv.swift).
 *
 * Weights stored MOTE_WEIGHTS_INT8 (mote_kernels.h). int4 layers call mote_conv_int4 (mote_conv_int4.c), which
 * runs this on each decoded row; sparse layers call mote_conv_sparse (mote_conv_sparse.c). Neither adds a
 * branch or a byte here, so an int8 model runs exactly the code it ran before they existed.
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

/* Wrapping int32 arithmetic, done in uint32_t where it is defined. Addition and multiplication modulo 2^32
 * are associative and commutative, so every reordering below (blocking several outputs per weight load,
 * folding sum w * input_offset into the starting value) gives the same bits as the reference order,
 * for every input, wrapped or not. */
#define MOTE_U(v) ((uint32_t)(int32_t)(v))

/* Pointwise: kernel 1x1, stride 1, no padding, groups 1, output plane = input plane. A matrix product
 * out[m][q] = sum_c w[m][c] * x[c][q] over the flattened plane q, four pixels per weight load. */
static void mote_conv_pointwise(const mote_conv_params *p, const int8_t *input, int8_t *output)
{
    const int32_t channels = p->in_channels;
    const int32_t plane = p->in_height * p->in_width;
    const uint32_t offset = (uint32_t)p->input_offset;
    const int8_t act_min = (int8_t)p->clamp_min;
    const int8_t act_max = (int8_t)p->clamp_max;
    const int32_t zp = p->output_zero_point;
    int8_t *out = output;
    int32_t n, m, q, c;

    for (n = 0; n < p->batch; ++n) {
        const int8_t *x = input + n * channels * plane;
        for (m = 0; m < p->out_channels; ++m) {
            const int8_t *w = p->weights + m * channels;
            const int32_t mult = p->multiplier[m];
            const int32_t shift = p->shift[m];
            uint32_t wsum = 0;
            uint32_t base;
            for (c = 0; c < channels; ++c) {
                wsum += MOTE_U(w[c]);
            }
            base = (uint32_t)p->bias[m] + wsum * offset;
            for (q = 0; q + 4 <= plane; q += 4) {
                uint32_t a0 = base, a1 = base, a2 = base, a3 = base;
                int32_t i = q;
                for (c = 0; c < channels; ++c) {
                    const uint32_t wv = MOTE_U(w[c]);
                    const int8_t *xq = x + i;
                    a0 += wv * MOTE_U(xq[0]);
                    a1 += wv * MOTE_U(xq[1]);
                    a2 += wv * MOTE_U(xq[2]);
                    a3 += wv * MOTE_U(xq[3]);
                    i += plane;
                }
                out[q] = mote_requantize(mote_i32_from_bits(a0), mult, shift, zp, act_min, act_max);
                out[q + 1] = mote_requantize(mote_i32_from_bits(a1), mult, shift, zp, act_min, act_max);
                out[q + 2] = mote_requantize(mote_i32_from_bits(a2), mult, shift, zp, act_min, act_max);
                out[q + 3] = mote_requantize(mote_i32_from_bits(a3), mult, shift, zp, act_min, act_max);
            }
            for (; q < plane; ++q) {
                uint32_t a0 = base;
                int32_t i = q;
                for (c = 0; c < channels; ++c) {
                    a0 += MOTE_U(w[c]) * MOTE_U(x[i]);
                    i += plane;
                }
                out[q] = mote_requantize(mote_i32_from_bits(a0), mult, shift, zp, act_min, act_max);
            }
            out += plane;
        }
    }
}

/* Strided pointwise: kernel 1x1, no padding, groups 1, every output pixel on an input pixel
 * (out[m][oy][ox] reads x[c][oy * stride_height][ox * stride_width]); four output columns per weight load. */
static void mote_conv_pointwise_strided(const mote_conv_params *p, const int8_t *input, int8_t *output)
{
    const int32_t channels = p->in_channels;
    const int32_t plane = p->in_height * p->in_width;
    const int32_t sw = p->stride_width;
    const uint32_t offset = (uint32_t)p->input_offset;
    const int8_t act_min = (int8_t)p->clamp_min;
    const int8_t act_max = (int8_t)p->clamp_max;
    const int32_t zp = p->output_zero_point;
    int8_t *out = output;
    int32_t n, m, oy, ox, c;

    for (n = 0; n < p->batch; ++n) {
        const int8_t *x = input + n * channels * plane;
        for (m = 0; m < p->out_channels; ++m) {
            const int8_t *w = p->weights + m * channels;
            const int32_t mult = p->multiplier[m];
            const int32_t shift = p->shift[m];
            uint32_t wsum = 0;
            uint32_t base;
            for (c = 0; c < channels; ++c) {
                wsum += MOTE_U(w[c]);
            }
            base = (uint32_t)p->bias[m] + wsum * offset;
            for (oy = 0; oy < p->out_height; ++oy) {
                const int32_t row = oy * p->stride_height * p->in_width;
                for (ox = 0; ox + 4 <= p->out_width; ox += 4) {
                    uint32_t a0 = base, a1 = base, a2 = base, a3 = base;
                    int32_t i = row + ox * sw;
                    for (c = 0; c < channels; ++c) {
                        const uint32_t wv = MOTE_U(w[c]);
                        const int8_t *xq = x + i;
                        a0 += wv * MOTE_U(xq[0]);
                        a1 += wv * MOTE_U(xq[sw]);
                        a2 += wv * MOTE_U(xq[2 * sw]);
                        a3 += wv * MOTE_U(xq[3 * sw]);
                        i += plane;
                    }
                    out[0] = mote_requantize(mote_i32_from_bits(a0), mult, shift, zp, act_min, act_max);
                    out[1] = mote_requantize(mote_i32_from_bits(a1), mult, shift, zp, act_min, act_max);
                    out[2] = mote_requantize(mote_i32_from_bits(a2), mult, shift, zp, act_min, act_max);
                    out[3] = mote_requantize(mote_i32_from_bits(a3), mult, shift, zp, act_min, act_max);
                    out += 4;
                }
                for (; ox < p->out_width; ++ox) {
                    uint32_t a0 = base;
                    int32_t i = row + ox * sw;
                    for (c = 0; c < channels; ++c) {
                        a0 += MOTE_U(w[c]) * MOTE_U(x[i]);
                        i += plane;
                    }
                    *out++ = mote_requantize(mote_i32_from_bits(a0), mult, shift, zp, act_min, act_max);
                }
            }
        }
    }
}

/* Depthwise 3x3, dilation 1 (groups = in_channels = out_channels, any stride and padding): per channel the
 * nine weights and bias + input_offset * sum(w) are hoisted; an output whose window lies inside the input
 * takes nine unrolled products, a border output the reference sum over its taps inside the input. */
static void mote_conv_depthwise3x3(const mote_conv_params *p, const int8_t *input, int8_t *output)
{
    const int32_t in_h = p->in_height;
    const int32_t in_w = p->in_width;
    const int32_t plane = in_h * in_w;
    const uint32_t offset = (uint32_t)p->input_offset;
    const int8_t act_min = (int8_t)p->clamp_min;
    const int8_t act_max = (int8_t)p->clamp_max;
    const int32_t zp = p->output_zero_point;
    int8_t *out = output;
    int32_t n, m, oy, ox, ky, kx;

    for (n = 0; n < p->batch; ++n) {
        for (m = 0; m < p->out_channels; ++m) {
            const int8_t *x = input + (n * p->in_channels + m) * plane;
            const int8_t *w = p->weights + m * 9;
            const uint32_t w0 = MOTE_U(w[0]), w1 = MOTE_U(w[1]), w2 = MOTE_U(w[2]);
            const uint32_t w3 = MOTE_U(w[3]), w4 = MOTE_U(w[4]), w5 = MOTE_U(w[5]);
            const uint32_t w6 = MOTE_U(w[6]), w7 = MOTE_U(w[7]), w8 = MOTE_U(w[8]);
            const uint32_t bias = (uint32_t)p->bias[m];
            const uint32_t base = bias + (w0 + w1 + w2 + w3 + w4 + w5 + w6 + w7 + w8) * offset;
            const int32_t mult = p->multiplier[m];
            const int32_t shift = p->shift[m];
            for (oy = 0; oy < p->out_height; ++oy) {
                const int32_t iy0 = oy * p->stride_height - p->pad_top;
                const int rows_inside = iy0 >= 0 && iy0 + 2 < in_h;
                for (ox = 0; ox < p->out_width; ++ox) {
                    const int32_t ix0 = ox * p->stride_width - p->pad_left;
                    uint32_t acc;
                    if (rows_inside && ix0 >= 0 && ix0 + 2 < in_w) {
                        const int8_t *r0 = x + iy0 * in_w + ix0;
                        const int8_t *r1 = r0 + in_w;
                        const int8_t *r2 = r1 + in_w;
                        acc = base + w0 * MOTE_U(r0[0]) + w1 * MOTE_U(r0[1]) + w2 * MOTE_U(r0[2]) +
                              w3 * MOTE_U(r1[0]) + w4 * MOTE_U(r1[1]) + w5 * MOTE_U(r1[2]) +
                              w6 * MOTE_U(r2[0]) + w7 * MOTE_U(r2[1]) + w8 * MOTE_U(r2[2]);
                    } else {
                        /* Valid taps: ky in [ky_lo, ky_hi), kx in [kx_lo, kx_hi) (dilation 1). */
                        const int32_t ky_lo = iy0 < 0 ? -iy0 : 0;
                        const int32_t ky_hi = in_h - iy0 < 3 ? in_h - iy0 : 3;
                        const int32_t kx_lo = ix0 < 0 ? -ix0 : 0;
                        const int32_t kx_hi = in_w - ix0 < 3 ? in_w - ix0 : 3;
                        acc = bias;
                        for (ky = ky_lo; ky < ky_hi; ++ky) {
                            const int32_t x_row = (iy0 + ky) * in_w + ix0;
                            for (kx = kx_lo; kx < kx_hi; ++kx) {
                                acc += MOTE_U(w[ky * 3 + kx]) * (MOTE_U(x[x_row + kx]) + offset);
                            }
                        }
                    }
                    *out++ = mote_requantize(mote_i32_from_bits(acc), mult, shift, zp, act_min, act_max);
                }
            }
        }
    }
}

/* acc = bias[m] + sum w[m][c][ky][kx] * (x[n][c][iy][ix] + input_offset) over the taps inside the input,
 * out = clamp(mbqm(acc, multiplier[m], shift[m]) + output_zero_point, clamp_min, clamp_max).
 *
 * The accumulator is an int32 that wraps: the sum is taken in uint32_t, where wrapping is defined, and
 * converted back exactly. A real model never wraps (|w| <= 127, |x + offset| <= 255), but a wrapped result
 * is still the same as the Swift interpreter's.
 *
 * Per output row (m, oy) the rows ky in [ky_lo, ky_hi) are inside the input. Output columns whose whole
 * window lies inside the input horizontally ("interior") start from bias + input_offset * (sum of the
 * weights in those rows) and accumulate w * x only, four columns per weight load; the border columns use
 * the reference loop over their valid taps. */
void mote_conv(const mote_conv_params *p, const int8_t *input, int8_t *output)
{
    const int32_t in_per_group = p->in_channels / p->groups;
    const int32_t out_per_group = p->out_channels / p->groups;
    const int32_t plane = p->in_height * p->in_width;
    const int32_t kw = p->kernel_width;
    const int32_t kk = p->kernel_height * kw;
    const int32_t dw = p->dilation_width;
    const int32_t sw = p->stride_width;
    const int32_t sw2 = 2 * sw;
    const int32_t sw3 = 3 * sw;
    const int32_t row_step = p->dilation_height * p->in_width;
    const int32_t span = (kw - 1) * dw; /* window width - 1 */
    const uint32_t offset = (uint32_t)p->input_offset;
    const int8_t act_min = (int8_t)p->clamp_min;
    const int8_t act_max = (int8_t)p->clamp_max;
    const int32_t zp = p->output_zero_point;
    int8_t *out = output;
    int32_t n, m, oy, ox, c, ky, kx;

    if (p->kernel_height == 1 && kw == 1 && p->stride_height == 1 && sw == 1 && p->pad_top == 0 &&
        p->pad_left == 0 && p->groups == 1 && p->out_height == p->in_height && p->out_width == p->in_width) {
        mote_conv_pointwise(p, input, output);
        return;
    }
    if (p->kernel_height == 1 && kw == 1 && p->pad_top == 0 && p->pad_left == 0 && p->groups == 1 &&
        p->out_height >= 1 && p->out_width >= 1 && (p->out_height - 1) * p->stride_height < p->in_height &&
        (p->out_width - 1) * sw < p->in_width) {
        mote_conv_pointwise_strided(p, input, output);
        return;
    }
    if (p->groups == p->in_channels && p->groups == p->out_channels && p->kernel_height == 3 && kw == 3 &&
        p->dilation_height == 1 && dw == 1) {
        mote_conv_depthwise3x3(p, input, output);
        return;
    }

    for (n = 0; n < p->batch; ++n) {
        for (m = 0; m < p->out_channels; ++m) {
            const int8_t *x_group = input + (n * p->in_channels + (m / out_per_group) * in_per_group) * plane;
            const int8_t *w_m = p->weights + m * in_per_group * kk;
            const uint32_t bias = (uint32_t)p->bias[m];
            const int32_t mult = p->multiplier[m];
            const int32_t shift = p->shift[m];
            for (oy = 0; oy < p->out_height; ++oy) {
                const int32_t iy0 = oy * p->stride_height - p->pad_top;
                int32_t ky_lo, ky_hi, rows;
                uint32_t wsum = 0;
                uint32_t base;
                mote_tap_range(iy0, p->dilation_height, p->kernel_height, p->in_height, &ky_lo, &ky_hi);
                rows = ky_hi - ky_lo;
                for (c = 0; c < in_per_group; ++c) {
                    const int8_t *wr = w_m + c * kk + ky_lo * kw;
                    for (kx = 0; kx < rows * kw; ++kx) {
                        wsum += MOTE_U(wr[kx]);
                    }
                }
                base = bias + wsum * offset;
                ox = 0;
                while (ox < p->out_width) {
                    const int32_t ix0 = ox * sw - p->pad_left;
                    const int32_t first = (iy0 + ky_lo * p->dilation_height) * p->in_width + ix0;
                    if (kw > 0 && ix0 >= 0 && ix0 + span < p->in_width && ox + 3 < p->out_width &&
                        ix0 + 3 * sw + span < p->in_width) {
                        uint32_t a0 = base, a1 = base, a2 = base, a3 = base;
                        for (c = 0; c < in_per_group; ++c) {
                            const int8_t *wr = w_m + c * kk + ky_lo * kw;
                            int32_t xi = c * plane + first;
                            for (ky = 0; ky < rows; ++ky) {
                                const int8_t *xr = x_group + xi;
                                const int8_t *const w_end = wr + kw;
                                /* xr stays inside the window: it advances only while taps remain. */
                                for (;;) {
                                    const uint32_t wv = MOTE_U(*wr++);
                                    a0 += wv * MOTE_U(xr[0]);
                                    a1 += wv * MOTE_U(xr[sw]);
                                    a2 += wv * MOTE_U(xr[sw2]);
                                    a3 += wv * MOTE_U(xr[sw3]);
                                    if (wr == w_end) {
                                        break;
                                    }
                                    xr += dw;
                                }
                                xi += row_step;
                            }
                        }
                        out[0] = mote_requantize(mote_i32_from_bits(a0), mult, shift, zp, act_min, act_max);
                        out[1] = mote_requantize(mote_i32_from_bits(a1), mult, shift, zp, act_min, act_max);
                        out[2] = mote_requantize(mote_i32_from_bits(a2), mult, shift, zp, act_min, act_max);
                        out[3] = mote_requantize(mote_i32_from_bits(a3), mult, shift, zp, act_min, act_max);
                        out += 4;
                        ox += 4;
                    } else if (ix0 >= 0 && ix0 + span < p->in_width) {
                        uint32_t a0 = base;
                        for (c = 0; c < in_per_group; ++c) {
                            const int8_t *wr = w_m + c * kk + ky_lo * kw;
                            int32_t xi = c * plane + first;
                            for (ky = 0; ky < rows; ++ky) {
                                const int8_t *xr = x_group + xi;
                                int32_t k = 0;
                                for (kx = 0; kx < kw; ++kx) {
                                    a0 += MOTE_U(wr[kx]) * MOTE_U(xr[k]);
                                    k += dw;
                                }
                                wr += kw;
                                xi += row_step;
                            }
                        }
                        *out++ = mote_requantize(mote_i32_from_bits(a0), mult, shift, zp, act_min, act_max);
                        ++ox;
                    } else {
                        /* Border column: the reference loop over the taps inside the input. Indices, not
                         * pointers: x_row + kx * dilation is inside the plane, x_row alone (ix0 < 0) may
                         * not be, and a pointer must never leave its array. */
                        int32_t kx_lo, kx_hi;
                        uint32_t a0 = bias;
                        mote_tap_range(ix0, dw, kw, p->in_width, &kx_lo, &kx_hi);
                        for (c = 0; c < in_per_group; ++c) {
                            const int8_t *x_plane = x_group + c * plane;
                            const int8_t *w_plane = w_m + c * kk;
                            for (ky = ky_lo; ky < ky_hi; ++ky) {
                                const int32_t x_row = (iy0 + ky * p->dilation_height) * p->in_width + ix0;
                                const int8_t *w_row = w_plane + ky * kw;
                                for (kx = kx_lo; kx < kx_hi; ++kx) {
                                    const uint32_t xv = MOTE_U(x_plane[x_row + kx * dw]);
                                    a0 += MOTE_U(w_row[kx]) * (xv + offset);
                                }
                            }
                        }
                        *out++ = mote_requantize(mote_i32_from_bits(a0), mult, shift, zp, act_min, act_max);
                        ++ox;
                    }
                }
            }
        }
    }
}

#undef MOTE_U

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
