//! UNIDIRECTIONAL_SEQUENCE_LSTM: int8 activations with int32 biases, or int16
//! activations with int64 biases; int8 weights (per tensor), an int16 cell state, the
//! hidden and cell states as variable tensors kept between invokes. Prepare logic from
//! TFLM `lstm_eval_common.cc` (`UnidirectionalSequenceLstmPrepare`,
//! `PrepareGateParametersInteger`, `CreateLstmCellStateInfo`) and `lstm_eval.cc`
//! (`LstmTensors::ValidateTensorStatus`, the int16 `Tanh` of the cell state).
//!
//! TFLM's micro LSTM is the standard (Keras) one: it refuses peephole, projection and
//! layer-norm tensors and needs the input gate (no CIFG). It ignores the converter's
//! intermediate tensors: every gate's fully connected layers are requantized to Q3.12
//! (scale 2^-12) and the gates' outputs are Q0.15, whatever the intermediates say.

use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::quantize_multiplier;
use crate::graph::{Activation, DType, Options, Tensor, TensorId};
use crate::kernel::{Arg, Call, Emitter, OpIo};
use tinyml_runtime::kernels::lstm::{lstm_s16, lstm_s8, LstmGateParams, LstmMulParams, LstmParams};
use tinyml_runtime::kernels::sigmoid::Sigmoid16Params;

/// Input positions (TFLM `lstm_shared.h`).
const INPUT: usize = 0;
/// Input-to-gate weights (input, forget, cell, output gate), then recurrent weights.
const WEIGHTS: std::ops::Range<usize> = 1..9;
/// Peephole weights (cell to input, forget, output gate).
const PEEPHOLE: std::ops::Range<usize> = 9..12;
/// Gate biases (input, forget, cell, output gate).
const BIASES: std::ops::Range<usize> = 12..16;
/// Projection weights and bias.
const PROJECTION: std::ops::Range<usize> = 16..18;
const OUTPUT_STATE: usize = 18;
const CELL_STATE: usize = 19;
/// Layer-norm coefficients (input, forget, cell, output gate).
const LAYER_NORM: std::ops::Range<usize> = 20..24;

/// Scale of a gate's input (Q3.12) and output (Q0.15), TFLM's fixed choices.
const GATE_INPUT_SCALE: f64 = 1.0 / 4096.0;
const GATE_OUTPUT_SCALE: f64 = 1.0 / 32768.0;

/// A lowered LSTM.
#[derive(Debug)]
pub struct Lstm {
    params: LstmParams,
    /// Input weights of the four gates, then their recurrent weights.
    weights: Vec<i8>,
    bias: Bias,
}

/// The gate biases by activation type (int32 for int8, int64 for int16).
#[derive(Debug)]
enum Bias {
    I32(Vec<i32>),
    I64(Vec<i64>),
}

