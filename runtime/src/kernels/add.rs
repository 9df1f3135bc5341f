//! ADD and SUB with broadcasting: int8 and int16 with TFLM's general rescaling
//! (`reference_integer_ops::Add`, `reference_ops::AddGeneralParamScale`,
//! `BroadcastAdd6DSlow`, and the matching SUB kernels), and plain int32.

use super::broadcast::{binary, Broadcast};
use super::int::QuantizedInt;
#[cfg(not(feature = "reference-kernels"))]
use super::simd;
use crate::fixedpoint::multiply_by_quantized_multiplier_smaller_than_one_exp as scale_down;

/// Constant parameters of one quantized ADD or SUB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddParams {
    /// Headroom shift applied to both offset inputs (20 for int8, 15 for int16).
    pub left_shift: i32,
    /// Minus the zero point of input 1.
    pub input1_offset: i32,
    /// `scale1 / (2 * max(scale1, scale2))` in Q31.
    pub input1_multiplier: i32,
    /// Its (non-positive) shift.
    pub input1_shift: i32,
    /// Minus the zero point of input 2.
    pub input2_offset: i32,
    /// `scale2 / (2 * max(scale1, scale2))` in Q31.
    pub input2_multiplier: i32,
    /// Its (non-positive) shift.
    pub input2_shift: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// `2 * max(scale1, scale2) / (2^left_shift * output_scale)` in Q31.
    pub output_multiplier: i32,
    /// Its (non-positive) shift.
    pub output_shift: i32,
    /// Lower bound of the fused activation, quantized.
    pub activation_min: i32,
    /// Upper bound of the fused activation, quantized.
    pub activation_max: i32,
    /// SUB instead of ADD: input 2 is subtracted.
    pub subtract: bool,
    /// Broadcasting of the two inputs to the output.
    pub shape: Broadcast,
}

/// One output element: both inputs are brought to a common scale with headroom, added
/// (or subtracted), and requantized to the output.
#[inline(always)]
fn add_element(p: &AddParams, a: i32, b: i32) -> i32 {
    let shifted1 = (p.input1_offset + a) * (1 << p.left_shift);
    let shifted2 = (p.input2_offset + b) * (1 << p.left_shift);
    let scaled1 = scale_down(shifted1, p.input1_multiplier, p.input1_shift);
    let scaled2 = scale_down(shifted2, p.input2_multiplier, p.input2_shift);
    let raw = if p.subtract { scaled1 - scaled2 } else { scaled1 + scaled2 };
    let out = scale_down(raw, p.output_multiplier, p.output_shift) + p.output_offset;
    out.clamp(p.activation_min, p.activation_max)
}

fn add_quantized<T: QuantizedInt>(p: &AddParams, in1: &[T], in2: &[T], output: &mut [T]) {
    binary(&p.shape, in1, in2, output, |a: T, b: T| T::from_i32(add_element(p, a.to_i32(), b.to_i32())));
}

/// int8 ADD/SUB. Same-shape inputs take [`simd::add_s8`] (four elements per
/// iteration on Helium), broadcast shapes (and builds with `reference-kernels`) the
/// reference loop.
pub fn add_s8(p: &AddParams, in1: &[i8], in2: &[i8], output: &mut [i8]) {
    #[cfg(not(feature = "reference-kernels"))]
    if p.shape.elementwise {
        let n = p.shape.out_len();
        let q = simd::AddQuant {
            left_shift: p.left_shift,
            input_offset: [p.input1_offset, p.input2_offset],
            input_multiplier: [p.input1_multiplier, p.input2_multiplier],
            input_shift: [p.input1_shift, p.input2_shift],
            output_offset: p.output_offset,
            output_multiplier: p.output_multiplier,
            output_shift: p.output_shift,
            min: p.activation_min,
            max: p.activation_max,
            subtract: p.subtract,
        };
        return simd::add_s8(&q, &in1[..n], &in2[..n], &mut output[..n]);
    }
    add_quantized(p, in1, in2, output);
}

/// int8 ADD/SUB, always the scalar reference loop (what the tests compare
/// [`add_s8`] with).
pub fn add_s8_reference(p: &AddParams, in1: &[i8], in2: &[i8], output: &mut [i8]) {
    add_quantized(p, in1, in2, output);
}

/// int16 ADD/SUB (TFLM micro uses the general-scale path for every int16 model).
pub fn add_s16(p: &AddParams, in1: &[i16], in2: &[i16], output: &mut [i16]) {
    add_quantized(p, in1, in2, output);
}

/// Constant parameters of an int32 ADD or SUB (unquantized).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddI32Params {
    /// Lower bound of the fused activation.
    pub activation_min: i32,
    /// Upper bound of the fused activation.
    pub activation_max: i32,
    /// SUB instead of ADD.
    pub subtract: bool,
    /// Broadcasting of the two inputs to the output.
    pub shape: Broadcast,
}

/// int32 ADD/SUB: wrapping integer arithmetic, then the activation clamp.
pub fn add_i32(p: &AddI32Params, in1: &[i32], in2: &[i32], output: &mut [i32]) {
    binary(&p.shape, in1, in2, output, |a: i32, b: i32| {
        let v = if p.subtract { a.wrapping_sub(b) } else { a.wrapping_add(b) };
        v.clamp(p.activation_min, p.activation_max)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_scale_add_is_exact() {
        // Both inputs and the output at scale 1.0, zero point 0: real addition.
        let p = AddParams {
            left_shift: 20,
            input1_offset: 0,
            input1_multiplier: 1 << 30,
            input1_shift: 0,
            input2_offset: 0,
            input2_multiplier: 1 << 30,
            input2_shift: 0,
            output_offset: 0,
            // 2 / 2^20 = 2^-19 = 0.5 * 2^-18
            output_multiplier: 1 << 30,
            output_shift: -18,
            activation_min: -128,
            activation_max: 127,
            subtract: false,
            shape: Broadcast::elementwise(4),
        };
        let mut out = [0i8; 4];
        add_s8(&p, &[1, -5, 100, -100], &[2, 3, 100, -100], &mut out);
        assert_eq!(out, [3, -2, 127, -128]);
        add_s8(&AddParams { subtract: true, ..p }, &[1, -5, 100, -100], &[2, 3, 100, -100], &mut out);
        assert_eq!(out, [-1, -8, 0, 0]);
    }
}
