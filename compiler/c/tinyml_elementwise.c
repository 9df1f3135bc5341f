/* EXP, LOG, SQRT and RSQRT (runtime/src/kernels/elementwise.rs, TFLM exp.cc and
 * elementwise.cc). The float functions are runtime/src/fmath.rs: the C libraries' expf
 * and logf algorithm (Arm optimized-routines, as glibc, musl and newlib) and a correctly
 * rounded sqrtf, in integers and doubles, so the export needs no libm and gives the
 * Rust kernels' bits on every compiler. */
#include <string.h>

#include "tinyml_kernels.h"

static uint32_t tinyml_f32_bits(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static float tinyml_f32_from(uint32_t u) {
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static uint64_t tinyml_f64_bits(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static double tinyml_f64_from(uint64_t u) {
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* fmath.rs EXP2F_TAB: 2^(i/32) as double bits, minus i << 47. */
static const uint64_t tinyml_exp2f_tab[32] = {
    UINT64_C(0x3ff0000000000000), UINT64_C(0x3fefd9b0d3158574), UINT64_C(0x3fefb5586cf9890f),
    UINT64_C(0x3fef9301d0125b51), UINT64_C(0x3fef72b83c7d517b), UINT64_C(0x3fef54873168b9aa),
    UINT64_C(0x3fef387a6e756238), UINT64_C(0x3fef1e9df51fdee1), UINT64_C(0x3fef06fe0a31b715),
    UINT64_C(0x3feef1a7373aa9cb), UINT64_C(0x3feedea64c123422), UINT64_C(0x3feece086061892d),
    UINT64_C(0x3feebfdad5362a27), UINT64_C(0x3feeb42b569d4f82), UINT64_C(0x3feeab07dd485429),
    UINT64_C(0x3feea47eb03a5585), UINT64_C(0x3feea09e667f3bcd), UINT64_C(0x3fee9f75e8ec5f74),
    UINT64_C(0x3feea11473eb0187), UINT64_C(0x3feea589994cce13), UINT64_C(0x3feeace5422aa0db),
    UINT64_C(0x3feeb737b0cdc5e5), UINT64_C(0x3feec49182a3f090), UINT64_C(0x3feed503b23e255d),
    UINT64_C(0x3feee89f995ad3ad), UINT64_C(0x3feeff76f2fb5e47), UINT64_C(0x3fef199bdd85529c),
    UINT64_C(0x3fef3720dcef9069), UINT64_C(0x3fef5818dcfba487), UINT64_C(0x3fef7c97337b9b5f),
    UINT64_C(0x3fefa4afa2a490da), UINT64_C(0x3fefd0765b6e4540),
};

/* fmath.rs expf. */
float tinyml_expf(float x) {
    const uint32_t abstop = (tinyml_f32_bits(x) >> 20) & 0x7ff;
    double z;
    double kd;
    double r;
    double r2;
    double y;
    double s;
    double p;
    uint64_t ki;
    if (abstop >= (UINT32_C(0x42b00000) >> 20)) {
        if (tinyml_f32_bits(x) == UINT32_C(0xff800000)) {
            return 0.0f;
        }
        if (abstop >= (UINT32_C(0x7f800000) >> 20)) {
            return x + x;
        }
        if (x > tinyml_f32_from(UINT32_C(0x42b17217))) {
            return tinyml_f32_from(UINT32_C(0x7f800000));
        }
        if (x < tinyml_f32_from(UINT32_C(0xc2cff1b4))) {
            return 0.0f;
        }
    }
    z = tinyml_f64_from(UINT64_C(0x40471547652b82fe)) * (double)x;
    kd = z + tinyml_f64_from(UINT64_C(0x4338000000000000));
    ki = tinyml_f64_bits(kd);
    kd -= tinyml_f64_from(UINT64_C(0x4338000000000000));
    r = z - kd;
    s = tinyml_f64_from(tinyml_exp2f_tab[ki % 32] + (ki << 47));
    p = tinyml_f64_from(UINT64_C(0x3ebc6af84b912394)) * r + tinyml_f64_from(UINT64_C(0x3f2ebfce50fac4f3));
    r2 = r * r;
    y = tinyml_f64_from(UINT64_C(0x3f962e42ff0c52d6)) * r + 1.0;
    y = p * r2 + y;
    return (float)(y * s);
}

/* fmath.rs LOGF_TAB: (1/c, ln c) per subinterval. */
static const uint64_t tinyml_logf_tab[16][2] = {
    {UINT64_C(0x3ff661ec79f8f3be), UINT64_C(0xbfd57bf7808caade)},
    {UINT64_C(0x3ff571ed4aaf883d), UINT64_C(0xbfd2bef0a7c06ddb)},
    {UINT64_C(0x3ff49539f0f010b0), UINT64_C(0xbfd01eae7f513a67)},
    {UINT64_C(0x3ff3c995b0b80385), UINT64_C(0xbfcb31d8a68224e9)},
    {UINT64_C(0x3ff30d190c8864a5), UINT64_C(0xbfc6574f0ac07758)},
    {UINT64_C(0x3ff25e227b0b8ea0), UINT64_C(0xbfc1aa2bc79c8100)},
    {UINT64_C(0x3ff1bb4a4a1a343f), UINT64_C(0xbfba4e76ce8c0e5e)},
    {UINT64_C(0x3ff12358f08ae5ba), UINT64_C(0xbfb1973c5a611ccc)},
    {UINT64_C(0x3ff0953f419900a7), UINT64_C(0xbfa252f438e10c1e)},
    {UINT64_C(0x3ff0000000000000), UINT64_C(0x0000000000000000)},
    {UINT64_C(0x3fee608cfd9a47ac), UINT64_C(0x3faaa5aa5df25984)},
    {UINT64_C(0x3feca4b31f026aa0), UINT64_C(0x3fbc5e53aa362eb4)},
    {UINT64_C(0x3feb2036576afce6), UINT64_C(0x3fc526e57720db08)},
    {UINT64_C(0x3fe9c2d163a1aa2d), UINT64_C(0x3fcbc2860d224770)},
    {UINT64_C(0x3fe886e6037841ed), UINT64_C(0x3fd1058bc8a07ee1)},
    {UINT64_C(0x3fe767dcf5534862), UINT64_C(0x3fd4043057b6ee09)},
};

/* fmath.rs logf. */
float tinyml_logf(float x) {
    uint32_t ix = tinyml_f32_bits(x);
    uint32_t tmp;
    uint32_t iz;
    int32_t k;
    int32_t i;
    double invc;
    double logc;
    double z;
    double r;
    double r2;
    double y0;
    double y;
    if (ix == UINT32_C(0x3f800000)) {
        return 0.0f;
    }
    if (ix - UINT32_C(0x00800000) >= UINT32_C(0x7f800000) - UINT32_C(0x00800000)) {
        if ((uint32_t)(ix << 1) == 0) {
            return tinyml_f32_from(UINT32_C(0xff800000));
        }
        if (ix == UINT32_C(0x7f800000)) {
            return x;
        }
        if ((ix >> 31) != 0 || (uint32_t)(ix << 1) >= UINT32_C(0xff000000)) {
            /* NaN input: quieted; negative input: Rust's f32::NAN. */
            return x != x ? x + x : tinyml_f32_from(UINT32_C(0x7fc00000));
        }
        ix = tinyml_f32_bits(x * tinyml_f32_from(UINT32_C(0x4b000000))) - ((uint32_t)23 << 23);
    }
    tmp = ix - UINT32_C(0x3f330000);
    i = (int32_t)((tmp >> 19) % 16);
    /* Arithmetic shift of the signed value, as the Rust `as i32 >> 23`. */
    k = (int32_t)(tmp >> 23) - ((tmp >> 31) != 0 ? 512 : 0);
    iz = ix - (tmp & ((uint32_t)0x1ff << 23));
    invc = tinyml_f64_from(tinyml_logf_tab[i][0]);
    logc = tinyml_f64_from(tinyml_logf_tab[i][1]);
    z = (double)tinyml_f32_from(iz);
    r = z * invc - 1.0;
    y0 = logc + (double)k * tinyml_f64_from(UINT64_C(0x3fe62e42fefa39ef));
    r2 = r * r;
    y = tinyml_f64_from(UINT64_C(0x3fd5575b0be00b6a)) * r + tinyml_f64_from(UINT64_C(0xbfdffffef20a4123));
    y = tinyml_f64_from(UINT64_C(0xbfd00ea348b88334)) * r2 + y;
    y = y * r2 + (y0 + r);
    return (float)y;
}

/* fmath.rs sqrtf: correctly rounded. */
float tinyml_sqrtf(float x) {
    const uint32_t bits = tinyml_f32_bits(x);
    uint32_t m;
    int32_t e;
    uint64_t n;
    uint64_t q = 0;
    uint64_t rem;
    uint64_t bit = (uint64_t)1 << 62;
    int32_t drop = 0;
    uint64_t mant;
    if ((uint32_t)(bits << 1) == 0 || bits == UINT32_C(0x7f800000) || x != x) {
        return x + x;
    }
    if ((bits >> 31) != 0) {
        return tinyml_f32_from(UINT32_C(0x7fc00000));
    }
    if ((bits >> 23) == 0) {
        int32_t lz = 0;
        m = bits & UINT32_C(0x7fffff);
        while ((m & UINT32_C(0x800000)) == 0) {
            m <<= 1;
            ++lz;
        }
        e = -149 - lz;
    } else {
        m = (bits & UINT32_C(0x7fffff)) | UINT32_C(0x800000);
        e = (int32_t)(bits >> 23) - 150;
    }
    if (e % 2 != 0) {
        m <<= 1;
        e -= 1;
    }
    n = (uint64_t)m << 28;
    rem = n;
    while (bit > n) {
        bit >>= 2;
    }
    while (bit != 0) {
        if (rem >= q + bit) {
            rem -= q + bit;
            q = (q >> 1) + bit;
        } else {
            q >>= 1;
        }
        bit >>= 2;
    }
    while ((q >> drop) >= ((uint64_t)1 << 24)) {
        ++drop;
    }
    mant = q >> drop;
    if ((q & (((uint64_t)1 << drop) - 1)) >= ((uint64_t)1 << (drop - 1))) {
        ++mant;
    }
    return (float)mant * tinyml_f32_from((uint32_t)(e / 2 - 14 + drop + 127) << 23);
}

void exp_f32(const float *input, float *output, int32_t n) {
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = tinyml_expf(input[i]);
    }
}

void log_f32(const float *input, float *output, int32_t n) {
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = tinyml_logf(input[i]);
    }
}

void sqrt_f32(const float *input, float *output, int32_t n) {
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = tinyml_sqrtf(input[i]);
    }
}

void rsqrt_f32(const float *input, float *output, int32_t n) {
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = 1.0f / tinyml_sqrtf(input[i]);
    }
}

/* One quantized RSQRT element before saturation; v = x - input_zero_point, not 0. */
static int32_t tinyml_rsqrt_element(const RsqrtParams *p, int32_t v) {
    int32_t m;
    int32_t s;
    int32_t data;
    tinyml_get_inv_sqrt_quantized_multiplier_exp(v, -1, &m, &s);
    data = tinyml_multiply_by_quantized_multiplier(1, m, s + 20);
    return tinyml_wrapping_add(tinyml_multiply_by_quantized_multiplier(data, p->multiplier, p->shift - 20),
                               p->output_zero_point);
}

void rsqrt_s8(const RsqrtParams *p, const tinyml_i8 *input, tinyml_i8 *output, int32_t n) {
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t v = (int32_t)input[i] - p->input_zero_point;
        output[i] = v == 0 ? 127 : (tinyml_i8)tinyml_clamp(tinyml_rsqrt_element(p, v), -128, 127);
    }
}

void rsqrt_s16(const RsqrtParams *p, const int16_t *input, int16_t *output, int32_t n) {
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t v = (int32_t)input[i] - p->input_zero_point;
        output[i] = v == 0 ? 32767 : (int16_t)tinyml_clamp(tinyml_rsqrt_element(p, v), -32768, 32767);
    }
}
