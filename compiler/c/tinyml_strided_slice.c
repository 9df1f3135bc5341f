/* STRIDED_SLICE (runtime/src/kernels/strided_slice.rs, TFLM reference_ops::StridedSlice):
 * the compiler resolved begin, end, strides and masks into a start, a stop and a stride
 * per dimension (five, extended at the front); the kernel only walks them. */
#include "tinyml_kernels.h"

/* Whether index `i` is before `stop` in the direction of `stride`. */
static int tinyml_slice_more(int32_t i, int32_t stop, int32_t stride) {
    return stride > 0 ? i < stop : i > stop;
}

#define TINYML_STRIDED_SLICE(NAME, T)                                                                        \
    void NAME(const StridedSliceParams *p, const T *input, T *output) {                                      \
        const int32_t n1 = p->input_dims[1], n2 = p->input_dims[2], n3 = p->input_dims[3];                   \
        const int32_t n4 = p->input_dims[4];                                                                 \
        int32_t o = 0;                                                                                       \
        int32_t i0, i1, i2, i3, i4;                                                                          \
        for (i0 = p->start[0]; tinyml_slice_more(i0, p->stop[0], p->stride[0]); i0 += p->stride[0])         \
            for (i1 = p->start[1]; tinyml_slice_more(i1, p->stop[1], p->stride[1]); i1 += p->stride[1])     \
                for (i2 = p->start[2]; tinyml_slice_more(i2, p->stop[2], p->stride[2]); i2 += p->stride[2]) \
                    for (i3 = p->start[3]; tinyml_slice_more(i3, p->stop[3], p->stride[3]);                  \
                         i3 += p->stride[3]) {                                                               \
                        const int32_t row = (((i0 * n1 + i1) * n2 + i2) * n3 + i3) * n4;                     \
                        for (i4 = p->start[4]; tinyml_slice_more(i4, p->stop[4], p->stride[4]);              \
                             i4 += p->stride[4]) {                                                           \
                            output[o] = input[row + i4];                                                     \
                            ++o;                                                                             \
                        }                                                                                    \
                    }                                                                                        \
    }

TINYML_STRIDED_SLICE(strided_slice_i8, tinyml_i8)
TINYML_STRIDED_SLICE(strided_slice_u8, tinyml_u8)
TINYML_STRIDED_SLICE(strided_slice_i16, int16_t)
TINYML_STRIDED_SLICE(strided_slice_i32, int32_t)
TINYML_STRIDED_SLICE(strided_slice_f32, float)
