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

/* TFLM lut_lookup_with_interpolation for int16: 512 intervals over the int16 range,
 * linear interpolation on the low 7 bits; `lut` has 513 entries. */
static int16_t tinyml_lut_lookup_s16(int16_t value, const int16_t *lut) {
    const int32_t index = 256 + ((int32_t)value >> 7);
    const int32_t offset = (int32_t)value & 0x7f;
    const int16_t base = lut[index];
    /* TFLM computes the slope in the table's type (wrapping at 16 bits). */
    const int32_t slope = (int32_t)tinyml_wrap_i16((int32_t)lut[index + 1] - (int32_t)base);
    const int32_t delta = (slope * offset + 64) >> 7;
    return tinyml_wrap_i16((int32_t)base + delta);
}

/* int16 in, int16 out (softmax_s16, TFLM SoftmaxInt16): exp and 1/(1+x) from the
 * compiler's 513-entry Q0.15 tables. The exponentials are cached in the output row. */
void softmax_s16(const SoftmaxS16Params *p, const int16_t *exp_lut, const int16_t *one_over_one_plus_x_lut,
                 const int16_t *input, int16_t *output) {
    int32_t row, i;
    for (row = 0; row < p->outer; ++row) {
        const int16_t *in = input + row * p->depth;
        int16_t *out = output + row * p->depth;
        int32_t max_in_row = INT16_MIN;
        int32_t sum_of_exps = 0; /* Q16.15 */
        int32_t headroom_plus_one = 0;
        int32_t right_shift;
        int64_t shifted_sum, reciprocal_scale_q015, round;
        int16_t sym_shifted_sum;
        for (i = 0; i < p->depth; ++i) {
            max_in_row = (int32_t)in[i] > max_in_row ? (int32_t)in[i] : max_in_row;
        }
        for (i = 0; i < p->depth; ++i) {
            const int32_t scaled_diff = tinyml_multiply_by_quantized_multiplier((int32_t)in[i] - max_in_row,
                                                                               p->input_multiplier, p->input_left_shift);
            /* Recenter [-65535, 0] to the table's symmetric input range. */
            const int16_t sym_scaled_diff = (int16_t)tinyml_clamp(tinyml_wrapping_add(scaled_diff, 32767), -32768, 32767);
            out[i] = tinyml_lut_lookup_s16(sym_scaled_diff, exp_lut);
            sum_of_exps = tinyml_wrapping_add(sum_of_exps, (int32_t)out[i]);
        }
        /* The reciprocal of the sum from the 1/(1+x) table: normalize the sum to [1, 2),
         * take x = sum - 1 and recenter [0, 65535] to [-32768, 32767]. */
        while (headroom_plus_one < 32 &&
               ((uint32_t)sum_of_exps & ((uint32_t)1 << (31 - headroom_plus_one))) == 0) {
            ++headroom_plus_one;
        }
        shifted_sum = (int64_t)(((uint64_t)(int64_t)sum_of_exps << tinyml_clamp(headroom_plus_one - 1, 0, 63)) +
                                ((uint64_t)1 << 13)) >>
                      14;
        sym_shifted_sum =
            (int16_t)tinyml_clamp(tinyml_wrapping_sub(tinyml_wrap32(shifted_sum), INT32_C(0x18000) /* 2^15 + 2^16 */), -32768, 32767);
        reciprocal_scale_q015 = (int64_t)tinyml_lut_lookup_s16(sym_shifted_sum, one_over_one_plus_x_lut);
        right_shift = tinyml_clamp(31 - headroom_plus_one, 1, 62);
        round = (int64_t)1 << (right_shift - 1);
        for (i = 0; i < p->depth; ++i) {
            const int32_t result = tinyml_wrap32(((int64_t)out[i] * reciprocal_scale_q015 + round) >> right_shift);
            out[i] = (int16_t)tinyml_clamp(result, 0, 32767);
        }
    }
}
