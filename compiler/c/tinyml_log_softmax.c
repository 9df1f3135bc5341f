/* LOG_SOFTMAX over the last dimension (runtime/src/kernels/log_softmax.rs, TFLM
 * reference_ops::LogSoftmaxQuantized and reference_ops::LogSoftmax). */
#include "tinyml_kernels.h"

void log_softmax_s8(const LogSoftmaxParams *p, const tinyml_i8 *input, tinyml_i8 *output) {
    int32_t r;
    int32_t c;
    for (r = 0; r < p->outer; ++r) {
        const tinyml_i8 *row = input + r * p->depth;
        tinyml_i8 *out = output + r * p->depth;
        int32_t max = -128;
        int32_t sum_of_exps = 0;
        int32_t log_sum;
        int32_t adjusted_diff_min;
        int32_t reverse;
        for (c = 0; c < p->depth; ++c) {
            max = (int32_t)row[c] > max ? (int32_t)row[c] : max;
        }
        for (c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)row[c] - max;
            if (diff >= p->diff_min) {
                const int32_t scaled =
                    tinyml_multiply_by_quantized_multiplier(diff, p->input_multiplier, p->input_left_shift);
                sum_of_exps = tinyml_wrapping_add(sum_of_exps,
                                                  tinyml_rescale(tinyml_exp_on_negative_values(scaled, 5), 0, 12));
            }
        }
        log_sum = tinyml_log_x_for_x_greater_than_or_equal_to_1(sum_of_exps, 12, 5);
        reverse = tinyml_multiply_by_quantized_multiplier(tinyml_wrapping_add(log_sum, INT32_MIN),
                                                          p->reverse_scaling_divisor,
                                                          -p->reverse_scaling_right_shift);
        adjusted_diff_min = p->diff_min - 1 > reverse ? p->diff_min - 1 : reverse;
        for (c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)row[c] - max;
            if (diff > adjusted_diff_min) {
                const int32_t scaled =
                    tinyml_multiply_by_quantized_multiplier(diff, p->input_multiplier, p->input_left_shift);
                const int32_t v = tinyml_rounding_divide_by_pot(tinyml_wrapping_sub(scaled, log_sum), 22) + 127;
                out[c] = (tinyml_i8)tinyml_clamp(v, -128, 127);
            } else {
                out[c] = -128;
            }
        }
    }
}

void log_softmax_f32(const LogSoftmaxParams *p, const float *input, float *output) {
    int32_t r;
    int32_t c;
    for (r = 0; r < p->outer; ++r) {
        const float *row = input + r * p->depth;
        float *out = output + r * p->depth;
        float max = -3.40282347e+38f;
        float sum = 0.0f;
        float log_sum;
        for (c = 0; c < p->depth; ++c) {
            max = max < row[c] ? row[c] : max;
        }
        for (c = 0; c < p->depth; ++c) {
            sum += tinyml_expf(row[c] - max);
        }
        log_sum = tinyml_logf(sum);
        for (c = 0; c < p->depth; ++c) {
            out[c] = row[c] - max - log_sum;
        }
    }
}
