//! LOG_SOFTMAX over the last dimension, int8 and float32. Prepare logic from TFLM
//! `log_softmax.cc` (`CalculateOpData`: the int8 output must be at scale 16/256 and
//! zero point 127) and `PreprocessLogSoftmaxScalingExp` with beta 1.

use super::softmax::calculate_input_radius;
use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::quantize_multiplier;
use crate::graph::DType;
use crate::kernel::{Arg, Call, Emitter, OpIo};
use tinyml_runtime::kernels::log_softmax::{log_softmax_f32, log_softmax_s8, LogSoftmaxParams};

/// Integer bits of the scaled input differences (TFLM `kScaledDiffIntegerBits`).
const SCALED_DIFF_INTEGER_BITS: i32 = 5;

/// A lowered LOG_SOFTMAX.
#[derive(Debug)]
pub struct LogSoftmax {
    params: LogSoftmaxParams,
    float: bool,
}

/// Lowers a LOG_SOFTMAX operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let input = cx.expect_input_type(0, &[DType::I8, DType::F32])?;
    let output = cx.output(0)?;
    if output.dtype != input.dtype {
        return Err(cx.unsupported(format!(
            "LOG_SOFTMAX from {} to {} (input and output must have one type)",
            input.dtype.tflite_name(),
            output.dtype.tflite_name()
        )));
    }
    if input.shape.is_empty() || input.shape.contains(&0) || input.shape != output.shape {
        return Err(cx.invalid(format!(
            "input '{}' {:?} and output '{}' {:?} must have one non-scalar, non-empty shape",
            input.name, input.shape, output.name, output.shape
        )));
    }
    let depth = *input.shape.last().unwrap_or(&1);
    let outer = input.elements().checked_div(depth).unwrap_or(0);
    let mut params = LogSoftmaxParams {
        input_multiplier: 0,
        input_left_shift: 0,
        reverse_scaling_divisor: 0,
        reverse_scaling_right_shift: 0,
        diff_min: 0,
        outer,
        depth,
    };
    let float = input.dtype == DType::F32;
    if !float {
        let (in_scale, _) = cx.quant_of(input, "input")?;
        let (out_scale, out_zp) = cx.quant_of(output, "output")?;
        if out_scale != 16.0 / 256.0 || out_zp != 127 {
            return Err(cx.unsupported(format!(
                "int8 output '{}' has scale {out_scale} and zero point {out_zp}; LOG_SOFTMAX requires 16/256 and 127",
                output.name
            )));
        }
        // PreprocessSoftmaxScaling: scale * 2^26, capped below 2^31, must exceed one
        // (QuantizeMultiplierGreaterThanOne).
        let real = (in_scale as f64 * (1i64 << (31 - SCALED_DIFF_INTEGER_BITS)) as f64).min((1i64 << 31) as f64 - 1.0);
        let (input_multiplier, input_left_shift) = quantize_multiplier(real);
        // The reverse scaling must be below one (QuantizeMultiplierSmallerThanOneExp).
        let reverse = (1i64 << (31 - input_left_shift).clamp(0, 62)) as f64 / input_multiplier as f64;
        if !(in_scale.is_finite() && real > 1.0 && (1..=31).contains(&input_left_shift) && reverse < 1.0) {
            return Err(cx.unsupported(format!(
                "input scale {in_scale} is too small for TFLM's LOG_SOFTMAX rescaling (scale * 2^26 = {real})"
            )));
        }
        let (reverse_scaling_divisor, reverse_left_shift) = quantize_multiplier(reverse);
        params.input_multiplier = input_multiplier;
        params.input_left_shift = input_left_shift;
        params.reverse_scaling_divisor = reverse_scaling_divisor;
        params.reverse_scaling_right_shift = -reverse_left_shift;
        params.diff_min = -calculate_input_radius(SCALED_DIFF_INTEGER_BITS, input_left_shift, 31);
    }
    Ok(Lowered {
        kernel: Box::new(LogSoftmax { params, float }),
        inputs: vec![cx.input_id(0)?],
        outputs: vec![cx.output_id(0)?],
    })
}

impl Kernel for LogSoftmax {
    fn op_name(&self) -> &'static str {
        "LOG_SOFTMAX"
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        if self.float {
            io.run1(|i, o| log_softmax_f32(&self.params, i, o))
        } else {
            io.run1(|i, o| log_softmax_s8(&self.params, i, o))
        }
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::log_softmax::*");
        let p = e.params("PARAMS", "LogSoftmaxParams", &self.params);
        let f = if self.float { "log_softmax_f32" } else { "log_softmax_s8" };
        Call::new(f, vec![p, Arg::Input(0), Arg::Output])
    }
}
