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

/** `x` truncated to its low 32 bits, two's complement (Rust's `as i32` on an i64). */
static inline int32_t tinyml_wrap32(int64_t x) {
    return (int32_t)(uint32_t)(uint64_t)x;
}

/** `a * b` wrapping on overflow, like Rust's wrapping_mul. */
static inline int32_t tinyml_wrapping_mul(int32_t a, int32_t b) {
    return (int32_t)((uint32_t)a * (uint32_t)b);
}

/** An int32 value truncated to int8 (Rust's `as i8`). Explicit, because in the 16-bit
 * container mode a plain conversion to tinyml_i8 (int16_t) would not wrap at 8 bits. */
static inline tinyml_i8 tinyml_wrap_i8(int32_t x) {
    const int32_t low = (int32_t)((uint32_t)x & 0xFFu);
    return (tinyml_i8)(low >= 0x80 ? low - 0x100 : low);
}

/** An int32 value truncated to int16 (Rust's `as i16`), without relying on C's
 * implementation-defined narrowing. */
static inline int16_t tinyml_wrap_i16(int32_t x) {
    const int32_t low = (int32_t)((uint32_t)x & 0xFFFFu);
    return (int16_t)(low >= 0x8000 ? low - 0x10000 : low);
}

/** MultiplyByQuantizedMultiplier(int64_t, int32_t, int): the 64-bit accumulator variant
 * of the int16-activation kernels (the multiplier reduced to 16 bits, one rounding). */
