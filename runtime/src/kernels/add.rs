//! ADD and SUB with broadcasting: int8 and int16 with TFLM's general rescaling
//! (`reference_integer_ops::Add`, `reference_ops::AddGeneralParamScale`,
//! `BroadcastAdd6DSlow`, and the matching SUB kernels), and plain int32.
//!
//! SQUARED_DIFFERENCE lives here too: TFLM's `squared_difference.cc` fills the same
//! `ArithmeticParams` as ADD (headroom shift, inputs brought to a common scale), takes the
//! difference of the rescaled inputs and squares it before requantizing.

use super::broadcast::{binary, Broadcast};
use super::int::QuantizedInt;
#[cfg(not(feature = "reference-kernels"))]
use super::simd;
use crate::fixedpoint::multiply_by_quantized_multiplier;
use crate::fixedpoint::multiply_by_quantized_multiplier_smaller_than_one_exp as scale_down;

/// Constant parameters of one quantized ADD or SUB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddParams {
    /// Headroom shift applied to both offset inputs (20 for int8, 15 for int16).
    pub left_shift: i32,
    /// Minus the zero point of input 1.
    pub input1_offset: i32,
    /// `scale1 / (2 * max(scale1, scale2))` in Q31.
    pub input1_multiplier: i32,
    /// Its (non-positive) shift.
    pub input1_shift: i32,
    /// Minus the zero point of input 2.
    pub input2_offset: i32,
    /// `scale2 / (2 * max(scale1, scale2))` in Q31.
    pub input2_multiplier: i32,
    /// Its (non-positive) shift.
    pub input2_shift: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// `2 * max(scale1, scale2) / (2^left_shift * output_scale)` in Q31.
    pub output_multiplier: i32,
    /// Its (non-positive) shift.
    pub output_shift: i32,
    /// Lower bound of the fused activation, quantized.
    pub activation_min: i32,
    /// Upper bound of the fused activation, quantized.
    pub activation_max: i32,
    /// SUB instead of ADD: input 2 is subtracted.
    pub subtract: bool,
    /// Broadcasting of the two inputs to the output.
    pub shape: Broadcast,
}

/// One output element: both inputs are brought to a common scale with headroom, added
/// (or subtracted), and requantized to the output.
#[inline(always)]
pub(super) fn add_element(p: &AddParams, a: i32, b: i32) -> i32 {
    let (scaled1, scaled2) = rescaled_inputs(p, a, b);
    let raw = if p.subtract { scaled1 - scaled2 } else { scaled1 + scaled2 };
    let out = scale_down(raw, p.output_multiplier, p.output_shift) + p.output_offset;
    out.clamp(p.activation_min, p.activation_max)
}

/// Both offset inputs shifted left by the headroom and scaled to their common scale.
#[inline(always)]
fn rescaled_inputs(p: &AddParams, a: i32, b: i32) -> (i32, i32) {
    let shifted1 = (p.input1_offset + a) * (1 << p.left_shift);
    let shifted2 = (p.input2_offset + b) * (1 << p.left_shift);
    (
        scale_down(shifted1, p.input1_multiplier, p.input1_shift),
        scale_down(shifted2, p.input2_multiplier, p.input2_shift),
    )
}

fn add_quantized<T: QuantizedInt>(p: &AddParams, in1: &[T], in2: &[T], output: &mut [T]) {
    binary(&p.shape, in1, in2, output, |a: T, b: T| T::from_i32(add_element(p, a.to_i32(), b.to_i32())));
}

/// int8 ADD/SUB. With a table from [`add_s8_pack`] in `packed`, two lookups per element
/// ([`simd::lut2_s8`]; 16 elements per iteration on Helium) over same-shape inputs and
/// over broadcasts whose innermost run is contiguous or one repeated element; without
/// one, same-shape inputs take [`simd::add_s8`], broadcasts (and builds with
/// `reference-kernels`) the reference loop. A call with `&[]` is always valid.
pub fn add_s8(p: &AddParams, in1: &[i8], in2: &[i8], packed: &[i32], output: &mut [i8]) {
    #[cfg(not(feature = "reference-kernels"))]
    {
        if let Some(terms) = add_s8_table(packed) {
            if lut2_broadcast(&lut2_quant(p, terms), &p.shape, in1, in2, output) {
                return;
            }
        }
        if p.shape.elementwise {
            let n = p.shape.out_len();
            return simd::add_s8(&add_quant(p), &in1[..n], &in2[..n], &mut output[..n]);
        }
    }
    #[cfg(feature = "reference-kernels")]
    let _ = packed;
    add_quantized(p, in1, in2, output);
}

