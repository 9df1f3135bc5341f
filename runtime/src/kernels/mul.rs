//! MUL with broadcasting: int8 and int16 (TFLM `reference_integer_ops::Mul` and
//! `BroadcastMul6DSlow`) and plain int32 (`reference_ops::Mul`).

use super::broadcast::{binary, Broadcast};
use super::int::QuantizedInt;
use crate::fixedpoint::multiply_by_quantized_multiplier;

/// Constant parameters of one quantized MUL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MulParams {
    /// Minus the zero point of input 1.
    pub input1_offset: i32,
    /// Minus the zero point of input 2.
    pub input2_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// `scale1 * scale2 / output_scale` in Q31.
    pub output_multiplier: i32,
    /// Its shift (positive: left).
    pub output_shift: i32,
    /// Lower bound of the fused activation, quantized.
    pub activation_min: i32,
    /// Upper bound of the fused activation, quantized.
    pub activation_max: i32,
    /// Broadcasting of the two inputs to the output.
    pub shape: Broadcast,
}

fn mul_quantized<T: QuantizedInt>(p: &MulParams, in1: &[T], in2: &[T], output: &mut [T]) {
    binary(&p.shape, in1, in2, output, |a: T, b: T| {
        let product = (p.input1_offset + a.to_i32()) * (p.input2_offset + b.to_i32());
        let v = p.output_offset + multiply_by_quantized_multiplier(product, p.output_multiplier, p.output_shift);
        T::from_i32(v.clamp(p.activation_min, p.activation_max))
    });
}

/// int8 MUL.
pub fn mul_s8(p: &MulParams, in1: &[i8], in2: &[i8], output: &mut [i8]) {
    mul_quantized(p, in1, in2, output);
}

/// int16 MUL (zero points are 0, as TFLM requires).
pub fn mul_s16(p: &MulParams, in1: &[i16], in2: &[i16], output: &mut [i16]) {
    mul_quantized(p, in1, in2, output);
}

/// Constant parameters of an int32 MUL (unquantized).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MulI32Params {
    /// Lower bound of the fused activation.
    pub activation_min: i32,
    /// Upper bound of the fused activation.
    pub activation_max: i32,
    /// Broadcasting of the two inputs to the output.
    pub shape: Broadcast,
}

/// int32 MUL: wrapping product, then the activation clamp (TFLM `WrappingMul`).
pub fn mul_i32(p: &MulI32Params, in1: &[i32], in2: &[i32], output: &mut [i32]) {
    binary(&p.shape, in1, in2, output, |a: i32, b: i32| a.wrapping_mul(b).clamp(p.activation_min, p.activation_max));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mul_int8_with_offsets() {
        // scales 0.5 * 0.5 / 0.25 = 1: out = (a+1)*(b+1) - 3.
        let p = MulParams {
            input1_offset: 1,
            input2_offset: 1,
            output_offset: -3,
            output_multiplier: 1 << 30,
            output_shift: 1,
            activation_min: -128,
            activation_max: 127,
            shape: Broadcast::elementwise(3),
        };
        let mut out = [0i8; 3];
        mul_s8(&p, &[1, -1, 20], &[2, 5, 20], &mut out);
        assert_eq!(out, [3, -3, 127]);
    }
}
