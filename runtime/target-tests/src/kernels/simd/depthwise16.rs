//! `depthwise16`: one output pixel of a depth-multiplier-1 depthwise convolution, sixteen
//! channels per group, from packed `Group16` tables.

use super::{out_quant, requant};
use crate::buffers::{Buffers, INPUT};
use crate::check::{self, Case, GUARD};
use crate::params;
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::simd::{self, Group16};

/// Most taps per `depthwise16` case.
const MAX_TAPS: usize = 12;

#[derive(Debug)]
#[allow(dead_code)] // fields read only by `Debug`, in mismatch reports
struct Depthwise16Case {
    taps: usize,
    groups: usize,
    c_first: usize,
    stride: usize,
    w: usize,
    out: usize,
    offset: i32,
    min: i32,
    max: i32,
}

/// `depthwise16`: one output pixel, sixteen channels per group, taps anywhere in the
/// input, filter taps `stride` apart, channels from `c_first`.
pub fn depthwise16(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let (taps, groups, c_first) = (rng.size(1, MAX_TAPS), rng.size(1, 4), rng.size(0, 20));
    let span = c_first + 16 * groups;
    let stride = span + rng.size(0, 8);
    let w = rng.size(0, 16);
    let q = out_quant(rng);
    let c = Depthwise16Case {
        taps,
        groups,
        c_first,
        stride,
        w,
        out: rng.size(0, 16),
        offset: q.offset,
        min: q.min,
        max: q.max,
    };
    let n = 16 * groups;
    rng.fill_i8(&mut b.input);
    rng.fill_i8(&mut b.filter[w..w + (taps - 1) * stride + span]);
    params::biases(rng, &mut b.bias[..n]);
    params::requant(rng, &mut b.mult[..n], &mut b.shift[..n]);
    let mut table = [Group16::default(); 4];
    for ch in 0..n {
        table[ch / 16].set(ch % 16, b.bias[ch], b.mult[ch], b.shift[ch]);
    }
    // Each tap reads `span` bytes from anywhere in the input (the kernel points padded
    // taps at a buffer of zero points; any readable bytes do here).
    let mut starts = [0usize; MAX_TAPS];
    for s in &mut starts[..taps] {
        *s = rng.size(0, INPUT - span);
    }
    let filter = &b.filter[w..];
    for ch in 0..n {
        let cc = c_first + ch;
        let mut acc = b.bias[ch];
        for (t, &s) in starts[..taps].iter().enumerate() {
            acc = acc.wrapping_add(b.input[s + cc] as i32 * filter[t * stride + cc] as i32);
        }
        b.want[ch] = requant(acc, b.mult[ch], b.shift[ch], q);
    }
    let mut ptrs = [core::ptr::null::<i8>(); MAX_TAPS];
    for (p, &s) in ptrs.iter_mut().zip(&starts[..taps]) {
        *p = b.input[s..s + span].as_ptr();
    }
    check::prepare(&b.want[..n], &mut b.got[c.out..]);
    let out = b.got[c.out..c.out + n + GUARD].as_mut_ptr();
    // SAFETY: every tap pointer addresses `span = c_first + 16 * groups` input bytes;
    // the filter holds `(taps - 1) * stride + span` bytes from `w`; `out` addresses `n`
    // writable bytes (and the guard after them); `taps` and `groups` are not empty.
    unsafe { simd::depthwise16(&ptrs[..taps], filter.as_ptr(), stride, c_first, &table[..groups], q, out) };
    check::guard(case, &c, &b.got[c.out..], n);
    check::equal(case, "out", &c, &b.want[..n], &mut b.got[c.out..c.out + n]);
    Outcome::Checked
}
