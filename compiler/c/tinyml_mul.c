/* MUL with broadcasting (runtime/src/kernels/mul.rs, TFLM reference_integer_ops::Mul,
 * BroadcastMul6DSlow): int8 and int16 requantize the product of the offset inputs;
 * int32 is a wrapping product (TFLM WrappingMul). */
#include "tinyml_kernels.h"

static int32_t tinyml_mul_element(const MulParams *p, int32_t a, int32_t b) {
    const int32_t product = (p->input1_offset + a) * (p->input2_offset + b);
    const int32_t v =
        p->output_offset + tinyml_multiply_by_quantized_multiplier(product, p->output_multiplier, p->output_shift);
    return tinyml_clamp(v, p->activation_min, p->activation_max);
}

void mul_s8(const MulParams *p, const tinyml_i8 *in1, const tinyml_i8 *in2, tinyml_i8 *output) {
    const int32_t n = tinyml_broadcast_len(&p->shape);
    TinymlBroadcastIter it;
    int32_t o;
    tinyml_broadcast_begin(&it, &p->shape);
    for (o = 0; o < n; ++o) {
        output[o] = (tinyml_i8)tinyml_mul_element(p, (int32_t)in1[it.a], (int32_t)in2[it.b]);
        tinyml_broadcast_next(&it);
    }
}

/* mul_s8 where one input is a row repeated over the other (the Rust runtime's
   mul_s8_rows skips the broadcast analysis there; here the same loop). */
void mul_s8_rows(const MulParams *p, const tinyml_i8 *in1, const tinyml_i8 *in2, tinyml_i8 *output) {
    mul_s8(p, in1, in2, output);
}

void mul_s16(const MulParams *p, const int16_t *in1, const int16_t *in2, int16_t *output) {
    const int32_t n = tinyml_broadcast_len(&p->shape);
    TinymlBroadcastIter it;
    int32_t o;
    tinyml_broadcast_begin(&it, &p->shape);
    for (o = 0; o < n; ++o) {
        output[o] = (int16_t)tinyml_mul_element(p, (int32_t)in1[it.a], (int32_t)in2[it.b]);
        tinyml_broadcast_next(&it);
    }
}

void mul_i32(const MulI32Params *p, const int32_t *in1, const int32_t *in2, int32_t *output) {
    const int32_t n = tinyml_broadcast_len(&p->shape);
    TinymlBroadcastIter it;
    int32_t o;
    tinyml_broadcast_begin(&it, &p->shape);
    for (o = 0; o < n; ++o) {
        const int32_t v = tinyml_wrapping_mul(in1[it.a], in2[it.b]);
        output[o] = tinyml_clamp(v, p->activation_min, p->activation_max);
        tinyml_broadcast_next(&it);
    }
}
