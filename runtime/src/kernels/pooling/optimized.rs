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
/// reference on 8 channels). The host takes it, so that the tests check it.
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
    let (lo, hi) = (lo.max(outputs.start).min(outputs.end), hi.min(outputs.end));
    lo..hi.max(lo)
}

/// The output columns split where windows stop crossing the left border and where they
/// start crossing the right one, so that a block lies on one side; with [`ROW_PASS`]
/// only (elsewhere one range, which kept the Helium loops at their best).
fn column_ranges(p: &PoolParams) -> [Range<usize>; 3] {
    let all = 0..p.output_w;
    if !ROW_PASS {
        return [0..0, 0..0, all];
    }
    let first = outputs_seeing_tap(all.clone(), 0, p.stride_w, p.pad_w, p.input_w);
    let last = outputs_seeing_tap(all, p.filter_w.max(1) - 1, p.stride_w, p.pad_w, p.input_w);
    let lo = first.start.max(last.start);
    let hi = first.end.min(last.end).max(lo);
    [0..lo, lo..hi, hi..p.output_w]
}

/// Accumulates a whole window of `FH` rows and `FW` columns into `acc` (one accumulator
/// per element of a run): element `i` reads `rows[i + r * row + k * d]`.
type WindowPass<T, S> = fn(&mut [i32], &[T], usize, usize, &S);

/// The window pass for `rows` x `cols` taps, for the 1 to 3 rows and 2 or 3 columns
/// of common pools (3x3, 2x2, 1x3 and the clipped top and bottom rows); `None` for the
/// others, which go tap by tap.
fn window_pass<T: PoolElem, S: Fn(i32, i32) -> i32>(rows: usize, cols: usize) -> Option<WindowPass<T, S>> {
    Some(match (rows, cols) {
        (1, 2) => window_taps::<T, S, 1, 2>,
        (1, 3) => window_taps::<T, S, 1, 3>,
        (2, 2) => window_taps::<T, S, 2, 2>,
        (2, 3) => window_taps::<T, S, 2, 3>,
        (3, 2) => window_taps::<T, S, 3, 2>,
        (3, 3) => window_taps::<T, S, 3, 3>,
        _ => return None,
    })
}

fn window_taps<T: PoolElem, S: Fn(i32, i32) -> i32, const FH: usize, const FW: usize>(
    acc: &mut [i32],
    rows: &[T],
    row: usize,
    d: usize,
    step: &S,
) {
    let n = acc.len();
    let taps: [[&[T]; FW]; FH] =
        core::array::from_fn(|r| core::array::from_fn(|k| &rows[r * row + k * d..r * row + k * d + n]));
    for (i, a) in acc.iter_mut().enumerate() {
        let mut v = *a;
        for tap_row in &taps {
            for tap in tap_row {
                v = step(v, tap[i].widen());
            }
        }
        *a = v;
    }
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
    for b in 0..p.batches {
        let image = &input[b * p.input_h * in_row..(b + 1) * p.input_h * in_row];
        for oy in 0..p.output_h {
            let (y0, ny) = window(oy, p.stride_h, p.pad_h, p.filter_h, p.input_h);
            let rows = &image[y0 * in_row..(y0 + ny) * in_row];
            let o = (b * p.output_h + oy) * out_row;
            let out = &mut output[o..o + out_row];
            for cols in column_ranges(p) {
                for ox0 in cols.clone().step_by(pixels) {
                    let block = ox0..(ox0 + pixels).min(cols.end);
                    for c0 in (0..d).step_by(part) {
                        let nc = part.min(d - c0);
                        let mut acc = [init; BLOCK];
                        // Whether every pixel of the block sees every filter column (the
                        // columns in between lie between the first and the last).
                        let inside = |k| outputs_seeing_tap(block.clone(), k, p.stride_w, p.pad_w, p.input_w) == block;
                        let interior = inside(0) && inside(p.filter_w - 1);
                        let pass = if ROW_PASS && interior { window_pass(ny, p.filter_w) } else { None };
                        if let Some(pass) = pass {
                            // The whole window in one pass, each accumulator read and
                            // written once: one run of all the pixels' channels, or a run
                            // per pixel.
                            let x = block.start * p.stride_w - p.pad_w;
                            let len = if p.stride_w == 1 && nc == d { block.len() * d } else { nc };
                            for (j, dst) in acc[..block.len() * nc].chunks_exact_mut(len).enumerate() {
                                let at = (x + j * p.stride_w) * d + c0;
                                pass(dst, &rows[at..], in_row, d, &step);
                            }
                        }
                        for row in rows.chunks_exact(in_row).take(if pass.is_some() { 0 } else { ny }) {
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
}
