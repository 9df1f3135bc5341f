/* GATHER (runtime/src/kernels/gather.rs, TFLM micro/kernels/gather.cc): for each batch,
 * outer index and position, the input block at that position; a position out of range
 * (TFLM fails the invoke) gives zeros. */
#include "tinyml_kernels.h"

#define TINYML_GATHER(NAME, T)                                                                  \
    void NAME(const GatherParams *p, const T *input, const int32_t *coords, T *output) {        \
        const int32_t n = p->inner;                                                             \
        int32_t batch, outer, k, i;                                                             \
        for (batch = 0; batch < p->batches; ++batch)                                            \
            for (outer = 0; outer < p->outer; ++outer)                                          \
                for (k = 0; k < p->coords; ++k) {                                               \
                    const int32_t c = coords[batch * p->coords + k];                            \
                    const T *block = input + ((batch * p->outer + outer) * p->axis_size + c) * n; \
                    T *out = output + ((batch * p->outer + outer) * p->coords + k) * n;         \
                    const int in_range = c >= 0 && c < p->axis_size;                            \
                    for (i = 0; i < n; ++i) {                                                   \
                        out[i] = in_range ? block[i] : (T)0;                                    \
                    }                                                                           \
                }                                                                               \
    }

TINYML_GATHER(gather_i8, tinyml_i8)
TINYML_GATHER(gather_f32, float)
