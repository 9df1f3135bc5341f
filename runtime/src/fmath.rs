//! float32 `exp`, `log` and `sqrt` for the float kernels, in `core` only (no libm).
//!
//! TFLM's float kernels call `std::exp`, `std::log` and `std::sqrt`. `sqrtf` is correctly
//! rounded by IEEE 754, so [`sqrtf`] computes the correctly rounded root in integers.
//! `expf` and `logf` are not, and the result depends on the C library; glibc (since 2.28),
//! musl and newlib (since 3.0) all use the same algorithms from Arm's optimized-routines
//! (MIT), evaluated in double with a small table. [`expf`] and [`logf`] are those
//! algorithms with their constants, so the results equal those libraries' bit for bit:
//! TFLM on a Linux host (the oracle) and on an embedded toolchain alike. Checked over all
//! 2^32 inputs against the host's glibc (`fmath_exhaustive`): `logf` and `sqrtf` agree
//! everywhere; `expf` everywhere but at two inputs ([`EXPF_FMA_DIFFERENCES`]), where
//! x86-64 glibc runs its FMA build of the same algorithm and rounds 1 ULP differently
//! (a C library without FMA, as on Cortex-M, gives this module's result). A NaN produced
//! from a non-NaN input (`log(-1)`, `sqrt(-1)`) is `f32::NAN`; a C library on x86
//! returns the sign-set default NaN there, so only such bits can differ.

/// The inputs (as bits) where `expf` is 1 ULP below x86-64 glibc's FMA build:
/// `32.564632` and `-63.09946`. Every other float gives glibc's bits.
pub const EXPF_FMA_DIFFERENCES: [u32; 2] = [0x4202422f, 0xc27c65d9];

/// `2^(i/32)` as the bits of a double, minus `i << 47` (Arm's `__exp2f_data.tab`:
/// adding `k << 47` for `k = i mod 32` gives `2^(k/32)`).
const EXP2F_TAB: [u64; 32] = [
    0x3ff0000000000000,
    0x3fefd9b0d3158574,
    0x3fefb5586cf9890f,
    0x3fef9301d0125b51,
    0x3fef72b83c7d517b,
    0x3fef54873168b9aa,
    0x3fef387a6e756238,
    0x3fef1e9df51fdee1,
    0x3fef06fe0a31b715,
    0x3feef1a7373aa9cb,
    0x3feedea64c123422,
    0x3feece086061892d,
    0x3feebfdad5362a27,
    0x3feeb42b569d4f82,
    0x3feeab07dd485429,
    0x3feea47eb03a5585,
    0x3feea09e667f3bcd,
    0x3fee9f75e8ec5f74,
    0x3feea11473eb0187,
    0x3feea589994cce13,
    0x3feeace5422aa0db,
    0x3feeb737b0cdc5e5,
    0x3feec49182a3f090,
    0x3feed503b23e255d,
    0x3feee89f995ad3ad,
    0x3feeff76f2fb5e47,
    0x3fef199bdd85529c,
    0x3fef3720dcef9069,
    0x3fef5818dcfba487,
    0x3fef7c97337b9b5f,
    0x3fefa4afa2a490da,
    0x3fefd0765b6e4540,
];

/// `32 / ln 2`.
const EXP_INV_LN2_N: f64 = f64::from_bits(0x40471547652b82fe);
/// `1.5 * 2^52`: adding it rounds a double to an integer held in the low mantissa bits.
const EXP_SHIFT: f64 = f64::from_bits(0x4338000000000000);
/// The polynomial of `2^(r/32)` for `|r| <= 1/2`, coefficients of `r^3, r^2, r`.
const EXP_POLY: [f64; 3] =
    [f64::from_bits(0x3ebc6af84b912394), f64::from_bits(0x3f2ebfce50fac4f3), f64::from_bits(0x3f962e42ff0c52d6)];

/// `e^x` in float32, as the C libraries' `expf`.
pub fn expf(x: f32) -> f32 {
    let abstop = (x.to_bits() >> 20) & 0x7ff;
    if abstop >= (88.0f32.to_bits() >> 20) {
        // |x| >= 88, or NaN.
        if x == f32::NEG_INFINITY {
            return 0.0;
        }
        if abstop >= (f32::INFINITY.to_bits() >> 20) {
            return x + x;
        }
        if x > f32::from_bits(0x42b17217) {
            // Above ln(2^128).
            return f32::INFINITY;
        }
        if x < f32::from_bits(0xc2cff1b4) {
            // Below ln(2^-150).
            return 0.0;
        }
    }
    // x * 32 / ln2 = k + r with r in [-1/2, 1/2] and integer k.
    let z = EXP_INV_LN2_N * x as f64;
    let kd = z + EXP_SHIFT;
    let ki = kd.to_bits();
    let kd = kd - EXP_SHIFT;
    let r = z - kd;
    // e^x = 2^(k/32) * 2^(r/32).
    let t = EXP2F_TAB[(ki % 32) as usize].wrapping_add(ki << 47);
    let s = f64::from_bits(t);
    let z = EXP_POLY[0] * r + EXP_POLY[1];
    let r2 = r * r;
    let y = EXP_POLY[2] * r + 1.0;
    let y = z * r2 + y;
    (y * s) as f32
}

