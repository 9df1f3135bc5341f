//! MEAN over any set of axes, int8 and int16, as TFLM micro's `reduce` kernel computes
//! it (`micro/kernels/reduce_common.cc`, `reference_ops::QuantizedMeanOrSum`): the int32
//! sum minus `count * input_zp`, requantized by `input_scale / output_scale` with
//! `1 / count` folded into the multiplier (the model compiler folds it, exactly as TFLM
//! does at run time), plus the output zero point, saturated.
//!
//! TFLM uses this path even when input and output share their quantization (checked
//! against the `tflite_micro` interpreter: a plain truncating division differs).
//!
//! Shapes are extended to [`MEAN_MAX_DIMS`] dimensions at the front; reducing never
//! changes the order of the kept elements, so `keep_dims` does not matter here.

use crate::fixedpoint::multiply_by_quantized_multiplier;

/// The largest rank MEAN handles (TFLM's `kMaxNumberOfAxis`).
pub const MEAN_MAX_DIMS: usize = 5;

/// Constant parameters of one MEAN layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeanParams {
    /// Input dimensions, extended to five at the front with ones.
    pub input_dims: [usize; MEAN_MAX_DIMS],
    /// Which dimensions are reduced.
    pub reduced: [bool; MEAN_MAX_DIMS],
    /// Elements summed into each output (the product of the reduced dimensions).
    pub count: usize,
    /// The input zero point.
    pub input_zero_point: i32,
    /// The output zero point.
    pub output_zero_point: i32,
    /// Requantization multiplier with `1 / count` folded in (Q31).
    pub multiplier: i32,
    /// Requantization shift with `1 / count` folded in (positive: left).
    pub shift: i32,
}

/// An element type MEAN handles (int8, int16).
pub trait MeanElem: Copy {
    /// Smallest value, as i32.
    const MIN: i32;
    /// Largest value, as i32.
    const MAX: i32;
    /// Widens to i32.
    fn widen(self) -> i32;
    /// Narrows with C's truncating conversion.
    fn narrow(v: i32) -> Self;
}

impl MeanElem for i8 {
    const MIN: i32 = i8::MIN as i32;
    const MAX: i32 = i8::MAX as i32;
    #[inline(always)]
    fn widen(self) -> i32 {
        self as i32
    }
    #[inline(always)]
    fn narrow(v: i32) -> Self {
        v as i8
    }
}

impl MeanElem for i16 {
    const MIN: i32 = i16::MIN as i32;
    const MAX: i32 = i16::MAX as i32;
    #[inline(always)]
    fn widen(self) -> i32 {
        self as i32
    }
    #[inline(always)]
    fn narrow(v: i32) -> Self {
        v as i16
    }
}

/// Calls `f` with `sum_k index_k * strides_k` for every index in `extents`, in row-major
/// order.
#[inline(always)]
fn for_each_offset(extents: [usize; MEAN_MAX_DIMS], strides: [usize; MEAN_MAX_DIMS], mut f: impl FnMut(usize)) {
    for a in 0..extents[0] {
        for b in 0..extents[1] {
            for c in 0..extents[2] {
                for d in 0..extents[3] {
                    let base = a * strides[0] + b * strides[1] + c * strides[2] + d * strides[3];
                    for e in 0..extents[4] {
                        f(base + e * strides[4]);
                    }
                }
            }
        }
    }
}

/// The mean of `input` over the reduced dimensions of `p`, one output per combination of
/// the kept dimensions.
pub fn mean<T: MeanElem>(p: &MeanParams, input: &[T], output: &mut [T]) {
    let dims = p.input_dims;
    let mut strides = [1usize; MEAN_MAX_DIMS];
    for k in (0..MEAN_MAX_DIMS - 1).rev() {
        strides[k] = strides[k + 1] * dims[k + 1];
    }
    let kept = core::array::from_fn(|k| if p.reduced[k] { 1 } else { dims[k] });
    let inner = core::array::from_fn(|k| if p.reduced[k] { dims[k] } else { 1 });
    let mut o = 0;
    for_each_offset(kept, strides, |base| {
        // TFLM sums in int32 with wrap-around (`AddTensorValuesWithExpectedOverflow`).
        let mut sum: i32 = 0;
        for_each_offset(inner, strides, |off| sum = sum.wrapping_add(input[base + off].widen()));
        output[o] = if p.count == 0 {
            T::narrow(0)
        } else {
            let shifted = (sum as i64 - p.input_zero_point as i64 * p.count as i64) as i32;
            let v = multiply_by_quantized_multiplier(shifted, p.multiplier, p.shift) + p.output_zero_point;
            T::narrow(v.clamp(T::MIN, T::MAX))
        };
        o += 1;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parameters for scale 1 in and out: multiplier 1.0 (2^30, shift 1) with `1 / count`
    /// folded in as TFLM does for a power-of-two count.
    fn params(dims: [usize; 5], reduced: [bool; 5]) -> MeanParams {
        let count: usize = dims.iter().zip(reduced).filter(|(_, r)| *r).map(|(d, _)| d).product();
        assert!(count.is_power_of_two());
        let log2 = count.trailing_zeros() as i32;
        MeanParams {
            input_dims: dims,
            reduced,
            count,
            input_zero_point: 0,
            output_zero_point: 0,
            multiplier: 1 << 30,
            shift: 1 - log2,
        }
    }

    #[test]
    fn mean_rounds_half_away_from_zero() {
        // [1, 2, 2, 2] (N H W C) reduced over H and W: channel 0 = [1, 2, 3, 5] -> 2.75 -> 3,
        // channel 1 = [-1, -2, -3, -4] -> -2.5 -> -3.
        let p = params([1, 1, 2, 2, 2], [false, false, true, true, false]);
        let input = [1i8, -1, 2, -2, 3, -3, 5, -4];
        let mut out = [0i8; 2];
        mean(&p, &input, &mut out);
        assert_eq!(out, [3, -3]);
    }

    #[test]
    fn reduces_a_middle_axis_in_order() {
        // Shape [2, 2, 2], reduce axis 1: out[i][k] = mean_j in[i][j][k].
        let p = params([1, 1, 2, 2, 2], [false, false, false, true, false]);
        let input: [i16; 8] = [0, 10, 4, 14, 100, 200, 102, 202];
        let mut out = [0i16; 4];
        mean(&p, &input, &mut out);
        assert_eq!(out, [2, 12, 101, 201]);
    }

    #[test]
    fn subtracts_the_zero_point_and_saturates() {
        let p = MeanParams {
            input_zero_point: 10,
            output_zero_point: -3,
            ..params([1, 1, 1, 1, 4], [false, false, false, false, true])
        };
        let mut out = [0i8; 1];
        // sum = 50, minus 4 * 10 = 10, / 4 = 2.5 -> 3 (ties away from zero), - 3 = 0.
        mean(&p, &[11i8, 12, 13, 14], &mut out);
        assert_eq!(out, [0]);
        let p = MeanParams { output_zero_point: 127, ..p };
        mean(&p, &[127i8, 127, 127, 127], &mut out);
        assert_eq!(out, [127]);
    }
}
