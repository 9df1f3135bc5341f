/* ARG_MAX and ARG_MIN along one axis (runtime/src/kernels/arg_min_max.rs, TFLM
 * reference_ops::ArgMinMax): a later element replaces the best only when strictly
 * better by a plain > or <, so ties give the lowest index, a NaN never replaces the
 * best and a leading NaN stays it. */
#include "tinyml_kernels.h"

#define TINYML_ARG_BEST(NAME, T, BETTER)                                                  \
    void NAME(const ArgMinMaxParams *p, const T *input, int32_t *output) {                \
        int32_t outer, inner, i;                                                          \
        for (outer = 0; outer < p->outer; ++outer) {                                      \
            const T *run = input + outer * p->axis_size * p->inner;                       \
            for (inner = 0; inner < p->inner; ++inner) {                                  \
                T best = run[inner];                                                      \
                int32_t index = 0;                                                        \
                for (i = 1; i < p->axis_size; ++i) {                                      \
                    const T x = run[i * p->inner + inner];                                \
                    if (x BETTER best) {                                                   \
                        best = x;                                                         \
                        index = i;                                                        \
                    }                                                                     \
                }                                                                         \
                output[outer * p->inner + inner] = index;                                 \
            }                                                                             \
        }                                                                                 \
    }

TINYML_ARG_BEST(arg_max_i8, tinyml_i8, >)
TINYML_ARG_BEST(arg_max_f32, float, >)
TINYML_ARG_BEST(arg_min_i8, tinyml_i8, <)
TINYML_ARG_BEST(arg_min_f32, float, <)
