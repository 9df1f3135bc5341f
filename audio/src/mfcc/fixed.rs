//! [`MfccFixed`]: the MFCC front end in integers, for cores without an FPU. Outputs are
//! Q20 ([`FIXED_FRAC_BITS`]).

use super::approx::{isqrt64, log2_q30};
use super::design::{dct, hann, q31, round_i64, BANDS, LN2, MAX_WIDTH};
use super::fft::fft_q30;
use super::params::{FIXED_FRAC_BITS, LOG_OFFSET, MEL_BANDS, MFCC_COEFFS, MFCC_FFT, MFCC_FRAME};

/// Q31 window: a Q15 window's rounding (2^-16 absolute) would add up to 480 * 2^-16
/// of the frame's scale to every bin, more than all other errors together.
static HANN_Q31: [i32; MFCC_FRAME] = {
    let mut t = [0; MFCC_FRAME];
    let mut n = 0;
    while n < MFCC_FRAME {
        t[n] = q31(hann(n));
        n += 1;
    }
    t
};

/// Q24 weights: Q15 rounding (2^-16 absolute) would be a large relative error on the
/// small weights at the triangles' feet.
static MEL_Q24: [(u16, u16, [u32; MAX_WIDTH]); MEL_BANDS] = {
    let mut t = [(0, 0, [0; MAX_WIDTH]); MEL_BANDS];
    let mut m = 0;
    while m < MEL_BANDS {
        let mut i = 0;
        while i < MAX_WIDTH {
            t[m].2[i] = round_i64(BANDS[m].weights[i] * (1u64 << 24) as f64) as u32;
            i += 1;
        }
        t[m].0 = BANDS[m].start as u16;
        t[m].1 = BANDS[m].len as u16;
        m += 1;
    }
    t
};

static DCT_Q30: [[i32; MEL_BANDS]; MFCC_COEFFS] = {
    let mut t = [[0; MEL_BANDS]; MFCC_COEFFS];
    let mut k = 0;
    while k < MFCC_COEFFS {
        let mut n = 0;
        while n < MEL_BANDS {
            t[k][n] = round_i64(dct(k, n) * (1u64 << 30) as f64) as i32;
            n += 1;
        }
        k += 1;
    }
    t
};

/// Mel energies are accumulated as `sum(w_q24 * |X|_q30)`: Q54 of the DFT scaled by
/// 1/512 by the FFT, i.e. the float mel energy times 2^54 / 512 = 2^45. At most 16
/// products of < 2^24 * 2^30: < 2^58, no overflow.
const MEL_SHIFT: u32 = 45;
/// `LOG_OFFSET` in those units.
const LOG_OFFSET_FIXED: u64 = round_i64(LOG_OFFSET * (1u64 << MEL_SHIFT) as f64) as u64;
/// ln 2 in Q30.
const LN2_Q30: i64 = round_i64(LN2 * (1u64 << 30) as f64);

/// `ln(x) - MEL_SHIFT ln 2` in Q30 for x >= 1 (error < 2e-6: that of [`log2_q30`]
/// times ln 2).
fn ln_q30(x: u64) -> i64 {
    let log2_q30 = log2_q30(x) - (i64::from(MEL_SHIFT) << 30);
    // log2 (< 2^37 in Q30) to Q24 first, so that the product with ln 2 fits in 64 bits.
    ((log2_q30 >> 6) * LN2_Q30 + (1 << 23)) >> 24
}

/// The MFCC front end in integers (cores without an FPU). Stateless between frames;
/// the struct holds the FFT buffers (4 KB).
pub struct MfccFixed {
    re: [i32; MFCC_FFT],
    im: [i32; MFCC_FFT],
}

impl MfccFixed {
    /// Zeroed buffers.
    pub const fn new() -> Self {
        Self { re: [0; MFCC_FFT], im: [0; MFCC_FFT] }
    }

    /// Log-mel energies `ln(mel + 1e-6)` of one frame, Q20 ([`FIXED_FRAC_BITS`]).
    pub fn log_mel(&mut self, samples: &[i16; MFCC_FRAME], out: &mut [i32; MEL_BANDS]) {
        // sample (Q15 of [-1, 1)) times the Q31 window, rounded to Q30: |x| <= 2^30.
        for ((r, &s), &w) in self.re.iter_mut().zip(samples).zip(&HANN_Q31) {
            *r = ((i64::from(s) * i64::from(w) + (1 << 15)) >> 16) as i32;
        }
        self.re[MFCC_FRAME..].fill(0);
        self.im.fill(0);
        fft_q30(&mut self.re, &mut self.im);
        for (o, (start, len, w)) in out.iter_mut().zip(&MEL_Q24) {
            let (start, len) = (usize::from(*start), usize::from(*len));
            let mut acc = LOG_OFFSET_FIXED;
            for (k, &wk) in (start..start + len).zip(w) {
                let (r, i) = (i64::from(self.re[k]), i64::from(self.im[k]));
                // |re|, |im| <= 2^30: the power fits in 61 bits.
                let mag = isqrt64((r * r + i * i) as u64);
                acc += u64::from(wk) * mag;
            }
            *o = (ln_q30(acc) >> (30 - FIXED_FRAC_BITS)) as i32;
        }
    }

    /// The 10 MFCCs of one frame in Q20 (and its log-mel energies in `log_mel`).
    pub fn process_frame(
        &mut self,
        samples: &[i16; MFCC_FRAME],
        log_mel: &mut [i32; MEL_BANDS],
        out: &mut [i32; MFCC_COEFFS],
    ) {
        self.log_mel(samples, log_mel);
        for (o, row) in out.iter_mut().zip(&DCT_Q30) {
            let acc: i64 = row.iter().zip(log_mel.iter()).map(|(&d, &l)| i64::from(d) * i64::from(l)).sum();
            *o = ((acc + (1 << 29)) >> 30) as i32;
        }
    }
}

impl Default for MfccFixed {
    fn default() -> Self {
        Self::new()
    }
}

/// A Q20 value of [`MfccFixed`] as f32.
pub fn fixed_to_f32(q: i32) -> f32 {
    q as f32 / (1u32 << FIXED_FRAC_BITS) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_q30_is_ln_less_the_mel_shift() {
        for x in [1u64, 2, 3, 1000, 68_719, 1 << 40, (1 << 61) - 1, u64::MAX] {
            let want = (x as f64).ln() - f64::from(MEL_SHIFT) * LN2;
            let got = ln_q30(x) as f64 / (1u64 << 30) as f64;
            assert!((got - want).abs() < 2e-6, "ln_q30({x}) = {got}, want {want}");
        }
    }
}