static inline int32_t tinyml_multiply_by_quantized_multiplier_i64(int64_t x, int32_t multiplier, int32_t shift) {
    const int64_t reduced = multiplier < INT32_C(0x7FFF0000) ? (((int64_t)multiplier + INT32_C(0x8000)) >> 16) : 0x7FFF;
    const int32_t total_shift = 15 - shift;
    const int64_t round = (int64_t)1 << (total_shift - 1);
    /* Wrapping, as the Rust code's wrapping_mul / wrapping_add (never hit in practice). */
    const int64_t product = (int64_t)((uint64_t)x * (uint64_t)reduced + (uint64_t)round);
    return tinyml_wrap32(product >> total_shift);
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
void tinyml_get_inv_sqrt_quantized_multiplier_exp(int32_t input, int32_t reverse_shift, int32_t *inv_sqrt,
                                                  int32_t *shift);
int32_t tinyml_log_x_for_x_greater_than_or_equal_to_1(int32_t input, int32_t input_integer_bits,
                                                      int32_t output_integer_bits);

int32_t tinyml_logistic(int32_t a, int32_t integer_bits);
int32_t tinyml_tanh(int32_t a, int32_t integer_bits);

/* ---- float32 exp, log and sqrt (runtime/src/fmath.rs), in tinyml_elementwise.c ---- */

float tinyml_expf(float x);
float tinyml_logf(float x);
float tinyml_sqrtf(float x);

/* ---- Broadcasting of binary elementwise operators (runtime/src/kernels/broadcast.rs) ---- */

/** Most dimensions a broadcast operand may have. */
#define TINYML_BROADCAST_DIMS 6

/** runtime/src/kernels/broadcast.rs Broadcast: output shape and input strides (0 where
 * an input is broadcast), padded with leading ones to 6 dimensions. */
typedef struct {
    int32_t out_dims[TINYML_BROADCAST_DIMS];
    int32_t in1_strides[TINYML_BROADCAST_DIMS];
    int32_t in2_strides[TINYML_BROADCAST_DIMS];
    int32_t elementwise;
} Broadcast;

/** Walks the output of a broadcast in row-major order with the matching input indices:
 * the odometer form of the Rust kernel's nested loops (C has no closures). */
typedef struct {
    const Broadcast *shape;
    int32_t index[TINYML_BROADCAST_DIMS];
    int32_t a;
    int32_t b;
} TinymlBroadcastIter;

/** Starts at output element 0 (both inputs at element 0). */
static inline void tinyml_broadcast_begin(TinymlBroadcastIter *it, const Broadcast *shape) {
    int32_t k;
    it->shape = shape;
    for (k = 0; k < TINYML_BROADCAST_DIMS; ++k) {
        it->index[k] = 0;
    }
    it->a = 0;
    it->b = 0;
}

/** Moves to the next output element. */
static inline void tinyml_broadcast_next(TinymlBroadcastIter *it) {
    const Broadcast *s = it->shape;
    int32_t k;
    for (k = TINYML_BROADCAST_DIMS - 1; k >= 0; --k) {
        it->index[k] += 1;
        it->a += s->in1_strides[k];
        it->b += s->in2_strides[k];
        if (it->index[k] < s->out_dims[k]) {
            return;
        }
        it->a -= s->in1_strides[k] * s->out_dims[k];
        it->b -= s->in2_strides[k] * s->out_dims[k];
        it->index[k] = 0;
    }
}

/** Number of output elements. */
static inline int32_t tinyml_broadcast_len(const Broadcast *s) {
    int32_t n = 1;
    int32_t k;
    for (k = 0; k < TINYML_BROADCAST_DIMS; ++k) {
        n *= s->out_dims[k];
    }
    return n;
}

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

/** Batch dimensions of BATCH_MATMUL. */
#define BATCH_MATMUL_BATCH_DIMS 3

/** runtime/src/kernels/fully_connected/batch_matmul.rs BatchMatmulParams. */
typedef struct {
    FullyConnectedParams fc;
    int32_t batch_dims[BATCH_MATMUL_BATCH_DIMS];
    int32_t lhs_batch_strides[BATCH_MATMUL_BATCH_DIMS];
    int32_t rhs_batch_strides[BATCH_MATMUL_BATCH_DIMS];
    int32_t lhs_row_stride;
    int32_t lhs_depth_stride;
    int32_t rhs_col_stride;
    int32_t rhs_depth_stride;
} BatchMatmulParams;

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

/** runtime/src/kernels/transpose_conv.rs TransposeConvParams. */
typedef struct {
    int32_t input_offset;
    int32_t output_offset;
    int32_t stride_w;
    int32_t stride_h;
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
} TransposeConvParams;

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

/** runtime/src/kernels/softmax.rs SoftmaxS16Params. */
typedef struct {
    int32_t input_multiplier;
    int32_t input_left_shift;
    int32_t outer;
    int32_t depth;
} SoftmaxS16Params;

/** runtime/src/kernels/add.rs AddParams (ADD and SUB, int8 and int16). */
typedef struct {
    int32_t left_shift;
    int32_t input1_offset;
    int32_t input1_multiplier;
    int32_t input1_shift;
    int32_t input2_offset;
    int32_t input2_multiplier;
    int32_t input2_shift;
    int32_t output_offset;
    int32_t output_multiplier;
    int32_t output_shift;
    int32_t activation_min;
    int32_t activation_max;
    int32_t subtract;
    Broadcast shape;
} AddParams;

/** runtime/src/kernels/add.rs AddI32Params. */
typedef struct {
    int32_t activation_min;
    int32_t activation_max;
    int32_t subtract;
    Broadcast shape;
} AddI32Params;

/** runtime/src/kernels/mul.rs MulParams. */
typedef struct {
    int32_t input1_offset;
    int32_t input2_offset;
    int32_t output_offset;
    int32_t output_multiplier;
    int32_t output_shift;
    int32_t activation_min;
    int32_t activation_max;
    Broadcast shape;
} MulParams;

/** runtime/src/kernels/mul.rs MulI32Params. */
typedef struct {
    int32_t activation_min;
    int32_t activation_max;
    Broadcast shape;
} MulI32Params;

/** runtime/src/kernels/prelu.rs PreluParams. */
typedef struct {
    int32_t input_offset;
    int32_t alpha_offset;
    int32_t output_offset;
    int32_t output_multiplier_1;
    int32_t output_shift_1;
    int32_t output_multiplier_2;
    int32_t output_shift_2;
    Broadcast shape;
} PreluParams;

/** runtime/src/kernels/elementwise.rs RsqrtParams. */
typedef struct {
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t multiplier;
    int32_t shift;
} RsqrtParams;

/** runtime/src/kernels/l2_normalization.rs L2NormParams. */
typedef struct {
    int32_t input_zero_point;
    int32_t outer;
    int32_t depth;
} L2NormParams;

/** runtime/src/kernels/log_softmax.rs LogSoftmaxParams. */
typedef struct {
    int32_t input_multiplier;
    int32_t input_left_shift;
    int32_t reverse_scaling_divisor;
    int32_t reverse_scaling_right_shift;
    int32_t diff_min;
    int32_t outer;
    int32_t depth;
} LogSoftmaxParams;

/** runtime/src/kernels/logistic.rs SigmoidParams (int8 LOGISTIC and TANH). */
typedef struct {
    int32_t input_zero_point;
    int32_t input_range_radius;
    int32_t input_multiplier;
    int32_t input_left_shift;
} SigmoidParams;

/** runtime/src/kernels/logistic.rs Sigmoid16Params (int16 LOGISTIC and TANH). */
typedef struct {
    int32_t input_multiplier;
    int32_t input_left_shift;
} Sigmoid16Params;

/** runtime/src/kernels/lstm.rs LstmGateParams. */
typedef struct {
    int32_t input_multiplier;
    int32_t input_shift;
    int32_t input_filter_offset;
    int32_t recurrent_multiplier;
    int32_t recurrent_shift;
    int32_t recurrent_filter_offset;
} LstmGateParams;

/** runtime/src/kernels/lstm.rs LstmMulParams. */
typedef struct {
    int32_t multiplier;
    int32_t shift;
} LstmMulParams;

/** runtime/src/kernels/lstm.rs LstmParams (UNIDIRECTIONAL_SEQUENCE_LSTM). */
typedef struct {
    int32_t batches;
    int32_t time_steps;
    int32_t input_size;
    int32_t state_size;
    int32_t time_major;
    int32_t input_offset;
    int32_t hidden_offset;
    LstmGateParams input_gate;
    LstmGateParams forget_gate;
    LstmGateParams cell_gate;
    LstmGateParams output_gate;
    LstmMulParams forget_mul;
    LstmMulParams input_mul;
    LstmMulParams hidden_mul;
    int32_t hidden_zero_point;
    int32_t cell_clip;
    Sigmoid16Params cell_tanh;
} LstmParams;

/** runtime/src/kernels/quantize.rs AffineQuantizeParams. */
typedef struct {
    float scale;
    int32_t zero_point;
} AffineQuantizeParams;

/** runtime/src/kernels/quantize.rs RequantizeParams. */
typedef struct {
    int32_t multiplier;
    int32_t shift;
    int32_t input_zero_point;
    int32_t output_zero_point;
} RequantizeParams;

/** runtime/src/kernels/relu.rs ReluParams. */
typedef struct {
    int32_t multiplier;
    int32_t shift;
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t activation_min;
    int32_t activation_max;
} ReluParams;

/** runtime/src/kernels/relu.rs Relu6Params (stored values, no requantization). */
typedef struct {
    int32_t zero;
    int32_t six;
} Relu6Params;

/** runtime/src/kernels/relu.rs LeakyReluParams. */
typedef struct {
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t multiplier_identity;
    int32_t shift_identity;
    int32_t multiplier_alpha;
    int32_t shift_alpha;
} LeakyReluParams;

/** runtime/src/kernels/hard_swish.rs HardSwishParams (Q15 multipliers). */
typedef struct {
    int32_t input_zero_point;
    int32_t output_zero_point;
    int16_t reluish_multiplier;
    int32_t reluish_exponent;
    int16_t output_multiplier;
    int32_t output_exponent;
} HardSwishParams;

/** runtime/src/kernels/svdf.rs SvdfParams. */
typedef struct {
    int32_t batches;
    int32_t input_size;
    int32_t num_filters;
    int32_t rank;
    int32_t memory_size;
    int32_t input_zero_point;
    int32_t state_zero_point;
    int32_t output_zero_point;
    int32_t feature_multiplier;
    int32_t feature_shift;
    int32_t output_multiplier;
    int32_t output_shift;
} SvdfParams;

/** runtime/src/kernels/svdf.rs SvdfF32Params. */
typedef struct {
    int32_t batches;
    int32_t input_size;
    int32_t num_filters;
    int32_t rank;
    int32_t memory_size;
    int32_t clamp_min;
    float activation_min;
    int32_t clamp_max;
    float activation_max;
} SvdfF32Params;

/** runtime/src/kernels/dequantize.rs DequantizeParams (the scale in double, as TFLM). */
typedef struct {
    double scale;
    int32_t zero_point;
} DequantizeParams;

/** Dimensions of PAD, MEAN and the strided copy, shapes extended at the front. */
#define TINYML_MAX_DIMS_5 5

/** runtime/src/kernels/pad.rs PadParams. */
typedef struct {
    int32_t input_dims[TINYML_MAX_DIMS_5];
    int32_t before[TINYML_MAX_DIMS_5];
    int32_t output_dims[TINYML_MAX_DIMS_5];
} PadParams;

/** runtime/src/kernels/arg_min_max.rs ArgMinMaxParams. */
typedef struct {
    int32_t outer;
    int32_t axis_size;
    int32_t inner;
} ArgMinMaxParams;

/** runtime/src/kernels/mean.rs ReduceShape (`reduced` holds 1 or 0). */
typedef struct {
    int32_t input_dims[TINYML_MAX_DIMS_5];
    int32_t reduced[TINYML_MAX_DIMS_5];
} ReduceShape;

/** runtime/src/kernels/mean.rs MeanParams (MEAN and SUM). */
typedef struct {
    ReduceShape shape;
    int32_t count;
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t multiplier;
    int32_t shift;
} MeanParams;

/** Most inputs of one CONCATENATION (TFLM micro's kMaxInputNum). */
#define TINYML_CONCAT_MAX_INPUTS 10

/** runtime/src/kernels/concatenation.rs ConcatParams. */
typedef struct {
    int32_t outer;
    int32_t inputs;
    int32_t copy[TINYML_CONCAT_MAX_INPUTS];
} ConcatParams;

/** runtime/src/kernels/strided_copy.rs StridedCopyParams (SLICE, STRIDED_SLICE, TRANSPOSE,
 * BROADCAST_TO, FILL, ZEROS_LIKE). */
typedef struct {
    int32_t output_dims[TINYML_MAX_DIMS_5];
    int32_t input_strides[TINYML_MAX_DIMS_5];
    int32_t offset;
} StridedCopyParams;

/** runtime/src/kernels/gather.rs GatherParams. */
typedef struct {
    int32_t batches;
    int32_t outer;
    int32_t axis_size;
    int32_t coords;
    int32_t inner;
} GatherParams;

/** runtime/src/kernels/resize_nearest.rs ResizeNearestParams. */
typedef struct {
    int32_t batches;
    int32_t input_height;
    int32_t input_width;
    int32_t depth;
    int32_t output_height;
    int32_t output_width;
} ResizeNearestParams;

/** TFLM's int16 sigmoid table: sigmoid(i / 24) in unsigned 0.16, in tinyml_sigmoid_lut.c. */
extern const uint16_t tinyml_sigmoid_table_u16[256];

/* ---- Kernels. Absent optional tables (bias) are NULL. ---- */

/* `packed` and `scratch` serve the optimized Rust kernels (one signature with them); the
 * C kernels are reference ports, are passed NULL and ignore both. */
void fully_connected_s8(const FullyConnectedParams *p, const tinyml_i8 *input, const tinyml_i8 *filter,
                        const int32_t *bias, const int32_t *packed, tinyml_i8 *output);
void conv_s8(const ConvParams *p, const tinyml_i8 *input, const tinyml_i8 *filter, const int32_t *bias,
             const int32_t *multipliers, const int32_t *shifts, const int32_t *packed, void *scratch,
             tinyml_i8 *output);
void depthwise_conv_s8(const DepthwiseConvParams *p, const tinyml_i8 *input, const tinyml_i8 *filter,
                       const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                       const int32_t *packed, tinyml_i8 *output);
void average_pool_i8(const PoolParams *p, const tinyml_i8 *input, tinyml_i8 *output);
void average_pool_i16(const PoolParams *p, const int16_t *input, int16_t *output);
void max_pool_i8(const PoolParams *p, const tinyml_i8 *input, tinyml_i8 *output);
void max_pool_i16(const PoolParams *p, const int16_t *input, int16_t *output);
void softmax_s8(const SoftmaxParams *p, const tinyml_i8 *input, tinyml_i8 *output);
void softmax_s8_s16(const SoftmaxParams *p, const tinyml_i8 *input, int16_t *output);

void fully_connected_s16(const FullyConnectedParams *p, const int16_t *input, const tinyml_i8 *filter,
                         const int64_t *bias, int16_t *output);
void batch_matmul_s8(const BatchMatmulParams *p, const tinyml_i8 *lhs, const tinyml_i8 *rhs, tinyml_i8 *output);
void batch_matmul_s16(const BatchMatmulParams *p, const int16_t *lhs, const int16_t *rhs, int16_t *output);
void batch_matmul_f32(const BatchMatmulParams *p, const float *lhs, const float *rhs, float *output);
void conv_s16(const ConvParams *p, const int16_t *input, const tinyml_i8 *filter, const int64_t *bias,
              const int32_t *multipliers, const int32_t *shifts, int16_t *output);
void depthwise_conv_s16(const DepthwiseConvParams *p, const int16_t *input, const tinyml_i8 *filter,
                        const int64_t *bias, const int32_t *multipliers, const int32_t *shifts, int16_t *output);
/* TRANSPOSE_CONV: the Rust kernels scatter into the arena `scratch` as TFLM does; these
 * gather without it (same sums) and are passed NULL for it and `packed`. */
void transpose_conv_s8(const TransposeConvParams *p, const tinyml_i8 *input, const tinyml_i8 *filter,
                       const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                       const int32_t *packed, void *scratch, tinyml_i8 *output);
void transpose_conv_s16(const TransposeConvParams *p, const int16_t *input, const tinyml_i8 *filter,
                        const int64_t *bias, const int32_t *multipliers, const int32_t *shifts, void *scratch,
                        int16_t *output);
void softmax_s16(const SoftmaxS16Params *p, const int16_t *exp_lut, const int16_t *one_over_one_plus_x_lut,
                 const int16_t *input, int16_t *output);

/* ADD/SUB, MUL, MINIMUM/MAXIMUM with broadcasting (`packed`: the two-table form the
   optimized Rust add_s8 reads; NULL here). */
void add_s8(const AddParams *p, const tinyml_i8 *in1, const tinyml_i8 *in2, const int32_t *packed,
            tinyml_i8 *output);
void add_s16(const AddParams *p, const int16_t *in1, const int16_t *in2, int16_t *output);
void add_i32(const AddI32Params *p, const int32_t *in1, const int32_t *in2, int32_t *output);
void mul_s8(const MulParams *p, const tinyml_i8 *in1, const tinyml_i8 *in2, tinyml_i8 *output);
void mul_s8_rows(const MulParams *p, const tinyml_i8 *in1, const tinyml_i8 *in2, tinyml_i8 *output);
void mul_s16(const MulParams *p, const int16_t *in1, const int16_t *in2, int16_t *output);
void mul_i32(const MulI32Params *p, const int32_t *in1, const int32_t *in2, int32_t *output);
void prelu_s8(const PreluParams *p, const tinyml_i8 *input, const tinyml_i8 *alpha, tinyml_i8 *output);
void prelu_s16(const PreluParams *p, const int16_t *input, const tinyml_i8 *alpha, int16_t *output);
void prelu_f32(const Broadcast *shape, const float *input, const float *alpha, float *output);
void squared_difference_s8(const AddParams *p, const tinyml_i8 *in1, const tinyml_i8 *in2, tinyml_i8 *output);
void squared_difference_s16(const AddParams *p, const int16_t *in1, const int16_t *in2, int16_t *output);
void squared_difference_i32(const Broadcast *shape, const int32_t *in1, const int32_t *in2, int32_t *output);
void squared_difference_f32(const Broadcast *shape, const float *in1, const float *in2, float *output);
void maximum_i8(const Broadcast *shape, const tinyml_i8 *in1, const tinyml_i8 *in2, tinyml_i8 *output);
void maximum_i16(const Broadcast *shape, const int16_t *in1, const int16_t *in2, int16_t *output);
void maximum_i32(const Broadcast *shape, const int32_t *in1, const int32_t *in2, int32_t *output);
void maximum_f32(const Broadcast *shape, const float *in1, const float *in2, float *output);
void minimum_i8(const Broadcast *shape, const tinyml_i8 *in1, const tinyml_i8 *in2, tinyml_i8 *output);
void minimum_i16(const Broadcast *shape, const int16_t *in1, const int16_t *in2, int16_t *output);
void minimum_i32(const Broadcast *shape, const int32_t *in1, const int32_t *in2, int32_t *output);
void minimum_f32(const Broadcast *shape, const float *in1, const float *in2, float *output);

/* Elementwise kernels whose Rust version takes the length from its slices get the
 * element count `n` as a last argument (the C export appends it). */

/* LOGISTIC and TANH (int8 `packed`: the 256-byte table the optimized Rust kernels read,
   runtime/src/kernels/lookup.rs; NULL here). */
void logistic_s8(const SigmoidParams *p, const tinyml_i8 *input, const int32_t *packed, tinyml_i8 *output, int32_t n);
void logistic_s16(const Sigmoid16Params *p, const int16_t *input, int16_t *output, int32_t n);
void tanh_s8(const SigmoidParams *p, const tinyml_i8 *input, const int32_t *packed, tinyml_i8 *output, int32_t n);
void tanh_s16(const Sigmoid16Params *p, const int16_t *input, int16_t *output, int32_t n);
/* One int16 LOGISTIC or TANH value (tinyml_logistic.c), for the LSTM's gates. */
int16_t tinyml_logistic16(const Sigmoid16Params *p, int16_t x);
int16_t tinyml_tanh16(const Sigmoid16Params *p, int16_t x);

/* UNIDIRECTIONAL_SEQUENCE_LSTM: `output_state` and `cell_state` are the variable tensors
 * the kernel reads and updates (state kept between invokes). */
void lstm_s8(const LstmParams *p, const tinyml_i8 *input, const tinyml_i8 *weights, const int32_t *bias,
             tinyml_i8 *output_state, int16_t *cell_state, tinyml_i8 *output);
void lstm_s16(const LstmParams *p, const int16_t *input, const tinyml_i8 *weights, const int64_t *bias,
              int16_t *output_state, int16_t *cell_state, int16_t *output);

/* QUANTIZE (float to int, int to int) and DEQUANTIZE. The Rust generics are named by
 * their element types: requantize::<I, O> is requantize_I_O. */
void quantize_f32_i8(const AffineQuantizeParams *p, const float *input, tinyml_i8 *output, int32_t n);
void quantize_f32_i16(const AffineQuantizeParams *p, const float *input, int16_t *output, int32_t n);
void requantize_i8_i8(const RequantizeParams *p, const tinyml_i8 *input, tinyml_i8 *output, int32_t n);
void requantize_i8_u8(const RequantizeParams *p, const tinyml_i8 *input, tinyml_u8 *output, int32_t n);
void requantize_u8_i8(const RequantizeParams *p, const tinyml_u8 *input, tinyml_i8 *output, int32_t n);
void requantize_i8_i16(const RequantizeParams *p, const tinyml_i8 *input, int16_t *output, int32_t n);
void requantize_i8_i32(const RequantizeParams *p, const tinyml_i8 *input, int32_t *output, int32_t n);
void requantize_i16_i8(const RequantizeParams *p, const int16_t *input, tinyml_i8 *output, int32_t n);
void requantize_i16_i16(const RequantizeParams *p, const int16_t *input, int16_t *output, int32_t n);
void requantize_i16_i32(const RequantizeParams *p, const int16_t *input, int32_t *output, int32_t n);
void requantize_i32_i8(const RequantizeParams *p, const int32_t *input, tinyml_i8 *output, int32_t n);
void requantize_i32_i16(const RequantizeParams *p, const int32_t *input, int16_t *output, int32_t n);
void dequantize_i8(const DequantizeParams *p, const tinyml_i8 *input, float *output, int32_t n);
void dequantize_u8(const DequantizeParams *p, const tinyml_u8 *input, float *output, int32_t n);
void dequantize_i16(const DequantizeParams *p, const int16_t *input, float *output, int32_t n);

/* EXP, LOG, SQRT, RSQRT. */
void exp_f32(const float *input, float *output, int32_t n);
void log_f32(const float *input, float *output, int32_t n);
void sqrt_f32(const float *input, float *output, int32_t n);
void rsqrt_f32(const float *input, float *output, int32_t n);
void rsqrt_s8(const RsqrtParams *p, const tinyml_i8 *input, tinyml_i8 *output, int32_t n);
void rsqrt_s16(const RsqrtParams *p, const int16_t *input, int16_t *output, int32_t n);

/* L2_NORMALIZATION. */
void l2_normalization_s8(const L2NormParams *p, const tinyml_i8 *input, tinyml_i8 *output);
void l2_normalization_f32(const L2NormParams *p, const float *input, float *output);

/* LOG_SOFTMAX. */
void log_softmax_s8(const LogSoftmaxParams *p, const tinyml_i8 *input, tinyml_i8 *output);
void log_softmax_f32(const LogSoftmaxParams *p, const float *input, float *output);

/* RELU, RELU6, LEAKY_RELU, HARD_SWISH (int8 `packed`: as LOGISTIC's). */
void relu_s8(const ReluParams *p, const tinyml_i8 *input, const int32_t *packed, tinyml_i8 *output, int32_t n);
void relu6_s8(const Relu6Params *p, const tinyml_i8 *input, const int32_t *packed, tinyml_i8 *output, int32_t n);
void leaky_relu_s8(const LeakyReluParams *p, const tinyml_i8 *input, const int32_t *packed,
                   tinyml_i8 *output, int32_t n);
void relu_s16(const ReluParams *p, const int16_t *input, int16_t *output, int32_t n);
void relu6_s16(const Relu6Params *p, const int16_t *input, int16_t *output, int32_t n);
void leaky_relu_s16(const LeakyReluParams *p, const int16_t *input, int16_t *output, int32_t n);
void hard_swish_s8(const HardSwishParams *p, const tinyml_i8 *input, const int32_t *packed,
                   tinyml_i8 *output, int32_t n);

/* SVDF: svdf_s8::<T> is svdf_s8_T (T: the time weights' and state's type). The state
 * is updated in place and kept by the caller between invocations. */
void svdf_s8_i16(const SvdfParams *p, const tinyml_i8 *input, const tinyml_i8 *weights_feature,
                 const int16_t *weights_time, const int32_t *bias, int16_t *state, tinyml_i8 *output);
void svdf_s8_i8(const SvdfParams *p, const tinyml_i8 *input, const tinyml_i8 *weights_feature,
                const tinyml_i8 *weights_time, const int32_t *bias, tinyml_i8 *state, tinyml_i8 *output);
void svdf_f32(const SvdfF32Params *p, const float *input, const float *weights_feature, const float *weights_time,
              const float *bias, float *state, float *output);

/* MEAN, SUM, REDUCE_MAX, ARG_MAX, ARG_MIN, PAD, CONCATENATION (and PACK), the strided copy, GATHER,
 * RESIZE_NEAREST_NEIGHBOR. */
void mean_i8(const MeanParams *p, const tinyml_i8 *input, tinyml_i8 *output);
void mean_i16(const MeanParams *p, const int16_t *input, int16_t *output);
void arg_max_i8(const ArgMinMaxParams *p, const tinyml_i8 *input, int32_t *output);
void arg_max_f32(const ArgMinMaxParams *p, const float *input, int32_t *output);
void arg_min_i8(const ArgMinMaxParams *p, const tinyml_i8 *input, int32_t *output);
void arg_min_f32(const ArgMinMaxParams *p, const float *input, int32_t *output);
void reduce_max_i8(const ReduceShape *shape, const tinyml_i8 *input, tinyml_i8 *output);
void reduce_max_f32(const ReduceShape *shape, const float *input, float *output);
void sum_f32(const ReduceShape *shape, const float *input, float *output);
void pad_i8(const PadParams *p, const tinyml_i8 *input, tinyml_i8 pad_value, tinyml_i8 *output);
void pad_i16(const PadParams *p, const int16_t *input, int16_t pad_value, int16_t *output);
void pad_i32(const PadParams *p, const int32_t *input, int32_t pad_value, int32_t *output);
void pad_f32(const PadParams *p, const float *input, float pad_value, float *output);
/* `inputs` has p->inputs entries (the Rust call's slice of slices). */
void concatenation_i8(const ConcatParams *p, const tinyml_i8 *const *inputs, tinyml_i8 *output);
void concatenation_i16(const ConcatParams *p, const int16_t *const *inputs, int16_t *output);
void concatenation_i32(const ConcatParams *p, const int32_t *const *inputs, int32_t *output);
void concatenation_f32(const ConcatParams *p, const float *const *inputs, float *output);
/* SPLIT, SPLIT_V, UNPACK: the inverse; `outputs` has p->inputs entries. */
void split_i8(const ConcatParams *p, const tinyml_i8 *input, tinyml_i8 *const *outputs);
void split_i16(const ConcatParams *p, const int16_t *input, int16_t *const *outputs);
void split_i32(const ConcatParams *p, const int32_t *input, int32_t *const *outputs);
void split_f32(const ConcatParams *p, const float *input, float *const *outputs);
void strided_copy_i8(const StridedCopyParams *p, const tinyml_i8 *input, tinyml_i8 *output);
void strided_copy_u8(const StridedCopyParams *p, const tinyml_u8 *input, tinyml_u8 *output);
void strided_copy_i16(const StridedCopyParams *p, const int16_t *input, int16_t *output);
void strided_copy_i32(const StridedCopyParams *p, const int32_t *input, int32_t *output);
void strided_copy_f32(const StridedCopyParams *p, const float *input, float *output);
/* GATHER: a position outside 0..axis_size gives a block of zeros. */
void gather_i8(const GatherParams *p, const tinyml_i8 *input, const int32_t *coords, tinyml_i8 *output);
void gather_f32(const GatherParams *p, const float *input, const int32_t *coords, float *output);
void resize_nearest_i8(const ResizeNearestParams *p, const tinyml_i8 *input, const int32_t *rows, const int32_t *cols,
                       tinyml_i8 *output);
void resize_nearest_i16(const ResizeNearestParams *p, const int16_t *input, const int32_t *rows,
                        const int32_t *cols, int16_t *output);
void resize_nearest_f32(const ResizeNearestParams *p, const float *input, const int32_t *rows, const int32_t *cols,
                        float *output);

/* CAST: cast::<F, T> is cast_F_T (F: i8 i16 i32 u32 u8(bool) f32; T: i8 i16 i32 u32 f32). */
void cast_i8_i8(const tinyml_i8 *input, tinyml_i8 *output, int32_t n);
void cast_i8_i16(const tinyml_i8 *input, int16_t *output, int32_t n);
void cast_i8_i32(const tinyml_i8 *input, int32_t *output, int32_t n);
void cast_i8_u32(const tinyml_i8 *input, uint32_t *output, int32_t n);
void cast_i8_f32(const tinyml_i8 *input, float *output, int32_t n);
void cast_i16_i8(const int16_t *input, tinyml_i8 *output, int32_t n);
void cast_i16_i16(const int16_t *input, int16_t *output, int32_t n);
void cast_i16_i32(const int16_t *input, int32_t *output, int32_t n);
void cast_i16_u32(const int16_t *input, uint32_t *output, int32_t n);
void cast_i16_f32(const int16_t *input, float *output, int32_t n);
void cast_i32_i8(const int32_t *input, tinyml_i8 *output, int32_t n);
void cast_i32_i16(const int32_t *input, int16_t *output, int32_t n);
void cast_i32_i32(const int32_t *input, int32_t *output, int32_t n);
void cast_i32_u32(const int32_t *input, uint32_t *output, int32_t n);
void cast_i32_f32(const int32_t *input, float *output, int32_t n);
void cast_u32_i8(const uint32_t *input, tinyml_i8 *output, int32_t n);
void cast_u32_i16(const uint32_t *input, int16_t *output, int32_t n);
void cast_u32_i32(const uint32_t *input, int32_t *output, int32_t n);
void cast_u32_u32(const uint32_t *input, uint32_t *output, int32_t n);
void cast_u32_f32(const uint32_t *input, float *output, int32_t n);
void cast_u8_i8(const tinyml_u8 *input, tinyml_i8 *output, int32_t n);
void cast_u8_i16(const tinyml_u8 *input, int16_t *output, int32_t n);
void cast_u8_i32(const tinyml_u8 *input, int32_t *output, int32_t n);
void cast_u8_u32(const tinyml_u8 *input, uint32_t *output, int32_t n);
void cast_u8_f32(const tinyml_u8 *input, float *output, int32_t n);
void cast_f32_i8(const float *input, tinyml_i8 *output, int32_t n);
void cast_f32_i16(const float *input, int16_t *output, int32_t n);
void cast_f32_i32(const float *input, int32_t *output, int32_t n);
void cast_f32_u32(const float *input, uint32_t *output, int32_t n);
void cast_f32_f32(const float *input, float *output, int32_t n);

#endif /* TINYML_KERNELS_H */
