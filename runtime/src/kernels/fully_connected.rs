//! FULLY_CONNECTED (TFLM `reference_integer_ops::FullyConnected`): int8 activations and
//! weights with int32 bias, or int16 activations and int8 weights with int64 bias (the
//! "16x8" mode, which accumulates in 64 bits and requantizes with the 64-bit
//! `MultiplyByQuantizedMultiplier`).

use super::clamp;
use crate::fixedpoint::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64};

/// Constant parameters of one fully connected layer (int8, or int16 with zero offsets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FullyConnectedParams {
    /// Minus the input zero point.
    pub input_offset: i32,
    /// Minus the filter zero point (0 for symmetric weights).
    pub filter_offset: i32,
    /// The output zero point.
    pub output_offset: i32,
    /// Requantization multiplier (Q31).
    pub output_multiplier: i32,
    /// Requantization shift (positive: left).
    pub output_shift: i32,
    /// Lower bound of the fused activation, quantized.
    pub activation_min: i32,
    /// Upper bound of the fused activation, quantized.
    pub activation_max: i32,
    /// Number of input rows.
    pub batches: usize,
    /// Length of one input row (filter row length).
    pub accum_depth: usize,
    /// Number of output units (filter rows).
    pub output_depth: usize,
}

/// `output[b][o] = requant(sum_d (input[b][d] + input_offset) * (filter[o][d] + filter_offset) + bias[o])`.
///
/// `bias` is empty when the layer has none. `packed` is the table of folded biases, one
/// per output, that the model compiler makes for the optimized kernel
/// ([`fully_connected_s8_pack`]; the multiplier and shift, one per layer, are `p`'s); the
/// reference kernel ignores it, and the optimized one runs the reference when `packed`
/// does not fit the layer (it is empty in hand calls and `NULL` in the C port). Slices
/// must have the lengths implied by `p`; the model compiler guarantees it.
pub fn fully_connected_s8(
    p: &FullyConnectedParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    packed: &[i32],
    output: &mut [i8],
) {
    #[cfg(not(feature = "reference-kernels"))]
    {
        super::optimized::fully_connected::fully_connected_s8(p, input, filter, bias, packed, output)
    }
    #[cfg(feature = "reference-kernels")]
    {
        let _ = packed;
        fully_connected_s8_reference(p, input, filter, bias, output)
    }
}

/// The constant part of output `o`'s accumulator, which the model compiler folds into
/// the bias of the optimized kernel's table ([`fully_connected_s8_pack`]):
/// `bias[o] + input_offset * sum(w) + depth * input_offset * filter_offset`, wrapping
/// like the kernels' i32 arithmetic. Only `filter_offset * sum(x)` (zero for symmetric
/// weights) is left for run time.
pub fn folded_bias(p: &FullyConnectedParams, filter: &[i8], bias: &[i32], o: usize) -> i32 {
    let k = p.accum_depth;
    let b = if bias.is_empty() { 0 } else { bias[o] };
    let wsum = filter[o * k..(o + 1) * k].iter().fold(0i32, |a, &w| a.wrapping_add(w as i32));
    b.wrapping_add(p.input_offset.wrapping_mul(wsum))
        .wrapping_add((k as i32).wrapping_mul(p.input_offset).wrapping_mul(p.filter_offset))
}

/// Words of the packed table of [`fully_connected_s8`] ([`fully_connected_s8_pack`]): one
/// per output. The layer is quantized per tensor, so only the folded bias varies per
/// output; the multiplier and shift are read from the params.
pub fn fully_connected_s8_packed_len(p: &FullyConnectedParams) -> usize {
    p.output_depth
}

/// Fills `out` ([`fully_connected_s8_packed_len`] words) with the folded bias of every
/// output ([`folded_bias`]), the table the optimized [`fully_connected_s8`] reads.
pub fn fully_connected_s8_pack(p: &FullyConnectedParams, filter: &[i8], bias: &[i32], out: &mut [i32]) {
    for (o, d) in out[..p.output_depth].iter_mut().enumerate() {
        *d = folded_bias(p, filter, bias, o);
    }
}

/// The reference int8 fully connected layer (see [`fully_connected_s8`], which runs the
/// optimized kernel unless the `reference-kernels` feature is on).
pub fn fully_connected_s8_reference(
    p: &FullyConnectedParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    output: &mut [i8],
) {
    let depth = p.accum_depth;
    for b in 0..p.batches {
        let row = &input[b * depth..(b + 1) * depth];
        for o in 0..p.output_depth {
            let weights = &filter[o * depth..(o + 1) * depth];
            let mut acc: i32 = 0;
            for (&x, &w) in row.iter().zip(weights) {
                acc += (w as i32 + p.filter_offset) * (x as i32 + p.input_offset);
            }
            if !bias.is_empty() {
                acc += bias[o];
            }
            let mut v = multiply_by_quantized_multiplier(acc, p.output_multiplier, p.output_shift);
            v += p.output_offset;
            output[b * p.output_depth + o] = clamp(v, p.activation_min, p.activation_max) as i8;
        }
    }
}

/// The int16x8 layer: `output[b][o] = requant(sum_d (input[b][d] + input_offset) *
/// (filter[o][d] + filter_offset) + bias[o])` with a 64-bit accumulator and int16
/// output. TFLM requires zero points of 0 for int16 tensors, so the offsets are 0 in
/// practice; they are applied anyway as TFLM's template does.
///
/// `bias` is empty when the layer has none. Slices must have the lengths implied by
/// `p`; the model compiler guarantees it.
pub fn fully_connected_s16(p: &FullyConnectedParams, input: &[i16], filter: &[i8], bias: &[i64], output: &mut [i16]) {
    let depth = p.accum_depth;
    for b in 0..p.batches {
        let row = &input[b * depth..(b + 1) * depth];
        for o in 0..p.output_depth {
            let weights = &filter[o * depth..(o + 1) * depth];
            let mut acc: i64 = 0;
            for (&x, &w) in row.iter().zip(weights) {
                // Each product fits in 32 bits, as in TFLM; only the sum needs 64.
                acc += ((w as i32 + p.filter_offset) * (x as i32 + p.input_offset)) as i64;
            }
            if !bias.is_empty() {
                acc += bias[o];
            }
            let mut v = multiply_by_quantized_multiplier_i64(acc, p.output_multiplier, p.output_shift);
            v += p.output_offset;
            output[b * p.output_depth + o] = clamp(v, p.activation_min, p.activation_max) as i16;
        }
    }
}
