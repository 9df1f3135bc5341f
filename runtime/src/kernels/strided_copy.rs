//! One copy kernel for the operators that only move elements along fixed strides: SLICE
//! (TFLM `reference_ops::Slice`), STRIDED_SLICE (`reference_ops::StridedSlice`), TRANSPOSE
//! (`reference_ops::Transpose`), BROADCAST_TO (`reference_ops::BroadcastTo`), FILL and
//! ZEROS_LIKE (every stride 0).
//!
//! The model compiler turns each operator into an output shape and, per output
//! dimension, the input elements one step along it moves (the input's own stride for a
//! slice, times the slice's step, negative to walk back; a permuted stride for a
//! transpose; 0 for a broadcast dimension), shapes extended to five dimensions at the
//! front. The kernel walks the output in order.

/// The largest rank the copy handles (TFLM's limit for these operators).
pub const COPY_MAX_DIMS: usize = 5;

/// Constant parameters of one strided copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StridedCopyParams {
    /// Output dimensions, extended with 1s at the front.
    pub output_dims: [usize; COPY_MAX_DIMS],
    /// Input elements per step along each output dimension (0 repeats an element, a
    /// negative step walks back).
    pub input_strides: [i32; COPY_MAX_DIMS],
    /// The input element of output element 0.
    pub offset: usize,
}

/// Writes `output[i0, .., i4] = input[offset + sum(ik * input_strides[k])]` in order.
pub fn strided_copy<T: Copy>(p: &StridedCopyParams, input: &[T], output: &mut [T]) {
    let [n0, n1, n2, n3, n4] = p.output_dims;
    let [s0, s1, s2, s3, s4] = p.input_strides.map(|s| s as isize);
    let mut o = 0;
    // The compiler checked that every visited index is in range.
    for i0 in 0..n0 as isize {
        let b0 = p.offset as isize + i0 * s0;
        for i1 in 0..n1 as isize {
            let b1 = b0 + i1 * s1;
            for i2 in 0..n2 as isize {
                let b2 = b1 + i2 * s2;
                for i3 in 0..n3 as isize {
                    let b3 = b2 + i3 * s3;
                    for i4 in 0..n4 as isize {
                        output[o] = input[(b3 + i4 * s4) as usize];
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
    fn slices_transposes_and_broadcasts() {
        let input: [i16; 6] = [0, 1, 2, 3, 4, 5]; // [2, 3]
                                                  // Slice [0:2, 1:3].
        let p = StridedCopyParams { output_dims: [1, 1, 1, 2, 2], input_strides: [0, 0, 0, 3, 1], offset: 1 };
        let mut out = [0i16; 4];
        strided_copy(&p, &input, &mut out);
        assert_eq!(out, [1, 2, 4, 5]);
        // Transpose to [3, 2].
        let p = StridedCopyParams { output_dims: [1, 1, 1, 3, 2], input_strides: [0, 0, 0, 1, 3], offset: 0 };
        let mut out = [0i16; 6];
        strided_copy(&p, &input, &mut out);
        assert_eq!(out, [0, 3, 1, 4, 2, 5]);
        // Row 1 broadcast to [2, 3]; every stride 0 fills with one element.
        let p = StridedCopyParams { output_dims: [1, 1, 1, 2, 3], input_strides: [0, 0, 0, 0, 1], offset: 3 };
        strided_copy(&p, &input, &mut out);
        assert_eq!(out, [3, 4, 5, 3, 4, 5]);
        let p = StridedCopyParams { output_dims: [1, 1, 1, 2, 3], input_strides: [0; 5], offset: 5 };
        strided_copy(&p, &input, &mut out);
        assert_eq!(out, [5; 6]);
        // A strided slice walking back: [1, 9, 7] of row 1 of [2, 5] (step -2).
        let input: [i32; 10] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        let p = StridedCopyParams { output_dims: [1, 1, 1, 1, 3], input_strides: [0, 0, 0, 0, -2], offset: 9 };
        let mut out = [0i32; 3];
        strided_copy(&p, &input, &mut out);
        assert_eq!(out, [9, 7, 5]);
    }
}
