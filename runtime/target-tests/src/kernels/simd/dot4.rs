//! `dot4`: one int8 row against four weight rows (Helium `vmladava`, DSP `smlad`).

use super::{dot, length, start};
use crate::buffers::{Buffers, FILTER, INPUT};
use crate::check::{self, Case};
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::simd;

#[derive(Debug)]
#[allow(dead_code)] // fields read only by `Debug`, in mismatch reports
struct Dot4Case {
    n: usize,
    x: usize,
    w: [usize; 4],
}

/// `dot4`: one input row against four weight rows.
pub fn dot4(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let n = length(rng);
    let x = start(rng, n, INPUT);
    let w = core::array::from_fn(|i| i * (FILTER / 4) + start(rng, n, FILTER / 4));
    let c = Dot4Case { n, x, w };
    rng.fill_i8(&mut b.input[..x + n]);
    rng.fill_i8(&mut b.filter);
    let xs = &b.input[x..x + n];
    let row = |i: usize| &b.filter[w[i]..w[i] + n];
    let want: [i32; 4] = core::array::from_fn(|i| dot(xs, row(i)));
    let mut got = simd::dot4(xs, row(0), row(1), row(2), row(3));
    check::equal(case, "dot4", &c, &want, &mut got);
    Outcome::Checked
}
