//! The constant parameters of a depthwise convolution and the packed table of
//! per-channel constants the model compiler derives from them on the host for the
//! optimized kernel ([`depthwise_conv_s8_pack`]).

use crate::kernels::packed::{group16_count, pack_group16, Group16};

/// Constant parameters of one depthwise convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepthwiseConvParams {
    /// Minus the input zero point.
    pub input_offset: i32,
    /// The output zero point.
    pub output_offset: i32,
    /// Horizontal stride.
    pub stride_w: usize,
    /// Vertical stride.
    pub stride_h: usize,
    /// Horizontal dilation.
    pub dilation_w: usize,
    /// Vertical dilation.
    pub dilation_h: usize,
    /// Zero padding on the left (TFLM `ComputePaddingHeightWidth`).
    pub pad_w: usize,
    /// Zero padding on the top.
    pub pad_h: usize,
    /// Output channels per input channel.
    pub depth_multiplier: usize,
    /// Lower bound of the fused activation, quantized.
    pub activation_min: i32,
    /// Upper bound of the fused activation, quantized.
    pub activation_max: i32,
    /// Batch size.
    pub batches: usize,
    /// Input height.
    pub input_h: usize,
    /// Input width.
    pub input_w: usize,
    /// Input channels.
    pub input_depth: usize,
    /// Filter height.
    pub filter_h: usize,
    /// Filter width.
    pub filter_w: usize,
    /// Output height.
    pub output_h: usize,
    /// Output width.
    pub output_w: usize,
}

/// Groups of the packed table of [`depthwise_conv_s8`](super::depthwise_conv_s8)
/// ([`depthwise_conv_s8_pack`]).
pub fn depthwise_conv_s8_packed_groups(p: &DepthwiseConvParams) -> usize {
    group16_count(p.input_depth * p.depth_multiplier)
}

/// Fills `out` ([`depthwise_conv_s8_packed_groups`] groups) with the per-channel constants
/// the optimized [`depthwise_conv_s8`](super::depthwise_conv_s8) reads: the bias with the
/// input offset of every tap folded in (`bias + input_offset * sum over taps of the
/// channel's weight`, wrapping as the kernel's accumulators do), multiplier and shift,
/// sixteen channels per group.
pub fn depthwise_conv_s8_pack(
    p: &DepthwiseConvParams,
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    out: &mut [Group16],
) {
    let od = p.input_depth * p.depth_multiplier;
    let taps = p.filter_h * p.filter_w;
    let lane = |c: usize| {
        let b = if bias.is_empty() { 0 } else { bias[c] };
        let wsum = (0..taps).fold(0i32, |a, t| a.wrapping_add(filter[t * od + c] as i32));
        (b.wrapping_add(p.input_offset.wrapping_mul(wsum)), multipliers[c], shifts[c])
    };
    pack_group16(od, lane, out);
}
