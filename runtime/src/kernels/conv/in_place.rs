//! Convolutions without a column on cores without Helium: when the arena grants less
//! scratch than the im2col column (`k <= STACK_COLUMN`, whose planned minimum is
//! nothing), each output pixel reads its window in place from the input, one run per
//! filter row (its `filter_w * input_depth` bytes are contiguous) or, with a dilated
//! row, one per tap, against the matching filter bytes, four output channels at a time
//! ([`dot4_strided`]). Only the taps inside the image are read, with the input offset
//! added to each input and the layer's own bias (the reference kernel's arithmetic, as
//! `conv::border` does), so a window the image clips needs no zero points and no copy;
//! the packed table gives the multipliers and shifts. No buffer of layer data on the
//! stack: a column there (128 bytes) was the last fixed one of the kernel.

use super::params::ConvParams;
use crate::fixedpoint::multiply_by_quantized_multiplier;
use crate::kernels::packed::{group4_block, Group4, CHANNEL_BLOCK};
use crate::kernels::simd::{dot4_strided, dot_strided, OutQuant};
use core::ops::Range;

/// The optimized convolution of `p` with its windows read in place (any window, stride,
/// padding, dilation, batch and channel count); `bias` is the layer's (empty: none),
/// `table` its packed groups (`conv_s8_pack`).
pub(super) fn conv_in_place(
    p: &ConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    table: &[Group4],
    output: &mut [i8],
) {
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    let (k, od) = (p.filter_h * p.filter_w * id, p.output_depth);
    let q = OutQuant { offset: p.output_offset, min: p.activation_min, max: p.activation_max };
    let mut acc = [0i32; CHANNEL_BLOCK];
    for b in 0..p.batches {
        let image = &input[b * ih * iw * id..][..ih * iw * id];
        let out = &mut output[b * p.output_h * p.output_w * od..];
        for c0 in (0..od).step_by(CHANNEL_BLOCK) {
            let n = CHANNEL_BLOCK.min(od - c0);
            let blk = Block {
                p,
                image,
                w: &filter[c0 * k..(c0 + n) * k],
                bias: if bias.is_empty() { bias } else { &bias[c0..c0 + n] },
                table: group4_block(table, c0, n),
                n,
                q,
            };
            let acc = &mut acc[..n];
            for oy in 0..p.output_h {
                let rows = inside(oy * p.stride_h, p.pad_h, p.dilation_h, p.filter_h, ih);
                for ox in 0..p.output_w {
                    let cols = inside(ox * p.stride_w, p.pad_w, p.dilation_w, p.filter_w, iw);
                    blk.init(0, acc);
                    if !rows.is_empty() && !cols.is_empty() {
                        blk.add_taps(oy, ox, rows.clone(), cols, acc);
                    }
                    let o = (oy * p.output_w + ox) * od + c0;
                    blk.requantize(acc, &mut out[o..o + n]);
                }
            }
        }
    }
}

/// A block of `n` output channels (1 to [`CHANNEL_BLOCK`]) over one batch of the input.
struct Block<'a> {
    p: &'a ConvParams,
    /// One batch of the input.
    image: &'a [i8],
    /// The block's filter rows.
    w: &'a [i8],
    /// The block's biases (empty: none).
    bias: &'a [i32],
    /// The block's packed groups: their multipliers and shifts (their biases are folded
    /// for the zero-point padded column, which this path does not build).
    table: &'a [Group4],
    n: usize,
    q: OutQuant,
}

