/* mote_conv_sparse.c - int8 grouped 2-D convolution over NCHW data, for weights stored as a bitmask of their
 * non-zeros (MOTE_WEIGHTS_INT8_SPARSE, MOTE_WEIGHTS_INT4_SPARSE in mote_kernels.h): same parameter block and
 * arithmetic as mote_conv (mote_conv.c), and the same Swift golden model (Sources/MoteInteger/Kernels/Conv.swift),
 * which reads the logical weights: skipping a zero weight skips a zero product, so the wrapped sums agree.
 * Its own file so that a model without sparse layers does not carry this code.
 *
 * Accepted clang -Weverything warnings, silenced for this file only (push/pop, so a build that
 * concatenates the kernels keeps them local):
 *   -Wunsafe-buffer-usage  flags every pointer subscript, which C cannot avoid. Every index stays inside
 *                          its array because Mote validates the parameter block against the tensor shapes
 *                          before it emits it, and sizes the scratch from the same weights.
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

/* Wrapping int32 arithmetic in uint32_t, as in mote_conv.c (associative: the order of the taps is free). */
#define MOTE_U(v) ((uint32_t)(int32_t)(v))

/* Every geometry mote_conv handles (pointwise, strided, depthwise, grouped, dilated, 1-D). Per output channel
 * the row is decoded once into the scratch: its non-zeros as pairs (input offset from the window's first tap,
 * weight), and the whole row as int8. A window inside the input on both axes starts from
 * bias + input_offset * (sum of the weights) and accumulates the pairs only, so zero weights cost nothing,
 * four output columns per pass where they fit; a window that overlaps the padding takes the reference loop
 * over its taps inside the input, with the decoded row. */
