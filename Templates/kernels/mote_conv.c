/* mote_conv.c - int8 grouped 2-D convolution over NCHW data (1-D: in_height = 1; depthwise: groups =
 * in_channels = out_channels).
 *
 * Mirrors TFLite Micro's reference ConvPerChannel / DepthwiseConvPerChannel (reference/integer_ops/conv.h,
 * depthwise_conv.h) and, loop for loop, the Swift golden model (Sources/MoteInteger/Kernels/Conv.swift).
 *
 * Weights stored MOTE_WEIGHTS_INT8, or MOTE_WEIGHTS_INT8_PAIRS for the im2col path (mote_kernels.h). int4 layers
 * call mote_conv_int4 (mote_conv_int4.c), which runs this on each decoded row, or the im2col and padded depthwise
 * paths here with int4 rows (decoded through its byte table, or read in place by mote_im2col_block_i4): that int4
 * code is here, so an int8 model carries it too (about 1 KB at -Os). Sparse layers call mote_conv_sparse
 * (mote_conv_sparse.c), which adds nothing here.
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

/* GCC inlines every path below into mote_conv (each is called once) and then spills the hot loops' values to the
 * stack; kept out of line (MOTE_NOINLINE), each loop gets the registers to itself (measured under QEMU, -O2). */

/* One output from its accumulator (mote_requant_out), inlined into the pointwise loop; the other reference-order
 * paths call mote_conv_out_call (measured: inlined everywhere, 2.9 KB more code at -O2 for under 0.1% fewer
 * instructions outside pointwise). */
MOTE_INLINE static int8_t mote_conv_out(uint32_t acc, int bounded, const mote_requant *rq)
{
    return mote_requant_out(acc, bounded, rq);
}

MOTE_NOINLINE static int8_t mote_conv_out_call(uint32_t acc, int bounded, const mote_requant *rq)
{
    return mote_conv_out(acc, bounded, rq);
}

/* Pointwise: kernel 1x1, stride 1, no padding, groups 1, output plane = input plane. A matrix product
 * out[m][q] = sum_c w[m][c] * x[c][q] over the flattened plane q, four pixels per weight load. */
MOTE_NOINLINE static void mote_conv_pointwise(const mote_conv_params *p, const int8_t *input, int8_t *output)
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
            const mote_requant rq = mote_requant_init(p->multiplier[m], p->shift[m], zp, act_min, act_max);
            const int bounded = mote_requant_bounded_ok(&rq, p->bias[m], p->input_offset, channels);
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
                out[q] = mote_conv_out(a0, bounded, &rq);
                out[q + 1] = mote_conv_out(a1, bounded, &rq);
                out[q + 2] = mote_conv_out(a2, bounded, &rq);
                out[q + 3] = mote_conv_out(a3, bounded, &rq);
            }
            for (; q < plane; ++q) {
                uint32_t a0 = base;
                int32_t i = q;
                for (c = 0; c < channels; ++c) {
                    a0 += MOTE_U(w[c]) * MOTE_U(x[i]);
                    i += plane;
                }
                out[q] = mote_conv_out(a0, bounded, &rq);
            }
            out += plane;
        }
    }
}

/* Strided pointwise: kernel 1x1, no padding, groups 1, every output pixel on an input pixel
 * (out[m][oy][ox] reads x[c][oy * stride_height][ox * stride_width]); four output columns per weight load. */
MOTE_NOINLINE static void mote_conv_pointwise_strided(const mote_conv_params *p, const int8_t *input, int8_t *output)
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
            const mote_requant rq = mote_requant_init(p->multiplier[m], p->shift[m], zp, act_min, act_max);
            const int bounded = mote_requant_bounded_ok(&rq, p->bias[m], p->input_offset, channels);
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
                    out[0] = mote_conv_out_call(a0, bounded, &rq);
                    out[1] = mote_conv_out_call(a1, bounded, &rq);
                    out[2] = mote_conv_out_call(a2, bounded, &rq);
                    out[3] = mote_conv_out_call(a3, bounded, &rq);
                    out += 4;
                }
                for (; ox < p->out_width; ++ox) {
                    uint32_t a0 = base;
                    int32_t i = row + ox * sw;
                    for (c = 0; c < channels; ++c) {
                        a0 += MOTE_U(w[c]) * MOTE_U(x[i]);
                        i += plane;
                    }
                    *out++ = mote_conv_out_call(a0, bounded, &rq);
                }
            }
        }
    }
}

/* Row `m` of int4 weights (rows of `taps` elements packed over the whole layer) as int8, into dst (returned);
 * pairs[b] holds the two values of packed byte b (low nibble first), so a whole byte is one lookup. */
static const int8_t *mote_i4_row(const uint8_t *packed, const int8_t (*pairs)[2], int32_t m, int32_t taps,
                                 int8_t *dst)
{
    const uint32_t first = (uint32_t)m * (uint32_t)taps;
    const uint8_t *src;
    int32_t k = 0;
    if ((first & 1u) != 0u && taps > 0) {
        dst[k++] = mote_i4_get(packed, first);
    }
    src = packed + ((first + (uint32_t)k) >> 1);
    for (; k + 8 <= taps; k += 8) {
        memcpy(dst + k, pairs[src[0]], 2);
        memcpy(dst + k + 2, pairs[src[1]], 2);
        memcpy(dst + k + 4, pairs[src[2]], 2);
        memcpy(dst + k + 6, pairs[src[3]], 2);
        src += 4;
    }
    for (; k + 2 <= taps; k += 2) {
        memcpy(dst + k, pairs[*src++], 2);
    }
    if (k < taps) {
        dst[k] = mote_i4_get(packed, first + (uint32_t)k);
    }
    return dst;
}

/* count accumulators of one channel to int8, stored `step` bytes apart from out: kind 3 mote_fused_apply2 (the
 * accumulators doubled), 2 mote_scale_bounded, 1 mote_rounding_apply, 0 mote_scale_apply, then mote_out_full where
 * it applies (kinds 1, 2), else mote_out_narrow (one loop per kind, so that each keeps the channel's constants in
 * registers). Inlined with step 1 too, where each store steps its pointer by itself. */
MOTE_INLINE static void mote_requant_run(const int32_t *acc, int32_t count, int32_t step, int kind,
                                         const mote_scale *s, const mote_out *o, int8_t *out)
{
    const int32_t *const end = acc + count;
    if (kind == 3 && mote_fused_fix(o)) {
        const mote_fused f = mote_fused_init(s, o);
        for (; acc != end; ++acc, out += step) {
            *out = (int8_t)mote_fused_apply2(*acc, &f, 1);
        }
    } else if (kind == 3) {
        const mote_fused f = mote_fused_init(s, o);
        for (; acc != end; ++acc, out += step) {
            *out = (int8_t)mote_fused_apply2(*acc, &f, 0);
        }
    } else if (kind == 2 && o->full) {
        for (; acc != end; ++acc, out += step) {
            *out = (int8_t)mote_out_full(mote_scale_bounded(*acc, s), o);
        }
    } else if (kind == 2) {
        for (; acc != end; ++acc, out += step) {
            *out = mote_out_narrow(mote_scale_bounded(*acc, s), o);
        }
    } else if (kind == 1 && o->full) {
        const mote_rounding r = mote_rounding_init(s);
        for (; acc != end; ++acc, out += step) {
            *out = (int8_t)mote_out_full(mote_rounding_apply(*acc, s, &r), o);
        }
    } else if (kind == 1) {
        const mote_rounding r = mote_rounding_init(s);
        for (; acc != end; ++acc, out += step) {
            *out = mote_out_narrow(mote_rounding_apply(*acc, s, &r), o);
        }
    } else {
        for (; acc != end; ++acc, out += step) {
            *out = mote_out_narrow(mote_scale_apply(*acc, s), o);
        }
    }
}

/* mote_requant_run of consecutive outputs with the channel's constants in locals (an int8_t store may alias
 * them). */
MOTE_NOINLINE static void mote_requant_row(const int32_t *acc, int32_t count, int kind, const mote_scale *scale,
                                           const mote_out *out_clamp, int8_t *out)
{
    const mote_scale s = *scale;
    const mote_out o = *out_clamp;
    mote_requant_run(acc, count, 1, kind, &s, &o, out);
}

/* rows runs of ow accumulators (consecutive) to int8, run r's at out + r, each step bytes apart: the transposed
 * store of a flipped depthwise walk (MOTE_DEPTHWISE_FLIP), one call per chunk instead of one per row. */
MOTE_NOINLINE static void mote_requant_cols(const int32_t *acc, int32_t rows, int32_t ow, int32_t step, int kind,
                                            const mote_scale *scale, const mote_out *out_clamp, int8_t *out)
{
    const mote_scale s = *scale;
    const mote_out o = *out_clamp;
    int32_t r;
    for (r = 0; r < rows; ++r) {
        mote_requant_run(acc + r * ow, ow, step, kind, &s, &o, out + r);
    }
}

