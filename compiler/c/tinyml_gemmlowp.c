/* gemmlowp fixed-point transcendental functions (runtime/src/gemmlowp.rs, gemmlowp
 * fixedpoint/fixedpoint.h) as TFLM's reference SOFTMAX uses them, bit for bit. A raw
 * int32_t holds the real value raw / 2^(31 - integer_bits). */
#include "tinyml_kernels.h"

/* Raw 2^exponent with integer_bits integer bits (ConstantPOT). */
static int32_t tinyml_constant_pot(int32_t integer_bits, int32_t exponent) {
    return (int32_t)1 << (31 - integer_bits + exponent);
}

/* Raw 1.0 (saturated to INT32_MAX without integer bits). */
static int32_t tinyml_one(int32_t integer_bits) {
    return integer_bits == 0 ? INT32_MAX : (int32_t)1 << (31 - integer_bits);
}

/* SaturatingRoundingMultiplyByPOT<exponent>. */
static int32_t tinyml_saturating_rounding_multiply_by_pot(int32_t x, int32_t exponent) {
    if (exponent > 0) {
        const int32_t threshold = ((int32_t)1 << (31 - exponent)) - 1;
        if (x > threshold) {
            return INT32_MAX;
        }
        if (x < -threshold) {
            return INT32_MIN;
        }
        return tinyml_shl(x, exponent);
    }
    if (exponent < 0) {
        return tinyml_rounding_divide_by_pot(x, -exponent);
    }
    return x;
}

int32_t tinyml_rescale(int32_t x, int32_t src_bits, int32_t dst_bits) {
    return tinyml_saturating_rounding_multiply_by_pot(x, src_bits - dst_bits);
}

/* RoundingHalfSum: (a + b) / 2 rounded away from zero. */
static int32_t tinyml_rounding_half_sum(int32_t a, int32_t b) {
    const int64_t sum = (int64_t)a + (int64_t)b;
    const int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

/* exp(a) for a in [-1/4, 0), Q0.31, Taylor expansion around -1/8. */
static int32_t tinyml_exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
    const int32_t constant_term = INT32_C(1895147668);
    const int32_t constant_1_over_3 = INT32_C(715827883);
    const int32_t x = tinyml_wrapping_add(a, tinyml_constant_pot(0, -3));
    const int32_t x2 = tinyml_srdhm(x, x);
    const int32_t x3 = tinyml_srdhm(x2, x);
    const int32_t x4 = tinyml_srdhm(x2, x2);
    const int32_t x4_over_4 = tinyml_saturating_rounding_multiply_by_pot(x4, -2);
    const int32_t poly = tinyml_saturating_rounding_multiply_by_pot(
        tinyml_wrapping_add(tinyml_srdhm(tinyml_wrapping_add(x4_over_4, x3), constant_1_over_3), x2), -1);
    return tinyml_wrapping_add(constant_term, tinyml_srdhm(constant_term, tinyml_wrapping_add(x, poly)));
}

int32_t tinyml_exp_on_negative_values(int32_t a, int32_t integer_bits) {
    /* exp(-2^exponent) in Q0.31 for exponent = -2..4 (GEMMLOWP_EXP_BARREL_SHIFTER). */
    static const int32_t barrel_exponent[7] = {-2, -1, 0, 1, 2, 3, 4};
    static const int32_t barrel_multiplier[7] = {INT32_C(1672461947), INT32_C(1302514674), INT32_C(790015084),
                                                 INT32_C(290630308),  INT32_C(39332535),   INT32_C(720401),
                                                 INT32_C(242)};
    const int32_t fractional_bits = 31 - integer_bits;
    const int32_t one_quarter = tinyml_constant_pot(integer_bits, -2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_quarter_minus_one_quarter = tinyml_wrapping_sub(a & mask, one_quarter);
    int32_t result = tinyml_exp_on_interval_between_negative_one_quarter_and_0_excl(
        tinyml_rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0));
    const int32_t remainder = tinyml_wrapping_sub(a_mod_quarter_minus_one_quarter, a);
    int32_t k;
    for (k = 0; k < 7; ++k) {
        if (integer_bits > barrel_exponent[k]) {
            const int32_t shift_amount = fractional_bits + barrel_exponent[k];
            if ((remainder & ((int32_t)1 << shift_amount)) != 0) {
                result = tinyml_srdhm(result, barrel_multiplier[k]);
            }
        }
    }
    if (integer_bits > 5) {
        /* Below -32, exp underflows Q0.31 entirely. */
        const int32_t clamp = -((int32_t)1 << (36 - integer_bits));
        if (a < clamp) {
            result = 0;
        }
    }
    if (a == 0) {
        result = tinyml_one(0);
    }
    return result;
}

