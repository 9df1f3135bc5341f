/*
 * tinyml_kernels.h: the C99 port of the tinyml-runtime reference kernels, shipped by
 * `cargo tinyml convert --emit c`. Every kernel mirrors the Rust function of the same
 * name in runtime/src/kernels/ (same arguments, same integer arithmetic, TFLM's
 * rounding), so the exported C gives the same bytes as TFLite Micro.
 *
 * Portability rules followed here, because the same code must run on C28x (where `int`
 * has 16 bits, CHAR_BIT is 16 and there is no int8_t):
 *   - no plain `int` in arithmetic: every quantity is int32_t (or int64_t);
 *   - no left shift of a negative value and no signed overflow: wrapping arithmetic goes
 *     through uint32_t, as the Rust code's wrapping_* calls do;
 *   - int8 values live in `tinyml_i8`, which is int8_t normally and int16_t when
 *     TINYML_I8_CONTAINER_16 is defined (automatically when CHAR_BIT != 8). Values stay
 *     in -128..127 in both cases, so results are identical.
 */
#ifndef TINYML_KERNELS_H
#define TINYML_KERNELS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* The export's configuration (the int8 container width), generated beside this file so
 * that every translation unit (model.c and each kernel) agrees on it. */
#include "tinyml_config.h"

#if CHAR_BIT != 8 && !defined(TINYML_I8_CONTAINER_16)
/* C28x and other word-addressed cores have no 8-bit type. */
#define TINYML_I8_CONTAINER_16 1
#endif

#if defined(TINYML_I8_CONTAINER_16)
/** An int8 value held in a 16-bit container (always in -128..127). */
typedef int16_t tinyml_i8;
/** A uint8 value held in a 16-bit container (always in 0..255). */
typedef uint16_t tinyml_u8;
#else
/** An int8 value. */
typedef int8_t tinyml_i8;
/** A uint8 value. */
typedef uint8_t tinyml_u8;
#endif

/* ---- Fixed-point helpers (runtime/src/fixedpoint.rs, TFLM common.h) ---- */

