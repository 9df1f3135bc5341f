//! Optimized int8 FULLY_CONNECTED (same arithmetic as
//! `kernels::fully_connected::fully_connected_s8_reference`).
//!
//! `sum (x + ioff)(w + foff) + bias = x.w + folded + foff * sum x`: the model compiler
//! computed every `folded` (`fully_connected::folded_bias`) into a table of one `i32`
//! per output (`fully_connected::fully_connected_s8_pack`), so the inner loops are plain
//! int8 dot products on the raw input: no table is built per call and the input is not
//! widened; only `foff * sum x`, zero for symmetric weights, is added at run time. The
//! layer's one multiplier and shift come from `p`. A table that does not fit the layer
//! (hand calls pass none) runs the reference kernel.
//!
//! Two loop shapes, chosen by the target: on Helium, all groups of four outputs through
//! the `dot4_requantize_tensor` routine (`vmladava.s8` and vector requantization with
//! the multiplier and shift broadcast once per call); elsewhere, four rows per input
//! load (`simd::dot4_bias`: `sxtb16`/`smlad` with the DSP extension) into 256 bytes of
//! accumulators per block of outputs, then the layer's one multiplier and shift applied
//! by scalar code ([`Requant`]). Both are public so that the host tests check both
//! against the reference.

use super::params::FullyConnectedParams;
use super::reference::fully_connected_s8_reference;
use crate::fixedpoint::multiply_by_quantized_multiplier;
use crate::kernels::packed::CHANNEL_BLOCK;
use crate::kernels::simd::{dot, dot4_bias, dot4_requantize_tensor, mul_high_rounded, sum, OutQuant};
use core::mem::MaybeUninit;

/// Optimized `fully_connected_s8`: runs the reference kernel when `packed` is not the
/// layer's table (empty, or made for another shape), for an empty layer, or, on the
/// scalar path, when the requantization constants are outside what int8 layers use
/// ([`Requant::exact_for`]).
pub fn fully_connected_s8(
    p: &FullyConnectedParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    packed: &[i32],
    output: &mut [i8],
) {
    let fits = packed.len() == p.output_depth && p.accum_depth > 0 && p.output_depth > 0;
    if fits && cfg!(tinyml_mve) {
        fully_connected_blocks(p, input, filter, packed, output)
    } else if fits && Requant::exact_for(p) {
        fully_connected_rows(p, input, filter, packed, output)
    } else {
        reference(p, input, filter, bias, output)
    }
}

/// The reference kernel, kept out of line: inlined into the dispatch above, its registers
/// and stack frame were set up on every call, whichever path ran.
#[cold]
#[inline(never)]
fn reference(p: &FullyConnectedParams, input: &[i8], filter: &[i8], bias: &[i32], output: &mut [i8]) {
    fully_connected_s8_reference(p, input, filter, bias, output)
}

/// `foff * sum x` for one input row: the one offset term that depends on the input.
#[inline(always)]
fn input_term(p: &FullyConnectedParams, x: &[i8]) -> i32 {
    if p.filter_offset == 0 {
        0
    } else {
        p.filter_offset.wrapping_mul(sum(x))
    }
}

/// Outputs per stack copy of folded biases when the weights are asymmetric (64 bytes).
const TERM_CHUNK: usize = 16;

/// The Helium loop shape: per batch, one `dot4_requantize_tensor` call over every group
/// of four outputs (the table is plain, so no blocks), then the remainder. `table` is
/// the layer's (`output_depth` folded biases).
#[inline(never)]
pub fn fully_connected_blocks(p: &FullyConnectedParams, input: &[i8], filter: &[i8], table: &[i32], output: &mut [i8]) {
    let (k, od) = (p.accum_depth, p.output_depth);
    let q = OutQuant { offset: p.output_offset, min: p.activation_min, max: p.activation_max };
    if p.batches == 1 && p.filter_offset == 0 {
        // One batch of symmetric weights (most layers): no loops around the outputs.
        outputs(p, &input[..k], filter, &table[..od], q, &mut output[..od]);
        return;
    }
    for b in 0..p.batches {
        let x = &input[b * k..(b + 1) * k];
        let out = &mut output[b * od..(b + 1) * od];
        let term = input_term(p, x);
        if term == 0 {
            outputs(p, x, filter, table, q, out);
            continue;
        }
        // Asymmetric weights: the folded biases with the input term added, a few outputs
        // at a time (64 bytes of stack instead of a copy of the table).
        for (c0, out) in (0..od).step_by(TERM_CHUNK).zip(out.chunks_mut(TERM_CHUNK)) {
            let n = out.len();
            let mut biased = [0i32; TERM_CHUNK];
            for (d, &b) in biased.iter_mut().zip(&table[c0..c0 + n]) {
                *d = b.wrapping_add(term);
            }
            outputs(p, x, &filter[c0 * k..(c0 + n) * k], &biased[..n], q, out);
        }
    }
}

