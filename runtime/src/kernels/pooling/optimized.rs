//! Optimized AVERAGE_POOL_2D and MAX_POOL_2D (same arithmetic as the reference kernels
//! in `kernels::pooling`), one output row at a time in blocks of accumulators.
//!
//! A block holds whole output pixels (all their channels) when a pixel has at most
//! [`BLOCK`] channels, else one pixel's channels in parts. For each input row of the
//! window and each filter column `kx`, the block's pixels whose tap `kx` falls inside the
//! image are one range; with stride 1 and whole pixels, its input is one contiguous run
//! of bytes, so the accumulation is a single slice loop whatever the channel count (one
//! channel included, where a loop over channels per pixel and tap cost about 170
//! instructions per output on the M33). Taps in the padding are skipped, as the reference
//! skips them; the average divides by the pixels inside the window.

use super::params::{PoolElem, PoolParams};
use super::reference::rounded_average;
use crate::kernels::clamp;
use crate::kernels::geometry::window;
use crate::kernels::packed::CHANNEL_BLOCK;
use core::ops::Range;

/// Whether interior blocks take a filter row's 2 or 3 taps in one pass. Not on Helium,
/// where the loop of one tap vectorizes better than the pass over three (the 3x3 max
/// pool on one channel: 11.4 instructions per output by taps, 20.3 in one pass); on the
/// M33 and M4 the pass saves the accumulators' loads and stores (0.41 -> 0.33 of the
/// reference on 8 channels; a pass over the whole window, 9 slices, spilled and cost
/// more). The host takes it, so that the tests check it.
const ROW_PASS: bool = !cfg!(tinyml_mve);

/// Accumulators of one block: the stack array of the optimized kernels' blocks of
/// output channels (256 bytes).
const BLOCK: usize = CHANNEL_BLOCK;

/// Optimized `average_pool`. Handles every shape.
pub fn average_pool<T: PoolElem>(p: &PoolParams, input: &[T], output: &mut [T]) {
    pool(p, input, output, 0, |a, v| a + v, |acc, count| if count == 0 { 0 } else { rounded_average(acc, count) });
}

/// Optimized `max_pool`. Handles every shape.
pub fn max_pool<T: PoolElem>(p: &PoolParams, input: &[T], output: &mut [T]) {
    pool(p, input, output, i32::MIN, |a, v| a.max(v), |acc, _| acc);
}

/// The outputs among `outputs` whose tap `k` (of a window starting at `out * stride -
/// pad`) lies inside `[0, size)`.
#[inline(always)]
fn outputs_seeing_tap(outputs: Range<usize>, k: usize, stride: usize, pad: usize, size: usize) -> Range<usize> {
    // out * stride + k - pad >= 0  and  out * stride + k - pad < size.
    let lo = pad.saturating_sub(k).div_ceil(stride);
    let hi = if size + pad > k { (size + pad - k).div_ceil(stride) } else { 0 };
    let lo = lo.clamp(outputs.start, outputs.end);
    lo..hi.min(outputs.end).max(lo)
}

/// The output columns in three ranges: the windows crossing the left border, the
/// windows inside the image (they see the first and the last filter column, so every
/// one), the windows crossing the right border.
fn column_ranges(p: &PoolParams) -> [Range<usize>; 3] {
    let all = 0..p.output_w;
    let first = outputs_seeing_tap(all.clone(), 0, p.stride_w, p.pad_w, p.input_w);
    let last = outputs_seeing_tap(all, p.filter_w.max(1) - 1, p.stride_w, p.pad_w, p.input_w);
    let lo = first.start.max(last.start);
    let hi = first.end.min(last.end).max(lo);
    [0..lo, lo..hi, hi..p.output_w]
}

/// The output columns in blocks of at most `pixels`, none straddling two of `columns`
/// ([`column_ranges`]), each with whether its windows are inside the image.
fn blocks(columns: &[Range<usize>; 3], pixels: usize) -> impl Iterator<Item = (Range<usize>, bool)> + '_ {
    columns.iter().enumerate().flat_map(move |(i, seg)| {
        seg.clone().step_by(pixels).map(move |ox0| (ox0..(ox0 + pixels).min(seg.end), i == 1))
    })
}

