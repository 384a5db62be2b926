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
#include <string.h>

#include "mote_kernels.h"
#include "mote_fixedpoint.h"

/* Wrapping int32 arithmetic in uint32_t, as in mote_conv.c (associative: the order of the taps is free). */
#define MOTE_U(v) ((uint32_t)(int32_t)(v))

/* What the windows of one output channel share: its decoded row and requantization. */
typedef struct {
    const mote_conv_params *p;
    int32_t *offsets;     /* per non-zero: its tap's offset from the window's first tap, in the layout read */
    int8_t *values;       /* per non-zero: the weight */
    int8_t *row;          /* the whole row as int8 (the reference loop's), or NULL */
    int32_t nz;
    uint32_t bias;
    uint32_t base;        /* bias + input_offset * sum of the weights */
    mote_requant rq;
    int bounded;          /* mote_requant_bounded_ok: the short requantization */
} mote_sparse_channel;

/* One output from its accumulator (mote_requant_out), one copy for the six call sites: inlined into each, the
 * kernel is 1.1 KB larger at -O2. */
MOTE_NOINLINE static int8_t mote_sparse_out(const mote_sparse_channel *ch, uint32_t acc)
{
    return mote_requant_out(acc, ch->bounded, &ch->rq);
}

/* Row m's non-zeros: their offsets in a layout whose kernel rows are ky_step apart and channels c_step apart, and
 * their values; and the whole row as int8 if ch->row is not NULL. */
static void mote_sparse_decode(mote_sparse_channel *ch, int32_t m, int32_t c_step, int32_t ky_step)
{
    const mote_conv_params *p = ch->p;
    const int32_t kh = p->kernel_height, kw = p->kernel_width, dw = p->dilation_width;
    const int32_t row_length = (p->in_channels / p->groups) * kh * kw;
    const uint8_t *mask = p->weight_mask + m * ((row_length + 7) / 8);
    const uint32_t v = p->weight_row_start16 != NULL ? (uint32_t)p->weight_row_start16[m] : p->weight_row_start32[m];
    int32_t *const offsets = ch->offsets;
    int8_t *const values = ch->values;
    uint32_t wsum = 0, bits = 0;
    /* Tap j = (c * kh + ky) * kw + kx, at offset c * c_step + ky * ky_step + kx * dw: stepped, not divided. */
    int32_t nz = 0, j, k, kx = 0, ky = 0, tap = 0, row_start = 0;
    for (j = 0; j < row_length; ++j) {
        if ((j & 7) == 0) {
            bits = mask[j >> 3];
        }
        if (bits & 1u) {
            offsets[nz++] = tap;
        }
        bits >>= 1;
        tap += dw;
        if (++kx == kw) {
            kx = 0;
            row_start += ky_step;
            if (++ky == kh) {
                ky = 0;
                row_start += c_step - kh * ky_step;
            }
            tap = row_start;
        }
    }
    /* The row's non-zeros are stored consecutively from index v. */
    if (p->weight_format == MOTE_WEIGHTS_INT4_SPARSE) {
        for (k = 0; k < nz; ++k) {
            values[k] = mote_i4_get(p->weight_nibbles, v + (uint32_t)k);
        }
    } else if (nz > 0) {
        memcpy(values, p->weights + v, (size_t)nz);
    }
    for (k = 0; k < nz; ++k) {
        wsum += MOTE_U(values[k]);
    }
    if (ch->row != NULL) {
        memset(ch->row, 0, (size_t)row_length);
        for (j = 0, k = 0; j < row_length; ++j) {
            if (((uint32_t)mask[j >> 3] >> (j & 7)) & 1u) {
                ch->row[j] = values[k++];
            }
        }
    }
    ch->nz = nz;
    ch->bias = (uint32_t)p->bias[m];
    ch->base = ch->bias + wsum * (uint32_t)p->input_offset;
    ch->rq = mote_requant_init(p->multiplier[m], p->shift[m], p->output_zero_point, (int8_t)p->clamp_min,
                               (int8_t)p->clamp_max);
    ch->bounded = mote_requant_bounded_ok(&ch->rq, p->bias[m], p->input_offset, row_length);
}

/* `width` outputs of one channel (output row oy, or a whole 1x1 plane) into out[0..width). The window of column
 * ox starts at column ox * stride_width - shift_x of the rows at row_x, which hold row_w columns; `inside`: all of
 * its rows are there (band, or rows inside the input), else the reference loop over the input x_group. */
