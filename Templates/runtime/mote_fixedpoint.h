/*
 * mote_fixedpoint.h - the integer arithmetic of Mote's int8 kernels.
 *
 * These are TFLite's int8 rules (TFLite Micro reference kernels, gemmlowp fixed point), written once in
 * portable C99 and once in Swift (Sources/MoteFixedPoint); a test runs both on the same edge cases and
 * random inputs and requires identical results. Multipliers and shifts are computed by Mote at compile time
 * (TFLite's QuantizeMultiplier) and appear in the generated code as constants.
 *
 * Portability: only <stdint.h>; no floating point, no libm. Every function is defined for every input:
 * where TFLite's C++ relies on int32 overflow wrapping, or on >> of a negative value, the same result is
 * computed here with unsigned arithmetic, so nothing is undefined (or implementation-defined) behaviour.
 */
#ifndef MOTE_FIXEDPOINT_H
#define MOTE_FIXEDPOINT_H

#include <stdint.h>

#if defined(__ARM_FEATURE_SAT)
#include <arm_acle.h> /* __ssat */
#endif

/* ---- helpers ----------------------------------------------------------------------------------------- */

/* The int32 whose two's complement bit pattern is u. A plain (int32_t)u is implementation-defined for
 * u > INT32_MAX; this form is exact everywhere and compiles to nothing. */
static inline int32_t mote_i32_from_bits(uint32_t u)
{
    if (u <= 0x7FFFFFFFu) {
        return (int32_t)u;
    }
    return (int32_t)(u - 0x80000000u) - INT32_MAX - 1;
}

/* floor(x / 2^e) for e in 0..31: an arithmetic shift right without relying on >> of a negative value
 * (implementation-defined in C99). For x < 0, ~x = -x-1 >= 0 and floor(x / 2^e) = -((-x-1) >> e) - 1.
 * GCC and clang define >> of a negative value as this shift (and do not fold the portable form into one). */
static inline int32_t mote_asr(int32_t x, uint32_t e)
{
#if defined(__GNUC__)
    return x >> e;
#else
    if (x >= 0) {
        return (int32_t)((uint32_t)x >> e);
    }
    return -(int32_t)(~(uint32_t)x >> e) - 1;
#endif
}

/* Wrapping (two's complement) int32 addition and multiplication by 2^e, e in 0..31, as TFLite's int32
 * arithmetic behaves on real targets when it overflows; done in uint32 where wrapping is defined. */
static inline int32_t mote_wrap_add(int32_t a, int32_t b)
{
    return mote_i32_from_bits((uint32_t)a + (uint32_t)b);
}

static inline int32_t mote_wrap_shl(int32_t x, uint32_t e)
{
    return mote_i32_from_bits((uint32_t)x << e);
}

/* TFLite's activation clamp min(max(v, lo), hi) then int8; lo > hi yields hi. */
static inline int8_t mote_clamp_i8(int64_t v, int32_t lo, int32_t hi)
{
    if (v < lo) {
        v = lo;
    }
    if (v > hi) {
        v = hi;
    }
    /* lo and hi are int8 bounds in Mote's output; saturate anyway so the conversion is always exact. */
    if (v < -128) {
        v = -128;
    }
    if (v > 127) {
        v = 127;
    }
    return (int8_t)v;
}

/* ---- gemmlowp / TFLite primitives ---------------------------------------------------------------------- */

/* gemmlowp SaturatingRoundingDoublingHighMul: floor(a*b / 2^31 + 1/2) (ties toward +infinity, like ARM
 * VQRDMULH); INT32_MIN * INT32_MIN saturates to INT32_MAX. The int64 division by 2^31 truncates toward zero
 * as in gemmlowp, and a compiler turns it into shifts (no division routine is called). */
static inline int32_t mote_srdhm(int32_t a, int32_t b)
{
    int64_t ab;
    int64_t nudge;
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    ab = (int64_t)a * (int64_t)b; /* |ab| < 2^62: no overflow */
    nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31)); /* the quotient always fits in int32 */
}

/* gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero.
 * gemmlowp requires 0 <= exponent <= 31; other exponents are clamped into that range. */
