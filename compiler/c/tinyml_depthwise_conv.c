/* DEPTHWISE_CONV_2D, int8 per-channel, any depth multiplier
 * (runtime/src/kernels/depthwise_conv.rs, TFLM reference_integer_ops::DepthwiseConvPerChannel).
 * Output channel c * M + m reads input channel c. */
#include "tinyml_kernels.h"

void depthwise_conv_s8(const DepthwiseConvParams *p, const tinyml_i8 *input, const tinyml_i8 *filter,
                       const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                       const int32_t *packed, tinyml_i8 *output) {
    const int32_t ih = p->input_h;
    const int32_t iw = p->input_w;
    const int32_t id = p->input_depth;
    const int32_t od = id * p->depth_multiplier;
    int32_t b, oy, ox, ic, m, ky, kx;
    (void)packed;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->output_h; ++oy) {
            for (ox = 0; ox < p->output_w; ++ox) {
                const int32_t out_pixel = ((b * p->output_h + oy) * p->output_w + ox) * od;
                for (ic = 0; ic < id; ++ic) {
                    for (m = 0; m < p->depth_multiplier; ++m) {
                        const int32_t oc = ic * p->depth_multiplier + m;
                        int32_t acc = 0;
                        int32_t v;
                        for (ky = 0; ky < p->filter_h; ++ky) {
                            int32_t y;
                            if (!tinyml_tap(oy, p->stride_h, p->pad_h, p->dilation_h, ky, ih, &y)) {
                                continue;
                            }
                            for (kx = 0; kx < p->filter_w; ++kx) {
                                int32_t x;
                                int32_t in;
                                int32_t w;
                                if (!tinyml_tap(ox, p->stride_w, p->pad_w, p->dilation_w, kx, iw, &x)) {
                                    continue;
                                }
                                in = (int32_t)input[((b * ih + y) * iw + x) * id + ic];
                                w = (int32_t)filter[(ky * p->filter_w + kx) * od + oc];
                                acc += w * (in + p->input_offset);
                            }
                        }
                        if (bias != NULL) {
                            acc += bias[oc];
                        }
                        v = tinyml_multiply_by_quantized_multiplier(acc, multipliers[oc], shifts[oc]) + p->output_offset;
                        output[out_pixel + oc] = (tinyml_i8)tinyml_clamp(v, p->activation_min, p->activation_max);
                    }
                }
            }
        }
    }
}

/* int16 activations, int8 weights, int64 bias (TFLM's 16x8 DepthwiseConvPerChannel):
 * symmetric activations, the sum in 64 bits, the 64-bit requantization (no output
 * offset, as the Rust kernel). */
void depthwise_conv_s16(const DepthwiseConvParams *p, const int16_t *input, const tinyml_i8 *filter,
                        const int64_t *bias, const int32_t *multipliers, const int32_t *shifts, int16_t *output) {
    const int32_t ih = p->input_h;
    const int32_t iw = p->input_w;
    const int32_t id = p->input_depth;
    const int32_t od = id * p->depth_multiplier;
    int32_t b, oy, ox, ic, m, ky, kx;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->output_h; ++oy) {
            for (ox = 0; ox < p->output_w; ++ox) {
                const int32_t out_pixel = ((b * p->output_h + oy) * p->output_w + ox) * od;
                for (ic = 0; ic < id; ++ic) {
                    for (m = 0; m < p->depth_multiplier; ++m) {
                        const int32_t oc = ic * p->depth_multiplier + m;
                        int64_t acc = 0;
                        int32_t v;
                        for (ky = 0; ky < p->filter_h; ++ky) {
                            int32_t y;
                            if (!tinyml_tap(oy, p->stride_h, p->pad_h, p->dilation_h, ky, ih, &y)) {
                                continue;
                            }
                            for (kx = 0; kx < p->filter_w; ++kx) {
                                int32_t x;
                                int64_t in;
                                int64_t w;
                                if (!tinyml_tap(ox, p->stride_w, p->pad_w, p->dilation_w, kx, iw, &x)) {
                                    continue;
                                }
                                in = (int64_t)input[((b * ih + y) * iw + x) * id + ic];
                                w = (int64_t)filter[(ky * p->filter_w + kx) * od + oc];
                                acc += w * in;
                            }
                        }
                        if (bias != NULL) {
                            acc += bias[oc];
                        }
                        v = tinyml_multiply_by_quantized_multiplier_i64(acc, multipliers[oc], shifts[oc]);
                        output[out_pixel + oc] = (int16_t)tinyml_clamp(v, p->activation_min, p->activation_max);
                    }
                }
            }
        }
    }
}
