/* DEQUANTIZE (runtime/src/kernels/dequantize.rs, TFLM reference_ops::Dequantize):
 * out = (float)(scale * (q - zero_point)) with the product in double, as TFLM computes
 * it. Where double has 32 bits (TI cl2000 without --fp64) the product is rounded once
 * more, which can change the last bit of a result. */
#include "tinyml_kernels.h"

#define TINYML_DEQUANTIZE(NAME, I)                                                      \
    void NAME(const DequantizeParams *p, const I *input, float *output, int32_t n) {    \
        int32_t i;                                                                      \
        for (i = 0; i < n; ++i) {                                                       \
            output[i] = (float)(p->scale * (double)((int32_t)input[i] - p->zero_point)); \
        }                                                                               \
    }

TINYML_DEQUANTIZE(dequantize_i8, tinyml_i8)
TINYML_DEQUANTIZE(dequantize_u8, tinyml_u8)
TINYML_DEQUANTIZE(dequantize_i16, int16_t)
