//! int8 ADD and SUB over same-shape inputs (the Helium fast path of `add_s8`) against
//! the reference loop: multipliers and shifts drawn as the compiler derives them from
//! random scales (the larger input at `mult` in `[2^30, 2^31)`, shift 0; the other and
//! the output at negative shifts), random zero points and clamps, 0 to 600 elements.

use crate::buffers::{Buffers, INPUT, OUTPUT};
use crate::check::{self, Case};
use crate::params;
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::add::{add_s8, add_s8_reference, AddParams};
use tinyml_runtime::kernels::broadcast::Broadcast;

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
    add_s8(&p, in1, in2, &mut b.got[..n]);
    check::guard(case, &p, &b.got, n);
    check::equal(case, "int8", &p, &b.want[..n], &mut b.got[..n]);
    Outcome::Checked
}