/// The two-table form of `p` with the tables `terms` ([`add_s8_table`]).
#[cfg(not(feature = "reference-kernels"))]
#[inline(always)]
pub(super) fn lut2_quant<'a>(p: &AddParams, terms: simd::Terms<'a>) -> simd::Lut2<'a> {
    simd::Lut2 { terms, min: p.activation_min.clamp(-128, 127) as i8, max: p.activation_max.clamp(-128, 127) as i8 }
}

/// The constants of [`simd::add_s8`] (the arithmetic per element).
#[cfg(not(feature = "reference-kernels"))]
#[inline(always)]
pub(super) fn add_quant(p: &AddParams) -> simd::AddQuant {
    simd::AddQuant {
        left_shift: p.left_shift,
        input_offset: [p.input1_offset, p.input2_offset],
        input_multiplier: [p.input1_multiplier, p.input2_multiplier],
        input_shift: [p.input1_shift, p.input2_shift],
        output_offset: p.output_offset,
        output_multiplier: p.output_multiplier,
        output_shift: p.output_shift,
        min: p.activation_min,
        max: p.activation_max,
        subtract: p.subtract,
    }
}

/// Runs a two-table operator over a broadcast: one input repeated as rows of the other
/// ([`Broadcast::repeated_row`]) with [`simd::lut2_rows_s8`]; otherwise by innermost runs
/// ([`Broadcast::runs`]): [`simd::lut2_s8`] where both inputs advance,
/// [`simd::lut2_scalar_s8`] where one repeats. Returns `false` (nothing written) when
/// the runs are too short to be worth a call each.
#[cfg(not(feature = "reference-kernels"))]
fn lut2_broadcast(q: &simd::Lut2, shape: &Broadcast, in1: &[i8], in2: &[i8], output: &mut [i8]) -> bool {
    use super::broadcast::Run;
    if let Some(row) = shape.repeated_row() {
        let n = row.out_len;
        let out = &mut output[..n];
        if row.in1_repeats {
            simd::lut2_rows_s8(&q.swapped(), &in2[..n], &in1[..row.len], out);
        } else {
            simd::lut2_rows_s8(q, &in1[..n], &in2[..row.len], out);
        }
        return true;
    }
    shape.runs(4, |run: Run| {
        let (a, b, n) = (run.in1, run.in2, run.len);
        let out = &mut output[run.out..run.out + n];
        match (run.in1_advances, run.in2_advances) {
            (true, true) => simd::lut2_s8(q, &in1[a..a + n], &in2[b..b + n], out),
            (true, false) => simd::lut2_scalar_s8(q, &in1[a..a + n], in2[b], out),
            _ => simd::lut2_scalar_s8(&q.swapped(), &in2[b..b + n], in1[a], out),
        }
    })
}

/// Most words of the table [`add_s8_pack`] writes: a header word (tag and shift), then
/// the two tables of 256 terms (input 1, input 2), indexed by the input byte as `u8`:
/// `i16` terms two to a word (257 words) or `i32` terms (513 words).
pub const ADD_S8_PACKED_WORDS: usize = 1 + 512;

/// High bits of the header word of an ADD/SUB table; the low byte is the shift.
const ADD_TABLE_TAG: i32 = 0x4144_5400;

/// The shifts of `i16` terms: Helium narrows with `vqshrnb.s16 #shift`, and a shift of
/// at most 8 keeps `i16::MIN >> shift <= -128` (saturation and clamp agree).
const NARROW_SHIFTS: core::ops::RangeInclusive<u32> = 1..=8;

/// Relaxation passes before a shift is given up.
const PASSES: usize = 48;

/// Fraction bits of `i32` terms (`simd::WIDE_SHIFT`; the table is packed by builds
/// without the simd module too).
const WIDE_SHIFT: u32 = 16;
#[cfg(not(feature = "reference-kernels"))]
const _: () = assert!(WIDE_SHIFT == simd::WIDE_SHIFT);