#if MOTE_DSP
/* The depthwise row below as inline assembly where GCC or clang optimise for Thumb-2: GCC 12 spilled three values
 * per pair of outputs in the C (31 instructions a pair); the assembly keeps its 13 values in registers (27: 3
 * loads of a row's four bytes, 6 SXTB16, 12 multiply-accumulates, one STRD, base and the end from memory, the
 * loop). Not at -O0, where GCC cannot give one statement 13 registers; MOTE_NO_ASM takes the C everywhere. */
#if defined(__GNUC__) && defined(__thumb2__) && defined(__OPTIMIZE__) && !defined(MOTE_NO_ASM)
#define MOTE_DW_ASM 1
#else
#define MOTE_DW_ASM 0
#endif

/* The products of the padded depthwise kernel at stride 1 along a row: `rows` output rows of `ow` from the padded
 * rows at r0 (pw bytes apart; output rows start `step` bytes apart, pw times the stride between rows) into
 * acc[rows * ow], k = the channel's (w0, w2) pairs and w1 per kernel row. Two outputs per
 * step: four bytes x0..x3 of a row give (x0, x2) and (x1, x3); acc0 += w0 x0 + w2 x2 + w1 x1, acc1 += w0 x1 +
 * w2 x3 + w1 x2. A row of odd width also computes the output right of its last, from one byte past the row (the
 * next row's first, or the scratch's spare bytes), into the next row's first slot, which that row overwrites (or
 * the buffer's spare word). */
MOTE_NOINLINE static void mote_dw_rows_dsp(const int8_t *r0, int32_t pw, int32_t step, int32_t rows, int32_t ow,
                                           const int32_t *k, int32_t base, int32_t *acc)
{
    const int32_t k02_0 = k[0], k02_1 = k[1], k02_2 = k[2], k1_0 = k[3], k1_1 = k[4], k1_2 = k[5];
    int32_t row;
#if MOTE_DW_ASM
    /* w1 of kernel rows 0 and 1 as one int16 pair; base and the row's end in memory. */
    const uint32_t k1_01 = ((uint32_t)k1_0 & 0xFFFFu) | ((uint32_t)k1_1 << 16);
    int32_t ctx[2];
    ctx[0] = base;
    for (row = 0; row < rows; ++row) {
        const int8_t *x = r0;
        int32_t *a = acc;
        int32_t a0, a1, xe, v;
        ctx[1] = (int32_t)(uintptr_t)(x + ((ow + 1) & ~1));
        __asm__ volatile("1:\n\t"
                         "ldr %[v], [%[x]]\n\t"
                         "ldr %[a1], [%[ctx]]\n\t"
                         "sxtb16 %[xe], %[v]\n\t"
                         "sxtb16 %[v], %[v], ror #8\n\t"
                         "smlad %[a0], %[k0], %[xe], %[a1]\n\t"
                         "smlad %[a1], %[k0], %[v], %[a1]\n\t"
                         "smlabb %[a0], %[k1], %[v], %[a0]\n\t"
                         "smlabt %[a1], %[k1], %[xe], %[a1]\n\t"
                         "ldr %[v], [%[x], %[pw]]\n\t"
                         "sxtb16 %[xe], %[v]\n\t"
                         "sxtb16 %[v], %[v], ror #8\n\t"
                         "smlad %[a0], %[k2], %[xe], %[a0]\n\t"
                         "smlatb %[a0], %[k1], %[v], %[a0]\n\t"
                         "smlad %[a1], %[k2], %[v], %[a1]\n\t"
                         "smlatt %[a1], %[k1], %[xe], %[a1]\n\t"
                         "ldr %[v], [%[x], %[pw], lsl #1]\n\t"
                         "sxtb16 %[xe], %[v]\n\t"
                         "sxtb16 %[v], %[v], ror #8\n\t"
                         "smlad %[a0], %[k4], %[xe], %[a0]\n\t"
                         "smlad %[a1], %[k4], %[v], %[a1]\n\t"
                         "smlabb %[a0], %[k5], %[v], %[a0]\n\t"
                         "smlabt %[a1], %[k5], %[xe], %[a1]\n\t"
                         "adds %[x], %[x], #2\n\t"
                         "strd %[a0], %[a1], [%[a]], #8\n\t"
                         "ldr %[v], [%[ctx], #4]\n\t"
                         "cmp %[x], %[v]\n\t"
                         "bne 1b"
                         : [x] "+r"(x), [a] "+r"(a), [a0] "=&r"(a0), [a1] "=&r"(a1), [xe] "=&r"(xe), [v] "=&r"(v)
                         : [pw] "r"(pw), [k0] "r"(k02_0), [k2] "r"(k02_1), [k4] "r"(k02_2), [k1] "r"(k1_01),
                           [k5] "r"(k1_2), [ctx] "r"(ctx)
                         : "cc", "memory");
        acc += ow;
        r0 += step;
    }
#else
    int32_t ox;
    for (row = 0; row < rows; ++row) {
        const int8_t *x = r0;
        for (ox = 0; ox < ow; ox += 2) {
            int32_t a0, a1, xe, xo;
            uint32_t v;
            memcpy(&v, x, 4);
            xe = (int32_t)mote_sxtb16_even(v);
            xo = (int32_t)mote_sxtb16_odd(v);
            a0 = __smlabb(k1_0, xo, __smlad(k02_0, xe, base));
            a1 = __smlabt(k1_0, xe, __smlad(k02_0, xo, base));
            memcpy(&v, x + pw, 4);
            xe = (int32_t)mote_sxtb16_even(v);
            xo = (int32_t)mote_sxtb16_odd(v);
            a0 = __smlabb(k1_1, xo, __smlad(k02_1, xe, a0));
            a1 = __smlabt(k1_1, xe, __smlad(k02_1, xo, a1));
            memcpy(&v, x + 2 * pw, 4);
            xe = (int32_t)mote_sxtb16_even(v);
            xo = (int32_t)mote_sxtb16_odd(v);
            acc[ox] = __smlabb(k1_2, xo, __smlad(k02_2, xe, a0));
            acc[ox + 1] = __smlabt(k1_2, xe, __smlad(k02_2, xo, a1));
            x += 2;
        }
        acc += ow;
        r0 += step;
    }
#endif
}
#endif

/* The 3x3 kernel k transposed into t; returns t. */
static const int8_t *mote_transpose3x3(const int8_t *k, int8_t *t)
{
    t[0] = k[0];
    t[1] = k[3];
    t[2] = k[6];
    t[3] = k[1];
    t[4] = k[4];
    t[5] = k[7];
    t[6] = k[2];
    t[7] = k[5];
    t[8] = k[8];
    return t;
}

/* Depthwise 3x3 with a scratch (int8 weights, or int4 with int4_pairs: mote_conv_int4 calls it for
 * MOTE_CONV_DEPTHWISE3X3 layers, each channel's nine weights decoded first). Per channel the plane is copied into
 * the scratch, inside padding that holds the input zero point (-input_offset, so w * (x + input_offset) is zero
 * there); every output of a row takes nine unrolled products from base = bias + input_offset * sum(w), with no
 * border cases, into int32 accumulators, chunk rows at a time (MOTE_DEPTHWISE_CHUNK_ROWS), which
 * mote_requant_row then narrows. A plane much taller than wide (MOTE_DEPTHWISE_FLIP) is copied transposed, with
 * the kernel transposed too, so that the rows the loops walk are the long side: fewer rows, each with its own
 * setup, and less waste on an odd width (the DSP path computes outputs in pairs); its outputs are then stored a
 * column at a time. Scratch (MemoryPlanner.depthwiseScratchBytes): the padded plane,
 * ((out_height - 1) * stride_height + 3) x ((out_width - 1) * stride_width + 3) bytes and 4 spare bytes, rounded
 * up to 4, then int32 acc[chunk * (outputs per row) + 1]. */
