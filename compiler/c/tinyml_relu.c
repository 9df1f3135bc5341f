/* RELU, RELU6 and LEAKY_RELU on int8 (runtime/src/kernels/relu.rs; TFLM ReluQuantized,
 * Relu6Quantized and reference_ops::QuantizeLeakyRelu). */
#include "tinyml_kernels.h"

void relu_s8(const ReluParams *p, const tinyml_i8 *input, tinyml_i8 *output, int32_t n) {
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t x = tinyml_wrapping_sub((int32_t)input[i], p->input_zero_point);
        const int32_t v = tinyml_wrapping_add(p->output_zero_point,
                                              tinyml_multiply_by_quantized_multiplier(x, p->multiplier, p->shift));
        output[i] = (tinyml_i8)tinyml_clamp(v, p->activation_min, p->activation_max);
    }
}

void relu6_s8(const Relu6Params *p, const tinyml_i8 *input, tinyml_i8 *output, int32_t n) {
    int32_t i;
    for (i = 0; i < n; ++i) {
        const tinyml_i8 x = input[i];
        /* TFLM tests the upper bound first. */
        output[i] = x > p->six ? p->six : (x < p->zero ? p->zero : x);
    }
}

void leaky_relu_s8(const LeakyReluParams *p, const tinyml_i8 *input, tinyml_i8 *output, int32_t n) {
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t v = (int32_t)input[i] - p->input_zero_point;
        const int32_t scaled =
            v >= 0 ? tinyml_multiply_by_quantized_multiplier(v, p->multiplier_identity, p->shift_identity)
                   : tinyml_multiply_by_quantized_multiplier(v, p->multiplier_alpha, p->shift_alpha);
        output[i] = (tinyml_i8)tinyml_clamp(tinyml_wrapping_add(p->output_zero_point, scaled), -128, 127);
    }
}
