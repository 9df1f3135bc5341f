/* QUANTIZE (runtime/src/kernels/quantize.rs): float32 to int8/int16 (TFLM
 * reference_ops::AffineQuantize) and integer requantization (reference_ops::Requantize). */
#include "tinyml_kernels.h"

/* (int32_t)roundf(x) without libm: round half away from zero, saturating outside the
 * int32 range and mapping NaN to 0 (as the Rust kernel's saturating `as`). */
static int32_t tinyml_round_to_i32(float x) {
    int32_t t;
    float frac;
    if (x != x) {
        return 0;
    }
    /* From 2^23 on every float is an integer. */
    if (x >= 8388608.0f || x <= -8388608.0f) {
        if (x >= 2147483648.0f) {
            return INT32_MAX;
        }
        if (x <= -2147483648.0f) {
            return INT32_MIN;
        }
        return (int32_t)x;
    }
    t = (int32_t)x; /* truncates toward zero, exactly */
    frac = x - (float)t; /* exact for |x| < 2^23 */
    if (frac >= 0.5f) {
        return t + 1;
    }
    if (frac <= -0.5f) {
        return t - 1;
    }
    return t;
}

/* round(x / scale) + zero_point, saturating the addition like Rust's saturating_add. */
static int32_t tinyml_affine_quantize(const AffineQuantizeParams *p, float x) {
    const int64_t v = (int64_t)tinyml_round_to_i32(x / p->scale) + p->zero_point;
    return v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v);
}

void quantize_f32_i8(const AffineQuantizeParams *p, const float *input, tinyml_i8 *output, int32_t n) {
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = (tinyml_i8)tinyml_clamp(tinyml_affine_quantize(p, input[i]), -128, 127);
    }
}

void quantize_f32_i16(const AffineQuantizeParams *p, const float *input, int16_t *output, int32_t n) {
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = (int16_t)tinyml_clamp(tinyml_affine_quantize(p, input[i]), INT16_MIN, INT16_MAX);
    }
}

/* requantize::<I, O>: one body per type pair, as the Rust generic. */
#define TINYML_REQUANTIZE(NAME, I, O, O_MIN, O_MAX)                                                          \
    void NAME(const RequantizeParams *p, const I *input, O *output, int32_t n) {                            \
        int32_t i;                                                                                           \
        for (i = 0; i < n; ++i) {                                                                            \
            const int32_t x = tinyml_wrapping_sub((int32_t)input[i], p->input_zero_point);                  \
            const int32_t v = tinyml_wrapping_add(                                                           \
                tinyml_multiply_by_quantized_multiplier(x, p->multiplier, p->shift), p->output_zero_point); \
            output[i] = (O)tinyml_clamp(v, O_MIN, O_MAX);                                                   \
        }                                                                                                    \
    }

TINYML_REQUANTIZE(requantize_i8_i8, tinyml_i8, tinyml_i8, -128, 127)
TINYML_REQUANTIZE(requantize_i8_u8, tinyml_i8, tinyml_u8, 0, 255)
TINYML_REQUANTIZE(requantize_u8_i8, tinyml_u8, tinyml_i8, -128, 127)
TINYML_REQUANTIZE(requantize_i8_i16, tinyml_i8, int16_t, INT16_MIN, INT16_MAX)
TINYML_REQUANTIZE(requantize_i8_i32, tinyml_i8, int32_t, INT32_MIN, INT32_MAX)
TINYML_REQUANTIZE(requantize_i16_i8, int16_t, tinyml_i8, -128, 127)
TINYML_REQUANTIZE(requantize_i16_i16, int16_t, int16_t, INT16_MIN, INT16_MAX)
TINYML_REQUANTIZE(requantize_i16_i32, int16_t, int32_t, INT32_MIN, INT32_MAX)
TINYML_REQUANTIZE(requantize_i32_i8, int32_t, tinyml_i8, -128, 127)
TINYML_REQUANTIZE(requantize_i32_i16, int32_t, int16_t, INT16_MIN, INT16_MAX)
