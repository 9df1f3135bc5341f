//! gemmlowp fixed-point transcendental functions (`fixedpoint/fixedpoint.h`), as TFLM's
//! reference SOFTMAX, LOGISTIC and TANH kernels use them, bit for bit, and TFLM's
//! fixed-point inverse square root and logarithm built from them (RSQRT,
//! L2_NORMALIZATION, LOG_SOFTMAX).
//!
//! gemmlowp's `FixedPoint<int32_t, IntegerBits>` is a raw `i32` holding a real value
//! `raw / 2^(31 - IntegerBits)`. Here the raw value is a plain `i32` and the number of
//! integer bits is a parameter, so each function reads like its C++ template with the
//! template argument spelled out. Products of two fixed-point values are
//! [`saturating_rounding_doubling_high_mul`] on the raw values (the integer bits add up);
//! sums and differences are plain raw additions, wrapping as the C++ code does on every
//! real compiler.

use crate::fixedpoint::{rounding_divide_by_pot, saturating_rounding_doubling_high_mul as srdhm};

/// Raw representation of `2^exponent` in a format with `integer_bits` integer bits
/// (`FixedPoint::ConstantPOT<exponent>`).
#[inline(always)]
const fn constant_pot(integer_bits: i32, exponent: i32) -> i32 {
    1 << (31 - integer_bits + exponent)
}

/// Raw representation of 1.0 (`FixedPoint::One`): saturated to `i32::MAX` when there are
/// no integer bits.
#[inline(always)]
const fn one(integer_bits: i32) -> i32 {
    if integer_bits == 0 {
        i32::MAX
    } else {
        1 << (31 - integer_bits)
    }
}

/// `SaturatingRoundingMultiplyByPOT<exponent>`: `x * 2^exponent`, saturating when
/// `exponent > 0` and rounding to nearest (ties away from zero) when `exponent < 0`.
#[inline(always)]
pub fn saturating_rounding_multiply_by_pot(x: i32, exponent: i32) -> i32 {
    if exponent > 0 {
        let threshold = (1i32 << (31 - exponent)) - 1;
        if x > threshold {
            i32::MAX
        } else if x < -threshold {
            i32::MIN
        } else {
            x << exponent
        }
    } else if exponent < 0 {
        rounding_divide_by_pot(x, -exponent)
    } else {
        x
    }
}

/// `Rescale<dst_bits>(FixedPoint<src_bits>)`: the same real value in a format with
/// `dst_bits` integer bits.
#[inline(always)]
pub fn rescale(x: i32, src_bits: i32, dst_bits: i32) -> i32 {
    saturating_rounding_multiply_by_pot(x, src_bits - dst_bits)
}

/// `RoundingHalfSum(int32_t, int32_t)`: `(a + b) / 2` rounded away from zero.
#[inline(always)]
pub fn rounding_half_sum(a: i32, b: i32) -> i32 {
    let sum = a as i64 + b as i64;
    let sign = if sum >= 0 { 1 } else { -1 };
    ((sum + sign) / 2) as i32
}

/// `exp_on_interval_between_negative_one_quarter_and_0_excl`: `exp(a)` for `a` in
/// `[-1/4, 0)`, both in Q0.31, by a Taylor expansion around -1/8.
pub fn exp_on_interval_between_negative_one_quarter_and_0_excl(a: i32) -> i32 {
    // exp(-1/8) and 1/3 in Q0.31, gemmlowp's constants.
    const CONSTANT_TERM: i32 = 1_895_147_668;
    const CONSTANT_1_OVER_3: i32 = 715_827_883;
    let x = a.wrapping_add(constant_pot(0, -3));
    let x2 = srdhm(x, x);
    let x3 = srdhm(x2, x);
    let x4 = srdhm(x2, x2);
    let x4_over_4 = saturating_rounding_multiply_by_pot(x4, -2);
    let x4_over_24_plus_x3_over_6_plus_x2_over_2 =
        saturating_rounding_multiply_by_pot(srdhm(x4_over_4.wrapping_add(x3), CONSTANT_1_OVER_3).wrapping_add(x2), -1);
    // AddSaturatingIf16Bit is a plain addition for 32-bit raw values.
    CONSTANT_TERM.wrapping_add(srdhm(CONSTANT_TERM, x.wrapping_add(x4_over_24_plus_x3_over_6_plus_x2_over_2)))
}

