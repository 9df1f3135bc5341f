//! `conv_s8` from the table the compiler packs (`conv_s8_pack`) and arena scratch of
//! every size the planner may grant: pointwise cases (1x1 without padding: the input pixel
//! is the column, up to 48 input channels), general cases (filters up to 5x5, strides and
//! dilations up to 3, SAME and VALID padding), large inputs (a big zero-point-padded
//! copy), one input channel with 4 to 16 outputs and windows up to 10x8 (the convolution
//! the compiler lowers a one-channel depthwise layer to), one to four input channels over
//! images of up to 16x16 with 1 to 24 outputs, columns of about 1000 bytes, and
//! pointwise layers of 1 to 48 input channels with right shifts only (run by groups of
//! four output channels over all pixels, `conv::pointwise`); 1 to 100 output channels, across the 4-lane groups and the 64-channel blocks.
//! Scratch: none (windows of up to `IN_PLACE_COLUMN` bytes read in place from the input,
//! else the kernel declines), less than the column (the `InPlace` cases: read in place
//! too), the kernel's minimum, the column only (im2col from the input with per-row
//! clipping), up to the preferred size (the padded copy) and beyond, at any alignment. One
//! case in 32 passes a foreign table, which the kernel must decline.

use crate::buffers::{Buffers, CHANNELS, FILTER, INPUT, OUTPUT, PACKED, SCRATCH, TABLE4};
use crate::check::{self, Case};
use crate::params::{self, Axis};
use crate::rng::Rng;
use crate::Outcome;
use tinyml_runtime::kernels::conv;
use tinyml_runtime::kernels::conv::{
    conv_s8_narrow_words, conv_s8_pack, conv_s8_pack_narrow, conv_s8_packed_groups, conv_s8_reference, conv_s8_scratch,
    ConvParams, IN_PLACE_COLUMN,
};
use tinyml_runtime::kernels::packed::words;

/// Which path of the optimized kernel a case aims at.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Pointwise,
    General,
    LargeInput,
    OneChannel,
    DeepColumn,
    /// One to four input channels over images of up to 16x16 (first layers): on Helium
    /// the narrow-input path (`conv::narrow`) from 9 taps and four output channels, else
    /// mostly windows inside the image, read in place by the per-pixel routine, and
    /// blocks of fewer than four output channels.
    FewChannels,
    /// Pointwise, 1 to 48 input channels over up to 12x12 pixels, no left shift: every
    /// column shape of the Helium routine that runs one group over all pixels.
    PointwiseGroups,
    /// 8 to 16 input channels over up to 16x16 pixels, filters up to 7x5, dilations up
    /// to 3: rows of pixels in one call, dilated filter rows gathered as taps of one
    /// predicated vector, border windows clipped to the taps inside the image.
    Dilated,
    /// Windows of at most `IN_PLACE_COLUMN` (128) bytes under less scratch than their column
    /// (none in half the cases: the planner's minimum), which the kernel reads in place
    /// from the input: one-channel windows up to 10x8 (rows of 1 to 8 bytes), 1 to 32
    /// channels (runs of any length), dilations and strides up to 3, SAME and VALID, a
    /// quarter 1-D, 1 to 80 outputs (blocks not a multiple of four, two blocks).
    InPlace,
}

/// A drawn case, printed with a mismatch.
#[derive(Debug)]
#[allow(dead_code)] // fields read only by `Debug`, in mismatch reports
struct ConvCase {
    shape: Shape,
    bias: bool,
    /// Scratch bytes and their offset from a word boundary.
    scratch: usize,
    scratch_offset: usize,
    /// A table one word short: not this layer's.
    foreign_table: bool,
    p: ConvParams,
}

/// A 1x1 window without padding along an axis of `1..=max_input` inputs.
fn pointwise_axis(rng: &mut Rng, max_input: usize) -> Axis {
    let (input, stride) = (rng.size(1, max_input), rng.size(1, 2));
    Axis { input, filter: 1, stride, dilation: 1, pad: 0, output: input.div_ceil(stride) }
}

