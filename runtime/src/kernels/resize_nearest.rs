//! RESIZE_NEAREST_NEIGHBOR (TFLM `reference_ops::ResizeNearestNeighbor`) of NHWC tensors.
//!
//! The source row of each output row and the source column of each output column depend
//! only on the sizes and the two flags; the model compiler computes them on the host with
//! TFLM's float arithmetic (`GetNearestNeighbor`) and passes them as tables.

/// Constant parameters of one nearest-neighbour resize.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResizeNearestParams {
    /// Batches.
    pub batches: usize,
    /// Input height.
    pub input_height: usize,
    /// Input width.
    pub input_width: usize,
    /// Channels, copied together.
    pub depth: usize,
    /// Output height (entries of `rows`).
    pub output_height: usize,
    /// Output width (entries of `cols`).
    pub output_width: usize,
}

/// `output[b, y, x, :] = input[b, rows[y], cols[x], :]`.
pub fn resize_nearest<T: Copy>(p: &ResizeNearestParams, input: &[T], rows: &[i32], cols: &[i32], output: &mut [T]) {
    let d = p.depth;
    let mut o = 0;
    for b in 0..p.batches {
        for &y in &rows[..p.output_height] {
            let row = (b * p.input_height + y as usize) * p.input_width;
            for &x in &cols[..p.output_width] {
                let at = (row + x as usize) * d;
                output[o..o + d].copy_from_slice(&input[at..at + d]);
                o += d;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_rows_and_columns() {
        // [1, 2, 2, 1] to [1, 3, 4, 1].
        let p = ResizeNearestParams {
            batches: 1,
            input_height: 2,
            input_width: 2,
            depth: 1,
            output_height: 3,
            output_width: 4,
        };
        let mut out = [0i8; 12];
        resize_nearest(&p, &[1, 2, 3, 4], &[0, 0, 1], &[0, 0, 1, 1], &mut out);
        assert_eq!(out, [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4]);
    }
}
