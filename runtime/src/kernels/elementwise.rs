//! The unary math operators EXP, LOG, SQRT and RSQRT (TFLM `exp.cc`, `elementwise.cc`):
//! float32, the C library's functions as [`crate::fmath`] reproduces them; and int8 and
//! int16 RSQRT in fixed point (`RsqrtEvalQuantized`).

use super::int::QuantizedInt;
use crate::fixedpoint::multiply_by_quantized_multiplier;
use crate::fmath::{expf, logf, sqrtf};
use crate::gemmlowp::get_inv_sqrt_quantized_multiplier_exp;

/// `out = f(x)` per element.
#[inline(always)]
fn map(input: &[f32], output: &mut [f32], f: impl Fn(f32) -> f32) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = f(x);
    }
}

/// float32 EXP: `std::exp` per element (TFLM `reference_ops::Exp`).
pub fn exp_f32(input: &[f32], output: &mut [f32]) {
    map(input, output, expf);
}

/// float32 LOG: `std::log` per element.
pub fn log_f32(input: &[f32], output: &mut [f32]) {
    map(input, output, logf);
}

/// float32 SQRT: `std::sqrt` per element.
pub fn sqrt_f32(input: &[f32], output: &mut [f32]) {
    map(input, output, sqrtf);
}

/// float32 RSQRT: `1.f / std::sqrt(x)` per element, two float roundings as TFLM.
pub fn rsqrt_f32(input: &[f32], output: &mut [f32]) {
    map(input, output, |x| 1.0 / sqrtf(x));
}

/// Constant parameters of an int8 or int16 RSQRT (TFLM `PrepareAbsRsqrt`; int16 zero
/// points are 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RsqrtParams {
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// `1 / (sqrt(input_scale) * output_scale)` as a Q31 multiplier.
    pub multiplier: i32,
    /// Its shift (positive: left).
    pub shift: i32,
}

/// Fractional bits TFLM keeps in the intermediate `1 / sqrt(x)` (`kShift`).
const RSQRT_SHIFT: i32 = 20;

fn rsqrt_quantized<T: QuantizedInt>(p: &RsqrtParams, input: &[T], output: &mut [T]) {
    for (o, &x) in output.iter_mut().zip(input) {
        let v = x.to_i32() - p.input_zero_point;
        if v == 0 {
            *o = T::from_i32(T::MAX);
            continue;
        }
        let (m, s) = get_inv_sqrt_quantized_multiplier_exp(v, -1);
        let data = multiply_by_quantized_multiplier(1, m, s + RSQRT_SHIFT);
        let out = multiply_by_quantized_multiplier(data, p.multiplier, p.shift - RSQRT_SHIFT);
        *o = T::from_i32(out.wrapping_add(p.output_zero_point).clamp(T::MIN, T::MAX));
    }
}

/// int8 RSQRT: `1 / sqrt(x - zero_point)` in fixed point, then requantized; an input at
/// the zero point gives the largest output. TFLM fails the whole invoke on an input
/// below the zero point; having no error path per element, this kernel gives such an
/// input the output of an input one step above the zero point.
pub fn rsqrt_s8(p: &RsqrtParams, input: &[i8], output: &mut [i8]) {
    rsqrt_quantized(p, input, output);
}

/// int16 RSQRT (zero points 0), as [`rsqrt_s8`].
pub fn rsqrt_s16(p: &RsqrtParams, input: &[i16], output: &mut [i16]) {
    rsqrt_quantized(p, input, output);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_functions() {
        let mut out = [0f32; 3];
        exp_f32(&[0.0, 1.0, -1.0], &mut out);
        assert_eq!(out, [1.0, core::f32::consts::E, 1.0 / core::f32::consts::E]);
        sqrt_f32(&[4.0, 2.0, 0.0], &mut out);
        assert_eq!(out, [2.0, core::f32::consts::SQRT_2, 0.0]);
        rsqrt_f32(&[4.0, 0.25, 0.0], &mut out);
        assert_eq!(out, [0.5, 2.0, f32::INFINITY]);
        log_f32(&[1.0, 0.5, 0.0], &mut out);
        assert_eq!(out, [0.0, -core::f32::consts::LN_2, f32::NEG_INFINITY]);
    }

    #[test]
    fn rsqrt_int8_in_unit_scales() {
        // Input scale 1, output scale 1/64: the multiplier 64 is 2^30 (one half) shifted by 7.
        let p = RsqrtParams { input_zero_point: -10, output_zero_point: 0, multiplier: 1 << 30, shift: 7 };
        let mut out = [0i8; 4];
        rsqrt_s8(&p, &[-10, -9, -6, 6], &mut out);
        // 1/sqrt(1) * 64 = 64 (127 at the zero point), 1/sqrt(4) * 64 = 32, 1/sqrt(16) * 64 = 16.
        assert_eq!(out, [127, 64, 32, 16]);
    }
}