void mote_conv_sparse(const mote_conv_params *p, const int8_t *input, int8_t *output)
{
    const int32_t in_per_group = p->in_channels / p->groups;
    const int32_t out_per_group = p->out_channels / p->groups;
    const int32_t in_h = p->in_height;
    const int32_t in_w = p->in_width;
    const int32_t plane = in_h * in_w;
    const int32_t kh = p->kernel_height;
    const int32_t kw = p->kernel_width;
    const int32_t kk = kh * kw;
    const int32_t dh = p->dilation_height;
    const int32_t dw = p->dilation_width;
    const int32_t sw = p->stride_width;
    const int32_t sw2 = 2 * sw;
    const int32_t sw3 = 3 * sw;
    const int32_t span_h = (kh - 1) * dh; /* window height - 1 */
    const int32_t span_w = (kw - 1) * dw; /* window width - 1 */
    const int32_t mask_bytes = (in_per_group * kk + 7) / 8;
    const int nibbles = p->weight_format == MOTE_WEIGHTS_INT4_SPARSE;
    const uint32_t offset = (uint32_t)p->input_offset;
    const int8_t act_min = (int8_t)p->clamp_min;
    const int8_t act_max = (int8_t)p->clamp_max;
    const int32_t zp = p->output_zero_point;
    /* Scratch: int32_t offsets[max_nz], int8_t values[max_nz], int8_t row[row_length] (mote_kernels.h). */
    int32_t *const offsets = (int32_t *)p->scratch;
    int8_t *const values = (int8_t *)(offsets + p->weight_max_row_nonzeros);
    int8_t *const row = values + p->weight_max_row_nonzeros;
    int8_t *out = output;
    int32_t n, m, oy, ox, c, ky, kx, k;

    for (n = 0; n < p->batch; ++n) {
        for (m = 0; m < p->out_channels; ++m) {
            const int8_t *x_group = input + (n * p->in_channels + (m / out_per_group) * in_per_group) * plane;
            const uint8_t *mask = p->weight_mask + m * mask_bytes;
            const uint32_t bias = (uint32_t)p->bias[m];
            const mote_requant rq = mote_requant_init(p->multiplier[m], p->shift[m], zp, act_min, act_max);
            uint32_t v = p->weight_row_start16 != NULL ? (uint32_t)p->weight_row_start16[m] : p->weight_row_start32[m];
            uint32_t wsum = 0;
            uint32_t base;
            int32_t nz = 0;
            int32_t j = 0;
            for (c = 0; c < in_per_group; ++c) {
                for (ky = 0; ky < kh; ++ky) {
                    for (kx = 0; kx < kw; ++kx) {
                        int8_t w = 0;
                        if (((uint32_t)mask[j >> 3] >> (j & 7)) & 1u) {
                            w = nibbles ? mote_i4_get(p->weight_nibbles, v) : p->weights[v];
                            ++v;
                            offsets[nz] = c * plane + ky * dh * in_w + kx * dw;
                            values[nz] = w;
                            ++nz;
                            wsum += MOTE_U(w);
                        }
                        row[j] = w;
                        ++j;
                    }
                }
            }
            base = bias + wsum * offset;
            for (oy = 0; oy < p->out_height; ++oy) {
                const int32_t iy0 = oy * p->stride_height - p->pad_top;
                const int rows_inside = iy0 >= 0 && iy0 + span_h < in_h;
                ox = 0;
                while (ox < p->out_width) {
                    const int32_t ix0 = ox * sw - p->pad_left;
                    if (rows_inside && ix0 >= 0 && ix0 + span_w < in_w) {
                        const int8_t *x0 = x_group + iy0 * in_w + ix0;
                        if (ox + 3 < p->out_width && ix0 + sw3 + span_w < in_w) {
                            uint32_t a0 = base, a1 = base, a2 = base, a3 = base;
                            for (k = 0; k < nz; ++k) {
                                const uint32_t wv = MOTE_U(values[k]);
                                const int8_t *xr = x0 + offsets[k];
                                a0 += wv * MOTE_U(xr[0]);
                                a1 += wv * MOTE_U(xr[sw]);
                                a2 += wv * MOTE_U(xr[sw2]);
                                a3 += wv * MOTE_U(xr[sw3]);
                            }
                            out[0] = mote_requant_apply(mote_i32_from_bits(a0), &rq);
                            out[1] = mote_requant_apply(mote_i32_from_bits(a1), &rq);
                            out[2] = mote_requant_apply(mote_i32_from_bits(a2), &rq);
                            out[3] = mote_requant_apply(mote_i32_from_bits(a3), &rq);
                            out += 4;
                            ox += 4;
                        } else {
                            uint32_t a0 = base;
                            for (k = 0; k < nz; ++k) {
                                a0 += MOTE_U(values[k]) * MOTE_U(x0[offsets[k]]);
                            }
                            *out++ = mote_requant_apply(mote_i32_from_bits(a0), &rq);
                            ++ox;
                        }
                    } else {
                        /* Border window: the reference loop over the taps inside the input. Indices, not
                         * pointers: x_row + kx * dilation is inside the plane, x_row alone may not be. */
                        int32_t ky_lo, ky_hi, kx_lo, kx_hi;
                        uint32_t a0 = bias;
                        mote_tap_range(iy0, dh, kh, in_h, &ky_lo, &ky_hi);
                        mote_tap_range(ix0, dw, kw, in_w, &kx_lo, &kx_hi);
                        for (c = 0; c < in_per_group; ++c) {
                            const int8_t *x_plane = x_group + c * plane;
                            const int8_t *w_plane = row + c * kk;
                            for (ky = ky_lo; ky < ky_hi; ++ky) {
                                const int32_t x_row = (iy0 + ky * dh) * in_w + ix0;
                                const int8_t *w_row = w_plane + ky * kw;
                                for (kx = kx_lo; kx < kx_hi; ++kx) {
                                    a0 += MOTE_U(w_row[kx]) * (MOTE_U(x_plane[x_row + kx * dw]) + offset);
                                }
                            }
                        }
                        *out++ = mote_requant_apply(mote_i32_from_bits(a0), &rq);
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
