/* FULLY_CONNECTED, int8 (runtime/src/kernels/fully_connected.rs, TFLM
 * reference_integer_ops::FullyConnected). */
#include "tinyml_kernels.h"

void fully_connected_s8(const FullyConnectedParams *p, const tinyml_i8 *input, const tinyml_i8 *filter,
                        const int32_t *bias, tinyml_i8 *output) {
    const int32_t depth = p->accum_depth;
    int32_t b;
    int32_t o;
    int32_t d;
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
