//! `transpose_conv_s8` (the optimized scatter) against the reference, which gathers
//! without scratch (a different loop order over the same sums): filters up to 5x5,
//! strides up to 3, SAME and VALID output sizes, 1 to 24 input and output channels,
//! batches of 1 or 2, accumulators at any alignment. One case in 32 passes scratch one
//! accumulator short and one in 32 a foreign table, which the kernel must decline.

use crate::buffers::{Buffers, CHANNELS, FILTER, INPUT, OUTPUT, SCRATCH};
use crate::check::{self, Case};
use crate::params;
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::transpose_conv;
use tinyml_runtime::kernels::transpose_conv::{
    transpose_conv_s8_pack, transpose_conv_s8_packed_len, transpose_conv_s8_reference, transpose_conv_s8_scratch,
    TransposeConvParams,
};

/// Tap-sum table entries at most (the upper half of the bias buffer holds them).
const TAPS: usize = CHANNELS / 2;

/// A drawn case, printed with a mismatch.
#[derive(Debug)]
#[allow(dead_code)] // fields read only by `Debug`, in mismatch reports
struct TransposeCase {
    bias: bool,
    /// Scratch bytes and their offset from a word boundary.
    scratch: usize,
    scratch_offset: usize,
    /// A table one word short: not this layer's.
    foreign_table: bool,
    p: TransposeConvParams,
}

/// One axis: (input, filter, stride, pad, output), the output TFLite's default for SAME
/// or VALID, the padding TFLM's over the output.
fn axis(rng: &mut Rng) -> (usize, usize, usize, usize, usize) {
    let (i, f, s) = (rng.size(1, 8), rng.size(1, 5), rng.size(1, 3));
    let same = rng.one_in(2);
    let o = if same { i * s } else { (i - 1) * s + f };
    let forward = if same { o.div_ceil(s) } else { (o + s - f) / s };
    (i, f, s, ((forward - 1) * s + f).saturating_sub(o) / 2, o)
}

fn draw(rng: &mut Rng) -> TransposeCase {
    loop {
        let (h, w) = (axis(rng), axis(rng));
        let (amin, amax) = params::activation(rng);
        let p = TransposeConvParams {
            input_offset: -params::zero_point(rng),
            output_offset: params::zero_point(rng),
            stride_w: w.2,
            stride_h: h.2,
            pad_w: w.3,
            pad_h: h.3,
            activation_min: amin,
            activation_max: amax,
            batches: if rng.one_in(4) { 2 } else { 1 },
            input_h: h.0,
            input_w: w.0,
            input_depth: rng.size(1, 24),
            filter_h: h.1,
            filter_w: w.1,
            output_h: h.4,
            output_w: w.4,
            output_depth: rng.size(1, 24),
        };
        let (input, filter, output) = sizes(&p);
        let cells = transpose_conv_s8_scratch(&p).preferred;
        if input <= INPUT
            && filter <= FILTER
            && output <= OUTPUT
            && cells + 3 <= SCRATCH
            && transpose_conv_s8_packed_len(&p) <= TAPS
        {
            let scratch = if rng.one_in(32) { cells - 4 } else { cells + rng.size(0, 16).min(SCRATCH - 3 - cells) };
            let (bias, scratch_offset, foreign_table) = (!rng.one_in(4), rng.size(0, 3), rng.one_in(32));
            return TransposeCase { bias, scratch, scratch_offset, foreign_table, p };
        }
    }
}

/// Input, filter and output bytes of `p`.
fn sizes(p: &TransposeConvParams) -> (usize, usize, usize) {
    (
        p.batches * p.input_h * p.input_w * p.input_depth,
        p.output_depth * p.filter_h * p.filter_w * p.input_depth,
        p.batches * p.output_h * p.output_w * p.output_depth,
    )
}

/// Draws and checks one case.
pub fn run(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let c = draw(rng);
    let p = &c.p;
    let (ni, nf, no) = sizes(p);
    let od = p.output_depth;
    rng.fill_i8(&mut b.input[..ni]);
    rng.fill_i8(&mut b.filter[..nf]);
    let (bias_buf, taps) = b.bias.split_at_mut(CHANNELS - TAPS);
    params::biases(rng, &mut bias_buf[..od]);
    params::requant(rng, &mut b.mult[..od], &mut b.shift[..od]);
    let (input, filter) = (&b.input[..ni], &b.filter[..nf]);
    let bias = if c.bias { &bias_buf[..od] } else { &[][..] };
    let (mult, shift) = (&b.mult[..od], &b.shift[..od]);

    let n_taps = transpose_conv_s8_packed_len(p);
    transpose_conv_s8_pack(p, filter, &mut taps[..n_taps]);
    let packed = if c.foreign_table { &taps[..n_taps - 1] } else { &taps[..n_taps] };
    let scratch = &mut b.scratch[c.scratch_offset..c.scratch_offset + c.scratch];

    transpose_conv_s8_reference(p, input, filter, bias, mult, shift, &mut [], &mut b.want[..no]);
    check::prepare(&b.want[..no], &mut b.got);
    if !transpose_conv::optimized::transpose_conv_s8(
        p,
        input,
        filter,
        bias,
        mult,
        shift,
        packed,
        scratch,
        &mut b.got[..no],
    ) {
        check::untouched(case, &c, &b.want[..no], &b.got);
        return Outcome::Declined;
    }
    check::guard(case, &c, &b.got, no);
    check::equal(case, "output", &c, &b.want[..no], &mut b.got[..no]);
    Outcome::Checked
}
