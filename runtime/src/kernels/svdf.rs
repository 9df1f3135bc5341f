//! SVDF (singular value decomposition filter), the layer of streaming keyword spotting
//! models: TFLM `svdf_common.cc` (`EvalIntegerSvdfReference`, `EvalFloatSvdfReference`).
//!
//! Each of the `num_filters` filters keeps the last `memory_size` values of its feature
//! projection in the activation state, a variable tensor of `batches x num_filters x
//! memory_size` values that persists across invocations. One invocation shifts the state
//! left by one value (the whole buffer, as TFLM does), writes each filter's projection of
//! the input as its newest value, takes the dot product of each filter's memory with its
//! time weights, sums the `rank` filters of each output unit and adds the bias.
//!
//! TFLM keeps the per-filter dot products in a scratch buffer and reduces it afterwards;
//! here each unit's `rank` dot products are added as they are computed, in the same
//! order, so no scratch is needed: the integer sums wrap like TFLM's `int32_t` and are
//! order independent, and the float sums are the same additions in the same order.

use crate::fixedpoint::multiply_by_quantized_multiplier;
use crate::kernels::clamp;
use crate::kernels::int::QuantizedInt;

/// Constant parameters of one int8 SVDF layer (state and time weights int8 or int16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SvdfParams {
    /// Input rows (and state rows).
    pub batches: usize,
    /// Length of one input row.
    pub input_size: usize,
    /// Filters: rows of the feature and time weights.
    pub num_filters: usize,
    /// Filters summed into one output unit; `num_filters / rank` units.
    pub rank: usize,
    /// Values each filter remembers: columns of the time weights.
    pub memory_size: usize,
    /// The input zero point.
    pub input_zero_point: i32,
    /// The activation state's zero point.
    pub state_zero_point: i32,
    /// The output zero point.
    pub output_zero_point: i32,
    /// Multiplier of input x feature weights to state (Q31, TFLM `effective_scale_1_a`).
    pub feature_multiplier: i32,
    /// Its shift (positive: left).
    pub feature_shift: i32,
    /// Multiplier of state x time weights to output (Q31, `effective_scale_2_a`).
    pub output_multiplier: i32,
    /// Its shift (positive: left).
    pub output_shift: i32,
}

/// Constant parameters of one float SVDF layer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SvdfF32Params {
    /// Input rows (and state rows).
    pub batches: usize,
    /// Length of one input row.
    pub input_size: usize,
    /// Filters: rows of the feature and time weights.
    pub num_filters: usize,
    /// Filters summed into one output unit.
    pub rank: usize,
    /// Values each filter remembers.
    pub memory_size: usize,
    /// Whether the fused activation has a lower bound (RELU, RELU6, RELU_N1_TO_1).
    pub clamp_min: bool,
    /// The lower bound.
    pub activation_min: f32,
    /// Whether it has an upper bound (RELU6, RELU_N1_TO_1).
    pub clamp_max: bool,
    /// The upper bound.
    pub activation_max: f32,
}

/// Shifts every batch's state left by one value over the whole buffer, as TFLM does:
/// each filter's oldest value drops out and its newest slot receives the next filter's
/// oldest value, which the feature projection then overwrites.
fn shift_state<T: Copy>(state: &mut [T]) {
    if !state.is_empty() {
        state.copy_within(1.., 0);
    }
}

