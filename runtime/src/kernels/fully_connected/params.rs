//! The constant parameters of a fully connected layer and the table of folded biases the
//! model compiler derives from them on the host for the optimized kernel
//! ([`fully_connected_s8_pack`]).

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

/// Words of the packed table of [`fully_connected_s8`](super::fully_connected_s8)
/// ([`fully_connected_s8_pack`]): one per output. The layer is quantized per tensor, so
/// only the folded bias varies per output; the multiplier and shift are read from the
/// params.
pub fn fully_connected_s8_packed_len(p: &FullyConnectedParams) -> usize {
    p.output_depth
}

/// Fills `out` ([`fully_connected_s8_packed_len`] words) with the folded bias of every
/// output ([`folded_bias`]), the table the optimized
/// [`fully_connected_s8`](super::fully_connected_s8) reads.
pub fn fully_connected_s8_pack(p: &FullyConnectedParams, filter: &[i8], bias: &[i32], out: &mut [i32]) {
    for (o, d) in out[..p.output_depth].iter_mut().enumerate() {
        *d = folded_bias(p, filter, bias, o);
    }
}