/// Reads a table written by [`add_s8_pack`]; `None` for any other layout (an empty
/// table, another kernel's).
#[cfg(not(feature = "reference-kernels"))]
pub fn add_s8_table(packed: &[i32]) -> Option<simd::Terms<'_>> {
    let (&head, rest) = packed.split_first()?;
    let shift = (head & 0xff) as u32;
    if head & !0xff != ADD_TABLE_TAG {
        return None;
    }
    if NARROW_SHIFTS.contains(&shift) && rest.len() == 256 {
        // SAFETY: 256 `i32` are the bytes of 512 `i16`, which need less alignment.
        let t: &[i16; 512] = unsafe { &*rest.as_ptr().cast::<[i16; 512]>() };
        let (t1, t2) = t.split_at(256);
        return Some(simd::Terms::Narrow { t1: t1.try_into().ok()?, t2: t2.try_into().ok()?, shift });
    }
    if shift == WIDE_SHIFT && rest.len() == 512 {
        let (t1, t2) = rest.split_at(256);
        return Some(simd::Terms::Wide { t1: t1.try_into().ok()?, t2: t2.try_into().ok()? });
    }
    None
}

/// Computes the table of an int8 ADD/SUB (same shape or broadcast; the shape does not
/// matter) into `packed` (at least [`ADD_S8_PACKED_WORDS`] words) and returns the words
/// written, or 0 when no table reproduces the reference exactly (the kernel then
/// computes each element).
///
/// The reference result is a function of the two input bytes only, `clamp(g(f1(a) ±
/// f2(b)))` with `g` monotone. The table holds integer terms `t1[a]`, `t2[b]` and a
/// shift `r` such that `clamp((t1[a] + t2[b]) >> r)` equals it for all 65,536 pairs:
/// each pair bounds `t1[a] + t2[b]` to `[o << r, (o + 1) << r)` for its output `o` (one
/// side only where `o` is an activation bound). Those are difference constraints
/// between `t1` and `-t2`; starting from the real-valued rescaling rounded down, passes
/// of Bellman-Ford relaxation (lower `t1`, raise `t2`) reach a solution when one exists
/// below it. A solution exists when the reference is `floor(h1(a) + h2(b))` for real
/// `h1`, `h2` and `2^r` is at least the length of any cycle of constraints (at most 256
/// pairs), which `r = 16` always meets; TFLM's rounding of negative ties breaks that
/// form in rare parameters, and then no table is written. The `i16` terms (shifts 8
/// down to 1, twice as fast on Helium) are tried first, then `i32` terms with `r = 16`
/// that hold `o - min`. Every pair is checked again with the kernel's arithmetic, so a
/// table is exact whenever one is written.
pub fn add_s8_pack(p: &AddParams, packed: &mut [i32]) -> usize {
    if packed.len() < ADD_S8_PACKED_WORDS || p.left_shift != 20 {
        return 0;
    }
    let term = |offset: i32, mult: i32, shift: i32, x: i32| scale_down((offset + x) * (1 << p.left_shift), mult, shift);
    let mut f1 = [0i32; 256];
    let mut f2 = [0i32; 256];
    for u in 0..256 {
        let x = u as u8 as i8 as i32;
        f1[u] = term(p.input1_offset, p.input1_multiplier, p.input1_shift, x);
        let y = term(p.input2_offset, p.input2_multiplier, p.input2_shift, x);
        f2[u] = if p.subtract { -y } else { y };
    }
    let (lo, hi) = (p.activation_min.max(-128), p.activation_max.min(127));
    if lo > hi {
        return 0;
    }
    let reference = |a: usize, b: usize| {
        (scale_down(f1[a] + f2[b], p.output_multiplier, p.output_shift) + p.output_offset).clamp(lo, hi)
    };
    let cx = Solver { f1: &f1, f2: &f2, p, lo, hi, reference: &reference };
    for r in NARROW_SHIFTS.rev() {
        // i16 sums saturate, then the narrowing to i8 does, then the clamp.
        let narrow = |s: i32| ((s.clamp(i16::MIN as i32, i16::MAX as i32) >> r).clamp(-128, 127)).clamp(lo, hi);
        if let Some((t1, t2)) = cx.solve(r, 0, i16::MIN as i32..=i16::MAX as i32, narrow) {
            packed[0] = ADD_TABLE_TAG | r as i32;
            for k in 0..128 {
                let word = |t: &[i32; 256]| (t[2 * k] as u16 as u32 | (t[2 * k + 1] as u16 as u32) << 16) as i32;
                packed[1 + k] = word(&t1);
                packed[129 + k] = word(&t2);
            }
            return 1 + 256;
        }
    }
    let r = WIDE_SHIFT;
    // Narrowing to i16 saturates, then to u8 (the lower clamp), then the upper clamp.
    let wide = |s: i32| lo + ((s >> r).clamp(i16::MIN as i32, i16::MAX as i32).clamp(0, 255)).min(hi - lo);
    if let Some((t1, t2)) = cx.solve(r, lo, -(1 << 30)..=(1 << 30), wide) {
        packed[0] = ADD_TABLE_TAG | r as i32;
        packed[1..257].copy_from_slice(&t1);
        packed[257..513].copy_from_slice(&t2);
        return 1 + 512;
    }
    0
}

