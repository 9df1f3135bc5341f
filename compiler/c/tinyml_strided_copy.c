/* The strided copy (runtime/src/kernels/strided_copy.rs) behind SLICE, STRIDED_SLICE,
 * TRANSPOSE, BROADCAST_TO, FILL and ZEROS_LIKE: the compiler gives the output shape (five
 * dimensions) and the input step along each (negative walks back); the kernel walks the
 * output in order. */
#include "tinyml_kernels.h"

#define TINYML_STRIDED_COPY(NAME, T)                                                            \
    void NAME(const StridedCopyParams *p, const T *input, T *output) {                          \
        const int32_t *n = p->output_dims, *s = p->input_strides;                               \
        int32_t o = 0;                                                                          \
        int32_t i0, i1, i2, i3, i4;                                                             \
        for (i0 = 0; i0 < n[0]; ++i0)                                                           \
            for (i1 = 0; i1 < n[1]; ++i1)                                                       \
                for (i2 = 0; i2 < n[2]; ++i2)                                                   \
                    for (i3 = 0; i3 < n[3]; ++i3) {                                             \
                        const T *row = input + p->offset + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3]; \
                        for (i4 = 0; i4 < n[4]; ++i4) {                                         \
                            output[o] = row[i4 * s[4]];                                         \
                            ++o;                                                                \
                        }                                                                       \
                    }                                                                           \
    }

TINYML_STRIDED_COPY(strided_copy_i8, tinyml_i8)
TINYML_STRIDED_COPY(strided_copy_u8, tinyml_u8)
TINYML_STRIDED_COPY(strided_copy_i16, int16_t)
TINYML_STRIDED_COPY(strided_copy_i32, int32_t)
TINYML_STRIDED_COPY(strided_copy_f32, float)
