/* MINIMUM and MAXIMUM with broadcasting (runtime/src/kernels/minmax.rs, TFLM
 * MaximumMinimumBroadcastSlow): stored values are compared directly, as the converter
 * gives inputs and output one quantization. */
#include "tinyml_kernels.h"

/* One body per element type and comparison, as the Rust generic. */
#define TINYML_MINMAX(NAME, T, BETTER)                                                  \
    void NAME(const Broadcast *shape, const T *in1, const T *in2, T *output) {          \
        const int32_t n = tinyml_broadcast_len(shape);                                  \
        TinymlBroadcastIter it;                                                         \
        int32_t o;                                                                      \
        tinyml_broadcast_begin(&it, shape);                                             \
        for (o = 0; o < n; ++o) {                                                       \
            const T a = in1[it.a];                                                      \
            const T b = in2[it.b];                                                      \
            output[o] = a BETTER b ? a : b;                                             \
            tinyml_broadcast_next(&it);                                                 \
        }                                                                               \
    }

TINYML_MINMAX(maximum_i8, tinyml_i8, >)
TINYML_MINMAX(maximum_i16, int16_t, >)
TINYML_MINMAX(maximum_i32, int32_t, >)
TINYML_MINMAX(maximum_f32, float, >)
TINYML_MINMAX(minimum_i8, tinyml_i8, <)
TINYML_MINMAX(minimum_i16, int16_t, <)
TINYML_MINMAX(minimum_i32, int32_t, <)
TINYML_MINMAX(minimum_f32, float, <)
