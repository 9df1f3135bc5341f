/* RELU, RELU6, LEAKY_RELU on int8 and int16 (and int8 HARD_SWISH below) (runtime/src/kernels/relu.rs; TFLM ReluQuantized,
 * Relu6Quantized and reference_ops::QuantizeLeakyRelu). */
#include "tinyml_kernels.h"

/* relu::<T>, relu6::<T>, leaky_relu::<T>: one body per element type, as the Rust
 * generics. The int8 kernels take the table that the optimized Rust kernels read
 * (runtime/src/kernels/lookup.rs); these reference ports get NULL and compute.
 * TABLE is TINYML_TABLE_PARAM or empty, UNUSED the statement that discards it. */
#define TINYML_TABLE_PARAM const int32_t *packed,
#define TINYML_RELU(NAME, T, TABLE, UNUSED)                                                                    \
    void NAME(const ReluParams *p, const T *input, TABLE T *output, int32_t n) {                               \
        int32_t i;                                                                                             \
        UNUSED;                                                                                                \
        for (i = 0; i < n; ++i) {                                                                              \
            const int32_t x = tinyml_wrapping_sub((int32_t)input[i], p->input_zero_point);                     \
            const int32_t v = tinyml_wrapping_add(                                                             \
                p->output_zero_point, tinyml_multiply_by_quantized_multiplier(x, p->multiplier, p->shift));    \
            output[i] = (T)tinyml_clamp(v, p->activation_min, p->activation_max);                              \
        }                                                                                                      \
    }

/* TFLM tests the upper bound first. */
#define TINYML_RELU6(NAME, T, TABLE, UNUSED)                                                                   \
    void NAME(const Relu6Params *p, const T *input, TABLE T *output, int32_t n) {                              \
        int32_t i;                                                                                             \
        UNUSED;                                                                                                \
        for (i = 0; i < n; ++i) {                                                                              \
            const int32_t x = (int32_t)input[i];                                                               \
            output[i] = (T)(x > p->six ? p->six : (x < p->zero ? p->zero : x));                                \
        }                                                                                                      \
    }

#define TINYML_LEAKY_RELU(NAME, T, T_MIN, T_MAX, TABLE, UNUSED)                                                \
    void NAME(const LeakyReluParams *p, const T *input, TABLE T *output, int32_t n) {                          \
        int32_t i;                                                                                             \
        UNUSED;                                                                                                \
        for (i = 0; i < n; ++i) {                                                                              \
            const int32_t v = (int32_t)input[i] - p->input_zero_point;                                         \
            const int32_t scaled =                                                                             \
                v >= 0 ? tinyml_multiply_by_quantized_multiplier(v, p->multiplier_identity, p->shift_identity) \
                       : tinyml_multiply_by_quantized_multiplier(v, p->multiplier_alpha, p->shift_alpha);      \
            output[i] = (T)tinyml_clamp(tinyml_wrapping_add(p->output_zero_point, scaled), T_MIN, T_MAX);      \
        }                                                                                                      \
    }

TINYML_RELU(relu_s8, tinyml_i8, TINYML_TABLE_PARAM, (void)packed)
TINYML_RELU(relu_s16, int16_t, , (void)0)
TINYML_RELU6(relu6_s8, tinyml_i8, TINYML_TABLE_PARAM, (void)packed)
TINYML_RELU6(relu6_s16, int16_t, , (void)0)
TINYML_LEAKY_RELU(leaky_relu_s8, tinyml_i8, -128, 127, TINYML_TABLE_PARAM, (void)packed)
TINYML_LEAKY_RELU(leaky_relu_s16, int16_t, INT16_MIN, INT16_MAX, , (void)0)

/* HARD_SWISH (runtime/src/kernels/hard_swish.rs; TFLM reference_ops::HardSwish): 16-bit
 * fixed point, each step narrowed to int16_t as TFLM's. */
static int16_t tinyml_srdhm16(int16_t a, int16_t b) {
    int32_t ab;
    if (a == INT16_MIN && b == INT16_MIN) {
        return INT16_MAX;
    }
    ab = (int32_t)a * (int32_t)b;
    return (int16_t)((ab + (ab >= 0 ? (1 << 14) : (1 - (1 << 14)))) / (1 << 15));
}

static int16_t tinyml_sdhm16(int16_t a, int16_t b) {
    if (a == INT16_MIN && b == INT16_MIN) {
        return INT16_MAX;
    }
    return (int16_t)(((int32_t)a * (int32_t)b) / (1 << 15));
}

/* gemmlowp RoundingDivideByPOT<int16_t>: a mask of 16 or more bits wraps to all ones. */
static int16_t tinyml_rdbp16(int16_t x, int32_t exponent) {
    const int16_t mask = (int16_t)(((int64_t)1 << exponent) - 1);
    const int16_t remainder = (int16_t)(x & mask);
    const int16_t threshold = (int16_t)((mask >> 1) + (x < 0 ? 1 : 0));
    return (int16_t)((int16_t)((int32_t)x >> exponent) + (remainder > threshold ? 1 : 0));
}

static int16_t tinyml_saturating_shl16(int16_t x, int32_t amount) {
    const int64_t v = (int64_t)x * ((int64_t)1 << amount);
    return (int16_t)(v > INT16_MAX ? INT16_MAX : (v < INT16_MIN ? INT16_MIN : v));
}

void hard_swish_s8(const HardSwishParams *p, const tinyml_i8 *input, const int32_t *packed, tinyml_i8 *output,
                   int32_t n) {
    int32_t i;
    (void)packed;
    for (i = 0; i < n; ++i) {
        const int16_t input_value = (int16_t)((int32_t)input[i] - p->input_zero_point);
        const int16_t hires = (int16_t)(input_value * (1 << 7));
        const int16_t preshift_output = tinyml_srdhm16(hires, p->output_multiplier);
        int16_t reluish = hires;
        int16_t out;
        if (p->reluish_exponent > 0) {
            reluish = tinyml_saturating_shl16(reluish, p->reluish_exponent - 1);
        }
        reluish = tinyml_srdhm16(reluish, p->reluish_multiplier);
        if (p->reluish_exponent > 0) {
            reluish = tinyml_saturating_shl16(reluish, 1);
        }
        if (p->reluish_exponent < 0) {
            reluish = tinyml_rdbp16(reluish, -p->reluish_exponent);
        }
        reluish = (int16_t)(((int32_t)reluish + (1 << 15)) >> 1);
        out = (int16_t)(tinyml_rdbp16(tinyml_sdhm16(reluish, preshift_output), -p->output_exponent) +
                        (int16_t)p->output_zero_point);
        output[i] = (tinyml_i8)tinyml_clamp(out, -128, 127);
    }
}
