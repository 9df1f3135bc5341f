//! `tinyml-compiler`: the host side of cargo-tinyml.
//!
//! A model goes through explicit stages, each testable alone:
//! 1. [`tflite`]: import a `.tflite` flatbuffer into the [`graph`] IR, checking every
//!    offset, index and size (untrusted input).
//! 2. [`ops`]: lower each operator (one [`ops::REGISTRY`]) to a [`kernel::Kernel`] whose
//!    constant work is done here (requantization multipliers, shifts, activation ranges,
//!    folded offsets) and which emits a structured [`kernel::Call`].
//! 3. [`plan`]: place every activation tensor in one arena (offline memory planning,
//!    strategies behind the [`plan::MemoryPlanner`] trait).
//! 4. [`codegen`]: render the calls as Rust (and C) that calls `tinyml-runtime` kernels
//!    with constant tables; [`exec`] runs the same compiled program on the host.
//!
//! [`compile`] runs stages 1 to 3 ([`npu::compile_offloaded`] with the layers Arm's Vela
//! puts on an Ethos-U as NPU steps); [`build`] is the entry point for build scripts;
//! [`analysis`] is the static estimate of a program (memory, MACs, stack); [`formats`]
//! reads and writes `.npy` and WAV files.

pub mod analysis;
pub mod build;
pub mod codegen;
pub mod error;
pub mod exec;
pub mod formats;
pub mod graph;
pub mod kernel;
pub mod npu;
pub mod ops;
pub mod plan;
pub mod program;
pub mod stack;
pub mod tflite;

pub use error::CompileError;
pub use program::{compile, CompileOptions, Program};
