//! RELU, RELU6 and LEAKY_RELU on int8 and int16, HARD_SWISH on int8. Prepare logic from TFLM
//! `activations_common.cc` (`CalculateReluOpData`, `Relu6Prepare`),
//! `leaky_relu_common.cc` (`CalculateOpDataLeakyRelu`) and `hard_swish_common.cc`
//! (`HardSwishPrepare`). TFLM registers no RELU_N1_TO_1 kernel, so it stays
//! unsupported (it is not in the registry).

use super::lookup::lookup_table;
use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::quantize_multiplier;
use crate::graph::{DType, Options};
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::hard_swish::{hard_swish_s8, HardSwishParams};
use tinyml_runtime::kernels::relu::{
    leaky_relu_s16, leaky_relu_s8, relu6_s16, relu6_s8, relu_s16, relu_s8, LeakyReluParams, Relu6Params, ReluParams,
};

/// A lowered RELU, RELU6, LEAKY_RELU (int8 or int16: `bool` is int16) or HARD_SWISH.
#[derive(Debug)]
pub enum Relu {
    /// RELU.
    Relu(ReluParams, bool),
    /// RELU6.
    Relu6(Relu6Params, bool),
    /// LEAKY_RELU.
    Leaky(LeakyReluParams, bool),
    /// HARD_SWISH.
    HardSwish(HardSwishParams),
}

/// The input and output (of equal size, both of one of `dtypes`) with their per-tensor
/// quantization: (type, input scale, input zero point, output scale, output zero point).
fn quantized_io(cx: &LowerCx, op: &str, dtypes: &[DType]) -> Result<(DType, f32, i32, f32, i32), CompileError> {
    let input = cx.input(0)?;
    let output = cx.output(0)?;
    if input.dtype != output.dtype || !dtypes.contains(&input.dtype) {
        let names: Vec<String> = dtypes.iter().map(|d| format!("{0} to {0}", d.tflite_name())).collect();
        return Err(cx.unsupported(format!(
            "{op} from {} to {} (supported: {})",
            input.dtype.tflite_name(),
            output.dtype.tflite_name(),
            names.join(", ")
        )));
    }
    if input.elements() != output.elements() {
        return Err(cx.invalid(format!(
            "input '{}' {:?} and output '{}' {:?} differ in size",
            input.name, input.shape, output.name, output.shape
        )));
    }
    let range = if input.dtype == DType::I16 { -32768..=32767 } else { -128..=127 };
    let mut q = Vec::with_capacity(2);
    for (t, role) in [(input, "input"), (output, "output")] {
        if t.quant.as_ref().is_some_and(|q| q.scale.len() > 1) {
            return Err(cx.unsupported(format!("per-channel quantized {role} '{}' (per-tensor only)", t.name)));
        }
        let (scale, zp) = cx.quant_of(t, role)?;
        if !(scale.is_finite() && scale > 0.0) {
            return Err(cx.invalid(format!("{role} '{}' has scale {scale}", t.name)));
        }
        if !range.contains(&zp) {
            return Err(cx.invalid(format!("{role} '{}' has zero point {zp} outside its type", t.name)));
        }
        q.push((scale, zp as i32));
    }
    Ok((input.dtype, q[0].0, q[0].1, q[1].0, q[1].1))
}

/// The value range of int8 or int16.
fn type_range(dtype: DType) -> (i32, i32) {
    if dtype == DType::I16 {
        (i16::MIN.into(), i16::MAX.into())
    } else {
        (i8::MIN.into(), i8::MAX.into())
    }
}

/// A lowered activation with, on int8, its table form ([`lookup_table`]: the
/// arithmetic's 256 outputs, or its two bounds where they are a clamp), which the
/// optimized kernels read in place of the arithmetic.
#[derive(Debug)]
struct Activation {
    op: Relu,
    packed: Vec<i32>,
}

