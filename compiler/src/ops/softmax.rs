//! SOFTMAX: int8 input, int8 output (scale 1/256, zero point -128) or int16 output (scale
//! 1/65536, zero point -32768), over the last dimension. Prepare logic from TFLM
//! `softmax_common.cc` (`CalculateSoftmaxParams`) and `quantization_util.cc`
//! (`PreprocessSoftmaxScaling`, `CalculateInputRadius`).

use super::{Kernel, LowerCx, Lowered};
use crate::codegen::rust::Emitter;
use crate::error::CompileError;
use crate::exec::OpIo;
use crate::graph::{DType, Options};
use crate::quant::quantize_multiplier;
use tinyml_runtime::kernels::softmax::{softmax_s8, softmax_s8_s16, SoftmaxParams};

/// Integer bits of the scaled input differences, TFLM `kScaledDiffIntegerBits`.
const SCALED_DIFF_INTEGER_BITS: i32 = 5;

/// A lowered int8 softmax.
#[derive(Debug)]
pub struct Softmax {
    params: SoftmaxParams,
    int16_output: bool,
}

/// TFLM `CalculateInputRadius`: the largest input difference whose rescaled value still
/// fits `input_integer_bits` integer bits.
pub fn calculate_input_radius(input_integer_bits: i32, input_left_shift: i32, total_signed_bits: i32) -> i32 {
    let max_input_rescaled = ((1i64 << input_integer_bits) - 1) as f64
        * (1i64 << (total_signed_bits - input_integer_bits)) as f64
        / (1i64 << input_left_shift) as f64;
    max_input_rescaled.floor() as i32
}

/// Lowers a SOFTMAX operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let beta = match &cx.op.options {
        Options::Softmax { beta } => *beta,
        _ => 1.0,
    };
    let input = cx.expect_input_type(0, &[DType::I8])?;
    let output = cx.output(0)?;
    let (in_scale, _) = cx.quant_of(input, "input")?;
    let (out_scale, out_zp) = cx.quant_of(output, "output")?;
    // TFLM SoftmaxPrepare/CalculateSoftmaxParams fix the output quantization.
    let int16_output = match output.dtype {
        DType::I8 => {
            if out_zp != -128 || out_scale != 1.0 / 256.0 {
                return Err(cx.unsupported(format!(
                    "int8 output '{}' has scale {out_scale} and zero point {out_zp}; softmax requires 1/256 and -128",
                    output.name
                )));
            }
            false
        }
        DType::I16 => {
            let want = 1.0f32 / 65536.0;
            if out_zp != -32768 || (out_scale - want).abs() > 0.001 * want {
                return Err(cx.unsupported(format!(
                    "int16 output '{}' has scale {out_scale} and zero point {out_zp}; softmax requires 1/65536 and -32768",
                    output.name
                )));
            }
            true
        }
        other => {
            return Err(cx.unsupported(format!(
                "output '{}' of type {} (supported: INT8, INT16 for an INT8 input)",
                output.name,
                other.tflite_name()
            )))
        }
    };
    if input.shape.is_empty() || input.elements() != output.elements() {
        return Err(cx.invalid(format!(
            "input '{}' {:?} and output '{}' {:?} must have one non-scalar shape",
            input.name, input.shape, output.name, output.shape
        )));
    }
    if !(in_scale.is_finite() && in_scale > 0.0 && beta.is_finite() && beta > 0.0) {
        return Err(cx.unsupported(format!("input scale {in_scale} with beta {beta} (both must be positive)")));
    }
    // PreprocessSoftmaxScaling: beta * scale in Q5.26, capped below 2^31.
    let real = (beta as f64 * in_scale as f64 * (1i64 << (31 - SCALED_DIFF_INTEGER_BITS)) as f64)
        .min((1i64 << 31) as f64 - 1.0);
    let (input_multiplier, input_left_shift) = quantize_multiplier(real);
    if !(0..=31).contains(&input_left_shift) || real <= 1.0 {
        return Err(cx.unsupported(format!(
            "input scale {in_scale} with beta {beta} is too small for TFLM's softmax rescaling (multiplier {real} must exceed 1)"
        )));
    }
    let diff_min = -calculate_input_radius(SCALED_DIFF_INTEGER_BITS, input_left_shift, 31);
    let depth = *input.shape.last().unwrap_or(&1);
    let outer = input.elements().checked_div(depth).unwrap_or(0);
    let params = SoftmaxParams { input_multiplier, input_left_shift, diff_min, outer, depth };
    Ok(Lowered {
        kernel: Box::new(Softmax { params, int16_output }),
        inputs: vec![cx.input_id(0)?],
        output: cx.output_id(0)?,
    })
}

impl Kernel for Softmax {
    fn op_name(&self) -> &'static str {
        "SOFTMAX"
    }

    fn macs(&self) -> u64 {
        0
    }

    fn const_bytes(&self) -> usize {
        0
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        if self.int16_output {
            let (input, output) = io.io1::<i8, i16>()?;
            softmax_s8_s16(&self.params, input, output);
        } else {
            let (input, output) = io.io1::<i8, i8>()?;
            softmax_s8(&self.params, input, output);
        }
        Ok(())
    }

    fn emit(&self, e: &mut Emitter) -> String {
        e.use_path("tinyml_runtime::kernels::softmax::*");
        let params = e.params("PARAMS", "SoftmaxParams", &self.params);
        let f = if self.int16_output { "softmax_s8_s16" } else { "softmax_s8" };
        format!("{f}(&{params}, in0, out)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_radius_matches_tflm_formula() {
        // 31 * 2^26 / 2^left_shift, floored.
        assert_eq!(calculate_input_radius(5, 31, 31), 0);
        assert_eq!(calculate_input_radius(5, 26, 31), 31);
        assert_eq!(calculate_input_radius(5, 20, 31), 31 * 64);
        assert_eq!(calculate_input_radius(4, 27, 31), 15);
    }
}
