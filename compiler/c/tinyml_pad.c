/* PAD and PADV2 (runtime/src/kernels/pad.rs, TFLM reference_ops::Pad): shapes extended
 * to five dimensions at the front; the output is written in order, copying the input
 * inside its box and `pad_value` elsewhere. */
#include "tinyml_kernels.h"

/* The input coordinate of output coordinate `i` along dimension `k`, or -1 outside. */
static int32_t tinyml_pad_src(const PadParams *p, int32_t k, int32_t i) {
    const int32_t j = i - p->before[k];
    return j >= 0 && j < p->input_dims[k] ? j : -1;
}

#define TINYML_PAD(NAME, T)                                                                                     \
    void NAME(const PadParams *p, const T *input, T pad_value, T *output) {                                     \
        const int32_t n1 = p->input_dims[1], n2 = p->input_dims[2], n3 = p->input_dims[3];                      \
        const int32_t n4 = p->input_dims[4];                                                                    \
        int32_t o = 0;                                                                                          \
        int32_t i0, i1, i2, i3, i4;                                                                             \
        for (i0 = 0; i0 < p->output_dims[0]; ++i0) {                                                            \
            for (i1 = 0; i1 < p->output_dims[1]; ++i1) {                                                        \
                for (i2 = 0; i2 < p->output_dims[2]; ++i2) {                                                    \
                    for (i3 = 0; i3 < p->output_dims[3]; ++i3) {                                                \
                        const int32_t j0 = tinyml_pad_src(p, 0, i0), j1 = tinyml_pad_src(p, 1, i1);             \
                        const int32_t j2 = tinyml_pad_src(p, 2, i2), j3 = tinyml_pad_src(p, 3, i3);             \
                        /* Start of the input row this output row copies from, or -1. */                        \
                        const int32_t row = (j0 < 0 || j1 < 0 || j2 < 0 || j3 < 0)                              \
                                                ? -1                                                            \
                                                : (((j0 * n1 + j1) * n2 + j2) * n3 + j3) * n4;                  \
                        for (i4 = 0; i4 < p->output_dims[4]; ++i4) {                                            \
                            const int32_t j4 = tinyml_pad_src(p, 4, i4);                                        \
                            output[o] = (row >= 0 && j4 >= 0) ? input[row + j4] : pad_value;                    \
                            ++o;                                                                                \
                        }                                                                                       \
                    }                                                                                           \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
    }

TINYML_PAD(pad_i8, tinyml_i8)
TINYML_PAD(pad_i16, int16_t)
TINYML_PAD(pad_i32, int32_t)
TINYML_PAD(pad_f32, float)
