//! TANH (TFLM `reference_integer_ops::Tanh`).
//!
//! int8, as LOGISTIC: the input is rescaled to Q4.27, passed through gemmlowp's
//! fixed-point tanh, and the Q0.31 result is rounded to the int8 output (scale 1/128,
//! zero point 0).
//!
//! int16: `tanh(x) = 2 * sigmoid(2x) - 1` on LOGISTIC's sigmoid table, with 8 instead of
//! 9 fractional bits per interval (the factor 2) and the result shifted down by 1/2.

use super::sigmoid::tanh16;
pub use super::sigmoid::{Sigmoid16Params, SigmoidParams};
use crate::fixedpoint::{multiply_by_quantized_multiplier, rounding_divide_by_pot};
use crate::gemmlowp::tanh;
use crate::kernels::lookup::by_table;

/// Integer bits of the rescaled input (Q4.27), TFLM `kInputIntegerBits`.
const INPUT_INTEGER_BITS: i32 = 4;

/// int8 TANH.
///
/// With a form from [`lookup_s8_pack`](crate::kernels::lookup::lookup_s8_pack) in `packed`, a table read
/// or a clamp ([`by_table`]); with `&[]` (always valid), the arithmetic.
pub fn tanh_s8(p: &SigmoidParams, input: &[i8], packed: &[i32], output: &mut [i8]) {
    if by_table(packed, input, output) {
        return;
    }
    for (o, &x) in output.iter_mut().zip(input) {
        *o = tanh_s8_element(p, x);
    }
}

/// One element of [`tanh_s8`]'s arithmetic.
#[inline(always)]
pub(super) fn tanh_s8_element(p: &SigmoidParams, x: i8) -> i8 {
    let x = x as i32 - p.input_zero_point;
    if x <= -p.input_range_radius {
        i8::MIN
    } else if x >= p.input_range_radius {
        i8::MAX
    } else {
        let input_in_q4 = multiply_by_quantized_multiplier(x, p.input_multiplier, p.input_left_shift);
        let output_in_q0 = tanh(input_in_q4, INPUT_INTEGER_BITS);
        // Q0.31 to 1/128 steps; TFLM assumes the output zero point is 0.
        rounding_divide_by_pot(output_in_q0, 24).clamp(-128, 127) as i8
    }
}

/// int16 TANH: output scale 1/32768, zero point 0.
pub fn tanh_s16(p: &Sigmoid16Params, input: &[i16], output: &mut [i16]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = tanh16(p, x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int16_tanh_at_zero_and_saturation() {
        // Input scale 2^-12: TFLM's power-of-two case, multiplier 3.
        let p = Sigmoid16Params { input_multiplier: 3, input_left_shift: 0 };
        let xs: [i16; 5] = [i16::MIN, -1, 0, 1, i16::MAX];
        let mut ys = [0i16; 5];
        tanh_s16(&p, &xs, &mut ys);
        assert_eq!(ys[2], 0);
        assert_eq!((ys[0], ys[4]), (-32767, 32767));
        assert!(ys[1] < 0 && ys[3] > 0);
    }
}
