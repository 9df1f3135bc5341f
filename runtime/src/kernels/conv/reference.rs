//! The reference int8 and int16 convolutions, written to be read next to TFLM's
//! `reference_integer_ops::ConvPerChannel`.

use super::params::ConvParams;
use crate::fixedpoint::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64};
use crate::kernels::clamp;
use crate::kernels::geometry::tap;

/// The reference int8 convolution (see [`conv_s8`](super::conv_s8), which runs the
/// optimized kernel where one applies).
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
