//! The parameters of the streaming-wakeword front end and model input, shared by its modules.

/// Samples per analysis window (64 ms at 16 kHz), also the FFT length.
pub const SWW_WINDOW: usize = 1024;
/// Samples per stride (32 ms at 16 kHz): one feature frame and one inference each.
pub const SWW_STRIDE: usize = 512;
/// Spectrum bins, DC to Nyquist.
pub const SWW_BINS: usize = SWW_WINDOW / 2 + 1;
/// Mel bands (features per frame).
pub const SWW_BANDS: usize = 40;
/// Frames in the model's input window (about one second).
pub const SWW_FRAMES: usize = 30;
/// Bytes of the model input: 30 frames of 40 features, oldest first.
pub const SWW_INPUT: usize = SWW_FRAMES * SWW_BANDS;
/// Model outputs: 0 wakeword ("marvin"), 1 silence, 2 other.
pub const SWW_CLASSES: usize = 3;
/// Pre-emphasis coefficient, `1 - 2^-5`.
pub const PREEMPHASIS: f32 = 0.96875;
/// Added to the dB value before scaling by 1/64.
pub const POWER_OFFSET_DB: f32 = 52.0;
/// Floor of the mel energies before the log.
pub const MEL_FLOOR: f32 = 1e-30;
