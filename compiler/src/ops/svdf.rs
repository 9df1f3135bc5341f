//! SVDF: int8 input and output with int8 feature weights, int32 bias and int16 or int8
//! time weights and activation state (of one type); or float32 throughout. Prepare logic
//! from TFLM `svdf_common.cc` (`PrepareSvdf`). The activation state is a variable tensor
//! the kernel updates in place ([`Arg::State`]); TFLM resets it once and keeps it across
//! invokes.

use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::quantize_multiplier;
use crate::graph::{Activation, DType, Options, Tensor};
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::svdf::{svdf_f32, svdf_s8, SvdfF32Params, SvdfParams};

const INPUT: usize = 0;
const WEIGHTS_FEATURE: usize = 1;
const WEIGHTS_TIME: usize = 2;
const BIAS: usize = 3;
const STATE: usize = 4;

/// A lowered SVDF layer.
#[derive(Debug)]
pub enum Svdf {
    /// int8 with int16 time weights and state.
    S8S16 { params: SvdfParams, weights_feature: Vec<i8>, weights_time: Vec<i16>, bias: Vec<i32> },
    /// int8 with int8 time weights and state.
    S8S8 { params: SvdfParams, weights_feature: Vec<i8>, weights_time: Vec<i8>, bias: Vec<i32> },
    /// float32.
    F32 { params: SvdfF32Params, weights_feature: Vec<f32>, weights_time: Vec<f32>, bias: Vec<f32> },
}

/// The layer's dimensions, checked as `PrepareSvdf` checks them.
struct Dims {
    batches: usize,
    input_size: usize,
    num_filters: usize,
    rank: usize,
    memory_size: usize,
    num_units: usize,
}

fn dims(cx: &LowerCx, rank: usize) -> Result<Dims, CompileError> {
    let input = cx.input(INPUT)?;
    let wf = cx.input(WEIGHTS_FEATURE)?;
    let wt = cx.input(WEIGHTS_TIME)?;
    let state = cx.input(STATE)?;
    let output = cx.output(0)?;
    for (t, role) in [(input, "input"), (wf, "weights_feature"), (wt, "weights_time"), (state, "activation state")] {
        if t.shape.len() != 2 {
            return Err(cx.invalid(format!("{role} '{}' has shape {:?}, expected 2 dimensions", t.name, t.shape)));
        }
    }
    let (batches, input_size) = (input.shape[0], input.shape[1]);
    let num_filters = wf.shape[0];
    if num_filters % rank != 0 {
        return Err(cx.invalid(format!("{num_filters} filters are not a multiple of rank {rank}")));
    }
    let num_units = num_filters / rank;
    let memory_size = wt.shape[1];
    if wf.shape[1] != input_size {
        return Err(cx.invalid(format!(
            "weights_feature '{}' has shape {:?}, expected rows of the input's {input_size}",
            wf.name, wf.shape
        )));
    }
    if wt.shape[0] != num_filters {
        return Err(cx.invalid(format!(
            "weights_time '{}' has shape {:?}, expected {num_filters} rows (one per filter)",
            wt.name, wt.shape
        )));
    }
    if state.shape != [batches, memory_size * num_filters] {
        return Err(cx.invalid(format!(
            "activation state '{}' has shape {:?}, expected [{batches}, {}] (batches, memory {memory_size} x {num_filters} filters)",
            state.name,
            state.shape,
            memory_size * num_filters
        )));
    }
    if output.shape != [batches, num_units] {
        return Err(cx.invalid(format!(
            "output '{}' has shape {:?}, expected [{batches}, {num_units}]",
            output.name, output.shape
        )));
    }
    if memory_size == 0 || num_filters == 0 || input_size == 0 {
        return Err(
            cx.invalid(format!("empty layer: {input_size} inputs, {num_filters} filters, memory {memory_size}"))
        );
    }
    Ok(Dims { batches, input_size, num_filters, rank, memory_size, num_units })
}

