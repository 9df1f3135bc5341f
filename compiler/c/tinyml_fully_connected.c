/* FULLY_CONNECTED, int8 (runtime/src/kernels/fully_connected.rs, TFLM
 * reference_integer_ops::FullyConnected). `packed` is the optimized Rust kernel's table of
 * folded biases; the export passes NULL and this reference port ignores it. */
#include "tinyml_kernels.h"

void fully_connected_s8(const FullyConnectedParams *p, const tinyml_i8 *input, const tinyml_i8 *filter,
                        const int32_t *bias, const int32_t *packed, tinyml_i8 *output) {
    const int32_t depth = p->accum_depth;
    int32_t b;
    int32_t o;
    int32_t d;
    (void)packed;
    for (b = 0; b < p->batches; ++b) {
        const tinyml_i8 *row = input + b * depth;
        for (o = 0; o < p->output_depth; ++o) {
            const tinyml_i8 *weights = filter + o * depth;
            int32_t acc = 0;
            int32_t v;
            for (d = 0; d < depth; ++d) {
                acc += ((int32_t)weights[d] + p->filter_offset) * ((int32_t)row[d] + p->input_offset);
            }
            if (bias != NULL) {
                acc += bias[o];
            }
            v = tinyml_multiply_by_quantized_multiplier(acc, p->output_multiplier, p->output_shift);
            v += p->output_offset;
            output[b * p->output_depth + o] = (tinyml_i8)tinyml_clamp(v, p->activation_min, p->activation_max);
        }
    }
}

/* The int16x8 layer (fully_connected_s16): 64-bit accumulator, int64 bias, the 64-bit
 * requantization. Each product fits in 32 bits, as in TFLM; only the sum needs 64. */
void fully_connected_s16(const FullyConnectedParams *p, const int16_t *input, const tinyml_i8 *filter,
                         const int64_t *bias, int16_t *output) {
    const int32_t depth = p->accum_depth;
    int32_t b;
    int32_t o;
    int32_t d;
    for (b = 0; b < p->batches; ++b) {
        const int16_t *row = input + b * depth;
        for (o = 0; o < p->output_depth; ++o) {
            const tinyml_i8 *weights = filter + o * depth;
            int64_t acc = 0;
            int32_t v;
            for (d = 0; d < depth; ++d) {
                acc += (int64_t)(((int32_t)weights[d] + p->filter_offset) * ((int32_t)row[d] + p->input_offset));
            }
            if (bias != NULL) {
                acc += bias[o];
            }
            v = tinyml_multiply_by_quantized_multiplier_i64(acc, p->output_multiplier, p->output_shift);
            v += p->output_offset;
            output[b * p->output_depth + o] = (int16_t)tinyml_clamp(v, p->activation_min, p->activation_max);
        }
    }
}

/* BATCH_MATMUL (runtime/src/kernels/fully_connected/batch_matmul.rs, TFLM
 * reference_ops::BatchMatMul with FullyConnectedParams): for every (broadcast) batch
 * index, out[r][c] = requant(sum_k (lhs[r][k] + input_offset) * (rhs[k][c] +
 * filter_offset)). Matrices stored as a fully connected layer reads them run through
 * fully_connected_s8 (int8); other layouts and int16 are walked with strides, the sum
 * in 64 bits (its low 32 bits are TFLM's int32 sum for int8). */
static int32_t tinyml_bmm_fc_layout(const BatchMatmulParams *p) {
    const int32_t depth = p->fc.accum_depth;
    return p->lhs_depth_stride == 1 && p->rhs_depth_stride == 1 && p->lhs_row_stride == depth &&
           p->rhs_col_stride == depth;
}

