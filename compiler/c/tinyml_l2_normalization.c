/* L2_NORMALIZATION over the last dimension (runtime/src/kernels/l2_normalization.rs,
 * TFLM reference_integer_ops::L2Normalization and reference_ops::L2Normalization). */
#include "tinyml_kernels.h"

void l2_normalization_s8(const L2NormParams *p, const tinyml_i8 *input, tinyml_i8 *output) {
    int32_t r;
    int32_t c;
    for (r = 0; r < p->outer; ++r) {
        const tinyml_i8 *row = input + r * p->depth;
        tinyml_i8 *out = output + r * p->depth;
        int32_t acc = 0;
        int32_t multiplier;
        int32_t shift;
        for (c = 0; c < p->depth; ++c) {
            const int32_t v = (int32_t)row[c] - p->input_zero_point;
            acc = tinyml_wrapping_add(acc, v * v);
        }
        tinyml_get_inv_sqrt_quantized_multiplier_exp(acc, -1, &multiplier, &shift);
        for (c = 0; c < p->depth; ++c) {
            const int32_t v = tinyml_multiply_by_quantized_multiplier((int32_t)row[c] - p->input_zero_point, multiplier,
                                                                      shift + 7);
            out[c] = (tinyml_i8)tinyml_clamp(v, -128, 127);
        }
    }
}

void l2_normalization_f32(const L2NormParams *p, const float *input, float *output) {
    int32_t r;
    int32_t c;
    for (r = 0; r < p->outer; ++r) {
        const float *row = input + r * p->depth;
        float *out = output + r * p->depth;
        float squares = 0.0f;
        float norm;
        for (c = 0; c < p->depth; ++c) {
            squares += row[c] * row[c];
        }
        norm = tinyml_sqrtf(squares);
        if (norm < 1e-6f) {
            norm = 1e-6f;
        }
        for (c = 0; c < p->depth; ++c) {
            out[c] = row[c] / norm;
        }
    }
}
