//! FULLY_CONNECTED (TFLM `reference_integer_ops::FullyConnected`): int8 activations and
//! weights with int32 bias, or int16 activations and int8 weights with int64 bias (the
//! "16x8" mode, which accumulates in 64 bits and requantizes with the 64-bit
//! `MultiplyByQuantizedMultiplier`).
//!
//! The family's files: `params.rs` (the parameters and the table of folded biases the
//! model compiler derives from them), `reference.rs` (the readable kernels) and
//! `optimized.rs` (the fast int8 kernel); [`fully_connected_s8`] here chooses between the
//! last two. `batch_matmul.rs` is BATCH_MATMUL, whose matrix products TFLM states as
//! fully connected layers.

mod batch_matmul;
mod params;
mod reference;

#[cfg(not(feature = "reference-kernels"))]
pub mod optimized;

pub use batch_matmul::{
    batch_matmul_f32, batch_matmul_s16, batch_matmul_s8, BatchMatmulParams, BATCH_MATMUL_BATCH_DIMS,
};
pub use params::{folded_bias, fully_connected_s8_pack, fully_connected_s8_packed_len, FullyConnectedParams};
pub use reference::{fully_connected_s16, fully_connected_s8_reference};

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
        optimized::fully_connected_s8(p, input, filter, bias, packed, output)
    }
    #[cfg(feature = "reference-kernels")]
    {
        let _ = packed;
        fully_connected_s8_reference(p, input, filter, bias, output)
    }
}
