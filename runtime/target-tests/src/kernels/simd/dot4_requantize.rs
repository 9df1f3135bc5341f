//! `dot4_requantize`: dot products of a block of channels and their requantization in
//! one routine, from a packed `Group4` table (Helium: `vmladava.s8` and vector
//! requantization; elsewhere `dot4` and scalar requantization).

use super::{dot, length, out_quant, requant, start};
use crate::buffers::{Buffers, FILTER};
use crate::check::{self, Case};
use crate::params;
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::simd::{self, Group4};

/// Most groups of four channels per case (68 channels).
const MAX_GROUPS: usize = 17;

#[derive(Debug)]
#[allow(dead_code)] // fields read only by `Debug`, in mismatch reports
struct Dot4RequantizeCase {
    k: usize,
    groups: usize,
    x: usize,
    w: usize,
    out: usize,
    offset: i32,
    min: i32,
    max: i32,
}

/// Draws and checks one case: `groups` groups of four rows of `k` weights, their
/// constants packed with `Group4::set` as the compiler packs them.
pub fn dot4_requantize(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let k = length(rng);
    let groups = rng.size(1, MAX_GROUPS.min(FILTER / 4 / k.max(1) - 1));
    let n = 4 * groups;
    let w = start(rng, n * k, FILTER);
    let q = out_quant(rng);
    let (x, out) = (rng.size(0, 16), rng.size(0, 16));
    let c = Dot4RequantizeCase { k, groups, x, w, out, offset: q.offset, min: q.min, max: q.max };
    rng.fill_i8(&mut b.input[x..x + k]);
    rng.fill_i8(&mut b.filter[w..w + n * k]);
    params::biases(rng, &mut b.bias[..n]);
    params::requant(rng, &mut b.mult[..n], &mut b.shift[..n]);
    let mut table = [Group4::default(); MAX_GROUPS];
    for ch in 0..n {
        table[ch / 4].set(ch % 4, b.bias[ch], b.mult[ch], b.shift[ch]);
    }
    let (xs, ws) = (&b.input[x..x + k], &b.filter[w..w + n * k]);
    for ch in 0..n {
        let acc = dot(xs, &ws[ch * k..]).wrapping_add(b.bias[ch]);
        b.want[ch] = requant(acc, b.mult[ch], b.shift[ch], q);
    }
    check::prepare(&b.want[..n], &mut b.got[out..]);
    simd::dot4_requantize(xs, ws, &table[..groups], q, &mut b.got[out..out + n]);
    check::guard(case, &c, &b.got[out..], n);
    check::equal(case, "out", &c, &b.want[..n], &mut b.got[out..out + n]);
    Outcome::Checked
}
