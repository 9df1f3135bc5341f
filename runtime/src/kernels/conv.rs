//! CONV_2D with int8 activations, int8 per-channel weights and int32 bias (TFLM
//! `reference_integer_ops::ConvPerChannel`), and the int16-activation variant with an
//! int64 accumulator (`ConvPerChannel` for `int16_t`).
//!
//! Layouts are TFLite's: input and output NHWC, filter OHWI.

use super::packed::{group4_count, pack_group4, Group4};
use super::{clamp, Scratch};
use crate::fixedpoint::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64};

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

/// The input row/column a filter tap reads, or `None` when it falls in the padding.
///
/// TFLM computes `origin = out * stride - pad` and skips taps outside `[0, size)`
/// (`is_point_inside_image`); padded taps contribute nothing, not a zero point.
#[inline(always)]
pub(crate) fn tap(out: usize, stride: usize, pad: usize, dilation: usize, k: usize, size: usize) -> Option<usize> {
    let pos = (out * stride + k * dilation).checked_sub(pad)?;
    (pos < size).then_some(pos)
}

/// int8 convolution: for each output pixel and channel `c`,
/// `requant_c(sum (input + input_offset) * filter + bias[c])`.
///
/// `bias` is empty when the layer has none; `multipliers` and `shifts` have one entry per
/// output channel. Slices must have the lengths implied by `p`; the model compiler
/// guarantees it. `packed` ([`conv_s8_pack`]) and `scratch` ([`conv_s8_scratch`]) are
/// for the optimized kernel, which this calls first; the reference ignores them, and the
/// optimized kernel hands back to it when `packed` is empty or of another layout, so a
/// call with `&[]` and `&mut []` is always valid.
#[allow(clippy::too_many_arguments)]
pub fn conv_s8(
    p: &ConvParams,
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
    if super::optimized::conv::conv_s8(p, input, filter, bias, multipliers, shifts, packed, scratch, output) {
        return;
    }
    #[cfg(feature = "reference-kernels")]
    let _ = (packed, scratch);
    conv_s8_reference(p, input, filter, bias, multipliers, shifts, output)
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

/// Arena scratch of the optimized [`conv_s8`], laid out as the im2col column
/// (`filter_h * filter_w * input_depth` bytes) followed by the zero-point-padded input
/// ([`padded_extent`] x `input_depth`). The minimum is the column when it is longer than
/// [`STACK_COLUMN`], else nothing; the preferred size adds the padded input, whose gather
/// needs no bounds logic per tap. Pointwise convolutions need none.
pub fn conv_s8_scratch(p: &ConvParams) -> Scratch {
    if is_pointwise(p) || p.output_h == 0 || p.output_w == 0 {
        return Scratch::NONE;
    }
    let column = p.filter_h * p.filter_w * p.input_depth;
    let (ph, pw) = padded_extent(p);
    let min = if column > STACK_COLUMN { column } else { 0 };
    Scratch { min, preferred: column + ph * pw * p.input_depth }
}

/// Groups of the packed table of [`conv_s8`] ([`conv_s8_pack`]).
pub fn conv_s8_packed_groups(p: &ConvParams) -> usize {
    group4_count(p.output_depth)
}

/// Fills `out` ([`conv_s8_packed_groups`] groups) with the per-channel constants the
/// optimized [`conv_s8`] reads: the bias with the input offset folded in
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

/// The reference int8 convolution (see [`conv_s8`], which runs the optimized kernel
/// where one applies).
pub fn conv_s8_reference(
    p: &ConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    output: &mut [i8],
) {
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    let mut o = 0;
    for b in 0..p.batches {
        for oy in 0..p.output_h {
            for ox in 0..p.output_w {
                for oc in 0..p.output_depth {
                    let mut acc: i32 = 0;
                    for ky in 0..p.filter_h {
                        let Some(y) = tap(oy, p.stride_h, p.pad_h, p.dilation_h, ky, ih) else {
                            continue;
                        };
                        for kx in 0..p.filter_w {
                            let Some(x) = tap(ox, p.stride_w, p.pad_w, p.dilation_w, kx, iw) else {
                                continue;
                            };
                            let pixel = &input[((b * ih + y) * iw + x) * id..][..id];
                            let weights = &filter[((oc * p.filter_h + ky) * p.filter_w + kx) * id..][..id];
                            for (&v, &w) in pixel.iter().zip(weights) {
                                acc += w as i32 * (v as i32 + p.input_offset);
                            }
                        }
                    }
                    if !bias.is_empty() {
                        acc += bias[oc];
                    }
                    let v = multiply_by_quantized_multiplier(acc, multipliers[oc], shifts[oc]) + p.output_offset;
                    output[o] = clamp(v, p.activation_min, p.activation_max) as i8;
                    o += 1;
                }
            }
        }
    }
}

/// int16 convolution with int8 weights and int64 bias (TFLM's 16x8 `ConvPerChannel`):
/// symmetric int16 activations (`input_offset` and `output_offset` are 0), the sum in
/// 64 bits, requantized with the 64-bit multiplier routine.
pub fn conv_s16(
    p: &ConvParams,
    input: &[i16],
    filter: &[i8],
    bias: &[i64],
    multipliers: &[i32],
    shifts: &[i32],
    output: &mut [i16],
) {
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    let mut o = 0;
    for b in 0..p.batches {
        for oy in 0..p.output_h {
            for ox in 0..p.output_w {
                for oc in 0..p.output_depth {
                    let mut acc: i64 = 0;
                    for ky in 0..p.filter_h {
                        let Some(y) = tap(oy, p.stride_h, p.pad_h, p.dilation_h, ky, ih) else {
                            continue;
                        };
                        for kx in 0..p.filter_w {
                            let Some(x) = tap(ox, p.stride_w, p.pad_w, p.dilation_w, kx, iw) else {
                                continue;
                            };
                            let pixel = &input[((b * ih + y) * iw + x) * id..][..id];
                            let weights = &filter[((oc * p.filter_h + ky) * p.filter_w + kx) * id..][..id];
                            for (&v, &w) in pixel.iter().zip(weights) {
                                acc += w as i64 * v as i64;
                            }
                        }
                    }
                    if !bias.is_empty() {
                        acc += bias[oc];
                    }
                    let v = multiply_by_quantized_multiplier_i64(acc, multipliers[oc], shifts[oc]) + p.output_offset;
                    output[o] = clamp(v, p.activation_min, p.activation_max) as i16;
                    o += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> ConvParams {
        ConvParams {
            input_offset: 0,
            output_offset: 0,
            stride_w: 1,
            stride_h: 1,
            dilation_w: 1,
            dilation_h: 1,
            pad_w: 1,
            pad_h: 1,
            activation_min: -128,
            activation_max: 127,
            batches: 1,
            input_h: 3,
            input_w: 3,
            input_depth: 1,
            filter_h: 3,
            filter_w: 3,
            output_h: 3,
            output_w: 3,
            output_depth: 1,
        }
    }

    #[test]
    fn tap_skips_padding() {
        // Output 0 with pad 1: tap 0 is the padded column -1.
        assert_eq!(tap(0, 1, 1, 1, 0, 3), None);
        assert_eq!(tap(0, 1, 1, 1, 1, 3), Some(0));
        assert_eq!(tap(2, 1, 1, 1, 2, 3), None);
        // Dilation 2, stride 2: out 1 tap 1 reads 2 + 2 - 1 = 3.
        assert_eq!(tap(1, 2, 1, 2, 1, 5), Some(3));
    }

    #[test]
    fn same_padding_counts_only_real_pixels() {
        // All-ones 3x3 filter over all-ones 3x3 input with input zero point -1 (offset
        // +1): each output sums (1 + 1) over the taps inside the image: corners 4 taps,
        // edges 6, centre 9. Padded taps add nothing (not the zero point).
        let p = ConvParams { input_offset: 1, ..params() };
        let input = [1i8; 9];
        let filter = [1i8; 9];
        let mut out = [0i8; 9];
        // Multiplier 0.5 (Q31 2^30, shift 0): halves the sum.
        conv_s8(&p, &input, &filter, &[], &[1 << 30], &[0], &[], &mut [], &mut out);
        assert_eq!(out, [4, 6, 4, 6, 9, 6, 4, 6, 4]);
    }

    #[test]
    fn bias_and_activation_clamp() {
        let p = ConvParams {
            activation_min: 0,
            activation_max: 10,
            pad_w: 0,
            pad_h: 0,
            output_h: 1,
            output_w: 1,
            ..params()
        };
        let input = [2i8; 9];
        let filter = [-1i8; 9];
        let mut out = [0i8; 1];
        // sum = -18, + bias 100 = 82, * 0.5 = 41, clamped to 10.
        conv_s8(&p, &input, &filter, &[100], &[1 << 30], &[0], &[], &mut [], &mut out);
        assert_eq!(out, [10]);
        conv_s8(&p, &input, &filter, &[], &[1 << 30], &[0], &[], &mut [], &mut out);
        assert_eq!(out, [0]);
    }
}
