//! `fully_connected_s8` from the table the compiler packs (`fully_connected_s8_pack`: one
//! folded bias per output; the multiplier and shift are the params'), and, one case in
//! 32, from a foreign table (one word short) that must run the reference: accumulation
//! depths from 1 (tails of one to three inputs) through
//! medium to 1100, 1 to 80 outputs (most not multiples of 4, some beyond a 64-channel
//! block), 1 to 3 batches, symmetric (zero) and asymmetric filter zero points, with and
//! without bias.

use crate::buffers::{Buffers, CHANNELS, FILTER, INPUT, OUTPUT};
use crate::check::{self, Case};
use crate::params;
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::fully_connected;
use tinyml_runtime::kernels::fully_connected::{
    fully_connected_s8_pack, fully_connected_s8_packed_len, fully_connected_s8_reference, FullyConnectedParams,
};

/// A drawn case, printed with a mismatch.
#[derive(Debug)]
struct FcCase {
    bias: bool,
    foreign_table: bool,
    p: FullyConnectedParams,
}

fn draw(rng: &mut Rng) -> FcCase {
    loop {
        let depth = match rng.u32() % 8 {
            0..=1 => rng.size(1, 32),
            2..=6 => rng.size(33, 400),
            _ => rng.size(401, 1100),
        };
        let out = rng.size(1, 80);
        let batches = rng.size(1, 3);
        let (mult, shift) = params::one_requant(rng);
        let (amin, amax) = params::activation(rng);
        let p = FullyConnectedParams {
            input_offset: -params::zero_point(rng),
            filter_offset: if rng.one_in(3) { -params::zero_point(rng) } else { 0 },
            output_offset: params::zero_point(rng),
            output_multiplier: mult,
            output_shift: shift,
            activation_min: amin,
            activation_max: amax,
            batches,
            accum_depth: depth,
            output_depth: out,
        };
        if batches * depth <= INPUT && out * depth <= FILTER && batches * out <= OUTPUT && out < CHANNELS {
            return FcCase { bias: !rng.one_in(4), foreign_table: rng.one_in(32), p };
        }
    }
}

/// Draws and checks one case.
pub fn run(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let c = draw(rng);
    let p = &c.p;
    let (ni, nf, no) = (p.batches * p.accum_depth, p.output_depth * p.accum_depth, p.batches * p.output_depth);
    rng.fill_i8(&mut b.input[..ni]);
    rng.fill_i8(&mut b.filter[..nf]);
    params::biases(rng, &mut b.bias[..p.output_depth]);
    let (input, filter) = (&b.input[..ni], &b.filter[..nf]);
    let bias = if c.bias { &b.bias[..p.output_depth] } else { &[][..] };

    // The table in the per-channel multiplier buffer, which fully connected layers do not
    // use.
    let len = fully_connected_s8_packed_len(p);
    fully_connected_s8_pack(p, filter, bias, &mut b.mult[..len]);
    let packed = if c.foreign_table { &b.mult[..len - 1] } else { &b.mult[..len] };

    fully_connected_s8_reference(p, input, filter, bias, &mut b.want[..no]);
    check::prepare(&b.want[..no], &mut b.got);
    fully_connected::optimized::fully_connected_s8(p, input, filter, bias, packed, &mut b.got[..no]);
    check::guard(case, &c, &b.got, no);
    check::equal(case, "output", &c, &b.want[..no], &mut b.got[..no]);
    Outcome::Checked
}
