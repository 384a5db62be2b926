// The C test driver for Templates/kernels. It lives in a Swift string because SwiftPM refuses a target that
// mixes .c and .swift sources (a `kernel_driver.c` here would need an `exclude:` in Package.swift); the tests
// write it to a temporary directory and build it with the kernels.
//
// Protocol (see KernelCaseFormat.swift, which writes it): whitespace-separated tokens; each case is a kernel
// name, its parameters in mote_kernels.h field order, then its input data. For each case the driver prints
// one line: the output bytes as decimal integers separated by spaces. Exit status 2 on a malformed file.

let kernelDriverSource = #"""
/* kernel_driver.c - test driver for the differential tests of Templates/kernels against the Swift integer
 * interpreter (MoteIntegerTests). Not part of any generated model.
 *
 * Reads cases from the file named by argv[1] (or stdin): whitespace-separated tokens, each case a kernel name
 * followed by its parameters and input data in the order written by KernelCaseFormat.swift. For each case it
 * runs the kernel and prints one line: the output bytes as decimal integers separated by spaces.
 * Exit status 0 on success, 2 on a malformed case file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mote_kernels.h"

static FILE *in;

static void fail(const char *what)
{
    fprintf(stderr, "kernel_driver: malformed case file (%s)\n", what);
    exit(2);
}

static int32_t next(void)
{
    long v;
    if (fscanf(in, "%ld", &v) != 1) {
        fail("expected an integer");
    }
    return (int32_t)v;
}

static void *alloc(size_t count, size_t size)
{
    void *p = calloc(count > 0 ? count : 1, size);
    if (p == NULL) {
        fail("out of memory");
    }
    return p;
}

static int8_t *read_i8(int32_t count)
{
    int8_t *p = alloc((size_t)count, 1);
    int32_t i;
    for (i = 0; i < count; ++i) {
        p[i] = (int8_t)next();
    }
    return p;
}

static int32_t *read_i32(int32_t count)
{
    int32_t *p = alloc((size_t)count, sizeof(int32_t));
    int32_t i;
    for (i = 0; i < count; ++i) {
        p[i] = next();
    }
    return p;
}

/* Reads count values in 0..2^32-1 (written as decimal). */
static uint32_t *read_u32(int32_t count)
{
    uint32_t *p = alloc((size_t)count, sizeof(uint32_t));
    int32_t i;
    for (i = 0; i < count; ++i) {
        unsigned long v;
        if (fscanf(in, "%lu", &v) != 1) {
            fail("expected an unsigned integer");
        }
        p[i] = (uint32_t)v;
    }
    return p;
}

static void read_dims(int32_t rank, int32_t *dims)
{
    int32_t d;
    for (d = 0; d < rank; ++d) {
        dims[d] = next();
    }
}

static int32_t read_rank(void)
{
    int32_t rank = next();
    if (rank < 0 || rank > MOTE_MAX_RANK) {
        fail("rank");
    }
    return rank;
}

static void print_output(const int8_t *out, int32_t count)
{
    int32_t i;
    for (i = 0; i < count; ++i) {
        printf(i ? " %d" : "%d", (int)out[i]);
    }
    printf("\n");
}

/* Exactly `count` bytes (NULL for none), so that ASan reports any read or write past a weight array or the
 * scratch. */
static void *exact(size_t count)
{
    void *p;
    if (count == 0) {
        return NULL;
    }
    p = malloc(count);
    if (p == NULL) {
        fail("out of memory");
    }
    return p;
}

static uint8_t *read_u8_counted(void)
{
    int32_t count = next(), i;
    uint8_t *p = exact((size_t)count);
    for (i = 0; i < count; ++i) {
        p[i] = (uint8_t)next();
    }
    return p;
}

/* The storage written by TokenWriter.weights: format, max row non-zeros, scratch bytes, int8 values, nibbles,
 * mask, row starts (width 2 or 4). Every array is allocated to its exact size. */
typedef struct {
    int32_t format, max_row_nonzeros;
    int8_t *values;
    uint8_t *nibbles, *mask;
    uint16_t *start16;
    uint32_t *start32;
    void *scratch;
} weight_arrays;

