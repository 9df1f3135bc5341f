//! QUANTIZE: float32 to int8/int16 (TFLM `reference_ops::AffineQuantize`) and integer
//! requantization between int8, int16 and int32 (TFLM `reference_ops::Requantize`).

use crate::fixedpoint::multiply_by_quantized_multiplier;
pub use crate::kernels::int::QuantizedInt;

/// Constant parameters of a float-to-integer QUANTIZE.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AffineQuantizeParams {
    /// Output scale.
    pub scale: f32,
    /// Output zero point.
    pub zero_point: i32,
}

/// `out = clamp(round(x / scale) + zero_point)`, dividing and rounding (half away from
/// zero) in f32 as TFLM does.
///
/// Values too large for i32 saturate (TFLM's cast is undefined there; Arm cores saturate
/// too).
pub fn quantize_f32<O: QuantizedInt>(p: &AffineQuantizeParams, input: &[f32], output: &mut [O]) {
    for (o, &x) in output.iter_mut().zip(input) {
        let unclamped = round_to_i32(x / p.scale).saturating_add(p.zero_point);
        *o = O::from_i32(unclamped.clamp(O::MIN, O::MAX));
    }
}

/// `(int32_t)roundf(x)`: round half away from zero, saturating outside the i32 range
/// (core has no `f32::round`).
#[inline(always)]
pub fn round_to_i32(x: f32) -> i32 {
    // From 2^23 on every f32 is an integer; `as` saturates (and maps NaN to 0).
    if x.is_nan() || x.abs() >= 8_388_608.0 {
        return x as i32;
    }
    let t = x as i32; // truncates toward zero, exactly
    let frac = x - t as f32; // exact for |x| < 2^23
    if frac >= 0.5 {
        t + 1
    } else if frac <= -0.5 {
        t - 1
    } else {
        t
    }
}

/// Constant parameters of an integer-to-integer QUANTIZE (a requantization).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequantizeParams {
    /// `input_scale / output_scale` as a Q31 multiplier.
    pub multiplier: i32,
    /// Its shift (positive: left).
    pub shift: i32,
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
}

/// `out = clamp(requant(x - input_zero_point) + output_zero_point)`.
pub fn requantize<I: QuantizedInt, O: QuantizedInt>(p: &RequantizeParams, input: &[I], output: &mut [O]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = requantize_element(p, x);
    }
}

/// One element of [`requantize`].
#[inline(always)]
pub(super) fn requantize_element<I: QuantizedInt, O: QuantizedInt>(p: &RequantizeParams, x: I) -> O {
    let v = multiply_by_quantized_multiplier(x.to_i32().wrapping_sub(p.input_zero_point), p.multiplier, p.shift)
        .wrapping_add(p.output_zero_point);
    O::from_i32(v.clamp(O::MIN, O::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affine_quantize_rounds_half_away_and_clamps() {
        let p = AffineQuantizeParams { scale: 0.5, zero_point: -1 };
        let mut out = [0i8; 5];
        quantize_f32(&p, &[0.25, -0.25, 1.0, 1000.0, -1000.0], &mut out);
        assert_eq!(out, [0, -2, 1, 127, -128]);
    }

    #[test]
    fn round_to_i32_matches_round() {
        extern crate std;
        for &x in &[0.0f32, 0.5, -0.5, 1.5, -1.5, 2.5, 0.49999997, -0.49999997, 8388607.5, 1e10, -1e10, 123.456] {
            assert_eq!(round_to_i32(x), x.round() as i32, "{x}");
        }
    }

    #[test]
    fn requantize_same_scale_shifts_zero_point() {
        let p = RequantizeParams { multiplier: 1 << 30, shift: 1, input_zero_point: 3, output_zero_point: -5 };
        let mut out = [0i8; 3];
        requantize(&p, &[3i8, 127, -128], &mut out);
        assert_eq!(out, [-5, 119, -128]);
    }
}
