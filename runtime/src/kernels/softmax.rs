//! SOFTMAX over the last dimension, int8 input with int8 or int16 output (TFLM
//! `reference_ops::Softmax<int8_t, OutputT>`, gemmlowp fixed point).
//!
//! Per row: the input differences to the row maximum are scaled by `beta * scale` into
//! Q5.26, exponentiated in fixed point, summed in Q12.19, and every exponential is
//! multiplied by the fixed-point reciprocal of the sum.

use super::int::QuantizedInt;
use crate::fixedpoint::{
    multiply_by_quantized_multiplier_greater_than_one, rounding_divide_by_pot, saturating_rounding_doubling_high_mul,
};
use crate::gemmlowp::{exp_on_negative_values, get_reciprocal, rescale};

/// Integer bits of the scaled input differences (Q5.26), TFLM `kScaledDiffIntegerBits`.
const SCALED_DIFF_INTEGER_BITS: i32 = 5;
/// Integer bits of the sum of exponentials (Q12.19), TFLM `kAccumulationIntegerBits`.
const ACCUMULATION_INTEGER_BITS: i32 = 12;

/// Constant parameters of one int8 softmax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SoftmaxParams {
    /// `beta * input_scale * 2^26` as a Q31 multiplier (capped at `2^31 - 1`).
    pub input_multiplier: i32,
    /// Its (non-negative) left shift.
    pub input_left_shift: i32,
    /// Differences below this contribute nothing (their exponential rounds to 0).
    pub diff_min: i32,
    /// Number of rows.
    pub outer: usize,
    /// Length of a row (the last dimension).
    pub depth: usize,
}

/// `exp(diff * beta * scale)` in Q0.31 for a non-positive input difference.
#[inline(always)]
fn exp_of_diff(p: &SoftmaxParams, diff: i32) -> i32 {
    let rescaled = multiply_by_quantized_multiplier_greater_than_one(diff, p.input_multiplier, p.input_left_shift);
    exp_on_negative_values(rescaled, SCALED_DIFF_INTEGER_BITS)
}

fn softmax_rows<O: QuantizedInt>(p: &SoftmaxParams, input: &[i8], output: &mut [O]) {
    let output_bits = 8 * core::mem::size_of::<O>() as i32;
    for (row, out_row) in input.chunks_exact(p.depth).zip(output.chunks_exact_mut(p.depth)).take(p.outer) {
        let max_in_row = row.iter().copied().max().unwrap_or(i8::MIN) as i32;

        let mut sum_of_exps: i32 = 0;
        for &x in row {
            let diff = x as i32 - max_in_row;
            if diff >= p.diff_min {
                let e = exp_of_diff(p, diff);
                sum_of_exps = sum_of_exps.wrapping_add(rescale(e, 0, ACCUMULATION_INTEGER_BITS));
            }
        }

        let (shifted_scale, num_bits_over_unit) = get_reciprocal(sum_of_exps, ACCUMULATION_INTEGER_BITS);
        // The sum is at least 1.0 (the maximum's own term), so the exponent is never
        // negative. It exceeds 31 only for int8 output with a sum of 512 or more (rows of
        // hundreds of near-equal values), where TFLM aborts (`TFLITE_CHECK`); there we
        // saturate the shift instead, which yields the same all-but-zero outputs.
        let exponent = (num_bits_over_unit + 31 - output_bits).clamp(0, 31);

        for (o, &x) in out_row.iter_mut().zip(row) {
            let diff = x as i32 - max_in_row;
            *o = if diff >= p.diff_min {
                let e = exp_of_diff(p, diff);
                let unsat = rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted_scale, e), exponent);
                O::from_i32((unsat + O::MIN).clamp(O::MIN, O::MAX))
            } else {
                O::from_i32(O::MIN)
            };
        }
    }
}

/// int8 in, int8 out (output scale 1/256, zero point -128).
pub fn softmax_s8(p: &SoftmaxParams, input: &[i8], output: &mut [i8]) {
    softmax_rows(p, input, output);
}

