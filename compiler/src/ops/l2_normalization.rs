//! L2_NORMALIZATION over the last dimension, int8 and float32. Prepare logic from TFLM
//! `l2norm.cc`: at most 4 dimensions, no fused activation, the int8 output fixed at
//! scale 1/128 and zero point 0 by the kernel (TFLM does not read the output's
//! quantization, so neither does this).

use super::binary;
use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::{Activation, DType, Options};
use crate::kernel::{Arg, Call, Emitter, OpIo};
use tinyml_runtime::kernels::l2_normalization::{l2_normalization_f32, l2_normalization_s8, L2NormParams};

/// A lowered L2_NORMALIZATION.
#[derive(Debug)]
pub struct L2Normalization {
    params: L2NormParams,
    float: bool,
}

/// Lowers an L2_NORMALIZATION operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let input = cx.expect_input_type(0, &[DType::I8, DType::F32])?;
    let output = cx.output(0)?;
    if output.dtype != input.dtype {
        return Err(cx.unsupported(format!(
            "L2_NORMALIZATION from {} to {} (input and output must have one type)",
            input.dtype.tflite_name(),
            output.dtype.tflite_name()
        )));
    }
    if let Options::Elementwise { activation } = &cx.op.options {
        if *activation != Activation::None {
            return Err(cx.unsupported(format!("fused activation {activation:?} (TFLM's L2_NORMALIZATION has none)")));
        }
    }
    if input.shape.len() > 4 {
        return Err(cx.unsupported(format!("input '{}' of {} dimensions (at most 4)", input.name, input.shape.len())));
    }
    if input.shape.is_empty() || input.shape.contains(&0) || input.shape != output.shape {
        return Err(cx.invalid(format!(
            "input '{}' {:?} and output '{}' {:?} must have one non-scalar, non-empty shape",
            input.name, input.shape, output.name, output.shape
        )));
    }
    let input_zero_point = if input.dtype == DType::I8 { binary::quant(cx, input, "input")?.1 } else { 0 };
    let depth = *input.shape.last().unwrap_or(&1);
    let outer = input.elements().checked_div(depth).unwrap_or(0);
    let params = L2NormParams { input_zero_point, outer, depth };
    let kernel = L2Normalization { params, float: input.dtype == DType::F32 };
    Ok(Lowered { kernel: Box::new(kernel), inputs: vec![cx.input_id(0)?], outputs: vec![cx.output_id(0)?] })
}

impl Kernel for L2Normalization {
    fn op_name(&self) -> &'static str {
        "L2_NORMALIZATION"
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        if self.float {
            io.run1(|i, o| l2_normalization_f32(&self.params, i, o))
        } else {
            io.run1(|i, o| l2_normalization_s8(&self.params, i, o))
        }
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::l2_normalization::*");
        let p = e.params("PARAMS", "L2NormParams", &self.params);
        let f = if self.float { "l2_normalization_f32" } else { "l2_normalization_s8" };
        Call::new(f, vec![p, Arg::Input(0), Arg::Output])
    }
}