static inline int32_t mote_rdbpot(int32_t x, int32_t exponent)
{
    uint32_t e;
    uint32_t mask;
    uint32_t remainder;
    uint32_t threshold;
    e = exponent < 0 ? 0u : (exponent > 31 ? 31u : (uint32_t)exponent);
    mask = (e == 0u) ? 0u : (0xFFFFFFFFu >> (32u - e)); /* 2^e - 1 */
    remainder = (uint32_t)x & mask;                     /* x mod 2^e, as gemmlowp's x & mask */
    threshold = (mask >> 1) + (x < 0 ? 1u : 0u);
    /* floor(x / 2^e) is at most 2^30 - 1 when e >= 1, and 1 is only added when e >= 1: no overflow. */
    return mote_asr(x, e) + (remainder > threshold ? 1 : 0);
}

/* TFLite MultiplyByQuantizedMultiplier (double rounding, tensorflow/lite/kernels/internal/common.cc):
 * RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x * 2^left, multiplier), right) with
 * left = max(shift, 0), right = max(-shift, 0). x * 2^left wraps like TFLite's int32 product.
 * TFLite's shift range is -31..30; other shifts are clamped into it. */
static inline int32_t mote_mbqm(int32_t x, int32_t multiplier, int32_t shift)
{
    int32_t s = shift < -31 ? -31 : (shift > 30 ? 30 : shift);
    uint32_t left = s > 0 ? (uint32_t)s : 0u;
    int32_t right = s > 0 ? 0 : -s;
    return mote_rdbpot(mote_srdhm(mote_wrap_shl(x, left), multiplier), right);
}

/* The requantization of TFLite Micro's int8 Conv / DepthwiseConv / FullyConnected reference kernels:
 * clamp(MultiplyByQuantizedMultiplier(acc) + output_zero_point, act_min, act_max). The zero point is added
 * in 64 bits, so a (hopelessly saturated) scaled value near INT32_MAX clamps instead of wrapping. */
static inline int8_t mote_requantize(int32_t acc, int32_t multiplier, int32_t shift, int32_t output_zero_point,
                                     int8_t act_min, int8_t act_max)
{
    int64_t v = (int64_t)mote_mbqm(acc, multiplier, shift) + output_zero_point;
    return mote_clamp_i8(v, act_min, act_max);
}

/* ---- hoisted scaling, for the kernels' inner loops ------------------------------------------------------- */

/* mote_mbqm(x, multiplier, shift) with the per-channel work (clamping the shift, masks) done once by
 * mote_scale_init. mote_scale_apply equals mote_mbqm for every x, multiplier and shift; the tests run both on
 * the same cases. */
typedef struct {
    int32_t multiplier;
    uint32_t left;  /* max(shift, 0), shift clamped to -31..30 as in mote_mbqm */
    uint32_t right; /* max(-shift, 0) */
    uint32_t mask;  /* 2^right - 1 */
    uint32_t half;  /* mask >> 1 */
} mote_scale;

static inline mote_scale mote_scale_init(int32_t multiplier, int32_t shift)
{
    mote_scale s;
    int32_t c = shift < -31 ? -31 : (shift > 30 ? 30 : shift);
    s.multiplier = multiplier;
    s.left = c > 0 ? (uint32_t)c : 0u;
    s.right = c > 0 ? 0u : (uint32_t)(-c);
    s.mask = s.right == 0u ? 0u : (0xFFFFFFFFu >> (32u - s.right));
    s.half = s.mask >> 1;
    return s;
}

/* SRDHM is floor((a*b + 2^30) / 2^31) for both signs: gemmlowp's nudge 1 - 2^30 with truncation toward zero
 * equals it for a*b < 0. The quotient's int32 bits are bits 31..62 of the 64-bit sum, taken with unsigned
 * shifts (defined for every value). Only INT32_MIN * INT32_MIN does not fit; it saturates as in mote_srdhm.
 * RDBPOT: floor(x / 2^right) by an unsigned shift of x or of ~x, plus one when the remainder exceeds half
 * (half + 1 for negative x: ties away from zero), as in mote_rdbpot. */
