//! MFCC front end for MLPerf Tiny-style keyword spotting (the DS-CNN `kws_ref_model`):
//! 30 ms frames (480 samples at 16 kHz) every 20 ms, periodic Hann window, 512-point
//! FFT, **magnitude** spectrum `|X|` (as MLPerf's `tf.abs(tf.signal.stft(..))`), 40
//! triangular mel bands from 20 to 4000 Hz on the HTK mel scale (TensorFlow's
//! `linear_to_mel_weight_matrix`: triangles in mel space over the FFT bin
//! frequencies, DC bin excluded), `ln(mel + 1e-6)`, DCT-II with orthonormal scaling,
//! first 10 coefficients. (TensorFlow's `mfccs_from_log_mel_spectrograms` scales c0 by
//! √2 more than orthonormal; multiply c0 by √2 to feed a model trained with it.)
//!
//! Two implementations with the same tables, computed at compile time by `const fn`
//! (no libm, no generated files; `design.rs`):
//! - [`MfccF32`]: single precision, for cores with an FPU (Cortex-M4F/M33/M55). The FFT
//!   is `microfft`'s 512-point real FFT (a 256-point complex FFT and a recombination
//!   step; 3.4x faster than the radix-2 complex FFT it replaced, 2 KB less RAM, about
//!   9 KB more flash as it unrolls its stages). Square root and natural log are own
//!   approximations (`approx.rs`; core has neither without `std`): Newton square root
//!   to f32 rounding, `ln` by the atanh series to < 1e-7 relative.
//! - [`MfccFixed`]: integers only, for cores without an FPU: Q31 window, Q30 radix-2
//!   FFT scaled by 1/2 per stage (64-bit products, never overflows), integer square
//!   root, Q24 mel weights, `ln` from a 256-entry log2 table with linear
//!   interpolation (error < 2e-6), Q30 DCT; outputs in Q20 ([`FIXED_FRAC_BITS`]).
//!
//! The fixed-point FFT is ours (`fft.rs`): `microfft` is float only.
//!
//! Both are checked against a float64 numpy implementation of the same published
//! algorithm (`tools/audio/mfcc_reference.py`); the tolerances and their derivation are
//! in `docs/audio.md`.

mod approx;
mod design;
mod fft;
mod fixed;
mod float;
mod params;

pub use approx::{ln_f32, sqrt_f32};
pub use fixed::{fixed_to_f32, MfccFixed};
pub use float::MfccF32;
pub use params::{
    FIXED_FRAC_BITS, LOG_OFFSET, MEL_BANDS, MEL_HIGH_HZ, MEL_LOW_HZ, MFCC_BINS, MFCC_COEFFS, MFCC_FFT, MFCC_FRAME,
    MFCC_HOP,
};

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn silence_gives_the_log_offset() {
        let mut lm = [0.0; MEL_BANDS];
        let mut c = [0.0; MFCC_COEFFS];
        MfccF32::new().process_frame(&[0; MFCC_FRAME], &mut lm, &mut c);
        let floor = (LOG_OFFSET as f32).ln();
        assert!(lm.iter().all(|&v| (v - floor).abs() < 1e-5), "{lm:?}");
        let (mut lq, mut cq) = ([0; MEL_BANDS], [0; MFCC_COEFFS]);
        MfccFixed::new().process_frame(&[0; MFCC_FRAME], &mut lq, &mut cq);
        assert!(lq.iter().all(|&v| (fixed_to_f32(v) - floor).abs() < 1e-4), "{lq:?}");
        // c0 of a constant log-mel vector is sqrt(40) times it; the rest vanish.
        assert!((c[0] - floor * 40f32.sqrt()).abs() < 1e-3 && c[1..].iter().all(|v| v.abs() < 1e-3));
    }

    #[test]
    fn full_scale_stays_in_range() {
        let frames: [[i16; MFCC_FRAME]; 3] = [
            [i16::MIN; MFCC_FRAME],
            core::array::from_fn(|i| if i % 2 == 0 { i16::MIN } else { i16::MAX }),
            core::array::from_fn(|i| if (i / 4) % 2 == 0 { i16::MIN } else { i16::MAX }),
        ];
        for f in &frames {
            let (mut lq, mut cq) = ([0; MEL_BANDS], [0; MFCC_COEFFS]);
            MfccFixed::new().process_frame(f, &mut lq, &mut cq);
            let (mut lf, mut cf) = ([0.0; MEL_BANDS], [0.0; MFCC_COEFFS]);
            MfccF32::new().process_frame(f, &mut lf, &mut cf);
            // (Accuracy is checked against the float64 reference in audio/tests/mfcc.rs.)
            for (q, f) in lq.iter().zip(&lf) {
                let q = fixed_to_f32(*q);
                assert!((-14.0..10.0).contains(&q) && (-14.0..10.0).contains(f), "{q} {f}");
            }
        }
    }
}
