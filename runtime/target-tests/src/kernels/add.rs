//! int8 ADD and SUB against the reference loop. `run`: same-shape inputs without a
//! table (the Helium loop that computes each element), out of place and in place over
//! either input: multipliers and shifts drawn as the compiler derives them from random
//! scales (the larger input at `mult` in `[2^30, 2^31)`, shift 0; the other and the
//! output at negative shifts), random zero points and clamps, 0 to 600 elements.
//! `run_table`: the two-table kernel over random broadcasts (same shape, per channel,
//! scalar, rows, columns; up to four dimensions and 4096 outputs; same-shape ones in
//! place too), with parameters in the ranges models have; packing a table takes a few
//! million instructions, so 32 consecutive cases share one set of parameters.

use crate::buffers::{Buffers, INPUT, OUTPUT};
use crate::check::{self, Case};
use crate::params;
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::add::{add_s8, add_s8_pack, add_s8_reference, AddParams, ADD_S8_PACKED_WORDS};
use tinyml_runtime::kernels::broadcast::{Broadcast, MAX_DIMS};
use tinyml_runtime::kernels::in_place::add_s8_in_place;

/// A Q31 multiplier in `[2^30, 2^31)`, exactly `2^30` one time in eight (equal scales).
fn multiplier(rng: &mut Rng) -> i32 {
    if rng.one_in(8) {
        1 << 30
    } else {
        (1 << 30) + (rng.u32() >> 2) as i32
    }
}

fn draw(rng: &mut Rng) -> AddParams {
    let n = rng.size(0, 600).min(INPUT / 2).min(OUTPUT - check::GUARD);
    // One input has the larger scale: ratio 1/2, shift 0; the other a smaller one.
    let (big, small) =
        ((multiplier(rng), 0), (multiplier(rng), if rng.one_in(16) { rng.int(-31, -13) } else { rng.int(-12, 0) }));
    let ((m1, s1), (m2, s2)) = if rng.one_in(2) { (big, small) } else { (small, big) };
    let out_shift = if rng.one_in(16) { rng.int(-31, -26) } else { rng.int(-25, -10) };
    let (amin, amax) = params::activation(rng);
    AddParams {
        left_shift: 20,
        input1_offset: -params::zero_point(rng),
        input1_multiplier: m1,
        input1_shift: s1,
        input2_offset: -params::zero_point(rng),
        input2_multiplier: m2,
        input2_shift: s2,
        output_offset: params::zero_point(rng),
        output_multiplier: multiplier(rng),
        output_shift: out_shift,
        activation_min: amin,
        activation_max: amax,
        subtract: rng.one_in(2),
        shape: Broadcast::elementwise(n),
    }
}

/// Draws and checks one case.
pub fn run(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let p = draw(rng);
    let n = p.shape.out_len();
    rng.fill_i8(&mut b.input[..2 * n]);
    let (in1, in2) = b.input[..2 * n].split_at(n);
    add_s8_reference(&p, in1, in2, &mut b.want[..n]);
    check::prepare(&b.want[..n], &mut b.got);
    add_s8(&p, in1, in2, &[], &mut b.got[..n]);
    check::guard(case, &p, &b.got, n);
    check::equal(case, "int8", &p, &b.want[..n], &mut b.got[..n]);
    check_in_place(&mut b.got, case, &p, (in1, in2, &b.want[..n]), |acc, other, k| {
        add_s8_in_place(&p, acc, other, k, &[])
    });
    Outcome::Checked
}

/// Checks `in_place(acc, other, operand)` (the output over input `operand`, which case
/// `case` picks by its index) against `want`: the same-shape inputs `in1`, `in2`.
pub fn check_in_place(
    b_got: &mut [i8],
    case: Case,
    params: &dyn core::fmt::Debug,
    (in1, in2, want): (&[i8], &[i8], &[i8]),
    in_place: impl FnOnce(&mut [i8], &[i8], usize),
) {
    let n = want.len();
    let operand = (case.index % 2) as usize;
    let (acc, other) = if operand == 0 { (in1, in2) } else { (in2, in1) };
    check::prepare(want, b_got);
    b_got[..n].copy_from_slice(acc);
    in_place(&mut b_got[..n], other, operand);
    check::guard(case, params, b_got, n);
    check::equal(
        case,
        if operand == 0 { "in place over input 1" } else { "in place over input 2" },
        params,
        want,
        &mut b_got[..n],
    );
}

/// Cases that share one set of parameters (and one packed table) in [`run_table`].
const GROUP: u32 = 32;

/// The parameters and table of the current group of [`run_table`].
struct Cached {
    group: u32,
    params: AddParams,
    words: usize,
    table: [i32; ADD_S8_PACKED_WORDS],
}

static mut CACHE: Cached = Cached {
    group: u32::MAX,
    params: draw_table_params(0, 0, [0; 3], false),
    words: 0,
    table: [0; ADD_S8_PACKED_WORDS],
};

/// Parameters as the compiler derives them from scales a model has: input 2's scale
/// `2^-d1` of input 1's (or the other way), the output's `2^d2` of the larger (`d2` in
/// about `[-1, 2]`, as the output shift `-19 + d2` says), with random mantissas.
const fn draw_table_params(m: i32, d: i32, zp: [i32; 3], subtract: bool) -> AddParams {
    AddParams {
        left_shift: 20,
        input1_offset: -zp[0],
        input1_multiplier: 1 << 30,
        input1_shift: 0,
        input2_offset: -zp[1],
        input2_multiplier: (1 << 30) + m,
        input2_shift: -d,
        output_offset: zp[2],
        output_multiplier: (1 << 30) + (m >> 1),
        output_shift: -19,
        activation_min: -128,
        activation_max: 127,
        subtract,
        shape: Broadcast::elementwise(0),
    }
}