/// Lowers an UNIDIRECTIONAL_SEQUENCE_LSTM operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let Options::UnidirectionalSequenceLstm { activation, cell_clip, time_major, .. } = cx.op.options else {
        return Err(cx.invalid("missing UnidirectionalSequenceLSTMOptions"));
    };
    if cx.op.inputs.len() != 24 || cx.op.outputs.len() != 1 {
        return Err(cx.invalid(format!(
            "{} inputs and {} outputs (TFLM requires 24 and 1)",
            cx.op.inputs.len(),
            cx.op.outputs.len()
        )));
    }
    let input = cx.expect_input_type(INPUT, &[DType::I8, DType::I16])?;
    let int16 = input.dtype == DType::I16;
    for (range, what) in [(PEEPHOLE, "peephole"), (PROJECTION, "projection"), (LAYER_NORM, "layer normalization")] {
        if let Some(k) = range.clone().find(|&k| cx.optional_input(k).is_some()) {
            return Err(cx.unsupported(format!(
                "input {k} ({}): TFLM's LSTM has no {what} (the standard Keras LSTM only)",
                cx.tensor_name(cx.input_id(k)?)
            )));
        }
    }
    let output_state = state(cx, OUTPUT_STATE, "output state", input.dtype)?;
    let cell_state = state(cx, CELL_STATE, "cell state", DType::I16)?;
    let output = cx.output(0)?;
    if output.dtype != input.dtype {
        return Err(cx.unsupported(format!(
            "output '{}' of type {} (TFLM requires the input's type, {})",
            output.name,
            output.dtype.tflite_name(),
            input.dtype.tflite_name()
        )));
    }
    if activation != Activation::Tanh {
        return Err(cx.unsupported(format!("cell gate activation {activation:?} (TFLM runs TANH only)")));
    }

    // Sizes (TFLM `CreateLstmSizeInfo`, `ValidateTensorSize`).
    if input.shape.len() != 3 {
        return Err(cx.invalid(format!("input '{}' has shape {:?}, expected 3 dimensions", input.name, input.shape)));
    }
    let (time_steps, batches) =
        if time_major { (input.shape[0], input.shape[1]) } else { (input.shape[1], input.shape[0]) };
    let input_size = input.shape[2];
    if output_state.shape.len() != 2 {
        return Err(cx.invalid(format!(
            "output state '{}' has shape {:?}, expected [batch, units]",
            output_state.name, output_state.shape
        )));
    }
    let state_size = output_state.shape[1];
    for t in [output_state, cell_state] {
        if t.elements() != batches * state_size {
            return Err(cx.invalid(format!(
                "state '{}' has {} elements, expected {batches} x {state_size}",
                t.name,
                t.elements()
            )));
        }
    }
    if output.shape.len() != 3 || output.shape[..2] != input.shape[..2] || output.shape[2] != state_size {
        return Err(cx.invalid(format!(
            "output '{}' has shape {:?}, expected [{}, {}, {state_size}]",
            output.name, output.shape, input.shape[0], input.shape[1]
        )));
    }

    let (in_scale, in_zp) = cx.quant_of(input, "input")?;
    let (hidden_scale, hidden_zp) = cx.quant_of(output_state, "output state")?;
    let (cell_scale, _) = cx.quant_of(cell_state, "cell state")?;
    if int16 && in_zp != 0 {
        return Err(cx.unsupported(format!("int16 input '{}' must have zero point 0 (it has {in_zp})", input.name)));
    }

    // The gates' fully connected layers (TFLM `CreateGateParams`): the input's and the
    // hidden state's scale times the weights' over Q3.12, in double.
    let mut weights = Vec::new();
    let mut gates = Vec::new();
    for k in WEIGHTS.take(4) {
        let (w_in, s_in, zp_in) = weight(cx, k, [state_size, input_size])?;
        let (w_rec, s_rec, zp_rec) = weight(cx, k + 4, [state_size, state_size])?;
        let (input_multiplier, input_shift) = quantize_multiplier(in_scale as f64 * s_in as f64 / GATE_INPUT_SCALE);
        let (recurrent_multiplier, recurrent_shift) =
            quantize_multiplier(hidden_scale as f64 * s_rec as f64 / GATE_INPUT_SCALE);
        gates.push(LstmGateParams {
            input_multiplier,
            input_shift,
            input_filter_offset: -(zp_in as i32),
            recurrent_multiplier,
            recurrent_shift,
            recurrent_filter_offset: -(zp_rec as i32),
        });
        weights.push((w_in, w_rec));
    }
    let weights: Vec<i8> =
        weights.iter().flat_map(|w| w.0.iter()).chain(weights.iter().flat_map(|w| w.1.iter())).copied().collect();
    let bias = biases(cx, int16, state_size)?;

    // TFLM `CreateInterGateMulParams`: products of Q0.15 gates (and the cell state).
    let mul = |a: f64, b: f64, out: f64| {
        let (multiplier, shift) = quantize_multiplier(a * b / out);
        LstmMulParams { multiplier, shift }
    };
    let cell = cell_scale as f64;
    let forget_mul = mul(GATE_OUTPUT_SCALE, cell, cell);
    let input_mul = mul(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, cell);
    let hidden_mul = mul(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, hidden_scale as f64);

    // TFLM `CreateLstmCellStateInfo`: clipping applies when the float clip is positive
    // (this TFLM does not check its sign: a negative clip means none), its quantized
    // bound truncated toward zero.
    let cell_clip = if cell_clip > 0.0 { (cell_clip as f64 / cell).clamp(-32768.0, 32767.0) as i16 as i32 } else { -1 };
    let cell_tanh = cell_tanh(cx, cell_state, cell_scale)?;

    let params = LstmParams {
        batches,
        time_steps,
        input_size,
        state_size,
        time_major,
        // TFLM's int16 fully connected layer has no input offset.
        input_offset: if int16 { 0 } else { -(in_zp as i32) },
        hidden_offset: if int16 { 0 } else { -(hidden_zp as i32) },
        input_gate: gates[0],
        forget_gate: gates[1],
        cell_gate: gates[2],
        output_gate: gates[3],
        forget_mul,
        input_mul,
        hidden_mul,
        hidden_zero_point: hidden_zp as i32,
        cell_clip,
        cell_tanh,
    };
    let kernel = Lstm { params, weights, bias };
    Ok(Lowered {
        kernel: Box::new(kernel),
        inputs: vec![cx.input_id(INPUT)?, cx.input_id(OUTPUT_STATE)?, cx.input_id(CELL_STATE)?],
        outputs: vec![cx.output_id(0)?],
    })
}