/* 1 / half_denominator in Q2.29 for a half denominator in [1/2, 1), three Newton steps. */
static int32_t tinyml_newton_reciprocal_of_half_denominator(int32_t half_denominator) {
    const int32_t constant_48_over_17 = INT32_C(1515870810);
    const int32_t constant_neg_32_over_17 = INT32_C(-1010580540);
    int32_t x = tinyml_wrapping_add(constant_48_over_17, tinyml_srdhm(half_denominator, constant_neg_32_over_17));
    int32_t i;
    for (i = 0; i < 3; ++i) {
        const int32_t half_denominator_times_x = tinyml_srdhm(half_denominator, x);
        const int32_t one_minus = tinyml_wrapping_sub(tinyml_one(2), half_denominator_times_x);
        x = tinyml_wrapping_add(x, tinyml_rescale(tinyml_srdhm(x, one_minus), 4, 2));
    }
    return x;
}

int32_t tinyml_one_over_one_plus_x_for_x_in_0_1(int32_t a) {
    const int32_t x = tinyml_newton_reciprocal_of_half_denominator(tinyml_rounding_half_sum(a, tinyml_one(0)));
    return tinyml_rescale(x, 1, 0);
}

/* Leading zero bits of x, 32 for 0 (CountLeadingZeros; portable, no builtins). */
static int32_t tinyml_count_leading_zeros(uint32_t x) {
    int32_t n = 0;
    while (n < 32 && (x & ((uint32_t)1 << (31 - n))) == 0) {
        ++n;
    }
    return n;
}

void tinyml_get_reciprocal(int32_t x, int32_t x_integer_digits, int32_t *reciprocal, int32_t *num_bits_over_unit) {
    const uint32_t ux = (uint32_t)x;
    const int32_t headroom_plus_one = tinyml_count_leading_zeros(ux);
    uint32_t shifted;
    *num_bits_over_unit = x_integer_digits - headroom_plus_one;
    shifted = headroom_plus_one < 32 ? (ux << headroom_plus_one) : 0;
    *reciprocal = tinyml_one_over_one_plus_x_for_x_in_0_1((int32_t)(shifted - ((uint32_t)1 << 31)));
}

/* (1 - a) / (1 + a) for a in [0, 1), Q0.31 in and out. */
static int32_t tinyml_one_minus_x_over_one_plus_x_for_x_in_0_1(int32_t a) {
    const int32_t x = tinyml_newton_reciprocal_of_half_denominator(tinyml_rounding_half_sum(a, tinyml_one(0)));
    return tinyml_rescale(tinyml_wrapping_sub(x, tinyml_one(2)), 2, 0);
}

int32_t tinyml_logistic(int32_t a, int32_t integer_bits) {
    const int32_t abs_input = a > 0 ? a : tinyml_wrapping_sub(0, a);
    const int32_t result_if_positive = tinyml_one_over_one_plus_x_for_x_in_0_1(
        tinyml_exp_on_negative_values(tinyml_wrapping_sub(0, abs_input), integer_bits));
    const int32_t result_if_negative = tinyml_wrapping_sub(tinyml_one(0), result_if_positive);
    if (a == 0) {
        return (int32_t)1 << 30;
    }
    return a > 0 ? result_if_positive : result_if_negative;
}

int32_t tinyml_tanh(int32_t a, int32_t integer_bits) {
    const int32_t n = a < 0 ? a : tinyml_wrapping_sub(0, a);
    /* neg_tanh_on_negative_values: ExactMulByPot<1> adds an integer bit to the format,
     * the raw value unchanged. */
    const int32_t t =
        tinyml_one_minus_x_over_one_plus_x_for_x_in_0_1(tinyml_exp_on_negative_values(n, integer_bits + 1));
    if (a == 0) {
        return 0;
    }
    return a < 0 ? tinyml_wrapping_sub(0, t) : t;
}

void tinyml_get_inv_sqrt_quantized_multiplier_exp(int32_t input, int32_t reverse_shift, int32_t *inv_sqrt,
                                                  int32_t *shift) {
    int32_t s = 11;
    int32_t pairs;
    int32_t half_input;
    int32_t x;
    int32_t k;
    if (input <= 1) {
        *inv_sqrt = INT32_MAX;
        *shift = 0;
        return;
    }
    while (input >= ((int32_t)1 << 29)) {
        input /= 4;
        ++s;
    }
    pairs = (tinyml_count_leading_zeros((uint32_t)input) - 1) / 2 - 1;
    s -= pairs;
    input = tinyml_shl(input, 2 * pairs);
    /* F3 values: 3 integer bits. */
    half_input = tinyml_saturating_rounding_multiply_by_pot(input >> 1, -1);
    x = tinyml_one(3);
    for (k = 0; k < 5; ++k) {
        const int32_t x3 = tinyml_rescale(tinyml_srdhm(tinyml_srdhm(x, x), x), 9, 3);
        x = tinyml_rescale(tinyml_wrapping_sub(tinyml_srdhm(((int32_t)1 << 28) + ((int32_t)1 << 27), x),
                                               tinyml_srdhm(half_input, x3)),
                           6, 3);
    }
    /* sqrt(2) / 2 in F0. */
    x = tinyml_srdhm(x, INT32_C(1518500250));
    if (s < 0) {
        x = tinyml_shl(x, -s);
        s = 0;
    }
    *inv_sqrt = x;
    *shift = s * reverse_shift;
}

