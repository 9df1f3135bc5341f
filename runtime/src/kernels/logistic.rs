//! LOGISTIC, int8 (TFLM `reference_integer_ops::Logistic`, gemmlowp fixed point).
//!
//! The input is rescaled to Q4.27, passed through gemmlowp's fixed-point logistic, and
//! the Q0.31 result is rounded to the int8 output (scale 1/256, zero point -128).
//! Inputs whose real value lies beyond the Q4.27 range saturate to 0 or 1 directly.

use crate::fixedpoint::{multiply_by_quantized_multiplier, rounding_divide_by_pot};
use crate::gemmlowp::logistic;

/// Integer bits of the rescaled input (Q4.27), TFLM `kInputIntegerBits`.
const INPUT_INTEGER_BITS: i32 = 4;

/// Constant parameters of an int8 LOGISTIC or TANH.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigmoidParams {
    /// Input zero point.
    pub input_zero_point: i32,
    /// Offset inputs with `|x| >= radius` saturate.
    pub input_range_radius: i32,
    /// `input_scale * 2^27` as a Q31 multiplier.
    pub input_multiplier: i32,
    /// Its shift (positive: left).
    pub input_left_shift: i32,
}

/// int8 LOGISTIC.
pub fn logistic_s8(p: &SigmoidParams, input: &[i8], output: &mut [i8]) {
    for (o, &x) in output.iter_mut().zip(input) {
        let x = x as i32 - p.input_zero_point;
        *o = if x <= -p.input_range_radius {
            i8::MIN
        } else if x >= p.input_range_radius {
            i8::MAX
        } else {
            let input_in_q4 = multiply_by_quantized_multiplier(x, p.input_multiplier, p.input_left_shift);
            let output_in_q0 = logistic(input_in_q4, INPUT_INTEGER_BITS);
            // Q0.31 to 1/256 steps, then the -128 zero point.
            let v = rounding_divide_by_pot(output_in_q0, 23) - 128;
            v.clamp(-128, 127) as i8
        };
    }
}
