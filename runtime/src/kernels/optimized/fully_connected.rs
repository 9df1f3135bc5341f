//! Optimized int8 FULLY_CONNECTED (same arithmetic as
//! `kernels::fully_connected::fully_connected_s8_reference`).
//!
//! `sum (x + ioff)(w + foff) = x.w + ioff * sum w + foff * sum x + depth * ioff * foff`:
//! the dot products run on raw int8 (four filter rows per input load, `simd::dot4`), and
//! the weight sums are computed once per call (they are needed once per row anyway when
//! there is one batch, and then shared by every batch).

use super::conv::{table_storage, Block};
#[cfg(not(tinyml_mve))]
use super::simd::{dot2_wide, widen_pairs};
use super::simd::{sum, OutQuant};
use super::CHANNEL_BLOCK;
#[cfg(not(tinyml_mve))]
use crate::fixedpoint::multiply_by_quantized_multiplier;
use crate::kernels::fully_connected::{fully_connected_s8_reference, FullyConnectedParams};
#[cfg(tinyml_mve)]
use core::mem::MaybeUninit;

/// Layers with fewer multiply-accumulates per batch run the reference kernel.
const SMALL_MACS: usize = 512;

/// A word-aligned buffer.
#[cfg(not(tinyml_mve))]
#[repr(C, align(4))]
struct Aligned<T>(T);

/// Longest row widened to i16 on the stack (2 KiB).
const WIDE_CAP: usize = 1024;

/// Optimized `fully_connected_s8`. Handles every shape.
pub fn fully_connected_s8(p: &FullyConnectedParams, input: &[i8], filter: &[i8], bias: &[i32], output: &mut [i8]) {
    let (k, od) = (p.accum_depth, p.output_depth);
    // Tiny layers (hello_world's 1x16, 16x16): the per-call set-up of the optimized paths
    // costs more than it saves.
    if k * od < SMALL_MACS {
        fully_connected_s8_reference(p, input, filter, bias, output);
        return;
    }
    let folded = |o: usize, xsum: i32| -> i32 {
        let b = if bias.is_empty() { 0 } else { bias[o] };
        let wsum = if p.input_offset == 0 { 0 } else { sum(&filter[o * k..(o + 1) * k]) };
        b.wrapping_add(p.input_offset.wrapping_mul(wsum))
            .wrapping_add(p.filter_offset.wrapping_mul(xsum))
            .wrapping_add((k as i32).wrapping_mul(p.input_offset).wrapping_mul(p.filter_offset))
    };
    // Without Helium, folding costs a second pass over the weights (the sums) that a
    // scalar core cannot hide; instead widen `x + input_offset` once per row to i16 on
    // the stack (in `smlad` pair order) and run two filter rows at a time (`dot2_wide`).
    // On Helium, the same widened row feeds `vmladava.s16` (eight MACs per instruction
    // instead of sixteen, but no second pass over the weights for their sums).
    #[cfg(tinyml_mve)]
    if p.filter_offset == 0 && k <= WIDE_CAP {
        let q = OutQuant { offset: p.output_offset, min: p.activation_min, max: p.activation_max };
        // Uninitialized: only the first `k` entries are written and read.
        let mut wide = [const { MaybeUninit::<i16>::uninit() }; WIDE_CAP];
        for c0 in (0..od).step_by(CHANNEL_BLOCK) {
            let n = CHANNEL_BLOCK.min(od - c0);
            let rows = &filter[c0 * k..(c0 + n) * k];
            let mut storage = table_storage();
            let bias_of = |c: usize| if bias.is_empty() { 0 } else { bias[c0 + c] };
            let blk = Block::per_tensor(&mut storage, rows, k, bias_of, p.output_multiplier, p.output_shift);
            for b in 0..p.batches {
                // Widened once per block and batch: one block covers up to 64 outputs.
                for (d, &v) in wide[..k].iter_mut().zip(&input[b * k..(b + 1) * k]) {
                    d.write((v as i32 + p.input_offset) as i16);
                }
                // SAFETY: the first `k` entries were just written (`input` holds `k` per
                // batch); `MaybeUninit<i16>` has the layout of `i16`.
                let x = unsafe { core::slice::from_raw_parts(wide.as_ptr() as *const i16, k) };
                blk.run_wide(x, q, &mut output[b * od + c0..][..n]);
            }
        }
        return;
    }
    #[cfg(not(tinyml_mve))]
    if p.filter_offset == 0 && k <= WIDE_CAP {
        let finish = |acc: i32| -> i8 {
            let v = multiply_by_quantized_multiplier(acc, p.output_multiplier, p.output_shift) + p.output_offset;
            v.clamp(p.activation_min, p.activation_max) as i8
        };
        // Word-aligned for the DSP loop's `ldrd`.
        let mut wide = Aligned([0i16; WIDE_CAP]);
        let wide = &mut wide.0;
        for b in 0..p.batches {
            widen_pairs(&input[b * k..(b + 1) * k], p.input_offset, &mut wide[..k]);
            let xw = &wide[..k];
            let out = &mut output[b * od..(b + 1) * od];
            let bias_of = |o: usize| if bias.is_empty() { 0 } else { bias[o] };
            let mut o = 0;
            while o + 2 <= od {
                let d = dot2_wide(xw, &filter[o * k..(o + 1) * k], &filter[(o + 1) * k..(o + 2) * k]);
                out[o] = finish(d[0].wrapping_add(bias_of(o)));
                out[o + 1] = finish(d[1].wrapping_add(bias_of(o + 1)));
                o += 2;
            }
            if o < od {
                let row = &filter[o * k..(o + 1) * k];
                out[o] = finish(dot2_wide(xw, row, row)[0].wrapping_add(bias_of(o)));
            }
        }
        return;
    }
    let q = OutQuant { offset: p.output_offset, min: p.activation_min, max: p.activation_max };
    for c0 in (0..od).step_by(CHANNEL_BLOCK) {
        let n = CHANNEL_BLOCK.min(od - c0);
        let rows = &filter[c0 * k..(c0 + n) * k];
        for b in 0..p.batches {
            let x = &input[b * k..(b + 1) * k];
            let xsum = if p.filter_offset == 0 { 0 } else { sum(x) };
            // The weight sums are recomputed per batch (one batch in every shared model).
            let mut storage = table_storage();
            let blk =
                Block::new(&mut storage, rows, k, |c| (folded(c0 + c, xsum), p.output_multiplier, p.output_shift));
            blk.run(x, q, &mut output[b * od + c0..][..n]);
        }
    }
}
