//! DEQUANTIZE: int8/uint8/int16 to float32. Prepare logic from TFLM `dequantize_common.cc`.

use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::DType;
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::dequantize::{dequantize, DequantizeParams};

/// A lowered DEQUANTIZE.
#[derive(Debug)]
pub struct Dequantize {
    params: DequantizeParams,
    input: DType,
}

/// Lowers a DEQUANTIZE operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let input = cx.expect_input_type(0, &[DType::I8, DType::U8, DType::I16])?;
    let output = cx.output(0)?;
    if output.dtype != DType::F32 {
        return Err(cx.unsupported(format!(
            "output '{}' of type {} (supported: FLOAT32)",
            output.name,
            output.dtype.tflite_name()
        )));
    }
    if input.elements() != output.elements() {
        return Err(cx.invalid(format!(
            "input '{}' {:?} and output '{}' {:?} differ in size",
            input.name, input.shape, output.name, output.shape
        )));
    }
    if input.quant.as_ref().is_some_and(|q| q.scale.len() > 1) {
        return Err(cx.unsupported(format!("per-channel quantized input '{}' (per-tensor only)", input.name)));
    }
    let (scale, zp) = cx.quant_of(input, "input")?;
    let zero_point =
        i32::try_from(zp).map_err(|_| cx.invalid(format!("input '{}' has zero point {zp}", input.name)))?;
    // TFLM keeps the scale as a double and multiplies in double.
    let params = DequantizeParams { scale: scale as f64, zero_point };
    Ok(Lowered {
        kernel: Box::new(Dequantize { params, input: input.dtype }),
        inputs: vec![cx.input_id(0)?],
        outputs: vec![cx.output_id(0)?],
    })
}

impl Kernel for Dequantize {
    fn op_name(&self) -> &'static str {
        "DEQUANTIZE"
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        if self.input == DType::I16 {
            let (i, o) = io.io1::<i16, f32>()?;
            dequantize(&self.params, i, o);
        } else if self.input == DType::U8 {
            let (i, o) = io.io1::<u8, f32>()?;
            dequantize(&self.params, i, o);
        } else {
            let (i, o) = io.io1::<i8, f32>()?;
            dequantize(&self.params, i, o);
        }
        Ok(())
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::dequantize::*");
        let p = e.params("PARAMS", "DequantizeParams", &self.params);
        Call::new("dequantize", vec![p, Arg::Input(0), Arg::Output]).with_inferred_types(&[self.input])
    }
}
