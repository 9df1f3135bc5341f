//! The parameters of the MFCC front end (MLPerf Tiny KWS), shared by both pipelines.

/// Samples per frame (30 ms at 16 kHz).
pub const MFCC_FRAME: usize = 480;
/// Samples between frames (20 ms at 16 kHz).
pub const MFCC_HOP: usize = 320;
/// FFT length (the next power of two above the frame, as `tf.signal.stft` picks).
pub const MFCC_FFT: usize = 512;
/// Spectrum bins, DC to Nyquist.
pub const MFCC_BINS: usize = MFCC_FFT / 2 + 1;
/// Mel bands.
pub const MEL_BANDS: usize = 40;
/// Cepstral coefficients kept.
pub const MFCC_COEFFS: usize = 10;
/// Lower edge of the mel filter bank, Hz.
pub const MEL_LOW_HZ: f64 = 20.0;
/// Upper edge of the mel filter bank, Hz.
pub const MEL_HIGH_HZ: f64 = 4000.0;
/// Added to the mel energies before the log (MLPerf's `log(mel + 1e-6)`).
pub const LOG_OFFSET: f64 = 1e-6;
/// Fractional bits of [`MfccFixed`](super::MfccFixed)'s outputs.
pub const FIXED_FRAC_BITS: u32 = 20;
