//! UNIDIRECTIONAL_SEQUENCE_LSTM (TFLM `unidirectional_sequence_lstm.cc`, `lstm_eval.h`,
//! `lstm_eval_common.cc`): the integer LSTM of TFLM, int8 activations with int32 biases
//! (TFLM's "8x8->16") or int16 activations with int64 biases ("16x8->16"), int8 weights
//! and an int16 cell state.
//!
//! Every time step computes, for each state unit, four gates from the step's input `x`
//! and the hidden state `h` (the op's `output_state`):
//! `gate = act(sat16(FC(x) + FC(h)))`, each fully connected layer requantized to Q3.12
//! (scale 2^-12, TFLM's fixed choice), `act` the int16 sigmoid (input, forget and output
//! gates) or tanh (cell gate) of LOGISTIC and TANH ([`logistic16`], [`tanh16`]), giving
//! Q0.15. Then
//! `c = sat16(forget * c + input * cell_gate)` (each product requantized to the cell
//! state's scale), clipped to `cell_clip`, and `h = tanh(c) * output` requantized to the
//! hidden state's scale and zero point. `h` is also the step's row of the output.
//!
//! TFLM computes each gate as a vector in four scratch buffers; the arithmetic is
//! elementwise after the two dot products, so this kernel computes one state unit at a
//! time, writes the new hidden state into the output row and copies it to `output_state`
//! once every unit of the step has read the old one. It needs no scratch and gives the
//! same bytes.
//!
//! Time major (`[time, batch, input]`): all batches advance together. Otherwise
//! (`[batch, time, input]`) TFLM runs each batch through all its time steps in turn; the
//! batches are independent, so the order does not show in the results.
//!
//! The state tensors are variable: they keep their values from one invoke to the next.

use super::int::QuantizedInt;
pub use super::sigmoid::Sigmoid16Params;
use super::sigmoid::{logistic16, tanh16};
use crate::fixedpoint::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64};

/// The gates' sigmoid and tanh: their input is Q3.12, TFLM's power-of-two case
/// (multiplier 3, no shift).
const GATE_ACTIVATION: Sigmoid16Params = Sigmoid16Params { input_multiplier: 3, input_left_shift: 0 };

/// The requantization of one gate's two fully connected layers (on the step's input and
/// on the hidden state) to the gate's Q3.12 input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LstmGateParams {
    /// `input_scale * input_weights_scale / 2^-12` in Q31.
    pub input_multiplier: i32,
    /// Its shift (positive: left).
    pub input_shift: i32,
    /// Minus the zero point of the input weights.
    pub input_filter_offset: i32,
    /// `hidden_scale * recurrent_weights_scale / 2^-12` in Q31.
    pub recurrent_multiplier: i32,
    /// Its shift (positive: left).
    pub recurrent_shift: i32,
    /// Minus the zero point of the recurrent weights.
    pub recurrent_filter_offset: i32,
}

/// The requantization of a product of two int16 values (TFLM `CreateInterGateMulParams`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LstmMulParams {
    /// `scale1 * scale2 / output_scale` in Q31.
    pub multiplier: i32,
    /// Its shift (positive: left).
    pub shift: i32,
}

/// Constant parameters of one UNIDIRECTIONAL_SEQUENCE_LSTM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LstmParams {
    /// Batches `B`.
    pub batches: usize,
    /// Time steps `T`.
    pub time_steps: usize,
    /// Input features `I` per time step.
    pub input_size: usize,
    /// State units `S` (hidden and cell state, and output features).
    pub state_size: usize,
    /// Input and output are `[T, B, ..]` (else `[B, T, ..]`).
    pub time_major: bool,
    /// Minus the input zero point (0 for int16, whose fully connected layer has none).
    pub input_offset: i32,
    /// Minus the hidden state's zero point, the recurrent layers' input offset (0 for
    /// int16).
    pub hidden_offset: i32,
    /// The input gate.
    pub input_gate: LstmGateParams,
    /// The forget gate.
    pub forget_gate: LstmGateParams,
    /// The cell gate.
    pub cell_gate: LstmGateParams,
    /// The output gate.
    pub output_gate: LstmGateParams,
    /// Forget gate (Q0.15) times cell state, to the cell state's scale.
    pub forget_mul: LstmMulParams,
    /// Input gate times cell gate (both Q0.15), to the cell state's scale.
    pub input_mul: LstmMulParams,
    /// `tanh(cell state)` times output gate (both Q0.15), to the hidden state's scale.
    pub hidden_mul: LstmMulParams,
    /// The hidden state's zero point.
    pub hidden_zero_point: i32,
    /// The cell state is clamped to `[-cell_clip, cell_clip]` after each update; a
    /// negative value means no clipping.
    pub cell_clip: i32,
    /// The rescaling of the cell state into the int16 tanh's Q3.12 domain.
    pub cell_tanh: Sigmoid16Params,
}

/// The gates in the order of their weights and biases (TFLM's tensor order).
const INPUT: usize = 0;
const FORGET: usize = 1;
const CELL: usize = 2;
const OUTPUT: usize = 3;

