//! Square root and logarithm without libm (a `no_std` core has neither): f32 versions
//! for [`MfccF32`](super::MfccF32), integer ones for [`MfccFixed`](super::MfccFixed).

use super::design::{ln, round_i64, LN2};

/// Square root to f32 rounding without libm: a bit-level first guess (within 4 %),
/// then three Newton steps (4e-2 -> 8e-4 -> 3e-7 -> f32 rounding).
pub fn sqrt_f32(x: f32) -> f32 {
    if x <= 0.0 || x.is_nan() || x.is_infinite() {
        return if x == 0.0 || x.is_infinite() { x } else { f32::NAN };
    }
    if x < f32::MIN_POSITIVE {
        // Subnormal: the bit-level guess needs a normal number.
        return sqrt_f32(x * 70_368_744_177_664.0) * (1.0 / 8_388_608.0); // 2^46, 2^-23
    }
    let mut y = f32::from_bits(0x1fbd_1df5 + (x.to_bits() >> 1));
    for _ in 0..3 {
        y = 0.5 * (y + x / y);
    }
    y
}

/// Natural log without libm, for finite x > 0 (else NaN, or -inf for 0): x = m 2^e
/// with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh s, s = (m-1)/(m+1), |s| < 0.172,
/// series to s^9: truncation < 2 |s|^11 / 11 < 7e-10, below f32 resolution.
pub fn ln_f32(x: f32) -> f32 {
    if x.is_nan() || x < 0.0 {
        return f32::NAN;
    }
    if x == 0.0 {
        return f32::NEG_INFINITY;
    }
    if x.is_infinite() {
        return x;
    }
    let (mut bits, mut e) = (x.to_bits(), 0i32);
    if bits < 0x0080_0000 {
        // Subnormal: normalize first.
        bits = (x * 8_388_608.0).to_bits();
        e -= 23;
    }
    e += ((bits >> 23) & 0xff) as i32 - 127;
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    if m > core::f32::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let series = s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0)))));
    2.0 * series + e as f32 * core::f32::consts::LN_2
}

/// `floor(sqrt(x))` for u64, bit by bit (no division, constant 32 steps).
pub(super) fn isqrt64(x: u64) -> u64 {
    let (mut rem, mut root) = (x, 0u64);
    let mut bit = 1u64 << 62;
    while bit > 0 {
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

/// `log2(1 + i/256)` in Q30, i = 0..=256.
static LOG2_Q30: [u32; 257] = {
    let mut t = [0; 257];
    let mut i = 0;
    while i <= 256 {
        t[i] = round_i64(ln(1.0 + i as f64 / 256.0) / LN2 * (1u64 << 30) as f64) as u32;
        i += 1;
    }
    t
};

/// `log2(x)` in Q30 for x >= 1, from the table with linear interpolation (error
/// < (1/256)^2 / 8 / ln 2 < 2.8e-6).
pub(super) fn log2_q30(x: u64) -> i64 {
    let e = 63 - x.leading_zeros() as i64;
    // Mantissa in [1, 2) as a Q32 fraction of (x / 2^e - 1).
    let frac = if e >= 32 { (x >> (e - 32)) as u32 } else { (x << (32 - e)) as u32 };
    let idx = (frac >> 24) as usize;
    let t = u64::from(frac & 0x00ff_ffff); // position within the segment, Q24
    let (a, b) = (u64::from(LOG2_Q30[idx]), u64::from(LOG2_Q30[idx + 1]));
    let log2_frac = a + (((b - a) * t + (1 << 23)) >> 24);
    (e << 30) + log2_frac as i64
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn float_math_matches_std() {
        for x in [1e-30f32, 1e-6, 0.001, 0.5, 1.0, 1.5, 2.0, 3.3, 1000.0, 1e20, 1e-40] {
            let (want, got) = (x.ln(), ln_f32(x));
            assert!((got - want).abs() <= 2e-7 * want.abs().max(1.0), "ln {x}: {got} vs {want}");
            let (want, got) = (x.sqrt(), sqrt_f32(x));
            assert!((got - want).abs() <= 2.0 * f32::EPSILON * want, "sqrt {x}: {got} vs {want}");
        }
        assert_eq!(sqrt_f32(0.0), 0.0);
        assert!(ln_f32(-1.0).is_nan() && sqrt_f32(-1.0).is_nan());
    }

    #[test]
    fn integer_math_matches_std() {
        for x in [1u64, 2, 3, 1000, 68_719, 1 << 40, (1 << 61) - 1, u64::MAX] {
            let got = log2_q30(x) as f64 / (1u64 << 30) as f64;
            assert!((got - (x as f64).log2()).abs() < 2.8e-6, "log2_q30({x}) = {got}");
        }
        for x in [0u64, 1, 2, 99, 1 << 40, u64::MAX] {
            let r = isqrt64(x);
            assert!(r * r <= x && (r + 1).checked_mul(r + 1).is_none_or(|s| s > x), "isqrt {x}");
        }
    }
}