/// A state input: present, variable (TFLM requires it), of type `dtype`.
fn state<'g>(cx: &LowerCx<'g>, k: usize, role: &str, dtype: DType) -> Result<&'g Tensor, CompileError> {
    let id: TensorId = cx.input_id(k)?;
    let t = cx.input(k)?;
    if !t.is_variable {
        return Err(cx.unsupported(format!(
            "{role} {} is not a variable tensor (TFLM requires the LSTM state to be variable)",
            cx.tensor_name(id)
        )));
    }
    if t.dtype != dtype {
        return Err(cx.unsupported(format!(
            "{role} {} has type {} (TFLM requires {} here)",
            cx.tensor_name(id),
            t.dtype.tflite_name(),
            dtype.tflite_name()
        )));
    }
    Ok(t)
}

/// Constant int8 weights of `shape`, quantized per tensor: values, scale, zero point.
fn weight(cx: &LowerCx, k: usize, shape: [usize; 2]) -> Result<(Vec<i8>, f32, i64), CompileError> {
    let t = cx.expect_input_type(k, &[DType::I8])?;
    let name = cx.tensor_name(cx.input_id(k)?);
    if t.shape != shape {
        return Err(cx.invalid(format!("weights {name} have shape {:?}, expected {shape:?}", t.shape)));
    }
    if t.quant.as_ref().is_some_and(|q| q.scale.len() > 1) {
        return Err(cx.unsupported(format!("per-channel quantized weights {name} (TFLM's LSTM: per tensor)")));
    }
    let (scale, zp) = cx.quant_of(t, "weights")?;
    Ok((cx.const_i8(k)?, scale, zp))
}

/// The four gate biases: int32 with int8 activations, int64 with int16 ones.
fn biases(cx: &LowerCx, int16: bool, state_size: usize) -> Result<Bias, CompileError> {
    let dtype = if int16 { DType::I64 } else { DType::I32 };
    let mut values = Vec::new();
    for k in BIASES {
        let t = cx.expect_input_type(k, &[dtype])?;
        if t.shape != [state_size] {
            return Err(cx.invalid(format!(
                "bias {} has shape {:?}, expected [{state_size}]",
                cx.tensor_name(cx.input_id(k)?),
                t.shape
            )));
        }
        let data = t.data.as_deref().ok_or_else(|| {
            cx.unsupported(format!("bias {} must be constant", cx.tensor_name(cx.input_id(k).unwrap_or(0))))
        })?;
        values.extend(data.chunks_exact(dtype.size()).map(|c| match *c {
            [a, b, c, d] => i32::from_le_bytes([a, b, c, d]) as i64,
            _ => i64::from_le_bytes(c.try_into().unwrap_or([0; 8])),
        }));
    }
    Ok(if int16 { Bias::I64(values) } else { Bias::I32(values.into_iter().map(|v| v as i32).collect()) })
}

/// The int16 tanh of the cell state (TFLM `lstm_internal::Tanh`): the cell scale as a
/// power of two (`CheckedLog2`, in float, rounded), the input shifted into Q3.12 and
/// multiplied by 3 (TFLM's power-of-two case).
fn cell_tanh(cx: &LowerCx, cell_state: &Tensor, scale: f32) -> Result<Sigmoid16Params, CompileError> {
    let power = (scale.ln() * (1.0f32 / 2f32.ln())).round() as i32;
    let left_shift = 15 + power - 3;
    if !(-31..=14).contains(&left_shift) {
        return Err(cx.unsupported(format!(
            "cell state '{}' scale {scale} (2^{power}): TFLM's int16 tanh needs 2^-43 to 2^2",
            cell_state.name
        )));
    }
    // TFLM passes multiplier 0 for a left shift, which its Tanh turns into `3 << shift`.
    Ok(if left_shift >= 0 {
        Sigmoid16Params { input_multiplier: 3 << left_shift, input_left_shift: 0 }
    } else {
        Sigmoid16Params { input_multiplier: 3, input_left_shift: -left_shift }
    })
}

