//! The MFCC front end's design, computed at compile time in f64 by `const fn` (no libm,
//! no generated files): the periodic Hann window, the mel filter bank and the DCT. The
//! float and fixed-point pipelines round these to their own table formats.

use super::params::{MEL_BANDS, MEL_HIGH_HZ, MEL_LOW_HZ, MFCC_BINS, MFCC_FFT, MFCC_FRAME};
use crate::rfft::cos;

/// Widest triangle in FFT bins (checked at compile time).
pub(super) const MAX_WIDTH: usize = 16;
const SAMPLE_RATE: f64 = 16_000.0;
pub(super) const PI: f64 = core::f64::consts::PI;
pub(super) const LN2: f64 = core::f64::consts::LN_2;

/// ln for x > 0: scale into [1, 2) by powers of two, then
/// ln(m) = 2 atanh((m - 1) / (m + 1)) by its series (|s| <= 1/3: 40 terms reach f64).
pub(super) const fn ln(x: f64) -> f64 {
    let mut m = x;
    let mut e = 0.0;
    while m >= 2.0 {
        m /= 2.0;
        e += 1.0;
    }
    while m < 1.0 {
        m *= 2.0;
        e -= 1.0;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let (mut term, mut sum, mut k) = (s, 0.0, 0);
    while k < 40 {
        sum += term / (2 * k + 1) as f64;
        term *= s2;
        k += 1;
    }
    2.0 * sum + e * LN2
}

const fn sqrt(x: f64) -> f64 {
    let mut y = if x > 1.0 { x } else { 1.0 };
    let mut i = 0;
    while i < 64 {
        y = 0.5 * (y + x / y);
        i += 1;
    }
    y
}

/// HTK mel scale, as TensorFlow's `_hertz_to_mel`.
const fn hz_to_mel(hz: f64) -> f64 {
    1127.0 * ln(1.0 + hz / 700.0)
}

/// Rounds half away from zero (what the fixed-point tables use).
pub(super) const fn round_i64(x: f64) -> i64 {
    if x >= 0.0 {
        (x + 0.5) as i64
    } else {
        -((-x + 0.5) as i64)
    }
}

/// Q31 of x in [-1, 1], saturated at `i32::MAX` for 1.0.
pub(super) const fn q31(x: f64) -> i32 {
    let v = round_i64(x * 2_147_483_648.0);
    if v > i32::MAX as i64 {
        i32::MAX
    } else {
        v as i32
    }
}

/// Periodic Hann window (TensorFlow's `hann_window(periodic=True)`).
pub(super) const fn hann(n: usize) -> f64 {
    0.5 - 0.5 * cos(2.0 * PI * n as f64 / MFCC_FRAME as f64)
}

/// One triangle of the filter bank: weights for bins `start..start + len`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Band {
    pub(super) start: usize,
    pub(super) len: usize,
    pub(super) weights: [f64; MAX_WIDTH],
}

const fn mel_bands() -> [Band; MEL_BANDS] {
    let lo = hz_to_mel(MEL_LOW_HZ);
    let hi = hz_to_mel(MEL_HIGH_HZ);
    let step = (hi - lo) / (MEL_BANDS + 1) as f64;
    let mut bands = [Band { start: 0, len: 0, weights: [0.0; MAX_WIDTH] }; MEL_BANDS];
    let mut m = 0;
    while m < MEL_BANDS {
        let lower = lo + step * m as f64;
        let center = lower + step;
        let upper = center + step;
        // Bin k (1..=256, DC excluded) has frequency k * 16000 / 512.
        let mut k = 1;
        while k < MFCC_BINS {
            let mel = hz_to_mel(k as f64 * SAMPLE_RATE / MFCC_FFT as f64);
            let up = (mel - lower) / (center - lower);
            let down = (upper - mel) / (upper - center);
            let w = if up < down { up } else { down };
            if w > 0.0 {
                if bands[m].len == 0 {
                    bands[m].start = k;
                }
                assert!(k - bands[m].start < MAX_WIDTH, "a mel band is wider than MAX_WIDTH bins");
                bands[m].weights[k - bands[m].start] = w;
                bands[m].len = k - bands[m].start + 1;
            }
            k += 1;
        }
        assert!(bands[m].len > 0, "a mel band covers no FFT bin");
        m += 1;
    }
    bands
}

/// DCT-II, orthonormal: `D[k][n] = s_k cos(pi k (2n + 1) / 2N)`, `s_0 = sqrt(1/N)`,
/// `s_k = sqrt(2/N)`.
pub(super) const fn dct(k: usize, n: usize) -> f64 {
    let scale = if k == 0 { sqrt(1.0 / MEL_BANDS as f64) } else { sqrt(2.0 / MEL_BANDS as f64) };
    scale * cos(PI * k as f64 * (2 * n + 1) as f64 / (2 * MEL_BANDS) as f64)
}

/// The mel filter bank (TensorFlow's `linear_to_mel_weight_matrix`, one triangle per band).
pub(super) const BANDS: [Band; MEL_BANDS] = mel_bands();

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn compile_time_math_matches_std() {
        assert!((ln(10.0) - 10f64.ln()).abs() < 1e-14);
        assert!((sqrt(0.05) - 0.05f64.sqrt()).abs() < 1e-15);
    }
}