/// What [`add_s8_pack`] solves for: the scaled inputs, the parameters, the activation
/// range and the reference output of a pair of bytes (as `u8` indices).
struct Solver<'a, F> {
    f1: &'a [i32; 256],
    f2: &'a [i32; 256],
    p: &'a AddParams,
    lo: i32,
    hi: i32,
    reference: &'a F,
}

impl<F: Fn(usize, usize) -> i32> Solver<'_, F> {
    /// Terms with `r` fraction bits whose sums are the output minus `base`, if the
    /// relaxation converges, they lie in `range`, and `kernel(t1[a] + t2[b])` is the
    /// reference output for every pair.
    // Indexed loops: `a` and `b` are input bytes, indexing both tables and the reference.
    #[allow(clippy::needless_range_loop)]
    fn solve(
        &self,
        r: u32,
        base: i32,
        range: core::ops::RangeInclusive<i32>,
        kernel: impl Fn(i32) -> i32,
    ) -> Option<([i32; 256], [i32; 256])> {
        let (p, lo, hi) = (self.p, self.lo, self.hi);
        // Real rescaling `x * mult * 2^(shift + r) / 2^31`, rounded down; the output
        // offset less the base and one half go into input 1's term.
        let down = ((31 - p.output_shift) as u32).checked_sub(r)?.min(63);
        let scaled = |x: i32| ((x as i64 * p.output_multiplier as i64) >> down) as i32;
        let mut t1 = [0i32; 256];
        let mut t2 = [0i32; 256];
        for u in 0..256 {
            t1[u] = scaled(self.f1[u]) + ((p.output_offset - base) << r) + (1 << (r - 1));
            t2[u] = scaled(self.f2[u]);
        }
        let one = 1i32 << r;
        let mut converged = false;
        for _ in 0..PASSES {
            let mut changed = false;
            for a in 0..256 {
                for b in 0..256 {
                    let o = (self.reference)(a, b);
                    let v = o - base;
                    let s = t1[a] + t2[b];
                    if o < hi && s > (v << r) + one - 1 {
                        t1[a] = (v << r) + one - 1 - t2[b];
                        changed = true;
                    } else if o > lo && s < v << r {
                        t2[b] = (v << r) - t1[a];
                        changed = true;
                    }
                }
            }
            if !changed {
                converged = true;
                break;
            }
        }
        if !converged {
            return None;
        }
        // Terms so large (small) that every sum with them is clamped can be brought in
        // to the least (greatest) value that still clamps every sum.
        let (top, bottom) = ((hi - base) << r, ((lo - base) << r) + one - 1);
        let (min2, max2) = (*t2.iter().min()?, *t2.iter().max()?);
        for v in t1.iter_mut() {
            *v = (*v).min(top - min2).max(bottom - max2);
        }
        let (min1, max1) = (*t1.iter().min()?, *t1.iter().max()?);
        for v in t2.iter_mut() {
            *v = (*v).min(top - min1).max(bottom - max1);
        }
        // Move a constant from one table to the other to centre both in `range`.
        let (min1, max1) = (*t1.iter().min()?, *t1.iter().max()?);
        let (min2, max2) = (*t2.iter().min()?, *t2.iter().max()?);
        let c = ((min1 + max1) - (min2 + max2)) / 4;
        for u in 0..256 {
            t1[u] -= c;
            t2[u] += c;
            if !range.contains(&t1[u]) || !range.contains(&t2[u]) {
                return None;
            }
        }
        for a in 0..256 {
            for b in 0..256 {
                if kernel(t1[a] + t2[b]) != (self.reference)(a, b) {
                    return None;
                }
            }
        }
        Some((t1, t2))
    }
}

/// int8 ADD/SUB, always the scalar reference loop (what the tests compare
/// [`add_s8`] with).
pub fn add_s8_reference(p: &AddParams, in1: &[i8], in2: &[i8], output: &mut [i8]) {
    add_quantized(p, in1, in2, output);
}

/// int16 ADD/SUB (TFLM micro uses the general-scale path for every int16 model).
pub fn add_s16(p: &AddParams, in1: &[i16], in2: &[i16], output: &mut [i16]) {
    add_quantized(p, in1, in2, output);
}