static void read_weights(weight_arrays *a)
{
    int32_t count, i, width;
    size_t scratch;
    a->format = next();
    a->max_row_nonzeros = next();
    scratch = (size_t)next();
    a->scratch = exact(scratch);
    if (a->scratch != NULL) {
        memset(a->scratch, 0x5A, scratch); /* garbage: the kernel must write before it reads */
    }
    count = next();
    a->values = exact((size_t)count);
    for (i = 0; i < count; ++i) {
        a->values[i] = (int8_t)next();
    }
    a->nibbles = read_u8_counted();
    a->mask = read_u8_counted();
    width = next();
    count = next();
    a->start16 = NULL;
    a->start32 = NULL;
    if (count > 0 && width == 2) {
        a->start16 = exact((size_t)count * sizeof(uint16_t));
        for (i = 0; i < count; ++i) {
            a->start16[i] = (uint16_t)next();
        }
    } else if (count > 0) {
        a->start32 = exact((size_t)count * sizeof(uint32_t));
        for (i = 0; i < count; ++i) {
            a->start32[i] = (uint32_t)next();
        }
    }
}

static void free_weights(weight_arrays *a)
{
    free(a->values); free(a->nibbles); free(a->mask); free(a->start16); free(a->start32); free(a->scratch);
}

static void run_conv(void)
{
    mote_conv_params p;
    weight_arrays wa;
    int32_t in_count, out_count;
    int8_t *x, *y;
    int32_t *bias, *mult, *shift;
    memset(&p, 0, sizeof p);
    p.batch = next();
    p.in_channels = next(); p.in_height = next(); p.in_width = next();
    p.out_channels = next(); p.out_height = next(); p.out_width = next();
    p.kernel_height = next(); p.kernel_width = next();
    p.stride_height = next(); p.stride_width = next();
    p.dilation_height = next(); p.dilation_width = next();
    p.pad_top = next(); p.pad_left = next();
    p.groups = next();
    p.input_offset = next(); p.output_zero_point = next();
    p.clamp_min = next(); p.clamp_max = next();
    in_count = p.batch * p.in_channels * p.in_height * p.in_width;
    out_count = p.batch * p.out_channels * p.out_height * p.out_width;
    read_weights(&wa);
    p.weight_format = wa.format;
    p.weights = wa.values; p.weight_nibbles = wa.nibbles; p.weight_mask = wa.mask;
    p.weight_row_start16 = wa.start16; p.weight_row_start32 = wa.start32;
    p.weight_max_row_nonzeros = wa.max_row_nonzeros;
    p.scratch = wa.scratch;
    bias = read_i32(p.out_channels);
    mult = read_i32(p.out_channels);
    shift = read_i32(p.out_channels);
    p.bias = bias; p.multiplier = mult; p.shift = shift;
    x = read_i8(in_count);
    y = alloc((size_t)out_count, 1);
    /* One entry point per weight format, as the code generator calls them. */
    if (wa.format == MOTE_WEIGHTS_INT8_SPARSE || wa.format == MOTE_WEIGHTS_INT4_SPARSE) {
        mote_conv_sparse(&p, x, y);
    } else if (wa.format == MOTE_WEIGHTS_INT4) {
        mote_conv_int4(&p, x, y);
    } else {
        mote_conv(&p, x, y);
    }
    print_output(y, out_count);
    free_weights(&wa); free(bias); free(mult); free(shift); free(x); free(y);
}

static void run_dense(void)
{
    mote_dense_params p;
    weight_arrays wa;
    int8_t *x, *y;
    int32_t *bias, *mult, *shift;
    memset(&p, 0, sizeof p);
    p.rows = next(); p.in_features = next(); p.out_features = next();
    p.input_offset = next(); p.output_zero_point = next();
    p.clamp_min = next(); p.clamp_max = next();
    read_weights(&wa);
    p.weight_format = wa.format;
    p.weights = wa.values; p.weight_nibbles = wa.nibbles; p.weight_mask = wa.mask;
    p.weight_row_start16 = wa.start16; p.weight_row_start32 = wa.start32;
    bias = read_i32(p.out_features);
    mult = read_i32(p.out_features);
    shift = read_i32(p.out_features);
    p.bias = bias; p.multiplier = mult; p.shift = shift;
    x = read_i8(p.rows * p.in_features);
    y = alloc((size_t)(p.rows * p.out_features), 1);
    /* One entry point per weight format, as the code generator calls them. */
    if (wa.format == MOTE_WEIGHTS_INT8_SPARSE || wa.format == MOTE_WEIGHTS_INT4_SPARSE) {
        mote_dense_sparse(&p, x, y);
    } else if (wa.format == MOTE_WEIGHTS_INT4) {
        mote_dense_int4(&p, x, y);
    } else {
        mote_dense(&p, x, y);
    }
    print_output(y, p.rows * p.out_features);
    free_weights(&wa); free(bias); free(mult); free(shift); free(x); free(y);
}