fn group_params(rng: &mut Rng) -> AddParams {
    let zp = [params::zero_point(rng), params::zero_point(rng), params::zero_point(rng)];
    let mut p = draw_table_params((rng.u32() >> 2) as i32, rng.int(0, 4), zp, rng.one_in(2));
    if rng.one_in(2) {
        // Input 1 the smaller scale.
        (p.input1_multiplier, p.input1_shift, p.input2_multiplier, p.input2_shift) =
            (p.input2_multiplier, p.input2_shift, p.input1_multiplier, p.input1_shift);
    }
    p.output_multiplier = (1 << 30) + (rng.u32() >> 2) as i32;
    p.output_shift = rng.int(-20, -17);
    (p.activation_min, p.activation_max) = params::activation(rng);
    p
}

/// A broadcast to `dims` (rank `dims.len()`) where input `k` has dimension `d` when bit
/// `d` of `keep[k]` is set, else 1; strides as the compiler computes them.
fn broadcast(dims: &[usize], keep: [u32; 2]) -> (Broadcast, usize, usize) {
    let mut out = [1usize; MAX_DIMS];
    out[MAX_DIMS - dims.len()..].copy_from_slice(dims);
    let input = |mask: u32| {
        let mut d = [1usize; MAX_DIMS];
        for (k, &v) in dims.iter().enumerate() {
            if mask & (1 << k) != 0 {
                d[MAX_DIMS - dims.len() + k] = v;
            }
        }
        d
    };
    let (d1, d2) = (input(keep[0]), input(keep[1]));
    let strides = |d: &[usize; MAX_DIMS]| {
        let mut s = [0; MAX_DIMS];
        let mut step = 1;
        for k in (0..MAX_DIMS).rev() {
            s[k] = if d[k] == 1 { 0 } else { step };
            step *= d[k];
        }
        s
    };
    let n = out.iter().product();
    let shape = if d1 == out && d2 == out {
        Broadcast::elementwise(n)
    } else {
        Broadcast { out_dims: out, in1_strides: strides(&d1), in2_strides: strides(&d2), elementwise: false }
    };
    (shape, d1.iter().product(), d2.iter().product())
}

/// A random broadcast of up to four dimensions (outer ones up to 5, the innermost up to
/// 32: at most 4000 outputs), each input keeping all dimensions half of the time, else
/// a random subset; its shape and the elements of the two inputs. `None` when the
/// buffers are too small (never with these sizes).
pub fn random_broadcast(rng: &mut Rng) -> Option<(Broadcast, usize, usize)> {
    let rank = rng.int(1, 4) as usize;
    let mut dims = [1usize; 4];
    for d in dims[..rank - 1].iter_mut() {
        *d = rng.size(1, 5);
    }
    // One time in four a whole number of 16-element blocks (the Helium row loops).
    dims[rank - 1] = if rng.one_in(4) {
        16 * rng.size(1, 2)
    } else if rng.one_in(3) {
        rng.size(1, 4)
    } else {
        rng.size(1, 32)
    };
    let all = (1u32 << rank) - 1;
    let mut mask = || if rng.one_in(2) { all } else { rng.u32() & all };
    let keep = [mask(), mask()];
    let (shape, n1, n2) = broadcast(&dims[..rank], keep);
    (n1 + n2 <= INPUT && shape.out_len() + check::GUARD <= OUTPUT).then_some((shape, n1, n2))
}

/// Draws and checks one case of the two-table kernel.
pub fn run_table(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let group = case.index / GROUP;
    // SAFETY: the tests run on one thread, and this is the only access to `CACHE`.
    let cache = unsafe { &mut *core::ptr::addr_of_mut!(CACHE) };
    if cache.group != group {
        let mut prng = Rng::for_case(case.seed, 0x7ab1e, group);
        cache.params = group_params(&mut prng);
        cache.words = add_s8_pack(&cache.params, &mut cache.table);
        cache.group = group;
    }
    if cache.words == 0 {
        return Outcome::Declined;
    }
    let Some((shape, n1, n2)) = random_broadcast(rng) else {
        return Outcome::Declined;
    };
    let n = shape.out_len();
    let p = AddParams { shape, ..cache.params };
    rng.fill_i8(&mut b.input[..n1 + n2]);
    let (in1, in2) = b.input[..n1 + n2].split_at(n1);
    add_s8_reference(&p, in1, in2, &mut b.want[..n]);
    check::prepare(&b.want[..n], &mut b.got);
    add_s8(&p, in1, in2, &cache.table, &mut b.got[..n]);
    check::guard(case, &p, &b.got, n);
    check::equal(case, "int8", &p, &b.want[..n], &mut b.got[..n]);
    // Same-shape inputs run in place too (the layers the compiler plans so).
    if shape.elementwise {
        check_in_place(&mut b.got, case, &p, (in1, in2, &b.want[..n]), |acc, other, k| {
            add_s8_in_place(&p, acc, other, k, &cache.table[..cache.words])
        });
    }
    Outcome::Checked
}