static void mote_sparse_row(const mote_sparse_channel *ch, const int8_t *row_x, int32_t row_w, int32_t shift_x,
                            int inside, const int8_t *x_group, int32_t oy, int32_t width, int8_t *out)
{
    const mote_conv_params *p = ch->p;
    const int32_t sw = p->stride_width, sw2 = 2 * sw, sw3 = 3 * sw;
    const int32_t span_w = (p->kernel_width - 1) * p->dilation_width;
    const int32_t nz = ch->nz;
    const uint32_t base = ch->base;
    int32_t ox = 0, k;
    while (ox < width) {
        const int32_t ix0 = ox * sw - shift_x;
        if (inside && ix0 >= 0 && ix0 + span_w < row_w) {
            const int8_t *x0 = row_x + ix0;
            if (ox + 3 < width && ix0 + sw3 + span_w < row_w) {
                uint32_t a0 = base, a1 = base, a2 = base, a3 = base;
                for (k = 0; k < nz; ++k) {
                    const uint32_t wv = MOTE_U(ch->values[k]);
                    const int8_t *xr = x0 + ch->offsets[k];
                    a0 += wv * MOTE_U(xr[0]);
                    a1 += wv * MOTE_U(xr[sw]);
                    a2 += wv * MOTE_U(xr[sw2]);
                    a3 += wv * MOTE_U(xr[sw3]);
                }
                out[ox] = mote_sparse_out(ch, a0);
                out[ox + 1] = mote_sparse_out(ch, a1);
                out[ox + 2] = mote_sparse_out(ch, a2);
                out[ox + 3] = mote_sparse_out(ch, a3);
                ox += 4;
            } else {
                uint32_t a0 = base;
                for (k = 0; k < nz; ++k) {
                    a0 += MOTE_U(ch->values[k]) * MOTE_U(x0[ch->offsets[k]]);
                }
                out[ox] = mote_sparse_out(ch, a0);
                ++ox;
            }
        } else {
            /* Border window: the reference loop over the taps inside the input. Indices, not pointers:
             * x_row + kx * dilation is inside the plane, x_row alone may not be. */
            const int32_t in_h = p->in_height, in_w = p->in_width, plane = in_h * in_w;
            const int32_t kh = p->kernel_height, kw = p->kernel_width, kk = kh * kw;
            const int32_t dh = p->dilation_height, dw = p->dilation_width;
            const int32_t iy0 = oy * p->stride_height - p->pad_top;
            const int32_t jx0 = ox * sw - p->pad_left;
            const uint32_t offset = (uint32_t)p->input_offset;
            int32_t ky_lo, ky_hi, kx_lo, kx_hi, c, ky, kx;
            uint32_t a0 = ch->bias;
            mote_tap_range(iy0, dh, kh, in_h, &ky_lo, &ky_hi);
            mote_tap_range(jx0, dw, kw, in_w, &kx_lo, &kx_hi);
            for (c = 0; c < p->in_channels / p->groups; ++c) {
                const int8_t *x_plane = x_group + c * plane;
                const int8_t *w_plane = ch->row + c * kk;
                for (ky = ky_lo; ky < ky_hi; ++ky) {
                    const int32_t x_row = (iy0 + ky * dh) * in_w + jx0;
                    const int8_t *w_row = w_plane + ky * kw;
                    for (kx = kx_lo; kx < kx_hi; ++kx) {
                        a0 += MOTE_U(w_row[kx]) * (MOTE_U(x_plane[x_row + kx * dw]) + offset);
                    }
                }
            }
            out[ox] = mote_sparse_out(ch, a0);
            ++ox;
        }
    }
}


/* Input rows [iy0, iy0 + height) of channels [0, in_channels / groups) of x into the band: channel c's row
 * iy0 + r at band row c * height + r, columns [first, first + len) holding input columns [src0, src0 + len) (the
 * padding columns around them are filled once per call); a row outside the input is all padding. */
static void mote_sparse_fill_band(const mote_conv_params *p, const int8_t *x, int32_t iy0, int32_t height,
                                  int32_t bw, int32_t first, int32_t src0, int32_t len, int8_t *band)
{
    const int32_t in_h = p->in_height, in_w = p->in_width, plane = in_h * in_w;
    const int8_t pad = (int8_t)(-p->input_offset);
    int32_t c, r;
    for (c = 0; c < p->in_channels / p->groups; ++c) {
        for (r = 0; r < height; ++r) {
            const int32_t iy = iy0 + r;
            int8_t *dst = band + (c * height + r) * bw;
            if (iy < 0 || iy >= in_h) {
                memset(dst, pad, (size_t)bw);
            } else {
                mote_copy_bytes(dst + first, x + c * plane + iy * in_w + src0, len);
            }
        }
    }
}