/// Constant data of input `k` as little-endian values of `N` bytes.
fn const_values<T, const N: usize>(cx: &LowerCx, k: usize, from: fn([u8; N]) -> T) -> Result<Vec<T>, CompileError> {
    let t = cx.input(k)?;
    let data = t.data.as_deref().ok_or_else(|| cx.unsupported(format!("input {k} ('{}') must be constant", t.name)))?;
    let values: Vec<T> = data.chunks_exact(N).map(|c| from(c.try_into().expect("chunk of N bytes"))).collect();
    if values.len() != t.elements() {
        return Err(cx.invalid(format!("'{}' holds {} bytes for {} elements", t.name, data.len(), t.elements())));
    }
    Ok(values)
}

fn per_tensor(cx: &LowerCx, t: &Tensor, role: &str) -> Result<(f32, i32), CompileError> {
    if t.quant.as_ref().is_some_and(|q| q.scale.len() > 1) {
        return Err(cx.unsupported(format!("per-channel quantized {role} '{}' (per-tensor only)", t.name)));
    }
    let (scale, zp) = cx.quant_of(t, role)?;
    if !(scale.is_finite() && scale > 0.0) {
        return Err(cx.invalid(format!("{role} '{}' has scale {scale}", t.name)));
    }
    let zp = i32::try_from(zp).map_err(|_| cx.invalid(format!("{role} '{}' has zero point {zp}", t.name)))?;
    Ok((scale, zp))
}

/// Lowers an SVDF operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let (rank, activation) = match &cx.op.options {
        Options::Svdf { rank, activation, .. } => (*rank, *activation),
        _ => return Err(cx.invalid("SVDF without SVDFOptions (its rank)")),
    };
    if cx.op.inputs.len() != 5 {
        return Err(cx.invalid(format!("{} inputs (SVDF has 5)", cx.op.inputs.len())));
    }
    if cx.op.outputs.len() != 1 {
        return Err(cx.invalid(format!("{} outputs (SVDF has 1)", cx.op.outputs.len())));
    }
    let input = cx.expect_input_type(INPUT, &[DType::I8, DType::F32])?;
    let state = cx.input(STATE)?;
    if !state.is_variable {
        return Err(cx.unsupported(format!(
            "activation state '{}' is not a variable tensor (TFLM requires is_variable)",
            state.name
        )));
    }
    // TFLM's Prepare reads the bias's quantization unconditionally and its Eval takes
    // five inputs, so a layer without bias does not run there.
    let Some(bias) = cx.optional_input(BIAS) else {
        return Err(cx.unsupported("SVDF without bias (TFLM's PrepareSvdf requires one)"));
    };
    let d = dims(cx, rank)?;
    if bias.elements() != d.num_units || bias.shape.first() != Some(&d.num_units) {
        return Err(cx.invalid(format!(
            "bias '{}' has shape {:?}, expected [{}] (one per unit)",
            bias.name, bias.shape, d.num_units
        )));
    }
    for (k, t) in [(WEIGHTS_FEATURE, "weights_feature"), (WEIGHTS_TIME, "weights_time"), (BIAS, "bias")] {
        if cx.input(k)?.data.is_none() {
            return Err(cx.unsupported(format!("{t} '{}' must be constant", cx.input(k)?.name)));
        }
    }
    if input.dtype == DType::F32 {
        return lower_f32(cx, d, activation);
    }
    lower_s8(cx, d)
}

