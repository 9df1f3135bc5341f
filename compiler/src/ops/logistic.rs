//! LOGISTIC: int8 in and out (output zero point -128, scale 1/256 by the TFLite spec), or
//! int16 in and out (zero points 0, output scale 1/32768). Prepare logic from TFLM
//! `logistic_common.cc` (`CalculateArithmeticOpDataLogistic`) and, for TANH, `tanh.cc`.

use super::lookup::lookup_table;
use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::frexp;
use crate::graph::DType;
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::logistic::{logistic_s16, logistic_s8, Sigmoid16Params, SigmoidParams};

/// Integer bits of the rescaled input, TFLM `kInputIntegerBits` for int8.
const INPUT_INTEGER_BITS: i32 = 4;

/// A lowered LOGISTIC or TANH.
#[derive(Debug)]
pub struct Sigmoid {
    params: Params,
    is_tanh: bool,
    /// On int8, the table form ([`lookup_table`]), which the optimized kernels read
    /// in place of the fixed-point exponential.
    packed: Vec<i32>,
}

/// The parameters by activation type.
#[derive(Debug)]
enum Params {
    I8(SigmoidParams),
    I16(Sigmoid16Params),
}

/// Integer bits of TFLM's int16 sigmoid input (Q3.12 before the factor 3 of the table).
const INPUT_INTEGER_BITS_16: i32 = 3;

/// TFLM `CheckedLog2`, in `float` as TFLM computes it: the rounded log2 of `x` and
/// whether `x` is a power of two to within 1e-3 of an octave.
fn checked_log2(x: f32) -> (i32, bool) {
    let log2 = x.ln() * (1.0f32 / 2.0f32.ln());
    let rounded = log2.round();
    (rounded as i32, (log2 - rounded).abs() < 1e-3)
}

/// The int16 Prepare of TFLM's LOGISTIC and TANH: input and output zero point 0, output
/// scale 2^-15, and the input rescaled to the table's fixed point by `3 << shift` for
/// power-of-two input scales or otherwise by a 15-bit multiplier and a right shift.
fn sigmoid16_params(cx: &LowerCx, is_tanh: bool) -> Result<Params, CompileError> {
    let input = cx.input(0)?;
    let output = cx.output(0)?;
    let (in_scale, in_zp) = cx.quant_of(input, "input")?;
    let (out_scale, out_zp) = cx.quant_of(output, "output")?;
    if in_zp != 0 || out_zp != 0 {
        return Err(cx.unsupported(format!(
            "int16 input '{}' and output '{}' must have zero point 0 (they have {in_zp} and {out_zp})",
            input.name, output.name
        )));
    }
    if !(in_scale.is_finite() && in_scale > 0.0) {
        return Err(cx.invalid(format!("input '{}' has scale {in_scale}", input.name)));
    }
    let (out_log2, out_pot) = checked_log2(out_scale);
    if !out_pot || out_log2 != -15 {
        return Err(
            cx.unsupported(format!("int16 output '{}' has scale {out_scale}; TFLM requires 2^-15", output.name))
        );
    }
    let (in_log2, in_pot) = checked_log2(in_scale);
    let pot_shift = (15 - INPUT_INTEGER_BITS_16) + in_log2;
    // TANH accepts one more power of two than LOGISTIC (TFLM's conditions differ).
    let pot = in_pot && (pot_shift == 0 || (is_tanh && pot_shift == 1));
    let (mut multiplier, mut shift) = if pot {
        (0, pot_shift)
    } else {
        // Rescale to 1/(3 * 4096): a multiplier in (2^14, 2^15) and a right shift.
        let mut m = in_scale as f64 * 4096.0 * 3.0;
        let mut s = 0;
        while m <= 32767.0 / 2.0 && s <= 30 {
            s += 1;
            m *= 2.0;
        }
        (m as i64, s)
    };
    // The kernel reads a multiplier of 0 as the power-of-two case, whatever its origin
    // (a scale below 2^-31 truncates to 0 too).
    if multiplier == 0 {
        if shift > 13 {
            return Err(cx.unsupported(format!("input scale {in_scale} is too small for TFLM's int16 sigmoid")));
        }
        multiplier = 3 << shift;
        shift = 0;
    }
    // Larger multipliers overflow TFLM's 32-bit product (undefined behaviour there).
    if multiplier > 65535 {
        return Err(cx.unsupported(format!("input scale {in_scale} is too large for TFLM's int16 sigmoid")));
    }
    Ok(Params::I16(Sigmoid16Params { input_multiplier: multiplier as i32, input_left_shift: shift }))
}

