//! Operator kernels, one module per TFLite operator.
//!
//! Each module holds a plain reference kernel, written to be read next to TFLM's
//! `reference_integer_ops` and bit-exact with it, plus its parameter struct. Parameter
//! structs contain only scalars and fixed-size arrays and derive `Debug`, because the
//! model compiler emits them into generated code with `{:?}`; per-channel tables and
//! weights are passed as separate slices. Kernels never see the graph or the planner.
//!
//! Optimized kernels for a core live beside the reference under the same name and
//! signature and are selected at compile time from the target's features.

pub mod add;
pub mod broadcast;
pub mod cast;
pub mod concatenation;
pub mod conv;
pub mod depthwise_conv;
pub mod dequantize;
pub mod fully_connected;
pub mod logistic;
pub mod mean;
pub mod minmax;
pub mod mul;
#[cfg(not(feature = "reference-kernels"))]
pub mod optimized;
pub mod packed;
pub mod pad;
pub mod pooling;
pub mod quantize;
pub mod sigmoid_lut;
pub mod softmax;
pub mod strided_slice;
pub mod tanh;

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