/// `out.len()` outputs of one input row `x`, their rows back to back in `rows` and their
/// folded biases (input term included) in `bias`: the groups of four in one call, then
/// the last four outputs again (overlapping the previous group, rewriting identical
/// bytes), or each of fewer than four. Not inlined: one copy for both callers.
#[inline(never)]
fn outputs(p: &FullyConnectedParams, x: &[i8], rows: &[i8], bias: &[i32], q: OutQuant, out: &mut [i8]) {
    let (k, n) = (x.len(), out.len());
    let (mult, shift) = (p.output_multiplier, p.output_shift);
    if n >= 4 {
        let full = n / 4 * 4;
        dot4_requantize_tensor(x, rows, &bias[..full], mult, shift, q, out);
        if n != full {
            let c = n - 4;
            dot4_requantize_tensor(x, &rows[c * k..], &bias[c..n], mult, shift, q, &mut out[c..]);
        }
        return;
    }
    for (c, o) in out.iter_mut().enumerate() {
        let acc = dot(x, &rows[c * k..(c + 1) * k]).wrapping_add(bias[c]);
        let v = multiply_by_quantized_multiplier(acc, mult, shift) + q.offset;
        *o = v.clamp(q.min, q.max) as i8;
    }
}

/// The loop shape of cores without Helium: per batch and block of outputs, the
/// accumulators of all its groups of four (`dot4_bias`), then a scalar requantization
/// with the per-tensor constants. `table` is the layer's (`output_depth` folded biases).
/// `p` must pass [`Requant::exact_for`] and have `accum_depth` and `output_depth` above 0.
#[inline(never)]
pub fn fully_connected_rows(p: &FullyConnectedParams, input: &[i8], filter: &[i8], table: &[i32], output: &mut [i8]) {
    let (k, od) = (p.accum_depth, p.output_depth);
    let batches = input.chunks_exact(k).zip(output.chunks_exact_mut(od)).take(p.batches);
    for (x, out) in batches {
        let term = input_term(p, x);
        if od <= CHANNEL_BLOCK {
            // One block (most layers): no block loop around the call.
            rows_block(p, x, filter, &table[..od], term, out);
            continue;
        }
        for (c0, out) in (0..od).step_by(CHANNEL_BLOCK).zip(out.chunks_mut(CHANNEL_BLOCK)) {
            let n = out.len();
            rows_block(p, x, &filter[c0 * k..(c0 + n) * k], &table[c0..c0 + n], term, out);
        }
    }
}

/// One block of [`fully_connected_rows`]: `out.len()` outputs from `rows`, their folded
/// biases in `bias`. First all accumulators with their folded biases (256 bytes of
/// stack), then one requantization loop: interleaved per group of four, LLVM spilled the
/// requantization constants and reloaded them per output. Not inlined, for the same
/// reason.
#[inline(never)]
fn rows_block(p: &FullyConnectedParams, x: &[i8], rows: &[i8], bias: &[i32], term: i32, out: &mut [i8]) {
    let (k, n) = (x.len(), out.len());
    let full = n / 4 * 4;
    // Uninitialized: the first `n` entries are written below, the rest never read.
    let mut storage = [const { MaybeUninit::<i32>::uninit() }; CHANNEL_BLOCK];
    let acc = &mut storage[..n];
    dot4_bias(x, rows, &bias[..full], acc);
    if n != full {
        if n >= 4 {
            // The last four outputs again (overlapping the previous group).
            dot4_bias(x, &rows[(n - 4) * k..], &bias[n - 4..n], &mut acc[n - 4..]);
        } else {
            for ((w, a), &b) in rows.chunks_exact(k).zip(acc.iter_mut()).zip(bias) {
                a.write(dot(x, w).wrapping_add(b));
            }
        }
    }
    // SAFETY: every entry of `acc` was written above (the groups cover all `n` outputs);
    // `MaybeUninit<i32>` has the layout of `i32`.
    let acc = unsafe { core::slice::from_raw_parts_mut(acc.as_mut_ptr() as *mut i32, n) };
    if term != 0 {
        for a in acc.iter_mut() {
            *a = a.wrapping_add(term);
        }
    }
    Requant::new(p).run(acc, out);
}

