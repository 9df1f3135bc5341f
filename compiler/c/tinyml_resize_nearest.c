/* RESIZE_NEAREST_NEIGHBOR (runtime/src/kernels/resize_nearest.rs, TFLM
 * reference_ops::ResizeNearestNeighbor): the compiler computed the source row of each
 * output row and the source column of each output column (`rows`, `cols`). */
#include "tinyml_kernels.h"

#define TINYML_RESIZE_NEAREST(NAME, T)                                                                       \
    void NAME(const ResizeNearestParams *p, const T *input, const int32_t *rows, const int32_t *cols,        \
              T *output) {                                                                                   \
        const int32_t d = p->depth;                                                                          \
        const int32_t out_h = p->output_height, out_w = p->output_width;                                               \
        int32_t b, y, x, c;                                                                                  \
        for (b = 0; b < p->batches; ++b)                                                                     \
            for (y = 0; y < out_h; ++y)                                                                      \
                for (x = 0; x < out_w; ++x) {                                                                \
                    const T *at = input + ((b * p->input_height + rows[y]) * p->input_width + cols[x]) * d;  \
                    for (c = 0; c < d; ++c) {                                                                \
                        *output++ = at[c];                                                                   \
                    }                                                                                        \
                }                                                                                            \
    }

TINYML_RESIZE_NEAREST(resize_nearest_i8, tinyml_i8)
TINYML_RESIZE_NEAREST(resize_nearest_i16, int16_t)
TINYML_RESIZE_NEAREST(resize_nearest_f32, float)