fn draw(rng: &mut Rng) -> ConvCase {
    loop {
        let shape = match rng.u32() % 27 {
            23..=26 => Shape::InPlace,
            0..=4 => Shape::Pointwise,
            21..=22 => Shape::Dilated,
            18..=20 => Shape::PointwiseGroups,
            5..=10 => Shape::General,
            11..=12 => Shape::LargeInput,
            13..=14 => Shape::OneChannel,
            15 => Shape::DeepColumn,
            _ => Shape::FewChannels,
        };
        let (h, w, depth) = match shape {
            Shape::Pointwise => (pointwise_axis(rng, 10), pointwise_axis(rng, 10), rng.size(1, 48)),
            Shape::PointwiseGroups => (pointwise_axis(rng, 12), pointwise_axis(rng, 12), rng.size(1, 48)),
            Shape::General => (params::axis(rng, 10, 5, 3, 3), params::axis(rng, 10, 5, 3, 3), rng.size(1, 12)),
            Shape::LargeInput => (params::axis(rng, 28, 3, 2, 2), params::axis(rng, 28, 3, 2, 2), rng.size(4, 8)),
            Shape::OneChannel => (params::axis(rng, 20, 10, 2, 2), params::axis(rng, 20, 8, 2, 2), 1),
            // Columns of 1000 to 1100 bytes: only from scratch.
            Shape::DeepColumn => {
                let (h, w) = (params::axis(rng, 5, 4, 2, 1), params::axis(rng, 5, 4, 2, 1));
                let taps = h.filter * w.filter;
                (h, w, rng.size(1000usize.div_ceil(taps), 1100 / taps))
            }
            // Half of them wide (rows up to 400 bytes apart: the narrow path's chunks of
            // one filter row each, VWW's first layer), strides up to 3.
            Shape::FewChannels if rng.one_in(2) => {
                (params::axis(rng, 8, 5, 3, 2), params::axis(rng, 100, 3, 3, 2), rng.size(1, 4))
            }
            Shape::FewChannels => (params::axis(rng, 16, 7, 2, 2), params::axis(rng, 16, 7, 2, 2), rng.size(1, 4)),
            Shape::Dilated => (params::axis(rng, 16, 7, 2, 3), params::axis(rng, 16, 5, 2, 3), rng.size(8, 16)),
            Shape::InPlace => {
                let h = params::axis(rng, 24, 10, 3, 3);
                // A quarter 1-D (a column one pixel wide, as audio models have them).
                let w = if rng.one_in(4) { params::axis(rng, 1, 1, 1, 1) } else { params::axis(rng, 20, 8, 3, 3) };
                let taps = h.filter * w.filter;
                let depth = if rng.one_in(2) { 1 } else { rng.size(1, 32) };
                if taps * depth > IN_PLACE_COLUMN {
                    continue;
                }
                (h, w, depth)
            }
        };
        let batches = if rng.one_in(4) { 2 } else { 1 };
        let out_c = match shape {
            Shape::OneChannel => rng.size(4, 16),
            Shape::FewChannels => rng.size(1, 24),
            Shape::PointwiseGroups => rng.size(4, 40),
            Shape::InPlace => {
                if rng.one_in(4) {
                    rng.size(1, 80)
                } else {
                    rng.size(1, 12)
                }
            }
            _ => rng.size(1, 100),
        };
        let (amin, amax) = params::activation(rng);
        let p = ConvParams {
            input_offset: -params::zero_point(rng),
            output_offset: params::zero_point(rng),
            stride_w: w.stride,
            stride_h: h.stride,
            dilation_w: w.dilation,
            dilation_h: h.dilation,
            pad_w: w.pad,
            pad_h: h.pad,
            activation_min: amin,
            activation_max: amax,
            batches,
            input_h: h.input,
            input_w: w.input,
            input_depth: depth,
            filter_h: h.filter,
            filter_w: w.filter,
            output_h: h.output,
            output_w: w.output,
            output_depth: out_c,
        };
        let (input, filter, output) = sizes(&p);
        if input <= INPUT
            && filter <= FILTER
            && output <= OUTPUT
            && out_c <= CHANNELS
            && conv_s8_packed_groups(&p) <= TABLE4
        {
            let scratch = match shape {
                Shape::InPlace if rng.one_in(2) => 0,
                Shape::InPlace => rng.size(0, p.filter_h * p.filter_w * p.input_depth - 1),
                _ => scratch_size(rng, &p),
            };
            let scratch_offset = rng.size(0, 3);
            return ConvCase { shape, bias: !rng.one_in(4), scratch, scratch_offset, foreign_table: rng.one_in(32), p };
        }
    }
}

/// Scratch bytes the planner may grant `p`: none, the kernel's minimum, the column only,
/// between the column and the preferred size (no room for the padded copy), the
/// preferred size, or more; at most what the buffer holds.
fn scratch_size(rng: &mut Rng, p: &ConvParams) -> usize {
    let sizes = conv_s8_scratch(p);
    let column = p.filter_h * p.filter_w * p.input_depth;
    let len = match rng.u32() % 6 {
        0 => 0,
        1 => sizes.min,
        2 => column,
        3 => rng.size(column, sizes.preferred.max(column)),
        4 => sizes.preferred,
        _ => sizes.preferred + rng.size(1, 64),
    };
    len.min(SCRATCH - 3)
}

/// Input, filter and output bytes of `p`.
fn sizes(p: &ConvParams) -> (usize, usize, usize) {
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
    params::biases(rng, &mut b.bias[..od]);
    params::requant(rng, &mut b.mult[..od], &mut b.shift[..od]);
    if matches!(c.shape, Shape::PointwiseGroups) {
        for s in &mut b.shift[..od] {
            *s = (*s).min(0);
        }
    }
    let (input, filter) = (&b.input[..ni], &b.filter[..nf]);
    let bias = if c.bias { &b.bias[..od] } else { &[][..] };
    let (mult, shift) = (&b.mult[..od], &b.shift[..od]);

    let groups = conv_s8_packed_groups(p);
    conv_s8_pack(p, filter, bias, mult, shift, &mut b.table4[..groups]);
    // The groups, then the narrow-input path's words (as the compiler emits them).
    let n = words(&b.table4[..groups]).len();
    b.packed[..n].copy_from_slice(words(&b.table4[..groups]));
    let end = n + conv_s8_narrow_words(p);
    assert!(end <= PACKED);
    conv_s8_pack_narrow(p, filter, &mut b.packed[n..end]);
    let packed = &b.packed[..end];
    let packed = if c.foreign_table { &packed[..packed.len() - 1] } else { packed };
    let scratch = &mut b.scratch[c.scratch_offset..c.scratch_offset + c.scratch];

    conv_s8_reference(p, input, filter, bias, mult, shift, &mut b.want[..no]);
    check::prepare(&b.want[..no], &mut b.got);
    if !conv::optimized::conv_s8(p, input, filter, bias, mult, shift, packed, scratch, &mut b.got[..no]) {
        check::untouched(case, &c, &b.want[..no], &b.got);
        return Outcome::Declined;
    }
    check::guard(case, &c, &b.got, no);
    check::equal(case, "output", &c, &b.want[..no], &mut b.got[..no]);
    Outcome::Checked
}