void mote_conv_depthwise3x3_padded(const mote_conv_params *p, const int8_t (*int4_pairs)[2], const int8_t *input,
                                   int8_t *output)
{
    /* Everything in the orientation the loops walk: oh rows of ow outputs. */
    const int flip = MOTE_DEPTHWISE_FLIP(p->out_height, p->out_width);
    const int32_t in_rows = flip ? p->in_width : p->in_height, in_cols = flip ? p->in_height : p->in_width;
    const int32_t pad_top = flip ? p->pad_left : p->pad_top, pad_left = flip ? p->pad_top : p->pad_left;
    /* Input element (r, c) of the walked orientation is c * col_step + r * row_step bytes into its plane. */
    const int32_t row_step = flip ? 1 : p->in_width, col_step = flip ? p->in_width : 1;
    const int32_t plane = p->in_height * p->in_width;
    const int32_t sh = flip ? p->stride_width : p->stride_height, sw = flip ? p->stride_height : p->stride_width;
    const int32_t oh = flip ? p->out_width : p->out_height, ow = flip ? p->out_height : p->out_width;
    /* Where output (row, col) goes: row * out_row + col * out_col. */
    const int32_t out_row = flip ? 1 : ow, out_col = flip ? p->out_width : 1;
    const int32_t ph = (oh - 1) * sh + 3;
    const int32_t pw = (ow - 1) * sw + 3;
    const uint32_t offset = (uint32_t)p->input_offset;
    const int8_t pad = (int8_t)(-p->input_offset);
    const mote_out out_clamp = mote_out_init(p->output_zero_point, (int8_t)p->clamp_min, (int8_t)p->clamp_max);
    int8_t *const padded = (int8_t *)p->scratch;
    int32_t *const acc = (int32_t *)(void *)(padded + ((ph * pw + 4 + 3) & ~3));
    const int32_t chunk = MOTE_DEPTHWISE_CHUNK_ROWS(ow, oh);
    /* Padded row r is input row r - pad_top; rows [first_row, last_row) hold input, in columns [first, first +
     * len) (mote_padded_span); the rest of the plane is padding, the same for every channel, so it is filled
     * once. */
    const int32_t first_row = pad_top < 0 ? 0 : (pad_top > ph ? ph : pad_top);
    const int32_t end_row = in_rows + pad_top > ph ? ph : in_rows + pad_top;
    const int32_t last_row = end_row < first_row ? first_row : end_row;
    int32_t first, src0, len;
    int8_t decoded[9], transposed[9];
    int32_t n, m, r, c, oy, ox;

    mote_padded_span(pad_left, pw, in_cols, &first, &src0, &len);
    memset(padded, pad, (size_t)(ph * pw));
    for (n = 0; n < p->batch; ++n) {
        for (m = 0; m < p->out_channels; ++m) {
            const int8_t *x = input + (n * p->in_channels + m) * plane;
            const int8_t *const stored = int4_pairs != NULL
                                             ? mote_i4_row(p->weight_nibbles, int4_pairs, m, 9, decoded)
                                             : p->weights + m * 9;
            /* The kernel in the walked orientation (transposed where flipped), so that every tap below is at a
             * constant index. */
            const int8_t *const w = flip ? mote_transpose3x3(stored, transposed) : stored;
            const mote_scale scale = mote_scale_init(p->multiplier[m], p->shift[m]);
            const uint64_t bound = mote_acc_bound(p->bias[m], p->input_offset, 9);
            const int kind = mote_fused_ok(&scale, &out_clamp, bound)
                                 ? 3
                                 : (mote_bounded_ok(&scale, bound) ? 2 : mote_rounding_ok(&scale));
            /* Kind 3 takes the accumulators doubled (mote_fused_apply2): the weights and bias are, instead (2 w
             * fits the DSP path's int16 halves). */
            const uint32_t twice = kind == 3 ? 2u : 1u;
            const uint32_t w0 = MOTE_U(w[0]) * twice, w1 = MOTE_U(w[1]) * twice, w2 = MOTE_U(w[2]) * twice;
            const uint32_t w3 = MOTE_U(w[3]) * twice, w4 = MOTE_U(w[4]) * twice, w5 = MOTE_U(w[5]) * twice;
            const uint32_t w6 = MOTE_U(w[6]) * twice, w7 = MOTE_U(w[7]) * twice, w8 = MOTE_U(w[8]) * twice;
            const uint32_t base =
                (uint32_t)p->bias[m] * twice + (w0 + w1 + w2 + w3 + w4 + w5 + w6 + w7 + w8) * offset;
            int8_t *const out = output + (n * p->out_channels + m) * p->out_height * p->out_width;
#if MOTE_DSP
            /* Per kernel row: (w0, w2) as an int16 pair; then w1 of each row. */
            int32_t kernel[6];
            for (r = 0; r < 3; ++r) {
                kernel[r] = (int32_t)(((MOTE_U(w[3 * r]) * twice) & 0xFFFFu) | (MOTE_U(w[3 * r + 2]) * twice << 16));
                kernel[3 + r] = w[3 * r + 1] * (int32_t)twice;
            }
#endif
            for (r = first_row; r < last_row; ++r) {
                /* Only the columns that hold input change from channel to channel. */
                const int8_t *src = x + (r - pad_top) * row_step + src0 * col_step;
                int8_t *const dst = padded + r * pw + first;
                if (flip) {
                    /* Four bytes gathered into a word, one store. */
                    for (c = 0; c + 4 <= len; c += 4) {
                        const uint32_t v = (MOTE_U(src[0]) & 0xFFu) | (MOTE_U(src[col_step]) & 0xFFu) << 8 |
                                           (MOTE_U(src[2 * col_step]) & 0xFFu) << 16 |
                                           MOTE_U(src[3 * col_step]) << 24;
                        memcpy(dst + c, &v, 4);
                        src += 4 * col_step;
                    }
                    for (; c < len; ++c) {
                        dst[c] = *src;
                        src += col_step;
                    }
                } else {
                    mote_copy_bytes(dst, src, len);
                }
            }
            for (oy = 0; oy < oh; oy += chunk) {
                const int32_t rows = oh - oy < chunk ? oh - oy : chunk;
                int32_t row;
#if MOTE_DSP
                if (sw == 1) {
                    mote_dw_rows_dsp(padded + oy * sh * pw, pw, sh * pw, rows, ow, kernel, (int32_t)base, acc);
                } else
#endif
                {
                    for (row = 0; row < rows; ++row) {
                        const int8_t *r0 = padded + (oy + row) * sh * pw;
                        int32_t *a = acc + row * ow;
                        for (ox = 0; ox < ow; ++ox) {
                            const int8_t *r1 = r0 + pw;
                            const int8_t *r2 = r1 + pw;
                            a[ox] = mote_i32_from_bits(base + w0 * MOTE_U(r0[0]) + w1 * MOTE_U(r0[1]) +
                                                       w2 * MOTE_U(r0[2]) + w3 * MOTE_U(r1[0]) +
                                                       w4 * MOTE_U(r1[1]) + w5 * MOTE_U(r1[2]) +
                                                       w6 * MOTE_U(r2[0]) + w7 * MOTE_U(r2[1]) +
                                                       w8 * MOTE_U(r2[2]));
                            r0 += sw;
                        }
                    }
                }
                if (flip) {
                    mote_requant_cols(acc, rows, ow, out_col, kind, &scale, &out_clamp, out + oy * out_row);
                } else {
                    /* The chunk's rows are contiguous in the output: one run. */
                    mote_requant_row(acc, rows * ow, kind, &scale, &out_clamp, out + oy * out_row);
                }
            }
        }
    }
}

/* ---- im2col + 2x3 matrix product (groups 1, int8 or int4 weights, scratch given) --------------------------
 *
 * Per three output pixels, the three input columns (every tap of the window, k = (c * kernel_height + ky) *
 * kernel_width + kx, the weights' row order) are copied into the scratch as int16, padding taps holding the
 * input zero point (-input_offset), so that w * (x + input_offset) is zero there. Then
 * acc = bias[m] + input_offset * sum_k w[m][k] + sum_k w[m][k] * col[k] for every tap, with no border cases;
 * two output channels times three pixels share each load (a 2x3 block: six accumulators, the most GCC keeps in
 * registers beside the loop's operands). Sums are modulo 2^32, so the order is free (see MOTE_U).
 *
 * Column layout ("pair order"): in every full group of four taps k = 4g..4g+3 a column holds the int16 pairs
 * (x[4g], x[4g+2]) and (x[4g+1], x[4g+3]), one 32-bit word each, and the three columns are interleaved group by
 * group, so one pointer walks all three. With __ARM_FEATURE_DSP, SXTB16 of four weight bytes gives (w[4g], w[4g+2])
 * and, rotated by 8, (w[4g+1], w[4g+3]): each pairs with one word in one SMLAD (two multiply-accumulates). The
 * portable path reads the same layout one product at a time. A tail of K mod 4 taps is kept apart, in order. The
 * weights come two rows at a time (MOTE_WEIGHTS_INT8_PAIRS), so one pointer walks both rows of a block.
 * Scratch (MemoryPlanner.im2colScratchBytes): a mote_im2col_rows per pair of output channels (requantization and
 * base hoisted), 6 words per group of four taps (int4 weights read in place take 4, mote_im2col_widen8), K + 4
 * bytes for one int8 column; then 2K bytes of
 * one pair of rows in MOTE_WEIGHTS_INT8_PAIRS order: for int4 weights (mote_conv_int4 calls this too) the block's
 * two rows decoded, for int8 weights with an odd channel count the lone last row paired with itself. */

/* Words per group of four taps in the pair-order buffer: two for each of the block's three columns. */
#define MOTE_IM2COL_GROUP_WORDS 6

