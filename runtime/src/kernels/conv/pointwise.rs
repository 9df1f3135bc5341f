//! Pointwise convolution (1x1 without padding) one group of four output channels at a
//! time over every output pixel of a batch (`simd::pointwise_group4`), where
//! `optimized::conv_pointwise` runs every group of a pixel at once.
//!
//! With a short column (16 to 48 input channels), the per-pixel routine spent more on
//! setting up each group (loading its constants, the loop over the column) than on its
//! 64 to 192 products; by groups, the constants stay in registers over the pixels and
//! the column's loop is unrolled. Taken on Helium, on the DSP cores (M33/M4: one
//! `dot4_bias` pass per pixel with the group's biases as the sums' start and its
//! requantization constants prepared once, `simd::pointwise`; about half the
//! instructions of the per-pixel path there) and on the host, so that the tests check
//! this schedule. Cores with neither keep the per-pixel path.

use super::params::ConvParams;
use crate::kernels::packed::{groups_of_four, Group4, CHANNEL_BLOCK};
use crate::kernels::simd::pointwise::{pointwise_group4, PixelGrid, POINTWISE_MAX_DEPTH};
use crate::kernels::simd::OutQuant;

/// Whether the layer runs by groups: a column of at most [`POINTWISE_MAX_DEPTH`] bytes,
/// every block of channels at least one group of four (the last four channels of a block
/// not a multiple of four form an overlapping group), and no left shift in the table
/// (the Helium routine has none: a left shift, rare, needs an effective scale of at
/// least 1).
pub(super) fn by_groups(p: &ConvParams, table: &[Group4]) -> bool {
    let (k, od) = (p.input_depth, p.output_depth);
    cfg!(any(tinyml_mve, tinyml_dsp, not(target_arch = "arm")))
        && (1..=POINTWISE_MAX_DEPTH).contains(&k)
        && od >= 4
        && !(1..4).contains(&(od % CHANNEL_BLOCK))
        && !table.iter().any(Group4::shifts_left)
}

/// The convolution by groups; `p` is pointwise and [`by_groups`] holds.
pub(super) fn conv_by_groups(p: &ConvParams, input: &[i8], filter: &[i8], table: &[Group4], output: &mut [i8]) {
    let (ih, iw, k, od) = (p.input_h, p.input_w, p.input_depth, p.output_depth);
    let q = OutQuant { offset: p.output_offset, min: p.activation_min, max: p.activation_max };
    let xstep = p.stride_w * k;
    let row_skip = (p.stride_h * iw * k) as isize - (p.output_w * xstep) as isize;
    // Rows that follow each other in the input (stride 1 across) make one row.
    let (rows, width) = if row_skip == 0 { (1, p.output_h * p.output_w) } else { (p.output_h, p.output_w) };
    let grid = PixelGrid { rows, width, xstep, row_skip, ostep: od };
    let (image, pixels) = (ih * iw * k, p.output_h * p.output_w * od);
    for b in 0..p.batches {
        let x = &input[b * image..(b + 1) * image];
        let out = &mut output[b * pixels..(b + 1) * pixels];
        for (c, group) in groups_of_four(od, table) {
            pointwise_group4(x, k, &filter[c * k..(c + 4) * k], group, q, &grid, &mut out[c..]);
        }
    }
}
