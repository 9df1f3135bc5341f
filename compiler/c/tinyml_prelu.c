/* PRELU with broadcasting of alpha (runtime/src/kernels/prelu.rs, TFLM
 * reference_ops::BroadcastPrelu4DSlow and BroadcastPrelu4DSlowFloat). */
#include "tinyml_kernels.h"

/* One quantized output element; alpha is int8 for int8 and int16 inputs. */
static int32_t tinyml_prelu_element(const PreluParams *p, int32_t x, int32_t a) {
    const int32_t v = p->input_offset + x;
    const int32_t scaled =
        v >= 0 ? tinyml_multiply_by_quantized_multiplier(v, p->output_multiplier_1, p->output_shift_1)
               : tinyml_multiply_by_quantized_multiplier(tinyml_wrapping_mul(v, p->alpha_offset + a),
                                                         p->output_multiplier_2, p->output_shift_2);
    return tinyml_wrapping_add(p->output_offset, scaled);
}

void prelu_s8(const PreluParams *p, const tinyml_i8 *input, const tinyml_i8 *alpha, tinyml_i8 *output) {
    const int32_t n = tinyml_broadcast_len(&p->shape);
    TinymlBroadcastIter it;
    int32_t o;
    tinyml_broadcast_begin(&it, &p->shape);
    for (o = 0; o < n; ++o) {
        output[o] = (tinyml_i8)tinyml_clamp(tinyml_prelu_element(p, (int32_t)input[it.a], (int32_t)alpha[it.b]), -128,
                                            127);
        tinyml_broadcast_next(&it);
    }
}

void prelu_s16(const PreluParams *p, const int16_t *input, const tinyml_i8 *alpha, int16_t *output) {
    const int32_t n = tinyml_broadcast_len(&p->shape);
    TinymlBroadcastIter it;
    int32_t o;
    tinyml_broadcast_begin(&it, &p->shape);
    for (o = 0; o < n; ++o) {
        output[o] = (int16_t)tinyml_clamp(tinyml_prelu_element(p, (int32_t)input[it.a], (int32_t)alpha[it.b]),
                                          -32768, 32767);
        tinyml_broadcast_next(&it);
    }
}

void prelu_f32(const Broadcast *shape, const float *input, const float *alpha, float *output) {
    const int32_t n = tinyml_broadcast_len(shape);
    TinymlBroadcastIter it;
    int32_t o;
    tinyml_broadcast_begin(&it, shape);
    for (o = 0; o < n; ++o) {
        const float x = input[it.a];
        output[o] = x >= 0.0f ? x : x * alpha[it.b];
        tinyml_broadcast_next(&it);
    }
}
