//! `widen_pairs` and `dot2_wide`: the DSP fully connected path (`ldrd`, `sxtb16`,
//! `smlad` on an i16 row in pair order).

use super::{length, start};
use crate::buffers::{Buffers, FILTER};
use crate::check::{self, Case};
use crate::params;
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::optimized::simd;

#[derive(Debug)]
#[allow(dead_code)] // fields read only by `Debug`, in mismatch reports
struct Dot2WideCase {
    k: usize,
    offset: i32,
    wide: usize,
    w: [usize; 2],
}

/// `widen_pairs` then `dot2_wide`: an input row widened with its offset in SMLAD pair
/// order, against two weight rows (the same row twice one case in four, as the fully
/// connected kernel does for an odd last output). The widened row starts on a word
/// boundary three cases in four (the `ldrd` loop), else on a halfword (portable loop).
pub fn dot2_wide(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let k = length(rng);
    let wide = 2 * rng.size(0, 8) + if rng.one_in(4) { 1 } else { 0 };
    let w0 = start(rng, k, FILTER / 2);
    let w1 = if rng.one_in(4) { w0 } else { FILTER / 2 + start(rng, k, FILTER / 2) };
    let c = Dot2WideCase { k, offset: -params::zero_point(rng), wide, w: [w0, w1] };
    rng.fill_i8(&mut b.input[..k]);
    rng.fill_i8(&mut b.filter);
    let x = &b.input[..k];
    // The layout `widen_pairs` promises: pairs [0, 2, 1, 3] of each full group of four,
    // the tail in order.
    for (i, d) in b.want16[..k].iter_mut().enumerate() {
        let j = if i < k / 4 * 4 { i - i % 4 + [0, 2, 1, 3][i % 4] } else { i };
        *d = (x[j] as i32 + c.offset) as i16;
    }
    let wide = &mut b.input16.0[wide..wide + k];
    simd::widen_pairs(x, c.offset, wide);
    check::equal(case, "widen_pairs", &c, &b.want16[..k], wide);
    let (r0, r1) = (&b.filter[w0..w0 + k], &b.filter[w1..w1 + k]);
    let want = [dot_offset(x, c.offset, r0), dot_offset(x, c.offset, r1)];
    let mut got = simd::dot2_wide(wide, r0, r1);
    check::equal(case, "dot2", &c, &want, &mut got);
    Outcome::Checked
}

/// Wrapping `sum (x[i] + offset) * w[i]`.
fn dot_offset(x: &[i8], offset: i32, w: &[i8]) -> i32 {
    x.iter().zip(w).fold(0i32, |a, (&x, &w)| a.wrapping_add((x as i32 + offset) * w as i32))
}