/// Constant parameters of an int32 ADD or SUB (unquantized).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddI32Params {
    /// Lower bound of the fused activation.
    pub activation_min: i32,
    /// Upper bound of the fused activation.
    pub activation_max: i32,
    /// SUB instead of ADD.
    pub subtract: bool,
    /// Broadcasting of the two inputs to the output.
    pub shape: Broadcast,
}

/// int32 ADD/SUB: wrapping integer arithmetic, then the activation clamp.
pub fn add_i32(p: &AddI32Params, in1: &[i32], in2: &[i32], output: &mut [i32]) {
    binary(&p.shape, in1, in2, output, |a: i32, b: i32| add_i32_element(p, a, b));
}

/// One output element of [`add_i32`].
#[inline(always)]
pub(super) fn add_i32_element(p: &AddI32Params, a: i32, b: i32) -> i32 {
    let v = if p.subtract { a.wrapping_sub(b) } else { a.wrapping_add(b) };
    v.clamp(p.activation_min, p.activation_max)
}

/// One output element of a quantized SQUARED_DIFFERENCE (TFLM `SquaredDifference(x, y,
/// params)`): the squared difference of the rescaled inputs, requantized by
/// `MultiplyByQuantizedMultiplier` (the output multiplier may exceed one).
#[inline(always)]
fn squared_difference_element(p: &AddParams, a: i32, b: i32) -> i32 {
    let (scaled1, scaled2) = rescaled_inputs(p, a, b);
    let raw = scaled1 - scaled2;
    let out =
        multiply_by_quantized_multiplier(raw.wrapping_mul(raw), p.output_multiplier, p.output_shift) + p.output_offset;
    out.clamp(p.activation_min, p.activation_max)
}

fn squared_difference_quantized<T: QuantizedInt>(p: &AddParams, in1: &[T], in2: &[T], output: &mut [T]) {
    binary(&p.shape, in1, in2, output, |a: T, b: T| T::from_i32(squared_difference_element(p, a.to_i32(), b.to_i32())));
}

/// int8 SQUARED_DIFFERENCE (`left_shift` 7; `subtract` is not read).
pub fn squared_difference_s8(p: &AddParams, in1: &[i8], in2: &[i8], output: &mut [i8]) {
    squared_difference_quantized(p, in1, in2, output);
}

/// int16 SQUARED_DIFFERENCE (`left_shift` 0, zero points 0; `subtract` is not read).
pub fn squared_difference_s16(p: &AddParams, in1: &[i16], in2: &[i16], output: &mut [i16]) {
    squared_difference_quantized(p, in1, in2, output);
}

/// int32 SQUARED_DIFFERENCE: `(a - b)^2`, wrapping as two's complement (TFLM's C
/// arithmetic, whose overflow the converter's ranges rule out).
pub fn squared_difference_i32(shape: &Broadcast, in1: &[i32], in2: &[i32], output: &mut [i32]) {
    binary(shape, in1, in2, output, |a: i32, b: i32| {
        let d = a.wrapping_sub(b);
        d.wrapping_mul(d)
    });
}

/// float32 SQUARED_DIFFERENCE: `(a - b) * (a - b)` in f32, as TFLM.
pub fn squared_difference_f32(shape: &Broadcast, in1: &[f32], in2: &[f32], output: &mut [f32]) {
    binary(shape, in1, in2, output, |a: f32, b: f32| {
        let d = a - b;
        d * d
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_scale_add_is_exact() {
        // Both inputs and the output at scale 1.0, zero point 0: real addition.
        let p = AddParams {
            left_shift: 20,
            input1_offset: 0,
            input1_multiplier: 1 << 30,
            input1_shift: 0,
            input2_offset: 0,
            input2_multiplier: 1 << 30,
            input2_shift: 0,
            output_offset: 0,
            // 2 / 2^20 = 2^-19 = 0.5 * 2^-18
            output_multiplier: 1 << 30,
            output_shift: -18,
            activation_min: -128,
            activation_max: 127,
            subtract: false,
            shape: Broadcast::elementwise(4),
        };
        let mut out = [0i8; 4];
        add_s8(&p, &[1, -5, 100, -100], &[2, 3, 100, -100], &[], &mut out);
        assert_eq!(out, [3, -2, 127, -128]);
        add_s8(&AddParams { subtract: true, ..p }, &[1, -5, 100, -100], &[2, 3, 100, -100], &[], &mut out);
        assert_eq!(out, [-1, -8, 0, 0]);
    }
}
