//! CONV_2D with int8 activations, int8 per-channel weights and int32 bias (TFLM
//! `reference_integer_ops::ConvPerChannel`), and the int16-activation variant with an
//! int64 accumulator (`ConvPerChannel` for `int16_t`).
//!
//! Layouts are TFLite's: input and output NHWC, filter OHWI.

use super::clamp;
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
/// guarantees it.
pub fn conv_s8(
    p: &ConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    output: &mut [i8],
) {
    #[cfg(not(feature = "reference-kernels"))]
    if super::optimized::conv::conv_s8(p, input, filter, bias, multipliers, shifts, output) {
        return;
    }
    conv_s8_reference(p, input, filter, bias, multipliers, shifts, output)
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
        conv_s8(&p, &input, &filter, &[], &[1 << 30], &[0], &mut out);
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
        conv_s8(&p, &input, &filter, &[100], &[1 << 30], &[0], &mut out);
        assert_eq!(out, [10]);
        conv_s8(&p, &input, &filter, &[], &[1 << 30], &[0], &mut out);
        assert_eq!(out, [0]);
    }
}
