//! `requantize`: per-channel requantization of a run of accumulators (Helium: four lanes
//! at a time, the last four overlapping).

use super::{out_quant, requant};
use crate::buffers::Buffers;
use crate::check::{self, Case};
use crate::params;
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::simd;

#[derive(Debug)]
#[allow(dead_code)] // fields read only by `Debug`, in mismatch reports
struct RequantizeCase {
    n: usize,
    start: usize,
    out: usize,
    offset: i32,
    min: i32,
    max: i32,
}

/// `requantize`: a run of per-channel requantizations.
pub fn requantize(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let n = rng.size(0, 80);
    let (s, o) = (rng.size(0, 16), rng.size(0, 16));
    let q = out_quant(rng);
    let c = RequantizeCase { n, start: s, out: o, offset: q.offset, min: q.min, max: q.max };
    // Accumulators of every magnitude: a quarter over the whole i32 range.
    let range = if rng.one_in(4) { i32::MAX } else { 1 << 20 };
    for a in &mut b.bias[s..s + n] {
        *a = rng.int(-range, range);
    }
    params::requant(rng, &mut b.mult[s..s + n], &mut b.shift[s..s + n]);
    let (acc, mult, shift) = (&b.bias[s..s + n], &b.mult[s..s + n], &b.shift[s..s + n]);
    for i in 0..n {
        b.want[i] = requant(acc[i], mult[i], shift[i], q);
    }
    check::prepare(&b.want[..n], &mut b.got[o..]);
    simd::requantize(acc, mult, shift, q.offset, q.min, q.max, &mut b.got[o..o + n]);
    check::guard(case, &c, &b.got[o..], n);
    check::equal(case, "out", &c, &b.want[..n], &mut b.got[o..o + n]);
    Outcome::Checked
}
