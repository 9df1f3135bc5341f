//! LOGISTIC (TFLM `reference_integer_ops::Logistic`).
//!
//! int8: the input is rescaled to Q4.27, passed through gemmlowp's fixed-point logistic,
//! and the Q0.31 result is rounded to the int8 output (scale 1/256, zero point -128).
//! Inputs whose real value lies beyond the Q4.27 range saturate to 0 or 1 directly.
//!
//! int16: the input is rescaled so that 2^9 steps span one interval of TFLM's sigmoid
//! table ([`SIGMOID_TABLE_U16`], 1/24 apart), and the output (scale 1/32768) is
//! interpolated linearly between two entries; negative inputs use `1 - sigmoid(|x|)`.

use crate::fixedpoint::{multiply_by_quantized_multiplier, rounding_divide_by_pot};
use crate::gemmlowp::logistic;
use crate::kernels::lookup::by_table;
use crate::kernels::sigmoid::logistic16;

pub use crate::kernels::sigmoid::{Sigmoid16Params, SigmoidParams};
pub use crate::kernels::sigmoid_lut::SIGMOID_TABLE_U16;

/// Integer bits of the rescaled input (Q4.27), TFLM `kInputIntegerBits`.
const INPUT_INTEGER_BITS: i32 = 4;

/// int8 LOGISTIC.
///
/// With a form from [`lookup_s8_pack`](crate::kernels::lookup::lookup_s8_pack) in `packed`, a table read
/// or a clamp ([`by_table`]); with `&[]` (always valid), the arithmetic.
pub fn logistic_s8(p: &SigmoidParams, input: &[i8], packed: &[i32], output: &mut [i8]) {
    if by_table(packed, input, output) {
        return;
    }
    for (o, &x) in output.iter_mut().zip(input) {
        *o = logistic_s8_element(p, x);
    }
}

/// One element of [`logistic_s8`]'s arithmetic.
#[inline(always)]
pub(super) fn logistic_s8_element(p: &SigmoidParams, x: i8) -> i8 {
    let x = x as i32 - p.input_zero_point;
    if x <= -p.input_range_radius {
        i8::MIN
    } else if x >= p.input_range_radius {
        i8::MAX
    } else {
        let input_in_q4 = multiply_by_quantized_multiplier(x, p.input_multiplier, p.input_left_shift);
        let output_in_q0 = logistic(input_in_q4, INPUT_INTEGER_BITS);
        // Q0.31 to 1/256 steps, then the -128 zero point.
        let v = rounding_divide_by_pot(output_in_q0, 23) - 128;
        v.clamp(-128, 127) as i8
    }
}

/// int16 LOGISTIC: output scale 1/32768, zero point 0.
pub fn logistic_s16(p: &Sigmoid16Params, input: &[i16], output: &mut [i16]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = logistic16(p, x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Input scale 2^-12 (TFLM's power-of-two case: multiplier 3, no shift).
    const POT: Sigmoid16Params = Sigmoid16Params { input_multiplier: 3, input_left_shift: 0 };

    #[test]
    fn int16_logistic_fixed_points_and_symmetry() {
        let xs: [i16; 7] = [i16::MIN, -20000, -1, 0, 1, 20000, i16::MAX];
        let mut ys = [0i16; 7];
        logistic_s16(&POT, &xs, &mut ys);
        // sigmoid(0) = 1/2; the ends of the input range are -8 and 8, where
        // 32768 * sigmoid(8) = 32757.0 (output scale 2^-15).
        assert_eq!(ys[3], 16384);
        assert_eq!((ys[0], ys[6]), (11, 32757));
        // TFLM's rounding makes y(-x) = 32768 - y(x) exactly.
        for k in 0..3 {
            assert_eq!(ys[k] as i32 + ys[6 - k] as i32, 32768, "x = {}", xs[6 - k]);
        }
    }

    #[test]
    fn int16_logistic_is_monotonic() {
        let mut prev = i16::MIN;
        for x in (i16::MIN..=i16::MAX).step_by(7) {
            let mut y = [0i16];
            logistic_s16(&POT, &[x], &mut y);
            assert!(y[0] >= prev, "x = {x}");
            prev = y[0];
        }
    }
}
