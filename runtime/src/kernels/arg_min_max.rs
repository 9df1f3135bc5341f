//! ARG_MAX and ARG_MIN along one axis, int8 and float32 inputs, int32 indices, as TFLM
//! micro's `arg_min_max.cc` and `reference_ops::ArgMinMax`: the first element of each
//! run is the initial best, a later element replaces it only when strictly better, so
//! ties give the lowest index. The comparison is a plain `>` / `<` (TFLM's `GreaterFn`,
//! `LessFn`): a float NaN never replaces the best, and a NaN that starts a run stays the
//! best (index 0), as the `tflite_micro` interpreter shows.

/// The input seen as `[outer, axis_size, inner]` around the reduced axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArgMinMaxParams {
    /// Product of the dimensions before the axis.
    pub outer: usize,
    /// The axis' dimension (at least 1).
    pub axis_size: usize,
    /// Product of the dimensions after the axis.
    pub inner: usize,
}

/// The index of the best element of every `[outer, :, inner]` run, where `better(a, b)`
/// says `a` replaces the current best `b`.
#[inline(always)]
fn arg_best<T: Copy + PartialOrd>(p: &ArgMinMaxParams, input: &[T], output: &mut [i32], better: impl Fn(T, T) -> bool) {
    for outer in 0..p.outer {
        let run = &input[outer * p.axis_size * p.inner..(outer + 1) * p.axis_size * p.inner];
        for inner in 0..p.inner {
            let mut best = run[inner];
            let mut index = 0;
            for i in 1..p.axis_size {
                let x = run[i * p.inner + inner];
                if better(x, best) {
                    best = x;
                    index = i as i32;
                }
            }
            output[outer * p.inner + inner] = index;
        }
    }
}

/// ARG_MAX: the index of the largest element along the axis (the first of equals).
pub fn arg_max<T: Copy + PartialOrd>(p: &ArgMinMaxParams, input: &[T], output: &mut [i32]) {
    arg_best(p, input, output, |x, best| x > best);
}

/// ARG_MIN: the index of the smallest element along the axis (the first of equals).
pub fn arg_min<T: Copy + PartialOrd>(p: &ArgMinMaxParams, input: &[T], output: &mut [i32]) {
    arg_best(p, input, output, |x, best| x < best);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_give_the_first_index() {
        // Shape [2, 3] along axis 1.
        let p = ArgMinMaxParams { outer: 2, axis_size: 3, inner: 1 };
        let mut out = [0i32; 2];
        arg_max(&p, &[5i8, 7, 7, -1, -1, -1], &mut out);
        assert_eq!(out, [1, 0]);
        arg_min(&p, &[5i8, 7, 5, 3, -2, -2], &mut out);
        assert_eq!(out, [0, 1]);
    }

    #[test]
    fn inner_runs_and_nans() {
        // Shape [3, 2] along axis 0: columns are the runs.
        let p = ArgMinMaxParams { outer: 1, axis_size: 3, inner: 2 };
        let mut out = [0i32; 2];
        arg_max(&p, &[f32::NAN, 1.0, 2.0, 3.0, f32::NAN, -1.0], &mut out);
        assert_eq!(out, [0, 1]);
        arg_min(&p, &[1.0, f32::NAN, f32::NAN, 3.0, 0.5, -1.0], &mut out);
        assert_eq!(out, [2, 0]);
    }
}
