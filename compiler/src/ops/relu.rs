//! RELU, RELU6, LEAKY_RELU and HARD_SWISH on int8. Prepare logic from TFLM
//! `activations_common.cc` (`CalculateReluOpData`, `Relu6Prepare`),
//! `leaky_relu_common.cc` (`CalculateOpDataLeakyRelu`) and `hard_swish_common.cc`
//! (`HardSwishPrepare`). TFLM registers no RELU_N1_TO_1 kernel, so it stays
//! unsupported (it is not in the registry).

use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::quantize_multiplier;
use crate::graph::{DType, Options, Tensor};
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::hard_swish::{hard_swish_s8, HardSwishParams};
use tinyml_runtime::kernels::relu::{leaky_relu_s8, relu6_s8, relu_s8, LeakyReluParams, Relu6Params, ReluParams};

/// A lowered int8 RELU, RELU6 or LEAKY_RELU.
#[derive(Debug)]
pub enum Relu {
    /// RELU.
    Relu(ReluParams),
    /// RELU6.
    Relu6(Relu6Params),
    /// LEAKY_RELU.
    Leaky(LeakyReluParams),
    /// HARD_SWISH.
    HardSwish(HardSwishParams),
}

/// The int8 input and output (of equal size) with their per-tensor quantization:
/// (input scale, input zero point, output scale, output zero point).
fn int8_io<'g>(cx: &LowerCx<'g>, op: &str) -> Result<(&'g Tensor, f32, i32, f32, i32), CompileError> {
    let input = cx.input(0)?;
    let output = cx.output(0)?;
    if input.dtype != DType::I8 || output.dtype != DType::I8 {
        return Err(cx.unsupported(format!(
            "{op} from {} to {} (supported: INT8 to INT8)",
            input.dtype.tflite_name(),
            output.dtype.tflite_name()
        )));
    }
    if input.elements() != output.elements() {
        return Err(cx.invalid(format!(
            "input '{}' {:?} and output '{}' {:?} differ in size",
            input.name, input.shape, output.name, output.shape
        )));
    }
    let mut q = Vec::with_capacity(2);
    for (t, role) in [(input, "input"), (output, "output")] {
        if t.quant.as_ref().is_some_and(|q| q.scale.len() > 1) {
            return Err(cx.unsupported(format!("per-channel quantized {role} '{}' (per-tensor only)", t.name)));
        }
        let (scale, zp) = cx.quant_of(t, role)?;
        if !(scale.is_finite() && scale > 0.0) {
            return Err(cx.invalid(format!("{role} '{}' has scale {scale}", t.name)));
        }
        if !(-128..=127).contains(&zp) {
            return Err(cx.invalid(format!("{role} '{}' has zero point {zp} outside int8", t.name)));
        }
        q.push((scale, zp as i32));
    }
    Ok((input, q[0].0, q[0].1, q[1].0, q[1].1))
}

fn lowered(cx: &LowerCx, kernel: Relu) -> Result<Lowered, CompileError> {
    Ok(Lowered { kernel: Box::new(kernel), inputs: vec![cx.input_id(0)?], output: cx.output_id(0)? })
}

/// Lowers a RELU operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let (_, in_scale, in_zp, out_scale, out_zp) = int8_io(cx, "RELU")?;
    let (multiplier, shift) = quantize_multiplier(in_scale as f64 / out_scale as f64);
    // act_min = zero_point + roundf(0 / scale) = zero_point; act_max is infinite, so 127.
    let params = ReluParams {
        multiplier,
        shift,
        input_zero_point: in_zp,
        output_zero_point: out_zp,
        activation_min: out_zp.max(-128),
        activation_max: 127,
    };
    lowered(cx, Relu::Relu(params))
}

/// Lowers a RELU6 operator: TFLM reads only the input quantization.
pub fn lower_relu6(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let (_, in_scale, in_zp, _, _) = int8_io(cx, "RELU6")?;
    // FloatToQuantizedType<int8_t>(6.0f, scale, zero_point): round(6.0f / scale) in float,
    // plus the zero point, clamped to int8 (f64 holds the sum exactly).
    let six = ((6.0f32 / in_scale) as f64).round() + in_zp as f64;
    let params = Relu6Params { zero: in_zp as i8, six: six.clamp(-128.0, 127.0) as i8 };
    lowered(cx, Relu::Relu6(params))
}

