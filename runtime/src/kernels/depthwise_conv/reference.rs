//! The reference int8 and int16 depthwise convolutions, written to be read next to TFLM's
//! `reference_integer_ops::DepthwiseConvPerChannel`.

use super::params::DepthwiseConvParams;
use crate::fixedpoint::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64};
use crate::kernels::clamp;
use crate::kernels::geometry::tap;

/// The reference int8 depthwise convolution (see
/// [`depthwise_conv_s8`](super::depthwise_conv_s8), which runs the optimized kernel where
/// one applies).
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
