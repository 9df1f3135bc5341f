//! STRIDED_SLICE for any element type (TFLM `reference_ops::StridedSlice`).
//!
//! The model compiler resolves begin, end, strides and the masks
//! (`strided_slice::StridedSliceStartForAxis` / `StridedSliceEndForAxis`) into a start,
//! a stop and a stride per dimension, shapes extended to five dimensions at the front.
//! The kernel only walks them.

/// The largest rank STRIDED_SLICE handles.
pub const SLICE_MAX_DIMS: usize = 5;

/// Constant parameters of one strided slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StridedSliceParams {
    /// Input dimensions.
    pub input_dims: [usize; SLICE_MAX_DIMS],
    /// First index per dimension.
    pub start: [i32; SLICE_MAX_DIMS],
    /// One past the last index per dimension, in the direction of the stride (may be
    /// -1 for a negative stride).
    pub stop: [i32; SLICE_MAX_DIMS],
    /// Step per dimension (non-zero; negative walks backwards).
    pub stride: [i32; SLICE_MAX_DIMS],
}

/// The indices `start, start + stride, ...` before `stop` along one dimension.
#[inline(always)]
fn axis(p: &StridedSliceParams, k: usize) -> impl Iterator<Item = usize> {
    let (start, stop, stride) = (p.start[k], p.stop[k], p.stride[k]);
    let mut i = start;
    core::iter::from_fn(move || {
        let more = if stride > 0 { i < stop } else { i > stop };
        if !more {
            return None;
        }
        let here = i;
        i += stride;
        // The compiler clamps start and stop so that every visited index is in range.
        Some(here as usize)
    })
}

/// Writes the selected elements of `input` to `output` in order.
pub fn strided_slice<T: Copy>(p: &StridedSliceParams, input: &[T], output: &mut [T]) {
    let [_, n1, n2, n3, n4] = p.input_dims;
    let mut o = 0;
    for i0 in axis(p, 0) {
        for i1 in axis(p, 1) {
            for i2 in axis(p, 2) {
                for i3 in axis(p, 3) {
                    let row = (((i0 * n1 + i1) * n2 + i2) * n3 + i3) * n4;
                    for i4 in axis(p, 4) {
                        output[o] = input[row + i4];
                        o += 1;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_forwards_and_backwards() {
        let p = StridedSliceParams {
            input_dims: [1, 1, 1, 2, 5],
            start: [0, 0, 0, 1, 4],
            stop: [1, 1, 1, 2, -1],
            stride: [1, 1, 1, 1, -2],
        };
        let input: [i32; 10] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        let mut out = [0i32; 3];
        strided_slice(&p, &input, &mut out);
        assert_eq!(out, [9, 7, 5]);
    }
}
