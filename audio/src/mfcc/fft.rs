//! The fixed-point FFT of [`MfccFixed`](super::MfccFixed): 512 complex Q30 values,
//! radix-2, decimation in time, in place, with the bit reversal done here. Plain and
//! portable; a real-input FFT would halve the work. Our own because the float FFT crates
//! are float only; [`MfccF32`](super::MfccF32) uses `microfft`. (The micro_speech front
//! end's int16 real FFT, which must match TFLM bit for bit, is [`crate::rfft`].)

use super::design::{q31, PI};
use super::params::MFCC_FFT;
use crate::rfft::{cos, sin};

/// Q31 `(cos, -sin)(2 pi k / 512)`.
static TWIDDLES_Q31: [(i32, i32); MFCC_FFT / 2] = {
    let mut t = [(0, 0); MFCC_FFT / 2];
    let mut k = 0;
    while k < MFCC_FFT / 2 {
        let a = 2.0 * PI * k as f64 / MFCC_FFT as f64;
        t[k] = (q31(cos(a)), q31(-sin(a)));
        k += 1;
    }
    t
};

/// `(a * b) >> 31` rounded, for Q31 twiddles.
fn mul_q31(a: i32, b: i32) -> i64 {
    (i64::from(a) * i64::from(b) + (1 << 30)) >> 31
}

/// `(x + 1) >> 1`: the per-stage halving, rounded.
fn half(x: i64) -> i32 {
    ((x + 1) >> 1) as i32
}

/// In-place FFT of 512 complex Q30 values, every stage scaled by 1/2 so the result is
/// the DFT / 512. Inputs bounded by 2^30 in magnitude stay bounded: a butterfly at most
/// doubles the magnitude and the halving undoes it.
pub(super) fn fft_q30(re: &mut [i32; MFCC_FFT], im: &mut [i32; MFCC_FFT]) {
    bit_reverse(re, im);
    let mut span = 1;
    while span < MFCC_FFT {
        let stride = MFCC_FFT / (2 * span);
        for start in (0..MFCC_FFT).step_by(2 * span) {
            for j in 0..span {
                let (wr, wi) = TWIDDLES_Q31[j * stride];
                let (a, b) = (start + j, start + j + span);
                let tr = mul_q31(re[b], wr) - mul_q31(im[b], wi);
                let ti = mul_q31(re[b], wi) + mul_q31(im[b], wr);
                let (ar, ai) = (i64::from(re[a]), i64::from(im[a]));
                re[b] = half(ar - tr);
                im[b] = half(ai - ti);
                re[a] = half(ar + tr);
                im[a] = half(ai + ti);
            }
        }
        span *= 2;
    }
}

fn bit_reverse(re: &mut [i32; MFCC_FFT], im: &mut [i32; MFCC_FFT]) {
    let bits = MFCC_FFT.trailing_zeros();
    for i in 0..MFCC_FFT {
        let j = i.reverse_bits() >> (usize::BITS - bits);
        if j > i {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
}