static inline int32_t mote_scale_apply(int32_t x, const mote_scale *s)
{
    const int32_t a = mote_wrap_shl(x, s->left);
    uint32_t high, sign, q;
    if (a == INT32_MIN && s->multiplier == INT32_MIN) {
        high = 0x7FFFFFFFu;
    } else {
        const int64_t ab = (int64_t)a * (int64_t)s->multiplier;
        high = (uint32_t)(((uint64_t)ab + 0x40000000u) >> 31);
    }
    sign = 0u - (high >> 31); /* all ones when negative */
    q = ((high ^ sign) >> s->right) ^ sign;
    q += (high & s->mask) > s->half - sign ? 1u : 0u;
    return mote_i32_from_bits(q);
}

/* The output half of mote_requantize, for a value already scaled by mote_scale_apply: + zero point, clamp to
 * [act_min, act_max]. The per-layer work is done once by mote_out_init: the bounds are moved to before the
 * zero point is added (clamp(v + zp, lo, hi) = clamp(v, lo - zp, hi - zp) + zp, in the same order, so lo > hi
 * still yields hi). That needs lo - zp not to overflow; any other zero point (never emitted by Mote) is added
 * in 64 bits as in mote_requantize. */
typedef struct {
    int32_t zero_point;
    int32_t lo, hi;     /* act_min - zero_point, act_max - zero_point */
    int32_t act_min, act_max;
    int32_t wide;       /* |zero_point| too large for lo/hi: add in 64 bits */
    int32_t full;       /* the clamp is the whole int8 range and the zero point an int8: mote_out_full applies */
} mote_out;

static inline mote_out mote_out_init(int32_t output_zero_point, int8_t act_min, int8_t act_max)
{
    mote_out o;
    o.zero_point = output_zero_point;
    o.act_min = act_min;
    o.act_max = act_max;
    o.wide = output_zero_point < -65536 || output_zero_point > 65536;
    o.lo = o.wide ? 0 : act_min - output_zero_point;
    o.hi = o.wide ? 0 : act_max - output_zero_point;
    o.full = act_min == -128 && act_max == 127 && output_zero_point >= -128 && output_zero_point <= 127;
    return o;
}

/* mote_out_apply for a zero point in -65536..65536 (o->wide = 0), as the kernels check once per layer. */
static inline int8_t mote_out_narrow(int32_t v, const mote_out *o)
{
    if (v < o->lo) {
        v = o->lo;
    }
    if (v > o->hi) {
        v = o->hi;
    }
    return (int8_t)(v + o->zero_point);
}

/* mote_out_narrow where o->full and |v| < 2^30 (the results of mote_scale_bounded and mote_rounding_apply): then
 * clamping v to [-128 - zero_point, 127 - zero_point] and adding the zero point is saturating v + zero_point (no
 * overflow) to int8, one SSAT where the core has it instead of two compares and selects. The int8 comes as an
 * int32 in -128..127: stored to an int8_t it needs no sign extension first. */
static inline int32_t mote_out_full(int32_t v, const mote_out *o)
{
#if defined(__ARM_FEATURE_SAT)
    return __ssat(v + o->zero_point, 8);
#else
    const int32_t t = v + o->zero_point;
    return t < -128 ? -128 : (t > 127 ? 127 : t);
#endif
}

static inline int8_t mote_out_apply(int32_t v, const mote_out *o)
{
    if (o->wide) {
        return mote_clamp_i8((int64_t)v + o->zero_point, o->act_min, o->act_max);
    }
    return mote_out_narrow(v, o);
}

/* The kernels' fast requantization, for layers where every channel has a right shift of 1..21 and a multiplier
 * other than INT32_MIN (mote_rounding_ok), and a zero point in -128..127 (so the clamp bounds lo, hi lie in
 * -255..255). The SRDHM result h is saturated to [-2^30, 2^30): when |h| >= 2^30 the exact quotient has
 * magnitude >= 2^(30-right) - 1 >= 511 and clamps to the same bound as the saturated one. Then RDBPOT's
 * floor((h + 2^(right-1) - [h < 0]) / 2^right) (ties away from zero) is an unsigned shift of
 * h + nudge - [h < 0], nudge = 2^31 + 2^(right-1) (no wrap), minus unbias = 2^(31-right). Equal to
 * mote_requantize wherever it applies; the tests run both on the same cases. */
typedef struct {
    uint32_t nudge;
    uint32_t unbias;
} mote_rounding;

static inline int mote_rounding_ok(const mote_scale *s)
{
    return s->right >= 1u && s->right <= 21u && s->multiplier != INT32_MIN;
}

