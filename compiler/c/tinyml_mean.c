/* MEAN, SUM and REDUCE_MAX over any set of axes (runtime/src/kernels/mean.rs, TFLM
 * micro's reduce kernel). MEAN and SUM, int8 and int16: the int32 sum (wrapping) minus
 * count * input_zp, requantized (for MEAN with 1 / count folded into the multiplier),
 * plus the output zero point, saturated. REDUCE_MAX (int8, float32) and the float32 SUM
 * fold the inputs in row-major order from TFLM's initial value. */
#include <float.h>

#include "tinyml_kernels.h"

/* Row-major strides of the (five) input dimensions. */
static void tinyml_reduce_strides(const ReduceShape *s, int32_t strides[TINYML_MAX_DIMS_5]) {
    int32_t k;
    strides[TINYML_MAX_DIMS_5 - 1] = 1;
    for (k = TINYML_MAX_DIMS_5 - 2; k >= 0; --k) {
        strides[k] = strides[k + 1] * s->input_dims[k + 1];
    }
}

/* The requantized mean (or sum) of one output, from its wrapping int32 sum. */
static int32_t tinyml_mean_value(const MeanParams *p, int32_t sum, int32_t lo, int32_t hi) {
    int32_t shifted, v;
    if (p->count == 0) {
        return 0;
    }
    shifted = tinyml_wrap32((int64_t)sum - (int64_t)p->input_zero_point * (int64_t)p->count);
    v = tinyml_multiply_by_quantized_multiplier(shifted, p->multiplier, p->shift) + p->output_zero_point;
    return tinyml_clamp(v, lo, hi);
}

/* The body of one reduction (the Rust kernel's `reduce`): kept dimensions are walked by
 * the outer loops, reduced ones by the inner loops, both in row-major order; ACC starts
 * at INIT, STEP folds `x` into it, FINISH gives the output. */
#define TINYML_REDUCE(NAME, PARAMS, SHAPE, T, OUT, ACC_T, INIT, STEP, FINISH)                                   \
    void NAME(const PARAMS *p, const T *input, OUT *output) {                                                    \
        const ReduceShape *s = SHAPE;                                                                            \
        int32_t strides[TINYML_MAX_DIMS_5], kept[TINYML_MAX_DIMS_5], inner[TINYML_MAX_DIMS_5];                   \
        int32_t k, o = 0;                                                                                        \
        int32_t a, b, c, d, e, ia, ib, ic, id, ie;                                                               \
        tinyml_reduce_strides(s, strides);                                                                       \
        for (k = 0; k < TINYML_MAX_DIMS_5; ++k) {                                                                \
            kept[k] = s->reduced[k] ? 1 : s->input_dims[k];                                                      \
            inner[k] = s->reduced[k] ? s->input_dims[k] : 1;                                                     \
        }                                                                                                        \
        for (a = 0; a < kept[0]; ++a)                                                                            \
            for (b = 0; b < kept[1]; ++b)                                                                        \
                for (c = 0; c < kept[2]; ++c)                                                                    \
                    for (d = 0; d < kept[3]; ++d)                                                                \
                        for (e = 0; e < kept[4]; ++e) {                                                          \
                            const int32_t base =                                                                 \
                                a * strides[0] + b * strides[1] + c * strides[2] + d * strides[3] + e * strides[4]; \
                            ACC_T acc = INIT;                                                                    \
                            for (ia = 0; ia < inner[0]; ++ia)                                                    \
                                for (ib = 0; ib < inner[1]; ++ib)                                                \
                                    for (ic = 0; ic < inner[2]; ++ic)                                            \
                                        for (id = 0; id < inner[3]; ++id)                                        \
                                            for (ie = 0; ie < inner[4]; ++ie) {                                  \
                                                const int32_t off = ia * strides[0] + ib * strides[1] +          \
                                                                    ic * strides[2] + id * strides[3] +          \
                                                                    ie * strides[4];                             \
                                                const T x = input[base + off];                                   \
                                                acc = STEP;                                                      \
                                            }                                                                    \
                            output[o] = FINISH;                                                                  \
                            ++o;                                                                                 \
                        }                                                                                        \
    }

TINYML_REDUCE(mean_i8, MeanParams, &p->shape, tinyml_i8, tinyml_i8, int32_t, 0,
              tinyml_wrapping_add(acc, (int32_t)x), (tinyml_i8)tinyml_mean_value(p, acc, -128, 127))
TINYML_REDUCE(mean_i16, MeanParams, &p->shape, int16_t, int16_t, int32_t, 0,
              tinyml_wrapping_add(acc, (int32_t)x), (int16_t)tinyml_mean_value(p, acc, INT16_MIN, INT16_MAX))
TINYML_REDUCE(reduce_max_i8, ReduceShape, p, tinyml_i8, tinyml_i8, tinyml_i8, -128, x > acc ? x : acc, acc)
TINYML_REDUCE(reduce_max_f32, ReduceShape, p, float, float, float, -FLT_MAX, x > acc ? x : acc, acc)
TINYML_REDUCE(sum_f32, ReduceShape, p, float, float, float, 0.0f, x + acc, acc)
