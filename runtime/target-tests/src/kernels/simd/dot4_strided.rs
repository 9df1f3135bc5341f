//! `dot4_strided` and `dot_few_strided`: channels over runs of a window read in place
//! (the runs `x_stride` bytes apart in the input, the filter rows' runs `w_stride` apart),
//! the input offset added to each input (the convolution's windows without Helium; DSP:
//! one routine over all groups and runs, `sxtab16`/`smlad` for the words of a run,
//! `ldrsb`/`mla` for its last bytes; one to three channels in one call whose lanes
//! repeat rows).

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
struct Dot4StridedCase {
    runs: usize,
    len: usize,
    x_stride: usize,
    w_stride: usize,
    k: usize,
    channels: usize,
    off: i32,
    x: usize,
    w: usize,
}

/// Draws and checks one case: runs of whole words mostly, one in three any length; one
/// in four cases has one to three channels (`dot_few_strided`), the others whole groups.
pub fn dot4_strided(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let runs = rng.size(1, 7);
    let len = if rng.one_in(3) { rng.size(1, 64) } else { 4 * rng.size(1, 32) };
    let x_stride = len + rng.size(0, 3) * 4 + rng.size(0, 3);
    let w_stride = len + rng.size(0, 3) * 4 + rng.size(0, 3);
    let k = (runs - 1) * w_stride + len + rng.size(0, 16);
    let few = rng.one_in(4);
    let channels = if few { rng.size(1, 3) } else { 4 * rng.size(1, MAX_GROUPS.min((FILTER - 64) / (4 * k)).max(1)) };
    let off = -params::zero_point(rng);
    let x_len = (runs - 1) * x_stride + len;
    let (x, w) = (start(rng, x_len, INPUT), start(rng, channels * k, FILTER));
    let c = Dot4StridedCase { runs, len, x_stride, w_stride, k, channels, off, x, w };
    rng.fill_i8(&mut b.input[x..x + x_len]);
    rng.fill_i8(&mut b.filter[w..w + channels * k]);
    let (xs, ws) = (&b.input[x..x + x_len], &b.filter[w..w + channels * k]);
    let mut want = [0i32; 4 * MAX_GROUPS];
    let mut got = [0i32; 4 * MAX_GROUPS];
    for ch in 0..channels {
        let start = rng.u32() as i32;
        got[ch] = start;
        want[ch] = (0..runs).fold(start, |a, r| {
            let row = &ws[ch * k + r * w_stride..][..len];
            let d = xs[r * x_stride..][..len].iter().zip(row);
            d.fold(a, |a, (&xv, &wv)| a.wrapping_add((xv as i32 + off) * wv as i32))
        });
    }
    if few {
        simd::dot_few_strided(xs, x_stride, off, ws, k, w_stride, runs, len, &mut got[..channels]);
    } else {
        simd::dot4_strided(xs, x_stride, off, ws, k, w_stride, runs, len, &mut got[..channels]);
    }
    check::equal(case, "acc", &c, &want[..channels], &mut got[..channels]);
    Outcome::Checked
}