/// The Prepare of TFLM's LOGISTIC and TANH (int8 or int16, output of the input's type).
pub fn sigmoid_params(cx: &LowerCx, is_tanh: bool) -> Result<Lowered, CompileError> {
    let input = cx.expect_input_type(0, &[DType::I8, DType::I16])?;
    let output = cx.output(0)?;
    if output.dtype != input.dtype {
        return Err(cx.unsupported(format!(
            "output '{}' of type {} (supported: the input's type, {})",
            output.name,
            output.dtype.tflite_name(),
            input.dtype.tflite_name()
        )));
    }
    if input.elements() != output.elements() {
        return Err(cx.invalid(format!(
            "input '{}' {:?} and output '{}' {:?} differ in size",
            input.name, input.shape, output.name, output.shape
        )));
    }
    let params = if input.dtype == DType::I16 { sigmoid16_params(cx, is_tanh)? } else { sigmoid8_params(cx, is_tanh)? };
    Ok(Lowered {
        kernel: Box::new(Sigmoid::new(params, is_tanh)),
        inputs: vec![cx.input_id(0)?],
        outputs: vec![cx.output_id(0)?],
    })
}

/// The int8 Prepare of TFLM's LOGISTIC and TANH: the input scale times `2^27` split by
/// `frexp` into a Q31 multiplier and a shift, and the saturation radius.
///
/// TFLM uses `frexp` and `round` directly here, not `QuantizeMultiplier`, so a mantissa
/// that rounds up to `2^31` is not renormalized (its int32 cast wraps to `i32::MIN` on
/// the hosts TFLM runs on); this mirrors it.
fn sigmoid8_params(cx: &LowerCx, is_tanh: bool) -> Result<Params, CompileError> {
    let (input, output) = (cx.input(0)?, cx.output(0)?);
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
    Ok(Params::I8(SigmoidParams {
        input_zero_point: in_zp as i32,
        input_range_radius,
        input_multiplier,
        input_left_shift,
    }))
}

/// Lowers a LOGISTIC operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    sigmoid_params(cx, false)
}

/// Lowers a TANH operator, which shares LOGISTIC's parameters and kernels.
/// int8 in and out (output scale 1/128, zero point 0 by the TFLite spec; TFLM's
/// kernel assumes them) or int16 in and out (zero points 0, output scale 1/32768).
/// Prepare logic from TFLM `tanh.cc` (`CalculateArithmeticOpData`), which is LOGISTIC's
/// but for one more power-of-two input scale: see [`sigmoid_params`].
pub fn lower_tanh(cx: &LowerCx) -> Result<Lowered, CompileError> {
    sigmoid_params(cx, true)
}

impl Sigmoid {
    fn new(params: Params, is_tanh: bool) -> Self {
        use tinyml_runtime::kernels::tanh::tanh_s8;
        let packed = match &params {
            Params::I8(p) if is_tanh => lookup_table(|x, y| tanh_s8(p, x, &[], y)),
            Params::I8(p) => lookup_table(|x, y| logistic_s8(p, x, &[], y)),
            Params::I16(_) => Vec::new(),
        };
        Sigmoid { params, is_tanh, packed }
    }
}

impl Kernel for Sigmoid {
    fn const_bytes(&self) -> usize {
        4 * self.packed.len()
    }

    fn in_place_inputs(&self) -> Vec<usize> {
        vec![0]
    }

    fn op_name(&self) -> &'static str {
        if self.is_tanh {
            "TANH"
        } else {
            "LOGISTIC"
        }
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        use tinyml_runtime::kernels::tanh::{tanh_s16, tanh_s8};
        match &self.params {
            Params::I8(p) => {
                let (input, output) = io.io1::<i8, i8>()?;
                if self.is_tanh {
                    tanh_s8(p, input, &self.packed, output)
                } else {
                    logistic_s8(p, input, &self.packed, output)
                }
            }
            Params::I16(p) => {
                let (input, output) = io.io1::<i16, i16>()?;
                if self.is_tanh {
                    tanh_s16(p, input, output)
                } else {
                    logistic_s16(p, input, output)
                }
            }
        }
        Ok(())
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        let module = if self.is_tanh { "tanh" } else { "logistic" };
        e.use_path(&format!("tinyml_runtime::kernels::{module}::*"));
        let (f, params) = match &self.params {
            Params::I8(p) => {
                e.use_path("tinyml_runtime::kernels::logistic::SigmoidParams");
                ("s8", e.params("PARAMS", "SigmoidParams", p))
            }
            Params::I16(p) => {
                e.use_path("tinyml_runtime::kernels::logistic::Sigmoid16Params");
                ("s16", e.params("PARAMS", "Sigmoid16Params", p))
            }
        };
        let mut args = vec![params, Arg::Input(0), Arg::Output];
        if f == "s8" {
            let table = e.packed_or_none("TABLE", &self.packed);
            args.insert(2, table);
        }
        Call::new(format!("{module}_{f}"), args)
    }
}
