/* Mote int8 kernels: parameter blocks and entry points.
 *
 * Each kernel lives in its own file under Templates/kernels/ and mirrors, loop for loop and rounding for
 * rounding, the Swift integer interpreter (Sources/MoteInteger), which is the golden model. A generated model
 * holds one `static const` parameter block per layer and calls these functions in order. Tensors are int8
 * in the source model's layout (NCHW); the arithmetic is TFLite's int8 specification via mote_fixedpoint.h.
 *
 * Pointers to weights, biases and multipliers refer to `static const` arrays in flash; a scratch pointer refers
 * to the model's arena (RAM).
 */
#ifndef MOTE_KERNELS_H
#define MOTE_KERNELS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mote_fixedpoint.h"

/* Two multiply-accumulates per instruction where the core has the DSP extension (Cortex-M4/M7/M33...): the
 * kernels' MOTE_DSP paths use the ACLE intrinsics, and give the same bits as their portable twins. */
#if defined(__ARM_FEATURE_DSP) && !defined(__ARM_BIG_ENDIAN)
#include <arm_acle.h>
#define MOTE_DSP 1
#else
#define MOTE_DSP 0
#endif

/* Inlining the kernels choose by measurement (QEMU, -O2): MOTE_NOINLINE keeps a hot loop in a function of its own,
 * so that GCC gives it every register instead of spilling; MOTE_INLINE forces a small step into its loop. */
#if defined(__GNUC__)
#define MOTE_NOINLINE __attribute__((noinline))
#define MOTE_INLINE __inline__ __attribute__((always_inline))
#else
#define MOTE_NOINLINE
#define MOTE_INLINE
#endif

/* SXTB16 of v and of v rotated right by 8: (v0, v2) and (v1, v3) as int16 pairs. GCC 12 neither has __ror nor
 * folds a rotate into SXTB16, so GCC gets the one-instruction form by inline assembly (as CMSIS does). */
#if MOTE_DSP
static inline uint32_t mote_sxtb16_even(uint32_t v)
{
    return (uint32_t)__sxtb16((int32_t)v);
}

static inline uint32_t mote_sxtb16_odd(uint32_t v)
{
#if defined(__GNUC__)
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
#else
    return (uint32_t)__sxtb16((int32_t)((v >> 8) | (v << 24)));
#endif
}
#endif

/* Weight storage of a conv or dense layer (weight_format). The weights are rows x row_length in their logical
 * order: a row is one output channel's [in_channels/groups][kernel_height][kernel_width] (dense: one output
 * feature's [in_features]). Mote picks sparse only when it is strictly smaller than dense (QWeightStorage.swift).
 *
 *   MOTE_WEIGHTS_INT8         weights: int8_t [rows][row_length].
 *   MOTE_WEIGHTS_INT4         weight_nibbles: the same values two per byte over the whole layer: element 2i in the
 *                             low nibble of byte i, element 2i+1 in the high nibble, an odd tail in the low nibble
 *                             of the last byte; (rows * row_length + 1) / 2 bytes. A row may start mid-byte.
 *   MOTE_WEIGHTS_INT8_SPARSE  weight_mask: per row ceil(row_length / 8) bytes, bit j % 8 (LSB first) of byte j / 8
 *   MOTE_WEIGHTS_INT4_SPARSE  set when element j of the row is non-zero; the non-zero values of the whole layer in
 *                             row-major order in weights (int8, one byte each) or weight_nibbles (int4, packed as
 *                             above), NULL when there are none; weight_row_start16 (the layer has at most 65535
 *                             non-zeros) or weight_row_start32: per row, the index among the values of its first
 *                             non-zero. Pointers a format does not use are NULL.
 *   MOTE_WEIGHTS_INT8_PAIRS   weights: the bytes of MOTE_WEIGHTS_INT8 reordered two rows at a time, for conv layers
 *                             that take the im2col path (MOTE_CONV_IM2COL, MOTE_CONV_INT8_POINTS; the scratch
 *                             given): rows 2j and 2j + 1 as, per group of four elements g < row_length / 4, the
 *                             four of row 2j then the four of row 2j + 1, then the row_length mod 4 left of row 2j,
 *                             then those of row 2j + 1; a lone last row (odd rows) in order. So one pointer walks
 *                             both rows of a 2x3 block, which leaves GCC the registers to take two groups a step.
 *                             The bias carries the input offset (mote_conv_params). */
