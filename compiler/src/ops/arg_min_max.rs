//! ARG_MAX and ARG_MIN as TFLM micro's `arg_min_max.cc` supports them: int8 or float32
//! input, an int32 axis (read here, so it must be constant; TFLM reads its first
//! element), int32 output (TFLM refuses int64 indices and int64 axes). The output has
//! the input's shape without the axis. No Prepare step, no quantization: stored values
//! are compared.

use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::{opcode, DType, OpCode};
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::arg_min_max::{arg_max, arg_min, ArgMinMaxParams};

/// A lowered ARG_MAX or ARG_MIN.
#[derive(Debug)]
pub struct ArgMinMax {
    is_max: bool,
    float: bool,
    params: ArgMinMaxParams,
}

/// Lowers an ARG_MAX or ARG_MIN operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let is_max = cx.op.opcode == OpCode::Builtin(opcode::ARG_MAX);
    let input = cx.expect_input_type(0, &[DType::I8, DType::F32])?;
    let axis_t = cx.expect_input_type(1, &[DType::I32])?;
    let output = cx.output(0)?;
    if output.dtype != DType::I32 {
        return Err(cx.unsupported(format!(
            "output '{}' is {}; TFLM writes INT32 indices only",
            output.name,
            output.dtype.tflite_name()
        )));
    }
    let rank = input.shape.len();
    let axis = match cx.const_i32(1)?.first() {
        Some(&a) => a,
        None => return Err(cx.invalid(format!("axis tensor '{}' is empty", axis_t.name))),
    };
    let k = if axis < 0 { axis + rank as i32 } else { axis };
    if k < 0 || k >= rank as i32 {
        return Err(cx.invalid(format!("axis {axis} in '{}' is out of range for rank {rank}", axis_t.name)));
    }
    let k = k as usize;
    let expected: Vec<usize> = input.shape.iter().enumerate().filter(|&(i, _)| i != k).map(|(_, &d)| d).collect();
    if output.shape != expected {
        return Err(cx.invalid(format!(
            "output '{}' has shape {:?}; input '{}' {:?} without axis {k} is {expected:?}",
            output.name, output.shape, input.name, input.shape
        )));
    }
    if input.elements() == 0 {
        return Err(cx.unsupported(format!("input '{}' is empty", input.name)));
    }
    let params = ArgMinMaxParams {
        outer: input.shape[..k].iter().product(),
        axis_size: input.shape[k],
        inner: input.shape[k + 1..].iter().product(),
    };
    Ok(Lowered {
        kernel: Box::new(ArgMinMax { is_max, float: input.dtype == DType::F32, params }),
        inputs: vec![cx.input_id(0)?],
        outputs: vec![cx.output_id(0)?],
    })
}

impl Kernel for ArgMinMax {
    fn op_name(&self) -> &'static str {
        if self.is_max {
            "ARG_MAX"
        } else {
            "ARG_MIN"
        }
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        let p = &self.params;
        match (self.float, self.is_max) {
            (false, true) => io.run1::<i8, i32>(|i, o| arg_max(p, i, o)),
            (false, false) => io.run1::<i8, i32>(|i, o| arg_min(p, i, o)),
            (true, true) => io.run1::<f32, i32>(|i, o| arg_max(p, i, o)),
            (true, false) => io.run1::<f32, i32>(|i, o| arg_min(p, i, o)),
        }
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::arg_min_max::*");
        let params = e.params("PARAMS", "ArgMinMaxParams", &self.params);
        let function = if self.is_max { "arg_max" } else { "arg_min" };
        Call::new(function, vec![params, Arg::Input(0), Arg::Output]).with_types(&[if self.float {
            DType::F32
        } else {
            DType::I8
        }])
    }
}

#[cfg(test)]
mod tests {
    use crate::graph::{opcode, DType, Options};
    use crate::ops::testing::{const_i32, lower, refusal, tensor};

    fn graph(input: DType, axis: i32, output: DType) -> Vec<crate::graph::Tensor> {
        let q = (input == DType::I8 || input == DType::I16).then_some((0.1, -3));
        vec![tensor("in", &[2, 5, 3], input, q), const_i32("axis", &[axis]), tensor("out", &[2, 3], output, None)]
    }

    #[test]
    fn lowers_int8_and_float32_to_int32() {
        for code in [opcode::ARG_MAX, opcode::ARG_MIN] {
            for d in [DType::I8, DType::F32] {
                lower(code, Options::None, graph(d, 1, DType::I32)).expect("lowers");
                lower(code, Options::None, graph(d, -2, DType::I32)).expect("negative axis");
            }
        }
    }

    #[test]
    fn refuses_what_tflm_refuses() {
        let e = refusal(opcode::ARG_MAX, Options::None, graph(DType::I8, 1, DType::I64));
        assert!(e.contains("INT32 indices only"), "{e}");
        let e = refusal(opcode::ARG_MIN, Options::None, graph(DType::I16, 1, DType::I32));
        assert!(e.contains("INT16"), "{e}");
        let e = refusal(opcode::ARG_MIN, Options::None, graph(DType::I8, 0, DType::I32));
        assert!(e.contains("without axis 0"), "{e}");
        let e = refusal(opcode::ARG_MAX, Options::None, graph(DType::I8, 3, DType::I32));
        assert!(e.contains("out of range"), "{e}");
    }
}