/* The window of output pixel (oy, ox) as int8 in tap order, padding taps = pad. */
static void mote_im2col_bytes(const mote_conv_params *p, const int8_t *x, int32_t oy, int32_t ox, int8_t pad,
                              int8_t *dst)
{
    const int32_t kh = p->kernel_height, kw = p->kernel_width;
    const int32_t dh = p->dilation_height, dw = p->dilation_width;
    const int32_t in_w = p->in_width;
    const int32_t channels = p->in_channels; /* a local: the int8_t stores below may alias *p */
    const int32_t plane = p->in_height * in_w;
    const int32_t iy0 = oy * p->stride_height - p->pad_top;
    const int32_t ix0 = ox * p->stride_width - p->pad_left;
    int32_t ky_lo, ky_hi, kx_lo, kx_hi, c, ky, kx;
    mote_tap_range(iy0, dh, kh, p->in_height, &ky_lo, &ky_hi);
    mote_tap_range(ix0, dw, kw, in_w, &kx_lo, &kx_hi);
    if (ky_lo == 0 && ky_hi == kh && kx_lo == 0 && kx_hi == kw) {
        /* The window's first tap in channel c as an index into x: no pointer is formed past the input's end. */
        int32_t at = iy0 * in_w + ix0;
        const int32_t row_step = dh * in_w;
        if (dw == 1 && kw == 3 && kh == 3) {
            /* The common 3x3 window, rows unrolled. While a fourth byte exists in the input row, a row is one
             * 4-byte copy whose extra byte the next row overwrites (or lands in the spare bytes after the
             * column); at the right edge, 2 + 1 bytes. */
            const int32_t rs2 = 2 * row_step;
            if (ix0 + 4 <= in_w) {
                for (c = 0; c < channels; ++c) {
                    const int8_t *src = x + at;
                    memcpy(dst, src, 4);
                    memcpy(dst + 3, src + row_step, 4);
                    memcpy(dst + 6, src + rs2, 4);
                    dst += 9;
                    at += plane;
                }
            } else {
                for (c = 0; c < channels; ++c) {
                    const int8_t *src = x + at;
                    memcpy(dst, src, 2);
                    dst[2] = src[2];
                    memcpy(dst + 3, src + row_step, 2);
                    dst[5] = src[row_step + 2];
                    memcpy(dst + 6, src + rs2, 2);
                    dst[8] = src[rs2 + 2];
                    dst += 9;
                    at += plane;
                }
            }
            return;
        }
        if (dw == 1 && kw <= 4 && ix0 + 4 <= in_w) {
            /* A row of up to four taps as one 4-byte copy (a fourth byte exists in the input row): the extra
             * bytes land where the next row's taps go, or in the spare bytes after the column. */
            for (c = 0; c < channels; ++c) {
                for (ky = 0; ky < kh; ++ky) {
                    memcpy(dst, x + at + ky * row_step, 4);
                    dst += kw;
                }
                at += plane;
            }
            return;
        }
        for (c = 0; c < channels; ++c) {
            for (ky = 0; ky < kh; ++ky) {
                const int8_t *src = x + at + ky * row_step;
                for (kx = 0; kx < kw; ++kx) {
                    *dst++ = src[kx * dw];
                }
            }
            at += plane;
        }
        return;
    }
    /* Border pixel: the whole column padding first (one memset, not one per window row), then per channel the
     * taps inside the input, kx_hi - kx_lo of them per window row inside. Input positions as indices: the
     * window's origin may lie outside the input, and a pointer must never leave its array. */
    memset(dst, pad, (size_t)(channels * kh * kw));
    if (ky_hi > ky_lo && kx_hi > kx_lo) {
        const int32_t len = kx_hi - kx_lo;
        const int32_t rows = ky_hi - ky_lo;
        const int32_t row_step = dh * in_w;
        int32_t src = (iy0 + ky_lo * dh) * in_w + ix0 + kx_lo * dw;
        int32_t at = ky_lo * kw + kx_lo;
        for (c = 0; c < channels; ++c) {
            int32_t s = src;
            int8_t *d = dst + at;
            for (ky = 0; ky < rows; ++ky) {
                for (kx = 0; kx < len; ++kx) {
                    d[kx] = x[s + kx * dw];
                }
                s += row_step;
                d += kw;
            }
            src += plane;
            at += kh * kw;
        }
    }
}

/* int8 taps -> column `which` (0..2) of the interleaved pair-order buffer: per group of four taps the words
 * (x[4g], x[4g+2]) and (x[4g+1], x[4g+3]) of column 0, then the same two of columns 1 and 2; the tail (taps
 * mod 4) goes to tail[which][0..2] in order. */
static void mote_im2col_widen(const int8_t *src, uint32_t *words, int16_t tail[3][4], int32_t which, int32_t taps)
{
    uint32_t *dst = words + 2 * which;
    int32_t k = 0;
    for (; k + 4 <= taps; k += 4) {
        uint32_t v;
        memcpy(&v, src + k, 4);
#if MOTE_DSP
        dst[0] = mote_sxtb16_even(v);
        dst[1] = mote_sxtb16_odd(v);
#else
        dst[0] = (MOTE_U(src[k]) & 0xFFFFu) | (MOTE_U(src[k + 2]) << 16);
        dst[1] = (MOTE_U(src[k + 1]) & 0xFFFFu) | (MOTE_U(src[k + 3]) << 16);
        (void)v;
#endif
        dst += MOTE_IM2COL_GROUP_WORDS;
    }
    for (; k < taps; ++k) {
        tail[which][k & 3] = src[k];
    }
}

/* A 1x1 window straight into column `which` of the pair-order buffer (as mote_im2col_bytes + mote_im2col_widen,
 * without the byte copy): the taps are the channels of input pixel (iy, ix), one plane apart; a pixel outside the
 * input (padding) is pad in every tap. */
static void mote_im2col_pointwise(const mote_conv_params *p, const int8_t *x, int32_t oy, int32_t ox, int8_t pad,
                                  uint32_t *words, int16_t tail[3][4], int32_t which)
{
    const int32_t plane = p->in_height * p->in_width;
    const int32_t iy = oy * p->stride_height - p->pad_top;
    const int32_t ix = ox * p->stride_width - p->pad_left;
    const int32_t channels = p->in_channels;
    const int inside = iy >= 0 && iy < p->in_height && ix >= 0 && ix < p->in_width;
    const int8_t *src = x + (inside ? iy * p->in_width + ix : 0);
    uint32_t *dst = words + 2 * which;
    int32_t c = 0;
    if (!inside) {
        const uint32_t pair = (MOTE_U(pad) & 0xFFFFu) | (MOTE_U(pad) << 16);
        for (; c + 4 <= channels; c += 4) {
            dst[0] = pair;
            dst[1] = pair;
            dst += MOTE_IM2COL_GROUP_WORDS;
        }
        for (; c < channels; ++c) {
            tail[which][c & 3] = pad;
        }
        return;
    }
    for (; c + 4 <= channels; c += 4) {
        dst[0] = (MOTE_U(src[0]) & 0xFFFFu) | (MOTE_U(src[2 * plane]) << 16);
        dst[1] = (MOTE_U(src[plane]) & 0xFFFFu) | (MOTE_U(src[3 * plane]) << 16);
        dst += MOTE_IM2COL_GROUP_WORDS;
        src += 4 * plane;
    }
    for (; c < channels; ++c) {
        tail[which][c & 3] = *src;
        src += plane;
    }
}

#if MOTE_DSP
/* (lo's low half, hi's low half) and (lo's high half, hi's high half) as int16 pairs: one PKHBT / PKHTB each by
 * inline assembly under GCC and clang (GCC 12 made two instructions of the C). */
static inline uint32_t mote_pack_low(uint32_t lo, uint32_t hi)
{
#if defined(__GNUC__)
    uint32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
    return r;
#else
    return (lo & 0xFFFFu) | (hi << 16);
#endif
}

static inline uint32_t mote_pack_high(uint32_t lo, uint32_t hi)
{
#if defined(__GNUC__)
    uint32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(hi), "r"(lo));
    return r;
#else
    return (lo >> 16) | (hi & 0xFFFF0000u);
#endif
}
#endif

/* Three pixels at once into columns 0..2 (as mote_im2col_pointwise for each), for a 1x1 layer of stride 1 without
 * padding over the whole input, whose output pixels q..q+2 are input bytes q..q+2 of every plane (src = x + q);
 * q + 4 <= plane, as one word is read per channel. Under DSP, per four channels: four loads, eight SXTB16, six
 * PKHBT/PKHTB and six stores for twelve column halves (one call per block instead of three, and a quarter of the
 * loads). */
static void mote_im2col_pointwise3(const int8_t *src, int32_t plane, int32_t channels, uint32_t *dst,
                                   int16_t tail[3][4])
{
    int32_t c = 0, j;
    for (; c + 4 <= channels; c += 4) {
#if MOTE_DSP
        uint32_t v0, v1, v2, v3;
        memcpy(&v0, src, 4);
        memcpy(&v1, src + plane, 4);
        memcpy(&v2, src + 2 * plane, 4);
        memcpy(&v3, src + 3 * plane, 4);
        {
            /* (pixel 0, pixel 2) and (pixel 1, pixel 3) of each channel. */
            const uint32_t e0 = mote_sxtb16_even(v0), o0 = mote_sxtb16_odd(v0);
            const uint32_t e1 = mote_sxtb16_even(v1), o1 = mote_sxtb16_odd(v1);
            const uint32_t e2 = mote_sxtb16_even(v2), o2 = mote_sxtb16_odd(v2);
            const uint32_t e3 = mote_sxtb16_even(v3), o3 = mote_sxtb16_odd(v3);
            dst[0] = mote_pack_low(e0, e2);
            dst[1] = mote_pack_low(e1, e3);
            dst[2] = mote_pack_low(o0, o2);
            dst[3] = mote_pack_low(o1, o3);
            dst[4] = mote_pack_high(e0, e2);
            dst[5] = mote_pack_high(e1, e3);
        }
#else
        for (j = 0; j < 3; ++j) {
            dst[2 * j] = (MOTE_U(src[j]) & 0xFFFFu) | (MOTE_U(src[2 * plane + j]) << 16);
            dst[2 * j + 1] = (MOTE_U(src[plane + j]) & 0xFFFFu) | (MOTE_U(src[3 * plane + j]) << 16);
        }
#endif
        dst += MOTE_IM2COL_GROUP_WORDS;
        src += 4 * plane;
    }
    for (; c < channels; ++c) {
        for (j = 0; j < 3; ++j) {
            tail[j][c & 3] = src[j];
        }
        src += plane;
    }
}