#define MOTE_WEIGHTS_INT8 0
#define MOTE_WEIGHTS_INT4 1
#define MOTE_WEIGHTS_INT8_SPARSE 2
#define MOTE_WEIGHTS_INT4_SPARSE 3
#define MOTE_WEIGHTS_INT8_PAIRS 4

/* 2-D convolution over [batch][in_channels][in_height][in_width] (1-D: in_height = 1), grouped.
 * acc = bias[m] + sum w[m][c][ky][kx] * (x + input_offset) over taps inside the input;
 * out = clamp(mbqm(acc, multiplier[m], shift[m]) + output_zero_point, clamp_min, clamp_max).
 *
 * scratch: RAM the kernel may overwrite, in the model's arena (4-byte aligned), or NULL. MOTE_WEIGHTS_INT8_PAIRS
 * layers take the im2col path with it, MOTE_WEIGHTS_INT8 layers given one the padded depthwise path, INT4 layers
 * given one either (MemoryPlanner.convScratchBytes sizes it);
 * other int4 layers need one decoded row (row_length bytes); the sparse formats int32_t offsets[max_nz],
 * int8_t values[max_nz] and one decoded row (row_length bytes), max_nz = weight_max_row_nonzeros:
 * 5 * max_nz + row_length bytes, then the band where MOTE_CONV_SPARSE_BAND. */
typedef struct {
    int32_t batch;
    int32_t in_channels, in_height, in_width;
    int32_t out_channels, out_height, out_width;
    int32_t kernel_height, kernel_width;
    int32_t stride_height, stride_width;
    int32_t dilation_height, dilation_width;
    int32_t pad_top, pad_left;
    int32_t groups;
    int32_t weight_format;                /* MOTE_WEIGHTS_* */
    const int8_t *weights;                /* INT8: [out_channels][in_channels/groups][kernel_height][kernel_width] */
    const uint8_t *weight_nibbles;        /* INT4, INT4_SPARSE */
    const uint8_t *weight_mask;           /* sparse */
    const uint16_t *weight_row_start16;   /* sparse */
    const uint32_t *weight_row_start32;   /* sparse */
    int32_t weight_max_row_nonzeros;      /* sparse: the most non-zeros in one row */
    void *scratch;
    const int32_t *bias;        /* [out_channels]; MOTE_WEIGHTS_INT8_PAIRS (the im2col path, which multiplies the raw
                                 * inputs): bias[m] + input_offset * sum w[m] (int32 wrapping), as for mote_dense */
    const int32_t *multiplier;  /* [out_channels] */
    const int32_t *shift;       /* [out_channels] */
    int32_t input_offset;
    int32_t output_zero_point;
    int32_t clamp_min, clamp_max;
} mote_conv_params;
/* One entry point (and file) per weight format: mote_conv MOTE_WEIGHTS_INT8 and INT8_PAIRS, mote_conv_int4
 * MOTE_WEIGHTS_INT4 (it calls mote_conv), mote_conv_sparse both sparse formats. */
void mote_conv(const mote_conv_params *p, const int8_t *input, int8_t *output);
void mote_conv_int4(const mote_conv_params *p, const int8_t *input, int8_t *output);
void mote_conv_sparse(const mote_conv_params *p, const int8_t *input, int8_t *output);
/* The im2col path of mote_conv.c, groups 1, with its scratch: int8 weights in MOTE_WEIGHTS_INT8_PAIRS order
 * (int4_pairs NULL), or int4 weights with int4_pairs[b] = the two int8 values of packed byte b (mote_conv_int4
 * passes its table for MOTE_CONV_IM2COL layers). */
void mote_conv_im2col(const mote_conv_params *p, const int8_t (*int4_pairs)[2], const int8_t *input, int8_t *output);
/* The padded depthwise 3x3 path of mote_conv.c, with its scratch: int8 weights (int4_pairs NULL) or int4 (as
 * above; mote_conv_int4 takes it for MOTE_CONV_DEPTHWISE3X3 layers). */
