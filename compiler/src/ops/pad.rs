//! PAD (and PADV2 through the same path): int8, int16, int32 and float32, paddings from
//! a constant int32 tensor. Prepare logic from TFLM `micro/kernels/pad.cc`: int8 pads
//! with the output zero point (or the constant input of PADV2, which must share the
//! output's quantization), other types with 0 (or the constant input).

use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::DType;
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::pad::{pad, PadParams, PAD_MAX_DIMS};

/// The value written into the padding, typed.
#[derive(Clone, Copy, Debug, PartialEq)]
enum PadValue {
    I8(i8),
    I16(i16),
    I32(i32),
    F32(f32),
}

/// A lowered PAD.
#[derive(Debug)]
pub struct Pad {
    params: PadParams,
    value: PadValue,
}

/// Lowers a PAD or PADV2 operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let input = cx.expect_input_type(0, &[DType::I8, DType::I16, DType::I32, DType::F32])?;
    let paddings = cx.expect_input_type(1, &[DType::I32])?;
    let output = cx.output(0)?;
    if output.dtype != input.dtype {
        return Err(cx.unsupported(format!(
            "input '{}' is {} but output '{}' is {}; they must match",
            input.name,
            input.dtype.tflite_name(),
            output.name,
            output.dtype.tflite_name()
        )));
    }
    let rank = input.shape.len();
    if rank > PAD_MAX_DIMS || output.shape.len() != rank {
        return Err(cx.unsupported(format!(
            "input '{}' has shape {:?} and output '{}' {:?}; PAD supports equal ranks up to {PAD_MAX_DIMS}",
            input.name, input.shape, output.name, output.shape
        )));
    }
    let pads = cx.const_i32(1)?;
    if pads.len() != 2 * rank {
        return Err(cx.invalid(format!(
            "paddings '{}' has {} values for a rank-{rank} input (expected {rank} x 2)",
            paddings.name,
            pads.len()
        )));
    }
    // Extend to five dimensions at the front, as TFLM's kernel does.
    let lead = PAD_MAX_DIMS - rank;
    let mut params =
        PadParams { input_dims: [1; PAD_MAX_DIMS], before: [0; PAD_MAX_DIMS], output_dims: [1; PAD_MAX_DIMS] };
    for k in 0..rank {
        let (before, after) = (pads[2 * k], pads[2 * k + 1]);
        if before < 0 || after < 0 {
            return Err(cx.unsupported(format!(
                "paddings '{}' has negative padding ({before}, {after}) on dimension {k}",
                paddings.name
            )));
        }
        let expected = input.shape[k] + before as usize + after as usize;
        if output.shape[k] != expected {
            return Err(cx.invalid(format!(
                "output '{}' has shape {:?}, but padding dimension {k} of input '{}' {:?} gives {expected}",
                output.name, output.shape, input.name, input.shape
            )));
        }
        params.input_dims[lead + k] = input.shape[k];
        params.before[lead + k] = before as usize;
        params.output_dims[lead + k] = expected;
    }
    let constant = cx.optional_input(2);
    if let Some(c) = constant {
        if c.dtype != input.dtype || c.elements() != 1 {
            return Err(cx.invalid(format!(
                "constant value '{}' must be one {} element",
                c.name,
                input.dtype.tflite_name()
            )));
        }
        if c.data.is_none() {
            return Err(cx.unsupported(format!("constant value '{}' must be constant", c.name)));
        }
    }
    let bytes = constant.and_then(|c| c.data.clone()).unwrap_or_default();
    let value = match input.dtype {
        DType::I8 => {
            let (out_scale, out_zp) = cx.quant_of(output, "output")?;
            match constant {
                None => PadValue::I8(i8::try_from(out_zp).map_err(|_| {
                    cx.unsupported(format!("output '{}' zero point {out_zp} is outside int8", output.name))
                })?),
                Some(c) => {
                    if cx.quant_of(c, "constant value")? != (out_scale, out_zp) {
                        return Err(cx.unsupported(format!(
                            "constant value '{}' must have the quantization of output '{}'",
                            c.name, output.name
                        )));
                    }
                    PadValue::I8(bytes[0] as i8)
                }
            }
        }
        DType::I16 => PadValue::I16(if bytes.len() >= 2 { i16::from_le_bytes([bytes[0], bytes[1]]) } else { 0 }),
        DType::I32 => PadValue::I32(if bytes.len() >= 4 {
            i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
        } else {
            0
        }),
        _ => PadValue::F32(if bytes.len() >= 4 {
            f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
        } else {
            0.0
        }),
    };
    Ok(Lowered {
        kernel: Box::new(Pad { params, value }),
        inputs: vec![cx.input_id(0)?],
        outputs: vec![cx.output_id(0)?],
    })
}

impl Kernel for Pad {
    fn op_name(&self) -> &'static str {
        "PAD"
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        let p = &self.params;
        match self.value {
            PadValue::I8(v) => io.run1::<i8, i8>(|i, o| pad(p, i, v, o)),
            PadValue::I16(v) => io.run1::<i16, i16>(|i, o| pad(p, i, v, o)),
            PadValue::I32(v) => io.run1::<i32, i32>(|i, o| pad(p, i, v, o)),
            PadValue::F32(v) => io.run1::<f32, f32>(|i, o| pad(p, i, v, o)),
        }
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::pad::*");
        let params = e.params("PARAMS", "PadParams", &self.params);
        let (value, dtype) = match self.value {
            PadValue::I8(v) => (Arg::Int(v.into()), DType::I8),
            PadValue::I16(v) => (Arg::Int(v.into()), DType::I16),
            PadValue::I32(v) => (Arg::Int(v.into()), DType::I32),
            PadValue::F32(v) => (Arg::F32(v), DType::F32),
        };
        Call::new("pad", vec![params, Arg::Input(0), value, Arg::Output]).with_inferred_types(&[dtype])
    }
}