/* Every geometry mote_conv handles (pointwise, strided, depthwise, grouped, dilated, 1-D). A channel's row is
 * decoded into the scratch as its non-zeros (offset from the window's first tap, weight); a window starts from
 * bias + input_offset * (sum of the weights) and accumulates those pairs only, so zero weights cost nothing, four
 * output columns per pass where they fit.
 *
 * A layer with windows that overlap the padding (MOTE_CONV_SPARSE_BAND) and int8 zero points
 * (MOTE_CONV_INT8_POINTS) runs in blocks of MOTE_CONV_SPARSE_BAND_ROWS output rows (about 64 outputs): the input
 * rows the block reads are copied into a band in the scratch, padding filled with the input zero point (so that
 * w * (x + input_offset) is zero there), and every window lies inside the band; then each channel of the group is
 * decoded, with offsets into the band, and runs the block. Band: per input channel of the group
 * MOTE_CONV_SPARSE_BAND_HEIGHT rows of MOTE_CONV_SPARSE_BAND_WIDTH bytes, input column j - pad_left at column j.
 * Other layers decode each channel once and run its rows on the input (an unpadded stride-1 1x1 layer its whole
 * plane as one row); a window that overlaps the padding there (zero points outside int8 only) takes the
 * reference loop with the decoded row.
 * Scratch: int32_t offsets[max_nz], int8_t values[max_nz], int8_t row[row_length], then the band. */
void mote_conv_sparse(const mote_conv_params *p, const int8_t *input, int8_t *output)
{
    const int32_t in_per_group = p->in_channels / p->groups;
    const int32_t out_per_group = p->out_channels / p->groups;
    const int32_t in_h = p->in_height, in_w = p->in_width, plane = in_h * in_w;
    const int32_t kh = p->kernel_height, kk = kh * p->kernel_width;
    const int32_t sh = p->stride_height, dh = p->dilation_height;
    const int32_t span_h = (kh - 1) * dh; /* window height - 1 */
    const int32_t oh = p->out_height, ow = p->out_width, out_plane = oh * ow;
    const int banded = MOTE_CONV_SPARSE_BAND(p) && MOTE_CONV_INT8_POINTS(p);
    mote_sparse_channel ch;
    int32_t n, m, g, oy, r;

    ch.p = p;
    ch.offsets = (int32_t *)p->scratch;
    ch.values = (int8_t *)(ch.offsets + p->weight_max_row_nonzeros);
    ch.row = ch.values + p->weight_max_row_nonzeros;
    if (banded) {
        const int32_t bw = MOTE_CONV_SPARSE_BAND_WIDTH(p);
        const int32_t bh = MOTE_CONV_SPARSE_BAND_HEIGHT(p);
        const int32_t rows = MOTE_CONV_SPARSE_BAND_ROWS(p);
        int8_t *const band = ch.row + in_per_group * kk;
        int32_t first, src0, len; /* band columns holding input (mote_padded_span) */
        mote_padded_span(p->pad_left, bw, in_w, &first, &src0, &len);
        ch.row = NULL;
        memset(band, (int8_t)(-p->input_offset), (size_t)(in_per_group * bh * bw));
        for (n = 0; n < p->batch; ++n) {
            for (oy = 0; oy < oh; oy += rows) {
                const int32_t block = oh - oy < rows ? oh - oy : rows;
                for (g = 0; g < p->groups; ++g) {
                    mote_sparse_fill_band(p, input + (n * p->in_channels + g * in_per_group) * plane,
                                          oy * sh - p->pad_top, bh, bw, first, src0, len, band);
                    for (m = g * out_per_group; m < (g + 1) * out_per_group; ++m) {
                        int8_t *out = output + (n * p->out_channels + m) * out_plane + oy * ow;
                        mote_sparse_decode(&ch, m, bh * bw, dh * bw);
                        for (r = 0; r < block; ++r) {
                            mote_sparse_row(&ch, band + r * sh * bw, bw, 0, 1, NULL, oy + r, ow, out + r * ow);
                        }
                    }
                }
            }
        }
        return;
    }
    for (n = 0; n < p->batch; ++n) {
        for (m = 0; m < p->out_channels; ++m) {
            const int8_t *x_group = input + (n * p->in_channels + (m / out_per_group) * in_per_group) * plane;
            int8_t *out = output + (n * p->out_channels + m) * out_plane;
            mote_sparse_decode(&ch, m, plane, dh * in_w);
            if (kk == 1 && sh == 1 && p->stride_width == 1 && p->pad_top == 0 && p->pad_left == 0 && oh == in_h &&
                ow == in_w) {
                /* Output pixel q reads input pixel q of every channel: one row of the whole plane. */
                mote_sparse_row(&ch, x_group, plane, 0, 1, x_group, 0, plane, out);
                continue;
            }
            for (oy = 0; oy < oh; ++oy) {
                const int32_t iy0 = oy * sh - p->pad_top;
                const int rows_inside = iy0 >= 0 && iy0 + span_h < in_h;
                mote_sparse_row(&ch, x_group + (rows_inside ? iy0 * in_w : 0), in_w, p->pad_left, rows_inside,
                                x_group, oy, ow, out + oy * ow);
            }
        }
    }
}

#undef MOTE_U

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
