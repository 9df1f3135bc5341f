/* LOGISTIC and TANH (runtime/src/kernels/logistic.rs and tanh.rs, TFLM
 * reference_integer_ops::Logistic / Tanh).
 *
 * int8: the input is rescaled to Q4.27 and passed through gemmlowp's fixed-point
 * logistic or tanh; inputs beyond the Q4.27 range saturate directly.
 * int16: linear interpolation in TFLM's sigmoid table (tinyml_sigmoid_lut.c); tanh is
 * 2 * sigmoid(2x) - 1 on the same table. */
#include "tinyml_kernels.h"

/* Integer bits of the rescaled int8 input (Q4.27), TFLM kInputIntegerBits. */
#define TINYML_SIGMOID_INPUT_INTEGER_BITS 4

void logistic_s8(const SigmoidParams *p, const tinyml_i8 *input, const int32_t *packed, tinyml_i8 *output,
                 int32_t n) {
    int32_t i;
    (void)packed; /* the optimized Rust kernels' table (runtime/src/kernels/lookup.rs) */
    for (i = 0; i < n; ++i) {
        const int32_t x = (int32_t)input[i] - p->input_zero_point;
        if (x <= -p->input_range_radius) {
            output[i] = -128;
        } else if (x >= p->input_range_radius) {
            output[i] = 127;
        } else {
            const int32_t input_in_q4 = tinyml_multiply_by_quantized_multiplier(x, p->input_multiplier,
                                                                                p->input_left_shift);
            const int32_t output_in_q0 = tinyml_logistic(input_in_q4, TINYML_SIGMOID_INPUT_INTEGER_BITS);
            /* Q0.31 to 1/256 steps, then the -128 zero point. */
            const int32_t v = tinyml_rounding_divide_by_pot(output_in_q0, 23) - 128;
            output[i] = (tinyml_i8)tinyml_clamp(v, -128, 127);
        }
    }
}

void tanh_s8(const SigmoidParams *p, const tinyml_i8 *input, const int32_t *packed, tinyml_i8 *output,
             int32_t n) {
    int32_t i;
    (void)packed; /* the optimized Rust kernels' table (runtime/src/kernels/lookup.rs) */
    for (i = 0; i < n; ++i) {
        const int32_t x = (int32_t)input[i] - p->input_zero_point;
        if (x <= -p->input_range_radius) {
            output[i] = -128;
        } else if (x >= p->input_range_radius) {
            output[i] = 127;
        } else {
            const int32_t input_in_q4 = tinyml_multiply_by_quantized_multiplier(x, p->input_multiplier,
                                                                                p->input_left_shift);
            const int32_t output_in_q0 = tinyml_tanh(input_in_q4, TINYML_SIGMOID_INPUT_INTEGER_BITS);
            /* Q0.31 to 1/128 steps; TFLM assumes the output zero point is 0. */
            output[i] = (tinyml_i8)tinyml_clamp(tinyml_rounding_divide_by_pot(output_in_q0, 24), -128, 127);
        }
    }
}

/* The input in the table's fixed point, rounding half up like TFLM (wrapping like the
 * Rust release build, which never overflows for multipliers up to 65535). */
static int32_t tinyml_sigmoid16_rescale(const Sigmoid16Params *p, int16_t x) {
    const int32_t round = p->input_left_shift > 0 ? ((int32_t)1 << (p->input_left_shift - 1)) : 0;
    return tinyml_wrapping_add((int32_t)x * p->input_multiplier, round) >> p->input_left_shift;
}

/* The table interpolated at `a` with `frac_bits` fractional bits per interval; returns 0
 * past the last interval (the caller saturates). */
static int tinyml_sigmoid_interpolate(uint32_t a, uint32_t frac_bits, uint32_t *result) {
    const uint32_t h = a >> frac_bits;
    uint32_t lo, hi, t;
    if (h >= 255u) {
        return 0;
    }
    lo = (uint32_t)tinyml_sigmoid_table_u16[h];
    hi = (uint32_t)tinyml_sigmoid_table_u16[h + 1u];
    t = a & (((uint32_t)1 << frac_bits) - 1u);
    /* The table is non-decreasing, so hi - lo does not wrap. */
    *result = (lo << frac_bits) + t * (hi - lo);
    return 1;
}

/* |v| as unsigned, also for INT32_MIN (Rust's unsigned_abs). */
static uint32_t tinyml_unsigned_abs(int32_t v) {
    return v >= 0 ? (uint32_t)v : (uint32_t)0 - (uint32_t)v;
}

/* One int16 LOGISTIC value; also the gates' sigmoid of the LSTM (tinyml_lstm.c). */
int16_t tinyml_logistic16(const Sigmoid16Params *p, int16_t x) {
    const int32_t v = tinyml_sigmoid16_rescale(p, x);
    uint32_t r;
    /* 9 fractional bits: 7 from the input's Q3.12 scaled by 3 and 2 from the 1/24 step. */
    if (!tinyml_sigmoid_interpolate(tinyml_unsigned_abs(v), 9u, &r)) {
        r = (uint32_t)0x7FFF << 10;
    }
    /* The sum has 25 fractional bits (16 of the table + 9); round to 15. */
    r = v >= 0 ? r + ((uint32_t)1 << 9) : ((uint32_t)1 << (16 + 9)) - r + ((uint32_t)1 << 9) - 1u;
    return tinyml_wrap_i16((int32_t)(r >> 10));
}

/* One int16 TANH value; also the LSTM's tanh of its cell gate and cell state. */
int16_t tinyml_tanh16(const Sigmoid16Params *p, int16_t x) {
    const int32_t v = tinyml_sigmoid16_rescale(p, x);
    uint32_t u;
    int32_t r;
    if (!tinyml_sigmoid_interpolate(tinyml_unsigned_abs(v), 8u, &u)) {
        u = (uint32_t)0xFFFF << 8;
    }
    /* At most 0xFFFF << 8, so it fits in int32. 2 * sigmoid - 1 with 24 fractional
     * bits, rounded to 15 (TFLM's exact rounding, not symmetric around zero). */
    r = (int32_t)u;
    r = v >= 0 ? r - ((int32_t)1 << (14 + 9)) + ((int32_t)1 << (9 - 2))
               : -r + ((int32_t)1 << (14 + 9)) + ((int32_t)1 << (9 - 2)) - 1;
    return tinyml_wrap_i16(r >> (9 - 1));
}

void logistic_s16(const Sigmoid16Params *p, const int16_t *input, int16_t *output, int32_t n) {
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = tinyml_logistic16(p, input[i]);
    }
}

void tanh_s16(const Sigmoid16Params *p, const int16_t *input, int16_t *output, int32_t n) {
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = tinyml_tanh16(p, input[i]);
    }
}