/* int8 taps -> column `which` of the int4 layout (mote_im2col_block_i4): per group of eight taps eight words, the
 * pairs (x[8g], x[8g+4]), (x[8g+2], x[8g+6]) of column 0, then of column 1, then (x[8g+1], x[8g+5]),
 * (x[8g+3], x[8g+7]) of column 0, then of column 1: the order the block reads them in; taps is a multiple of 8. */
static void mote_im2col_widen8(const int8_t *src, uint32_t *words, int32_t which, int32_t taps)
{
    uint32_t *dst = words + 2 * which;
    int32_t k;
    for (k = 0; k < taps; k += 8) {
        const int8_t *x = src + k;
        dst[0] = (MOTE_U(x[0]) & 0xFFFFu) | (MOTE_U(x[4]) << 16);
        dst[1] = (MOTE_U(x[2]) & 0xFFFFu) | (MOTE_U(x[6]) << 16);
        dst[4] = (MOTE_U(x[1]) & 0xFFFFu) | (MOTE_U(x[5]) << 16);
        dst[5] = (MOTE_U(x[3]) & 0xFFFFu) | (MOTE_U(x[7]) << 16);
        dst += 8;
    }
}

/* A 1x1 window's taps (the channels of one input pixel, a plane apart) as int8, padding = pad outside the input:
 * the int4 layout's mote_im2col_bytes. */
static void mote_im2col_pointwise_bytes(const mote_conv_params *p, const int8_t *x, int32_t oy, int32_t ox,
                                        int8_t pad, int8_t *dst)
{
    const int32_t plane = p->in_height * p->in_width;
    const int32_t iy = oy * p->stride_height - p->pad_top;
    const int32_t ix = ox * p->stride_width - p->pad_left;
    int32_t c;
    if (iy < 0 || iy >= p->in_height || ix < 0 || ix >= p->in_width) {
        memset(dst, pad, (size_t)p->in_channels);
        return;
    }
    x += iy * p->in_width + ix;
    for (c = 0; c < p->in_channels; ++c) {
        dst[c] = *x;
        x += plane;
    }
}

#if !MOTE_DSP
/* The int16 in the low (half 0) or high (half 1) half of a column word (the portable blocks; DSP multiplies the
 * halves in place). */
static inline uint32_t mote_half(uint32_t word, int half)
{
    const uint32_t h = half ? word >> 16 : word & 0xFFFFu;
    return h >= 0x8000u ? h - 0x10000u : h; /* sign-extended, as uint32_t bits */
}
#endif

/* The sum, modulo 2^32, of one row of `taps` int8 weights at w (a decoded int4 row; the int8 rows' sums are in
 * their bias). Under DSP two per SMLAD against (1, 1). */
static uint32_t mote_row_sum(const int8_t *w, int32_t taps)
{
    uint32_t sum = 0;
    int32_t k = 0;
#if MOTE_DSP
    for (; k + 4 <= taps; k += 4) {
        uint32_t v;
        memcpy(&v, w + k, 4);
        sum = (uint32_t)__smlad((int32_t)mote_sxtb16_even(v), 0x00010001, (int32_t)sum);
        sum = (uint32_t)__smlad((int32_t)mote_sxtb16_odd(v), 0x00010001, (int32_t)sum);
    }
#endif
    for (; k < taps; ++k) {
        sum += MOTE_U(w[k]);
    }
    return sum;
}

/* The per-layer constants of one block's two channels a, b (b = a for a lone last channel), in the scratch: so a
 * block call needs four arguments, all in registers, and the pixel loop no arithmetic per block. */
typedef union {
    mote_scale scale; /* pair->fast 0..2 */
    mote_fused fused; /* pair->fast 3 */
} mote_im2col_scale;

typedef struct {
    mote_im2col_scale sa, sb; /* requantization, hoisted */
    uint32_t base_a, base_b;  /* bias + input_offset * row sum (int8: the bias, which carries it) */
} mote_im2col_rows;

/* What every block of one set of pixels shares. */
typedef struct {
    const uint32_t *cols;    /* the columns, interleaved, in pair order (or mote_im2col_widen8's) */
    const int16_t *tail;     /* [3][4]: the taps mod 4 of each column, in order */
    int32_t groups;          /* full groups of four taps */
    int32_t tail_taps;       /* taps mod 4 */
    const mote_out *out;
    int32_t fast;            /* 3: every channel mote_fused_ok (mote_fused_apply, the rows hold mote_fused); 2:
                              * every channel mote_bounded_ok (mote_scale_bounded); 1: every channel
                              * mote_rounding_ok (mote_rounding_apply); 0: mote_scale_apply */
    int32_t full;            /* fast and out->full: mote_out_full, else mote_out_narrow */
    int32_t pixels;          /* outputs per channel */
} mote_im2col_pair;

/* The end of a block: channel a's accumulators acc[0..n-1] and channel b's acc[3..3+n-1] (n = 2 or 3 pixels, a
 * constant where inlined) requantized by the layer's kind and stored at oa[0..n-1] and ob[0..n-1]. One test of
 * the kind per block, each branch written out, so that GCC keeps every value in a register (with a test per value
 * it did not merge them). All results before any store: an int8_t store may alias the constants. Inlined into
 * each block function. */
MOTE_INLINE static void mote_im2col_store(const mote_im2col_pair *pair, const uint32_t acc[6], int32_t n,
                                          const mote_im2col_scale *ua, const mote_im2col_scale *ub, int8_t *oa,
                                          int8_t *ob)
{
    int8_t r0, r1, r2 = 0, r3, r4, r5 = 0;
    if (pair->fast == 3) {
        /* With the sign correction whatever the zero point: without it where it may go, GCC 12 allocated the
         * block's registers worse (KWS +46 k instructions). */
        const mote_fused fa = ua->fused, fb = ub->fused;
        r0 = (int8_t)mote_fused_apply(mote_i32_from_bits(acc[0]), &fa, 1);
        r1 = (int8_t)mote_fused_apply(mote_i32_from_bits(acc[1]), &fa, 1);
        r3 = (int8_t)mote_fused_apply(mote_i32_from_bits(acc[3]), &fb, 1);
        r4 = (int8_t)mote_fused_apply(mote_i32_from_bits(acc[4]), &fb, 1);
        if (n == 3) {
            r2 = (int8_t)mote_fused_apply(mote_i32_from_bits(acc[2]), &fa, 1);
            r5 = (int8_t)mote_fused_apply(mote_i32_from_bits(acc[5]), &fb, 1);
        }
    } else {
        const mote_scale *const sa = &ua->scale, *const sb = &ub->scale;
        int32_t v0, v1, v2 = 0, v3, v4, v5 = 0;
        if (pair->fast == 2) {
            v0 = mote_scale_bounded(mote_i32_from_bits(acc[0]), sa);
            v1 = mote_scale_bounded(mote_i32_from_bits(acc[1]), sa);
            v3 = mote_scale_bounded(mote_i32_from_bits(acc[3]), sb);
            v4 = mote_scale_bounded(mote_i32_from_bits(acc[4]), sb);
            if (n == 3) {
                v2 = mote_scale_bounded(mote_i32_from_bits(acc[2]), sa);
                v5 = mote_scale_bounded(mote_i32_from_bits(acc[5]), sb);
            }
        } else if (pair->fast) {
            const mote_rounding ra = mote_rounding_init(sa), rb = mote_rounding_init(sb);
            v0 = mote_rounding_apply(mote_i32_from_bits(acc[0]), sa, &ra);
            v1 = mote_rounding_apply(mote_i32_from_bits(acc[1]), sa, &ra);
            v3 = mote_rounding_apply(mote_i32_from_bits(acc[3]), sb, &rb);
            v4 = mote_rounding_apply(mote_i32_from_bits(acc[4]), sb, &rb);
            if (n == 3) {
                v2 = mote_rounding_apply(mote_i32_from_bits(acc[2]), sa, &ra);
                v5 = mote_rounding_apply(mote_i32_from_bits(acc[5]), sb, &rb);
            }
        } else {
            v0 = mote_scale_apply(mote_i32_from_bits(acc[0]), sa);
            v1 = mote_scale_apply(mote_i32_from_bits(acc[1]), sa);
            v3 = mote_scale_apply(mote_i32_from_bits(acc[3]), sb);
            v4 = mote_scale_apply(mote_i32_from_bits(acc[4]), sb);
            if (n == 3) {
                v2 = mote_scale_apply(mote_i32_from_bits(acc[2]), sa);
                v5 = mote_scale_apply(mote_i32_from_bits(acc[5]), sb);
            }
        }
        if (pair->full) {
            r0 = (int8_t)mote_out_full(v0, pair->out);
            r1 = (int8_t)mote_out_full(v1, pair->out);
            r2 = (int8_t)mote_out_full(v2, pair->out);
            r3 = (int8_t)mote_out_full(v3, pair->out);
            r4 = (int8_t)mote_out_full(v4, pair->out);
            r5 = (int8_t)mote_out_full(v5, pair->out);
        } else {
            r0 = mote_out_narrow(v0, pair->out);
            r1 = mote_out_narrow(v1, pair->out);
            r2 = mote_out_narrow(v2, pair->out);
            r3 = mote_out_narrow(v3, pair->out);
            r4 = mote_out_narrow(v4, pair->out);
            r5 = mote_out_narrow(v5, pair->out);
        }
    }
    oa[0] = r0;
    ob[0] = r3;
    oa[1] = r1;
    ob[1] = r4;
    if (n == 3) {
        oa[2] = r2;
        ob[2] = r5;
    }
}

