//! The reference int8 and int16x8 fully connected layers, written to be read next to
//! TFLM's `reference_integer_ops::FullyConnected`.

use super::params::FullyConnectedParams;
use crate::fixedpoint::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64};
use crate::kernels::clamp;

/// The reference int8 fully connected layer (see
/// [`fully_connected_s8`](super::fully_connected_s8), which runs the optimized kernel
/// unless the `reference-kernels` feature is on).
pub fn fully_connected_s8_reference(
    p: &FullyConnectedParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    output: &mut [i8],
) {
    let depth = p.accum_depth;
    for b in 0..p.batches {
        let row = &input[b * depth..(b + 1) * depth];
        for o in 0..p.output_depth {
            let weights = &filter[o * depth..(o + 1) * depth];
            let mut acc: i32 = 0;
            for (&x, &w) in row.iter().zip(weights) {
                acc += (w as i32 + p.filter_offset) * (x as i32 + p.input_offset);
            }
            if !bias.is_empty() {
                acc += bias[o];
            }
            let mut v = multiply_by_quantized_multiplier(acc, p.output_multiplier, p.output_shift);
            v += p.output_offset;
            output[b * p.output_depth + o] = clamp(v, p.activation_min, p.activation_max) as i8;
        }
    }
}

/// The int16x8 layer: `output[b][o] = requant(sum_d (input[b][d] + input_offset) *
/// (filter[o][d] + filter_offset) + bias[o])` with a 64-bit accumulator and int16
/// output. TFLM requires zero points of 0 for int16 tensors, so the offsets are 0 in
/// practice; they are applied anyway as TFLM's template does.
///
/// `bias` is empty when the layer has none. Slices must have the lengths implied by
/// `p`; the model compiler guarantees it.
pub fn fully_connected_s16(p: &FullyConnectedParams, input: &[i16], filter: &[i8], bias: &[i64], output: &mut [i16]) {
    let depth = p.accum_depth;
    for b in 0..p.batches {
        let row = &input[b * depth..(b + 1) * depth];
        for o in 0..p.output_depth {
            let weights = &filter[o * depth..(o + 1) * depth];
            let mut acc: i64 = 0;
            for (&x, &w) in row.iter().zip(weights) {
                // Each product fits in 32 bits, as in TFLM; only the sum needs 64.
                acc += ((w as i32 + p.filter_offset) * (x as i32 + p.input_offset)) as i64;
            }
            if !bias.is_empty() {
                acc += bias[o];
            }
            let mut v = multiply_by_quantized_multiplier_i64(acc, p.output_multiplier, p.output_shift);
            v += p.output_offset;
            output[b * p.output_depth + o] = clamp(v, p.activation_min, p.activation_max) as i16;
        }
    }
}