/// The int8 SVDF layer with an int8 or int16 activation state and time weights
/// (`EvalIntegerSvdfReference<T>`). TFLM applies no fused activation on this path; the
/// output is only saturated to int8.
///
/// `weights_feature` is `num_filters x input_size`, `weights_time` `num_filters x
/// memory_size`, `bias` one value per unit (TFLM requires it), `state` `batches x
/// num_filters x memory_size` and kept by the caller between invocations, `output`
/// `batches x units`. Slices must have these lengths; the model compiler guarantees it.
pub fn svdf_s8<T: QuantizedInt>(
    p: &SvdfParams,
    input: &[i8],
    weights_feature: &[i8],
    weights_time: &[T],
    bias: &[i32],
    state: &mut [T],
    output: &mut [i8],
) {
    let (n_input, n_filter, n_memory) = (p.input_size, p.num_filters, p.memory_size);
    let n_unit = n_filter / p.rank;
    let state = &mut state[..p.batches * n_filter * n_memory];
    shift_state(state);

    // Feature projection into each filter's newest state value.
    for b in 0..p.batches {
        let row = &input[b * n_input..(b + 1) * n_input];
        for f in 0..n_filter {
            let weights = &weights_feature[f * n_input..(f + 1) * n_input];
            let mut dot: i32 = 0;
            for (&w, &x) in weights.iter().zip(row) {
                dot = dot.wrapping_add((w as i32) * (x as i32 - p.input_zero_point));
            }
            let v = multiply_by_quantized_multiplier(dot, p.feature_multiplier, p.feature_shift);
            // TFLM saturates to the state type first and adds the zero point afterwards,
            // narrowing the sum to the state type as C's conversion does.
            let v = p.state_zero_point.wrapping_add(clamp(v, T::MIN, T::MAX));
            state[(b * n_filter + f) * n_memory + n_memory - 1] = T::from_i32(v);
        }
    }

    // Time weights, reduction over the rank, bias and requantization.
    for b in 0..p.batches {
        for u in 0..n_unit {
            let mut acc = bias[u];
            for f in u * p.rank..(u + 1) * p.rank {
                let memory = &state[(b * n_filter + f) * n_memory..(b * n_filter + f + 1) * n_memory];
                let weights = &weights_time[f * n_memory..(f + 1) * n_memory];
                let mut dot: i32 = 0;
                for (&w, &s) in weights.iter().zip(memory) {
                    dot = dot.wrapping_add(w.to_i32().wrapping_mul(s.to_i32() - p.state_zero_point));
                }
                acc = acc.wrapping_add(dot);
            }
            let v = multiply_by_quantized_multiplier(acc, p.output_multiplier, p.output_shift);
            output[b * n_unit + u] = clamp(v.wrapping_add(p.output_zero_point), -128, 127) as i8;
        }
    }
}