/// int8 in, int16 out (output scale 1/65536, zero point -32768).
pub fn softmax_s8_s16(p: &SoftmaxParams, input: &[i8], output: &mut [i16]) {
    softmax_rows(p, input, output);
}

/// Constant parameters of one int16 softmax (TFLM `SoftmaxInt16`, LUT based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SoftmaxS16Params {
    /// `input_scale * beta / (10 / 65535)` as a Q31 multiplier: input differences are
    /// mapped so that `[-65535, 0]` covers `[-10, 0]`, the exp table's domain.
    pub input_multiplier: i32,
    /// Its shift (positive: left).
    pub input_left_shift: i32,
    /// Number of rows.
    pub outer: usize,
    /// Length of a row (the last dimension).
    pub depth: usize,
}

/// TFLM `lut_lookup_with_interpolation` for int16: 512 intervals over the int16 range,
/// linear interpolation on the low 7 bits. `lut` has 513 entries.
#[inline(always)]
pub fn lut_lookup_s16(value: i16, lut: &[i16]) -> i16 {
    let index = (256 + (value as i32 >> 7)) as usize;
    let offset = (value & 0x7f) as i32;
    let base = lut[index];
    // TFLM computes the slope in the table's type.
    let slope = lut[index + 1].wrapping_sub(base) as i32;
    let delta = (slope * offset + 64) >> 7;
    (base as i32 + delta) as i16
}

/// int16 in, int16 out (output scale 1/32768, zero point 0). `exp_lut` tabulates
/// `exp(x)` for `x` in `[-10, 0]`, `one_over_one_plus_x_lut` tabulates `1 / (1 + x)` for
/// `x` in `[0, 1]`, both with 513 entries in Q0.15 (the compiler generates them as
/// TFLM's `gen_lut` does).
pub fn softmax_s16(
    p: &SoftmaxS16Params,
    exp_lut: &[i16],
    one_over_one_plus_x_lut: &[i16],
    input: &[i16],
    output: &mut [i16],
) {
    for (row, out_row) in input.chunks_exact(p.depth).zip(output.chunks_exact_mut(p.depth)).take(p.outer) {
        let max_in_row = row.iter().copied().max().unwrap_or(i16::MIN) as i32;

        // The exponentials are cached in the output row, as TFLM does.
        let mut sum_of_exps: i32 = 0; // Q16.15
        for (o, &x) in out_row.iter_mut().zip(row) {
            let scaled_diff = crate::fixedpoint::multiply_by_quantized_multiplier(
                x as i32 - max_in_row,
                p.input_multiplier,
                p.input_left_shift,
            );
            // Recenter [-65535, 0] to the table's symmetric input range.
            let sym_scaled_diff = scaled_diff.wrapping_add(32767).clamp(-32768, 32767) as i16;
            *o = lut_lookup_s16(sym_scaled_diff, exp_lut);
            sum_of_exps = sum_of_exps.wrapping_add(*o as i32);
        }

        // The reciprocal of the sum from the 1/(1+x) table: normalize the sum to
        // [1, 2), take x = sum - 1 and recenter [0, 65535] to [-32768, 32767].
        let headroom_plus_one = (sum_of_exps as u32).leading_zeros() as i32;
        let shifted_sum = (((sum_of_exps as i64) << (headroom_plus_one - 1).clamp(0, 63)) + (1 << 13)) >> 14;
        let sym_shifted_sum = (shifted_sum as i32).wrapping_sub((1 << 15) + (1 << 16)).clamp(-32768, 32767) as i16;
        let reciprocal_scale_q015 = lut_lookup_s16(sym_shifted_sum, one_over_one_plus_x_lut) as i64;

        let right_shift = (31 - headroom_plus_one).clamp(1, 62);
        let round = 1i64 << (right_shift - 1);
        for o in out_row.iter_mut() {
            let result = ((*o as i64 * reciprocal_scale_q015 + round) >> right_shift) as i32;
            *o = result.clamp(0, 32767) as i16;
        }
    }
}
