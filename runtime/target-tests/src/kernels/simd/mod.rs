//! The innermost primitives (`kernels::simd`), against their scalar definitions: on the
//! emulated cores these are the inline-assembly versions (Helium on Cortex-M55; `dot4`,
//! `dot4_bias` and `dot4_strided` with SMLAD/SXTB16 and `mul_high_rounded` with SMMULR on Cortex-M33/M4). Slices start at random offsets,
//! so loads at every alignment are exercised, and lengths cover empty inputs, the vector
//! tails and long rows; outputs are followed by guard bytes.

mod dot4;
mod dot4_bias;
mod dot4_requantize;
mod dot4_requantize_tensor;
mod dot4_strided;
mod mul_high_rounded;
mod requantize;

pub use dot4::dot4;
pub use dot4_bias::dot4_bias;
pub use dot4_requantize::dot4_requantize;
pub use dot4_requantize_tensor::dot4_requantize_tensor;
pub use dot4_strided::dot4_strided;
pub use mul_high_rounded::mul_high_rounded;
pub use requantize::requantize;

use crate::params;
use crate::rng::Rng;
use tinyml_runtime::fixedpoint::multiply_by_quantized_multiplier;
use tinyml_runtime::kernels::simd::OutQuant;

/// A row length: mostly up to 100, one case in eight up to 1024.
pub(super) fn length(rng: &mut Rng) -> usize {
    if rng.one_in(8) {
        rng.size(0, 1024)
    } else {
        rng.size(0, 100)
    }
}

/// A random start of a run of `len` elements in a buffer of `cap`.
pub(super) fn start(rng: &mut Rng, len: usize, cap: usize) -> usize {
    rng.size(0, (cap - len).min(64))
}

/// The reference arithmetic of the requantizing primitives.
pub(super) fn requant(acc: i32, mult: i32, shift: i32, q: OutQuant) -> i8 {
    (multiply_by_quantized_multiplier(acc, mult, shift) + q.offset).clamp(q.min, q.max) as i8
}

/// A random output zero point and activation range.
pub(super) fn out_quant(rng: &mut Rng) -> OutQuant {
    let (min, max) = params::activation(rng);
    OutQuant { offset: params::zero_point(rng), min, max }
}

/// Wrapping `sum x[i] * w[i]` over `x.len()` elements.
pub(super) fn dot(x: &[i8], w: &[i8]) -> i32 {
    x.iter().zip(w).fold(0i32, |a, (&x, &w)| a.wrapping_add(x as i32 * w as i32))
}