/// The float SVDF layer (`EvalFloatSvdfReference`), with the fused activation of
/// `ActivationValFloat` for NONE, RELU, RELU6 and RELU_N1_TO_1. `bias` may be empty.
pub fn svdf_f32(
    p: &SvdfF32Params,
    input: &[f32],
    weights_feature: &[f32],
    weights_time: &[f32],
    bias: &[f32],
    state: &mut [f32],
    output: &mut [f32],
) {
    let (n_input, n_filter, n_memory) = (p.input_size, p.num_filters, p.memory_size);
    let n_unit = n_filter / p.rank;
    let state = &mut state[..p.batches * n_filter * n_memory];
    shift_state(state);

    for b in 0..p.batches {
        let row = &input[b * n_input..(b + 1) * n_input];
        for f in 0..n_filter {
            let weights = &weights_feature[f * n_input..(f + 1) * n_input];
            let mut dot = 0.0f32;
            for (&w, &x) in weights.iter().zip(row) {
                dot += w * x;
            }
            state[(b * n_filter + f) * n_memory + n_memory - 1] = dot;
        }
    }

    for b in 0..p.batches {
        for u in 0..n_unit {
            let mut acc = if bias.is_empty() { 0.0f32 } else { bias[u] };
            for f in u * p.rank..(u + 1) * p.rank {
                let memory = &state[(b * n_filter + f) * n_memory..(b * n_filter + f + 1) * n_memory];
                let weights = &weights_time[f * n_memory..(f + 1) * n_memory];
                let mut dot = 0.0f32;
                for (&w, &s) in weights.iter().zip(memory) {
                    dot += w * s;
                }
                acc += dot;
            }
            // ActivationValFloat's std::max(lo, std::min(x, hi)), written as the same
            // comparisons so that NaN and signed zeros come out alike.
            if p.clamp_max && p.activation_max < acc {
                acc = p.activation_max;
            }
            if p.clamp_min {
                acc = if p.activation_min < acc { acc } else { p.activation_min };
            }
            output[b * n_unit + u] = acc;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(batches: usize, input_size: usize, num_filters: usize, rank: usize, memory_size: usize) -> SvdfParams {
        SvdfParams {
            batches,
            input_size,
            num_filters,
            rank,
            memory_size,
            input_zero_point: 0,
            state_zero_point: 0,
            output_zero_point: 0,
            // Multipliers of 1.0: 2^30 with a left shift of 1.
            feature_multiplier: 1 << 30,
            feature_shift: 1,
            output_multiplier: 1 << 30,
            output_shift: 1,
        }
    }

    #[test]
    fn state_remembers_inputs_over_invocations() {
        // One filter, identity feature weight, memory of 3 with time weights [1, 10, 100]:
        // the output is x[t-2] + 10 x[t-1] + 100 x[t], saturated.
        let p = params(1, 1, 1, 1, 3);
        let mut state = [0i16; 3];
        let mut out = [0i8; 1];
        let mut seen = [0i8; 4];
        for (t, x) in [1i8, 0, 0, 2].into_iter().enumerate() {
            svdf_s8(&p, &[x], &[1], &[1i16, 10, 100], &[0], &mut state, &mut out);
            seen[t] = out[0];
        }
        assert_eq!(seen, [100, 10, 1, 127]);
        assert_eq!(state, [0, 0, 2]);
    }

    #[test]
    fn rank_sums_filters_and_adds_bias() {
        // Two filters per unit, two units, memory 1: out[u] = bias[u] + x.w[2u] + x.w[2u+1].
        let p = params(1, 2, 4, 2, 1);
        let mut state = [0i8; 4];
        let mut out = [0i8; 2];
        svdf_s8(&p, &[3, -2], &[1, 0, 0, 1, 2, 2, -1, 1], &[1i8, 1, 1, 1], &[5, -7], &mut state, &mut out);
        assert_eq!(state, [3, -2, 2, -5]);
        assert_eq!(out, [5 + 3 - 2, -7 + 2 - 5]);
    }

    #[test]
    fn int8_state_adds_zero_point_after_saturating_and_wraps() {
        // A projection of 200 saturates to 127, plus the zero point 10 narrows to -119,
        // as TFLM's (int8_t)(zero_point + clamp(v)).
        let mut p = params(1, 1, 1, 1, 1);
        p.state_zero_point = 10;
        let mut state = [10i8; 1];
        let mut out = [0i8; 1];
        svdf_s8(&p, &[100], &[2], &[1i8], &[0], &mut state, &mut out);
        assert_eq!(state, [-119]);
        // -119 - 10 = -129: the time dot product sees the wrapped value.
        assert_eq!(out, [-128]);
    }

    #[test]
    fn batches_keep_their_own_state() {
        let p = params(2, 1, 1, 1, 2);
        let mut state = [0i16; 4];
        let mut out = [0i8; 2];
        svdf_s8(&p, &[1, 2], &[1], &[1i16, 2], &[0], &mut state, &mut out);
        assert_eq!(out, [2, 4]);
        svdf_s8(&p, &[3, 4], &[1], &[1i16, 2], &[0], &mut state, &mut out);
        assert_eq!(out, [1 + 6, 2 + 8]);
        assert_eq!(state, [1, 3, 2, 4]);
    }

    #[test]
    fn float_with_relu() {
        let p = SvdfF32Params {
            batches: 1,
            input_size: 1,
            num_filters: 2,
            rank: 1,
            memory_size: 2,
            clamp_min: true,
            activation_min: 0.0,
            clamp_max: false,
            activation_max: 0.0,
        };
        let mut state = [0.0f32; 4];
        let mut out = [0.0f32; 2];
        svdf_f32(&p, &[2.0], &[1.0, -1.0], &[0.5, 1.0, 0.5, 1.0], &[0.25, 0.25], &mut state, &mut out);
        assert_eq!(out, [2.25, 0.0]);
        svdf_f32(&p, &[1.0], &[1.0, -1.0], &[0.5, 1.0, 0.5, 1.0], &[], &mut state, &mut out);
        assert_eq!(out, [2.0, 0.0]);
    }
}