impl Block<'_> {
    /// Adds to `acc` (the block's `n` channels) the taps `rows` x `cols` (not empty) of
    /// pixel `(oy, ox)`'s window: one strided pass over the window's rows when each of
    /// its rows is one run, else one per row over its taps.
    #[inline(always)]
    fn add_taps(&self, oy: usize, ox: usize, rows: Range<usize>, cols: Range<usize>, acc: &mut [i32]) {
        let p = self.p;
        let (iw, id, fw) = (p.input_w, p.input_depth, p.filter_w);
        let row = fw * id;
        let y0 = oy * p.stride_h + rows.start * p.dilation_h - p.pad_h;
        let x0 = ox * p.stride_w + cols.start * p.dilation_w - p.pad_w;
        let x = &self.image[(y0 * iw + x0) * id..];
        let w = &self.w[rows.start * row + cols.start * id..];
        let y_stride = p.dilation_h * iw * id;
        if p.dilation_w == 1 || fw == 1 {
            return self.channels(x, y_stride, w, row, rows.len(), cols.len() * id, acc);
        }
        for r in 0..rows.len() {
            self.channels(&x[r * y_stride..], p.dilation_w * id, &w[r * row..], id, cols.len(), id, acc);
        }
    }

    /// Adds the runs of [`dot4_strided`] to every channel's accumulator: the full groups
    /// of four in one call, then the last four channels (overlapping the last full
    /// group), or each of fewer than four.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn channels(&self, x: &[i8], x_stride: usize, w: &[i8], w_stride: usize, runs: usize, len: usize, acc: &mut [i32]) {
        let (n, k, off) = (self.n, self.w.len() / self.n, self.p.input_offset);
        let full = 4 * (n / 4);
        if full > 0 {
            dot4_strided(x, x_stride, off, w, k, w_stride, runs, len, &mut acc[..full]);
        }
        if full == n {
            return;
        }
        if n >= 4 {
            // The channels past the full groups, as the last lanes of a group of the
            // last four (its first lanes, the full groups' again, are dropped).
            let skip = full + 4 - n;
            let mut last = [0i32; 4];
            last[skip..].copy_from_slice(&acc[full..]);
            dot4_strided(x, x_stride, off, &w[(n - 4) * k..], k, w_stride, runs, len, &mut last);
            acc[full..].copy_from_slice(&last[skip..]);
            return;
        }
        for (c, a) in acc.iter_mut().enumerate() {
            *a = a.wrapping_add(dot_strided(x, x_stride, off, &w[c * k..], w_stride, runs, len));
        }
    }

    /// The biases of the block's channels `first..first + acc.len()` into `acc` (zeros
    /// without).
    #[inline(always)]
    fn init(&self, first: usize, acc: &mut [i32]) {
        for (c, a) in acc.iter_mut().enumerate() {
            *a = self.bias.get(first + c).copied().unwrap_or(0);
        }
    }

    /// `out[c]` from the accumulator of channel `c` with the packed table's multipliers
    /// and shifts (lanes of the last, overlapping group past the full ones; a block of
    /// fewer than four channels is one group of `n` lanes).
    #[inline(always)]
    fn requantize(&self, acc: &[i32], out: &mut [i8]) {
        let (n, q) = (self.n, self.q);
        let full = 4 * (n / 4);
        for (c, (&a, o)) in acc.iter().zip(out).enumerate() {
            let (g, j) = if c < full { (c / 4, c % 4) } else { (n / 4, c + 4 - n.max(4)) };
            let t = &self.table[g];
            let v = multiply_by_quantized_multiplier(a, t.mult[j], t.left[j] + t.right[j]) + q.offset;
            *o = v.clamp(q.min, q.max) as i8;
        }
    }
}

/// The taps of a window whose first tap is at `origin - pad` (`taps` taps `dilation`
/// apart) that lie inside `0..size`.
#[inline(always)]
fn inside(origin: usize, pad: usize, dilation: usize, taps: usize, size: usize) -> Range<usize> {
    let start = origin as isize - pad as isize;
    let d = dilation as isize;
    let lo = (if start >= 0 { 0 } else { (d - 1 - start) / d } as usize).min(taps);
    let hi = if start >= size as isize { 0 } else { ((size as isize - 1 - start) / d + 1) as usize };
    lo..hi.clamp(lo, taps)
}
