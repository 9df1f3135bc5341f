/* MEAN over any set of axes, int8 and int16 (runtime/src/kernels/mean.rs, TFLM micro's
 * reduce kernel): the int32 sum (wrapping) minus count * input_zp, requantized with
 * 1 / count folded into the multiplier, plus the output zero point, saturated. */
#include "tinyml_kernels.h"

/* Row-major strides of the (five) input dimensions. */
static void tinyml_mean_strides(const MeanParams *p, int32_t strides[TINYML_MAX_DIMS_5]) {
    int32_t k;
    strides[TINYML_MAX_DIMS_5 - 1] = 1;
    for (k = TINYML_MAX_DIMS_5 - 2; k >= 0; --k) {
        strides[k] = strides[k + 1] * p->input_dims[k + 1];
    }
}

/* The requantized mean of one output, from its wrapping int32 sum. */
static int32_t tinyml_mean_value(const MeanParams *p, int32_t sum, int32_t lo, int32_t hi) {
    int32_t shifted, v;
    if (p->count == 0) {
        return 0;
    }
    shifted = tinyml_wrap32((int64_t)sum - (int64_t)p->input_zero_point * (int64_t)p->count);
    v = tinyml_multiply_by_quantized_multiplier(shifted, p->multiplier, p->shift) + p->output_zero_point;
    return tinyml_clamp(v, lo, hi);
}

/* Kept dimensions are walked by the outer loops, reduced ones by the inner loops; both
 * in row-major order, as the Rust kernel's two for_each_offset calls. */
#define TINYML_MEAN(NAME, T, LO, HI)                                                                             \
    void NAME(const MeanParams *p, const T *input, T *output) {                                                  \
        int32_t strides[TINYML_MAX_DIMS_5], kept[TINYML_MAX_DIMS_5], inner[TINYML_MAX_DIMS_5];                   \
        int32_t k, o = 0;                                                                                        \
        int32_t a, b, c, d, e, ia, ib, ic, id, ie;                                                               \
        tinyml_mean_strides(p, strides);                                                                         \
        for (k = 0; k < TINYML_MAX_DIMS_5; ++k) {                                                                \
            kept[k] = p->reduced[k] ? 1 : p->input_dims[k];                                                      \
            inner[k] = p->reduced[k] ? p->input_dims[k] : 1;                                                     \
        }                                                                                                        \
        for (a = 0; a < kept[0]; ++a)                                                                            \
            for (b = 0; b < kept[1]; ++b)                                                                        \
                for (c = 0; c < kept[2]; ++c)                                                                    \
                    for (d = 0; d < kept[3]; ++d)                                                                \
                        for (e = 0; e < kept[4]; ++e) {                                                          \
                            const int32_t base =                                                                 \
                                a * strides[0] + b * strides[1] + c * strides[2] + d * strides[3] + e * strides[4]; \
                            int32_t sum = 0;                                                                     \
                            for (ia = 0; ia < inner[0]; ++ia)                                                    \
                                for (ib = 0; ib < inner[1]; ++ib)                                                \
                                    for (ic = 0; ic < inner[2]; ++ic)                                            \
                                        for (id = 0; id < inner[3]; ++id)                                        \
                                            for (ie = 0; ie < inner[4]; ++ie) {                                  \
                                                const int32_t off = ia * strides[0] + ib * strides[1] +          \
                                                                    ic * strides[2] + id * strides[3] +          \
                                                                    ie * strides[4];                             \
                                                sum = tinyml_wrapping_add(sum, (int32_t)input[base + off]);      \
                                            }                                                                    \
                            output[o] = (T)tinyml_mean_value(p, sum, LO, HI);                                    \
                            ++o;                                                                                 \
                        }                                                                                        \
    }

TINYML_MEAN(mean_i8, tinyml_i8, -128, 127)
TINYML_MEAN(mean_i16, int16_t, INT16_MIN, INT16_MAX)
