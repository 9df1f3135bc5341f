//! `mul_high_rounded`: `(a * b + 2^31) >> 32` (`smmulr` with the DSP extension), the
//! doubling high multiply of the fully connected kernel's scalar requantization.

use crate::buffers::Buffers;
use crate::check::{self, Case};
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::simd;

/// Operands per case.
const PAIRS: usize = 64;

/// One operand: any 32 bits, or one of the extremes where rounding and the 64-bit
/// product's sign matter most.
fn operand(rng: &mut Rng) -> i32 {
    const EDGES: [i32; 8] = [0, 1, -1, i32::MIN, i32::MAX, 1 << 30, -(1 << 30), i32::MIN + 1];
    if rng.one_in(8) {
        EDGES[rng.size(0, EDGES.len() - 1)]
    } else {
        rng.u32() as i32
    }
}

/// Draws and checks [`PAIRS`] operand pairs.
pub fn mul_high_rounded(_: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let pairs: [(i32, i32); PAIRS] = core::array::from_fn(|_| (operand(rng), operand(rng)));
    let want: [i32; PAIRS] = core::array::from_fn(|i| {
        let (a, b) = pairs[i];
        ((a as i64 * b as i64 + (1 << 31)) >> 32) as i32
    });
    let mut got: [i32; PAIRS] = core::array::from_fn(|i| simd::mul_high_rounded(pairs[i].0, pairs[i].1));
    check::equal(case, "high", &pairs, &want, &mut got);
    Outcome::Checked
}