impl Relu {
    /// The int8 table form, or nothing for int16 (65,536 entries would not pay).
    fn lookup_table(&self) -> Vec<i32> {
        match self {
            Relu::Relu(p, false) => lookup_table(|x, y| relu_s8(p, x, &[], y)),
            Relu::Relu6(p, false) => lookup_table(|x, y| relu6_s8(p, x, &[], y)),
            Relu::Leaky(p, false) => lookup_table(|x, y| leaky_relu_s8(p, x, &[], y)),
            Relu::HardSwish(p) => lookup_table(|x, y| hard_swish_s8(p, x, &[], y)),
            _ => Vec::new(),
        }
    }
}

fn lowered(cx: &LowerCx, op: Relu) -> Result<Lowered, CompileError> {
    let kernel = Activation { packed: op.lookup_table(), op };
    Ok(Lowered { kernel: Box::new(kernel), inputs: vec![cx.input_id(0)?], outputs: vec![cx.output_id(0)?] })
}

/// Lowers a RELU operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let (dtype, in_scale, in_zp, out_scale, out_zp) = quantized_io(cx, "RELU", &[DType::I8, DType::I16])?;
    if dtype == DType::I16 && (in_zp != 0 || out_zp != 0) {
        // TFLM ReluPrepare: TF_LITE_ENSURE_EQ(zero_point, 0) for int16.
        return Err(cx.unsupported(format!("int16 zero points {in_zp} and {out_zp} (TFLM requires 0)")));
    }
    let (qmin, qmax) = type_range(dtype);
    let (multiplier, shift) = quantize_multiplier(in_scale as f64 / out_scale as f64);
    // act_min = zero_point + roundf(0 / scale) = zero_point; act_max is infinite: the
    // type's maximum.
    let params = ReluParams {
        multiplier,
        shift,
        input_zero_point: in_zp,
        output_zero_point: out_zp,
        activation_min: out_zp.max(qmin),
        activation_max: qmax,
    };
    lowered(cx, Relu::Relu(params, dtype == DType::I16))
}

/// Lowers a RELU6 operator: TFLM reads only the input quantization.
pub fn lower_relu6(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let (dtype, in_scale, in_zp, _, _) = quantized_io(cx, "RELU6", &[DType::I8, DType::I16])?;
    let (qmin, qmax) = type_range(dtype);
    // FloatToQuantizedType<T>(6.0f, scale, zero_point): round(6.0f / scale) in float,
    // plus the zero point, clamped to T (f64 holds the sum exactly).
    let six = ((6.0f32 / in_scale) as f64).round() + in_zp as f64;
    let params = Relu6Params { zero: in_zp, six: six.clamp(qmin as f64, qmax as f64) as i32 };
    lowered(cx, Relu::Relu6(params, dtype == DType::I16))
}

/// Lowers a LEAKY_RELU operator.
pub fn lower_leaky(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let alpha = match &cx.op.options {
        Options::LeakyRelu { alpha } => *alpha,
        _ => 0.0,
    };
    let (dtype, in_scale, in_zp, out_scale, out_zp) = quantized_io(cx, "LEAKY_RELU", &[DType::I8, DType::I16])?;
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
    lowered(cx, Relu::Leaky(params, dtype == DType::I16))
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
    let (_, in_scale, in_zp, out_scale, out_zp) = quantized_io(cx, "HARD_SWISH", &[DType::I8])?;
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

impl Kernel for Activation {
    fn op_name(&self) -> &'static str {
        match self.op {
            Relu::Relu(..) => "RELU",
            Relu::Relu6(..) => "RELU6",
            Relu::Leaky(..) => "LEAKY_RELU",
            Relu::HardSwish(_) => "HARD_SWISH",
        }
    }

    fn const_bytes(&self) -> usize {
        4 * self.packed.len()
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        let t = &self.packed[..];
        match &self.op {
            Relu::Relu(p, false) => io.run1(|i, o| relu_s8(p, i, t, o)),
            Relu::Relu(p, true) => io.run1(|i, o| relu_s16(p, i, o)),
            Relu::Relu6(p, false) => io.run1(|i, o| relu6_s8(p, i, t, o)),
            Relu::Relu6(p, true) => io.run1(|i, o| relu6_s16(p, i, o)),
            Relu::Leaky(p, false) => io.run1(|i, o| leaky_relu_s8(p, i, t, o)),
            Relu::Leaky(p, true) => io.run1(|i, o| leaky_relu_s16(p, i, o)),
            Relu::HardSwish(p) => io.run1(|i, o| hard_swish_s8(p, i, t, o)),
        }
    }

    fn in_place_inputs(&self) -> Vec<usize> {
        vec![0]
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::relu::*");
        e.use_path("tinyml_runtime::kernels::hard_swish::*");
        let suffix = |s16: &bool| if *s16 { "s16" } else { "s8" };
        let (f, p, s16) = match &self.op {
            Relu::Relu(p, s16) => (format!("relu_{}", suffix(s16)), e.params("PARAMS", "ReluParams", p), *s16),
            Relu::Relu6(p, s16) => (format!("relu6_{}", suffix(s16)), e.params("PARAMS", "Relu6Params", p), *s16),
            Relu::Leaky(p, s16) => {
                (format!("leaky_relu_{}", suffix(s16)), e.params("PARAMS", "LeakyReluParams", p), *s16)
            }
            Relu::HardSwish(p) => ("hard_swish_s8".to_owned(), e.params("PARAMS", "HardSwishParams", p), false),
        };
        if s16 {
            return Call::new(f, vec![p, Arg::Input(0), Arg::Output]);
        }
        let table = e.packed_or_none("TABLE", &self.packed);
        Call::new(f, vec![p, Arg::Input(0), table, Arg::Output])
    }
}