static inline mote_rounding mote_rounding_init(const mote_scale *s)
{
    mote_rounding r;
    r.nudge = 0x80000000u + (1u << ((s->right - 1u) & 31u));
    r.unbias = 0x80000000u >> (s->right & 31u);
    return r;
}

/* The scaled value before the clamp (then mote_out_narrow, or mote_out_full): |result| < 2^30. */
static inline int32_t mote_rounding_apply(int32_t acc, const mote_scale *s, const mote_rounding *r)
{
    const int64_t ab = (int64_t)mote_wrap_shl(acc, s->left) * (int64_t)s->multiplier;
    const uint32_t high = (uint32_t)(((uint64_t)ab + 0x40000000u) >> 31);
    int32_t h = mote_i32_from_bits(high);
#if defined(__ARM_FEATURE_SAT)
    h = __ssat(h, 31);
#else
    h = h > 0x3FFFFFFF ? 0x3FFFFFFF : (h < -0x40000000 ? -0x40000000 : h);
#endif
    return (int32_t)((((uint32_t)h + r->nudge - (high >> 31)) >> s->right) - r->unbias);
}

/* The kernels' shortest scaling, for a channel whose accumulators are known to be small: mote_bounded_ok(s, bound)
 * with bound >= |acc| (the kernels take mote_acc_bound, once per channel), i.e.
 * |acc| < 2^30, no left shift and a right shift of 1..30. Then 2 * acc fits in int32 and SRDHM(acc, multiplier)
 * = floor((2 acc * multiplier + 2^31) / 2^32), one SMMULR where the core has it; |h| <= 2^30, so RDBPOT's
 * floor((h + 2^(right-1) - [h < 0]) / 2^right) is an arithmetic shift that cannot overflow. Equal to
 * mote_scale_apply wherever it applies; the tests run both on the same cases. */
static inline int mote_bounded_ok(const mote_scale *s, uint64_t bound)
{
    return s->left == 0u && s->right >= 1u && s->right <= 30u && bound < 0x40000000u;
}

static inline int32_t mote_scale_bounded(int32_t acc, const mote_scale *s)
{
    int32_t h;
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
    __asm__("smmulr %0, %1, %2" : "=r"(h) : "r"(acc * 2), "r"(s->multiplier));
#else
    h = mote_i32_from_bits((uint32_t)(((uint64_t)((int64_t)acc * 2 * s->multiplier) + 0x80000000u) >> 32));
#endif
    return mote_asr(mote_i32_from_bits((uint32_t)h + s->half + 1u - ((uint32_t)h >> 31)), s->right);
}

/* The kernels' fused requantization where the clamp is the whole int8 range (o->full): mote_scale_bounded, the
 * zero point and the rounding in one multiply-accumulate, then a shift and a saturation (SMMLAR, ASR, SSAT).
 * With h = SRDHM = floor((2 acc M + 2^31) / 2^32), RDBPOT gives floor((h + k) / 2^right) with k = 2^(right-1) -
 * [h < 0], and the zero point times 2^right adds exactly zp after the shift. Adding an integer K to h is adding
 * K 2^32 before the floor: h + K = floor((K 2^32 + 2 acc M + 2^31) / 2^32), SMMLAR(2 acc, M, K). For M >= 0,
 * [h < 0] may be taken as [acc < 0]: they differ only where h = 0 and acc < 0, and there both give
 * floor(k / 2^right) = 0 (right >= 1). mote_fused_ok: mote_bounded_ok (|h| <= 2^30), M >= 0, right <= 22 and
 * |zp| <= 128, so |K| <= 129 * 2^22 and h + K fits in int32. Where zp = -128 (a fused ReLU) the correction may go
 * (fix = 0, mote_fused_fix): it changes only ties of h < 0, whose results are <= 0 either way and saturate to
 * -128. Equal to mote_requantize wherever it applies; the tests run both on the same cases. */
typedef struct {
    int32_t multiplier;
    int32_t addend; /* 2^(right-1) + zero_point * 2^right */
    uint32_t right;
} mote_fused;

static inline int mote_fused_ok(const mote_scale *s, const mote_out *o, uint64_t bound)
{
    return mote_bounded_ok(s, bound) && o->full && s->right <= 22u && s->multiplier >= 0;
}

