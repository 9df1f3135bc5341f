//! LOGISTIC: int8 in and out (output zero point -128, scale 1/256 by the TFLite spec).
//! Prepare logic from TFLM `logistic_common.cc` (`CalculateArithmeticOpDataLogistic`).

use super::{Kernel, LowerCx, Lowered};
use crate::codegen::rust::Emitter;
use crate::error::CompileError;
use crate::exec::OpIo;
use crate::graph::DType;
use crate::quant::frexp;
use tinyml_runtime::kernels::logistic::{logistic_s8, SigmoidParams};

/// Integer bits of the rescaled input, TFLM `kInputIntegerBits` for int8.
const INPUT_INTEGER_BITS: i32 = 4;

/// A lowered int8 LOGISTIC or TANH.
#[derive(Debug)]
pub struct Sigmoid {
    params: SigmoidParams,
    is_tanh: bool,
}

/// The int8 Prepare of TFLM's LOGISTIC and TANH: the input scale times `2^27` split by
/// `frexp` into a Q31 multiplier and a shift, and the saturation radius.
///
/// TFLM uses `frexp` and `round` directly here, not `QuantizeMultiplier`, so a mantissa
/// that rounds up to `2^31` is not renormalized (its int32 cast wraps to `i32::MIN` on
/// the hosts TFLM runs on); this mirrors it.
pub fn sigmoid_params(cx: &LowerCx, is_tanh: bool) -> Result<Lowered, CompileError> {
    let input = cx.expect_input_type(0, &[DType::I8])?;
    let output = cx.output(0)?;
    if output.dtype != DType::I8 {
        return Err(cx.unsupported(format!(
            "output '{}' of type {} (supported: INT8, same as the input)",
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
    let (in_scale, in_zp) = cx.quant_of(input, "input")?;
    let (_, out_zp) = cx.quant_of(output, "output")?;
    if !is_tanh && out_zp != -128 {
        return Err(cx.unsupported(format!("output '{}' has zero point {out_zp}; LOGISTIC requires -128", output.name)));
    }
    if !(in_scale.is_finite() && in_scale > 0.0 && (-128..=127).contains(&in_zp)) {
        return Err(cx.invalid(format!("input '{}' has scale {in_scale} and zero point {in_zp}", input.name)));
    }
    let real = in_scale as f64 * (1i64 << (31 - INPUT_INTEGER_BITS)) as f64;
    let (q, input_left_shift) = frexp(real);
    let q_fixed = (q * (1i64 << 31) as f64).round() as i64;
    let input_multiplier = q_fixed as u32 as i32;
    // A negative shift (input scale below 2^-28) is undefined behaviour in TFLM's radius
    // computation; above 62 the radius overflows. Neither occurs in real models.
    if !(0..=62).contains(&input_left_shift) {
        return Err(cx.unsupported(format!("input scale {in_scale} is outside the range TFLM's int8 sigmoid handles")));
    }
    let input_range_radius = crate::ops::softmax::calculate_input_radius(INPUT_INTEGER_BITS, input_left_shift, 31);
    let params =
        SigmoidParams { input_zero_point: in_zp as i32, input_range_radius, input_multiplier, input_left_shift };
    Ok(Lowered {
        kernel: Box::new(Sigmoid { params, is_tanh }),
        inputs: vec![cx.input_id(0)?],
        output: cx.output_id(0)?,
    })
}

/// Lowers a LOGISTIC operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    sigmoid_params(cx, false)
}

impl Kernel for Sigmoid {
    fn op_name(&self) -> &'static str {
        if self.is_tanh {
            "TANH"
        } else {
            "LOGISTIC"
        }
    }

    fn macs(&self) -> u64 {
        0
    }

    fn const_bytes(&self) -> usize {
        0
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        let (input, output) = io.io1::<i8, i8>()?;
        if self.is_tanh {
            tinyml_runtime::kernels::tanh::tanh_s8(&self.params, input, output);
        } else {
            logistic_s8(&self.params, input, output);
        }
        Ok(())
    }

    fn emit(&self, e: &mut Emitter) -> String {
        let (module, f) = if self.is_tanh { ("tanh", "tanh_s8") } else { ("logistic", "logistic_s8") };
        e.use_path(&format!("tinyml_runtime::kernels::{module}::*"));
        e.use_path("tinyml_runtime::kernels::logistic::SigmoidParams");
        let params = e.params("PARAMS", "SigmoidParams", &self.params);
        format!("{f}(&{params}, in0, out)")
    }
}
