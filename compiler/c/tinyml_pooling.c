/* AVERAGE_POOL_2D and MAX_POOL_2D on int8 and int16 (runtime/src/kernels/pooling.rs, TFLM
 * reference_integer_ops::AveragePool / MaxPool). The window is clipped to the image; the
 * average divides by the pixels inside it. */
#include "tinyml_kernels.h"

/* The part of the window inside the image: first input coordinate and count. */
static void tinyml_window(int32_t out, int32_t stride, int32_t pad, int32_t filter, int32_t size, int32_t *first,
                          int32_t *count) {
    const int32_t origin = out * stride - pad;
    const int32_t start = -origin > 0 ? -origin : 0;
    const int32_t end = filter < size - origin ? filter : size - origin;
    const int32_t n = end - start;
    const int32_t f = origin + start;
    *count = n > 0 ? n : 0;
    *first = f > 0 ? f : 0;
}

/* acc / count rounded to nearest, ties away from zero, with C division (as TFLM). */
static int32_t tinyml_rounded_average(int32_t acc, int32_t count) {
    return acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
}

/* One body for both element types: the macro keeps the int8 and int16 versions
 * identical line for line, as the Rust generic is. */
#define TINYML_AVERAGE_POOL(NAME, T)                                                                            \
    void NAME(const PoolParams *p, const T *input, T *output) {                                                \
        const int32_t d = p->depth;                                                                             \
        int32_t o = 0;                                                                                          \
        int32_t b, oy, ox, c, y, x;                                                                             \
        for (b = 0; b < p->batches; ++b) {                                                                      \
            for (oy = 0; oy < p->output_h; ++oy) {                                                              \
                int32_t y0, ny;                                                                                 \
                tinyml_window(oy, p->stride_h, p->pad_h, p->filter_h, p->input_h, &y0, &ny);                    \
                for (ox = 0; ox < p->output_w; ++ox) {                                                          \
                    int32_t x0, nx, count;                                                                      \
                    tinyml_window(ox, p->stride_w, p->pad_w, p->filter_w, p->input_w, &x0, &nx);                \
                    count = ny * nx;                                                                            \
                    for (c = 0; c < d; ++c) {                                                                   \
                        int32_t acc = 0;                                                                        \
                        int32_t v;                                                                              \
                        for (y = y0; y < y0 + ny; ++y) {                                                        \
                            for (x = x0; x < x0 + nx; ++x) {                                                    \
                                acc += (int32_t)input[((b * p->input_h + y) * p->input_w + x) * d + c];         \
                            }                                                                                   \
                        }                                                                                       \
                        v = count == 0 ? 0 : tinyml_rounded_average(acc, count);                                \
                        output[o] = (T)tinyml_clamp(v, p->activation_min, p->activation_max);                   \
                        ++o;                                                                                    \
                    }                                                                                           \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
    }

#define TINYML_MAX_POOL(NAME, T)                                                                                \
    void NAME(const PoolParams *p, const T *input, T *output) {                                                \
        const int32_t d = p->depth;                                                                             \
        int32_t o = 0;                                                                                          \
        int32_t b, oy, ox, c, y, x;                                                                             \
        for (b = 0; b < p->batches; ++b) {                                                                      \
            for (oy = 0; oy < p->output_h; ++oy) {                                                              \
                int32_t y0, ny;                                                                                 \
                tinyml_window(oy, p->stride_h, p->pad_h, p->filter_h, p->input_h, &y0, &ny);                    \
                for (ox = 0; ox < p->output_w; ++ox) {                                                          \
                    int32_t x0, nx;                                                                             \
                    tinyml_window(ox, p->stride_w, p->pad_w, p->filter_w, p->input_w, &x0, &nx);                \
                    for (c = 0; c < d; ++c) {                                                                   \
                        int32_t max = INT32_MIN;                                                                \
                        for (y = y0; y < y0 + ny; ++y) {                                                        \
                            for (x = x0; x < x0 + nx; ++x) {                                                    \
                                const int32_t v = (int32_t)input[((b * p->input_h + y) * p->input_w + x) * d + c]; \
                                max = v > max ? v : max;                                                        \
                            }                                                                                   \
                        }                                                                                       \
                        output[o] = (T)tinyml_clamp(max, p->activation_min, p->activation_max);                 \
                        ++o;                                                                                    \
                    }                                                                                           \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
    }

TINYML_AVERAGE_POOL(average_pool_i8, tinyml_i8)
TINYML_AVERAGE_POOL(average_pool_i16, int16_t)
TINYML_MAX_POOL(max_pool_i8, tinyml_i8)
TINYML_MAX_POOL(max_pool_i16, int16_t)
