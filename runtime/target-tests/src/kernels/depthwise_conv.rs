//! `depthwise_conv_s8` from the table the compiler packs (`depthwise_conv_s8_pack`):
//! depth multiplier 1 with 16 to 100 channels (the sixteen-channel groups of
//! the run routines, their tails and the 64-channel blocks) and with fewer than 16; filters
//! of more than 64 taps, SAME or VALID (border pixels walking large windows); depth multipliers 2 to 8 and, rarely, up
//! to and beyond the 64-channel block (declined); one input channel with a multiplier of
//! 4 to 16 (the compiler lowers those to a convolution, but the kernel takes them too);
//! wide rows (runs of interior pixels, odd and even counts for the two-pixel steps of up
//! to eight channels) with 1 to 20 channels or multipliers 2 and 4 (the gathered inputs).
//! One case in 32 passes a foreign table, which the kernel must decline.

use crate::buffers::{Buffers, FILTER, INPUT, OUTPUT, PACKED, TABLE16};
use crate::check::{self, Case};
use crate::params::{self, Axis};
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::depthwise_conv;
use tinyml_runtime::kernels::depthwise_conv::{
    depthwise_conv_s8_layer_words, depthwise_conv_s8_pack, depthwise_conv_s8_pack_layer,
    depthwise_conv_s8_packed_groups, depthwise_conv_s8_reference, DepthwiseConvParams,
};
use tinyml_runtime::kernels::packed::words;

/// Which path of the optimized kernel a case aims at.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Wide,
    Narrow,
    ManyTaps,
    Multiplier,
    OneChannel,
    Rows,
}

/// A drawn case, printed with a mismatch.
#[derive(Debug)]
#[allow(dead_code)] // fields read only by `Debug`, in mismatch reports
struct DepthwiseCase {
    shape: Shape,
    bias: bool,
    /// A table one word short: not this layer's.
    foreign_table: bool,
    p: DepthwiseConvParams,
}

/// A window with a filter of exactly `filter` taps (no dilation) along an axis of up to
/// `max_input` inputs, SAME or VALID.
fn filter_axis(rng: &mut Rng, max_input: usize, filter: usize) -> Axis {
    let (input, stride) = (rng.size(1, max_input).max(filter), rng.size(1, 2));
    let output = if rng.one_in(2) { input.div_ceil(stride) } else { (input - filter) / stride + 1 };
    let pad = ((output - 1) * stride + filter).saturating_sub(input) / 2;
    Axis { input, filter, stride, dilation: 1, pad, output }
}

