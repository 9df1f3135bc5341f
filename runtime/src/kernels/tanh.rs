//! TANH, int8 (TFLM `reference_integer_ops::Tanh`, gemmlowp fixed point).
//!
//! As LOGISTIC: the input is rescaled to Q4.27, passed through gemmlowp's fixed-point
//! tanh, and the Q0.31 result is rounded to the int8 output (scale 1/128, zero point 0).

pub use super::logistic::SigmoidParams;
use crate::fixedpoint::{multiply_by_quantized_multiplier, rounding_divide_by_pot};
use crate::gemmlowp::tanh;

/// Integer bits of the rescaled input (Q4.27), TFLM `kInputIntegerBits`.
const INPUT_INTEGER_BITS: i32 = 4;

/// int8 TANH.
pub fn tanh_s8(p: &SigmoidParams, input: &[i8], output: &mut [i8]) {
    for (o, &x) in output.iter_mut().zip(input) {
        let x = x as i32 - p.input_zero_point;
        *o = if x <= -p.input_range_radius {
            i8::MIN
        } else if x >= p.input_range_radius {
            i8::MAX
        } else {
            let input_in_q4 = multiply_by_quantized_multiplier(x, p.input_multiplier, p.input_left_shift);
            let output_in_q0 = tanh(input_in_q4, INPUT_INTEGER_BITS);
            // Q0.31 to 1/128 steps; TFLM assumes the output zero point is 0.
            rounding_divide_by_pot(output_in_q0, 24).clamp(-128, 127) as i8
        };
    }
}