#[cfg(test)]
mod tests {
    use crate::error::CompileError;
    use crate::graph::{opcode, DType, Options, Tensor};
    use crate::ops::{testing, Lowered};

    fn tensor(name: &str, dtype: DType, scale: f32, zero_point: i64) -> Tensor {
        testing::tensor_data(name, dtype, &[1, 8], Some((scale, zero_point)), None)
    }

    /// A one-operator graph `op(in) -> out`.
    fn lower(code: i32, input: Tensor, output: Tensor) -> Result<Lowered, CompileError> {
        let options = if code == opcode::LEAKY_RELU { Options::LeakyRelu { alpha: 0.2 } } else { Options::None };
        testing::lower_io(code, vec![input], output, options)
    }

    #[test]
    fn lowers_each_op_on_its_types() {
        for code in [opcode::RELU, opcode::RELU6, opcode::LEAKY_RELU, opcode::HARD_SWISH] {
            lower(code, tensor("in", DType::I8, 0.05, 3), tensor("out", DType::I8, 0.04, -5)).expect("int8");
        }
        for code in [opcode::RELU, opcode::RELU6, opcode::LEAKY_RELU] {
            lower(code, tensor("in", DType::I16, 0.001, 0), tensor("out", DType::I16, 0.002, 0)).expect("int16");
        }
    }

    #[test]
    fn refuses_what_tflm_refuses_by_name() {
        // int16 HARD_SWISH: TFLM prepares int8 only.
        let e = lower(opcode::HARD_SWISH, tensor("in", DType::I16, 0.001, 0), tensor("out", DType::I16, 0.001, 0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("HARD_SWISH from INT16 to INT16 (supported: INT8 to INT8)"), "{e}");
        // int16 RELU with a zero point: TFLM's ReluPrepare requires 0.
        let e = lower(opcode::RELU, tensor("in", DType::I16, 0.001, 4), tensor("out", DType::I16, 0.001, 0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("TFLM requires 0"), "{e}");
        // Mixed types.
        let e = lower(opcode::LEAKY_RELU, tensor("in", DType::I8, 0.1, 0), tensor("out", DType::I16, 0.1, 0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("LEAKY_RELU from INT8 to INT16"), "{e}");
        // HARD_SWISH whose output scale is below input scale / 128 (a left shift).
        let e = lower(opcode::HARD_SWISH, tensor("in", DType::I8, 1.0, 0), tensor("out", DType::I8, 0.001, 0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("TFLM needs a right shift"), "{e}");
        // TFLM registers no RELU_N1_TO_1 kernel.
        let e = lower(opcode::RELU_N1_TO_1, tensor("in", DType::I8, 0.1, 0), tensor("out", DType::I8, 0.1, 0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("RELU_N1_TO_1") && e.contains("not supported"), "{e}");
    }
}