/* The words p[0] and p[1], then p += 2. GCC 12 loads adjacent words one LDR each and steps the pointer with an
 * ADD of its own, so under GCC or clang on Thumb-2 this is one post-incrementing LDRD by inline assembly (with
 * the 2x2 block it took the loop from 38 to 32 instructions per 32 multiply-accumulates). LDRD needs p 4-byte aligned
 * (uint32_t * promises it; a core faults on an unaligned LDRD even where LDR may be unaligned). MOTE_NO_ASM: plain
 * loads. */
#if MOTE_DSP && defined(__GNUC__) && defined(__thumb2__) && !defined(MOTE_NO_ASM)
#define MOTE_LDRD 1
#else
#define MOTE_LDRD 0
#endif

#if MOTE_DSP
typedef struct {
    uint32_t word[2];
} mote_word_pair;

MOTE_INLINE static void mote_load_pair(const uint32_t **p, uint32_t *lo, uint32_t *hi)
{
#if MOTE_LDRD
    const uint32_t *q = *p;
    __asm__("ldrd %0, %1, [%2], #8" : "=r"(*lo), "=r"(*hi), "+r"(q) : "m"(*(const mote_word_pair *)q));
    *p = q;
#else
    *lo = (*p)[0];
    *hi = (*p)[1];
    *p += 2;
#endif
}
#endif

#if MOTE_DSP
/* One pixel of a group: its column's words x0, x1 against rows a (ae, ao) and b (be, bo), into *pa and *pb. */
MOTE_INLINE static void mote_im2col_pixel(int32_t ae, int32_t ao, int32_t be, int32_t bo, uint32_t x0, uint32_t x1,
                                          uint32_t *pa, uint32_t *pb)
{
    *pa = (uint32_t)__smlad(ae, (int32_t)x0, (int32_t)*pa);
    *pb = (uint32_t)__smlad(be, (int32_t)x0, (int32_t)*pb);
    *pa = (uint32_t)__smlad(ao, (int32_t)x1, (int32_t)*pa);
    *pb = (uint32_t)__smlad(bo, (int32_t)x1, (int32_t)*pb);
}
#endif

/* One group of four taps of the 2x3 block: (*w)[0..3] of row a and (*w)[4..7] of row b (MOTE_WEIGHTS_INT8_PAIRS
 * order) against (*c)[2j..2j+1] (pixel j), added to acc = {a0, a1, a2, b0, b1, b2}; then *w += 8 and
 * *c += MOTE_IM2COL_GROUP_WORDS. `aligned`: *w is 4-byte aligned, so the DSP path loads the weight words and
 * each column's two words with mote_load_pair. */
MOTE_INLINE static void mote_im2col_group(const int8_t **w, const uint32_t **c, uint32_t acc[6], int aligned)
{
#if MOTE_DSP
    uint32_t va, vb, x0, x1;
    int32_t ae, ao, be, bo;
    if (aligned) {
        const uint32_t *q = (const uint32_t *)(const void *)*w;
        mote_load_pair(&q, &va, &vb);
        *w = (const int8_t *)(const void *)q;
    } else {
        memcpy(&va, *w, 4);
        memcpy(&vb, *w + 4, 4);
        *w += 8;
    }
    ae = (int32_t)mote_sxtb16_even(va);
    ao = (int32_t)mote_sxtb16_odd(va);
    be = (int32_t)mote_sxtb16_even(vb);
    bo = (int32_t)mote_sxtb16_odd(vb);
    if (aligned) {
        mote_load_pair(c, &x0, &x1);
        mote_im2col_pixel(ae, ao, be, bo, x0, x1, &acc[0], &acc[3]);
        mote_load_pair(c, &x0, &x1);
        mote_im2col_pixel(ae, ao, be, bo, x0, x1, &acc[1], &acc[4]);
        mote_load_pair(c, &x0, &x1);
        mote_im2col_pixel(ae, ao, be, bo, x0, x1, &acc[2], &acc[5]);
    } else {
        /* Plain loads throughout: with the columns by LDRD and the weights not, GCC 12 spilled. */
        const uint32_t *const q = *c;
        mote_im2col_pixel(ae, ao, be, bo, q[0], q[1], &acc[0], &acc[3]);
        mote_im2col_pixel(ae, ao, be, bo, q[2], q[3], &acc[1], &acc[4]);
        mote_im2col_pixel(ae, ao, be, bo, q[4], q[5], &acc[2], &acc[5]);
        *c += MOTE_IM2COL_GROUP_WORDS;
    }
#else
    const int8_t *const p = *w;
    const uint32_t *const q = *c;
    const uint32_t w0 = MOTE_U(p[0]), w1 = MOTE_U(p[1]), w2 = MOTE_U(p[2]), w3 = MOTE_U(p[3]);
    const uint32_t v0 = MOTE_U(p[4]), v1 = MOTE_U(p[5]), v2 = MOTE_U(p[6]), v3 = MOTE_U(p[7]);
    int32_t j;
    (void)aligned;
    for (j = 0; j < 3; ++j) {
        const uint32_t x0 = mote_half(q[2 * j], 0), x2 = mote_half(q[2 * j], 1);
        const uint32_t x1 = mote_half(q[2 * j + 1], 0), x3 = mote_half(q[2 * j + 1], 1);
        acc[j] += w0 * x0 + w1 * x1 + w2 * x2 + w3 * x3;
        acc[3 + j] += v0 * x0 + v1 * x1 + v2 * x2 + v3 * x3;
    }
    *w += 8;
    *c += MOTE_IM2COL_GROUP_WORDS;
#endif
}

/* Every whole group of the 2x3 block, two a step, then an odd last one; returns the weights after them. Inlined
 * with `aligned` a constant, so each caller's loop is specialised. */
MOTE_INLINE static const int8_t *mote_im2col_groups(const int8_t *w, const uint32_t *c, int32_t groups,
                                                    uint32_t acc[6], int aligned)
{
    const uint32_t *const end = c + 2 * MOTE_IM2COL_GROUP_WORDS * (groups >> 1);
    while (c != end) {
        mote_im2col_group(&w, &c, acc, aligned);
        mote_im2col_group(&w, &c, acc, aligned);
    }
    if ((groups & 1) != 0) {
        mote_im2col_group(&w, &c, acc, aligned);
    }
    return w;
}

/* `count` pairs of output channels from d on (their rows consecutive at w, in MOTE_WEIGHTS_INT8_PAIRS order; a
 * lone last channel's row paired with itself) at the block's pixels: acc = base + row . column over all taps,
 * requantized, stored at oa[0..2] and oa[second..second + 2] (second = pixels, or 0 for a lone channel stored
 * twice), the next pair 2 * pixels on. One function for the whole loop, so that GCC gives the taps' loop every
 * register (inlined into the pixel loop it spilled a pointer and the counter inside the loop), the pair's
 * constants are read once per call, and there is one call per set of pixels. Two groups a step: with MOTE_LDRD
 * and word-aligned weights, 2 LDRD of weights, 6 of columns, 8 SXTB16 and 24 SMLAD for 48 multiply-accumulates.
 * Weights are word-aligned where the layer's array is (GCC aligns arrays at -O2, not at -Os) and each pair of
 * rows is a whole number of words (an even row length). */