fn lower_s8(cx: &LowerCx, d: Dims) -> Result<Lowered, CompileError> {
    let input = cx.input(INPUT)?;
    cx.expect_input_type(WEIGHTS_FEATURE, &[DType::I8])?;
    let wt = cx.expect_input_type(WEIGHTS_TIME, &[DType::I16, DType::I8])?;
    let state = cx.expect_input_type(STATE, &[DType::I16, DType::I8])?;
    let bias = cx.expect_input_type(BIAS, &[DType::I32])?;
    let output = cx.output(0)?;
    if output.dtype != DType::I8 {
        return Err(cx.unsupported(format!("output type {} (supported: INT8)", output.dtype.tflite_name())));
    }
    // TFLM picks the kernel instance by the time weights' type and reads the state as
    // that type too.
    if state.dtype != wt.dtype {
        return Err(cx.unsupported(format!(
            "activation state '{}' of type {} with {} time weights (TFLM reads the state as the time weights' type)",
            state.name,
            state.dtype.tflite_name(),
            wt.dtype.tflite_name()
        )));
    }
    let (in_s, in_zp) = per_tensor(cx, input, "input")?;
    let (wf_s, _) = per_tensor(cx, cx.input(WEIGHTS_FEATURE)?, "weights_feature")?;
    let (wt_s, _) = per_tensor(cx, wt, "weights_time")?;
    let (st_s, st_zp) = per_tensor(cx, state, "activation state")?;
    let (b_s, _) = per_tensor(cx, bias, "bias")?;
    let (out_s, out_zp) = per_tensor(cx, output, "output")?;
    // TFLM's ENSURE: the bias scale is the state scale times the time weights' scale
    // (the product in float).
    if (b_s as f64 - (st_s * wt_s) as f64).abs() >= 1e-5 {
        return Err(cx.unsupported(format!(
            "bias '{}' scale {b_s} is not activation state scale x weights_time scale ({})",
            bias.name,
            st_s * wt_s
        )));
    }
    // effective_scale_1 and _2: the scale arithmetic in float, widened to double.
    let (feature_multiplier, feature_shift) = quantize_multiplier((in_s * wf_s / st_s) as f64);
    let (output_multiplier, output_shift) = quantize_multiplier((st_s * wt_s / out_s) as f64);
    let params = SvdfParams {
        batches: d.batches,
        input_size: d.input_size,
        num_filters: d.num_filters,
        rank: d.rank,
        memory_size: d.memory_size,
        input_zero_point: in_zp,
        state_zero_point: st_zp,
        output_zero_point: out_zp,
        feature_multiplier,
        feature_shift,
        output_multiplier,
        output_shift,
    };
    let weights_feature = cx.const_i8(WEIGHTS_FEATURE)?;
    let bias = const_values(cx, BIAS, i32::from_le_bytes)?;
    let kernel = if wt.dtype == DType::I16 {
        Svdf::S8S16 { params, weights_feature, weights_time: const_values(cx, WEIGHTS_TIME, i16::from_le_bytes)?, bias }
    } else {
        Svdf::S8S8 { params, weights_feature, weights_time: cx.const_i8(WEIGHTS_TIME)?, bias }
    };
    lowered(cx, kernel)
}

fn lower_f32(cx: &LowerCx, d: Dims, activation: Activation) -> Result<Lowered, CompileError> {
    for k in [WEIGHTS_FEATURE, WEIGHTS_TIME, BIAS, STATE] {
        cx.expect_input_type(k, &[DType::F32])?;
    }
    let output = cx.output(0)?;
    if output.dtype != DType::F32 {
        return Err(cx.unsupported(format!("output type {} (supported: FLOAT32)", output.dtype.tflite_name())));
    }
    // ActivationValFloat: std::max(lo, std::min(x, hi)) for the clamping activations.
    let (clamp_min, activation_min, clamp_max, activation_max) = match activation {
        Activation::None => (false, 0.0, false, 0.0),
        Activation::Relu => (true, 0.0, false, 0.0),
        Activation::Relu6 => (true, 0.0, true, 6.0),
        Activation::ReluN1To1 => (true, -1.0, true, 1.0),
        Activation::Tanh | Activation::SignBit => {
            return Err(cx.unsupported(format!("fused activation {activation:?} on a float32 SVDF")))
        }
    };
    let params = SvdfF32Params {
        batches: d.batches,
        input_size: d.input_size,
        num_filters: d.num_filters,
        rank: d.rank,
        memory_size: d.memory_size,
        clamp_min,
        activation_min,
        clamp_max,
        activation_max,
    };
    let kernel = Svdf::F32 {
        params,
        weights_feature: const_values(cx, WEIGHTS_FEATURE, f32::from_le_bytes)?,
        weights_time: const_values(cx, WEIGHTS_TIME, f32::from_le_bytes)?,
        bias: const_values(cx, BIAS, f32::from_le_bytes)?,
    };
    lowered(cx, kernel)
}

fn lowered(cx: &LowerCx, kernel: Svdf) -> Result<Lowered, CompileError> {
    // Arena inputs: 0 the input, 1 the activation state (updated in place).
    Ok(Lowered {
        kernel: Box::new(kernel),
        inputs: vec![cx.input_id(INPUT)?, cx.input_id(STATE)?],
        outputs: vec![cx.output_id(0)?],
    })
}

