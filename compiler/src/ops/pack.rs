//! PACK of int8, int16, int32 and float32 tensors of one shape along a new axis, as TFLM
//! `micro/kernels/pack.cc` (`PackImpl`): a CONCATENATION whose inputs each contribute one
//! block of the size after the axis per outer index, so it runs the concatenation kernel.
//! Like TFLM it copies bytes whatever the quantization says.

use super::concatenation::copy_inputs;
use super::{LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::{DType, Options};
use tinyml_runtime::kernels::concatenation::{ConcatParams, CONCAT_MAX_INPUTS};

/// Lowers a PACK operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let Options::Pack { count, axis } = cx.op.options else {
        return Err(cx.invalid("missing PackOptions"));
    };
    let output = cx.output(0)?;
    if ![DType::I8, DType::I16, DType::I32, DType::F32].contains(&output.dtype) {
        return Err(cx.unsupported(format!(
            "output '{}' of type {} (supported: INT8, INT16, INT32, FLOAT32)",
            output.name,
            output.dtype.tflite_name()
        )));
    }
    let n = cx.op.inputs.len();
    if n != count as usize || n == 0 {
        return Err(cx.invalid(format!("values_count is {count} but the operator has {n} inputs")));
    }
    if n > CONCAT_MAX_INPUTS {
        return Err(cx.unsupported(format!("{n} inputs (supported: 1 to {CONCAT_MAX_INPUTS})")));
    }
    let rank = output.shape.len();
    let axis_k = if axis < 0 { axis + rank as i32 } else { axis };
    if axis_k < 0 || axis_k >= rank as i32 {
        return Err(cx.invalid(format!("axis {axis} is out of range for output '{}' {:?}", output.name, output.shape)));
    }
    let axis_k = axis_k as usize;
    let mut shape = output.shape.clone();
    shape.remove(axis_k);
    for k in 0..n {
        let t = cx.input(k)?;
        if t.shape != shape || output.shape[axis_k] != n {
            return Err(cx.invalid(format!(
                "input {k} '{}' {:?} does not stack into output '{}' {:?} along axis {axis_k}",
                t.name, t.shape, output.name, output.shape
            )));
        }
    }
    let inner: usize = output.shape[axis_k + 1..].iter().product();
    let mut copy = [0usize; CONCAT_MAX_INPUTS];
    copy[..n].fill(inner);
    let params = ConcatParams { outer: output.shape[..axis_k].iter().product(), inputs: n, copy };
    copy_inputs(cx, "PACK", params)
}
