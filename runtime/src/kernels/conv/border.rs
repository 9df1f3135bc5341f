//! Output pixels whose window the image border clips (SAME padding) on cores without
//! Helium: only the taps inside the image are gathered and multiplied, as the reference
//! kernel does, with the input offset added to each input ([`dot4_runs`]) and the
//! layer's own bias. The im2col path multiplies the padded taps as zero points against
//! the folded bias instead, which cost up to 0.89 of the reference's instructions on the
//! M33 on small images (a 4x4 output under a 5x3 filter of dilation 2: three quarters of
//! its taps are padding). Helium keeps the im2col path: there the products are cheap and
//! the bounds are per MAC of the whole window.

use super::params::ConvParams;
use crate::fixedpoint::multiply_by_quantized_multiplier;
use crate::kernels::packed::{Group4, CHANNEL_BLOCK};
use crate::kernels::simd::{copy_i8, dot4_runs, OutQuant};
use core::ops::Range;

/// Fewest products a border pixel must leave out to take [`Border::pixel`] rather than
/// the im2col path: its call, gather and requantization per pixel cost more than a pixel
/// of a row run does (on the M33, 8-channel 7x1 cells leaving out 192 products a pixel
/// were 7% slower this way; 16-channel 3x3 cells leaving out 384 were 14% faster than
/// at 1,024).
const MIN_SKIPPED: usize = 256;

/// A block of `n` output channels (4 to [`CHANNEL_BLOCK`]) of a convolution whose input
/// pixels are whole words (`input_depth` a multiple of four: every run of taps is).
pub(super) struct Border<'a> {
    p: &'a ConvParams,
    /// One batch of the input.
    image: &'a [i8],
    /// The block's filter rows.
    rows: &'a [i8],
    /// The block's biases (empty: none).
    bias: &'a [i32],
    /// The block's packed groups (for the multipliers and shifts; their biases are
    /// folded).
    table: &'a [Group4],
    n: usize,
    q: OutQuant,
}