/// An activation type of the integer LSTM and the dot products of its fully connected
/// layers, as TFLM's `reference_integer_ops::FullyConnected` computes them.
pub trait LstmActivation: QuantizedInt {
    /// The bias type (the accumulator's).
    type Bias: Copy + Default;
    /// `requant(sum_d (w[d] + w_offset) * (x[d] + x_offset) + bias)`, not yet clamped.
    fn fc(x: &[Self], x_offset: i32, w: &[i8], w_offset: i32, bias: Self::Bias, multiplier: i32, shift: i32) -> i32;
}

impl LstmActivation for i8 {
    type Bias = i32;
    #[inline]
    fn fc(x: &[i8], x_offset: i32, w: &[i8], w_offset: i32, bias: i32, multiplier: i32, shift: i32) -> i32 {
        let acc = x.iter().zip(w).fold(bias, |acc, (&x, &w)| acc + (w as i32 + w_offset) * (x as i32 + x_offset));
        multiply_by_quantized_multiplier(acc, multiplier, shift)
    }
}

impl LstmActivation for i16 {
    type Bias = i64;
    #[inline]
    fn fc(x: &[i16], x_offset: i32, w: &[i8], w_offset: i32, bias: i64, multiplier: i32, shift: i32) -> i32 {
        // Each product fits in 32 bits, as in TFLM; only the sum needs 64.
        let acc =
            x.iter().zip(w).fold(bias, |acc, (&x, &w)| acc + ((w as i32 + w_offset) * (x as i32 + x_offset)) as i64);
        multiply_by_quantized_multiplier_i64(acc, multiplier, shift)
    }
}

/// int8 LSTM: `weights` holds the input weights (`[S, I]` each) of the input, forget,
/// cell and output gates, then their recurrent weights (`[S, S]` each); `bias` the four
/// gates' biases (`S` each) in the same order. `output_state` (`[B, S]`, int8) and
/// `cell_state` (`[B, S]`, int16) are read and updated; `output` gets every step's
/// hidden state. Slices must have the lengths implied by `p`; the model compiler
/// guarantees it.
pub fn lstm_s8(
    p: &LstmParams,
    input: &[i8],
    weights: &[i8],
    bias: &[i32],
    output_state: &mut [i8],
    cell_state: &mut [i16],
    output: &mut [i8],
) {
    lstm(p, input, weights, bias, output_state, cell_state, output);
}

/// int16 LSTM (int16 input, hidden state and output, int8 weights, int64 biases); as
/// [`lstm_s8`] otherwise.
pub fn lstm_s16(
    p: &LstmParams,
    input: &[i16],
    weights: &[i8],
    bias: &[i64],
    output_state: &mut [i16],
    cell_state: &mut [i16],
    output: &mut [i16],
) {
    lstm(p, input, weights, bias, output_state, cell_state, output);
}

fn lstm<T: LstmActivation>(
    p: &LstmParams,
    input: &[T],
    weights: &[i8],
    bias: &[T::Bias],
    output_state: &mut [T],
    cell_state: &mut [i16],
    output: &mut [T],
) {
    let (n_in, n_state, steps) = (p.input_size, p.state_size, p.time_steps);
    // Rows that advance together per step, and how many times that happens per step.
    let (rows, groups) = if p.time_major { (p.batches, 1) } else { (1, p.batches) };
    for g in 0..groups {
        for t in 0..steps {
            // Row r of step t: `[T, B, ..]` when time major, `[B, T, ..]` otherwise.
            let row = if p.time_major { t * p.batches } else { g * steps + t };
            let state = g * n_state..(g + rows) * n_state;
            let out = row * n_state..(row + rows) * n_state;
            for r in 0..rows {
                let x = &input[(row + r) * n_in..(row + r + 1) * n_in];
                let s = state.start + r * n_state..state.start + (r + 1) * n_state;
                let y = &mut output[out.start + r * n_state..out.start + (r + 1) * n_state];
                step(p, x, &output_state[s.clone()], &mut cell_state[s], weights, bias, y);
            }
            output_state[state].copy_from_slice(&output[out]);
        }
    }
}