/** `a + b` wrapping on overflow (two's complement), like Rust's wrapping_add. */
static inline int32_t tinyml_wrapping_add(int32_t a, int32_t b) {
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

/** `a - b` wrapping on overflow. */
static inline int32_t tinyml_wrapping_sub(int32_t a, int32_t b) {
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

/** `x << s` for any sign of x, wrapping (a left shift of a negative value is undefined in C). */
static inline int32_t tinyml_shl(int32_t x, int32_t s) {
    return (int32_t)((uint32_t)x << s);
}

/** Clamp to [lo, hi]. */
static inline int32_t tinyml_clamp(int32_t x, int32_t lo, int32_t hi) {
    return x < lo ? lo : (x > hi ? hi : x);
}

/** SaturatingRoundingDoublingHighMul. */
static inline int32_t tinyml_srdhm(int32_t a, int32_t b) {
    int64_t ab;
    int64_t nudge;
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    ab = (int64_t)a * (int64_t)b;
    nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    /* C99 division truncates toward zero, as TFLM relies on. */
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/** RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero. */
static inline int32_t tinyml_rounding_divide_by_pot(int32_t x, int32_t exponent) {
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    /* Right shift of a negative value is arithmetic on every supported compiler
     * (gcc, clang, TI cl2000), as TFLM assumes. */
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** MultiplyByQuantizedMultiplier (int32 accumulator, TFLM's double rounding). */
static inline int32_t tinyml_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift) {
    const int32_t left_shift = shift > 0 ? shift : 0;
    const int32_t right_shift = shift > 0 ? 0 : -shift;
    return tinyml_rounding_divide_by_pot(tinyml_srdhm(tinyml_shl(x, left_shift), multiplier), right_shift);
}

/** MultiplyByQuantizedMultiplierGreaterThanOne. */
static inline int32_t tinyml_multiply_by_quantized_multiplier_greater_than_one(int32_t x, int32_t multiplier,
                                                                                int32_t left_shift) {
    return tinyml_srdhm(tinyml_shl(x, left_shift), multiplier);
}

/** The input coordinate a filter tap reads; 0 when it falls in the padding. */
static inline int tinyml_tap(int32_t out, int32_t stride, int32_t pad, int32_t dilation, int32_t k, int32_t size,
                             int32_t *pos) {
    const int32_t p = out * stride + k * dilation - pad;
    *pos = p;
    return p >= 0 && p < size;
}

/* ---- gemmlowp fixed point (runtime/src/gemmlowp.rs), in tinyml_gemmlowp.c ---- */

int32_t tinyml_rescale(int32_t x, int32_t src_bits, int32_t dst_bits);
int32_t tinyml_exp_on_negative_values(int32_t a, int32_t integer_bits);
int32_t tinyml_one_over_one_plus_x_for_x_in_0_1(int32_t a);
void tinyml_get_reciprocal(int32_t x, int32_t x_integer_digits, int32_t *reciprocal, int32_t *num_bits_over_unit);

/* ---- Parameter structs: field for field the Rust structs (usize fields are int32_t) ---- */

/** runtime/src/kernels/fully_connected.rs FullyConnectedParams. */
typedef struct {
    int32_t input_offset;
    int32_t filter_offset;
    int32_t output_offset;
    int32_t output_multiplier;
    int32_t output_shift;
    int32_t activation_min;
    int32_t activation_max;
    int32_t batches;
    int32_t accum_depth;
    int32_t output_depth;
} FullyConnectedParams;

/** runtime/src/kernels/conv.rs ConvParams. */
typedef struct {
    int32_t input_offset;
    int32_t output_offset;
    int32_t stride_w;
    int32_t stride_h;
    int32_t dilation_w;
    int32_t dilation_h;
    int32_t pad_w;
    int32_t pad_h;
    int32_t activation_min;
    int32_t activation_max;
    int32_t batches;
    int32_t input_h;
    int32_t input_w;
    int32_t input_depth;
    int32_t filter_h;
    int32_t filter_w;
    int32_t output_h;
    int32_t output_w;
    int32_t output_depth;
} ConvParams;

/** runtime/src/kernels/depthwise_conv.rs DepthwiseConvParams. */
typedef struct {
    int32_t input_offset;
    int32_t output_offset;
    int32_t stride_w;
    int32_t stride_h;
    int32_t dilation_w;
    int32_t dilation_h;
    int32_t pad_w;
    int32_t pad_h;
    int32_t depth_multiplier;
    int32_t activation_min;
    int32_t activation_max;
    int32_t batches;
    int32_t input_h;
    int32_t input_w;
    int32_t input_depth;
    int32_t filter_h;
    int32_t filter_w;
    int32_t output_h;
    int32_t output_w;
} DepthwiseConvParams;

/** runtime/src/kernels/pooling.rs PoolParams. */
typedef struct {
    int32_t stride_w;
    int32_t stride_h;
    int32_t filter_w;
    int32_t filter_h;
    int32_t pad_w;
    int32_t pad_h;
    int32_t activation_min;
    int32_t activation_max;
    int32_t batches;
    int32_t input_h;
    int32_t input_w;
    int32_t depth;
    int32_t output_h;
    int32_t output_w;
} PoolParams;

/** runtime/src/kernels/softmax.rs SoftmaxParams. */
typedef struct {
    int32_t input_multiplier;
    int32_t input_left_shift;
    int32_t diff_min;
    int32_t outer;
    int32_t depth;
} SoftmaxParams;

/* ---- Kernels. Absent optional tables (bias) are NULL. ---- */

void fully_connected_s8(const FullyConnectedParams *p, const tinyml_i8 *input, const tinyml_i8 *filter,
                        const int32_t *bias, tinyml_i8 *output);
void conv_s8(const ConvParams *p, const tinyml_i8 *input, const tinyml_i8 *filter, const int32_t *bias,
             const int32_t *multipliers, const int32_t *shifts, tinyml_i8 *output);
void depthwise_conv_s8(const DepthwiseConvParams *p, const tinyml_i8 *input, const tinyml_i8 *filter,
                       const int32_t *bias, const int32_t *multipliers, const int32_t *shifts, tinyml_i8 *output);
void average_pool_i8(const PoolParams *p, const tinyml_i8 *input, tinyml_i8 *output);
void average_pool_i16(const PoolParams *p, const int16_t *input, int16_t *output);
void max_pool_i8(const PoolParams *p, const tinyml_i8 *input, tinyml_i8 *output);
void max_pool_i16(const PoolParams *p, const int16_t *input, int16_t *output);
void softmax_s8(const SoftmaxParams *p, const tinyml_i8 *input, tinyml_i8 *output);
void softmax_s8_s16(const SoftmaxParams *p, const tinyml_i8 *input, int16_t *output);

#endif /* TINYML_KERNELS_H */
