/* CONV_2D, int8 per-channel (runtime/src/kernels/conv.rs, TFLM
 * reference_integer_ops::ConvPerChannel). NHWC input/output, OHWI filter. Taps in the
 * padding contribute nothing (not the zero point), as in TFLM. */
#include "tinyml_kernels.h"

void conv_s8(const ConvParams *p, const tinyml_i8 *input, const tinyml_i8 *filter, const int32_t *bias,
             const int32_t *multipliers, const int32_t *shifts, const int32_t *packed, void *scratch,
             tinyml_i8 *output) {
    const int32_t ih = p->input_h;
    const int32_t iw = p->input_w;
    const int32_t id = p->input_depth;
    int32_t o = 0;
    int32_t b, oy, ox, oc, ky, kx, c;
    (void)packed;
    (void)scratch;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->output_h; ++oy) {
            for (ox = 0; ox < p->output_w; ++ox) {
                for (oc = 0; oc < p->output_depth; ++oc) {
                    int32_t acc = 0;
                    int32_t v;
                    for (ky = 0; ky < p->filter_h; ++ky) {
                        int32_t y;
                        if (!tinyml_tap(oy, p->stride_h, p->pad_h, p->dilation_h, ky, ih, &y)) {
                            continue;
                        }
                        for (kx = 0; kx < p->filter_w; ++kx) {
                            int32_t x;
                            const tinyml_i8 *pixel;
                            const tinyml_i8 *weights;
                            if (!tinyml_tap(ox, p->stride_w, p->pad_w, p->dilation_w, kx, iw, &x)) {
                                continue;
                            }
                            pixel = input + ((b * ih + y) * iw + x) * id;
                            weights = filter + ((oc * p->filter_h + ky) * p->filter_w + kx) * id;
                            for (c = 0; c < id; ++c) {
                                acc += (int32_t)weights[c] * ((int32_t)pixel[c] + p->input_offset);
                            }
                        }
                    }
                    if (bias != NULL) {
                        acc += bias[oc];
                    }
                    v = tinyml_multiply_by_quantized_multiplier(acc, multipliers[oc], shifts[oc]) + p->output_offset;
                    output[o] = (tinyml_i8)tinyml_clamp(v, p->activation_min, p->activation_max);
                    ++o;
                }
            }
        }
    }
}

/* int16 activations, int8 weights, int64 bias (TFLM's 16x8 ConvPerChannel): symmetric
 * activations, the sum in 64 bits, the 64-bit requantization. */
void conv_s16(const ConvParams *p, const int16_t *input, const tinyml_i8 *filter, const int64_t *bias,
              const int32_t *multipliers, const int32_t *shifts, int16_t *output) {
    const int32_t ih = p->input_h;
    const int32_t iw = p->input_w;
    const int32_t id = p->input_depth;
    int32_t o = 0;
    int32_t b, oy, ox, oc, ky, kx, c;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->output_h; ++oy) {
            for (ox = 0; ox < p->output_w; ++ox) {
                for (oc = 0; oc < p->output_depth; ++oc) {
                    int64_t acc = 0;
                    int32_t v;
                    for (ky = 0; ky < p->filter_h; ++ky) {
                        int32_t y;
                        if (!tinyml_tap(oy, p->stride_h, p->pad_h, p->dilation_h, ky, ih, &y)) {
                            continue;
                        }
                        for (kx = 0; kx < p->filter_w; ++kx) {
                            int32_t x;
                            const int16_t *pixel;
                            const tinyml_i8 *weights;
                            if (!tinyml_tap(ox, p->stride_w, p->pad_w, p->dilation_w, kx, iw, &x)) {
                                continue;
                            }
                            pixel = input + ((b * ih + y) * iw + x) * id;
                            weights = filter + ((oc * p->filter_h + ky) * p->filter_w + kx) * id;
                            for (c = 0; c < id; ++c) {
                                acc += (int64_t)weights[c] * (int64_t)pixel[c];
                            }
                        }
                    }
                    if (bias != NULL) {
                        acc += bias[oc];
                    }
                    v = tinyml_multiply_by_quantized_multiplier_i64(acc, multipliers[oc], shifts[oc]) + p->output_offset;
                    output[o] = (int16_t)tinyml_clamp(v, p->activation_min, p->activation_max);
                    ++o;
                }
            }
        }
    }
}
