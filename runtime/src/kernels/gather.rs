//! GATHER (TFLM `micro/kernels/gather.cc`): blocks of the input picked along one axis by
//! int32 positions, with optional batch dimensions shared by input and positions.

/// Constant parameters of one gather (TFLM's sizes around the axis).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GatherParams {
    /// Product of the batch dimensions.
    pub batches: usize,
    /// Product of the input dimensions between the batch dimensions and the axis.
    pub outer: usize,
    /// The input's size along the axis.
    pub axis_size: usize,
    /// Positions per batch.
    pub coords: usize,
    /// Product of the input dimensions after the axis: elements per copied block.
    pub inner: usize,
}

/// Copies, for each batch, outer index and position, the input block at that position.
///
/// A position outside `0..axis_size` makes TFLM fail the invoke; here its block is
/// written as zeros (positions are only known at run time when they are an input).
pub fn gather<T: Copy + Default>(p: &GatherParams, input: &[T], coords: &[i32], output: &mut [T]) {
    let n = p.inner;
    let mut o = 0;
    for batch in 0..p.batches {
        for outer in 0..p.outer {
            let row = (batch * p.outer + outer) * p.axis_size;
            for &c in &coords[batch * p.coords..(batch + 1) * p.coords] {
                let block = &mut output[o..o + n];
                match usize::try_from(c) {
                    Ok(c) if c < p.axis_size => block.copy_from_slice(&input[(row + c) * n..(row + c + 1) * n]),
                    _ => block.fill(T::default()),
                }
                o += n;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathers_rows_and_columns() {
        let input: [i8; 6] = [0, 1, 2, 3, 4, 5]; // [3, 2]
        let rows = GatherParams { batches: 1, outer: 1, axis_size: 3, coords: 3, inner: 2 };
        let mut out = [0i8; 6];
        gather(&rows, &input, &[2, 0, 2], &mut out);
        assert_eq!(out, [4, 5, 0, 1, 4, 5]);
        let cols = GatherParams { batches: 1, outer: 3, axis_size: 2, coords: 1, inner: 1 };
        let mut out = [9i8; 3];
        gather(&cols, &input, &[1], &mut out);
        assert_eq!(out, [1, 3, 5]);
        // Out of range: zeros.
        gather(&cols, &input, &[2], &mut out);
        assert_eq!(out, [0, 0, 0]);
        // One batch dimension of 3 over [3, 2] positions [[1], [0], [1]].
        let batched = GatherParams { batches: 3, outer: 1, axis_size: 2, coords: 1, inner: 1 };
        gather(&batched, &input, &[1, 0, 1], &mut out);
        assert_eq!(out, [1, 2, 5]);
    }
}
