//! `dot4_bias`: the accumulators of groups of four rows with their folded biases (a plain
//! table, one per row), the
//! fully connected kernel's inner loop without Helium (DSP: one routine over all groups,
//! `sxtb16`/`smlad`, the last `k % 4` inputs after it).

use super::{dot, length, start};
use crate::buffers::{Buffers, FILTER};
use crate::check::{self, Case};
use crate::rng::Rng;
use crate::Outcome;
use core::mem::MaybeUninit;
use tinyml_runtime::kernels::simd;

/// Most groups of four rows per case (a 64-channel block).
const MAX_GROUPS: usize = 16;

#[derive(Debug)]
#[allow(dead_code)] // fields read only by `Debug`, in mismatch reports
struct Dot4BiasCase {
    k: usize,
    groups: usize,
    x: usize,
    w: usize,
}

/// Draws and checks one case; every accumulator must be written.
pub fn dot4_bias(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let k = length(rng);
    let groups = rng.size(1, MAX_GROUPS.min(FILTER / 4 / k.max(1) - 1));
    let n = 4 * groups;
    let (x, w) = (rng.size(0, 16), start(rng, n * k, FILTER));
    let c = Dot4BiasCase { k, groups, x, w };
    rng.fill_i8(&mut b.input[x..x + k]);
    rng.fill_i8(&mut b.filter[w..w + n * k]);
    let mut bias = [0i32; 4 * MAX_GROUPS];
    for v in &mut bias[..n] {
        *v = rng.u32() as i32;
    }
    let (xs, ws) = (&b.input[x..x + k], &b.filter[w..w + n * k]);
    let mut want = [0i32; 4 * MAX_GROUPS];
    for (ch, a) in want[..n].iter_mut().enumerate() {
        *a = bias[ch].wrapping_add(dot(xs, &ws[ch * k..]));
    }
    // Each accumulator starts as the complement of its expected value, so one the
    // routine leaves unwritten differs.
    let mut acc = [MaybeUninit::new(0i32); 4 * MAX_GROUPS];
    for (a, &v) in acc.iter_mut().zip(&want[..n]) {
        *a = MaybeUninit::new(!v);
    }
    simd::dot4_bias(xs, ws, &bias[..n], &mut acc[..n]);
    // SAFETY: every entry was initialized above (and `dot4_bias` only writes `i32`s).
    let mut got: [i32; 4 * MAX_GROUPS] = core::array::from_fn(|i| unsafe { acc[i].assume_init() });
    check::equal(case, "acc", &c, &want[..n], &mut got[..n]);
    Outcome::Checked
}