void mote_conv_depthwise3x3_padded(const mote_conv_params *p, const int8_t (*int4_pairs)[2], const int8_t *input,
                                   int8_t *output);
#define MOTE_CONV_DEPTHWISE3X3(p)                                                                                 \
    ((p)->groups == (p)->in_channels && (p)->groups == (p)->out_channels && (p)->kernel_height == 3 &&            \
     (p)->kernel_width == 3 && (p)->dilation_height == 1 && (p)->dilation_width == 1 && (p)->out_height >= 1 &&   \
     (p)->out_width >= 1)
/* Whether the padded depthwise path walks a plane of oh x ow outputs transposed: when it is at least twice as tall
 * as wide and a column holds at most 64 outputs, so that a walked row stays well inside a chunk of accumulators
 * (MemoryPlanner.depthwiseFlipped; it sizes the scratch by the same rule). */
#define MOTE_DEPTHWISE_FLIP(oh, ow) ((oh) >= 2 * (ow) && (oh) <= 64)
/* How many output rows of width ow (of oh) make about n outputs, at least one (MemoryPlanner.rowsPer, which sizes
 * the scratches by the same rule): the padded depthwise path accumulates that many rows for n = 128
 * (MOTE_DEPTHWISE_CHUNK_ROWS) before it requantizes them, the sparse band path decodes a channel once per that
 * many for n = 64. */
#define MOTE_ROWS_PER(n, ow, oh) ((ow) >= (n) ? 1 : ((n) / (ow) < (oh) ? (n) / (ow) : (oh)))
#define MOTE_DEPTHWISE_CHUNK_ROWS(ow, oh) MOTE_ROWS_PER(128, ow, oh)
/* The layers Mote gives im2col scratch (MemoryPlanner.convScratchBytes; keep the two in step): groups 1 and at
 * least three output pixels (the path's blocks are three pixels wide), except 1x1 kernels over fewer than 16 input
 * channels, which run faster on mote_conv's pointwise path. */
#define MOTE_CONV_IM2COL(p)                                                                                       \
    ((p)->groups == 1 && (p)->out_height * (p)->out_width >= 3 &&                                                 \
     !((p)->kernel_height == 1 && (p)->kernel_width == 1 && (p)->in_channels < 16))
/* What both scratch paths assume of the zero points (always true of Mote's int8 tensors): the padding value
 * -input_offset is an int8, and the output zero point keeps the clamp bounds in -255..255. */
#define MOTE_CONV_INT8_POINTS(p)                                                                                  \
    ((p)->input_offset >= -127 && (p)->input_offset <= 128 && (p)->output_zero_point >= -128 &&                   \
     (p)->output_zero_point <= 127)

/* mote_conv_sparse's band (mote_conv_sparse.c), for a layer with a window that overlaps the padding: the input
 * rows of a block of MOTE_CONV_SPARSE_BAND_ROWS output rows (about 64 outputs), padded: per input channel of the
 * group MOTE_CONV_SPARSE_BAND_HEIGHT rows of MOTE_CONV_SPARSE_BAND_WIDTH bytes, after the decoded row in the
 * scratch (MemoryPlanner.sparseBandBytes sizes it by the same rule). */
#define MOTE_CONV_SPARSE_BAND_WIDTH(p)                                                                            \
    (((p)->out_width - 1) * (p)->stride_width + ((p)->kernel_width - 1) * (p)->dilation_width + 1)
#define MOTE_CONV_SPARSE_BAND_ROWS(p) MOTE_ROWS_PER(64, (p)->out_width, (p)->out_height)
#define MOTE_CONV_SPARSE_BAND_HEIGHT(p)                                                                           \
    ((MOTE_CONV_SPARSE_BAND_ROWS(p) - 1) * (p)->stride_height + ((p)->kernel_height - 1) * (p)->dilation_height + 1)
