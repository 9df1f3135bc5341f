//! L2_NORMALIZATION over the last dimension: int8 (TFLM
//! `reference_integer_ops::L2Normalization`, output fixed at scale 1/128, zero point 0)
//! and float32 (`reference_ops::L2Normalization`, norm at least 1e-6).

use crate::fixedpoint::multiply_by_quantized_multiplier;
use crate::fmath::sqrtf;
use crate::gemmlowp::get_inv_sqrt_quantized_multiplier_exp;

/// Constant parameters of an L2_NORMALIZATION.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L2NormParams {
    /// Input zero point (int8; 0 for float32).
    pub input_zero_point: i32,
    /// Number of rows.
    pub outer: usize,
    /// Length of a row (the last dimension).
    pub depth: usize,
}

/// The smallest norm TFLM's float kernel divides by.
const EPSILON: f32 = 1e-6;

/// int8 L2_NORMALIZATION: each row divided by its norm in fixed point, the result in
/// 1/128 steps (TFLM ignores the output tensor's quantization).
pub fn l2_normalization_s8(p: &L2NormParams, input: &[i8], output: &mut [i8]) {
    for (row, out) in input.chunks_exact(p.depth).zip(output.chunks_exact_mut(p.depth)).take(p.outer) {
        let acc = row.iter().fold(0i32, |acc, &x| {
            let v = i32::from(x) - p.input_zero_point;
            acc.wrapping_add(v * v)
        });
        let (multiplier, shift) = get_inv_sqrt_quantized_multiplier_exp(acc, -1);
        for (o, &x) in out.iter_mut().zip(row) {
            // Scaled to 1/128 (shift + 7), the division folded into the multiplier.
            let v = multiply_by_quantized_multiplier(i32::from(x) - p.input_zero_point, multiplier, shift + 7);
            *o = v.clamp(-128, 127) as i8;
        }
    }
}

/// float32 L2_NORMALIZATION: `x / max(sqrt(sum of squares), 1e-6)`, summed in row order.
pub fn l2_normalization_f32(p: &L2NormParams, input: &[f32], output: &mut [f32]) {
    for (row, out) in input.chunks_exact(p.depth).zip(output.chunks_exact_mut(p.depth)).take(p.outer) {
        let squares = row.iter().fold(0.0f32, |acc, &x| acc + x * x);
        let norm = sqrtf(squares);
        // std::max(norm, epsilon): a NaN norm stays NaN.
        let norm = if norm < EPSILON { EPSILON } else { norm };
        for (o, &x) in out.iter_mut().zip(row) {
            *o = x / norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_have_unit_norm() {
        let p = L2NormParams { input_zero_point: 0, outer: 2, depth: 2 };
        let mut out = [0f32; 4];
        l2_normalization_f32(&p, &[3.0, 4.0, 0.0, 0.0], &mut out);
        assert_eq!(out, [0.6, 0.8, 0.0, 0.0]);
        let p = L2NormParams { input_zero_point: 1, outer: 1, depth: 2 };
        let mut out = [0i8; 2];
        l2_normalization_s8(&p, &[4, 5], &mut out);
        // (3, 4) / 5 in 1/128 steps.
        assert_eq!(out, [77, 102]);
    }
}
