//! BROADCAST_TO of int8, int16, int32, float32 and bool tensors to a constant INT32 or
//! INT64 shape of rank at most 5, as TFLM `micro/kernels/broadcast_to.cc`
//! (`ValidateOutputTensor`: each input dimension, aligned at the end, is 1 or the target
//! size). A strided copy whose broadcast dimensions have stride 0.

use super::strided_copy::{
    check_output_shape, check_types_and_rank, extend, extend_strides, index_vector, row_strides, StridedCopy,
    COPY_TYPES,
};
use super::{LowerCx, Lowered};
use crate::error::CompileError;
use tinyml_runtime::kernels::strided_copy::StridedCopyParams;

/// Lowers a BROADCAST_TO operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let input = cx.input(0)?;
    let output = cx.output(0)?;
    check_types_and_rank(cx, 0, COPY_TYPES, output, "output")?;
    let rank = output.shape.len();
    let target = index_vector(cx, 1, rank, "shape")?;
    if target.iter().any(|&d| d < 0) {
        return Err(cx.invalid(format!("shape {target:?} has a negative dimension")));
    }
    let target: Vec<usize> = target.iter().map(|&d| d as usize).collect();
    check_output_shape(cx, &target, "the shape input")?;
    let lead = match rank.checked_sub(input.shape.len()) {
        Some(lead) => lead,
        None => {
            return Err(cx.invalid(format!("input '{}' {:?} does not broadcast to {target:?}", input.name, input.shape)))
        }
    };
    let strides = row_strides(&input.shape);
    let mut steps = vec![0usize; rank];
    for (k, (&d, &s)) in input.shape.iter().zip(&strides).enumerate() {
        if d != 1 && d != target[lead + k] {
            return Err(
                cx.invalid(format!("input '{}' {:?} does not broadcast to {target:?}", input.name, input.shape))
            );
        }
        steps[lead + k] = if d == 1 { 0 } else { s };
    }
    let params = StridedCopyParams { output_dims: extend(&target), input_strides: extend_strides(&steps), offset: 0 };
    StridedCopy::lowered(cx, "BROADCAST_TO", params, Some(0), None)
}