/// `exp_on_negative_values(FixedPoint<integer_bits>)`: `exp(a)` for `a <= 0`, result in
/// Q0.31. The argument is split into a remainder in `[-1/4, 0)` and a sum of powers of
/// two, whose exponentials are applied by a barrel shifter of constant multipliers.
pub fn exp_on_negative_values(a: i32, integer_bits: i32) -> i32 {
    let fractional_bits = 31 - integer_bits;
    let one_quarter = constant_pot(integer_bits, -2);
    // `FromScalarRaw(1)`: a raw 1, so the mask keeps the bits below one quarter.
    let mask = one_quarter - 1;
    let a_mod_quarter_minus_one_quarter = (a & mask).wrapping_sub(one_quarter);
    let mut result = exp_on_interval_between_negative_one_quarter_and_0_excl(rescale(
        a_mod_quarter_minus_one_quarter,
        integer_bits,
        0,
    ));
    let remainder = a_mod_quarter_minus_one_quarter.wrapping_sub(a);

    // exp(-2^exponent) in Q0.31 for exponent = -2..=4 (GEMMLOWP_EXP_BARREL_SHIFTER).
    const BARREL: [(i32, i32); 7] = [
        (-2, 1_672_461_947),
        (-1, 1_302_514_674),
        (0, 790_015_084),
        (1, 290_630_308),
        (2, 39_332_535),
        (3, 720_401),
        (4, 242),
    ];
    for (exponent, multiplier) in BARREL {
        if integer_bits > exponent {
            let shift_amount = fractional_bits + exponent;
            if remainder & (1 << shift_amount) != 0 {
                result = srdhm(result, multiplier);
            }
        }
    }

    if integer_bits > 5 {
        // Below -32, exp underflows Q0.31 entirely.
        let clamp = -(1i32 << (36 - integer_bits));
        if a < clamp {
            result = 0;
        }
    }
    if a == 0 {
        result = one(0);
    }
    result
}

/// `one_over_one_plus_x_for_x_in_0_1`: `1 / (1 + a)` for `a` in `[0, 1)`, in and out
/// in Q0.31, by three Newton-Raphson iterations on the half denominator.
pub fn one_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    let x = newton_reciprocal_of_half_denominator(rounding_half_sum(a, one(0)));
    // ExactMulByPot<-1> reinterprets Q2.29 as Q1.30; Rescale<0> then doubles it.
    rescale(x, 1, 0)
}

/// `one_minus_x_over_one_plus_x_for_x_in_0_1`: `(1 - a) / (1 + a)` for `a` in `[0, 1)`.
pub fn one_minus_x_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    let x = newton_reciprocal_of_half_denominator(rounding_half_sum(a, one(0)));
    rescale(x.wrapping_sub(one(2)), 2, 0)
}

/// The shared Newton-Raphson loop of gemmlowp's divisions: returns `1 / half_denominator`
/// in Q2.29 for a half denominator in `[1/2, 1)` (Q0.31).
fn newton_reciprocal_of_half_denominator(half_denominator: i32) -> i32 {
    // 48/17 and -32/17 in Q2.29.
    const CONSTANT_48_OVER_17: i32 = 1_515_870_810;
    const CONSTANT_NEG_32_OVER_17: i32 = -1_010_580_540;
    let mut x = CONSTANT_48_OVER_17.wrapping_add(srdhm(half_denominator, CONSTANT_NEG_32_OVER_17));
    for _ in 0..3 {
        let half_denominator_times_x = srdhm(half_denominator, x);
        let one_minus_half_denominator_times_x = one(2).wrapping_sub(half_denominator_times_x);
        // Q2.29 * Q2.29 is Q4.27; Rescale<2> brings it back.
        x = x.wrapping_add(rescale(srdhm(x, one_minus_half_denominator_times_x), 4, 2));
    }
    x
}

