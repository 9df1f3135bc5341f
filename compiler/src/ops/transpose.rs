//! TRANSPOSE of int8, int16 and float32 tensors (ranks 1 to 5; TFLM's Eval accepts no
//! other type) by a constant permutation, as TFLM `micro/kernels/transpose_common.cc`.
//! A strided copy: output dimension `k` steps the input along dimension `perm[k]`.

use super::strided_copy::{check_output_shape, check_types_and_rank, extend, extend_strides, row_strides, StridedCopy};
use super::{LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::DType;
use tinyml_runtime::kernels::strided_copy::StridedCopyParams;

/// Lowers a TRANSPOSE operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let input = cx.input(0)?;
    check_types_and_rank(cx, 0, &[DType::I8, DType::I16, DType::F32], input, "input")?;
    let rank = input.shape.len();
    cx.expect_input_type(1, &[DType::I32])?;
    let perm = cx.const_i32(1)?;
    let mut seen = vec![false; rank];
    let valid = perm.len() == rank
        && perm.iter().all(|&p| usize::try_from(p).is_ok_and(|p| p < rank && !std::mem::replace(&mut seen[p], true)));
    if !valid || cx.input(1)?.shape.len() != 1 {
        return Err(cx.invalid(format!("perm {perm:?} is not a permutation of the {rank} input dimensions")));
    }
    let perm: Vec<usize> = perm.iter().map(|&p| p as usize).collect();
    let shape: Vec<usize> = perm.iter().map(|&p| input.shape[p]).collect();
    check_output_shape(cx, &shape, "the transposed input's shape")?;
    let strides = row_strides(&input.shape);
    let steps: Vec<usize> = perm.iter().map(|&p| strides[p]).collect();
    let params = StridedCopyParams { output_dims: extend(&shape), input_strides: extend_strides(&steps), offset: 0 };
    StridedCopy::lowered(cx, "TRANSPOSE", params, Some(0), None)
}