impl Kernel for Svdf {
    fn op_name(&self) -> &'static str {
        "SVDF"
    }

    fn macs(&self) -> u64 {
        let (b, i, f, m) = match self {
            Svdf::S8S16 { params: p, .. } | Svdf::S8S8 { params: p, .. } => {
                (p.batches, p.input_size, p.num_filters, p.memory_size)
            }
            Svdf::F32 { params: p, .. } => (p.batches, p.input_size, p.num_filters, p.memory_size),
        };
        (b * f * (i + m)) as u64
    }

    fn const_bytes(&self) -> usize {
        match self {
            Svdf::S8S16 { weights_feature, weights_time, bias, .. } => {
                weights_feature.len() + 2 * weights_time.len() + 4 * bias.len()
            }
            Svdf::S8S8 { weights_feature, weights_time, bias, .. } => {
                weights_feature.len() + weights_time.len() + 4 * bias.len()
            }
            Svdf::F32 { weights_feature, weights_time, bias, .. } => {
                4 * (weights_feature.len() + weights_time.len() + bias.len())
            }
        }
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        let mut v = io.views();
        match self {
            Svdf::S8S16 { params, weights_feature, weights_time, bias } => {
                let (input, state, output) = (v.input::<i8>(0)?, v.state::<i16>(1)?, v.output::<i8>(0)?);
                svdf_s8(params, input, weights_feature, weights_time, bias, state, output);
            }
            Svdf::S8S8 { params, weights_feature, weights_time, bias } => {
                let (input, state, output) = (v.input::<i8>(0)?, v.state::<i8>(1)?, v.output::<i8>(0)?);
                svdf_s8(params, input, weights_feature, weights_time, bias, state, output);
            }
            Svdf::F32 { params, weights_feature, weights_time, bias } => {
                let (input, state, output) = (v.input::<f32>(0)?, v.state::<f32>(1)?, v.output::<f32>(0)?);
                svdf_f32(params, input, weights_feature, weights_time, bias, state, output);
            }
        }
        Ok(())
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::svdf::*");
        // The parameters, then the weight and bias tables, in one order for every type.
        let (function, state_type, mut args) = match self {
            Svdf::S8S16 { params, weights_feature, weights_time, bias } => (
                "svdf_s8",
                Some(DType::I16),
                vec![
                    e.params("PARAMS", "SvdfParams", params),
                    Arg::Input(0),
                    e.table("WEIGHTS_FEATURE", weights_feature),
                    e.table("WEIGHTS_TIME", weights_time),
                    e.table("BIAS", bias),
                ],
            ),
            Svdf::S8S8 { params, weights_feature, weights_time, bias } => (
                "svdf_s8",
                Some(DType::I8),
                vec![
                    e.params("PARAMS", "SvdfParams", params),
                    Arg::Input(0),
                    e.table("WEIGHTS_FEATURE", weights_feature),
                    e.table("WEIGHTS_TIME", weights_time),
                    e.table("BIAS", bias),
                ],
            ),
            Svdf::F32 { params, weights_feature, weights_time, bias } => (
                "svdf_f32",
                None,
                vec![
                    e.params("PARAMS", "SvdfF32Params", params),
                    Arg::Input(0),
                    e.table("WEIGHTS_FEATURE", weights_feature),
                    e.table("WEIGHTS_TIME", weights_time),
                    e.table("BIAS", bias),
                ],
            ),
        };
        args.extend([Arg::State(1), Arg::Output]);
        let call = Call::new(function, args);
        match state_type {
            Some(t) => call.with_inferred_types(&[t]),
            None => call,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::error::CompileError;
    use crate::graph::{opcode, Activation, DType, Graph, OpCode, Operator, Options, Quant, Tensor};
    use crate::ops::Lowered;

    fn tensor(name: &str, shape: &[usize], dtype: DType, scale: f32, zero_point: i64) -> Tensor {
        Tensor {
            name: name.to_owned(),
            shape: shape.to_vec(),
            dtype,
            quant: (dtype != DType::F32).then(|| Quant { scale: vec![scale], zero_point: vec![zero_point], axis: 0 }),
            data: None,
            is_variable: false,
        }
    }

    fn constant(mut t: Tensor) -> Tensor {
        t.data = Some(vec![0; t.elements() * t.dtype.size()]);
        t
    }

    /// An SVDF of 1x6 inputs, 4 filters of rank 2, memory 3; `edit` changes the graph.
    fn lower(time: DType, edit: impl FnOnce(&mut Graph)) -> Result<Lowered, CompileError> {
        let (st_s, wt_s) = (0.02f32, 0.003f32);
        let float = time == DType::F32;
        let (io, bias) = if float { (DType::F32, DType::F32) } else { (DType::I8, DType::I32) };
        let mut state = tensor("state", &[1, 12], time, st_s, 0);
        state.is_variable = true;
        let mut g = Graph {
            tensors: vec![
                tensor("input", &[1, 6], io, 0.05, 3),
                constant(tensor("weights_feature", &[4, 6], io, 0.01, 0)),
                constant(tensor("weights_time", &[4, 3], time, wt_s, 0)),
                constant(tensor("bias", &[2], bias, st_s * wt_s, 0)),
                state,
                tensor("output", &[1, 2], io, 0.04, -5),
            ],
            operators: vec![Operator {
                index: 0,
                opcode: OpCode::Builtin(opcode::SVDF),
                inputs: vec![Some(0), Some(1), Some(2), Some(3), Some(4)],
                outputs: vec![5],
                options: Options::Svdf { rank: 2, activation: Activation::Relu, asymmetric_quantize_inputs: false },
                custom_options: Vec::new(),
            }],
            inputs: vec![0],
            outputs: vec![5],
            description: String::new(),
        };
        edit(&mut g);
        crate::ops::lower(&g, &g.operators[0])
    }

    fn refusal(time: DType, edit: impl FnOnce(&mut Graph)) -> String {
        lower(time, edit).unwrap_err().to_string()
    }

    #[test]
    fn lowers_int16_int8_and_float_state() {
        for time in [DType::I16, DType::I8, DType::F32] {
            let l = lower(time, |_| {}).unwrap_or_else(|e| panic!("{time:?}: {e}"));
            // The input and the state are arena tensors; the weights are folded in.
            assert_eq!(l.inputs, [0, 4]);
        }
    }

    #[test]
    fn refuses_what_tflm_refuses_by_name() {
        let e = refusal(DType::I16, |g| g.tensors[4].is_variable = false);
        assert!(e.contains("'state' is not a variable tensor"), "{e}");
        let e = refusal(DType::I16, |g| g.operators[0].inputs[3] = None);
        assert!(e.contains("SVDF without bias"), "{e}");
        let e = refusal(DType::I16, |g| {
            g.tensors[4].dtype = DType::I8;
        });
        assert!(e.contains("TFLM reads the state as the time weights' type"), "{e}");
        let e = refusal(DType::I16, |g| g.tensors[3].quant.as_mut().unwrap().scale[0] = 0.01);
        assert!(e.contains("is not activation state scale x weights_time scale"), "{e}");
        let e = refusal(DType::I8, |g| g.tensors[5].dtype = DType::I16);
        assert!(e.contains("output type INT16"), "{e}");
        let e = refusal(DType::F32, |g| {
            g.operators[0].options =
                Options::Svdf { rank: 2, activation: Activation::Tanh, asymmetric_quantize_inputs: false }
        });
        assert!(e.contains("Tanh on a float32 SVDF"), "{e}");
    }

    #[test]
    fn refuses_inconsistent_shapes() {
        let e = refusal(DType::I16, |g| {
            g.operators[0].options =
                Options::Svdf { rank: 3, activation: Activation::None, asymmetric_quantize_inputs: false }
        });
        assert!(e.contains("4 filters are not a multiple of rank 3"), "{e}");
        let e = refusal(DType::I16, |g| g.tensors[4].shape = vec![1, 10]);
        assert!(e.contains("expected [1, 12]"), "{e}");
        let e = refusal(DType::I16, |g| g.tensors[5].shape = vec![1, 4]);
        assert!(e.contains("output 'output' has shape [1, 4], expected [1, 2]"), "{e}");
        let e = refusal(DType::I16, |g| g.tensors[3] = constant(tensor("bias", &[4], DType::I32, 0.02 * 0.003, 0)));
        assert!(e.contains("expected [2] (one per unit)"), "{e}");
    }
}
