//! `dot4_runs`: groups of four rows over runs of a window's filter rows, the input offset
//! added to each input (the convolution's border pixels without Helium; DSP: one routine
//! over all groups and runs, `sxtab16`/`smlad`, for runs of whole words, else the scalar
//! loop).

use super::start;
use crate::buffers::{Buffers, FILTER, INPUT};
use crate::check::{self, Case};
use crate::params;
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::simd;

/// Most groups of four rows per case (a 64-channel block).
const MAX_GROUPS: usize = 16;

#[derive(Debug)]
#[allow(dead_code)] // fields read only by `Debug`, in mismatch reports
struct Dot4RunsCase {
    runs: usize,
    len: usize,
    stride: usize,
    k: usize,
    groups: usize,
    off: i32,
    x: usize,
    w: usize,
}

/// Draws and checks one case: runs of whole words mostly (the routine), one in four any
/// length.
pub fn dot4_runs(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let runs = rng.size(1, 7);
    let len = if rng.one_in(4) { rng.size(1, 64) } else { 4 * rng.size(1, 32) };
    let stride = len + rng.size(0, 3) * 4 + rng.size(0, 3);
    let k = (runs - 1) * stride + len + rng.size(0, 16);
    let groups = rng.size(1, MAX_GROUPS.min((FILTER - 64) / (4 * k)).max(1));
    let n = 4 * groups;
    let off = -params::zero_point(rng);
    let (x, w) = (start(rng, runs * len, INPUT), start(rng, n * k, FILTER));
    let c = Dot4RunsCase { runs, len, stride, k, groups, off, x, w };
    rng.fill_i8(&mut b.input[x..x + runs * len]);
    rng.fill_i8(&mut b.filter[w..w + n * k]);
    let (xs, ws) = (&b.input[x..x + runs * len], &b.filter[w..w + n * k]);
    let mut want = [0i32; 4 * MAX_GROUPS];
    let mut got = [0i32; 4 * MAX_GROUPS];
    for ch in 0..n {
        let start = rng.u32() as i32;
        got[ch] = start;
        want[ch] = (0..runs).fold(start, |a, r| {
            let row = &ws[ch * k + r * stride..][..len];
            let d = xs[r * len..][..len].iter().zip(row);
            d.fold(a, |a, (&xv, &wv)| a.wrapping_add((xv as i32 + off) * wv as i32))
        });
    }
    simd::dot4_runs(xs, off, ws, k, runs, stride, &mut got[..n]);
    check::equal(case, "acc", &c, &want[..n], &mut got[..n]);
    Outcome::Checked
}
