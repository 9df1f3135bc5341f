//! `average_pool` and `max_pool` on int8 and int16: windows up to 5x5, strides up to 3,
//! SAME and VALID padding (clipped windows at the border), 1 to 100 channels (across
//! the 64-channel blocks), 1 or 2 batches, random activation clamps.

use crate::buffers::{Buffers, INPUT, OUTPUT, WIDE};
use crate::check::{self, Case};
use crate::params;
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::pooling;
use tinyml_runtime::kernels::pooling::{average_pool_reference, max_pool_reference, PoolParams};

/// An int8 case; the int16 variant of the same geometry uses the full int16 range.
fn draw(rng: &mut Rng) -> PoolParams {
    loop {
        let (h, w) = (params::axis(rng, 12, 5, 3, 1), params::axis(rng, 12, 5, 3, 1));
        let (amin, amax) = params::activation(rng);
        let p = PoolParams {
            stride_w: w.stride,
            stride_h: h.stride,
            filter_w: w.filter,
            filter_h: h.filter,
            pad_w: w.pad,
            pad_h: h.pad,
            activation_min: amin,
            activation_max: amax,
            batches: if rng.one_in(4) { 2 } else { 1 },
            input_h: h.input,
            input_w: w.input,
            depth: rng.size(1, 100),
            output_h: h.output,
            output_w: w.output,
        };
        let (ni, no) = sizes(&p);
        if ni <= INPUT.min(WIDE) && no <= OUTPUT.min(WIDE) {
            return p;
        }
    }
}

/// Input and output elements of `p`.
fn sizes(p: &PoolParams) -> (usize, usize) {
    (p.batches * p.input_h * p.input_w * p.depth, p.batches * p.output_h * p.output_w * p.depth)
}

/// The int16 parameters for the int8 case `p`: the full range, or a clamp scaled up.
fn wide(p: &PoolParams) -> PoolParams {
    if (p.activation_min, p.activation_max) == (-128, 127) {
        PoolParams { activation_min: -32768, activation_max: 32767, ..*p }
    } else {
        PoolParams { activation_min: p.activation_min * 256, activation_max: p.activation_max * 256 + 255, ..*p }
    }
}

/// Draws and checks one average-pooling case (int8, then int16).
pub fn average(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    pool(
        b,
        rng,
        case,
        average_pool_reference,
        pooling::optimized::average_pool,
        average_pool_reference,
        pooling::optimized::average_pool,
    )
}

/// Draws and checks one max-pooling case (int8, then int16).
pub fn max(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    pool(
        b,
        rng,
        case,
        max_pool_reference,
        pooling::optimized::max_pool,
        max_pool_reference,
        pooling::optimized::max_pool,
    )
}

type Pool<T> = fn(&PoolParams, &[T], &mut [T]);

fn pool(
    b: &mut Buffers,
    rng: &mut Rng,
    case: Case,
    reference: Pool<i8>,
    optimized: Pool<i8>,
    reference16: Pool<i16>,
    optimized16: Pool<i16>,
) -> Outcome {
    let p = draw(rng);
    let (ni, no) = sizes(&p);
    rng.fill_i8(&mut b.input[..ni]);
    reference(&p, &b.input[..ni], &mut b.want[..no]);
    check::prepare(&b.want[..no], &mut b.got);
    optimized(&p, &b.input[..ni], &mut b.got[..no]);
    check::guard(case, &p, &b.got, no);
    check::equal(case, "int8", &p, &b.want[..no], &mut b.got[..no]);

    let p16 = wide(&p);
    let input16 = &mut b.input16[..ni];
    for v in input16.iter_mut() {
        *v = rng.u32() as i16;
    }
    reference16(&p16, input16, &mut b.want16[..no]);
    for (g, &w) in b.got16[..no].iter_mut().zip(&b.want16[..no]) {
        *g = !w;
    }
    optimized16(&p16, input16, &mut b.got16[..no]);
    check::equal(case, "int16", &p16, &b.want16[..no], &mut b.got16[..no]);
    Outcome::Checked
}
