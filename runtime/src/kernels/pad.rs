//! PAD and PADV2 for any element type (TFLM `reference_ops::Pad`; the image-style
//! variant TFLM picks for 4-D inputs gives the same bytes).
//!
//! Shapes are extended to [`PAD_MAX_DIMS`] dimensions at the front, as TFLM does.

/// The largest rank PAD handles (TFLM `PadKernelMaxDimensionCount`).
pub const PAD_MAX_DIMS: usize = 5;

/// Constant parameters of one PAD layer, shapes extended to five dimensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PadParams {
    /// Input dimensions.
    pub input_dims: [usize; PAD_MAX_DIMS],
    /// Elements added before the input along each dimension.
    pub before: [usize; PAD_MAX_DIMS],
    /// Output dimensions (`before + input + after`).
    pub output_dims: [usize; PAD_MAX_DIMS],
}

/// Writes `output` in order: an element copies the input where its coordinates fall
/// inside the input's box and is `pad_value` elsewhere. For int8, TFLM pads with the
/// output zero point (PAD) or the constant input (PADV2); the compiler passes it.
pub fn pad<T: Copy>(p: &PadParams, input: &[T], pad_value: T, output: &mut [T]) {
    let [d0, d1, d2, d3, d4] = p.output_dims;
    let [_, n1, n2, n3, n4] = p.input_dims;
    // The input coordinate of output coordinate `i` along dimension `k`, if inside.
    let src = |k: usize, i: usize| i.checked_sub(p.before[k]).filter(|&j| j < p.input_dims[k]);
    let mut o = 0;
    for i0 in 0..d0 {
        for i1 in 0..d1 {
            for i2 in 0..d2 {
                for i3 in 0..d3 {
                    // Start of the input row this output row copies from, if any.
                    let row = match (src(0, i0), src(1, i1), src(2, i2), src(3, i3)) {
                        (Some(j0), Some(j1), Some(j2), Some(j3)) => Some((((j0 * n1 + j1) * n2 + j2) * n3 + j3) * n4),
                        _ => None,
                    };
                    for i4 in 0..d4 {
                        output[o] = match (row, src(4, i4)) {
                            (Some(r), Some(j4)) => input[r + j4],
                            _ => pad_value,
                        };
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
    fn pads_a_2x2_image() {
        // [1, 2, 2, 1] padded by one pixel on every side of H and W with value 9.
        let p = PadParams { input_dims: [1, 1, 2, 2, 1], before: [0, 0, 1, 1, 0], output_dims: [1, 1, 4, 4, 1] };
        let mut out = [0i8; 16];
        pad(&p, &[1i8, 2, 3, 4], 9, &mut out);
        assert_eq!(out, [9, 9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9, 9, 9, 9]);
    }

    #[test]
    fn pads_the_innermost_dimension_asymmetrically() {
        let p = PadParams { input_dims: [1, 1, 1, 1, 3], before: [0, 0, 0, 0, 2], output_dims: [1, 1, 1, 1, 6] };
        let mut out = [0i32; 6];
        pad(&p, &[7, 8, 9], -1, &mut out);
        assert_eq!(out, [-1, -1, 7, 8, 9, -1]);
    }
}
