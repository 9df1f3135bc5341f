/* ADD and SUB with broadcasting (runtime/src/kernels/add.rs, TFLM
 * reference_integer_ops::Add with the general rescaling, BroadcastAdd6DSlow): int8 and
 * int16 are brought to a common scale with headroom, added, and requantized; int32 is
 * plain wrapping arithmetic. SQUARED_DIFFERENCE shares their rescaling. */
#include "tinyml_kernels.h"

/* MultiplyByQuantizedMultiplierSmallerThanOneExp. */
static int32_t tinyml_scale_down(int32_t x, int32_t multiplier, int32_t left_shift) {
    return tinyml_rounding_divide_by_pot(tinyml_srdhm(x, multiplier), -left_shift);
}

/* Both offset inputs shifted left by the headroom and scaled to their common scale. */
static void tinyml_add_inputs_rescaled(const AddParams *p, int32_t a, int32_t b, int32_t *scaled1, int32_t *scaled2) {
    *scaled1 = tinyml_scale_down(tinyml_shl(p->input1_offset + a, p->left_shift), p->input1_multiplier,
                                 p->input1_shift);
    *scaled2 = tinyml_scale_down(tinyml_shl(p->input2_offset + b, p->left_shift), p->input2_multiplier,
                                 p->input2_shift);
}

/* One output element of a quantized ADD/SUB. */
static int32_t tinyml_add_element(const AddParams *p, int32_t a, int32_t b) {
    int32_t scaled1;
    int32_t scaled2;
    int32_t out;
    tinyml_add_inputs_rescaled(p, a, b, &scaled1, &scaled2);
    out = tinyml_scale_down(p->subtract ? scaled1 - scaled2 : scaled1 + scaled2, p->output_multiplier,
                            p->output_shift) +
          p->output_offset;
    return tinyml_clamp(out, p->activation_min, p->activation_max);
}

void add_s8(const AddParams *p, const tinyml_i8 *in1, const tinyml_i8 *in2, const int32_t *packed,
            tinyml_i8 *output) {
    const int32_t n = tinyml_broadcast_len(&p->shape);
    TinymlBroadcastIter it;
    int32_t o;
    (void)packed;
    tinyml_broadcast_begin(&it, &p->shape);
    for (o = 0; o < n; ++o) {
        output[o] = (tinyml_i8)tinyml_add_element(p, (int32_t)in1[it.a], (int32_t)in2[it.b]);
        tinyml_broadcast_next(&it);
    }
}

void add_s16(const AddParams *p, const int16_t *in1, const int16_t *in2, int16_t *output) {
    const int32_t n = tinyml_broadcast_len(&p->shape);
    TinymlBroadcastIter it;
    int32_t o;
    tinyml_broadcast_begin(&it, &p->shape);
    for (o = 0; o < n; ++o) {
        output[o] = (int16_t)tinyml_add_element(p, (int32_t)in1[it.a], (int32_t)in2[it.b]);
        tinyml_broadcast_next(&it);
    }
}

void add_i32(const AddI32Params *p, const int32_t *in1, const int32_t *in2, int32_t *output) {
    const int32_t n = tinyml_broadcast_len(&p->shape);
    TinymlBroadcastIter it;
    int32_t o;
    tinyml_broadcast_begin(&it, &p->shape);
    for (o = 0; o < n; ++o) {
        const int32_t a = in1[it.a];
        const int32_t b = in2[it.b];
        const int32_t v = p->subtract ? tinyml_wrapping_sub(a, b) : tinyml_wrapping_add(a, b);
        output[o] = tinyml_clamp(v, p->activation_min, p->activation_max);
        tinyml_broadcast_next(&it);
    }
}

/* SQUARED_DIFFERENCE (runtime/src/kernels/add.rs, TFLM squared_difference.cc): ADD's
 * rescaled inputs, their difference squared, requantized by MultiplyByQuantizedMultiplier. */
static int32_t tinyml_squared_difference_element(const AddParams *p, int32_t a, int32_t b) {
    int32_t scaled1;
    int32_t scaled2;
    int32_t raw;
    int32_t out;
    tinyml_add_inputs_rescaled(p, a, b, &scaled1, &scaled2);
    raw = scaled1 - scaled2;
    out = tinyml_multiply_by_quantized_multiplier(tinyml_wrapping_mul(raw, raw), p->output_multiplier,
                                                                p->output_shift) +
                        p->output_offset;
    return tinyml_clamp(out, p->activation_min, p->activation_max);
}

void squared_difference_s8(const AddParams *p, const tinyml_i8 *in1, const tinyml_i8 *in2, tinyml_i8 *output) {
    const int32_t n = tinyml_broadcast_len(&p->shape);
    TinymlBroadcastIter it;
    int32_t o;
    tinyml_broadcast_begin(&it, &p->shape);
    for (o = 0; o < n; ++o) {
        output[o] = (tinyml_i8)tinyml_squared_difference_element(p, (int32_t)in1[it.a], (int32_t)in2[it.b]);
        tinyml_broadcast_next(&it);
    }
}

void squared_difference_s16(const AddParams *p, const int16_t *in1, const int16_t *in2, int16_t *output) {
    const int32_t n = tinyml_broadcast_len(&p->shape);
    TinymlBroadcastIter it;
    int32_t o;
    tinyml_broadcast_begin(&it, &p->shape);
    for (o = 0; o < n; ++o) {
        output[o] = (int16_t)tinyml_squared_difference_element(p, (int32_t)in1[it.a], (int32_t)in2[it.b]);
        tinyml_broadcast_next(&it);
    }
}

void squared_difference_i32(const Broadcast *shape, const int32_t *in1, const int32_t *in2, int32_t *output) {
    const int32_t n = tinyml_broadcast_len(shape);
    TinymlBroadcastIter it;
    int32_t o;
    tinyml_broadcast_begin(&it, shape);
    for (o = 0; o < n; ++o) {
        const int32_t d = tinyml_wrapping_sub(in1[it.a], in2[it.b]);
        output[o] = tinyml_wrapping_mul(d, d);
        tinyml_broadcast_next(&it);
    }
}

void squared_difference_f32(const Broadcast *shape, const float *in1, const float *in2, float *output) {
    const int32_t n = tinyml_broadcast_len(shape);
    TinymlBroadcastIter it;
    int32_t o;
    tinyml_broadcast_begin(&it, shape);
    for (o = 0; o < n; ++o) {
        const float d = in1[it.a] - in2[it.b];
        output[o] = d * d;
        tinyml_broadcast_next(&it);
    }
}
