//! int8 MUL (the vector loop of `mul_s8`, `mul_s8_rows` where one input is a repeated
//! row, and `mul_s8_in_place` over same-shape inputs, over either input) against the
//! reference loop: multipliers in `[2^30, 2^31)` (exactly `2^30` one time in eight), right shifts of 1 to 22 (and, one
//! time in eight, shifts the vector loop declines), random zero points and clamps, over
//! random broadcasts (same shape, per channel, scalar, rows, columns; up to four
//! dimensions and 4000 outputs) drawn as in `add::run_table`.

use crate::buffers::Buffers;
use crate::check::{self, Case};
use crate::kernels::add::{check_in_place, random_broadcast};
use crate::params;
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::in_place::mul_s8_in_place;
use tinyml_runtime::kernels::mul::{mul_s8, mul_s8_reference, mul_s8_rows, MulParams};

/// Draws and checks one case.
pub fn run(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let Some((shape, n1, n2)) = random_broadcast(rng) else {
        return Outcome::Declined;
    };
    let mult = if rng.one_in(8) { 1 << 30 } else { (1 << 30) + (rng.u32() >> 2) as i32 };
    let shift = if rng.one_in(8) { rng.int(-31, 3) } else { rng.int(-22, -1) };
    let (amin, amax) = params::activation(rng);
    let p = MulParams {
        input1_offset: -params::zero_point(rng),
        input2_offset: -params::zero_point(rng),
        output_offset: params::zero_point(rng),
        output_multiplier: mult,
        output_shift: shift,
        activation_min: amin,
        activation_max: amax,
        shape,
    };
    let n = shape.out_len();
    rng.fill_i8(&mut b.input[..n1 + n2]);
    let (in1, in2) = b.input[..n1 + n2].split_at(n1);
    mul_s8_reference(&p, in1, in2, &mut b.want[..n]);
    check::prepare(&b.want[..n], &mut b.got);
    mul_s8(&p, in1, in2, &mut b.got[..n]);
    check::guard(case, &p, &b.got, n);
    check::equal(case, "int8", &p, &b.want[..n], &mut b.got[..n]);
    // Where one input is a row repeated over the other, the compiler emits
    // `mul_s8_rows`, which takes the row from the shorter slice.
    if shape.repeated_row().is_some() {
        check::prepare(&b.want[..n], &mut b.got);
        mul_s8_rows(&p, in1, in2, &mut b.got[..n]);
        check::guard(case, &p, &b.got, n);
        check::equal(case, "int8 rows", &p, &b.want[..n], &mut b.got[..n]);
    }
    // Same-shape inputs run in place too (the layers the compiler plans so).
    if shape.elementwise {
        check_in_place(&mut b.got, case, &p, (in1, in2, &b.want[..n]), |acc, other, k| {
            mul_s8_in_place(&p, acc, other, k)
        });
    }
    Outcome::Checked
}