#define TINYML_BATCH_MATMUL(NAME, T, FC_LAYOUT, REQUANT)                                                       \
    void NAME(const BatchMatmulParams *p, const T *lhs, const T *rhs, T *output) {                             \
        const FullyConnectedParams *fc = &p->fc;                                                               \
        const int32_t out_len = fc->batches * fc->output_depth;                                                \
        int32_t b0, b1, b2, r, c, k, o = 0;                                                                    \
        for (b0 = 0; b0 < p->batch_dims[0]; ++b0)                                                              \
            for (b1 = 0; b1 < p->batch_dims[1]; ++b1)                                                          \
                for (b2 = 0; b2 < p->batch_dims[2]; ++b2) {                                                    \
                    const T *l = lhs + b0 * p->lhs_batch_strides[0] + b1 * p->lhs_batch_strides[1] +           \
                                 b2 * p->lhs_batch_strides[2];                                                 \
                    const T *w = rhs + b0 * p->rhs_batch_strides[0] + b1 * p->rhs_batch_strides[1] +           \
                                 b2 * p->rhs_batch_strides[2];                                                 \
                    T *out = output + o;                                                                       \
                    o += out_len;                                                                              \
                    if (FC_LAYOUT) {                                                                           \
                        fully_connected_s8(fc, (const tinyml_i8 *)l, (const tinyml_i8 *)w, NULL, NULL,         \
                                           (tinyml_i8 *)out);                                                  \
                        continue;                                                                              \
                    }                                                                                          \
                    for (r = 0; r < fc->batches; ++r) {                                                        \
                        for (c = 0; c < fc->output_depth; ++c) {                                               \
                            int64_t acc = 0;                                                                   \
                            int32_t v;                                                                         \
                            for (k = 0; k < fc->accum_depth; ++k) {                                            \
                                const int32_t x = (int32_t)l[r * p->lhs_row_stride + k * p->lhs_depth_stride] + \
                                                  fc->input_offset;                                            \
                                const int32_t y = (int32_t)w[c * p->rhs_col_stride + k * p->rhs_depth_stride] + \
                                                  fc->filter_offset;                                           \
                                acc += (int64_t)(y * x);                                                       \
                            }                                                                                  \
                            v = REQUANT + fc->output_offset;                                                   \
                            out[r * fc->output_depth + c] = (T)tinyml_clamp(v, fc->activation_min, fc->activation_max); \
                        }                                                                                      \
                    }                                                                                          \
                }                                                                                              \
    }

TINYML_BATCH_MATMUL(batch_matmul_s8, tinyml_i8, tinyml_bmm_fc_layout(p),
                    tinyml_multiply_by_quantized_multiplier(tinyml_wrap32(acc), fc->output_multiplier,
                                                            fc->output_shift))
TINYML_BATCH_MATMUL(batch_matmul_s16, int16_t, 0,
                    tinyml_multiply_by_quantized_multiplier_i64(acc, fc->output_multiplier, fc->output_shift))

/* The float32 BATCH_MATMUL: sums from 0 in depth order, as TFLM's float loop. */
void batch_matmul_f32(const BatchMatmulParams *p, const float *lhs, const float *rhs, float *output) {
    const FullyConnectedParams *fc = &p->fc;
    int32_t b0, b1, b2, r, c, k, o = 0;
    for (b0 = 0; b0 < p->batch_dims[0]; ++b0)
        for (b1 = 0; b1 < p->batch_dims[1]; ++b1)
            for (b2 = 0; b2 < p->batch_dims[2]; ++b2) {
                const float *l =
                    lhs + b0 * p->lhs_batch_strides[0] + b1 * p->lhs_batch_strides[1] + b2 * p->lhs_batch_strides[2];
                const float *w =
                    rhs + b0 * p->rhs_batch_strides[0] + b1 * p->rhs_batch_strides[1] + b2 * p->rhs_batch_strides[2];
                for (r = 0; r < fc->batches; ++r) {
                    for (c = 0; c < fc->output_depth; ++c) {
                        float acc = 0.0f;
                        for (k = 0; k < fc->accum_depth; ++k) {
                            acc += w[c * p->rhs_col_stride + k * p->rhs_depth_stride] *
                                   l[r * p->lhs_row_stride + k * p->lhs_depth_stride];
                        }
                        output[o + r * fc->output_depth + c] = acc;
                    }
                }
                o += fc->batches * fc->output_depth;
            }
}