/// Lowers a LEAKY_RELU operator.
pub fn lower_leaky(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let alpha = match &cx.op.options {
        Options::LeakyRelu { alpha } => *alpha,
        _ => 0.0,
    };
    let (_, in_scale, in_zp, out_scale, out_zp) = int8_io(cx, "LEAKY_RELU")?;
    if !alpha.is_finite() {
        return Err(cx.unsupported(format!("alpha {alpha}")));
    }
    // TFLM computes both ratios in float and only then widens them to double.
    let (multiplier_alpha, shift_alpha) = quantize_multiplier((in_scale * alpha / out_scale) as f64);
    let (multiplier_identity, shift_identity) = quantize_multiplier((in_scale / out_scale) as f64);
    let params = LeakyReluParams {
        input_zero_point: in_zp,
        output_zero_point: out_zp,
        multiplier_identity,
        shift_identity,
        multiplier_alpha,
        shift_alpha,
    };
    lowered(cx, Relu::Leaky(params))
}

/// TFLM `DownScaleInt32ToInt16Multiplier`: a Q31 multiplier rounded to Q15.
fn downscale_to_i16(multiplier: i32) -> i16 {
    const ROUNDING: i32 = 1 << 15;
    if multiplier >= i32::MAX - ROUNDING {
        return i16::MAX;
    }
    ((multiplier + ROUNDING) >> 16) as i16
}

/// Lowers a HARD_SWISH operator.
pub fn lower_hard_swish(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let (_, in_scale, in_zp, out_scale, out_zp) = int8_io(cx, "HARD_SWISH")?;
    // All in float, widened to double only for QuantizeMultiplier, as TFLM.
    let hires_input_scale = (1.0f32 / 128.0) * in_scale;
    let reluish_scale = 3.0f32 / 32768.0;
    let (output_multiplier, output_exponent) = quantize_multiplier((hires_input_scale / out_scale) as f64);
    if output_exponent > 0 {
        // TFLM: TF_LITE_ENSURE(output_multiplier_exponent <= 0).
        return Err(cx.unsupported(format!(
            "output scale {out_scale} below input scale {in_scale} / 128 (TFLM needs a right shift)"
        )));
    }
    let (reluish_multiplier, reluish_exponent) = quantize_multiplier((hires_input_scale / reluish_scale) as f64);
    if output_multiplier < 0 || reluish_multiplier < 0 {
        return Err(cx.invalid("negative HARD_SWISH multiplier"));
    }
    let params = HardSwishParams {
        input_zero_point: in_zp,
        output_zero_point: out_zp,
        reluish_multiplier: downscale_to_i16(reluish_multiplier),
        reluish_exponent,
        output_multiplier: downscale_to_i16(output_multiplier),
        output_exponent,
    };
    lowered(cx, Relu::HardSwish(params))
}

impl Kernel for Relu {
    fn op_name(&self) -> &'static str {
        match self {
            Relu::Relu(_) => "RELU",
            Relu::Relu6(_) => "RELU6",
            Relu::Leaky(_) => "LEAKY_RELU",
            Relu::HardSwish(_) => "HARD_SWISH",
        }
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        match self {
            Relu::Relu(p) => io.run1(|i, o| relu_s8(p, i, o)),
            Relu::Relu6(p) => io.run1(|i, o| relu6_s8(p, i, o)),
            Relu::Leaky(p) => io.run1(|i, o| leaky_relu_s8(p, i, o)),
            Relu::HardSwish(p) => io.run1(|i, o| hard_swish_s8(p, i, o)),
        }
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::relu::*");
        e.use_path("tinyml_runtime::kernels::hard_swish::*");
        let (f, p) = match self {
            Relu::Relu(p) => ("relu_s8", e.params("PARAMS", "ReluParams", p)),
            Relu::Relu6(p) => ("relu6_s8", e.params("PARAMS", "Relu6Params", p)),
            Relu::Leaky(p) => ("leaky_relu_s8", e.params("PARAMS", "LeakyReluParams", p)),
            Relu::HardSwish(p) => ("hard_swish_s8", e.params("PARAMS", "HardSwishParams", p)),
        };
        Call::new(f, vec![p, Arg::Input(0), Arg::Output])
    }
}