/// `(1/c, ln c)` for 16 subintervals of `[0x1.66p-1, 0x1.66p0)` (Arm's `__logf_data.tab`,
/// each `1/c` chosen so that `z/c - 1` is exact).
const LOGF_TAB: [(u64, u64); 16] = [
    (0x3ff661ec79f8f3be, 0xbfd57bf7808caade),
    (0x3ff571ed4aaf883d, 0xbfd2bef0a7c06ddb),
    (0x3ff49539f0f010b0, 0xbfd01eae7f513a67),
    (0x3ff3c995b0b80385, 0xbfcb31d8a68224e9),
    (0x3ff30d190c8864a5, 0xbfc6574f0ac07758),
    (0x3ff25e227b0b8ea0, 0xbfc1aa2bc79c8100),
    (0x3ff1bb4a4a1a343f, 0xbfba4e76ce8c0e5e),
    (0x3ff12358f08ae5ba, 0xbfb1973c5a611ccc),
    (0x3ff0953f419900a7, 0xbfa252f438e10c1e),
    (0x3ff0000000000000, 0x0000000000000000),
    (0x3fee608cfd9a47ac, 0x3faaa5aa5df25984),
    (0x3feca4b31f026aa0, 0x3fbc5e53aa362eb4),
    (0x3feb2036576afce6, 0x3fc526e57720db08),
    (0x3fe9c2d163a1aa2d, 0x3fcbc2860d224770),
    (0x3fe886e6037841ed, 0x3fd1058bc8a07ee1),
    (0x3fe767dcf5534862, 0x3fd4043057b6ee09),
];

/// `ln 2` in double.
const LN2: f64 = f64::from_bits(0x3fe62e42fefa39ef);
/// The polynomial of `ln(1 + r) - r` for `|r| < 0x1.1p-5`, coefficients of `r^4, r^3, r^2`.
const LOGF_POLY: [f64; 3] =
    [f64::from_bits(0xbfd00ea348b88334), f64::from_bits(0x3fd5575b0be00b6a), f64::from_bits(0xbfdffffef20a4123)];
/// The subintervals start at this float's bits (`0x1.66p-1`).
const LOGF_OFF: u32 = 0x3f330000;

/// `ln x` in float32, as the C libraries' `logf`.
pub fn logf(x: f32) -> f32 {
    let mut ix = x.to_bits();
    if ix == 0x3f800000 {
        return 0.0;
    }
    if ix.wrapping_sub(0x0080_0000) >= 0x7f80_0000 - 0x0080_0000 {
        // x < 0x1p-126, or inf, or NaN.
        if ix << 1 == 0 {
            return f32::NEG_INFINITY;
        }
        if ix == 0x7f80_0000 {
            return x;
        }
        if ix >> 31 != 0 || ix << 1 >= 0xff00_0000 {
            return if x.is_nan() { x + x } else { f32::NAN };
        }
        // A subnormal: normalize.
        ix = (x * f32::from_bits(0x4b00_0000)).to_bits().wrapping_sub(23 << 23);
    }
    // x = 2^k z, z in [OFF, 2 OFF); the top mantissa bits of z pick the subinterval.
    let tmp = ix.wrapping_sub(LOGF_OFF);
    let i = ((tmp >> 19) % 16) as usize;
    let k = (tmp as i32) >> 23;
    let iz = ix.wrapping_sub(tmp & (0x1ff << 23));
    let (invc, logc) = (f64::from_bits(LOGF_TAB[i].0), f64::from_bits(LOGF_TAB[i].1));
    let z = f32::from_bits(iz) as f64;
    // ln x = ln z + k ln2 = ln(z/c) + ln c + k ln2, with r = z/c - 1 exact.
    let r = z * invc - 1.0;
    let y0 = logc + k as f64 * LN2;
    let r2 = r * r;
    let y = LOGF_POLY[1] * r + LOGF_POLY[2];
    let y = LOGF_POLY[0] * r2 + y;
    let y = y * r2 + (y0 + r);
    y as f32
}

