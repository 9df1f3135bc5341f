//! `dot4_requantize` and `dot4_requantize_wide`: dot products of a block of channels and
//! their requantization in one routine, from packed `Group4` tables.

use super::{dot, length, out_quant, requant, start};
use crate::buffers::{Buffers, FILTER};
use crate::check::{self, Case};
use crate::params;
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::optimized::simd::{self, Group4, OutQuant};

/// Most groups of four channels per `dot4_requantize` case (68 channels).
const MAX_GROUPS: usize = 17;

#[derive(Debug)]
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

/// Draws a `dot4_requantize(_wide)` case: geometry, weights, channel constants (in
/// `bias`, `mult`, `shift` and packed into `table`).
fn dot4_requantize_case(b: &mut Buffers, rng: &mut Rng, table: &mut [Group4; MAX_GROUPS]) -> Dot4RequantizeCase {
    let k = length(rng);
    let groups = rng.size(1, MAX_GROUPS.min(FILTER / 4 / k.max(1) - 1));
    let n = 4 * groups;
    let w = start(rng, n * k, FILTER);
    let q = out_quant(rng);
    let c = Dot4RequantizeCase {
        k,
        groups,
        x: rng.size(0, 16),
        w,
        out: rng.size(0, 16),
        offset: q.offset,
        min: q.min,
        max: q.max,
    };
    rng.fill_i8(&mut b.filter[w..w + n * k]);
    params::biases(rng, &mut b.bias[..n]);
    params::requant(rng, &mut b.mult[..n], &mut b.shift[..n]);
    for ch in 0..n {
        table[ch / 4].set(ch % 4, b.bias[ch], b.mult[ch], b.shift[ch]);
    }
    c
}

/// `dot4_requantize`: a block of channels, dot products and requantization in one.
pub fn dot4_requantize(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let mut table = [Group4::default(); MAX_GROUPS];
    let c = dot4_requantize_case(b, rng, &mut table);
    let (k, n, q) = (c.k, 4 * c.groups, OutQuant { offset: c.offset, min: c.min, max: c.max });
    rng.fill_i8(&mut b.input[c.x..c.x + k]);
    let (x, w) = (&b.input[c.x..c.x + k], &b.filter[c.w..c.w + n * k]);
    for ch in 0..n {
        let acc = dot(x, &w[ch * k..]).wrapping_add(b.bias[ch]);
        b.want[ch] = requant(acc, b.mult[ch], b.shift[ch], q);
    }
    check::prepare(&b.want[..n], &mut b.got[c.out..]);
    simd::dot4_requantize(x, w, &table[..c.groups], q, &mut b.got[c.out..c.out + n]);
    check::guard(case, &c, &b.got[c.out..], n);
    check::equal(case, "out", &c, &b.want[..n], &mut b.got[c.out..c.out + n]);
    Outcome::Checked
}

/// `dot4_requantize_wide`: as `dot4_requantize` on an input widened to int16 (int8 plus
/// an input offset, the range the fully connected kernel feeds it).
pub fn dot4_requantize_wide(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let mut table = [Group4::default(); MAX_GROUPS];
    let c = dot4_requantize_case(b, rng, &mut table);
    let (k, n, q) = (c.k, 4 * c.groups, OutQuant { offset: c.offset, min: c.min, max: c.max });
    let offset = -params::zero_point(rng);
    let x = &mut b.input16.0[c.x..c.x + k];
    for v in x.iter_mut() {
        *v = (rng.u32() as i8) as i16 + offset as i16;
    }
    let (x, w) = (&*x, &b.filter[c.w..c.w + n * k]);
    for ch in 0..n {
        let acc = dot(x, &w[ch * k..]).wrapping_add(b.bias[ch]);
        b.want[ch] = requant(acc, b.mult[ch], b.shift[ch], q);
    }
    check::prepare(&b.want[..n], &mut b.got[c.out..]);
    simd::dot4_requantize_wide(x, w, &table[..c.groups], q, &mut b.got[c.out..c.out + n]);
    check::guard(case, &c, &b.got[c.out..], n);
    check::equal(case, "out", &c, &b.want[..n], &mut b.got[c.out..c.out + n]);
    Outcome::Checked
}