impl Kernel for Lstm {
    fn op_name(&self) -> &'static str {
        "UNIDIRECTIONAL_SEQUENCE_LSTM"
    }

    fn macs(&self) -> u64 {
        let p = &self.params;
        (4 * p.state_size * (p.input_size + p.state_size) * p.batches * p.time_steps) as u64
    }

    fn const_bytes(&self) -> usize {
        self.weights.len()
            + match &self.bias {
                Bias::I32(b) => 4 * b.len(),
                Bias::I64(b) => 8 * b.len(),
            }
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        let mut v = io.views();
        match &self.bias {
            Bias::I32(bias) => {
                let (x, h, c, y) = (v.input::<i8>(0)?, v.state::<i8>(1)?, v.state::<i16>(2)?, v.output::<i8>(0)?);
                lstm_s8(&self.params, x, &self.weights, bias, h, c, y);
            }
            Bias::I64(bias) => {
                let (x, h, c, y) = (v.input::<i16>(0)?, v.state::<i16>(1)?, v.state::<i16>(2)?, v.output::<i16>(0)?);
                lstm_s16(&self.params, x, &self.weights, bias, h, c, y);
            }
        }
        Ok(())
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::lstm::*");
        let params = e.params("PARAMS", "LstmParams", &self.params);
        let weights = e.table("WEIGHTS", &self.weights);
        let (function, bias) = match &self.bias {
            Bias::I32(b) => ("lstm_s8", e.table("BIAS", b)),
            Bias::I64(b) => ("lstm_s16", e.table("BIAS", b)),
        };
        Call::new(function, vec![params, Arg::Input(0), weights, bias, Arg::State(1), Arg::State(2), Arg::Output])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{opcode, Graph, OpCode, Operator, Quant};

    const B: usize = 2;
    const T: usize = 3;
    const I: usize = 4;
    const S: usize = 5;

    fn tensor(name: &str, shape: &[usize], dtype: DType, scale: f32, data: Option<Vec<u8>>) -> Tensor {
        Tensor {
            name: name.to_owned(),
            shape: shape.to_vec(),
            dtype,
            quant: Some(Quant { scale: vec![scale], zero_point: vec![0], axis: 0 }),
            data,
            is_variable: false,
        }
    }

    /// A 24-input LSTM as TFLM accepts it (int8 or int16 activations), for `edit` to spoil.
    fn lower_with(act: DType, edit: impl FnOnce(&mut Graph)) -> Result<Lowered, CompileError> {
        let bias = if act == DType::I16 { DType::I64 } else { DType::I32 };
        let mut tensors = vec![tensor("input", &[B, T, I], act, 0.02, None)];
        let mut inputs = vec![Some(0)];
        for k in 0..8 {
            let cols = if k < 4 { I } else { S };
            tensors.push(tensor(&format!("w{k}"), &[S, cols], DType::I8, 0.01, Some(vec![1; S * cols])));
            inputs.push(Some(tensors.len() - 1));
        }
        inputs.extend([None, None, None]);
        for k in 0..4 {
            tensors.push(tensor(&format!("b{k}"), &[S], bias, 0.0002, Some(vec![0; S * bias.size()])));
            inputs.push(Some(tensors.len() - 1));
        }
        inputs.extend([None, None]);
        for (name, dtype, scale) in [("output_state", act, 1.0 / 128.0), ("cell_state", DType::I16, 1.0 / 2048.0)] {
            let mut t = tensor(name, &[B, S], dtype, scale, None);
            t.is_variable = true;
            tensors.push(t);
            inputs.push(Some(tensors.len() - 1));
        }
        inputs.extend([None, None, None, None]);
        tensors.push(tensor("output", &[B, T, S], act, 1.0 / 128.0, None));
        let output = tensors.len() - 1;
        let mut g = Graph {
            tensors,
            operators: vec![Operator {
                index: 0,
                opcode: OpCode::Builtin(opcode::UNIDIRECTIONAL_SEQUENCE_LSTM),
                inputs,
                outputs: vec![output],
                options: Options::UnidirectionalSequenceLstm {
                    activation: Activation::Tanh,
                    cell_clip: 0.0,
                    proj_clip: 0.0,
                    time_major: false,
                    asymmetric_quantize_inputs: false,
                    diagonal_recurrent_tensors: false,
                },
                custom_options: Vec::new(),
            }],
            inputs: vec![0],
            outputs: vec![output],
            description: String::new(),
        };
        edit(&mut g);
        crate::ops::lower(&g, &g.operators[0])
    }

    #[track_caller]
    fn refusal(edit: impl FnOnce(&mut Graph)) -> String {
        lower_with(DType::I8, edit).expect_err("refused").to_string()
    }

    #[test]
    fn lowers_int8_and_int16() {
        let l = lower_with(DType::I8, |_| {}).expect("int8");
        assert_eq!(l.inputs, [0, 13, 14]);
        assert_eq!(l.kernel.macs(), (4 * S * (I + S) * B * T) as u64);
        lower_with(DType::I16, |_| {}).expect("int16");
    }

    #[test]
    fn cell_scale_sets_the_tanh_rescaling() {
        let p = |scale: f32| {
            let t = tensor("c", &[1], DType::I16, scale, None);
            let g = Graph::default();
            let op = Operator {
                index: 0,
                opcode: OpCode::Builtin(opcode::UNIDIRECTIONAL_SEQUENCE_LSTM),
                inputs: vec![],
                outputs: vec![],
                options: Options::None,
                custom_options: Vec::new(),
            };
            cell_tanh(&LowerCx { graph: &g, op: &op }, &t, scale).map(|p| (p.input_multiplier, p.input_left_shift))
        };
        // 2^-11: one bit more than Q3.12, TFLM's `3 << 1`; 2^-12 none; 2^-15: `x * 3 >> 3`.
        assert_eq!(p(2f32.powi(-11)).ok(), Some((6, 0)));
        assert_eq!(p(2f32.powi(-12)).ok(), Some((3, 0)));
        assert_eq!(p(2f32.powi(-15)).ok(), Some((3, 3)));
        assert!(p(8.0).is_err());
    }

    #[test]
    fn refuses_what_tflm_refuses_by_name() {
        // TFLM LstmTensors::ValidateTensorStatus.
        let e = refusal(|g| g.tensors[13].is_variable = false);
        assert!(e.contains("not a variable tensor"), "{e}");
        let e = refusal(|g| {
            g.operators[0].inputs[9] = Some(1);
        });
        assert!(e.contains("no peephole"), "{e}");
        let e = refusal(|g| g.operators[0].inputs[16] = Some(5));
        assert!(e.contains("no projection"), "{e}");
        let e = refusal(|g| g.operators[0].inputs[20] = Some(9));
        assert!(e.contains("no layer normalization"), "{e}");
        // CIFG: no input gate.
        let e = refusal(|g| g.operators[0].inputs[1] = None);
        assert!(e.contains("missing input 1"), "{e}");
        let e = refusal(|g| g.tensors[14].dtype = DType::I8);
        assert!(e.contains("cell state") && e.contains("INT16"), "{e}");
        let e = refusal(|g| g.tensors[15].dtype = DType::I16);
        assert!(e.contains("output 'output' of type INT16"), "{e}");
        let e = refusal(|g| {
            if let Options::UnidirectionalSequenceLstm { activation, .. } = &mut g.operators[0].options {
                *activation = Activation::Relu;
            }
        });
        assert!(e.contains("TANH only"), "{e}");
        // Biases of the other activation width.
        let e = refusal(|g| g.tensors[9].dtype = DType::I64);
        assert!(e.contains("INT64"), "{e}");
        let e = refusal(|g| g.tensors[1].quant.as_mut().unwrap().scale = vec![0.1; S]);
        assert!(e.contains("per-channel"), "{e}");
        let e = refusal(|g| g.tensors[4].shape = vec![S, S]);
        assert!(e.contains("expected [5, 4]"), "{e}");
    }
}
