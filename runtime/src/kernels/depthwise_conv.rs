//! DEPTHWISE_CONV_2D with int8 activations, int8 per-channel weights and int32 bias
//! (TFLM `reference_integer_ops::DepthwiseConvPerChannel`), any depth multiplier, and
//! the int16-activation variant with int64 bias and accumulator.
//!
//! Input and output are NHWC; the filter is `1 x H x W x (C * M)`: output channel
//! `c * M + m` reads input channel `c`.

use super::clamp;
use super::conv::tap;
use super::packed::{group16_count, pack_group16, Group16};
use crate::fixedpoint::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64};

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

/// For each output pixel and output channel `oc = c * M + m`:
/// `requant_oc(sum over taps (input[c] + input_offset) * filter[oc] + bias[oc])`.
///
/// `bias` is empty when the layer has none; `multipliers` and `shifts` have one entry per
/// output channel. Slices must have the lengths implied by `p`; the model compiler
/// guarantees it. `packed` ([`depthwise_conv_s8_pack`]) is for the optimized kernel,
/// which this calls first; the reference ignores it, and the optimized kernel hands back
/// to it when `packed` is empty or of another layout.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_s8(
    p: &DepthwiseConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    output: &mut [i8],
) {
    #[cfg(not(feature = "reference-kernels"))]
    if super::optimized::depthwise_conv::depthwise_conv_s8(p, input, filter, bias, multipliers, shifts, packed, output)
    {
        return;
    }
    #[cfg(feature = "reference-kernels")]
    let _ = packed;
    depthwise_conv_s8_reference(p, input, filter, bias, multipliers, shifts, output)
}

/// Groups of the packed table of [`depthwise_conv_s8`] ([`depthwise_conv_s8_pack`]).
pub fn depthwise_conv_s8_packed_groups(p: &DepthwiseConvParams) -> usize {
    group16_count(p.input_depth * p.depth_multiplier)
}

/// Fills `out` ([`depthwise_conv_s8_packed_groups`] groups) with the per-channel constants
/// the optimized [`depthwise_conv_s8`] reads: the bias with the input offset of every tap
/// folded in (`bias + input_offset * sum over taps of the channel's weight`, wrapping as
/// the kernel's accumulators do), multiplier and shift, sixteen channels per group.
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

/// The reference int8 depthwise convolution (see [`depthwise_conv_s8`], which runs the
/// optimized kernel where one applies).
pub fn depthwise_conv_s8_reference(
    p: &DepthwiseConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    output: &mut [i8],
) {
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    let od = id * p.depth_multiplier;
    for b in 0..p.batches {
        for oy in 0..p.output_h {
            for ox in 0..p.output_w {
                let out_pixel = ((b * p.output_h + oy) * p.output_w + ox) * od;
                for ic in 0..id {
                    for m in 0..p.depth_multiplier {
                        let oc = ic * p.depth_multiplier + m;
                        let mut acc: i32 = 0;
                        for ky in 0..p.filter_h {
                            let Some(y) = tap(oy, p.stride_h, p.pad_h, p.dilation_h, ky, ih) else {
                                continue;
                            };
                            for kx in 0..p.filter_w {
                                let Some(x) = tap(ox, p.stride_w, p.pad_w, p.dilation_w, kx, iw) else {
                                    continue;
                                };
                                let v = input[((b * ih + y) * iw + x) * id + ic] as i32;
                                let w = filter[(ky * p.filter_w + kx) * od + oc] as i32;
                                acc += w * (v + p.input_offset);
                            }
                        }
                        if !bias.is_empty() {
                            acc += bias[oc];
                        }
                        let v = multiply_by_quantized_multiplier(acc, multipliers[oc], shifts[oc]) + p.output_offset;
                        output[out_pixel + oc] = clamp(v, p.activation_min, p.activation_max) as i8;
                    }
                }
            }
        }
    }
}

/// int16 depthwise convolution with int8 weights and int64 bias (TFLM's 16x8
/// `DepthwiseConvPerChannel`): symmetric activations (`input_offset` and `output_offset`
/// are 0), the sum in 64 bits, requantized with the 64-bit multiplier routine.
pub fn depthwise_conv_s16(
    p: &DepthwiseConvParams,
    input: &[i16],
    filter: &[i8],
    bias: &[i64],
    multipliers: &[i32],
    shifts: &[i32],
    output: &mut [i16],
) {
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    let od = id * p.depth_multiplier;
    for b in 0..p.batches {
        for oy in 0..p.output_h {
            for ox in 0..p.output_w {
                let out_pixel = ((b * p.output_h + oy) * p.output_w + ox) * od;
                for ic in 0..id {
                    for m in 0..p.depth_multiplier {
                        let oc = ic * p.depth_multiplier + m;
                        let mut acc: i64 = 0;
                        for ky in 0..p.filter_h {
                            let Some(y) = tap(oy, p.stride_h, p.pad_h, p.dilation_h, ky, ih) else { continue };
                            for kx in 0..p.filter_w {
                                let Some(x) = tap(ox, p.stride_w, p.pad_w, p.dilation_w, kx, iw) else { continue };
                                let v = input[((b * ih + y) * iw + x) * id + ic] as i64;
                                let w = filter[(ky * p.filter_w + kx) * od + oc] as i64;
                                acc += w * v;
                            }
                        }
                        if !bias.is_empty() {
                            acc += bias[oc];
                        }
                        let v = multiply_by_quantized_multiplier_i64(acc, multipliers[oc], shifts[oc]);
                        output[out_pixel + oc] = clamp(v, p.activation_min, p.activation_max) as i16;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_multiplier_two() {
        // One input channel of 2x2 [1, 2, 3, 4], multiplier 2, 2x2 VALID filter:
        // channel 0 weights all 1 -> 10, channel 1 weights [1, 0, 0, -1] -> -3.
        let p = DepthwiseConvParams {
            input_offset: 0,
            output_offset: 5,
            stride_w: 1,
            stride_h: 1,
            dilation_w: 1,
            dilation_h: 1,
            pad_w: 0,
            pad_h: 0,
            depth_multiplier: 2,
            activation_min: -128,
            activation_max: 127,
            batches: 1,
            input_h: 2,
            input_w: 2,
            input_depth: 1,
            filter_h: 2,
            filter_w: 2,
            output_h: 1,
            output_w: 1,
        };
        let input = [1i8, 2, 3, 4];
        // Filter 1x2x2x2: tap-major, channel-minor.
        let filter = [1i8, 1, 1, 0, 1, 0, 1, -1];
        let mut out = [0i8; 2];
        // Multiplier 1.0: Q31 2^30 with shift 1.
        depthwise_conv_s8(&p, &input, &filter, &[0, 1], &[1 << 30, 1 << 30], &[1, 1], &[], &mut out);
        assert_eq!(out, [15, 3]);
    }
}