#define MOTE_CONV_SPARSE_BAND(p)                                                                                  \
    ((p)->out_height >= 1 && (p)->out_width >= 1 &&                                                               \
     !((p)->pad_top == 0 && (p)->pad_left == 0 &&                                                                 \
       ((p)->out_height - 1) * (p)->stride_height + ((p)->kernel_height - 1) * (p)->dilation_height <             \
           (p)->in_height &&                                                                                      \
       MOTE_CONV_SPARSE_BAND_WIDTH(p) <= (p)->in_width))

/* A row padded to `width` columns with input column j - pad_left at column j: columns [*first, *first + *len) hold
 * input columns [*src0, *src0 + *len) of an in_w-wide input row (none when *len <= 0); the rest is padding. Used
 * by the padded depthwise path (mote_conv.c) and the sparse band (mote_conv_sparse.c). */
static inline void mote_padded_span(int32_t pad_left, int32_t width, int32_t in_w, int32_t *first, int32_t *src0,
                                    int32_t *len)
{
    *first = pad_left < 0 ? 0 : (pad_left > width ? width : pad_left);
    *src0 = *first - pad_left;
    *len = in_w - *src0 < width - *first ? in_w - *src0 : width - *first;
}

/* n bytes from src to dst, a word at a time: rows of a few bytes, where a memcpy call would cost more. */
static inline void mote_copy_bytes(int8_t *dst, const int8_t *src, int32_t n)
{
    int32_t k = 0;
    for (; k + 4 <= n; k += 4) {
        memcpy(dst + k, src + k, 4);
    }
    for (; k < n; ++k) {
        dst[k] = src[k];
    }
}

/* Fully connected: [rows][in_features] x weights[out_features][in_features]^T. Every weight format is read in
 * place (no scratch); one entry point (and file) per format: mote_dense MOTE_WEIGHTS_INT8, mote_dense_int4
 * MOTE_WEIGHTS_INT4, mote_dense_sparse both sparse formats. */
typedef struct {
    int32_t rows, in_features, out_features;
    int32_t weight_format;                /* MOTE_WEIGHTS_* */
    const int8_t *weights;                /* INT8: [out_features][in_features] */
    const uint8_t *weight_nibbles;        /* INT4, INT4_SPARSE */
    const uint8_t *weight_mask;           /* sparse */
    const uint16_t *weight_row_start16;   /* sparse */
    const uint32_t *weight_row_start32;   /* sparse */
    /* [out_features]. MOTE_WEIGHTS_INT8 (mote_dense): the layer's bias with the input offset folded in,
     * bias[m] + input_offset * sum_k w[m][k] (int32 wrapping), so that the kernel multiplies the raw inputs;
     * the other formats: the layer's bias. */
    const int32_t *bias;
    const int32_t *multiplier;
    const int32_t *shift;
    int32_t input_offset;       /* not read by mote_dense (folded into bias) */
    int32_t output_zero_point;
    int32_t clamp_min, clamp_max;
} mote_dense_params;
void mote_dense(const mote_dense_params *p, const int8_t *input, int8_t *output);

/* Output feature m of a dense layer from its wrapped accumulator (uint32_t bits): mote_requantize. */
static inline int8_t mote_dense_requantize(const mote_dense_params *p, int32_t m, uint32_t acc)
{
    const mote_requant rq = mote_requant_init(p->multiplier[m], p->shift[m], p->output_zero_point,
                                              (int8_t)p->clamp_min, (int8_t)p->clamp_max);
    return mote_requant_apply(mote_i32_from_bits(acc), &rq);
}
void mote_dense_int4(const mote_dense_params *p, const int8_t *input, int8_t *output);
void mote_dense_sparse(const mote_dense_params *p, const int8_t *input, int8_t *output);

/* Broadcast indexing for binary ops: output shape and per-input strides (0 on broadcast axes). */
#define MOTE_MAX_RANK 6
typedef struct {
    int32_t rank;
    int32_t shape[MOTE_MAX_RANK];
    int32_t strides1[MOTE_MAX_RANK];
    int32_t strides2[MOTE_MAX_RANK];
} mote_broadcast;