static int32_t read_broadcast(mote_broadcast *b)
{
    int32_t total = 1, d;
    b->rank = read_rank();
    read_dims(b->rank, b->shape);
    read_dims(b->rank, b->strides1);
    read_dims(b->rank, b->strides2);
    for (d = 0; d < b->rank; ++d) {
        total *= b->shape[d];
    }
    return total;
}

static void run_binary(int is_add)
{
    mote_add_params a;
    mote_mul_params m;
    int32_t total, n1, n2;
    int8_t *x1, *x2, *y;
    memset(&a, 0, sizeof a);
    memset(&m, 0, sizeof m);
    if (is_add) {
        total = read_broadcast(&a.broadcast);
        a.subtract = next(); a.left_shift = next();
        a.input1_offset = next(); a.input1_multiplier = next(); a.input1_shift = next();
        a.input2_offset = next(); a.input2_multiplier = next(); a.input2_shift = next();
        a.output_multiplier = next(); a.output_shift = next();
        a.output_zero_point = next(); a.clamp_min = next(); a.clamp_max = next();
    } else {
        total = read_broadcast(&m.broadcast);
        m.input1_offset = next(); m.input2_offset = next();
        m.multiplier = next(); m.shift = next();
        m.output_zero_point = next(); m.clamp_min = next(); m.clamp_max = next();
    }
    n1 = next(); x1 = read_i8(n1);
    n2 = next(); x2 = read_i8(n2);
    y = alloc((size_t)total, 1);
    if (is_add) {
        /* Both ways the code generator may call it: with its table scratch (the answer printed), and without,
         * which must give the same bytes. */
        int8_t *direct = alloc((size_t)total, 1);
        mote_add(&a, x1, x2, direct);
        a.scratch = alloc(2 * 256, sizeof(int32_t));
        mote_add(&a, x1, x2, y);
        if (total > 0 && memcmp(direct, y, (size_t)total) != 0) {
            fprintf(stderr, "mote_add: the table path and the direct path disagree\n");
            exit(3);
        }
        free(a.scratch);
        free(direct);
    } else {
        mote_mul(&m, x1, x2, y);
    }
    print_output(y, total);
    free(x1); free(x2); free(y);
}

static void run_pool(void)
{
    mote_pool_params p;
    int8_t *x, *y;
    memset(&p, 0, sizeof p);
    p.kind = next(); p.planes = next();
    p.in_height = next(); p.in_width = next(); p.out_height = next(); p.out_width = next();
    p.kernel_height = next(); p.kernel_width = next();
    p.stride_height = next(); p.stride_width = next();
    p.dilation_height = next(); p.dilation_width = next();
    p.pad_top = next(); p.pad_left = next(); p.pad_bottom = next(); p.pad_right = next();
    p.count_include_pad = next(); p.zero_point = next();
    p.clamp_min = next(); p.clamp_max = next();
    x = read_i8(p.planes * p.in_height * p.in_width);
    y = alloc((size_t)(p.planes * p.out_height * p.out_width), 1);
    mote_pool(&p, x, y);
    print_output(y, p.planes * p.out_height * p.out_width);
    free(x); free(y);
}

static void run_mean(void)
{
    mote_mean_params p;
    int8_t *x, *y;
    memset(&p, 0, sizeof p);
    p.outer = next(); p.reduce = next(); p.inner = next();
    p.input_zero_point = next(); p.multiplier = next(); p.shift = next(); p.output_zero_point = next();
    x = read_i8(p.outer * p.reduce * p.inner);
    y = alloc((size_t)(p.outer * p.inner), 1);
    mote_mean(&p, x, y);
    print_output(y, p.outer * p.inner);
    free(x); free(y);
}

static void run_table(void)
{
    int32_t count = next();
    int8_t *table = read_i8(256);
    int8_t *x = read_i8(count);
    int8_t *y = alloc((size_t)count, 1);
    mote_table(table, count, x, y);
    print_output(y, count);
    free(table); free(x); free(y);
}