/// `logistic(FixedPoint<integer_bits>)`: `1 / (1 + exp(-a))`, result in Q0.31.
pub fn logistic(a: i32, integer_bits: i32) -> i32 {
    let abs_input = if a > 0 { a } else { a.wrapping_neg() };
    let result_if_positive =
        one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(abs_input.wrapping_neg(), integer_bits));
    let result_if_negative = one(0).wrapping_sub(result_if_positive);
    if a == 0 {
        1 << 30
    } else if a > 0 {
        result_if_positive
    } else {
        result_if_negative
    }
}

/// `tanh(FixedPoint<integer_bits>)`: result in Q0.31.
pub fn tanh(a: i32, integer_bits: i32) -> i32 {
    let n = if a < 0 { a } else { a.wrapping_neg() };
    // neg_tanh_on_negative_values: ExactMulByPot<1> doubles the value by adding an
    // integer bit to the format, raw value unchanged.
    let t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1));
    if a == 0 {
        0
    } else if a < 0 {
        t.wrapping_neg()
    } else {
        t
    }
}

/// TFLM `GetReciprocal` (`kernels/internal/common.h`): for a positive `x` with
/// `x_integer_digits` integer bits, returns `(r, num_bits_over_unit)` such that
/// `1/x = r * 2^-num_bits_over_unit` with `r` in Q0.31.
pub fn get_reciprocal(x: i32, x_integer_digits: i32) -> (i32, i32) {
    let headroom_plus_one = (x as u32).leading_zeros() as i32;
    let num_bits_over_unit = x_integer_digits - headroom_plus_one;
    let shifted_sum_minus_one = ((x as u32).wrapping_shl(headroom_plus_one as u32)).wrapping_sub(1u32 << 31) as i32;
    (one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one), num_bits_over_unit)
}

/// TFLM `GetInvSqrtQuantizedMultiplierExp(input, reverse_shift, ...)`: `1 / sqrt(input)`
/// as a Q31 multiplier and a shift (times `reverse_shift`: -1 makes it a left shift), by
/// five Newton-Raphson steps in `FixedPoint<int32_t, 3>`. Inputs 0 and 1 (and, outside
/// TFLM's DCHECK, negative ones) give `(i32::MAX, 0)`.
pub fn get_inv_sqrt_quantized_multiplier_exp(input: i32, reverse_shift: i32) -> (i32, i32) {
    if input <= 1 {
        return (i32::MAX, 0);
    }
    let mut input = input;
    let mut shift = 11;
    while input >= 1 << 29 {
        input /= 4;
        shift += 1;
    }
    let max_left_shift_bits = (input as u32).leading_zeros() as i32 - 1;
    let left_shift_bit_pairs = max_left_shift_bits / 2 - 1;
    shift -= left_shift_bit_pairs;
    input <<= 2 * left_shift_bit_pairs;
    // F3 values: 3 integer bits.
    let fixedpoint_input = input >> 1;
    let half_input = saturating_rounding_multiply_by_pot(fixedpoint_input, -1);
    let half_three = (1 << 28) + (1 << 27);
    let mut x = one(3);
    for _ in 0..5 {
        // x * x * x is F9; the two products below are F6.
        let x3 = rescale(srdhm(srdhm(x, x), x), 9, 3);
        x = rescale(srdhm(half_three, x).wrapping_sub(srdhm(half_input, x3)), 6, 3);
    }
    // sqrt(2) / 2 in F0.
    let mut inv_sqrt = srdhm(x, 1518500250);
    if shift < 0 {
        inv_sqrt <<= -shift;
        shift = 0;
    }
    (inv_sqrt, shift * reverse_shift)
}