/// The square root of `x` in float32, correctly rounded (IEEE 754 `sqrt`).
pub fn sqrtf(x: f32) -> f32 {
    let bits = x.to_bits();
    if bits << 1 == 0 || x == f32::INFINITY || x.is_nan() {
        // +-0, +inf and NaN are their own roots (a NaN quieted).
        return x + x;
    }
    if bits >> 31 != 0 {
        return f32::NAN;
    }
    // x = m * 2^e with m an integer in [2^23, 2^24) (subnormals normalized).
    let (mut m, mut e) = if bits >> 23 == 0 {
        let m = bits & 0x7f_ffff;
        let lz = m.leading_zeros() - 8;
        (m << lz, -149 - lz as i32)
    } else {
        ((bits & 0x7f_ffff) | 0x80_0000, ((bits >> 23) as i32) - 150)
    };
    if e % 2 != 0 {
        m <<= 1;
        e -= 1;
    }
    // q = floor(sqrt(m * 2^28)) has 26 or 27 bits; sqrt(x) = sqrt(m 2^28) * 2^(e/2 - 14).
    let n = (m as u64) << 28;
    let q = isqrt(n);
    let drop = 64 - q.leading_zeros() - 24;
    let half = 1u64 << (drop - 1);
    let rest = q & ((1u64 << drop) - 1);
    // A tie is impossible (the root of a float never has exactly 25 significant bits),
    // so dropped bits of exactly half stand for more than half: round up.
    let mut mant = q >> drop;
    if rest >= half {
        mant += 1;
    }
    let exp = e / 2 - 14 + drop as i32;
    // mant <= 2^24 and 2^exp is a normal float for every positive finite x.
    mant as f32 * f32::from_bits(((exp + 127) as u32) << 23)
}

/// `floor(sqrt(n))` by the bit-by-bit method.
fn isqrt(n: u64) -> u64 {
    let (mut rem, mut root) = (n, 0u64);
    let mut bit = 1u64 << 62;
    while bit > n {
        bit >>= 2;
    }
    while bit != 0 {
        if rem >= root + bit {
            rem -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    root
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    /// Spread-out float bit patterns: every 4093rd one (a prime stride), all signs and
    /// exponents, including specials; the exhaustive check is `fmath_exhaustive` below.
    fn samples() -> impl Iterator<Item = f32> {
        (0..=u32::MAX / 4093).map(|k| f32::from_bits(k.wrapping_mul(4093)))
    }

    fn same(a: f32, b: f32) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    #[test]
    fn expf_matches_the_c_library() {
        for x in samples() {
            assert!(same(expf(x), x.exp()), "expf({x:e}) = {:e}, libm {:e}", expf(x), x.exp());
        }
    }

    #[test]
    fn logf_matches_the_c_library() {
        for x in samples() {
            assert!(same(logf(x), x.ln()), "logf({x:e}) = {:e}, libm {:e}", logf(x), x.ln());
        }
    }

    #[test]
    fn sqrtf_is_correctly_rounded() {
        for x in samples() {
            assert!(same(sqrtf(x), x.sqrt()), "sqrtf({x:e}) = {:e}, libm {:e}", sqrtf(x), x.sqrt());
        }
    }

    #[test]
    fn expf_fma_differences_are_one_ulp() {
        for b in EXPF_FMA_DIFFERENCES {
            let (ours, libm) = (expf(f32::from_bits(b)), f32::from_bits(b).exp());
            assert!(ours.to_bits().abs_diff(libm.to_bits()) <= 1, "{b:08x}: {ours:e} vs {libm:e}");
        }
    }

    /// Every float against the host's C library (minutes in release: `cargo test
    /// --release -p tinyml-runtime --lib fmath_exhaustive -- --ignored`). `expf` may differ
    /// only at [`EXPF_FMA_DIFFERENCES`], by 1 ULP, on a C library built with FMA.
    #[test]
    #[ignore]
    fn fmath_exhaustive() {
        let mut bad = [0u64; 3];
        for b in 0..=u32::MAX {
            let x = f32::from_bits(b);
            bad[0] += (!same(expf(x), x.exp()) && !EXPF_FMA_DIFFERENCES.contains(&b)) as u64;
            bad[1] += !same(logf(x), x.ln()) as u64;
            bad[2] += !same(sqrtf(x), x.sqrt()) as u64;
        }
        assert_eq!(bad, [0, 0, 0], "mismatches of expf, logf, sqrtf");
    }
}
