/* CAST (runtime/src/kernels/cast.rs, TFLM micro cast.cc: an elementwise static_cast).
 * Integer to integer truncates or extends in two's complement, integer to float rounds
 * to nearest, float to integer truncates toward zero and saturates (NaN gives 0), as
 * the tflite_micro interpreter does. Everything goes through explicit helpers because
 * C leaves narrowing of out-of-range values implementation-defined (and undefined for
 * floats), and because an int8 held in a 16-bit container must still wrap at 8 bits. */
#include "tinyml_kernels.h"

/* Two's-complement bits of an integer source. */
static uint32_t tinyml_bits_i(int32_t x) {
    return (uint32_t)x;
}

static uint32_t tinyml_bits_u(uint32_t x) {
    return x;
}

/* Integer bits to each integer target. */
static tinyml_i8 tinyml_to_i8(uint32_t bits) {
    const int32_t low = (int32_t)(bits & 0xFFu);
    return (tinyml_i8)(low >= 0x80 ? low - 0x100 : low);
}

static int16_t tinyml_to_i16(uint32_t bits) {
    const int32_t low = (int32_t)(bits & 0xFFFFu);
    return (int16_t)(low >= 0x8000 ? low - 0x10000 : low);
}

static int32_t tinyml_to_i32(uint32_t bits) {
    return bits >= UINT32_C(0x80000000) ? -(int32_t)(~bits) - 1 : (int32_t)bits;
}

static uint32_t tinyml_to_u32(uint32_t bits) {
    return bits;
}

/* Float to int32: truncation toward zero, saturating, NaN to 0. */
static int32_t tinyml_f32_to_i32(float x) {
    if (x != x) {
        return 0;
    }
    if (x >= 2147483648.0f) {
        return INT32_MAX;
    }
    if (x < -2147483648.0f) {
        return INT32_MIN;
    }
    return (int32_t)x;
}

static tinyml_i8 tinyml_f32_to_i8(float x) {
    return (tinyml_i8)tinyml_clamp(tinyml_f32_to_i32(x), -128, 127);
}

static int16_t tinyml_f32_to_i16(float x) {
    return (int16_t)tinyml_clamp(tinyml_f32_to_i32(x), INT16_MIN, INT16_MAX);
}

static uint32_t tinyml_f32_to_u32(float x) {
    if (x != x || x <= -1.0f) {
        return 0;
    }
    if (x >= 4294967296.0f) {
        return UINT32_MAX;
    }
    return (uint32_t)x;
}

static float tinyml_f32_to_f32(float x) {
    return x;
}

/* One function per (source, target) pair: CONVERT turns an element into the target. */
#define TINYML_CAST(NAME, F, T, CONVERT)                                  \
    void NAME(const F *input, T *output, int32_t n) {                     \
        int32_t i;                                                        \
        for (i = 0; i < n; ++i) {                                         \
            output[i] = CONVERT(input[i]);                                \
        }                                                                 \
    }

/* Integer sources: through their two's-complement bits; to float: C's conversion,
 * which rounds to nearest. */
#define TINYML_I8_TO_I8(x) tinyml_to_i8(tinyml_bits_i((int32_t)(x)))
#define TINYML_I_TO_I16(x) tinyml_to_i16(tinyml_bits_i((int32_t)(x)))
#define TINYML_I_TO_I32(x) tinyml_to_i32(tinyml_bits_i((int32_t)(x)))
#define TINYML_I_TO_U32(x) tinyml_to_u32(tinyml_bits_i((int32_t)(x)))
#define TINYML_U_TO_I8(x) tinyml_to_i8(tinyml_bits_u((uint32_t)(x)))
#define TINYML_U_TO_I16(x) tinyml_to_i16(tinyml_bits_u((uint32_t)(x)))
#define TINYML_U_TO_I32(x) tinyml_to_i32(tinyml_bits_u((uint32_t)(x)))
#define TINYML_U_TO_U32(x) tinyml_to_u32(tinyml_bits_u((uint32_t)(x)))
#define TINYML_TO_F32(x) ((float)(x))

TINYML_CAST(cast_i8_i8, tinyml_i8, tinyml_i8, TINYML_I8_TO_I8)
TINYML_CAST(cast_i8_i16, tinyml_i8, int16_t, TINYML_I_TO_I16)
TINYML_CAST(cast_i8_i32, tinyml_i8, int32_t, TINYML_I_TO_I32)
TINYML_CAST(cast_i8_u32, tinyml_i8, uint32_t, TINYML_I_TO_U32)
TINYML_CAST(cast_i8_f32, tinyml_i8, float, TINYML_TO_F32)
TINYML_CAST(cast_i16_i8, int16_t, tinyml_i8, TINYML_I8_TO_I8)
TINYML_CAST(cast_i16_i16, int16_t, int16_t, TINYML_I_TO_I16)
TINYML_CAST(cast_i16_i32, int16_t, int32_t, TINYML_I_TO_I32)
TINYML_CAST(cast_i16_u32, int16_t, uint32_t, TINYML_I_TO_U32)
TINYML_CAST(cast_i16_f32, int16_t, float, TINYML_TO_F32)
TINYML_CAST(cast_i32_i8, int32_t, tinyml_i8, TINYML_I8_TO_I8)
TINYML_CAST(cast_i32_i16, int32_t, int16_t, TINYML_I_TO_I16)
TINYML_CAST(cast_i32_i32, int32_t, int32_t, TINYML_I_TO_I32)
TINYML_CAST(cast_i32_u32, int32_t, uint32_t, TINYML_I_TO_U32)
TINYML_CAST(cast_i32_f32, int32_t, float, TINYML_TO_F32)
TINYML_CAST(cast_u32_i8, uint32_t, tinyml_i8, TINYML_U_TO_I8)
TINYML_CAST(cast_u32_i16, uint32_t, int16_t, TINYML_U_TO_I16)
TINYML_CAST(cast_u32_i32, uint32_t, int32_t, TINYML_U_TO_I32)
TINYML_CAST(cast_u32_u32, uint32_t, uint32_t, TINYML_U_TO_U32)
TINYML_CAST(cast_u32_f32, uint32_t, float, TINYML_TO_F32)
TINYML_CAST(cast_u8_i8, tinyml_u8, tinyml_i8, TINYML_U_TO_I8)
TINYML_CAST(cast_u8_i16, tinyml_u8, int16_t, TINYML_U_TO_I16)
TINYML_CAST(cast_u8_i32, tinyml_u8, int32_t, TINYML_U_TO_I32)
TINYML_CAST(cast_u8_u32, tinyml_u8, uint32_t, TINYML_U_TO_U32)
TINYML_CAST(cast_u8_f32, tinyml_u8, float, TINYML_TO_F32)
TINYML_CAST(cast_f32_i8, float, tinyml_i8, tinyml_f32_to_i8)
TINYML_CAST(cast_f32_i16, float, int16_t, tinyml_f32_to_i16)
TINYML_CAST(cast_f32_i32, float, int32_t, tinyml_f32_to_i32)
TINYML_CAST(cast_f32_u32, float, uint32_t, tinyml_f32_to_u32)
TINYML_CAST(cast_f32_f32, float, float, tinyml_f32_to_f32)
