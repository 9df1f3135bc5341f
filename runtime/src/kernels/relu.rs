//! RELU, RELU6 and LEAKY_RELU on int8 and int16 (TFLM `activations.cc`: `ReluQuantized`,
//! `Relu6Quantized`; `leaky_relu.cc`: `reference_ops::QuantizeLeakyRelu`).

use crate::fixedpoint::multiply_by_quantized_multiplier;
use crate::kernels::int::QuantizedInt;
use crate::kernels::lookup::by_table;

/// Constant parameters of an int8 or int16 RELU (TFLM `CalculateReluOpData`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReluParams {
    /// `input_scale / output_scale` as a Q31 multiplier.
    pub multiplier: i32,
    /// Its shift (positive: left).
    pub shift: i32,
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// Lowest output: the output zero point (real 0), at least the type's minimum.
    pub activation_min: i32,
    /// Highest output (the type's maximum: RELU has no upper bound).
    pub activation_max: i32,
}

/// `out = clamp(requant(x - input_zero_point) + output_zero_point, min, max)`: RELU
/// requantizes because TFLM allows the output its own scale and zero point.
fn relu<T: QuantizedInt>(p: &ReluParams, input: &[T], output: &mut [T]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = relu_element(p, x);
    }
}

/// One element of [`relu`].
#[inline(always)]
pub(super) fn relu_element<T: QuantizedInt>(p: &ReluParams, x: T) -> T {
    let v = p.output_zero_point.wrapping_add(multiply_by_quantized_multiplier(
        x.to_i32().wrapping_sub(p.input_zero_point),
        p.multiplier,
        p.shift,
    ));
    T::from_i32(v.clamp(p.activation_min, p.activation_max))
}

/// int8 RELU.
///
/// With a form from [`lookup_s8_pack`](crate::kernels::lookup::lookup_s8_pack) in `packed`, a table read
/// or a clamp ([`by_table`]); with `&[]` (always valid), the arithmetic.
pub fn relu_s8(p: &ReluParams, input: &[i8], packed: &[i32], output: &mut [i8]) {
    if by_table(packed, input, output) {
        return;
    }
    relu(p, input, output);
}

/// int16 RELU (TFLM requires zero points of 0).
pub fn relu_s16(p: &ReluParams, input: &[i16], output: &mut [i16]) {
    relu(p, input, output);
}

/// Constant parameters of an int8 or int16 RELU6 (TFLM `Relu6Prepare`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Relu6Params {
    /// Real 0 in the input's quantization: the input zero point.
    pub zero: i32,
    /// Real 6 in the input's quantization, saturated to the element type.
    pub six: i32,
}

/// `out = clamp(x, zero, six)` on stored values: TFLM's RELU6 does not requantize (it
/// reads only the input's quantization and assumes the output shares it).
fn relu6<T: QuantizedInt>(p: &Relu6Params, input: &[T], output: &mut [T]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = relu6_element(p, x);
    }
}

/// One element of [`relu6`].
#[inline(always)]
pub(super) fn relu6_element<T: QuantizedInt>(p: &Relu6Params, x: T) -> T {
    let x = x.to_i32();
    // TFLM's `val > upper ? upper : val < lower ? lower : val`, upper tested first.
    T::from_i32(if x > p.six {
        p.six
    } else if x < p.zero {
        p.zero
    } else {
        x
    })
}

/// int8 RELU6.
///
/// With a form from [`lookup_s8_pack`](crate::kernels::lookup::lookup_s8_pack) in `packed`, a table read
/// or a clamp ([`by_table`]); with `&[]` (always valid), the arithmetic.
pub fn relu6_s8(p: &Relu6Params, input: &[i8], packed: &[i32], output: &mut [i8]) {
    if by_table(packed, input, output) {
        return;
    }
    relu6(p, input, output);
}

/// int16 RELU6.
pub fn relu6_s16(p: &Relu6Params, input: &[i16], output: &mut [i16]) {
    relu6(p, input, output);
}

/// Constant parameters of an int8 or int16 LEAKY_RELU (TFLM `CalculateOpDataLeakyRelu`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeakyReluParams {
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// `input_scale / output_scale` as a Q31 multiplier (inputs at or above zero).
    pub multiplier_identity: i32,
    /// Its shift (positive: left).
    pub shift_identity: i32,
    /// `input_scale * alpha / output_scale` as a Q31 multiplier (inputs below zero).
    pub multiplier_alpha: i32,
    /// Its shift (positive: left).
    pub shift_alpha: i32,
}

/// `out = clamp(requant(x - input_zero_point) + output_zero_point)`, with the identity
/// multiplier for `x >= input_zero_point` and the alpha one below.
fn leaky_relu<T: QuantizedInt>(p: &LeakyReluParams, input: &[T], output: &mut [T]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = leaky_relu_element(p, x);
    }
}

/// One element of [`leaky_relu`].
#[inline(always)]
pub(super) fn leaky_relu_element<T: QuantizedInt>(p: &LeakyReluParams, x: T) -> T {
    let v = x.to_i32() - p.input_zero_point;
    let scaled = if v >= 0 {
        multiply_by_quantized_multiplier(v, p.multiplier_identity, p.shift_identity)
    } else {
        multiply_by_quantized_multiplier(v, p.multiplier_alpha, p.shift_alpha)
    };
    T::from_i32(p.output_zero_point.wrapping_add(scaled).clamp(T::MIN, T::MAX))
}

/// int8 LEAKY_RELU.
///
/// With a form from [`lookup_s8_pack`](crate::kernels::lookup::lookup_s8_pack) in `packed`, a table read
/// or a clamp ([`by_table`]); with `&[]` (always valid), the arithmetic.
pub fn leaky_relu_s8(p: &LeakyReluParams, input: &[i8], packed: &[i32], output: &mut [i8]) {
    if by_table(packed, input, output) {
        return;
    }
    leaky_relu(p, input, output);
}

/// int16 LEAKY_RELU.
pub fn leaky_relu_s16(p: &LeakyReluParams, input: &[i16], output: &mut [i16]) {
    leaky_relu(p, input, output);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relu_requantizes_and_clamps_at_zero_point() {
        // Scale ratio 1/2 (multiplier 2^30, shift 0), input zp 4, output zp -3.
        let p = ReluParams {
            multiplier: 1 << 30,
            shift: 0,
            input_zero_point: 4,
            output_zero_point: -3,
            activation_min: -3,
            activation_max: 127,
        };
        let mut out = [0i8; 4];
        relu_s8(&p, &[-128, 4, 10, 127], &[], &mut out);
        assert_eq!(out, [-3, -3, 0, 59]);
    }

    #[test]
    fn relu6_clamps_stored_values() {
        let p = Relu6Params { zero: -10, six: 50 };
        let mut out = [0i8; 4];
        relu6_s8(&p, &[-128, -10, 20, 127], &[], &mut out);
        assert_eq!(out, [-10, -10, 20, 50]);
    }

    #[test]
    fn leaky_relu_uses_alpha_below_zero_point() {
        // Identity 1.0 (2^30, shift 1), alpha 0.25 (2^30, shift -1), zero points 0.
        let p = LeakyReluParams {
            input_zero_point: 0,
            output_zero_point: 0,
            multiplier_identity: 1 << 30,
            shift_identity: 1,
            multiplier_alpha: 1 << 30,
            shift_alpha: -1,
        };
        let mut out = [0i8; 4];
        leaky_relu_s8(&p, &[-128, -6, 0, 127], &[], &mut out);
        assert_eq!(out, [-32, -2, 0, 127]);
    }
}
