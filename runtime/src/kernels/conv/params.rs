//! The constant parameters of a convolution and what the model compiler derives from them
//! on the host for the optimized kernel: its arena scratch ([`conv_s8_scratch`]) and its
//! packed table of per-channel constants ([`conv_s8_pack`]). Both sides compute these
//! with the same functions, so the planned layout is the one the kernel reads.

use crate::kernels::packed::{group4_count, pack_group4, Group4};
use crate::kernels::Scratch;

/// Constant parameters of one 2-D convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvParams {
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
    /// Input channels (equal to the filter's input channels: no groups).
    pub input_depth: usize,
    /// Filter height.
    pub filter_h: usize,
    /// Filter width.
    pub filter_w: usize,
    /// Output height.
    pub output_h: usize,
    /// Output width.
    pub output_w: usize,
    /// Output channels (filter count).
    pub output_depth: usize,
}

/// Longest im2col column the optimized kernel gathers on the stack when the arena has no
/// scratch for it (micro_speech's 10x8 window is 80 bytes, and its arena has no room):
/// longer columns must be planned as scratch ([`conv_s8_scratch`]'s minimum).
pub const STACK_COLUMN: usize = 128;

/// Whether the optimized kernel treats `p` as a pointwise convolution (1x1 without
/// padding: each output pixel's column is its input pixel, no gather, no scratch).
pub fn is_pointwise(p: &ConvParams) -> bool {
    p.filter_h == 1 && p.filter_w == 1 && p.pad_h == 0 && p.pad_w == 0
}

/// Height and width of one batch of the input surrounded by zero points so that every
/// tap of every output pixel falls inside it: `pad_h` rows above, `pad_w` columns on the
/// left, and as many as the windows reach below and on the right.
pub fn padded_extent(p: &ConvParams) -> (usize, usize) {
    let reach = |out: usize, stride: usize, filter: usize, dilation: usize| {
        out.saturating_sub(1) * stride + filter.saturating_sub(1) * dilation + 1
    };
    (
        (p.input_h + p.pad_h).max(reach(p.output_h, p.stride_h, p.filter_h, p.dilation_h)),
        (p.input_w + p.pad_w).max(reach(p.output_w, p.stride_w, p.filter_w, p.dilation_w)),
    )
}

/// Arena scratch of the optimized [`conv_s8`](super::conv_s8), laid out as the im2col
/// column (`filter_h * filter_w * input_depth` bytes) followed by the zero-point-padded
/// input ([`padded_extent`] x `input_depth`). The minimum is the column when it is longer
/// than [`STACK_COLUMN`], else nothing; the preferred size adds the padded input, whose
/// gather needs no bounds logic per tap. Pointwise convolutions need none.
pub fn conv_s8_scratch(p: &ConvParams) -> Scratch {
    if is_pointwise(p) || p.output_h == 0 || p.output_w == 0 {
        return Scratch::NONE;
    }
    let column = p.filter_h * p.filter_w * p.input_depth;
    let (ph, pw) = padded_extent(p);
    let min = if column > STACK_COLUMN { column } else { 0 };
    Scratch { min, preferred: column + ph * pw * p.input_depth }
}

/// Groups of the packed table of [`conv_s8`](super::conv_s8) ([`conv_s8_pack`]).
pub fn conv_s8_packed_groups(p: &ConvParams) -> usize {
    group4_count(p.output_depth)
}

/// Fills `out` ([`conv_s8_packed_groups`] groups) with the per-channel constants the
/// optimized [`conv_s8`](super::conv_s8) reads: the bias with the input offset folded in
/// (`bias + input_offset * sum of the channel's weights`, wrapping as the kernel's
/// accumulators do), multiplier and shift, in the kernel's blocks of four.
pub fn conv_s8_pack(
    p: &ConvParams,
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    out: &mut [Group4],
) {
    let k = p.filter_h * p.filter_w * p.input_depth;
    let lane = |c: usize| {
        let b = if bias.is_empty() { 0 } else { bias[c] };
        let wsum = filter[c * k..(c + 1) * k].iter().fold(0i32, |a, &w| a.wrapping_add(w as i32));
        (b.wrapping_add(p.input_offset.wrapping_mul(wsum)), multipliers[c], shifts[c])
    };
    pack_group4(p.output_depth, lane, out);
}
