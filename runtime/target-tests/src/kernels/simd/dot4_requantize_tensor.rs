//! `dot4_requantize_tensor`: dot products of groups of four rows and their requantization
//! with one multiplier and shift (fully connected layers), biases from a plain table
//! (Helium: `vmladava.s8` and vector requantization from a template built per call;
//! elsewhere scalar).

use super::{dot, length, out_quant, requant, start};
use crate::buffers::{Buffers, FILTER};
use crate::check::{self, Case};
use crate::params;
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::simd;

/// Most groups of four rows per case (a layer of 256 outputs).
const MAX_GROUPS: usize = 64;

#[derive(Debug)]
#[allow(dead_code)] // fields read only by `Debug`, in mismatch reports
struct Dot4RequantizeTensorCase {
    k: usize,
    groups: usize,
    x: usize,
    w: usize,
    out: usize,
    offset: i32,
    min: i32,
    max: i32,
    mult: i32,
    shift: i32,
}

/// Draws and checks one case: `groups` groups of four rows of `k` weights, one bias per
/// row, one multiplier and shift for all.
pub fn dot4_requantize_tensor(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let k = length(rng);
    let groups = rng.size(1, MAX_GROUPS.min(FILTER / 4 / k.max(1) - 1));
    let n = 4 * groups;
    let w = start(rng, n * k, FILTER);
    let q = out_quant(rng);
    let (x, out) = (rng.size(0, 16), rng.size(0, 16));
    let (mult, shift) = params::one_requant(rng);
    let c = Dot4RequantizeTensorCase { k, groups, x, w, out, offset: q.offset, min: q.min, max: q.max, mult, shift };
    rng.fill_i8(&mut b.input[x..x + k]);
    rng.fill_i8(&mut b.filter[w..w + n * k]);
    params::biases(rng, &mut b.bias[..n]);
    let (xs, ws) = (&b.input[x..x + k], &b.filter[w..w + n * k]);
    for ch in 0..n {
        let acc = dot(xs, &ws[ch * k..]).wrapping_add(b.bias[ch]);
        b.want[ch] = requant(acc, mult, shift, q);
    }
    check::prepare(&b.want[..n], &mut b.got[out..]);
    simd::dot4_requantize_tensor(xs, ws, &b.bias[..n], mult, shift, q, &mut b.got[out..out + n]);
    check::guard(case, &c, &b.got[out..], n);
    check::equal(case, "out", &c, &b.want[..n], &mut b.got[out..out + n]);
    Outcome::Checked
}
