//! `tinyml-runtime`: the device side of cargo-tinyml.
//!
//! The model compiler (`tinyml-compiler`) does all parsing, checking and memory
//! planning on the host and emits Rust code that calls the kernels in this crate with
//! constant parameters. The runtime therefore has no model parser, no allocator and no
//! dynamic dispatch: a kernel is a plain function over slices of a statically planned
//! arena.
//!
//! Modules:
//! - [`arena`]: the tensor arena and the checked views the generated code takes of it.
//! - [`fixedpoint`]: the integer arithmetic of TFLite quantization (TFLM/gemmlowp
//!   rounding), shared by every kernel.
//! - [`fmath`]: float32 `exp`, `log` and `sqrt` in `core` only, for the float kernels.
//! - [`gemmlowp`]: gemmlowp's fixed-point exp, logistic, tanh and reciprocal, for the
//!   nonlinear kernels.
//! - [`kernels`]: one module per operator holding its readable reference kernel; the
//!   families with an optimized int8 kernel are folders (`params`, `reference`,
//!   `optimized`, the dispatching function in `mod.rs`), over shared primitives in
//!   `kernels::simd` (portable, DSP-extension and Helium versions).
//! - [`profile`]: per-layer profiling hooks, compiled away unless the `profile` feature
//!   is on.
#![no_std]
#![deny(missing_docs)]

pub mod arena;
pub mod error;
pub mod fixedpoint;
pub mod fmath;
pub mod gemmlowp;
pub mod kernels;
pub mod npu;
pub mod profile;

pub use arena::Arena;
pub use error::Error;