#[inline(always)]
fn pool<T: PoolElem>(
    p: &PoolParams,
    input: &[T],
    output: &mut [T],
    init: i32,
    step: impl Fn(i32, i32) -> i32,
    finish: impl Fn(i32, i32) -> i32,
) {
    let d = p.depth;
    if d == 0 || p.output_w == 0 || p.stride_w == 0 {
        return;
    }
    let (in_row, out_row) = (p.input_w * d, p.output_w * d);
    // Whole pixels per block, or one pixel's channels in parts.
    let (pixels, part) = if d <= BLOCK { (BLOCK / d, d) } else { (1, BLOCK) };
    let columns = column_ranges(p);
    for b in 0..p.batches {
        let image = &input[b * p.input_h * in_row..(b + 1) * p.input_h * in_row];
        for oy in 0..p.output_h {
            let (y0, ny) = window(oy, p.stride_h, p.pad_h, p.filter_h, p.input_h);
            let rows = &image[y0 * in_row..(y0 + ny) * in_row];
            let o = (b * p.output_h + oy) * out_row;
            let out = &mut output[o..o + out_row];
            for (block, interior) in blocks(&columns, pixels) {
                // Every pixel of an interior block sees every filter column.
                let interior = interior && p.filter_w > 0;
                for c0 in (0..d).step_by(part) {
                    let nc = part.min(d - c0);
                    let mut acc = [init; BLOCK];
                    for row in rows.chunks_exact(in_row) {
                        if ROW_PASS && interior && (2..=3).contains(&p.filter_w) {
                            // The filter row's taps in one pass, the accumulators read
                            // and written once (the common 2- and 3-wide windows).
                            let x = block.start * p.stride_w - p.pad_w;
                            // One run of all the pixels' channels, or a run per pixel.
                            let len = if p.stride_w == 1 && nc == d { block.len() * d } else { nc };
                            for (j, dst) in acc[..block.len() * nc].chunks_exact_mut(len).enumerate() {
                                let at = (x + j * p.stride_w) * d + c0;
                                let tap = |k: usize| &row[at + k * d..at + k * d + len];
                                if p.filter_w == 2 {
                                    for (a, (u, v)) in dst.iter_mut().zip(tap(0).iter().zip(tap(1))) {
                                        *a = step(step(*a, u.widen()), v.widen());
                                    }
                                } else {
                                    let (t0, t1, t2) = (tap(0), tap(1), tap(2));
                                    for (a, (u, (v, w))) in dst.iter_mut().zip(t0.iter().zip(t1.iter().zip(t2))) {
                                        *a = step(step(step(*a, u.widen()), v.widen()), w.widen());
                                    }
                                }
                            }
                            continue;
                        }
                        for kx in 0..p.filter_w {
                            let seen = outputs_seeing_tap(block.clone(), kx, p.stride_w, p.pad_w, p.input_w);
                            if seen.is_empty() {
                                continue;
                            }
                            let x = seen.start * p.stride_w + kx - p.pad_w;
                            let first = (seen.start - block.start) * nc;
                            if p.stride_w == 1 && nc == d {
                                // The pixels' channels are one run in the input and in
                                // the block.
                                let n = seen.len() * d;
                                let src = &row[x * d..x * d + n];
                                for (a, v) in acc[first..first + n].iter_mut().zip(src) {
                                    *a = step(*a, v.widen());
                                }
                            } else {
                                let mut at = x * d + c0;
                                for dst in acc[first..first + seen.len() * nc].chunks_exact_mut(nc) {
                                    for (a, v) in dst.iter_mut().zip(&row[at..at + nc]) {
                                        *a = step(*a, v.widen());
                                    }
                                    at += p.stride_w * d;
                                }
                            }
                        }
                    }
                    for (i, ox) in block.clone().enumerate() {
                        // Interior windows hold the filter's width.
                        let nx = if interior {
                            p.filter_w
                        } else {
                            window(ox, p.stride_w, p.pad_w, p.filter_w, p.input_w).1
                        };
                        let count = (ny * nx) as i32;
                        let dst = &mut out[ox * d + c0..ox * d + c0 + nc];
                        for (dst, &a) in dst.iter_mut().zip(&acc[i * nc..(i + 1) * nc]) {
                            *dst = T::narrow(clamp(finish(a, count), p.activation_min, p.activation_max));
                        }
                    }
                }
            }
        }
    }
}
