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
mod params;
pub mod tables;

pub use detect::{SwwConfig, SwwDetector, SwwHop, SwwPipeline};
pub use frontend::{quantize, SwwFrontend};
pub use params::{
    MEL_FLOOR, POWER_OFFSET_DB, PREEMPHASIS, SWW_BANDS, SWW_BINS, SWW_CLASSES, SWW_FRAMES, SWW_INPUT, SWW_STRIDE,
    SWW_WINDOW,
};