/* TFLite int8 Add (subtract = 1: Sub). */
typedef struct {
    mote_broadcast broadcast;
    int32_t subtract;
    int32_t left_shift;
    int32_t input1_offset, input1_multiplier, input1_shift;
    int32_t input2_offset, input2_multiplier, input2_shift;
    int32_t output_multiplier, output_shift;
    int32_t output_zero_point;
    int32_t clamp_min, clamp_max;
    void *scratch; /* NULL, or 2 x 256 int32 (arena): each input's scaled value per int8 value, built per call */
} mote_add_params;
void mote_add(const mote_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);

/* TFLite int8 Mul. */
typedef struct {
    mote_broadcast broadcast;
    int32_t input1_offset, input2_offset;
    int32_t multiplier, shift;
    int32_t output_zero_point;
    int32_t clamp_min, clamp_max;
} mote_mul_params;
void mote_mul(const mote_mul_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);

/* Max (kind 0) or average (kind 1) pooling over `planes` planes of in_height x in_width. */
typedef struct {
    int32_t kind;
    int32_t planes;
    int32_t in_height, in_width, out_height, out_width;
    int32_t kernel_height, kernel_width;
    int32_t stride_height, stride_width;
    int32_t dilation_height, dilation_width;
    int32_t pad_top, pad_left, pad_bottom, pad_right;
    int32_t count_include_pad;
    int32_t zero_point;
    int32_t clamp_min, clamp_max;
} mote_pool_params;
void mote_pool(const mote_pool_params *p, const int8_t *input, int8_t *output);

/* Mean over the middle axis of [outer][reduce][inner]. */
typedef struct {
    int32_t outer, reduce, inner;
    int32_t input_zero_point;
    int32_t multiplier, shift;
    int32_t output_zero_point;
} mote_mean_params;
void mote_mean(const mote_mean_params *p, const int8_t *input, int8_t *output);

/* out[i] = table[in[i] + 128]. */
void mote_table(const int8_t table[256], int32_t count, const int8_t *input, int8_t *output);

/* Softmax along the middle axis of [outer][axis][inner]; output scale 1/256, zero point -128. */
typedef struct {
    int32_t outer, axis, inner;
    const uint32_t *exp_table;  /* [exp_count]: the table up to its last non-zero entry */
    int32_t exp_count;          /* 1..256; every d >= exp_count reads as 0 */
} mote_softmax_params;
void mote_softmax(const mote_softmax_params *p, const int8_t *input, int8_t *output);

/* One input of a concatenation. requantize = 0: copy. */
typedef struct {
    int32_t row_size;
    int32_t requantize;
    int32_t multiplier, shift;
    int32_t input_zero_point;
} mote_concat_part;
typedef struct {
    int32_t outer;
    int32_t part_count;
    const mote_concat_part *parts;
    int32_t output_zero_point;
} mote_concat_params;
void mote_concat(const mote_concat_params *p, const int8_t *const *inputs, int8_t *output);

/* Constant padding (negative pads crop). */
typedef struct {
    int32_t rank;
    int32_t in_shape[MOTE_MAX_RANK];
    int32_t out_shape[MOTE_MAX_RANK];
    int32_t pads_begin[MOTE_MAX_RANK];
    int8_t value;
} mote_pad_params;
void mote_pad(const mote_pad_params *p, const int8_t *input, int8_t *output);

/* General N-D transpose: out shape[d] = in_shape[perm[d]]. */
typedef struct {
    int32_t rank;
    int32_t in_shape[MOTE_MAX_RANK];
    int32_t perm[MOTE_MAX_RANK];
} mote_transpose_params;
void mote_transpose(const mote_transpose_params *p, const int8_t *input, int8_t *output);

/* Shared by the convolution and pooling kernels: the taps k in [*lo, *hi) of a window starting at `origin`
 * (stepping by `dilation`, `kernel` taps) whose positions origin + k * dilation lie inside [0, size); padding
 * taps contribute real zero (or are not counted), so they are skipped. Same as Swift's tapRange. All values
 * are bounded by Mote's validation (|.| <= 2^28). */
static inline void mote_tap_range(int32_t origin, int32_t dilation, int32_t kernel, int32_t size, int32_t *lo,
                                  int32_t *hi)
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

#endif /* MOTE_KERNELS_H */
