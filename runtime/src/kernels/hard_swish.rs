//! HARD_SWISH on int8 (TFLM `reference_ops::HardSwish`, quantized): 16-bit fixed point
//! throughout, so every step wraps or saturates at 16 bits as TFLM's `int16_t` does.

use crate::kernels::lookup::by_table;

/// Constant parameters of an int8 HARD_SWISH (TFLM `HardSwishPrepare`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HardSwishParams {
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// `(input_scale / 128) / (3 / 32768)` as a Q15 multiplier.
    pub reluish_multiplier: i16,
    /// Its exponent (positive: left).
    pub reluish_exponent: i32,
    /// `(input_scale / 128) / output_scale` as a Q15 multiplier.
    pub output_multiplier: i16,
    /// Its exponent (at most 0: a right shift).
    pub output_exponent: i32,
}

/// gemmlowp `SaturatingRoundingDoublingHighMul` on int16.
#[inline(always)]
fn srdhm16(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        return i16::MAX;
    }
    let ab = i32::from(a) * i32::from(b);
    let nudge = if ab >= 0 { 1 << 14 } else { 1 - (1 << 14) };
    // C++ division truncates toward zero, as Rust's.
    ((ab + nudge) / (1 << 15)) as i16
}

/// TFLM `SaturatingDoublingHighMul`: as [`srdhm16`] but truncating toward zero.
#[inline(always)]
fn sdhm16(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        return i16::MAX;
    }
    ((i32::from(a) * i32::from(b)) / (1 << 15)) as i16
}

/// gemmlowp `RoundingDivideByPOT` on int16, each step narrowed to 16 bits as the
/// template does (a mask of 16 or more bits wraps to all ones).
#[inline(always)]
fn rdbp16(x: i16, exponent: i32) -> i16 {
    let mask = ((1i64 << exponent) - 1) as i16;
    let remainder = x & mask;
    let threshold = (mask >> 1).wrapping_add(i16::from(x < 0));
    ((i32::from(x) >> exponent) as i16).wrapping_add(i16::from(remainder > threshold))
}

/// TFLM `SaturatingLeftShift` on int16.
#[inline(always)]
fn saturating_shl16(x: i16, amount: i32) -> i16 {
    (i64::from(x) * (1i64 << amount)).clamp(i16::MIN.into(), i16::MAX.into()) as i16
}

/// `out = x * relu6(x + 3) / 6` in TFLM's fixed-point steps.
///
/// With a form from [`lookup_s8_pack`](crate::kernels::lookup::lookup_s8_pack) in `packed`, a table read
/// or a clamp ([`by_table`]); with `&[]` (always valid), the arithmetic.
pub fn hard_swish_s8(p: &HardSwishParams, input: &[i8], packed: &[i32], output: &mut [i8]) {
    if by_table(packed, input, output) {
        return;
    }
    for (o, &x) in output.iter_mut().zip(input) {
        *o = hard_swish_element(p, x);
    }
}

/// One element of [`hard_swish_s8`]'s arithmetic.
#[inline(always)]
pub(super) fn hard_swish_element(p: &HardSwishParams, x: i8) -> i8 {
    let input_value = (i32::from(x) - p.input_zero_point) as i16;
    let hires = input_value.wrapping_mul(1 << 7);
    let preshift_output = srdhm16(hires, p.output_multiplier);
    let mut reluish = hires;
    if p.reluish_exponent > 0 {
        reluish = saturating_shl16(reluish, p.reluish_exponent - 1);
    }
    reluish = srdhm16(reluish, p.reluish_multiplier);
    if p.reluish_exponent > 0 {
        reluish = saturating_shl16(reluish, 1);
    }
    if p.reluish_exponent < 0 {
        reluish = rdbp16(reluish, -p.reluish_exponent);
    }
    // [-1, 1] to [0, 1] in Q15.
    let reluish = ((i32::from(reluish) + (1 << 15)) >> 1) as i16;
    let preshift = sdhm16(reluish, preshift_output);
    let out = rdbp16(preshift, -p.output_exponent).wrapping_add(p.output_zero_point as i16);
    out.clamp(-128, 127) as i8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int16_helpers_round_as_gemmlowp() {
        assert_eq!(srdhm16(i16::MIN, i16::MIN), i16::MAX);
        assert_eq!(srdhm16(16384, 16384), 8192);
        assert_eq!(sdhm16(-3, 16384), -1);
        assert_eq!(rdbp16(-3, 1), -2);
        assert_eq!(rdbp16(5, 1), 3);
        assert_eq!(saturating_shl16(20000, 1), i16::MAX);
    }

    #[test]
    fn hard_swish_zero_stays_zero() {
        let p = HardSwishParams {
            input_zero_point: 5,
            output_zero_point: -7,
            reluish_multiplier: 16384,
            reluish_exponent: 0,
            output_multiplier: 16384,
            output_exponent: 0,
        };
        let mut out = [0i8; 1];
        hard_swish_s8(&p, &[5], &[], &mut out);
        assert_eq!(out, [-7]);
    }
}
