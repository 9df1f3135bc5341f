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