static inline mote_fused mote_fused_init(const mote_scale *s, const mote_out *o)
{
    mote_fused f;
    f.multiplier = s->multiplier;
    f.right = s->right & 31u;
    f.addend = mote_i32_from_bits((1u << ((s->right - 1u) & 31u)) + ((uint32_t)o->zero_point << f.right));
    return f;
}

static inline int mote_fused_fix(const mote_out *o)
{
    return o->zero_point != -128;
}

/* SMMLAR(acc2, M, k), the shift and the saturation: the int8 result in an int32 (stored to an int8_t it needs no
 * sign extension first). */
static inline int32_t mote_fused_finish(int32_t acc2, int32_t k, const mote_fused *f)
{
    int32_t v;
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
    __asm__("smmlar %0, %1, %2, %3" : "=r"(v) : "r"(acc2), "r"(f->multiplier), "r"(k));
#else
    v = mote_i32_from_bits((uint32_t)(((uint64_t)((int64_t)acc2 * f->multiplier) + 0x80000000u) >> 32)) + k;
#endif
    v = mote_asr(v, f->right);
#if defined(__ARM_FEATURE_SAT)
    return __ssat(v, 8);
#else
    return v < -128 ? -128 : (v > 127 ? 127 : v);
#endif
}

/* fix = mote_fused_fix, a constant where inlined. The sign is taken from acc itself: with it from 2 acc, GCC 12
 * allocated the 2x3 block's registers worse (KWS +60 k instructions). */
static inline int32_t mote_fused_apply(int32_t acc, const mote_fused *f, int fix)
{
    return mote_fused_finish(acc * 2, fix ? f->addend + mote_asr(acc, 31u) : f->addend, f);
}

/* mote_fused_apply from acc2 = 2 acc (exact: |acc| < 2^30), where a kernel folds the doubling into its weights. */
static inline int32_t mote_fused_apply2(int32_t acc2, const mote_fused *f, int fix)
{
    return mote_fused_finish(acc2, fix ? f->addend + mote_asr(acc2, 31u) : f->addend, f);
}

/* A bound on |acc| for one output channel of `taps` products: |bias| + (128 + |input_offset|) * 128 * taps
 * (|w| <= 128, an int8 input plus the offset), in 64 bits so that no tap count overflows it. */
static inline uint64_t mote_acc_bound(int32_t bias, int32_t input_offset, int32_t taps)
{
    const uint64_t b = bias < 0 ? (uint64_t)(-(int64_t)bias) : (uint64_t)bias;
    const uint64_t o = input_offset < 0 ? (uint64_t)(-(int64_t)input_offset) : (uint64_t)input_offset;
    return b + (128u + o) * 128u * (uint64_t)(taps < 0 ? 0 : taps);
}

/* mote_requantize(acc, multiplier, shift, zp, act_min, act_max) with all per-channel work hoisted. */
typedef struct {
    mote_scale scale;
    mote_out out;
} mote_requant;

static inline mote_requant mote_requant_init(int32_t multiplier, int32_t shift, int32_t output_zero_point,
                                             int8_t act_min, int8_t act_max)
{
    mote_requant r;
    r.scale = mote_scale_init(multiplier, shift);
    r.out = mote_out_init(output_zero_point, act_min, act_max);
    return r;
}

static inline int8_t mote_requant_apply(int32_t acc, const mote_requant *r)
{
    return mote_out_apply(mote_scale_apply(acc, &r->scale), &r->out);
}

/* Whether an output channel of `taps` products may take mote_scale_bounded (mote_acc_bound, mote_bounded_ok) and
 * mote_out_narrow, checked once per channel. */
static inline int mote_requant_bounded_ok(const mote_requant *r, int32_t bias, int32_t input_offset, int32_t taps)
{
    return !r->out.wide && mote_bounded_ok(&r->scale, mote_acc_bound(bias, input_offset, taps));
}

/* mote_requant_apply of a wrapped accumulator (uint32_t bits), the short way where `bounded`
 * (mote_requant_bounded_ok). */
static inline int8_t mote_requant_out(uint32_t acc, int bounded, const mote_requant *r)
{
    if (bounded) {
        return mote_out_narrow(mote_scale_bounded(mote_i32_from_bits(acc), &r->scale), &r->out);
    }
    return mote_requant_apply(mote_i32_from_bits(acc), r);
}

