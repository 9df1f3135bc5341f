//! The MLPerf Tiny streaming-wakeword front end and detector (`str_ww_ref_model`, "marvin").
//!
//! Per 512-sample stride (32 ms at 16 kHz), over the last 1024 samples (64 ms), as the
//! reference submission's `th_compute_lfbe_f32` (mlcommons/tiny, `sww_ref_l4r5zi`):
//! int16 / 32768, pre-emphasis `x[n] - 0.96875 x[n-1]` continuous across strides, the
//! 1024-point Hamming window, 1024-point real FFT, power `|X|^2 / 1024`, 40 packed mel dot
//! products, clip below at 1e-30, `10 log10`, `(v + 52) / 64` clipped to [0, 1]; then
//! `int8(v / input_scale - 128)` (C's truncating cast) into a 30-frame window shifted by
//! one frame per stride and initialised with zeros, as the submission keeps its model input.
//!
//! - [`SwwFrontend`] ([`frontend`]): one stride in, 40 features out, f32 (cores with an
//!   FPU). The window and mel matrix are the submission's own float32 arrays, bit for bit
//!   ([`tables`], generated from `reference_data/*.npy` by
//!   `tools/oracle/sww_frontend.py tables`), not recomputed.
//! - [`SwwDetector`] ([`detect`]): threshold on the wakeword score and the benchmark's
//!   debounce (`str_ww_util.py` `debounce_detections`, 1 s).
//! - [`SwwPipeline`] ([`detect`]): samples in any chunk size -> front end -> window ->
//!   model (a closure) -> detector.
//!
//! Accuracy against a float64 numpy implementation (`tools/oracle/sww_frontend.py`) and
//! cost per hop: `docs/audio.md`.

pub mod detect;
pub mod frontend;
pub mod tables;

pub use detect::{SwwConfig, SwwDetector, SwwHop, SwwPipeline};
pub use frontend::{quantize, SwwFrontend};

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
