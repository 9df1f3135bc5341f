/* TRANSPOSE_CONV, int8 and int16x8 (runtime/src/kernels/transpose_conv.rs, TFLM
 * reference_integer_ops::TransposeConv). NHWC input/output, OHWI filter. TFLM scatters
 * every input pixel into int32 (int64) accumulators in an arena buffer; these kernels
 * gather instead: each output element sums the taps that land on it
 * (in * stride - pad + k == out), which gives the same sums (int32 sums wrap alike). */
#include "tinyml_kernels.h"

/* The input row/column whose tap `k` lands on `out`, if it exists inside [0, size). */
static int tinyml_transpose_source(int32_t out, int32_t k, int32_t stride, int32_t pad, int32_t size, int32_t *in) {
    const int32_t t = out + pad - k;
    if (t < 0 || t % stride != 0 || t / stride >= size) {
        return 0;
    }
    *in = t / stride;
    return 1;
}

/* The sum of the products reaching output element (b, oy, ox, oc), in 64 bits. */
#define TINYML_TRANSPOSE_SUM(T)                                                                                   \
    static int64_t tinyml_transpose_sum_##T(const TransposeConvParams *p, const T *input, const tinyml_i8 *filter, \
                                            int32_t b, int32_t oy, int32_t ox, int32_t oc) {                      \
        int64_t acc = 0;                                                                                          \
        int32_t ky, kx, c, y, x;                                                                                  \
        for (ky = 0; ky < p->filter_h; ++ky) {                                                                    \
            if (!tinyml_transpose_source(oy, ky, p->stride_h, p->pad_h, p->input_h, &y)) {                        \
                continue;                                                                                         \
            }                                                                                                     \
            for (kx = 0; kx < p->filter_w; ++kx) {                                                                \
                const T *pixel;                                                                                   \
                const tinyml_i8 *weights;                                                                         \
                if (!tinyml_transpose_source(ox, kx, p->stride_w, p->pad_w, p->input_w, &x)) {                    \
                    continue;                                                                                     \
                }                                                                                                 \
                pixel = input + ((b * p->input_h + y) * p->input_w + x) * p->input_depth;                         \
                weights = filter + ((oc * p->filter_h + ky) * p->filter_w + kx) * p->input_depth;                 \
                for (c = 0; c < p->input_depth; ++c) {                                                            \
                    acc += (int64_t)(((int32_t)pixel[c] + p->input_offset) * (int32_t)weights[c]);                \
                }                                                                                                 \
            }                                                                                                     \
        }                                                                                                         \
        return acc;                                                                                               \
    }
TINYML_TRANSPOSE_SUM(tinyml_i8)
TINYML_TRANSPOSE_SUM(int16_t)

void transpose_conv_s8(const TransposeConvParams *p, const tinyml_i8 *input, const tinyml_i8 *filter,
                       const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                       const int32_t *packed, void *scratch, tinyml_i8 *output) {
    int32_t o = 0;
    int32_t b, oy, ox, oc;
    (void)packed;
    (void)scratch;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->output_h; ++oy) {
            for (ox = 0; ox < p->output_w; ++ox) {
                for (oc = 0; oc < p->output_depth; ++oc) {
                    /* TFLM's accumulator is an int32: wrap the sum (and the bias) as it does. */
                    uint32_t sum = (uint32_t)tinyml_transpose_sum_tinyml_i8(p, input, filter, b, oy, ox, oc);
                    int32_t acc, v;
                    if (bias != NULL) {
                        sum += (uint32_t)bias[oc];
                    }
                    acc = (int32_t)sum;
                    v = tinyml_multiply_by_quantized_multiplier(acc, multipliers[oc], shifts[oc]) + p->output_offset;
                    output[o] = (tinyml_i8)tinyml_clamp(v, p->activation_min, p->activation_max);
                    ++o;
                }
            }
        }
    }
}

/* int16 activations, int8 weights, int64 bias: int64 sums, the 64-bit requantization,
 * and no output offset (zero points are 0), as TFLM's 16x8 TransposeConv. */
void transpose_conv_s16(const TransposeConvParams *p, const int16_t *input, const tinyml_i8 *filter,
                        const int64_t *bias, const int32_t *multipliers, const int32_t *shifts, void *scratch,
                        int16_t *output) {
    int32_t o = 0;
    int32_t b, oy, ox, oc;
    (void)scratch;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->output_h; ++oy) {
            for (ox = 0; ox < p->output_w; ++ox) {
                for (oc = 0; oc < p->output_depth; ++oc) {
                    int64_t acc = tinyml_transpose_sum_int16_t(p, input, filter, b, oy, ox, oc);
                    int32_t v;
                    if (bias != NULL) {
                        acc += bias[oc];
                    }
                    v = tinyml_multiply_by_quantized_multiplier_i64(acc, multipliers[oc], shifts[oc]);
                    output[o] = (int16_t)tinyml_clamp(v, p->activation_min, p->activation_max);
                    ++o;
                }
            }
        }
    }
}
