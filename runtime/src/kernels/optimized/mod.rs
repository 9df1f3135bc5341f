//! Optimized int8 kernels: the same names and signatures as the reference kernels in
//! `kernels/`, which call them first (TFLM `kernels/` vs `kernels/cmsis_nn/`).
//!
//! The algorithms here are portable Rust and run on the host too, so property tests
//! compare them with the reference kernels byte for byte. They differ from the reference
//! in loop order and in where arithmetic happens, never in results:
//! - the input offset is folded out of the inner loop: `sum (x + off) * w` is computed
//!   as `sum x * w + off * sum w` (exact in wrapping i32 arithmetic, which equals the
//!   reference whenever the reference does not overflow), so inner loops are plain int8
//!   dot products, which Helium's `vmladava` and the DSP extension's `smlad` do well
//!   (convolutions read the folded biases from tables the model compiler packed,
//!   `kernels::packed`);
//! - padded taps of a convolution are gathered as the input zero point (`x + off = 0`),
//!   which contributes nothing, exactly like the reference's skipped taps;
//! - outputs are produced in blocks of channels that share one input load, and
//!   requantized a block at a time.
//!
//! The innermost primitives (`simd`) have a portable version and, selected at compile
//! time from the target's features, Helium (`target_feature = "mve"`) versions in inline
//! assembly. A kernel returns `false` for shapes it does not handle (the caller then runs
//! the reference kernel).

pub mod conv;
pub mod depthwise_conv;
pub mod fully_connected;
pub mod pooling;
pub mod simd;

pub use crate::kernels::packed::CHANNEL_BLOCK;
