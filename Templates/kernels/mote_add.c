/* mote_add.c - TFLite int8 Add / Sub with numpy broadcasting (rank <= 6).
 *
 * Mirrors TFLite Micro's reference AddElementwise / BroadcastAdd6DSlow (reference/integer_ops/add.h) and
 * SubElementwise (reference/sub.h), and the Swift golden model (Sources/MoteInteger/Kernels/Add.swift).
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

/* a - b with int32 wrapping, computed in uint32_t where wrapping is defined. */
static int32_t mote_add_wrap_sub(int32_t a, int32_t b)
{
    return mote_i32_from_bits((uint32_t)a - (uint32_t)b);
}

/* Per-layer constants of TFLite's AddFunc, computed once (mote_scale / mote_requant hoist the shifts). */
typedef struct {
    uint32_t left_shift;
    mote_scale scale1, scale2;
    mote_requant out;
} mote_add_consts;

/* One input's side of TFLite's AddFunc: offset, shifted left by left_shift, scaled to the common scale. */
static int32_t mote_add_scaled(int32_t input_offset, const mote_scale *scale, uint32_t left_shift, int8_t x)
{
    return mote_scale_apply(mote_wrap_shl(mote_wrap_add(input_offset, x), left_shift), scale);
}

/* One element pair from the two scaled values: summed (or subtracted), requantized to the output. With Mote's
 * parameters no step overflows; for any others the int32 steps wrap, as TFLite's do on real targets. */
static int8_t mote_add_combine(int32_t subtract, const mote_requant *out, int32_t scaled1, int32_t scaled2)
{
    const int32_t raw = subtract ? mote_add_wrap_sub(scaled1, scaled2) : mote_wrap_add(scaled1, scaled2);
    return mote_requant_apply(raw, out);
}

/* One run of table lookups: out[i] = requantize(table1[x1] + table2[x2]) (table2 holds the second input's scaled
 * values negated for Sub). bounded: every sum is below 2^30 in magnitude and the output scale suits
 * mote_scale_bounded. Out of line, with the constants in locals, so that GCC keeps the loop in registers (inlined
 * into mote_add it reloaded them from the stack for every element). */
MOTE_NOINLINE static void mote_add_run_tables(const int32_t *table1, int bounded, const mote_requant *rq,
                                              const int8_t *x1, int32_t step1, const int8_t *x2, int32_t step2,
                                              int8_t *out, int32_t run)
{
    const mote_requant r = *rq;
    const int32_t *const table2 = table1 + 256;
    int32_t i;
    if (bounded && r.out.full) {
        for (i = 0; i < run; ++i) {
            out[i] = (int8_t)mote_out_full(mote_scale_bounded(table1[*x1 + 128] + table2[*x2 + 128], &r.scale), &r.out);
            x1 += step1;
            x2 += step2;
        }
        return;
    }
    if (bounded) {
        for (i = 0; i < run; ++i) {
            out[i] = mote_out_narrow(mote_scale_bounded(table1[*x1 + 128] + table2[*x2 + 128], &r.scale), &r.out);
            x1 += step1;
            x2 += step2;
        }
        return;
    }
    for (i = 0; i < run; ++i) {
        out[i] = mote_add_combine(0, &r, table1[*x1 + 128], table2[*x2 + 128]);
        x1 += step1;
        x2 += step2;
    }
}

/* |v| as uint32_t (INT32_MIN included). */
static uint32_t mote_add_abs(int32_t v)
{
    return v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
}

/* Walks the output shape in row-major order, reading each input at its own strides (0 on broadcast axes): the
 * innermost axis as one run, an odometer over the outer axes (up to MOTE_MAX_RANK). */
void mote_add(const mote_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    const mote_broadcast *b = &p->broadcast;
    int32_t counter[MOTE_MAX_RANK];
    int32_t runs = 1;
    int32_t run, step1, step2;
    int32_t offset1 = 0;
    int32_t offset2 = 0;
    int32_t r, i, d;
    mote_add_consts k;
    int bounded = 0;

    if (b->rank < 0 || b->rank > MOTE_MAX_RANK) {
        return; /* never emitted by Mote */
    }
    k.left_shift = p->left_shift < 0 ? 0u : (p->left_shift > 31 ? 31u : (uint32_t)p->left_shift);
    k.scale1 = mote_scale_init(p->input1_multiplier, p->input1_shift);
    k.scale2 = mote_scale_init(p->input2_multiplier, p->input2_shift);
    k.out = mote_requant_init(p->output_multiplier, p->output_shift, p->output_zero_point, (int8_t)p->clamp_min,
                              (int8_t)p->clamp_max);
    run = b->rank > 0 ? b->shape[b->rank - 1] : 1;
    step1 = b->rank > 0 ? b->strides1[b->rank - 1] : 0;
    step2 = b->rank > 0 ? b->strides2[b->rank - 1] : 0;
    for (d = 0; d + 1 < b->rank; ++d) {
        runs *= b->shape[d];
        counter[d] = 0;
    }
    if (p->scratch != NULL) {
        /* Each scaled value depends on one int8 only: 2 x 256 of them once, then a lookup per element. */
        int32_t *const table1 = (int32_t *)p->scratch;
        int32_t *const table2 = table1 + 256;
        uint32_t max1 = 0, max2 = 0;
        for (i = 0; i < 256; ++i) {
            const int32_t s2 = mote_add_scaled(p->input2_offset, &k.scale2, k.left_shift, (int8_t)(i - 128));
            table1[i] = mote_add_scaled(p->input1_offset, &k.scale1, k.left_shift, (int8_t)(i - 128));
            /* Sub adds the negated value: the same int32 wrapping difference. */
            table2[i] = p->subtract ? mote_add_wrap_sub(0, s2) : s2;
            max1 = mote_add_abs(table1[i]) > max1 ? mote_add_abs(table1[i]) : max1;
            max2 = mote_add_abs(table2[i]) > max2 ? mote_add_abs(table2[i]) : max2;
        }
        /* The sums stay below 2^30 in magnitude (so they do not wrap either): the short requantization. */
        bounded = !k.out.out.wide && mote_bounded_ok(&k.out.scale, (uint64_t)max1 + max2);
    }
    for (r = 0; r < runs; ++r) {
        const int8_t *x1 = input1 + offset1;
        const int8_t *x2 = input2 + offset2;
        int8_t *out = output + r * run;
        if (p->scratch != NULL) {
            mote_add_run_tables((const int32_t *)p->scratch, bounded, &k.out, x1, step1, x2, step2, out, run);
        } else {
            for (i = 0; i < run; ++i) {
                out[i] = mote_add_combine(p->subtract, &k.out,
                                          mote_add_scaled(p->input1_offset, &k.scale1, k.left_shift, x1[i * step1]),
                                          mote_add_scaled(p->input2_offset, &k.scale2, k.left_shift, x2[i * step2]));
            }
        }
        for (d = b->rank - 2; d >= 0; --d) {
            offset1 += b->strides1[d];
            offset2 += b->strides2[d];
            if (++counter[d] < b->shape[d]) {
                break;
            }
            offset1 -= b->strides1[d] * b->shape[d];
            offset2 -= b->strides2[d] * b->shape[d];
            counter[d] = 0;
        }
    }
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