MOTE_NOINLINE static void mote_im2col_block(const mote_im2col_pair *pair_in, const mote_im2col_rows *d, int32_t count,
                                            const int8_t *w, int8_t *oa, int32_t second)
{
    const mote_out out = *pair_in->out;
    mote_im2col_pair local = *pair_in;
    const mote_im2col_pair *const pair = &local;
    const mote_im2col_rows *const last = d + count;
    const int32_t step = 2 * pair->pixels;
    local.out = &out;
    for (; d != last; ++d) {
        uint32_t acc[6];
        acc[0] = d->base_a;
        acc[1] = acc[0];
        acc[2] = acc[0];
        acc[3] = d->base_b;
        acc[4] = acc[3];
        acc[5] = acc[3];
        if (MOTE_LDRD && ((uintptr_t)w & 3u) == 0) {
            w = mote_im2col_groups(w, pair->cols, pair->groups, acc, 1);
        } else {
            w = mote_im2col_groups(w, pair->cols, pair->groups, acc, 0);
        }
        {
            /* The tails: row a's taps mod 4, then row b's. (Behind a test of tail_taps, GCC 12 allocated the block's
             * registers worse: KWS +79 k instructions.) */
            const int8_t *const wb = w + pair->tail_taps;
            int32_t k;
            for (k = 0; k < pair->tail_taps; ++k) {
                const uint32_t x0 = MOTE_U(pair->tail[k]), x1 = MOTE_U(pair->tail[4 + k]);
                const uint32_t x2 = MOTE_U(pair->tail[8 + k]);
                acc[0] += MOTE_U(w[k]) * x0;
                acc[1] += MOTE_U(w[k]) * x1;
                acc[2] += MOTE_U(w[k]) * x2;
                acc[3] += MOTE_U(wb[k]) * x0;
                acc[4] += MOTE_U(wb[k]) * x1;
                acc[5] += MOTE_U(wb[k]) * x2;
            }
            w = wb + pair->tail_taps;
        }
        mote_im2col_store(pair, acc, 3, &d->sa, &d->sb, oa, oa + second);
        oa += step;
    }
}

/* One row of `taps` int8 weights into slot `which` (0: row a, 1: row b) of a MOTE_WEIGHTS_INT8_PAIRS pair at dst. */
static void mote_pair_row(const int8_t *row, int32_t taps, int8_t *dst, int32_t which)
{
    const int32_t groups = taps >> 2, tail = taps & 3;
    int32_t g, k;
    for (g = 0; g < groups; ++g) {
        memcpy(dst + 8 * g + 4 * which, row + 4 * g, 4);
    }
    for (k = 0; k < tail; ++k) {
        dst[8 * groups + which * tail + k] = row[4 * groups + k];
    }
}

#if MOTE_DSP
/* A quarter group of the int4 block: (a0, a1) of row a and (b0, b1) of row b against the next two words of one
 * column (mote_im2col_widen8), added to *sa and *sb; *c steps past the two words. */
MOTE_INLINE static void mote_i4_quarter(const uint32_t **c, int32_t a0, int32_t a1, int32_t b0, int32_t b1,
                                        int32_t *sa, int32_t *sb)
{
    uint32_t x0, x1;
    mote_load_pair(c, &x0, &x1);
    *sa = __smlad(a1, (int32_t)x1, __smlad(a0, (int32_t)x0, *sa));
    *sb = __smlad(b1, (int32_t)x1, __smlad(b0, (int32_t)x0, *sb));
}
#endif

/* The 2x2 block for int4 weights read in place (mote_conv_int4 layers whose rows are whole groups of eight taps):
 * four packed bytes hold taps 8g..8g+7 of a row, tap t in nibble t. Masked with 0xF0F0F0F0, the word and the word
 * shifted left by 4 hold each nibble in the high half of a byte, 16 times its value as an int8 (the low half
 * zero), so SXTB16 (and SXTB16 of the byte-rotated word) gives the pairs (16 w[8g], 16 w[8g+4]),
 * (16 w[8g+2], 16 w[8g+6]), (16 w[8g+1], 16 w[8g+5]), (16 w[8g+3], 16 w[8g+7]) that match the columns'
 * layout (mote_im2col_widen8). The dot product is then 16 times the real one; |16 * w * x| <= 2^14, so for fewer
 * than 2^17 taps it does not wrap and an arithmetic shift by 4 gives it exactly. The portable twin multiplies
 * the nibble values themselves. */
MOTE_NOINLINE static void mote_im2col_block_i4(const mote_im2col_pair *pair, const mote_im2col_rows *d,
                                               const uint8_t *wa, const uint8_t *wb, int8_t *oa, int8_t *ob)
{
    const uint32_t base_a = d->base_a, base_b = d->base_b;
    const mote_im2col_scale *const sa = &d->sa, *const sb = &d->sb;
    const uint32_t *c = pair->cols;
    const uint32_t *const end = c + 8 * pair->groups;
#if MOTE_DSP
    /* Half a group at a time (taps 0, 4, 2, 6, then 1, 5, 3, 7), each column's two words by one mote_load_pair:
     * 38 instructions per 32 multiply-accumulates under GCC 12 -O2 (all eight weight pairs at once spilled: 52). */
    int32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0;
    while (c != end) {
        uint32_t va, vb;
        int32_t a0, a1, b0, b1;
        memcpy(&va, wa, 4);
        memcpy(&vb, wb, 4);
        wa += 4;
        wb += 4;
        a0 = (int32_t)mote_sxtb16_even((va << 4) & 0xF0F0F0F0u); /* 16 (w0, w4) */
        a1 = (int32_t)mote_sxtb16_odd((va << 4) & 0xF0F0F0F0u);  /* 16 (w2, w6) */
        b0 = (int32_t)mote_sxtb16_even((vb << 4) & 0xF0F0F0F0u);
        b1 = (int32_t)mote_sxtb16_odd((vb << 4) & 0xF0F0F0F0u);
        mote_i4_quarter(&c, a0, a1, b0, b1, &s00, &s10);
        mote_i4_quarter(&c, a0, a1, b0, b1, &s01, &s11);
        a0 = (int32_t)mote_sxtb16_even(va & 0xF0F0F0F0u); /* 16 (w1, w5) */
        a1 = (int32_t)mote_sxtb16_odd(va & 0xF0F0F0F0u);  /* 16 (w3, w7) */
        b0 = (int32_t)mote_sxtb16_even(vb & 0xF0F0F0F0u);
        b1 = (int32_t)mote_sxtb16_odd(vb & 0xF0F0F0F0u);
        mote_i4_quarter(&c, a0, a1, b0, b1, &s00, &s10);
        mote_i4_quarter(&c, a0, a1, b0, b1, &s01, &s11);
    }
    {
        /* Two pixels: acc[2] and acc[5] are not read. */
        const uint32_t acc[6] = {base_a + MOTE_U(mote_asr(s00, 4)), base_a + MOTE_U(mote_asr(s01, 4)), 0,
                                 base_b + MOTE_U(mote_asr(s10, 4)), base_b + MOTE_U(mote_asr(s11, 4)), 0};
        mote_im2col_store(pair, acc, 2, sa, sb, oa, ob);
    }
#else
    uint32_t a00 = base_a, a01 = base_a, a10 = base_b, a11 = base_b;
    int32_t t;
    while (c != end) {
        /* The t-th pair of a column (word (t & 1) + 4 (t >> 1), column 1's two words on) holds taps order[t] and
         * order[t] + 4. */
        static const int32_t order[4] = {0, 2, 1, 3};
        for (t = 0; t < 4; ++t) {
            const int32_t k = order[t], at = (t & 1) + 4 * (t >> 1);
            const uint32_t x0 = mote_half(c[at], 0), x4 = mote_half(c[at], 1);
            const uint32_t y0 = mote_half(c[at + 2], 0), y4 = mote_half(c[at + 2], 1);
            const uint32_t w0 = MOTE_U(mote_i4_value((uint32_t)wa[k >> 1] >> (4 * (k & 1))));
            const uint32_t w4 = MOTE_U(mote_i4_value((uint32_t)wa[(k + 4) >> 1] >> (4 * (k & 1))));
            const uint32_t v0 = MOTE_U(mote_i4_value((uint32_t)wb[k >> 1] >> (4 * (k & 1))));
            const uint32_t v4 = MOTE_U(mote_i4_value((uint32_t)wb[(k + 4) >> 1] >> (4 * (k & 1))));
            a00 += w0 * x0 + w4 * x4;
            a01 += w0 * y0 + w4 * y4;
            a10 += v0 * x0 + v4 * x4;
            a11 += v0 * y0 + v4 * y4;
        }
        wa += 4;
        wb += 4;
        c += 8;
    }
    {
        const uint32_t acc[6] = {a00, a01, 0, a10, a11, 0};
        mote_im2col_store(pair, acc, 2, sa, sb, oa, ob);
    }
#endif
}

