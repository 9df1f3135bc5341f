//! Convolutions on cores without Helium, every one but the pointwise (whatever scratch the
//! arena grants: read in place measured faster than the im2col column at every window
//! size on the M33, 2026-12-08): each output pixel reads its window from the input, one run per
//! filter row (its `filter_w * input_depth` bytes are contiguous) or, with a dilated
//! row, one per tap, against the matching filter bytes, four output channels at a time
//! ([`dot4_strided`]). Only the taps inside the image are read, with the input offset
//! added to each input and the layer's own bias (the reference kernel's arithmetic), so
//! a window the image clips needs no zero points and no copy;
//! the packed table gives the multipliers and shifts. No buffer of layer data on the
//! stack: a column there (128 bytes) was the last fixed one of the kernel.

use super::super::params::ConvParams;
use crate::fixedpoint::multiply_by_quantized_multiplier;
use crate::kernels::packed::{group4_block, Group4, CHANNEL_BLOCK};
use crate::kernels::simd::{copy_short, dot4_strided, dot_few_strided, mul_high_rounded, OutQuant};
use core::ops::Range;

/// The optimized convolution of `p` with its windows read in place (any window, stride,
/// padding, dilation, batch and channel count); `bias` is the layer's (empty: none),
/// `table` its packed groups (`conv_s8_pack`). Not inlined, so that its accumulators
/// (256 bytes) take stack only on this path, not in the frame of every convolution.
#[inline(never)]
pub fn conv_in_place(p: &ConvParams, input: &[i8], filter: &[i8], bias: &[i32], table: &[Group4], output: &mut [i8]) {
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    let (k, od) = (p.filter_h * p.filter_w * id, p.output_depth);
    let q = OutQuant { offset: p.output_offset, min: p.activation_min, max: p.activation_max };
    let mut acc = [0i32; CHANNEL_BLOCK];
    for b in 0..p.batches {
        let image = &input[b * ih * iw * id..][..ih * iw * id];
        let out = &mut output[b * p.output_h * p.output_w * od..];
        for c0 in (0..od).step_by(CHANNEL_BLOCK) {
            let n = CHANNEL_BLOCK.min(od - c0);
            let table = group4_block(table, c0, n);
            let blk = Block {
                p,
                k,
                image,
                w: &filter[c0 * k..(c0 + n) * k],
                bias: if bias.is_empty() { bias } else { &bias[c0..c0 + n] },
                table,
                n,
                q,
                fast: fast_requant(table, n, q),
            };
            let acc = &mut acc[..n];
            // The output columns whose window is inside the image horizontally, whose
            // taps need no bounds.
            let x_lo = p.pad_w.div_ceil(p.stride_w);
            let x_reach = (p.filter_w - 1) * p.dilation_w + 1;
            let x_hi = (iw + p.pad_w).checked_sub(x_reach).map_or(0, |x| x / p.stride_w + 1);
            for oy in 0..p.output_h {
                let rows = inside(oy * p.stride_h, p.pad_h, p.dilation_h, p.filter_h, ih);
                for ox in 0..p.output_w {
                    let cols = if x_lo <= ox && ox < x_hi {
                        0..p.filter_w
                    } else {
                        inside(ox * p.stride_w, p.pad_w, p.dilation_w, p.filter_w, iw)
                    };
                    blk.init(acc);
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
    /// Bytes of a window (of a filter row of `w`).
    k: usize,
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
    /// Every lane of `table` requantizes by [`Block::lane`]'s short form.
    fast: bool,
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
    /// group), or fewer than four in one call of [`dot_few_strided`].
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn channels(&self, x: &[i8], x_stride: usize, w: &[i8], w_stride: usize, runs: usize, len: usize, acc: &mut [i32]) {
        let (n, k, off) = (self.n, self.k, self.p.input_offset);
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
        dot_few_strided(x, x_stride, off, w, k, w_stride, runs, len, acc);
    }

    /// The block's biases into `acc` (zeros without).
    #[inline(always)]
    fn init(&self, acc: &mut [i32]) {
        // Inline word moves: `copy_from_slice` called `memcpy`, 60 instructions for
        // eight biases.
        if self.bias.is_empty() {
            acc.fill(0);
        } else {
            copy_short(acc, self.bias);
        }
    }

    /// `out[c]` from the accumulator of channel `c` with the packed table's multipliers
    /// and shifts (lanes of the last, overlapping group past the full ones; a block of
    /// fewer than four channels is one group of `n` lanes).
    #[inline(always)]
    fn requantize(&self, acc: &[i32], out: &mut [i8]) {
        let n = self.n;
        let (full, acc, out) = (n / 4, &acc[..n], &mut out[..n]);
        for ((t, a), o) in self.table[..full].iter().zip(acc.chunks_exact(4)).zip(out.chunks_exact_mut(4)) {
            for j in 0..4 {
                o[j] = self.lane(t, j, a[j]);
            }
        }
        if 4 * full < n {
            let (t, skip) = (&self.table[full], 4usize.saturating_sub(n));
            for c in 4 * full..n {
                out[c] = self.lane(t, c + 4 - n - skip, acc[c]);
            }
        }
    }

    /// Lane `j` of group `t` requantized from `acc`: where [`Block::fast`] holds, a
    /// saturating doubling, one `smmulr` and the rounding shift (as the pointwise and
    /// fully connected kernels do, exact under the same conditions), about 10
    /// instructions where the reference's `multiply_by_quantized_multiplier` (a left
    /// shift, 64-bit rounding) took about 70 on the M33.
    #[inline(always)]
    fn lane(&self, t: &Group4, j: usize, acc: i32) -> i8 {
        let q = self.q;
        let v = if self.fast {
            let right = (-t.right[j]) as u32;
            let h = mul_high_rounded(acc.saturating_add(acc), t.mult[j]);
            (h + (1 << (right - 1)) + (h >> 31)) >> right
        } else {
            reference_lane(acc, t.mult[j], t.left[j] + t.right[j])
        };
        (v + q.offset).clamp(q.min, q.max) as i8
    }
}

/// `multiply_by_quantized_multiplier`, where [`Block::lane`]'s short form does not
/// apply: not inlined into each lane (about 200 bytes of code each).
#[inline(never)]
fn reference_lane(acc: i32, mult: i32, shift: i32) -> i32 {
    multiply_by_quantized_multiplier(acc, mult, shift)
}

/// Whether [`Block::lane`]'s short form equals the reference for every channel of the
/// groups `table` of a block of `n`: multipliers as `quantize_multiplier` normalizes them (`[2^30, 2^31)`),
/// no left shift, right shifts of 1 to 21 (the doubling may saturate only where the
/// result clamps to the same end either way: `fully_connected::optimized::Requant`), and
/// the output offset and activation range within int8.
fn fast_requant(table: &[Group4], n: usize, q: OutQuant) -> bool {
    // A block of fewer than four channels sets only their lanes.
    let lanes = n.min(4);
    let exact = table
        .iter()
        .all(|t| (0..lanes).all(|j| t.mult[j] >= 1 << 30 && t.left[j] == 0 && (-21..=-1).contains(&t.right[j])));
    exact && (-128..=127).contains(&q.offset) && q.min >= -128 && q.max <= 127
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
