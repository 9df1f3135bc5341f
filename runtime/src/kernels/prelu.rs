//! PRELU with broadcasting of alpha: int8 and int16 inputs with int8 alpha (TFLM
//! `reference_ops::BroadcastPrelu4DSlow`) and float32 (`BroadcastPrelu4DSlowFloat`).

use super::broadcast::{binary, Broadcast};
use super::int::QuantizedInt;
use crate::fixedpoint::multiply_by_quantized_multiplier;

/// Constant parameters of a quantized PRELU (TFLM `CalculatePreluParams`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PreluParams {
    /// Minus the input zero point.
    pub input_offset: i32,
    /// Minus the alpha zero point.
    pub alpha_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// `input_scale / output_scale` in Q31 (inputs at or above zero).
    pub output_multiplier_1: i32,
    /// Its shift (positive: left).
    pub output_shift_1: i32,
    /// `input_scale * alpha_scale / output_scale` in Q31 (inputs below zero).
    pub output_multiplier_2: i32,
    /// Its shift (positive: left).
    pub output_shift_2: i32,
    /// Broadcasting of the input (input 1) and alpha (input 2) to the output.
    pub shape: Broadcast,
}

fn prelu_quantized<T: QuantizedInt>(p: &PreluParams, input: &[T], alpha: &[i8], output: &mut [T]) {
    binary(&p.shape, input, alpha, output, |x: T, a: i8| {
        let x = p.input_offset + x.to_i32();
        let v = if x >= 0 {
            multiply_by_quantized_multiplier(x, p.output_multiplier_1, p.output_shift_1)
        } else {
            let a = p.alpha_offset + i32::from(a);
            multiply_by_quantized_multiplier(x.wrapping_mul(a), p.output_multiplier_2, p.output_shift_2)
        };
        T::from_i32(p.output_offset.wrapping_add(v).clamp(T::MIN, T::MAX))
    });
}

/// int8 PRELU: `x` requantized where it is at or above the zero point, `x * alpha`
/// requantized below.
pub fn prelu_s8(p: &PreluParams, input: &[i8], alpha: &[i8], output: &mut [i8]) {
    prelu_quantized(p, input, alpha, output);
}

/// int16 PRELU with int8 alpha (what TFLM requires of an int16 output).
pub fn prelu_s16(p: &PreluParams, input: &[i16], alpha: &[i8], output: &mut [i16]) {
    prelu_quantized(p, input, alpha, output);
}

/// float32 PRELU: `x >= 0 ? x : x * alpha`.
pub fn prelu_f32(shape: &Broadcast, input: &[f32], alpha: &[f32], output: &mut [f32]) {
    binary(shape, input, alpha, output, |x: f32, a: f32| if x >= 0.0 { x } else { x * a });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prelu_scales_negative_inputs_by_alpha() {
        // Identity 1.0 (2^30, shift 1); alpha product scale 1/4 (2^30, shift -1); alpha
        // broadcast per channel over two channels.
        let p = PreluParams {
            input_offset: 0,
            alpha_offset: 0,
            output_offset: 0,
            output_multiplier_1: 1 << 30,
            output_shift_1: 1,
            output_multiplier_2: 1 << 30,
            output_shift_2: -1,
            shape: Broadcast {
                out_dims: [1, 1, 1, 1, 2, 2],
                in1_strides: [0, 0, 0, 0, 2, 1],
                in2_strides: [0, 0, 0, 0, 0, 1],
                elementwise: false,
            },
        };
        let mut out = [0i8; 4];
        prelu_s8(&p, &[-8, -8, 5, 127], &[1, 2], &mut out);
        assert_eq!(out, [-2, -4, 5, 127]);
        let mut out = [0f32; 2];
        prelu_f32(&Broadcast::elementwise(2), &[-2.0, 3.0], &[0.5, 0.5], &mut out);
        assert_eq!(out, [-1.0, 3.0]);
    }
}
