// The C test driver for Templates/runtime/mote_fixedpoint.h. It lives in a Swift string because SwiftPM
// refuses a target that mixes .c and .swift sources; the test writes it to a temporary directory and builds it.
//
// Protocol: one case per input line, an opcode letter followed by decimal integers; one output line per case.
//   s a b                      mote_srdhm(a, b)
//   r x e                      mote_rdbpot(x, e)
//   m x mult shift             mote_mbqm(x, mult, shift)
//   q acc mult shift zp lo hi  mote_requantize(acc, mult, shift, zp, lo, hi)
//   M x mult shift             mote_scale_apply(x, mote_scale_init(mult, shift))
//   Q acc mult shift zp lo hi  mote_requant_apply(acc, mote_requant_init(mult, shift, zp, lo, hi))
//   F acc mult shift zp lo hi  mote_out_narrow(mote_rounding_apply(acc, ...)) where mote_rounding_ok (mote_out_full
//                              where the clamp is the whole int8 range), else mote_requant_apply (zp in -128..127)
//   B acc mult shift zp lo hi  mote_out_narrow(mote_scale_bounded(acc, ...)) where mote_bounded_ok with bound |acc|
//                              (mote_out_full where the clamp is the whole int8 range), else mote_requant_apply
//                              (zp in -128..127)
//   U acc mult shift zp lo hi  mote_fused_apply(acc, ..., mote_fused_fix) where mote_fused_ok with bound |acc|, else
//                              mote_requant_apply (zp in -128..127)
//   t x                        mote_sat_i8(x)
//   d sum count                mote_rounded_div(sum, count)
//   a x1 x2 <12 params>        mote_add_elem(x1, x2, &params), params in mote_add_elem_params field order
//   g b0 b1 b2 b3 i            mote_i4_get({b0, b1, b2, b3}, i)
// Every integer given is in range of the C parameter it feeds.

let fixedPointDriverSource = #"""
#include <stdio.h>
#include <stdint.h>
#include "mote_fixedpoint.h"

static int arity(char op)
{
    switch (op) {
    case 's': return 2;
    case 'r': return 2;
    case 'm': return 3;
    case 'q': return 6;
    case 'M': return 3;
    case 'Q': return 6;
    case 'F': return 6;
    case 'B': return 6;
    case 'U': return 6;
    case 't': return 1;
    case 'd': return 2;
    case 'a': return 14;
    case 'g': return 5;
    default: return -1;
    }
}

int main(void)
{
    char op;
    long long v[14];
    while (scanf(" %c", &op) == 1) {
        int n = arity(op);
        int i;
        long result;
        if (n < 0) {
            fprintf(stderr, "unknown opcode '%c'\n", op);
            return 2;
        }
        for (i = 0; i < n; i++) {
            if (scanf("%lld", &v[i]) != 1) {
                fprintf(stderr, "opcode '%c': expected %d integers\n", op, n);
                return 2;
            }
        }
        switch (op) {
        case 's':
            result = mote_srdhm((int32_t)v[0], (int32_t)v[1]);
            break;
        case 'r':
            result = mote_rdbpot((int32_t)v[0], (int32_t)v[1]);
            break;
        case 'm':
            result = mote_mbqm((int32_t)v[0], (int32_t)v[1], (int32_t)v[2]);
            break;
        case 'q':
            result = mote_requantize((int32_t)v[0], (int32_t)v[1], (int32_t)v[2], (int32_t)v[3],
                                     (int8_t)v[4], (int8_t)v[5]);
            break;
        case 'M': {
            const mote_scale sc = mote_scale_init((int32_t)v[1], (int32_t)v[2]);
            result = mote_scale_apply((int32_t)v[0], &sc);
            break;
        }
        case 'Q': {
            const mote_requant rq = mote_requant_init((int32_t)v[1], (int32_t)v[2], (int32_t)v[3], (int8_t)v[4],
                                                      (int8_t)v[5]);
            result = mote_requant_apply((int32_t)v[0], &rq);
            break;
        }
        case 'F': {
            const mote_scale sc = mote_scale_init((int32_t)v[1], (int32_t)v[2]);
            const mote_out out = mote_out_init((int32_t)v[3], (int8_t)v[4], (int8_t)v[5]);
            const mote_rounding rd = mote_rounding_init(&sc);
            result = !mote_rounding_ok(&sc) ? mote_out_apply(mote_scale_apply((int32_t)v[0], &sc), &out)
                     : out.full ? mote_out_full(mote_rounding_apply((int32_t)v[0], &sc, &rd), &out)
                                : mote_out_narrow(mote_rounding_apply((int32_t)v[0], &sc, &rd), &out);
            break;
        }
        case 'B': {
            const mote_scale sc = mote_scale_init((int32_t)v[1], (int32_t)v[2]);
            const mote_out out = mote_out_init((int32_t)v[3], (int8_t)v[4], (int8_t)v[5]);
            const uint64_t bound = v[0] < 0 ? (uint64_t)(-v[0]) : (uint64_t)v[0];
            result = !mote_bounded_ok(&sc, bound) ? mote_out_apply(mote_scale_apply((int32_t)v[0], &sc), &out)
                     : out.full ? mote_out_full(mote_scale_bounded((int32_t)v[0], &sc), &out)
                                : mote_out_narrow(mote_scale_bounded((int32_t)v[0], &sc), &out);
            break;
        }
        case 'U': {
            const mote_scale sc = mote_scale_init((int32_t)v[1], (int32_t)v[2]);
            const mote_out out = mote_out_init((int32_t)v[3], (int8_t)v[4], (int8_t)v[5]);
            const uint64_t bound = v[0] < 0 ? (uint64_t)(-v[0]) : (uint64_t)v[0];
            const mote_fused f = mote_fused_init(&sc, &out);
            result = mote_fused_ok(&sc, &out, bound) ? mote_fused_apply((int32_t)v[0], &f, mote_fused_fix(&out))
                                                     : mote_out_apply(mote_scale_apply((int32_t)v[0], &sc), &out);
            break;
        }
        case 't':
            result = mote_sat_i8((int32_t)v[0]);
            break;
        case 'd':
            result = mote_rounded_div((int32_t)v[0], (int32_t)v[1]);
            break;
        case 'a': {
            mote_add_elem_params p;
            p.input1_offset = (int32_t)v[2];
            p.input2_offset = (int32_t)v[3];
            p.output_offset = (int32_t)v[4];
            p.left_shift = (int32_t)v[5];
            p.input1_multiplier = (int32_t)v[6];
            p.input1_shift = (int32_t)v[7];
            p.input2_multiplier = (int32_t)v[8];
            p.input2_shift = (int32_t)v[9];
            p.output_multiplier = (int32_t)v[10];
            p.output_shift = (int32_t)v[11];
            p.act_min = (int32_t)v[12];
            p.act_max = (int32_t)v[13];
            result = mote_add_elem((int8_t)v[0], (int8_t)v[1], &p);
            break;
        }
        case 'g': {
            uint8_t bytes[4];
            bytes[0] = (uint8_t)v[0];
            bytes[1] = (uint8_t)v[1];
            bytes[2] = (uint8_t)v[2];
            bytes[3] = (uint8_t)v[3];
            result = mote_i4_get(bytes, (uint32_t)v[4]);
            break;
        }
        default:
            return 2;
        }
        printf("%ld\n", result);
    }
    return 0;
}

"""#