/// TFLM `log_x_for_x_greater_than_or_equal_to_1<output_integer_bits>(input)` for an
/// input with `input_integer_bits`: `ln(input)`, with the input normalized to `[1/2, 1)`
/// twice (directly and times `sqrt(1/2)`), the closer one taken, and a rational
/// approximation around `sqrt(sqrt(1/2))`, accumulated with one extra integer bit.
pub fn log_x_for_x_greater_than_or_equal_to_1(input: i32, input_integer_bits: i32, output_integer_bits: i32) -> i32 {
    // Q0.31 constants: ln 2, 2^-1/4, 2^-1/2, 1/4, and the rational approximation's
    // 11/240 * 2^1/4, 1/20 * 2^1/4, 2 / 2^1/4 - 2^1/4, 1/4 * 2^1/4.
    const LOG_2: i32 = 1488522236;
    const SQRT_SQRT_HALF: i32 = 1805811301;
    const SQRT_HALF: i32 = 1518500250;
    const ONE_QUARTER: i32 = 536870912;
    const ALPHA_N: i32 = 117049297;
    const ALPHA_D: i32 = 127690142;
    const ALPHA_I: i32 = 1057819769;
    const ALPHA_F: i32 = 638450708;
    let accum_bits = output_integer_bits + 1;
    let shifted_quarter = rescale(ONE_QUARTER, 0, accum_bits);
    // The input reinterpreted as Q0.31; the shifts are worked out here.
    let z_a = input;
    let z_a_headroom_plus_1 = (z_a as u32).leading_zeros() as i32;
    let r_a_tmp = saturating_rounding_multiply_by_pot(z_a, z_a_headroom_plus_1 - 1);
    let r_a_raw = saturating_rounding_multiply_by_pot(srdhm(r_a_tmp, SQRT_HALF), 1);
    // SaturatingAddNonGemmlowp and SaturatingSub are i32 saturating arithmetic.
    let z_a_pow_2_adj = saturating_rounding_multiply_by_pot(input_integer_bits - z_a_headroom_plus_1, 31 - accum_bits)
        .saturating_add(shifted_quarter);
    let z_b = srdhm(z_a, SQRT_HALF);
    let z_b_headroom = (z_b as u32).leading_zeros() as i32 - 1;
    let r_b_raw = saturating_rounding_multiply_by_pot(z_a, z_b_headroom);
    let z_b_pow_2_adj = saturating_rounding_multiply_by_pot(input_integer_bits - z_b_headroom, 31 - accum_bits)
        .saturating_sub(shifted_quarter);
    let r = r_a_raw.min(r_b_raw);
    let z_pow_2_adj = z_a_pow_2_adj.max(z_b_pow_2_adj);
    let p = rounding_half_sum(r, SQRT_SQRT_HALF);
    let q = r.wrapping_sub(SQRT_SQRT_HALF);
    let q = q.wrapping_add(q);
    let common_sq = srdhm(q, q);
    let num = srdhm(q, r).wrapping_add(srdhm(srdhm(q, common_sq), ALPHA_N));
    let denom_minus_one_0 =
        srdhm(p, ALPHA_I.wrapping_add(q).wrapping_add(srdhm(ALPHA_D, common_sq))).wrapping_add(srdhm(ALPHA_F, q));
    let recip_denom = one_over_one_plus_x_for_x_in_0_1(denom_minus_one_0);
    let num_scaled = rescale(num, 0, accum_bits);
    rescale(srdhm(z_pow_2_adj, LOG_2).wrapping_add(srdhm(num_scaled, recip_denom)), accum_bits, output_integer_bits)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    fn to_f64(raw: i32, integer_bits: i32) -> f64 {
        raw as f64 / (1u64 << (31 - integer_bits)) as f64
    }

    fn from_f64(x: f64, integer_bits: i32) -> i32 {
        (x * (1u64 << (31 - integer_bits)) as f64).round().clamp(i32::MIN as f64, i32::MAX as f64) as i32
    }

    #[test]
    fn multiply_by_pot_saturates_and_rounds() {
        assert_eq!(saturating_rounding_multiply_by_pot(1 << 29, 1), 1 << 30);
        assert_eq!(saturating_rounding_multiply_by_pot(1 << 30, 1), i32::MAX);
        assert_eq!(saturating_rounding_multiply_by_pot(-(1 << 30) + 1, 1), i32::MIN + 2);
        assert_eq!(saturating_rounding_multiply_by_pot(-(1 << 30), 1), i32::MIN);
        assert_eq!(saturating_rounding_multiply_by_pot(5, -1), 3);
        assert_eq!(saturating_rounding_multiply_by_pot(-5, -1), -3);
    }

    #[test]
    fn exp_on_negative_values_matches_float() {
        for bits in [4, 5, 6] {
            let mut x = 0.0f64;
            while x > -20.0 {
                let raw = from_f64(x, bits);
                let got = to_f64(exp_on_negative_values(raw, bits), 0);
                let want = to_f64(raw, bits).exp();
                assert!((got - want).abs() < 2e-8 + 1e-6 * want, "exp({x}) bits {bits}: {got} vs {want}");
                x -= 0.0137;
            }
        }
        assert_eq!(exp_on_negative_values(0, 5), i32::MAX);
    }

    #[test]
    fn reciprocal_matches_float() {
        let mut a = 0.0f64;
        while a < 1.0 {
            let got = to_f64(one_over_one_plus_x_for_x_in_0_1(from_f64(a, 0)), 0);
            assert!((got - 1.0 / (1.0 + a)).abs() < 1e-8, "1/(1+{a}) = {got}");
            let got = to_f64(one_minus_x_over_one_plus_x_for_x_in_0_1(from_f64(a, 0)), 0);
            assert!((got - (1.0 - a) / (1.0 + a)).abs() < 1e-8, "(1-{a})/(1+{a}) = {got}");
            a += 0.00731;
        }
    }

    #[test]
    fn get_reciprocal_matches_float() {
        for &sum in &[1.0f64, 1.5, 2.0, 3.7, 11.0, 100.25, 4000.0] {
            let raw = from_f64(sum, 12);
            let sum = to_f64(raw, 12);
            let (r, bits) = get_reciprocal(raw, 12);
            let got = to_f64(r, 0) * 2f64.powi(-bits);
            assert!((got * sum - 1.0).abs() < 1e-7, "1/{sum}: {got}");
        }
    }

    #[test]
    fn logistic_and_tanh_match_float() {
        let mut x = -7.9f64;
        while x < 7.9 {
            let raw = from_f64(x, 4);
            let real = to_f64(raw, 4);
            let got = to_f64(logistic(raw, 4), 0);
            assert!((got - 1.0 / (1.0 + (-real).exp())).abs() < 1e-7, "logistic({real}) = {got}");
            let got = to_f64(tanh(raw, 4), 0);
            assert!((got - real.tanh()).abs() < 5e-7, "tanh({real}) = {got}");
            x += 0.0123;
        }
        assert_eq!(logistic(0, 4), 1 << 30);
        assert_eq!(tanh(0, 4), 0);
    }

    #[test]
    fn log_of_values_at_least_one() {
        // Q12.19 in, Q5.26 out.
        for &v in &[1.0f64, 1.5, 2.0, 10.0, 100.0, 4000.0] {
            let raw = (v * (1 << 19) as f64) as i32;
            let got = log_x_for_x_greater_than_or_equal_to_1(raw, 12, 5) as f64 / (1 << 26) as f64;
            assert!((got - v.ln()).abs() < 1e-6, "ln({v}) = {got}");
        }
    }
}
