//! SLICE of int8, int16, int32, float32 and bool tensors (ranks 1 to 5) with constant
//! INT32 or INT64 begin and size, as TFLM `micro/kernels/slice.cc`
//! (`GetValidatedBeginAndSizeVectors`: `0 <= begin <= dim`, a size of -1 takes the rest,
//! otherwise `0 <= size <= dim - begin`). A strided copy with the input's own strides.

use super::strided_copy::{
    check_output_shape, check_types_and_rank, extend, extend_strides, index_vector, row_strides, StridedCopy,
    COPY_TYPES,
};
use super::{LowerCx, Lowered};
use crate::error::CompileError;
use tinyml_runtime::kernels::strided_copy::StridedCopyParams;

/// The slice's output shape and first element, or why `begin`/`size` are out of range.
fn resolve(dims: &[usize], begin: &[i64], size: &[i64]) -> Result<(Vec<usize>, usize), String> {
    let strides = row_strides(dims);
    let mut shape = Vec::with_capacity(dims.len());
    let mut offset = 0;
    for k in 0..dims.len() {
        let (dim, b, s) = (dims[k] as i64, begin[k], size[k]);
        if b < 0 || b > dim {
            return Err(format!("begin[{k}] = {b} is outside 0..={dim}"));
        }
        let n = if s == -1 { dim - b } else { s };
        if n < 0 || n > dim - b {
            return Err(format!("size[{k}] = {s} is outside 0..={} (or -1)", dim - b));
        }
        shape.push(n as usize);
        offset += b as usize * strides[k];
    }
    Ok((shape, offset))
}

/// Lowers a SLICE operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let input = cx.input(0)?;
    check_types_and_rank(cx, 0, COPY_TYPES, input, "input")?;
    let rank = input.shape.len();
    let begin = index_vector(cx, 1, rank, "begin")?;
    let size = index_vector(cx, 2, rank, "size")?;
    if cx.input(1)?.dtype != cx.input(2)?.dtype {
        return Err(cx.invalid("begin and size differ in type".to_owned()));
    }
    let (shape, offset) = resolve(&input.shape, &begin, &size).map_err(|e| cx.invalid(e))?;
    check_output_shape(cx, &shape, "the slice's shape")?;
    let params = StridedCopyParams {
        output_dims: extend(&shape),
        input_strides: extend_strides(&row_strides(&input.shape)),
        offset,
    };
    StridedCopy::lowered(cx, "SLICE", params, Some(0), None)
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn resolves_like_tflm() {
        assert_eq!(resolve(&[1, 6, 5, 4], &[0, 1, 2, 0], &[1, 4, 2, 4]), Ok((vec![1, 4, 2, 4], 28)));
        assert_eq!(resolve(&[4, 6], &[1, 2], &[-1, -1]), Ok((vec![3, 4], 8)));
        assert!(resolve(&[4, 6], &[0, 7], &[4, 1]).is_err());
        assert!(resolve(&[4, 6], &[0, 2], &[4, 5]).is_err());
        assert!(resolve(&[4, 6], &[-1, 0], &[1, 1]).is_err());
    }
}
