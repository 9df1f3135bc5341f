//! SOFTMAX over the last dimension: int8 input with int8 output (scale 1/256, zero point
//! -128) or int16 output (scale 1/65536, zero point -32768), and int16 input with int16
//! output (scale 1/32768, zero point 0). Prepare logic from TFLM `softmax_common.cc`
//! (`SoftmaxPrepare`, `CalculateSoftmaxParams`), `quantization_util.cc`
//! (`PreprocessSoftmaxScaling`, `CalculateInputRadius`) and `common.h` (`gen_lut`).

use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::quantize_multiplier;
use crate::graph::{DType, Options};
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::softmax::{softmax_s16, softmax_s8, softmax_s8_s16, SoftmaxParams, SoftmaxS16Params};

/// Integer bits of the scaled input differences, TFLM `kScaledDiffIntegerBits`.
const SCALED_DIFF_INTEGER_BITS: i32 = 5;

/// A lowered int8 softmax.
#[derive(Debug)]
pub struct Softmax {
    params: SoftmaxParams,
    int16_output: bool,
}

/// A lowered int16 softmax with its two lookup tables.
#[derive(Debug)]
pub struct SoftmaxS16 {
    params: SoftmaxS16Params,
    exp_lut: Vec<i16>,
    one_over_one_plus_x_lut: Vec<i16>,
}

/// TFLM `gen_lut<float, int16_t, int16_t>`: 512 samples of `func` over
/// `[input_min, input_max]` plus the end point, in Q0.15 of `[output_min, output_max]`,
/// each sample biased by half the interpolation error at the interval's midpoint. All
/// arithmetic in f32, as TFLM does it.
pub fn gen_lut_s16(
    func: impl Fn(f32) -> f32,
    input_min: f32,
    input_max: f32,
    output_min: f32,
    output_max: f32,
) -> Vec<i16> {
    const STEPS: i32 = 512;
    let step = (input_max - input_min) / STEPS as f32;
    let half_step = step / 2.0;
    let output_scaling_inv = 65536.0f32 / (output_max - output_min);
    let (table_min, table_max) = (-32768.0f32, 32767.0f32);
    let mut lut = Vec::with_capacity(STEPS as usize + 1);
    for i in 0..STEPS {
        let val = func(input_min + i as f32 * step);
        let val_midpoint = func(input_min + i as f32 * step + half_step);
        let val_next = func(input_min + (i + 1) as f32 * step);
        let sample_val = (val * output_scaling_inv).round();
        let midpoint_interp_val = ((val_next * output_scaling_inv + (val * output_scaling_inv).round()) / 2.0).round();
        let midpoint_val = (val_midpoint * output_scaling_inv).round();
        let midpoint_err = midpoint_interp_val - midpoint_val;
        let bias = (midpoint_err / 2.0).round();
        lut.push((sample_val - bias).clamp(table_min, table_max) as i16);
    }
    lut.push((func(input_max) * output_scaling_inv).round().clamp(table_min, table_max) as i16);
    lut
}

fn lower_s16(cx: &LowerCx, beta: f32) -> Result<Lowered, CompileError> {
    let input = cx.input(0)?;
    let output = cx.output(0)?;
    if output.dtype != DType::I16 {
        return Err(cx.unsupported(format!(
            "INT16 input with {} output '{}' (supported: INT16)",
            output.dtype.tflite_name(),
            output.name
        )));
    }
    let (in_scale, _) = cx.quant_of(input, "input")?;
    let (out_scale, out_zp) = cx.quant_of(output, "output")?;
    let want = 1.0f32 / 32768.0;
    if out_zp != 0 || (out_scale - want).abs() > 0.001 * want {
        return Err(cx.unsupported(format!(
            "int16 output '{}' has scale {out_scale} and zero point {out_zp}; softmax requires 1/32768 and 0",
            output.name
        )));
    }
    if input.shape.is_empty() || input.elements() != output.elements() {
        return Err(cx.invalid(format!(
            "input '{}' {:?} and output '{}' {:?} must have one non-scalar shape",
            input.name, input.shape, output.name, output.shape
        )));
    }
    if !(in_scale.is_finite() && in_scale > 0.0 && beta.is_finite() && beta > 0.0) {
        return Err(cx.unsupported(format!("input scale {in_scale} with beta {beta} (both must be positive)")));
    }
    // Differences in [-65535, 0] are to cover [-10, 0].
    let (input_multiplier, input_left_shift) = quantize_multiplier(in_scale as f64 * beta as f64 / (10.0 / 65535.0));
    let depth = *input.shape.last().unwrap_or(&1);
    let outer = input.elements().checked_div(depth).unwrap_or(0);
    let kernel = SoftmaxS16 {
        params: SoftmaxS16Params { input_multiplier, input_left_shift, outer, depth },
        // exp() on [-10, 0]: exp(-10) is insignificant to the sum.
        exp_lut: gen_lut_s16(f32::exp, -10.0, 0.0, -1.0, 1.0),
        one_over_one_plus_x_lut: gen_lut_s16(|x| 1.0 / (1.0 + x), 0.0, 1.0, -1.0, 1.0),
    };
    Ok(Lowered { kernel: Box::new(kernel), inputs: vec![cx.input_id(0)?], outputs: vec![cx.output_id(0)?] })
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
    let input = cx.expect_input_type(0, &[DType::I8, DType::I16])?;
    if input.dtype == DType::I16 {
        return lower_s16(cx, beta);
    }
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
        outputs: vec![cx.output_id(0)?],
    })
}

impl Kernel for Softmax {
    fn op_name(&self) -> &'static str {
        "SOFTMAX"
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

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::softmax::*");
        let params = e.params("PARAMS", "SoftmaxParams", &self.params);
        let f = if self.int16_output { "softmax_s8_s16" } else { "softmax_s8" };
        Call::new(f, vec![params, Arg::Input(0), Arg::Output])
    }
}

impl Kernel for SoftmaxS16 {
    fn op_name(&self) -> &'static str {
        "SOFTMAX"
    }

    fn const_bytes(&self) -> usize {
        2 * (self.exp_lut.len() + self.one_over_one_plus_x_lut.len())
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        let (input, output) = io.io1::<i16, i16>()?;
        softmax_s16(&self.params, &self.exp_lut, &self.one_over_one_plus_x_lut, input, output);
        Ok(())
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::softmax::*");
        let params = e.params("PARAMS", "SoftmaxS16Params", &self.params);
        let exp_lut = e.table("EXP_LUT", &self.exp_lut);
        let recip_lut = e.table("ONE_OVER_ONE_PLUS_X_LUT", &self.one_over_one_plus_x_lut);
        Call::new("softmax_s16", vec![params, exp_lut, recip_lut, Arg::Input(0), Arg::Output])
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
