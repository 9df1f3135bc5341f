//! TRANSPOSE_CONV with int8 activations, int8 per-channel weights and int32 bias (TFLM
//! `reference_integer_ops::TransposeConv`), and the int16-activation variant with int64
//! bias and accumulators (its `int16_t` overload).
//!
//! Layouts are TFLite's: input and output NHWC, filter OHWI. TFLM scatters: every input
//! pixel adds `(input + input_offset) * filter` into an accumulator per output element
//! (`out = in * stride - pad + tap`), kept in an arena scratch buffer that the model
//! compiler plans ([`transpose_conv_s8_scratch`], [`transpose_conv_s16_scratch`]); the
//! accumulators are then biased, requantized and clamped. Without that scratch the
//! kernels gather instead (each output element sums the input pixels that reach it), in
//! the same integer arithmetic: the sums are the same, since int32 addition wraps and
//! int64 sums of these products cannot overflow.
//!
//! The family's files: `params.rs` (the parameters, the scratch and the packed table),
//! `reference.rs` (the readable kernels) and `optimized.rs` (the fast int8 scatter);
//! [`transpose_conv_s8`] here chooses between the last two.

mod params;
mod reference;

#[cfg(not(feature = "reference-kernels"))]
pub mod optimized;

pub use params::{
    transpose_conv_s16_scratch, transpose_conv_s8_pack, transpose_conv_s8_packed_len, transpose_conv_s8_scratch,
    TransposeConvParams,
};
pub use reference::{transpose_conv_s16, transpose_conv_s8_reference};

/// int8 transposed convolution: for each output element of channel `c`,
/// `clamp(requant_c(sum (input + input_offset) * filter + bias[c]) + output_offset)`.
///
/// `bias` is empty when the layer has none; `multipliers` and `shifts` have one entry per
/// output channel. Slices must have the lengths implied by `p`; the model compiler
/// guarantees it. `packed` ([`transpose_conv_s8_pack`]) is for the optimized kernel,
/// which this calls first and which hands back to the reference when `packed` or
/// `scratch` ([`transpose_conv_s8_scratch`]) is short; the reference gathers without
/// scratch, so a call with `&[]` and `&mut []` is always valid.
#[allow(clippy::too_many_arguments)]
pub fn transpose_conv_s8(
    p: &TransposeConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    scratch: &mut [u8],
    output: &mut [i8],
) {
    #[cfg(not(feature = "reference-kernels"))]
    if optimized::transpose_conv_s8(p, input, filter, bias, multipliers, shifts, packed, scratch, output) {
        return;
    }
    #[cfg(feature = "reference-kernels")]
    let _ = packed;
    transpose_conv_s8_reference(p, input, filter, bias, multipliers, shifts, scratch, output)
}
