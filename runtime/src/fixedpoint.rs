//! Integer arithmetic of TFLite quantization, with TFLM's rounding (the default build,
//! without `TFLITE_SINGLE_ROUNDING`), so that kernels produce TFLM's bytes exactly.
//!
//! Names follow TFLM/gemmlowp (`tensorflow/lite/kernels/internal/common.h`) in snake case
//! so that a reader can put the two side by side.

/// `SaturatingRoundingDoublingHighMul`: the high 32 bits of `2*a*b`, rounded to nearest
/// (ties away from zero), saturating the single overflow case `a == b == i32::MIN`.
#[inline(always)]
pub fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == b && a == i32::MIN {
        return i32::MAX;
    }
    let ab = a as i64 * b as i64;
    let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // C's `/` truncates toward zero; Rust's `/` on i64 does the same.
    ((ab + nudge) / (1i64 << 31)) as i32
}

/// `RoundingDivideByPOT`: `x / 2^exponent` rounded to nearest, ties away from zero.
#[inline(always)]
pub fn rounding_divide_by_pot(x: i32, exponent: i32) -> i32 {
    debug_assert!((0..=31).contains(&exponent));
    let mask: i32 = ((1i64 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + (x < 0) as i32;
    (x >> exponent) + (remainder > threshold) as i32
}

/// `MultiplyByQuantizedMultiplier(int32_t, int32_t, int)`: `x * multiplier * 2^shift`
/// with the multiplier in Q31, TFLM's double rounding.
#[inline(always)]
pub fn multiply_by_quantized_multiplier(x: i32, multiplier: i32, shift: i32) -> i32 {
    let left_shift = if shift > 0 { shift } else { 0 };
    let right_shift = if shift > 0 { 0 } else { -shift };
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(x.wrapping_mul(1i32.wrapping_shl(left_shift as u32)), multiplier),
        right_shift,
    )
}

/// `MultiplyByQuantizedMultiplier(int64_t, int32_t, int)`: the 64-bit accumulator
/// variant used by the int16-activation kernels.
#[inline(always)]
pub fn multiply_by_quantized_multiplier_i64(x: i64, multiplier: i32, shift: i32) -> i32 {
    let reduced: i64 = if multiplier < 0x7FFF_0000 { ((multiplier as i64) + (1 << 15)) >> 16 } else { 0x7FFF };
    let total_shift = 15 - shift as i64;
    let round = 1i64 << (total_shift - 1);
    let result = x.wrapping_mul(reduced).wrapping_add(round) >> total_shift;
    result as i32
}

/// `MultiplyByQuantizedMultiplierSmallerThanOneExp`.
#[inline(always)]
pub fn multiply_by_quantized_multiplier_smaller_than_one_exp(x: i32, multiplier: i32, left_shift: i32) -> i32 {
    rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, multiplier), -left_shift)
}

/// `MultiplyByQuantizedMultiplierGreaterThanOne`.
#[inline(always)]
pub fn multiply_by_quantized_multiplier_greater_than_one(x: i32, multiplier: i32, left_shift: i32) -> i32 {
    saturating_rounding_doubling_high_mul(x.wrapping_mul(1i32.wrapping_shl(left_shift as u32)), multiplier)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_divide_ties_away_from_zero() {
        assert_eq!(rounding_divide_by_pot(5, 1), 3);
        assert_eq!(rounding_divide_by_pot(-5, 1), -3);
        assert_eq!(rounding_divide_by_pot(4, 1), 2);
        assert_eq!(rounding_divide_by_pot(-7, 2), -2);
    }

    #[test]
    fn srdhm_saturates_min_times_min() {
        assert_eq!(saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN), i32::MAX);
        assert_eq!(saturating_rounding_doubling_high_mul(1 << 30, 1 << 30), 1 << 29);
    }

    #[test]
    fn multiplier_half() {
        // 0.5 in Q31 with shift 0 halves, rounding ties away from zero.
        assert_eq!(multiply_by_quantized_multiplier(101, 1 << 30, 0), 51);
        // gemmlowp nudges negatives toward zero at exact ties.
        assert_eq!(multiply_by_quantized_multiplier(-101, 1 << 30, 0), -50);
        assert_eq!(multiply_by_quantized_multiplier(100, 1 << 30, 1), 100);
    }
}
