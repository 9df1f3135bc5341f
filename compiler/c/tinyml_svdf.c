/* SVDF (runtime/src/kernels/svdf.rs; TFLM svdf_common.cc EvalIntegerSvdfReference and
 * EvalFloatSvdfReference). The activation state persists between invocations; each call
 * shifts it left by one value over the whole buffer and writes every filter's newest
 * value. The reduction over the rank is fused per unit, so no scratch buffer is used. */
#include "tinyml_kernels.h"

/* One int8 SVDF instance per state type: STATE the C type, WRAP its truncation from
 * int32, SMIN/SMAX its range. */
#define TINYML_SVDF_S8(NAME, STATE, WRAP, SMIN, SMAX)                                                           \
    void NAME(const SvdfParams *p, const tinyml_i8 *input, const tinyml_i8 *weights_feature,                  \
              const STATE *weights_time, const int32_t *bias, STATE *state, tinyml_i8 *output) {              \
        const int32_t n_input = p->input_size;                                                                 \
        const int32_t n_filter = p->num_filters;                                                               \
        const int32_t n_memory = p->memory_size;                                                               \
        const int32_t n_unit = p->num_filters / p->rank;                                                       \
        const int32_t n_state = p->batches * n_filter * n_memory;                                              \
        int32_t b, f, u, j, k;                                                                                 \
        for (k = 0; k + 1 < n_state; ++k) {                                                                    \
            state[k] = state[k + 1];                                                                           \
        }                                                                                                      \
        for (b = 0; b < p->batches; ++b) {                                                                     \
            const tinyml_i8 *row = input + b * n_input;                                                        \
            for (f = 0; f < n_filter; ++f) {                                                                   \
                const tinyml_i8 *w = weights_feature + f * n_input;                                            \
                int32_t dot = 0;                                                                               \
                int32_t v;                                                                                     \
                for (j = 0; j < n_input; ++j) {                                                                \
                    dot = tinyml_wrapping_add(dot, (int32_t)w[j] * ((int32_t)row[j] - p->input_zero_point));   \
                }                                                                                              \
                v = tinyml_multiply_by_quantized_multiplier(dot, p->feature_multiplier, p->feature_shift);     \
                /* Saturated to the state type, then the zero point added and narrowed. */                    \
                v = tinyml_wrapping_add(p->state_zero_point, tinyml_clamp(v, SMIN, SMAX));                     \
                state[(b * n_filter + f) * n_memory + n_memory - 1] = WRAP(v);                                 \
            }                                                                                                  \
        }                                                                                                      \
        for (b = 0; b < p->batches; ++b) {                                                                     \
            for (u = 0; u < n_unit; ++u) {                                                                     \
                int32_t acc = bias[u];                                                                         \
                int32_t v;                                                                                     \
                for (f = u * p->rank; f < (u + 1) * p->rank; ++f) {                                            \
                    const STATE *memory = state + (b * n_filter + f) * n_memory;                               \
                    const STATE *w = weights_time + f * n_memory;                                              \
                    int32_t dot = 0;                                                                           \
                    for (j = 0; j < n_memory; ++j) {                                                           \
                        dot = tinyml_wrapping_add(                                                             \
                            dot, tinyml_wrapping_mul((int32_t)w[j], (int32_t)memory[j] - p->state_zero_point)); \
                    }                                                                                          \
                    acc = tinyml_wrapping_add(acc, dot);                                                       \
                }                                                                                              \
                v = tinyml_multiply_by_quantized_multiplier(acc, p->output_multiplier, p->output_shift);       \
                output[b * n_unit + u] = (tinyml_i8)tinyml_clamp(tinyml_wrapping_add(v, p->output_zero_point), \
                                                                 -128, 127);                                   \
            }                                                                                                  \
        }                                                                                                      \
    }

TINYML_SVDF_S8(svdf_s8_i16, int16_t, tinyml_wrap_i16, -32768, 32767)
TINYML_SVDF_S8(svdf_s8_i8, tinyml_i8, tinyml_wrap_i8, -128, 127)

void svdf_f32(const SvdfF32Params *p, const float *input, const float *weights_feature, const float *weights_time,
              const float *bias, float *state, float *output) {
    const int32_t n_input = p->input_size;
    const int32_t n_filter = p->num_filters;
    const int32_t n_memory = p->memory_size;
    const int32_t n_unit = p->num_filters / p->rank;
    const int32_t n_state = p->batches * n_filter * n_memory;
    int32_t b, f, u, j, k;
    for (k = 0; k + 1 < n_state; ++k) {
        state[k] = state[k + 1];
    }
    for (b = 0; b < p->batches; ++b) {
        const float *row = input + b * n_input;
        for (f = 0; f < n_filter; ++f) {
            const float *w = weights_feature + f * n_input;
            float dot = 0.0f;
            for (j = 0; j < n_input; ++j) {
                dot += w[j] * row[j];
            }
            state[(b * n_filter + f) * n_memory + n_memory - 1] = dot;
        }
    }
    for (b = 0; b < p->batches; ++b) {
        for (u = 0; u < n_unit; ++u) {
            float acc = bias != NULL ? bias[u] : 0.0f;
            for (f = u * p->rank; f < (u + 1) * p->rank; ++f) {
                const float *memory = state + (b * n_filter + f) * n_memory;
                const float *w = weights_time + f * n_memory;
                float dot = 0.0f;
                for (j = 0; j < n_memory; ++j) {
                    dot += w[j] * memory[j];
                }
                acc += dot;
            }
            /* ActivationValFloat's std::max(lo, std::min(x, hi)), the same comparisons. */
            if (p->clamp_max && p->activation_max < acc) {
                acc = p->activation_max;
            }
            if (p->clamp_min) {
                acc = p->activation_min < acc ? acc : p->activation_min;
            }
            output[b * n_unit + u] = acc;
        }
    }
}