/* Saturating int32 -> int8 (TFLite: static_cast<int8_t>(std::min(std::max(x, -128), 127))). */
static inline int8_t mote_sat_i8(int32_t x)
{
    return mote_clamp_i8(x, -128, 127);
}

/* TFLite Micro int8 AveragePool rounding (reference/integer_ops/pooling.h):
 * sum > 0 ? (sum + count/2) / count : (sum - count/2) / count, i.e. nearest, ties away from zero.
 * Computed in 64 bits (no overflow for any sum); count <= 0 yields 0 (TFLite reports an error there). */
static inline int32_t mote_rounded_div(int32_t sum, int32_t count)
{
    int64_t s = sum;
    int64_t c = count;
    if (count <= 0) {
        return 0;
    }
    return (int32_t)(s > 0 ? (s + c / 2) / c : (s - c / 2) / c); /* |result| <= |sum| */
}

/* ---- ADD ------------------------------------------------------------------------------------------------ */

/* TFLite's ArithmeticParams for an int8 ADD, as TFLite Micro's CalculateOpDataAdd fills them. Mote computes
 * the values at compile time. act_min/act_max are int8 bounds stored as int32 (as in TFLite). */
typedef struct mote_add_elem_params {
    int32_t input1_offset;     /* -zero_point of input 1 */
    int32_t input2_offset;     /* -zero_point of input 2 */
    int32_t output_offset;     /* +zero_point of the output */
    int32_t left_shift;        /* 20 for int8 */
    int32_t input1_multiplier;
    int32_t input1_shift;      /* <= 0 */
    int32_t input2_multiplier;
    int32_t input2_shift;      /* <= 0 */
    int32_t output_multiplier;
    int32_t output_shift;      /* <= 0 */
    int32_t act_min;
    int32_t act_max;
} mote_add_elem_params;

/* TFLite reference_integer_ops AddFunc for one pair of int8 elements. MultiplyByQuantizedMultiplier-
 * SmallerThanOneExp equals mote_mbqm for the shifts <= 0 used here. With Mote's parameters no step
 * overflows; for any other values the int32 steps wrap (as TFLite's do) and left_shift is clamped to 0..31. */
static inline int8_t mote_add_elem(int8_t x1, int8_t x2, const mote_add_elem_params *p)
{
    uint32_t ls = p->left_shift < 0 ? 0u : (p->left_shift > 31 ? 31u : (uint32_t)p->left_shift);
    int32_t shifted1 = mote_wrap_shl(mote_wrap_add(p->input1_offset, x1), ls);
    int32_t shifted2 = mote_wrap_shl(mote_wrap_add(p->input2_offset, x2), ls);
    int32_t scaled1 = mote_mbqm(shifted1, p->input1_multiplier, p->input1_shift);
    int32_t scaled2 = mote_mbqm(shifted2, p->input2_multiplier, p->input2_shift);
    int32_t out = mote_mbqm(mote_wrap_add(scaled1, scaled2), p->output_multiplier, p->output_shift);
    return mote_clamp_i8((int64_t)out + p->output_offset, p->act_min, p->act_max);
}

/* ---- int4 ----------------------------------------------------------------------------------------------- */

/* Sign-extends the low 4 bits of nibble (two's complement) to -8..7: (n ^ 8) - 8. */
static inline int8_t mote_i4_value(uint32_t nibble)
{
    return (int8_t)((int32_t)((nibble & 0x0Fu) ^ 0x08u) - 8);
}

/* Element i of packed int4 data: element 2k is the low nibble of byte k, element 2k+1 the high nibble
 * (an odd tail sits in the low nibble of the last byte). The caller guarantees i < the element count.
 * clang's -Wunsafe-buffer-usage (part of -Weverything) flags every pointer subscript, which C cannot avoid;
 * it is silenced for this one function only. */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wunsafe-buffer-usage"
#endif
static inline int8_t mote_i4_get(const uint8_t *packed, uint32_t i)
{
    uint32_t byte = packed[i >> 1];
    return mote_i4_value((i & 1u) ? (byte >> 4) : byte);
}
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

#endif /* MOTE_FIXEDPOINT_H */
