/* CONCATENATION (runtime/src/kernels/concatenation.rs, TFLM
 * reference_ops::Concatenation): for each outer index, each input's next block in turn.
 * No requantization (the compiler only accepts inputs quantized like the output). PACK
 * runs it too; SPLIT, SPLIT_V and UNPACK run its inverse, `split`. */
#include "tinyml_kernels.h"

#define TINYML_CONCATENATION(NAME, T)                                                 \
    void NAME(const ConcatParams *p, const T *const *inputs, T *output) {             \
        int32_t o = 0;                                                                \
        int32_t k, j, i;                                                              \
        for (k = 0; k < p->outer; ++k) {                                              \
            for (j = 0; j < p->inputs; ++j) {                                         \
                const int32_t n = p->copy[j];                                         \
                const T *block = inputs[j] + k * n;                                   \
                for (i = 0; i < n; ++i) {                                             \
                    output[o + i] = block[i];                                         \
                }                                                                     \
                o += n;                                                               \
            }                                                                         \
        }                                                                             \
    }

TINYML_CONCATENATION(concatenation_i8, tinyml_i8)
TINYML_CONCATENATION(concatenation_i16, int16_t)
TINYML_CONCATENATION(concatenation_i32, int32_t)
TINYML_CONCATENATION(concatenation_f32, float)

#define TINYML_SPLIT(NAME, T)                                                         \
    void NAME(const ConcatParams *p, const T *input, T *const *outputs) {             \
        int32_t i = 0;                                                                \
        int32_t k, j, c;                                                              \
        for (k = 0; k < p->outer; ++k) {                                              \
            for (j = 0; j < p->inputs; ++j) {                                         \
                const int32_t n = p->copy[j];                                         \
                T *block = outputs[j] + k * n;                                        \
                for (c = 0; c < n; ++c) {                                             \
                    block[c] = input[i + c];                                          \
                }                                                                     \
                i += n;                                                               \
            }                                                                         \
        }                                                                             \
    }

TINYML_SPLIT(split_i8, tinyml_i8)
TINYML_SPLIT(split_i16, int16_t)
TINYML_SPLIT(split_i32, int32_t)
TINYML_SPLIT(split_f32, float)