fn draw(rng: &mut Rng) -> DepthwiseCase {
    loop {
        let shape = match rng.u32() % 20 {
            0..=4 => Shape::Wide,
            5..=7 => Shape::Narrow,
            8 => Shape::ManyTaps,
            9..=12 => Shape::Multiplier,
            13..=15 => Shape::OneChannel,
            _ => Shape::Rows,
        };
        let geometry = |rng: &mut Rng| (params::axis(rng, 10, 5, 3, 3), params::axis(rng, 10, 5, 3, 3));
        let ((h, w), depth, m) = match shape {
            Shape::Wide => (geometry(rng), rng.size(16, 100), 1),
            Shape::Narrow => (geometry(rng), rng.size(1, 15), 1),
            // 56 to 90 taps: on both sides of 64 (the border pixels' old written lists' cap).
            Shape::ManyTaps => {
                let (fh, fw) = (rng.size(8, 10), rng.size(7, 9));
                ((filter_axis(rng, 12, fh), filter_axis(rng, 12, fw)), rng.size(16, 40), 1)
            }
            Shape::Multiplier => {
                let m = match rng.u32() % 32 {
                    0 => rng.size(65, 70),
                    1..=4 => rng.size(9, 64),
                    _ => rng.size(2, 8),
                };
                (geometry(rng), rng.size(1, if m > 8 { 3 } else { 24 }), m)
            }
            Shape::OneChannel => {
                ((params::axis(rng, 20, 10, 2, 2), params::axis(rng, 20, 8, 2, 2)), 1, rng.size(4, 16))
            }
            Shape::Rows => {
                let hw = (params::axis(rng, 8, 5, 2, 2), params::axis(rng, 24, 5, 2, 2));
                match rng.u32() % 3 {
                    0 => (hw, rng.size(8, 24), if rng.one_in(2) { 2 } else { 4 }),
                    _ => (hw, rng.size(1, 20), 1),
                }
            }
        };
        let (amin, amax) = params::activation(rng);
        let p = DepthwiseConvParams {
            input_offset: -params::zero_point(rng),
            output_offset: params::zero_point(rng),
            stride_w: w.stride,
            stride_h: h.stride,
            dilation_w: w.dilation,
            dilation_h: h.dilation,
            pad_w: w.pad,
            pad_h: h.pad,
            depth_multiplier: m,
            activation_min: amin,
            activation_max: amax,
            batches: if rng.one_in(4) { 2 } else { 1 },
            input_h: h.input,
            input_w: w.input,
            input_depth: depth,
            filter_h: h.filter,
            filter_w: w.filter,
            output_h: h.output,
            output_w: w.output,
        };
        let (input, filter, output) = sizes(&p);
        if input <= INPUT && filter <= FILTER && output <= OUTPUT && depthwise_conv_s8_packed_groups(&p) <= TABLE16 {
            return DepthwiseCase { shape, bias: !rng.one_in(4), foreign_table: rng.one_in(32), p };
        }
    }
}

/// Input, filter and output bytes of `p`.
fn sizes(p: &DepthwiseConvParams) -> (usize, usize, usize) {
    let od = p.input_depth * p.depth_multiplier;
    (
        p.batches * p.input_h * p.input_w * p.input_depth,
        p.filter_h * p.filter_w * od,
        p.batches * p.output_h * p.output_w * od,
    )
}

/// Draws and checks one case.
pub fn run(b: &mut Buffers, rng: &mut Rng, case: Case) -> Outcome {
    let c = draw(rng);
    let p = &c.p;
    let (ni, nf, no) = sizes(p);
    let od = p.input_depth * p.depth_multiplier;
    rng.fill_i8(&mut b.input[..ni]);
    rng.fill_i8(&mut b.filter[..nf]);
    params::biases(rng, &mut b.bias[..od]);
    params::requant(rng, &mut b.mult[..od], &mut b.shift[..od]);
    let (input, filter) = (&b.input[..ni], &b.filter[..nf]);
    let bias = if c.bias { &b.bias[..od] } else { &[][..] };
    let (mult, shift) = (&b.mult[..od], &b.shift[..od]);

    let groups = depthwise_conv_s8_packed_groups(p);
    depthwise_conv_s8_pack(p, filter, bias, mult, shift, &mut b.table16[..groups]);
    // The groups, then the layer's values (as the compiler emits them).
    let n = words(&b.table16[..groups]).len();
    b.packed[..n].copy_from_slice(words(&b.table16[..groups]));
    let end = n + depthwise_conv_s8_layer_words(p);
    assert!(end <= PACKED);
    depthwise_conv_s8_pack_layer(p, &mut b.packed[n..end]);
    let packed = &b.packed[..end];
    let packed = if c.foreign_table { &packed[..packed.len() - 1] } else { packed };

    depthwise_conv_s8_reference(p, input, filter, bias, mult, shift, &mut b.want[..no]);
    check::prepare(&b.want[..no], &mut b.got);
    if !depthwise_conv::optimized::depthwise_conv_s8(p, input, filter, bias, mult, shift, packed, &mut b.got[..no]) {
        check::untouched(case, &c, &b.want[..no], &b.got);
        return Outcome::Declined;
    }
    check::guard(case, &c, &b.got, no);
    check::equal(case, "output", &c, &b.want[..no], &mut b.got[..no]);
    Outcome::Checked
}