/* log_x_for_x_greater_than_or_equal_to_1<output_integer_bits>(input). */
int32_t tinyml_log_x_for_x_greater_than_or_equal_to_1(int32_t input, int32_t input_integer_bits,
                                                      int32_t output_integer_bits) {
    const int32_t log_2 = INT32_C(1488522236);
    const int32_t sqrt_sqrt_half = INT32_C(1805811301);
    const int32_t sqrt_half = INT32_C(1518500250);
    const int32_t alpha_n = INT32_C(117049297);
    const int32_t alpha_d = INT32_C(127690142);
    const int32_t alpha_i = INT32_C(1057819769);
    const int32_t alpha_f = INT32_C(638450708);
    const int32_t accum_bits = output_integer_bits + 1;
    const int32_t shifted_quarter = tinyml_rescale(INT32_C(536870912), 0, accum_bits);
    const int32_t z_a_headroom_plus_1 = tinyml_count_leading_zeros((uint32_t)input);
    int32_t z_b_headroom;
    int32_t r_a_raw;
    int32_t r_b_raw;
    int32_t z_a_pow_2_adj;
    int32_t z_b_pow_2_adj;
    int32_t z_b;
    int32_t r;
    int32_t z_pow_2_adj;
    int32_t p;
    int32_t q;
    int32_t common_sq;
    int32_t num;
    int32_t denom_minus_one_0;
    int64_t wide;
    r_a_raw = tinyml_saturating_rounding_multiply_by_pot(
        tinyml_srdhm(tinyml_saturating_rounding_multiply_by_pot(input, z_a_headroom_plus_1 - 1), sqrt_half), 1);
    wide = (int64_t)tinyml_saturating_rounding_multiply_by_pot(input_integer_bits - z_a_headroom_plus_1,
                                                               31 - accum_bits) +
           shifted_quarter;
    z_a_pow_2_adj = (int32_t)(wide > INT32_MAX ? INT32_MAX : (wide < INT32_MIN ? INT32_MIN : wide));
    z_b = tinyml_srdhm(input, sqrt_half);
    z_b_headroom = tinyml_count_leading_zeros((uint32_t)z_b) - 1;
    r_b_raw = tinyml_saturating_rounding_multiply_by_pot(input, z_b_headroom);
    wide = (int64_t)tinyml_saturating_rounding_multiply_by_pot(input_integer_bits - z_b_headroom, 31 - accum_bits) -
           shifted_quarter;
    z_b_pow_2_adj = (int32_t)(wide > INT32_MAX ? INT32_MAX : (wide < INT32_MIN ? INT32_MIN : wide));
    r = r_a_raw < r_b_raw ? r_a_raw : r_b_raw;
    z_pow_2_adj = z_a_pow_2_adj > z_b_pow_2_adj ? z_a_pow_2_adj : z_b_pow_2_adj;
    p = tinyml_rounding_half_sum(r, sqrt_sqrt_half);
    q = tinyml_wrapping_sub(r, sqrt_sqrt_half);
    q = tinyml_wrapping_add(q, q);
    common_sq = tinyml_srdhm(q, q);
    num = tinyml_wrapping_add(tinyml_srdhm(q, r), tinyml_srdhm(tinyml_srdhm(q, common_sq), alpha_n));
    denom_minus_one_0 = tinyml_wrapping_add(
        tinyml_srdhm(p, tinyml_wrapping_add(tinyml_wrapping_add(alpha_i, q), tinyml_srdhm(alpha_d, common_sq))),
        tinyml_srdhm(alpha_f, q));
    return tinyml_rescale(tinyml_wrapping_add(tinyml_srdhm(z_pow_2_adj, log_2),
                                              tinyml_srdhm(tinyml_rescale(num, 0, accum_bits),
                                                           tinyml_one_over_one_plus_x_for_x_in_0_1(denom_minus_one_0))),
                          accum_bits, output_integer_bits);
}