/// One step of one row: the new cell state in place, the new hidden state into `y`.
fn step<T: LstmActivation>(
    p: &LstmParams,
    x: &[T],
    h: &[T],
    c: &mut [i16],
    weights: &[i8],
    bias: &[T::Bias],
    y: &mut [T],
) {
    let (n_in, n_state) = (p.input_size, p.state_size);
    // Q3.12 input of gate `k` for unit `j`: the two layers, each saturated to int16, and
    // their saturated sum (TFLM `CalculateLstmGate`, `AddElementWise`).
    let gate_input = |k: usize, gp: &LstmGateParams, j: usize| -> i16 {
        let w_in = &weights[(k * n_state + j) * n_in..][..n_in];
        let w_rec = &weights[4 * n_state * n_in + (k * n_state + j) * n_state..][..n_state];
        let b = bias[k * n_state + j];
        let from_x = T::fc(x, p.input_offset, w_in, gp.input_filter_offset, b, gp.input_multiplier, gp.input_shift);
        let from_h = T::fc(
            h,
            p.hidden_offset,
            w_rec,
            gp.recurrent_filter_offset,
            T::Bias::default(),
            gp.recurrent_multiplier,
            gp.recurrent_shift,
        );
        saturate_i16(saturate_i16(from_x) as i32 + saturate_i16(from_h) as i32)
    };
    let sigmoid = |v: i16| logistic16(&GATE_ACTIVATION, v);
    for j in 0..n_state {
        let forget = sigmoid(gate_input(FORGET, &p.forget_gate, j));
        let input = sigmoid(gate_input(INPUT, &p.input_gate, j));
        let cell = tanh16(&GATE_ACTIVATION, gate_input(CELL, &p.cell_gate, j));
        let output = sigmoid(gate_input(OUTPUT, &p.output_gate, j));
        // TFLM `UpdateLstmCell`: two products to the cell scale, their saturated sum.
        let kept = saturate_i16(mul(&p.forget_mul, forget, c[j]));
        let added = saturate_i16(mul(&p.input_mul, input, cell));
        let mut new_c = saturate_i16(kept as i32 + added as i32);
        if p.cell_clip >= 0 {
            new_c = (new_c as i32).clamp(-p.cell_clip, p.cell_clip) as i16;
        }
        c[j] = new_c;
        // TFLM `UpdateLstmHidden`.
        let hidden = p.hidden_zero_point + mul(&p.hidden_mul, tanh16(&p.cell_tanh, new_c), output);
        y[j] = T::from_i32(hidden.clamp(T::MIN, T::MAX));
    }
}

/// `reference_integer_ops::MulElementwise` of two int16 values with zero points 0,
/// before the output offset and the clamp.
#[inline]
fn mul(m: &LstmMulParams, a: i16, b: i16) -> i32 {
    multiply_by_quantized_multiplier(a as i32 * b as i32, m.multiplier, m.shift)
}

#[inline]
fn saturate_i16(v: i32) -> i16 {
    v.clamp(i16::MIN as i32, i16::MAX as i32) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-unit LSTM whose gates see only their biases (all weights 0): a bias of 4096
    /// is 1.0 in Q3.12.
    fn one_unit(biases: [i32; 4], clip: i32) -> (LstmParams, [i8; 8], [i32; 4]) {
        let gate = LstmGateParams {
            input_multiplier: 1 << 30,
            input_shift: 1,
            input_filter_offset: 0,
            recurrent_multiplier: 1 << 30,
            recurrent_shift: 1,
            recurrent_filter_offset: 0,
        };
        let p = LstmParams {
            batches: 1,
            time_steps: 2,
            input_size: 1,
            state_size: 1,
            time_major: false,
            input_offset: 0,
            hidden_offset: 0,
            input_gate: gate,
            forget_gate: gate,
            cell_gate: gate,
            output_gate: gate,
            // Cell scale 2^-11: 2^-15 * c / 2^-11 ... forget * c keeps c's scale.
            forget_mul: LstmMulParams { multiplier: 1 << 30, shift: -14 },
            // 2^-30 / 2^-11 = 2^-19.
            input_mul: LstmMulParams { multiplier: 1 << 30, shift: -18 },
            // 2^-30 / 2^-7 = 2^-23 (hidden scale 1/128).
            hidden_mul: LstmMulParams { multiplier: 1 << 30, shift: -22 },
            hidden_zero_point: 0,
            cell_clip: clip,
            cell_tanh: Sigmoid16Params { input_multiplier: 6, input_left_shift: 0 },
        };
        (p, [0; 8], biases)
    }

    #[test]
    fn saturated_gates_accumulate_the_cell() {
        // Every gate near 1 (sigmoid(8), tanh(8)): the cell grows by ~1.0 (2048 at scale
        // 2^-11) per step, the hidden state follows tanh of it.
        let (p, w, b) = one_unit([32767; 4], -1);
        let (mut h, mut c, mut y) = ([0i8], [0i16], [0i8; 2]);
        lstm_s8(&p, &[0, 0], &w, &b, &mut h, &mut c, &mut y);
        assert!((2040..=2048 * 2).contains(&c[0]), "cell {}", c[0]);
        assert!(y[0] > 90 && y[1] > y[0], "{y:?}");
        assert_eq!(h[0], y[1]);
    }

    #[test]
    fn cell_clip_bounds_the_cell_state() {
        let (p, w, b) = one_unit([32767; 4], 1000);
        let (mut h, mut c, mut y) = ([0i8], [0i16], [0i8; 2]);
        lstm_s8(&p, &[0, 0], &w, &b, &mut h, &mut c, &mut y);
        assert_eq!(c[0], 1000);
    }

    #[test]
    fn closed_forget_gate_drops_the_cell() {
        // Forget gate at sigmoid(-8) ~ 0, input gate closed too: the cell decays to ~0.
        let (p, w, b) = one_unit([-32768, -32768, 0, 0], -1);
        let (mut h, mut c, mut y) = ([0i8], [20000i16], [0i8; 2]);
        lstm_s8(&p, &[0, 0], &w, &b, &mut h, &mut c, &mut y);
        assert!(c[0].abs() < 20, "cell {}", c[0]);
    }
}