static void run_softmax(void)
{
    mote_softmax_params p;
    uint32_t *table;
    int32_t count;
    int8_t *x, *y;
    memset(&p, 0, sizeof p);
    p.outer = next(); p.axis = next(); p.inner = next(); p.exp_count = next();
    table = read_u32(p.exp_count); /* exactly the stored entries: a read past them is out of bounds */
    p.exp_table = table;
    count = p.outer * p.axis * p.inner;
    x = read_i8(count);
    y = alloc((size_t)count, 1);
    mote_softmax(&p, x, y);
    print_output(y, count);
    free(table); free(x); free(y);
}

static void run_concat(void)
{
    mote_concat_params p;
    mote_concat_part *parts;
    int8_t **inputs;
    int8_t *y;
    int32_t k, total = 0;
    memset(&p, 0, sizeof p);
    p.outer = next(); p.part_count = next(); p.output_zero_point = next();
    parts = alloc((size_t)p.part_count, sizeof *parts);
    inputs = alloc((size_t)p.part_count, sizeof *inputs);
    for (k = 0; k < p.part_count; ++k) {
        parts[k].row_size = next(); parts[k].requantize = next();
        parts[k].multiplier = next(); parts[k].shift = next(); parts[k].input_zero_point = next();
        total += parts[k].row_size;
    }
    for (k = 0; k < p.part_count; ++k) {
        inputs[k] = read_i8(p.outer * parts[k].row_size);
    }
    p.parts = parts;
    y = alloc((size_t)(p.outer * total), 1);
    mote_concat(&p, (const int8_t *const *)inputs, y);
    print_output(y, p.outer * total);
    for (k = 0; k < p.part_count; ++k) {
        free(inputs[k]);
    }
    free(inputs); free(parts); free(y);
}

static void run_pad(void)
{
    mote_pad_params p;
    int32_t in_count = 1, out_count = 1, d;
    int8_t *x, *y;
    memset(&p, 0, sizeof p);
    p.rank = read_rank();
    read_dims(p.rank, p.in_shape);
    read_dims(p.rank, p.out_shape);
    read_dims(p.rank, p.pads_begin);
    p.value = (int8_t)next();
    for (d = 0; d < p.rank; ++d) {
        in_count *= p.in_shape[d];
        out_count *= p.out_shape[d];
    }
    x = read_i8(in_count);
    y = alloc((size_t)out_count, 1);
    mote_pad(&p, x, y);
    print_output(y, out_count);
    free(x); free(y);
}

static void run_transpose(void)
{
    mote_transpose_params p;
    int32_t count = 1, d;
    int8_t *x, *y;
    memset(&p, 0, sizeof p);
    p.rank = read_rank();
    read_dims(p.rank, p.in_shape);
    read_dims(p.rank, p.perm);
    for (d = 0; d < p.rank; ++d) {
        count *= p.in_shape[d];
    }
    x = read_i8(count);
    y = alloc((size_t)count, 1);
    mote_transpose(&p, x, y);
    print_output(y, count);
    free(x); free(y);
}

int main(int argc, char **argv)
{
    char kind[32];
    in = argc > 1 ? fopen(argv[1], "r") : stdin;
    if (in == NULL) {
        fail("cannot open");
    }
    while (fscanf(in, "%31s", kind) == 1) {
        if (strcmp(kind, "conv") == 0) {
            run_conv();
        } else if (strcmp(kind, "dense") == 0) {
            run_dense();
        } else if (strcmp(kind, "add") == 0) {
            run_binary(1);
        } else if (strcmp(kind, "mul") == 0) {
            run_binary(0);
        } else if (strcmp(kind, "pool") == 0) {
            run_pool();
        } else if (strcmp(kind, "mean") == 0) {
            run_mean();
        } else if (strcmp(kind, "table") == 0) {
            run_table();
        } else if (strcmp(kind, "softmax") == 0) {
            run_softmax();
        } else if (strcmp(kind, "concat") == 0) {
            run_concat();
        } else if (strcmp(kind, "pad") == 0) {
            run_pad();
        } else if (strcmp(kind, "transpose") == 0) {
            run_transpose();
        } else {
            fail(kind);
        }
    }
    if (in != stdin) {
        fclose(in);
    }
    return 0;
}
"""#
