/* SOFTMAX over the last dimension, int8 in, int8 or int16 out
 * (runtime/src/kernels/softmax.rs, TFLM reference_ops::Softmax with gemmlowp). */
#include "tinyml_kernels.h"

/* Integer bits of the scaled differences (Q5.26) and of the sum of exponentials (Q12.19). */
#define TINYML_SCALED_DIFF_INTEGER_BITS 5
#define TINYML_ACCUMULATION_INTEGER_BITS 12

/* What one row needs to produce its outputs. */
typedef struct {
    int32_t max_in_row;
    int32_t reciprocal;
    int32_t exponent;
} TinymlSoftmaxRow;

static int32_t tinyml_exp_of_diff(const SoftmaxParams *p, int32_t diff) {
    const int32_t rescaled =
        tinyml_multiply_by_quantized_multiplier_greater_than_one(diff, p->input_multiplier, p->input_left_shift);
    return tinyml_exp_on_negative_values(rescaled, TINYML_SCALED_DIFF_INTEGER_BITS);
}

/* The row maximum, and the reciprocal of the sum of exponentials. */
static TinymlSoftmaxRow tinyml_softmax_prepare(const SoftmaxParams *p, const tinyml_i8 *row, int32_t output_bits) {
    TinymlSoftmaxRow r;
    int32_t sum_of_exps = 0;
    int32_t num_bits_over_unit;
    int32_t i;
    r.max_in_row = -128;
    for (i = 0; i < p->depth; ++i) {
        r.max_in_row = (int32_t)row[i] > r.max_in_row ? (int32_t)row[i] : r.max_in_row;
    }
    for (i = 0; i < p->depth; ++i) {
        const int32_t diff = (int32_t)row[i] - r.max_in_row;
        if (diff >= p->diff_min) {
            const int32_t e = tinyml_exp_of_diff(p, diff);
            sum_of_exps = tinyml_wrapping_add(sum_of_exps, tinyml_rescale(e, 0, TINYML_ACCUMULATION_INTEGER_BITS));
        }
    }
    tinyml_get_reciprocal(sum_of_exps, TINYML_ACCUMULATION_INTEGER_BITS, &r.reciprocal, &num_bits_over_unit);
    /* Saturated to [0, 31] where TFLM would abort (see the Rust kernel). */
    r.exponent = tinyml_clamp(num_bits_over_unit + 31 - output_bits, 0, 31);
    return r;
}

/* The output value of one element, in [out_min, out_max]. */
static int32_t tinyml_softmax_value(const SoftmaxParams *p, const TinymlSoftmaxRow *r, int32_t x, int32_t out_min,
                                    int32_t out_max) {
    const int32_t diff = x - r->max_in_row;
    if (diff >= p->diff_min) {
        const int32_t e = tinyml_exp_of_diff(p, diff);
        const int32_t unsat = tinyml_rounding_divide_by_pot(tinyml_srdhm(r->reciprocal, e), r->exponent);
        return tinyml_clamp(unsat + out_min, out_min, out_max);
    }
    return out_min;
}

void softmax_s8(const SoftmaxParams *p, const tinyml_i8 *input, tinyml_i8 *output) {
    int32_t row, i;
    for (row = 0; row < p->outer; ++row) {
        const tinyml_i8 *in = input + row * p->depth;
        tinyml_i8 *out = output + row * p->depth;
        const TinymlSoftmaxRow r = tinyml_softmax_prepare(p, in, 8);
        for (i = 0; i < p->depth; ++i) {
            out[i] = (tinyml_i8)tinyml_softmax_value(p, &r, (int32_t)in[i], -128, 127);
        }
    }
}

void softmax_s8_s16(const SoftmaxParams *p, const tinyml_i8 *input, int16_t *output) {
    int32_t row, i;
    for (row = 0; row < p->outer; ++row) {
        const tinyml_i8 *in = input + row * p->depth;
        int16_t *out = output + row * p->depth;
        const TinymlSoftmaxRow r = tinyml_softmax_prepare(p, in, 16);
        for (i = 0; i < p->depth; ++i) {
            out[i] = (int16_t)tinyml_softmax_value(p, &r, (int32_t)in[i], -32768, 32767);
        }
    }
}
