//! Operator kernels, one module per TFLite operator.
//!
//! Each module holds a plain reference kernel, written to be read next to TFLM's
//! `reference_integer_ops` and bit-exact with it, plus its parameter struct. Parameter
//! structs contain only scalars and fixed-size arrays and derive `Debug`, because the
//! model compiler emits them into generated code with `{:?}`; per-channel tables and
//! weights are passed as separate slices. Kernels never see the graph or the planner.
//!
//! The five families with an optimized int8 kernel (`conv`, `depthwise_conv`,
//! `fully_connected`, `pooling`, `transpose_conv`) are folders: `params.rs`,
//! `reference.rs`, `optimized.rs` (same name and signature as the reference, TFLM
//! `kernels/` vs `kernels/cmsis_nn/`), and
//! the public dispatching function in `mod.rs`, which runs the optimized kernel unless the
//! `reference-kernels` feature is on. No operator module imports another: what several
//! share lives in modules of its own, `geometry` (taps and windows), [`int`] (integer
//! element types), [`broadcast`] (index arithmetic of binary elementwise operators),
//! [`sigmoid`] (LOGISTIC and TANH), [`packed`] (the constant tables), [`lookup`] (the
//! 256-byte table of an int8 activation that runs alone) and [`simd`] (the innermost
//! primitives). Operators that only move elements share kernels too:
//! [`strided_copy`] (SLICE, STRIDED_SLICE, TRANSPOSE, BROADCAST_TO, FILL, ZEROS_LIKE) and
//! [`concatenation`] (CONCATENATION and PACK; its inverse `split` for SPLIT, SPLIT_V and
//! UNPACK).
//! [`in_place`] sits above the operator modules: it runs their
//! elementwise kernels with the output over an input (`relu_s8_in_place`,
//! `add_s8_in_place`), for the layers the planner runs in place; [`rows_in_place`] runs
//! convolutions over their own input a band of output rows at a time, and [`fused_rows`]
//! two of them at once, the tensor between them computed a few rows at a time.
//!
//! The optimized algorithms are portable Rust and run on the host too, so property tests
//! compare them with the reference kernels byte for byte. They differ from the reference
//! in loop order and in where arithmetic happens, never in results:
//! - the input offset is folded out of the inner loop: `sum (x + off) * w` is computed
//!   as `sum x * w + off * sum w` (exact in wrapping i32 arithmetic, which equals the
//!   reference whenever the reference does not overflow), so inner loops are plain int8
//!   dot products, which Helium's `vmladava` and the DSP extension's `smlad` do well
//!   (the folded biases come from tables the model compiler packed, [`packed`]);
//! - padded taps of a convolution are gathered as the input zero point (`x + off = 0`),
//!   which contributes nothing, exactly like the reference's skipped taps;
//! - outputs are produced in blocks of channels that share one input load, and
//!   requantized a block at a time.
//!
//! Only the innermost primitives ([`simd`]) differ per core, selected at compile time
//! from the target's features (Helium or DSP-extension inline assembly). An optimized
//! kernel returns `false` for shapes it does not handle, and the dispatching function
//! then runs the reference kernel.

pub mod add;
pub mod arg_min_max;
pub mod broadcast;
pub mod cast;
pub mod concatenation;
pub mod conv;
pub mod depthwise_conv;
pub mod dequantize;
pub mod elementwise;
pub mod fully_connected;
pub mod fused_rows;
pub mod gather;
pub(crate) mod geometry;
pub mod hard_swish;
pub mod in_place;
pub mod int;
pub mod l2_normalization;
pub mod log_softmax;
pub mod logistic;
pub mod lookup;
pub mod lstm;
pub mod mean;
pub mod minmax;
pub mod mul;
pub mod packed;
pub mod pad;
pub mod pooling;
pub mod prelu;
pub mod quantize;
pub mod relu;
pub mod resize_nearest;
pub mod rows_in_place;
pub mod sigmoid;
pub mod sigmoid_lut;
#[cfg(not(feature = "reference-kernels"))]
pub mod simd;
pub mod softmax;
pub mod strided_copy;
pub mod svdf;
pub mod tanh;
pub mod transpose_conv;

/// Arena scratch a kernel can use, in bytes: it runs with `min` (the model compiler always
/// plans at least that much) and runs faster with `preferred`, which the planner grants
/// when it costs no arena. Computed by pure functions of a kernel's parameters
/// (`conv::conv_s8_scratch`), so the compiler on the host and the kernel on the device
/// agree on the layout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scratch {
    /// Bytes without which the kernel cannot run (or runs its slowest path).
    pub min: usize,
    /// Bytes for the kernel's fastest path (at least `min`).
    pub preferred: usize,
}

impl Scratch {
    /// No scratch at all.
    pub const NONE: Scratch = Scratch { min: 0, preferred: 0 };
}

/// Fused activation clamp in the quantized domain, as TFLM computes it.
#[inline(always)]
pub fn clamp(x: i32, min: i32, max: i32) -> i32 {
    x.max(min).min(max)
}
