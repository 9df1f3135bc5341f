//! MEAN, SUM and REDUCE_MAX over any set of axes, as TFLM micro's `reduce` kernel
//! computes them (`micro/kernels/reduce_common.cc`, `reference_ops::QuantizedMeanOrSum`
//! and `ReduceGeneric`).
//!
//! MEAN and SUM (int8, int16) share [`mean`]: the int32 sum minus `count * input_zp`,
//! requantized by `input_scale / output_scale` plus the output zero point, saturated.
//! For MEAN the model compiler folds `1 / count` into the multiplier, exactly as TFLM
//! does at run time; for SUM it does not. TFLM uses this path for MEAN even when input
//! and output share their quantization (checked against the `tflite_micro` interpreter:
//! a plain truncating division differs).
//!
//! REDUCE_MAX ([`reduce_max`], int8 and float32) and the float32 SUM ([`sum_f32`]) start
//! every output from TFLM's initial value and fold the inputs in row-major order, as
//! `ReduceGeneric` does, so float sums round exactly as TFLM's.
//!
//! Shapes are extended to [`MEAN_MAX_DIMS`] dimensions at the front; reducing never
//! changes the order of the kept elements, so `keep_dims` does not matter here.

use crate::fixedpoint::multiply_by_quantized_multiplier;

/// The largest rank MEAN, SUM and REDUCE_MAX handle (TFLM's `kMaxNumberOfAxis`).
pub const MEAN_MAX_DIMS: usize = 5;

/// Which elements of the input one reduction folds into each output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReduceShape {
    /// Input dimensions, extended to five at the front with ones.
    pub input_dims: [usize; MEAN_MAX_DIMS],
    /// Which dimensions are reduced.
    pub reduced: [bool; MEAN_MAX_DIMS],
}

/// Constant parameters of one MEAN or SUM layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeanParams {
    /// The dimensions and the reduced axes.
    pub shape: ReduceShape,
    /// Elements summed into each output (the product of the reduced dimensions).
    pub count: usize,
    /// The input zero point.
    pub input_zero_point: i32,
    /// The output zero point.
    pub output_zero_point: i32,
    /// Requantization multiplier (Q31); for MEAN with `1 / count` folded in.
    pub multiplier: i32,
    /// Requantization shift (positive: left); for MEAN with `1 / count` folded in.
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

/// Folds the inputs of every output in row-major order: `acc = step(acc, x)` from
/// `init`, then `output = finish(acc)`, one output per combination of the kept
/// dimensions (the generic reduction of TFLM's `Reduce`).
#[inline(always)]
fn reduce<T: Copy, A: Copy, O>(
    shape: &ReduceShape,
    input: &[T],
    output: &mut [O],
    init: A,
    step: impl Fn(A, T) -> A,
    finish: impl Fn(A) -> O,
) {
    let dims = shape.input_dims;
    let mut strides = [1usize; MEAN_MAX_DIMS];
    for k in (0..MEAN_MAX_DIMS - 1).rev() {
        strides[k] = strides[k + 1] * dims[k + 1];
    }
    let kept = core::array::from_fn(|k| if shape.reduced[k] { 1 } else { dims[k] });
    let inner = core::array::from_fn(|k| if shape.reduced[k] { dims[k] } else { 1 });
    let mut o = 0;
    for_each_offset(kept, strides, |base| {
        let mut acc = init;
        for_each_offset(inner, strides, |off| acc = step(acc, input[base + off]));
        output[o] = finish(acc);
        o += 1;
    });
}

/// The requantized mean (or sum) of `input` over the reduced dimensions of `p`.
pub fn mean<T: MeanElem>(p: &MeanParams, input: &[T], output: &mut [T]) {
    // TFLM sums in int32 with wrap-around (`AddTensorValuesWithExpectedOverflow`).
    reduce(
        &p.shape,
        input,
        output,
        0i32,
        |sum, x| sum.wrapping_add(x.widen()),
        |sum| {
            if p.count == 0 {
                return T::narrow(0);
            }
            let shifted = (sum as i64 - p.input_zero_point as i64 * p.count as i64) as i32;
            let v = multiply_by_quantized_multiplier(shifted, p.multiplier, p.shift) + p.output_zero_point;
            T::narrow(v.clamp(T::MIN, T::MAX))
        },
    );
}

/// An element type REDUCE_MAX handles (int8, float32), with TFLM's initial value
/// (`std::numeric_limits<T>::lowest()`).
pub trait MaxElem: Copy + PartialOrd {
    /// The lowest finite value.
    const LOWEST: Self;
}

impl MaxElem for i8 {
    const LOWEST: Self = i8::MIN;
}

impl MaxElem for f32 {
    const LOWEST: Self = f32::MIN;
}

/// REDUCE_MAX: the largest input over the reduced dimensions (TFLM's
/// `in > current ? in : current` from [`MaxElem::LOWEST`], so NaNs never win).
pub fn reduce_max<T: MaxElem>(shape: &ReduceShape, input: &[T], output: &mut [T]) {
    reduce(shape, input, output, T::LOWEST, |cur, x| if x > cur { x } else { cur }, |m| m);
}

/// The float32 SUM: `0.0` plus the inputs in row-major order.
pub fn sum_f32(shape: &ReduceShape, input: &[f32], output: &mut [f32]) {
    reduce(shape, input, output, 0.0f32, |acc, x| x + acc, |s| s);
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
            shape: ReduceShape { input_dims: dims, reduced },
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

    #[test]
    fn reduce_max_keeps_the_largest_and_starts_from_lowest() {
        // Shape [2, 3], reduce axis 1.
        let shape = ReduceShape { input_dims: [1, 1, 1, 2, 3], reduced: [false, false, false, false, true] };
        let mut out = [0i8; 2];
        reduce_max(&shape, &[-128i8, -128, -128, 4, -7, 4], &mut out);
        assert_eq!(out, [-128, 4]);
        // A float -inf or NaN never replaces -FLT_MAX, as in TFLM.
        let mut out = [0f32; 2];
        reduce_max(&shape, &[f32::NEG_INFINITY, f32::NAN, f32::NEG_INFINITY, 1.5, -2.0, 0.5], &mut out);
        assert_eq!(out, [f32::MIN, 1.5]);
    }

    #[test]
    fn sum_f32_adds_in_row_major_order() {
        // Shape [2, 2], reduce axis 0: out[j] = in[0][j] + in[1][j].
        let shape = ReduceShape { input_dims: [1, 1, 1, 2, 2], reduced: [false, false, false, true, false] };
        let mut out = [0f32; 2];
        sum_f32(&shape, &[1.0, 2.0, 0.5, -4.0], &mut out);
        assert_eq!(out, [1.5, -2.0]);
    }
}