/// A per-tensor `multiply_by_quantized_multiplier` plus output offset and clamp, for
/// cores without Helium's vector requantization: a few instructions per output, its
/// constants few enough to stay in registers.
#[derive(Clone, Copy)]
struct Requant {
    left: u32,
    mult: i32,
    right: u32,
    /// `2^(right - 1)`, or 0.
    round: i32,
    offset: i32,
    min: i32,
    max: i32,
}

impl Requant {
    /// Whether [`Requant::apply`] equals the reference for `p`: a multiplier normalized as
    /// `quantize_multiplier` makes them (`[2^30, 2^31)`), a right shift of at most 21 (a
    /// real multiplier of at least `2^-22`), and an output offset and activation range
    /// within int8, as every int8 layer has.
    fn exact_for(p: &FullyConnectedParams) -> bool {
        p.output_multiplier >= 1 << 30
            && (-21..=31).contains(&p.output_shift)
            && (-128..=127).contains(&p.output_offset)
            && p.activation_min >= -128
            && p.activation_max <= 127
    }

    fn new(p: &FullyConnectedParams) -> Self {
        let right = (-p.output_shift).max(0) as u32;
        Requant {
            left: p.output_shift.max(0) as u32,
            mult: p.output_multiplier,
            right,
            round: if right > 0 { 1 << (right - 1) } else { 0 },
            offset: p.output_offset,
            min: p.activation_min,
            max: p.activation_max,
        }
    }

    /// `out[i] = apply(acc[i])`, with the branches on the activation range and on the
    /// direction of the shift taken once.
    fn run(&self, acc: &[i32], out: &mut [i8]) {
        let full = self.min == -128 && self.max == 127;
        match (full, self.right > 0) {
            (true, true) => self.run_as::<true, true>(acc, out),
            (true, false) => self.run_as::<true, false>(acc, out),
            (false, true) => self.run_as::<false, true>(acc, out),
            (false, false) => self.run_as::<false, false>(acc, out),
        }
    }

    #[inline(always)]
    fn run_as<const FULL: bool, const RIGHT: bool>(&self, acc: &[i32], out: &mut [i8]) {
        let rq = *self;
        for (o, &a) in out.iter_mut().zip(acc) {
            *o = rq.apply::<FULL, RIGHT>(a);
        }
    }

    /// `clamp(mbqm(acc, mult, shift) + offset)`; `FULL`: the activation range is all of
    /// int8 (one `ssat`); `RIGHT`: the shift is negative (so `left` is 0).
    ///
    /// gemmlowp's doubling high multiply truncates `(x * m + nudge) / 2^31` toward zero,
    /// the nudge `2^30` or `1 - 2^30` by the product's sign; both cases equal
    /// `floor((2x * m + 2^31) / 2^32)`, one `smmulr` of `2x` (it cannot saturate: `m` is
    /// not `i32::MIN`). `2x` is doubled saturating (`qadd`): where that saturates,
    /// `|x| >= 2^30`, both the exact and this product are at least `2^29` in magnitude
    /// with the same sign, and after a right shift of at most 21 and an int8 offset both
    /// clamp to the same end of the range. RoundingDivideByPOT (ties away from zero) is
    /// `(h + 2^(right-1) - (h < 0)) >> right`, which cannot overflow as `|h| <= 2^30`.
    #[inline(always)]
    fn apply<const FULL: bool, const RIGHT: bool>(&self, acc: i32) -> i8 {
        let x = if RIGHT { acc } else { acc.wrapping_shl(self.left) };
        let h = mul_high_rounded(x.saturating_add(x), self.mult);
        let r = if RIGHT { (h + self.round + (h >> 31)) >> self.right } else { h };
        let v = r + self.offset;
        if FULL {
            v.clamp(-128, 127) as i8
        } else {
            v.clamp(self.min, self.max) as i8
        }
    }
}
