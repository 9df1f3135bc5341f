//! LOG_SOFTMAX over the last dimension: int8 (TFLM `reference_ops::LogSoftmaxQuantized`,
//! gemmlowp fixed point, output fixed at scale 16/256 and zero point 127) and float32
//! (`reference_ops::LogSoftmax`).

use crate::fixedpoint::{multiply_by_quantized_multiplier, rounding_divide_by_pot};
use crate::fmath::{expf, logf};
use crate::gemmlowp::{exp_on_negative_values, log_x_for_x_greater_than_or_equal_to_1, rescale};

/// Integer bits of the scaled input differences (Q5.26).
const INPUT_INTEGER_BITS: i32 = 5;
/// Integer bits of the sum of exponentials (Q12.19).
const ACCUMULATION_INTEGER_BITS: i32 = 12;
/// Integer bits of the output before rescaling (its scale 16/256 is 2^4 / 2^8).
const OUTPUT_INTEGER_BITS: i32 = 4;

/// Constant parameters of a LOG_SOFTMAX (TFLM `LogSoftmaxOpData`; the float kernel reads
/// only the shape).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogSoftmaxParams {
    /// `input_scale * 2^26` as a Q31 multiplier.
    pub input_multiplier: i32,
    /// Its (non-negative) left shift.
    pub input_left_shift: i32,
    /// The inverse of that scaling as a Q31 multiplier.
    pub reverse_scaling_divisor: i32,
    /// Its (non-negative) right shift.
    pub reverse_scaling_right_shift: i32,
    /// Differences below this contribute nothing to the sum.
    pub diff_min: i32,
    /// Number of rows.
    pub outer: usize,
    /// Length of a row (the last dimension).
    pub depth: usize,
}

/// int8 LOG_SOFTMAX: per row, the differences to the maximum in Q5.26, the log of the sum
/// of their exponentials subtracted, in steps of 1/16 from 127 down.
pub fn log_softmax_s8(p: &LogSoftmaxParams, input: &[i8], output: &mut [i8]) {
    let scaled = |diff: i32| multiply_by_quantized_multiplier(diff, p.input_multiplier, p.input_left_shift);
    for (row, out) in input.chunks_exact(p.depth).zip(output.chunks_exact_mut(p.depth)).take(p.outer) {
        let max = i32::from(row.iter().copied().max().unwrap_or(i8::MIN));
        let mut sum_of_exps = 0i32;
        for &x in row {
            let diff = i32::from(x) - max;
            if diff >= p.diff_min {
                let e = exp_on_negative_values(scaled(diff), INPUT_INTEGER_BITS);
                sum_of_exps = sum_of_exps.wrapping_add(rescale(e, 0, ACCUMULATION_INTEGER_BITS));
            }
        }
        let log_sum =
            log_x_for_x_greater_than_or_equal_to_1(sum_of_exps, ACCUMULATION_INTEGER_BITS, INPUT_INTEGER_BITS);
        // The smallest Q5.26 value plus the log sum, back in input steps: differences at
        // or below it saturate to -128.
        let shifted_log_sum = log_sum.wrapping_add(i32::MIN);
        let adjusted_diff_min = (p.diff_min - 1).max(multiply_by_quantized_multiplier(
            shifted_log_sum,
            p.reverse_scaling_divisor,
            -p.reverse_scaling_right_shift,
        ));
        for (o, &x) in out.iter_mut().zip(row) {
            let diff = i32::from(x) - max;
            *o = if diff > adjusted_diff_min {
                let v = rounding_divide_by_pot(
                    scaled(diff).wrapping_sub(log_sum),
                    31 - INPUT_INTEGER_BITS - OUTPUT_INTEGER_BITS,
                ) + 127;
                v.clamp(-128, 127) as i8
            } else {
                i8::MIN
            };
        }
    }
}

/// float32 LOG_SOFTMAX: `x - max - ln(sum of exp(x - max))` per row, summed in row order.
pub fn log_softmax_f32(p: &LogSoftmaxParams, input: &[f32], output: &mut [f32]) {
    for (row, out) in input.chunks_exact(p.depth).zip(output.chunks_exact_mut(p.depth)).take(p.outer) {
        // std::max from the lowest float: a NaN never replaces the running maximum.
        let max = row.iter().fold(f32::MIN, |m, &x| if m < x { x } else { m });
        let sum = row.iter().fold(0.0f32, |s, &x| s + expf(x - max));
        let log_sum = logf(sum);
        for (o, &x) in out.iter_mut().zip(row) {
            *o = x - max - log_sum;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_rows_are_log_probabilities() {
        let p = LogSoftmaxParams {
            input_multiplier: 0,
            input_left_shift: 0,
            reverse_scaling_divisor: 0,
            reverse_scaling_right_shift: 0,
            diff_min: 0,
            outer: 1,
            depth: 2,
        };
        let mut out = [0f32; 2];
        log_softmax_f32(&p, &[3.0, 3.0], &mut out);
        assert_eq!(out, [-core::f32::consts::LN_2; 2]);
    }
}