impl<'a> Border<'a> {
    /// `None` when the block or the input pixels do not fit the routine (then the im2col
    /// path takes every pixel). `bias` is the layer's (empty: none), `c0` the block's
    /// first channel.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        p: &'a ConvParams,
        image: &'a [i8],
        rows: &'a [i8],
        bias: &'a [i32],
        c0: usize,
        table: &'a [Group4],
        n: usize,
        q: OutQuant,
    ) -> Option<Self> {
        // No window clipped (VALID padding): nothing to do.
        let reach = |out: usize, stride: usize, taps: usize, dilation: usize, pad: usize, size: usize| {
            pad > 0 || out.saturating_sub(1) * stride + taps.saturating_sub(1) * dilation >= size
        };
        let clipped = reach(p.output_h, p.stride_h, p.filter_h, p.dilation_h, p.pad_h, p.input_h)
            || reach(p.output_w, p.stride_w, p.filter_w, p.dilation_w, p.pad_w, p.input_w);
        if !clipped || !p.input_depth.is_multiple_of(4) || !(4..=CHANNEL_BLOCK).contains(&n) {
            return None;
        }
        let bias = if bias.is_empty() { bias } else { &bias[c0..c0 + n] };
        Some(Border { p, image, rows, bias, table, n, q })
    }

    /// Whether [`Border::pixel`] takes every pixel of output row `oy`: the image clips
    /// its windows vertically, by enough taps.
    pub(super) fn takes_row(&self, oy: usize) -> bool {
        let rows = self.taps_y(oy);
        rows != (0..self.p.filter_h) && self.saves(rows, 0..self.p.filter_w)
    }

    /// Whether leaving out the taps outside `rows` x `cols` saves enough products to pay
    /// for a call per pixel (where the row of pixels inside shares one).
    fn saves(&self, rows: Range<usize>, cols: Range<usize>) -> bool {
        let p = self.p;
        let skipped = p.filter_h * p.filter_w - rows.len() * cols.len();
        skipped * p.input_depth * self.n >= MIN_SKIPPED
    }

    /// Computes output pixel `(oy, ox)` into `out[..n]` when the image clips its window
    /// by enough taps (gathering into `column`, at least the window's bytes); `false`,
    /// touching nothing, when the whole window is inside or the clip saves too few
    /// products.
    pub(super) fn pixel(&self, oy: usize, ox: usize, column: &mut [i8], out: &mut [i8]) -> bool {
        let p = self.p;
        let (rows, cols) = (self.taps_y(oy), self.taps_x(ox));
        if !self.saves(rows.clone(), cols.clone()) {
            return false;
        }
        let (n, id, fw) = (self.n, p.input_depth, p.filter_w);
        let mut acc = [0i32; CHANNEL_BLOCK];
        let acc = &mut acc[..n];
        self.init(acc);
        if !rows.is_empty() && !cols.is_empty() {
            let len = cols.len() * id;
            let gathered = self.gather(oy, ox, rows.clone(), cols.clone(), len, column);
            let (k, row) = (p.filter_h * fw * id, fw * id);
            // Whole rows are one run.
            let (runs, stride) = if cols.len() == fw { (1, 0) } else { (rows.len(), row) };
            let w = &self.rows[rows.start * row + cols.start * id..];
            let off = p.input_offset;
            let full = 4 * (n / 4);
            dot4_runs(gathered, off, w, k, runs, stride, &mut acc[..full]);
            if full < n {
                // The last four channels again (overlapping the last full group).
                self.init(&mut acc[n - 4..]);
                dot4_runs(gathered, off, &w[(n - 4) * k..], k, runs, stride, &mut acc[n - 4..]);
            }
        }
        self.requantize(acc, &mut out[..n]);
        true
    }

    /// The filter rows of output row `oy` whose taps are inside the image.
    fn taps_y(&self, oy: usize) -> Range<usize> {
        let p = self.p;
        let start = (oy * p.stride_h) as isize - p.pad_h as isize;
        inside(start, p.dilation_h, p.filter_h, p.input_h as isize)
    }

    /// The filter columns of output column `ox` whose taps are inside the image.
    fn taps_x(&self, ox: usize) -> Range<usize> {
        let p = self.p;
        let start = (ox * p.stride_w) as isize - p.pad_w as isize;
        inside(start, p.dilation_w, p.filter_w, p.input_w as isize)
    }

    /// The block's biases (zeros without), from channel `n - acc.len()` when `acc` is
    /// shorter than the block (its last four channels).
    fn init(&self, acc: &mut [i32]) {
        let first = self.n - acc.len();
        for (c, a) in acc.iter_mut().enumerate() {
            *a = self.bias.get(first + c).copied().unwrap_or(0);
        }
    }

    /// Copies the taps `rows` x `cols` of pixel `(oy, ox)`'s window back to back into
    /// `column` (`len` bytes per filter row) and returns them.
    fn gather<'c>(
        &self,
        oy: usize,
        ox: usize,
        rows: Range<usize>,
        cols: Range<usize>,
        len: usize,
        column: &'c mut [i8],
    ) -> &'c [i8] {
        let p = self.p;
        let (iw, id) = (p.input_w, p.input_depth);
        let y0 = oy * p.stride_h + rows.start * p.dilation_h - p.pad_h;
        let x0 = ox * p.stride_w + cols.start * p.dilation_w - p.pad_w;
        let column = &mut column[..rows.len() * len];
        for (r, dst) in column.chunks_exact_mut(len).enumerate() {
            let line = &self.image[(y0 + r * p.dilation_h) * iw * id..][..iw * id];
            if p.dilation_w == 1 || cols.len() == 1 {
                copy_i8(dst, &line[x0 * id..]);
                continue;
            }
            for (t, d) in dst.chunks_exact_mut(id).enumerate() {
                copy_i8(d, &line[(x0 + t * p.dilation_w) * id..]);
            }
        }
        column
    }

    /// `out[c]` from the accumulator of channel `c` with the packed table's multipliers
    /// and shifts (lanes of the last, overlapping group past the full ones).
    fn requantize(&self, acc: &[i32], out: &mut [i8]) {
        let (n, q) = (self.n, self.q);
        let full = 4 * (n / 4);
        for (c, (&a, o)) in acc.iter().zip(out).enumerate() {
            let (g, j) = if c < full { (c / 4, c % 4) } else { (n / 4, c + 4 - n) };
            let t = &self.table[g];
            let v = multiply_by_quantized_multiplier(a, t.mult[j], t.left[j] + t.right[j]) + q.offset;
            *o = v.clamp(q.min, q.max) as i8;
        }
    }
}

/// The taps of a window from `start` (padding included), `dilation` apart, inside
/// `0..size`.
fn inside(start: isize, dilation: usize, taps: usize, size: isize) -> Range<usize> {
    let d = dilation as isize;
    let lo = (if start >= 0 { 0 } else { (d - 1 - start) / d } as usize).min(taps);
    let hi = if start >= size { 0 } else { ((size - 1 - start) / d + 1) as usize };
    lo..hi.clamp(lo, taps)
}
