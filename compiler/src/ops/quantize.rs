//! QUANTIZE: float32 to int8/int16 (affine quantization), and requantization int8 to
//! int8/uint8/int16/int32, uint8 to int8, int16 to int8/int16/int32, int32 to int8/int16. Prepare logic from
//! TFLM `quantize_common.cc` (`PrepareQuantizeReference`).

use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::quantize_multiplier;
use crate::graph::DType;
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::quantize::{quantize_f32, requantize, AffineQuantizeParams, RequantizeParams};

/// A lowered QUANTIZE.
#[derive(Debug)]
pub enum Quantize {
    /// float32 in.
    Affine {
        /// Output scale and zero point.
        params: AffineQuantizeParams,
        /// Output type.
        output: DType,
    },
    /// Integer in.
    Requantize {
        /// Multiplier, shift and zero points.
        params: RequantizeParams,
        /// Input type.
        input: DType,
        /// Output type.
        output: DType,
    },
}

const REQUANTIZE_PAIRS: &[(DType, DType)] = &[
    (DType::I8, DType::I8),
    (DType::I8, DType::U8),
    (DType::U8, DType::I8),
    (DType::I8, DType::I16),
    (DType::I8, DType::I32),
    (DType::I16, DType::I8),
    (DType::I16, DType::I16),
    (DType::I16, DType::I32),
    (DType::I32, DType::I8),
    (DType::I32, DType::I16),
];

/// Lowers a QUANTIZE operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let input = cx.expect_input_type(0, &[DType::F32, DType::I8, DType::U8, DType::I16, DType::I32])?;
    let output = cx.output(0)?;
    if input.elements() != output.elements() {
        return Err(cx.invalid(format!(
            "input '{}' {:?} and output '{}' {:?} differ in size",
            input.name, input.shape, output.name, output.shape
        )));
    }
    if output.quant.as_ref().is_some_and(|q| q.scale.len() > 1) {
        return Err(
            cx.unsupported(format!("per-channel quantized output '{}' (per-tensor only, as TFLM)", output.name))
        );
    }
    let (out_scale, out_zp) = cx.quant_of(output, "output")?;
    if !(out_scale.is_finite() && out_scale > 0.0) {
        return Err(cx.invalid(format!("output '{}' has scale {out_scale}", output.name)));
    }
    let out_zp =
        i32::try_from(out_zp).map_err(|_| cx.invalid(format!("output '{}' has zero point {out_zp}", output.name)))?;
    let kernel = if input.dtype == DType::F32 {
        if !matches!(output.dtype, DType::I8 | DType::I16) {
            return Err(cx.unsupported(format!(
                "FLOAT32 to {} (supported from FLOAT32: INT8, INT16)",
                output.dtype.tflite_name()
            )));
        }
        Quantize::Affine { params: AffineQuantizeParams { scale: out_scale, zero_point: out_zp }, output: output.dtype }
    } else {
        if !REQUANTIZE_PAIRS.contains(&(input.dtype, output.dtype)) {
            let pairs: Vec<String> =
                REQUANTIZE_PAIRS.iter().map(|(a, b)| format!("{} to {}", a.tflite_name(), b.tflite_name())).collect();
            return Err(cx.unsupported(format!(
                "{} to {} (supported: FLOAT32 to INT8/INT16, {})",
                input.dtype.tflite_name(),
                output.dtype.tflite_name(),
                pairs.join(", ")
            )));
        }
        let (in_scale, in_zp) = cx.quant_of(input, "input")?;
        let in_zp =
            i32::try_from(in_zp).map_err(|_| cx.invalid(format!("input '{}' has zero point {in_zp}", input.name)))?;
        let (multiplier, shift) = quantize_multiplier(in_scale as f64 / out_scale as f64);
        Quantize::Requantize {
            params: RequantizeParams { multiplier, shift, input_zero_point: in_zp, output_zero_point: out_zp },
            input: input.dtype,
            output: output.dtype,
        }
    };
    Ok(Lowered { kernel: Box::new(kernel), inputs: vec![cx.input_id(0)?], outputs: vec![cx.output_id(0)?] })
}

impl Kernel for Quantize {
    /// A requantization within one type (int8 to int8, int16 to int16) is elementwise.
    fn in_place_inputs(&self) -> Vec<usize> {
        match self {
            Quantize::Requantize { input, output, .. } if input == output => vec![0],
            _ => Vec::new(),
        }
    }

    fn op_name(&self) -> &'static str {
        "QUANTIZE"
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        match *self {
            Quantize::Affine { ref params, output: DType::I16 } => {
                let (i, o) = io.io1::<f32, i16>()?;
                quantize_f32(params, i, o);
            }
            Quantize::Affine { ref params, .. } => {
                let (i, o) = io.io1::<f32, i8>()?;
                quantize_f32(params, i, o);
            }
            Quantize::Requantize { ref params, input, output } => {
                macro_rules! run {
                    ($i:ty, $o:ty) => {{
                        let (i, o) = io.io1::<$i, $o>()?;
                        requantize::<$i, $o>(params, i, o);
                    }};
                }
                match (input, output) {
                    (DType::I8, DType::I8) => run!(i8, i8),
                    (DType::I8, DType::U8) => run!(i8, u8),
                    (DType::U8, DType::I8) => run!(u8, i8),
                    (DType::I8, DType::I16) => run!(i8, i16),
                    (DType::I8, DType::I32) => run!(i8, i32),
                    (DType::I16, DType::I8) => run!(i16, i8),
                    (DType::I16, DType::I16) => run!(i16, i16),
                    (DType::I16, DType::I32) => run!(i16, i32),
                    (DType::I32, DType::I8) => run!(i32, i8),
                    _ => run!(i32, i16),
                }
            }
        }
        Ok(())
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::quantize::*");
        match self {
            Quantize::Affine { params, output } => {
                let p = e.params("PARAMS", "AffineQuantizeParams", params);
                Call::new("quantize_f32", vec![p, Arg::Input(0), Arg::Output]).with_inferred_types(&[*output])
            }
            Quantize::Requantize { params, input, output } => {
                let p = e.params("PARAMS", "RequantizeParams", params);
                Call::new("requantize", vec![p, Arg::Input(0), Arg::Output]).with_inferred_types(&[*input, *output])
            }
        }
    }
}