void mote_conv_im2col(const mote_conv_params *p, const int8_t (*int4_pairs)[2], const int8_t *input, int8_t *output)
{
    const int32_t taps = p->in_channels * p->kernel_height * p->kernel_width;
    const int32_t groups4 = taps >> 2;
    const int32_t channels = p->out_channels;
    const int32_t pixels = p->out_height * p->out_width;
    const int32_t ow = p->out_width;
    const uint32_t offset = (uint32_t)p->input_offset;
    const int8_t pad = (int8_t)(-p->input_offset);
    const mote_out out_clamp = mote_out_init(p->output_zero_point, (int8_t)p->clamp_min, (int8_t)p->clamp_max);
    mote_im2col_rows *const rows_of = (mote_im2col_rows *)p->scratch; /* [(channels + 1) / 2] */
    uint32_t *const cols = (uint32_t *)(rows_of + (channels + 1) / 2);
    int8_t *const bytes = (int8_t *)(cols + MOTE_IM2COL_GROUP_WORDS * groups4);
    /* After the int8 column and its spare bytes, a pair of rows in MOTE_WEIGHTS_INT8_PAIRS order: int4, the
     * current block's two rows, decoded; int8, the lone last row of an odd channel count paired with itself. */
    const int int4 = int4_pairs != NULL;
    int8_t *const rows = bytes + taps + 4;
    const int32_t lone = (channels & 1) != 0 ? channels - 1 : -1;
    const int pointwise = p->kernel_height == 1 && p->kernel_width == 1;
    /* Output pixel q is input byte q of every plane (mote_im2col_pointwise3). */
    const int in_place = pointwise && p->stride_height == 1 && p->stride_width == 1 && p->pad_top == 0 &&
                         p->pad_left == 0 && p->in_height == p->out_height && p->in_width == p->out_width;
    /* int4 rows of whole groups of eight taps are read in place (mote_im2col_block_i4), not decoded per block. */
    const int nibbles = int4 && (taps & 7) == 0 && taps < 0x20000;
    /* Pixels per block: three (mote_im2col_block), two where int4 rows are read in place. */
    const int32_t step = nibbles ? 2 : 3;
    int16_t tail[3][4] = {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
    mote_im2col_pair pair;
    int fast = 1, bounded = 1, fused = 1;
    int32_t n, m, q, j;

    for (m = 0; m < channels; ++m) {
        /* int8 (MOTE_WEIGHTS_INT8_PAIRS): the bias carries input_offset times the row's sum (mote_conv_params);
         * int4: the row's sum is taken here. */
        const uint32_t sum = int4 ? mote_row_sum(mote_i4_row(p->weight_nibbles, int4_pairs, m, taps, rows), taps) : 0u;
        mote_im2col_rows *const d = &rows_of[m >> 1];
        const mote_scale *const scale = &((m & 1) != 0 ? &d->sb : &d->sa)->scale;
        const uint32_t base = (uint32_t)p->bias[m] + sum * offset;
        /* acc = base + the products of raw int8 inputs. */
        const uint64_t bound = mote_acc_bound(mote_i32_from_bits(base), 0, taps);
        *((m & 1) != 0 ? &d->base_b : &d->base_a) = base;
        ((m & 1) != 0 ? &d->sb : &d->sa)->scale = mote_scale_init(p->multiplier[m], p->shift[m]);
        if (m == lone) {
            d->sb = d->sa;
            d->base_b = d->base_a;
        }
        fast = fast && mote_rounding_ok(scale);
        bounded = bounded && mote_bounded_ok(scale, bound);
        fused = fused && mote_fused_ok(scale, &out_clamp, bound);
    }
    if (fused) {
        /* Every channel takes mote_fused_apply: its constants replace the scale's. */
        for (m = 0; m < (channels + 1) / 2; ++m) {
            const mote_scale sa = rows_of[m].sa.scale, sb = rows_of[m].sb.scale;
            rows_of[m].sa.fused = mote_fused_init(&sa, &out_clamp);
            rows_of[m].sb.fused = mote_fused_init(&sb, &out_clamp);
        }
    }
    pair.fast = fused ? 3 : (bounded ? 2 : fast);
    pair.full = pair.fast != 0 && out_clamp.full;
    pair.cols = cols;
    pair.tail = &tail[0][0];
    pair.groups = nibbles ? taps >> 3 : groups4;
    pair.tail_taps = nibbles ? 0 : taps & 3;
    pair.out = &out_clamp;
    pair.pixels = pixels;
    if (!int4 && lone >= 0) {
        mote_pair_row(p->weights + lone * taps, taps, rows, 0);
        mote_pair_row(p->weights + lone * taps, taps, rows, 1);
    }
    for (n = 0; n < p->batch; ++n) {
        const int8_t *x = input + n * p->in_channels * p->in_height * p->in_width;
        int8_t *out = output + n * channels * pixels;
        for (q = 0; q < pixels; q += step) {
            /* Every block is whole (pixels >= 3, MOTE_CONV_IM2COL): the last set of pixels ends at the last pixel,
             * recomputing (the same bytes for) up to two before it, so that the stores need no tests. */
            const int32_t q0 = q + step <= pixels ? q : pixels - step;
            /* The three columns at once where they are bytes q0..q0+2 of every plane and a word can be read. */
            const int together = in_place && !nibbles && q0 + 4 <= pixels;
            if (together) {
                mote_im2col_pointwise3(x + q0, pixels, p->in_channels, cols, tail);
            }
            for (j = together ? step : 0; j < step; ++j) {
                const int32_t qj = q0 + j;
                if (nibbles) {
                    if (pointwise) {
                        mote_im2col_pointwise_bytes(p, x, qj / ow, qj % ow, pad, bytes);
                    } else {
                        mote_im2col_bytes(p, x, qj / ow, qj % ow, pad, bytes);
                    }
                    mote_im2col_widen8(bytes, cols, j, taps);
                } else if (pointwise) {
                    mote_im2col_pointwise(p, x, qj / ow, qj % ow, pad, cols, tail, j);
                } else {
                    mote_im2col_bytes(p, x, qj / ow, qj % ow, pad, bytes);
                    mote_im2col_widen(bytes, cols, tail, j, taps);
                }
            }
            if (!int4) {
                /* The hot loop: every pair of channels in one call, the lone last channel in another. */
                mote_im2col_block(&pair, rows_of, channels >> 1, p->weights, out + q0, pixels);
                if (lone >= 0) {
                    /* Computed twice and stored twice (the same bytes). */
                    mote_im2col_block(&pair, &rows_of[lone >> 1], 1, rows, out + lone * pixels + q0, 0);
                }
                continue;
            }
            for (m = 0; m < channels; m += 2) {
                /* A lone last channel is computed and stored twice (the same bytes). */
                const int32_t m1 = m + 1 < channels ? m + 1 : m;
                int8_t *const oa = out + m * pixels + q0;
                if (nibbles) {
                    mote_im2col_block_i4(&pair, &rows_of[m >> 1], p->weight_nibbles + (m * taps) / 2,
                                         p->weight_nibbles + (m1 * taps) / 2, oa, out + m1 * pixels + q0);
                } else {
                    /* Decoded and paired once per block (the column bytes are free by now): half a nibble per
                     * multiply-accumulate, and a copy. */
                    mote_pair_row(mote_i4_row(p->weight_nibbles, int4_pairs, m, taps, bytes), taps, rows, 0);
                    mote_pair_row(mote_i4_row(p->weight_nibbles, int4_pairs, m1, taps, bytes), taps, rows, 1);
                    mote_im2col_block(&pair, &rows_of[m >> 1], 1, rows, oa, (m1 - m) * pixels);
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
 * the reference loop over their valid taps. mote_conv picks the path; this is the general one. */
MOTE_NOINLINE static void mote_conv_direct(const mote_conv_params *p, const int8_t *input, int8_t *output)
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

    for (n = 0; n < p->batch; ++n) {
        for (m = 0; m < p->out_channels; ++m) {
            const int8_t *x_group = input + (n * p->in_channels + (m / out_per_group) * in_per_group) * plane;
            const int8_t *w_m = p->weights + m * in_per_group * kk;
            const uint32_t bias = (uint32_t)p->bias[m];
            const mote_requant rq = mote_requant_init(p->multiplier[m], p->shift[m], zp, act_min, act_max);
            const int bounded = mote_requant_bounded_ok(&rq, p->bias[m], p->input_offset, in_per_group * kk);
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
                        out[0] = mote_conv_out_call(a0, bounded, &rq);
                        out[1] = mote_conv_out_call(a1, bounded, &rq);
                        out[2] = mote_conv_out_call(a2, bounded, &rq);
                        out[3] = mote_conv_out_call(a3, bounded, &rq);
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
                        *out++ = mote_conv_out_call(a0, bounded, &rq);
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
                        *out++ = mote_conv_out_call(a0, bounded, &rq);
                        ++ox;
                    }
                }
            }
        }
    }
}

#undef MOTE_U

/* The paths, most specific first. A dispatcher of its own, so that the general path's frame is not on the stack
 * under the others. */
void mote_conv(const mote_conv_params *p, const int8_t *input, int8_t *output)
{
    const int32_t kh = p->kernel_height, kw = p->kernel_width, sh = p->stride_height, sw = p->stride_width;
    if (p->weight_format == MOTE_WEIGHTS_INT8_PAIRS) {
        mote_conv_im2col(p, NULL, input, output);
    } else if (p->scratch != NULL && MOTE_CONV_DEPTHWISE3X3(p) && MOTE_CONV_INT8_POINTS(p)) {
        mote_conv_depthwise3x3_padded(p, NULL, input, output);
    } else if (kh == 1 && kw == 1 && sh == 1 && sw == 1 && p->pad_top == 0 && p->pad_left == 0 && p->groups == 1 &&
               p->out_height == p->in_height && p->out_width == p->in_width) {
        mote_conv_pointwise(p, input, output);
    } else if (kh == 1 && kw == 1 && p->pad_top == 0 && p->pad_left == 0 && p->groups == 1 && p->out_height >= 1 &&
               p->out_width >= 1 && (p->out_height - 1) * sh < p->in_height && (p->out_width - 1) * sw < p->in_width) {
        mote_conv_pointwise_strided(p, input, output);
    } else {
        mote_conv_direct(p, input, output);
    }
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
