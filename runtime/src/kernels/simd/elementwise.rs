//! Two-table int8 elementwise primitives: `out = f(t1[a] + t2[b])` with 256-entry tables
//! indexed by the input bytes (as `u8`) and `f` a shift and a clamp. The tables are
//! computed at compile time (`kernels::add::add_s8_pack` for ADD/SUB) so that this is
//! exactly the reference kernel's result for every pair of input bytes.
//!
//! Two layouts ([`Terms`]): `i16` terms with a shift of 1 to 8 (`out = clamp((t1 + t2)
//! >> shift, min, max)`; Helium gathers eight lanes at a time), and `i32` terms with a
//! shift of 16 that hold `out - min` (`out = min + clamp((t1 + t2) >> 16, 0, max - min)`;
//! four lanes at a time, for the operators whose `i16` terms would be too coarse).
//!
//! The sums are exact in `i32` here; Helium adds `i16` terms with saturation
//! (`vqadd.s16`) and narrows with saturation (`vqshrn`, `vqmovun`), which give the same
//! bytes after the clamp: the `i16` shift is at most 8, so a saturated sum shifts to at
//! least 127 or at most -128, beyond either bound; the `i32` terms stay below 2^30.

use super::out_quant::{Lut2, MulQuant, Terms, WIDE_SHIFT};
use crate::kernels::broadcast::binary_in_place;

/// Bytes per Helium block.
#[cfg(tinyml_mve)]
const BLOCK: usize = 16;

/// `out[i] = q(a[i], b[i])` over `out.len()` elements. On Helium, 16 elements per
/// iteration; a last partial block is recomputed overlapping the previous one (outputs
/// never overlap inputs, so the bytes written twice are equal).
#[inline]
pub fn lut2_s8(q: &Lut2, a: &[i8], b: &[i8], out: &mut [i8]) {
    let n = out.len();
    let (a, b) = (&a[..n], &b[..n]);
    #[cfg(tinyml_mve)]
    if n >= BLOCK {
        // SAFETY: `a`, `b`, `out` have `n >= 16` elements (checked by the slicing); the
        // routine reads and writes `16 * blocks` of them from the given start.
        unsafe {
            super::mve_elementwise::lut2_s8(q, a.as_ptr(), b.as_ptr(), out.as_mut_ptr(), n / BLOCK);
            if !n.is_multiple_of(BLOCK) {
                let k = n - BLOCK;
                super::mve_elementwise::lut2_s8(q, a.as_ptr().add(k), b.as_ptr().add(k), out.as_mut_ptr().add(k), 1);
            }
        }
        return;
    }
    portable(q, a, |i| b[i], out);
}

/// [`lut2_s8`] with the output over one input: `acc[i] = q(acc[i], b[i])`, or
/// `q(b[i], acc[i])` when `acc` is input 2 (`acc_first` false), over `acc.len()`
/// elements. On Helium the whole blocks take the loop of [`lut2_s8`] with the output
/// pointer equal to one input's; the last `n % 16` elements, whose overlapping block
/// would read outputs already written, take the portable loop.
#[inline]
pub fn lut2_s8_in_place(q: &Lut2, acc: &mut [i8], b: &[i8], acc_first: bool) {
    let n = acc.len();
    let b = &b[..n];
    #[allow(unused_mut)]
    let mut done = 0;
    #[cfg(tinyml_mve)]
    if n >= BLOCK {
        let (out, other) = (acc.as_mut_ptr(), b.as_ptr());
        let (x, y) = if acc_first { (out.cast_const(), other) } else { (other, out.cast_const()) };
        // SAFETY: `acc` and `b` have `n >= 16` elements (checked by the slicing); the
        // routine reads and writes `16 * (n / 16)` of them from the start. `out` is
        // exactly one of the inputs, never a shifted copy of it, and every block is
        // loaded (both inputs) before it is stored, so each output byte is written after
        // the input byte at its own address was read, and no later block reads it.
        unsafe { super::mve_elementwise::lut2_s8(q, x, y, out, n / BLOCK) };
        done = n - n % BLOCK;
    }
    let (acc, b) = (&mut acc[done..], &b[done..]);
    // The terms add commutatively, so input 2 first is the swapped tables.
    let q = if acc_first { *q } else { q.swapped() };
    portable_in_place(&q, acc, b);
}

/// Longest row the Helium row loops take (its blocks are counted in 16 bits).
#[cfg(tinyml_mve)]
const MAX_ROW: usize = 16 * 0xffff;

/// [`lut2_s8`] over rows: `out` is `out.len() / b.len()` rows of `b.len()` elements,
/// `a` as long as `out`, and input 2 is the one row `b` every time (a per-channel
/// operand). On Helium, by the row's length: a row of 16 bytes, or of 1, 2, 4 or 8
/// repeated to 16, has its terms gathered once for every block (no per-row work, where
/// rows of 16 cost 5 instructions a row and 5 a block to gather input 2's terms); a
/// longer row of whole blocks runs every row in one call; otherwise one [`lut2_s8`] per
/// row.
#[inline]
pub fn lut2_rows_s8(q: &Lut2, a: &[i8], b: &[i8], out: &mut [i8]) {
    let len = b.len();
    if len == 0 {
        return;
    }
    let rows = out.len() / len;
    let n = rows * len;
    let (a, out) = (&a[..n], &mut out[..n]);
    #[cfg(tinyml_mve)]
    if n >= BLOCK {
        let fixed = |b: &[i8; BLOCK], out: &mut [i8]| {
            // SAFETY: `a` and `out` hold `n >= 16` elements, `b` 16; each call reads and
            // writes `16 * blocks` from its start. The last partial block is recomputed
            // at `n - 16`, a whole number of rows, so the pattern holds there too.
            unsafe {
                super::mve_elementwise::lut2_fixed_s8(q, a.as_ptr(), b.as_ptr(), out.as_mut_ptr(), n / BLOCK);
                if !n.is_multiple_of(BLOCK) {
                    let k = n - BLOCK;
                    let (x, o) = (a.as_ptr().add(k), out.as_mut_ptr().add(k));
                    super::mve_elementwise::lut2_fixed_s8(q, x, b.as_ptr(), o, 1);
                }
            }
        };
        if let Ok(b) = <&[i8; BLOCK]>::try_from(b) {
            return fixed(b, out);
        }
        if BLOCK.is_multiple_of(len) {
            let mut pattern = [0i8; BLOCK];
            for chunk in pattern.chunks_exact_mut(len) {
                chunk.copy_from_slice(b);
            }
            return fixed(&pattern, out);
        }
        if len.is_multiple_of(BLOCK) && len <= MAX_ROW {
            // SAFETY: `a` and `out` hold `rows * len` elements, `b` holds `len`, a whole
            // number of blocks (checked above).
            unsafe {
                super::mve_elementwise::lut2_rows_s8(q, a.as_ptr(), b.as_ptr(), out.as_mut_ptr(), len / BLOCK, rows)
            };
            return;
        }
    }
    for (o, x) in out.chunks_exact_mut(len).zip(a.chunks_exact(len)) {
        lut2_s8(q, x, b, o);
    }
}

/// `out[i] = q(a[i], y)` over `out.len()` elements: input 2 is one byte for the whole
/// run (a broadcast operand). On Helium 16 elements per iteration, as [`lut2_s8`].
#[inline]
pub fn lut2_scalar_s8(q: &Lut2, a: &[i8], y: i8, out: &mut [i8]) {
    let n = out.len();
    let a = &a[..n];
    #[cfg(tinyml_mve)]
    if n >= BLOCK {
        // SAFETY: as in `lut2_s8`.
        unsafe {
            super::mve_elementwise::lut2_scalar_s8(q, y, a.as_ptr(), out.as_mut_ptr(), n / BLOCK);
            if !n.is_multiple_of(BLOCK) {
                let k = n - BLOCK;
                super::mve_elementwise::lut2_scalar_s8(q, y, a.as_ptr().add(k), out.as_mut_ptr().add(k), 1);
            }
        }
        return;
    }
    portable(q, a, |_| y, out);
}

/// Whether the Helium MUL loops take `q`: their rounding shift is an immediate of 1 to
/// 16 (`vqrshrn.s32`). A larger shift (a product scale below 2^-17, where nearly every
/// output is the zero point) takes the portable loop.
#[cfg(tinyml_mve)]
#[inline(always)]
fn mve_mul(q: &MulQuant) -> bool {
    q.right_shift <= 16
}

/// `out[i] = q(a[i], b[i])` over `out.len()` elements (int8 MUL). On Helium 16 elements
/// per iteration, as [`lut2_s8`].
#[inline(always)]
pub fn mul_s8(q: &MulQuant, a: &[i8], b: &[i8], out: &mut [i8]) {
    let n = out.len();
    let (a, b) = (&a[..n], &b[..n]);
    #[cfg(tinyml_mve)]
    if n >= BLOCK && mve_mul(q) {
        use super::mve_elementwise::mul_blocks_s8;
        // SAFETY: `a`, `b`, `out` have `n >= 16` elements (checked by the slicing); the
        // routine reads and writes `16 * blocks` of them from the given start.
        unsafe {
            mul_blocks_s8(q, a.as_ptr(), b.as_ptr(), out.as_mut_ptr(), n / BLOCK, 1);
            if !n.is_multiple_of(BLOCK) {
                let k = n - BLOCK;
                mul_blocks_s8(q, a.as_ptr().add(k), b.as_ptr().add(k), out.as_mut_ptr().add(k), 1, 1);
            }
        }
        return;
    }
    // The clamp chosen once per call (one `ssat` per element without an activation).
    if full_range(q) {
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            *o = mul_saturated(q, x, y);
        }
    } else {
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            *o = mul_clamped(q, x, y);
        }
    }
}

/// [`mul_s8`] with the output over one input: `acc[i] = q(acc[i], b[i])`, or
/// `q(b[i], acc[i])` when `acc` is input 2 (`acc_first` false). On Helium the whole
/// blocks take the loop of [`mul_s8`] with the output pointer equal to one input's; the
/// last `n % 16` elements, whose overlapping block would read outputs already
/// written, take the portable loop.
#[inline(always)]
pub fn mul_s8_in_place(q: &MulQuant, acc: &mut [i8], b: &[i8], acc_first: bool) {
    let n = acc.len();
    let b = &b[..n];
    #[allow(unused_mut)]
    let mut done = 0;
    #[cfg(tinyml_mve)]
    if n >= BLOCK && mve_mul(q) {
        let (out, other) = (acc.as_mut_ptr(), b.as_ptr());
        let (x, y) = if acc_first { (out.cast_const(), other) } else { (other, out.cast_const()) };
        // SAFETY: `acc` and `b` have `n >= 16` elements (checked by the slicing); the
        // routine reads and writes `16 * (n / 16)` of them from the start, one row. `out`
        // is exactly one of the inputs, and every block loads all 16 bytes of both
        // inputs before its first store (`mul_block_halves!` stores both halves after
        // its four loads), so no byte is read after it was written.
        unsafe { super::mve_elementwise::mul_blocks_s8(q, x, y, out, n / BLOCK, 1) };
        done = n - n % BLOCK;
    }
    let (acc, b) = (&mut acc[done..], &b[done..]);
    // The product commutes: input 2 first is the offsets exchanged.
    let q = if acc_first { *q } else { MulQuant { input_offset: [q.input_offset[1], q.input_offset[0]], ..*q } };
    if full_range(&q) {
        binary_in_place(acc, b, |x, y| mul_saturated(&q, x, y));
    } else {
        binary_in_place(acc, b, |x, y| mul_clamped(&q, x, y));
    }
}

/// `out[i] = q(a[i], b[i % 16])` on Helium, `b` 16 bytes that repeat along the whole
/// run (`n >= 16`; when `n` is not a whole number of blocks the last block is
/// recomputed at `n - 16`, so `b`'s period must divide `n - 16`). Input 2 is widened
/// once for all blocks.
#[cfg(tinyml_mve)]
#[inline(always)]
fn mul_fixed_s8(q: &MulQuant, a: &[i8], b: &[i8; BLOCK], out: &mut [i8]) {
    use super::mve_elementwise::mul_blocks_s8;
    let n = out.len();
    let a = &a[..n];
    // SAFETY: `a` and `out` have `n >= 16` elements (the callers check it; the slicing
    // checks `a`), `b` 16; the routine reads and writes `16 * blocks` from the start.
    unsafe {
        mul_blocks_s8(q, a.as_ptr(), b.as_ptr(), out.as_mut_ptr(), n / BLOCK, 0);
        if !n.is_multiple_of(BLOCK) {
            let k = n - BLOCK;
            mul_blocks_s8(q, a.as_ptr().add(k), b.as_ptr(), out.as_mut_ptr().add(k), 1, 0);
        }
    }
}

/// [`mul_s8`] over rows, as [`lut2_rows_s8`]: `out` is `out.len() / b.len()` rows of
/// `b.len()` elements and input 2 the row `b` every time. On Helium, by the row's
/// length: a row of 16 bytes, or of 1, 2, 4 or 8 repeated to 16, is one vector of
/// input 2 for every block (widened once; no per-row work at all, where rows of 16
/// elements cost 3 instructions a row and 5 a block to reload input 2); a longer row
/// of whole blocks runs every row in one call (3 instructions per row); other lengths
/// one [`mul_s8`] per row.
#[inline(always)]
pub fn mul_rows_s8(q: &MulQuant, a: &[i8], b: &[i8], out: &mut [i8]) {
    let len = b.len();
    #[cfg(tinyml_mve)]
    if len == BLOCK && out.len() >= BLOCK && out.len().is_multiple_of(BLOCK) && mve_mul(q) {
        // Rows of one block, the commonest per-channel operand: no division for the
        // row count (every row is one block).
        if let Ok(b) = <&[i8; BLOCK]>::try_from(b) {
            return mul_fixed_s8(q, a, b, out);
        }
    }
    if len == 0 {
        return;
    }
    let rows = out.len() / len;
    let n = rows * len;
    let (a, out) = (&a[..n], &mut out[..n]);
    #[cfg(tinyml_mve)]
    if n >= BLOCK && mve_mul(q) {
        if let Ok(b) = <&[i8; BLOCK]>::try_from(b) {
            return mul_fixed_s8(q, a, b, out);
        }
        if BLOCK.is_multiple_of(len) {
            // `n - 16` is a whole number of rows too (16 is), so the pattern holds for
            // the last, overlapping block.
            let mut pattern = [0i8; BLOCK];
            for chunk in pattern.chunks_exact_mut(len) {
                chunk.copy_from_slice(b);
            }
            return mul_fixed_s8(q, a, &pattern, out);
        }
        if len.is_multiple_of(BLOCK) {
            // SAFETY: `a` and `out` hold `rows * len` elements, `b` holds `len`, a whole
            // number of blocks (checked above).
            unsafe {
                super::mve_elementwise::mul_blocks_s8(q, a.as_ptr(), b.as_ptr(), out.as_mut_ptr(), len / BLOCK, rows)
            };
            return;
        }
    }
    for (o, x) in out.chunks_exact_mut(len).zip(a.chunks_exact(len)) {
        mul_s8(q, x, b, o);
    }
}

/// `out[i] = q(a[i], y)` over `out.len()` elements: input 2 is one byte for the whole
/// run. On Helium the loop of [`mul_rows_s8`] with 16 copies of `y` as its fixed
/// input 2.
#[inline]
pub fn mul_scalar_s8(q: &MulQuant, a: &[i8], y: i8, out: &mut [i8]) {
    let n = out.len();
    let a = &a[..n];
    #[cfg(tinyml_mve)]
    if n >= BLOCK && mve_mul(q) {
        return mul_fixed_s8(q, a, &[y; BLOCK], out);
    }
    if full_range(q) {
        for (o, &x) in out.iter_mut().zip(a) {
            *o = mul_saturated(q, x, y);
        }
    } else {
        for (o, &x) in out.iter_mut().zip(a) {
            *o = mul_clamped(q, x, y);
        }
    }
}

/// `out[i] = q(a[i], b(i))` in plain Rust, the table kind chosen once per call
/// (the loops stay free of it; on the DSP cores each element is two byte loads, two
/// table loads, an add, a shift, the clamp and a store).
#[inline(always)]
fn portable(q: &Lut2, a: &[i8], b: impl Fn(usize) -> i8, out: &mut [i8]) {
    // The arithmetic of `narrow` and `wide` written out: with the calls, LLVM scheduled
    // the loops differently, and broadcast ADDs on the M33 and M4 measured 0.3% to 0.6%
    // slower (same-shape ones 0 to 1.4% faster).
    let (lo, hi) = (q.min as i32, q.max as i32);
    match q.terms {
        Terms::Narrow { t1, t2, shift } => {
            for (i, (o, &x)) in out.iter_mut().zip(a).enumerate() {
                let s = t1[x as u8 as usize] as i32 + t2[b(i) as u8 as usize] as i32;
                *o = (s >> shift).clamp(lo, hi) as i8;
            }
        }
        Terms::Wide { t1, t2 } => {
            for (i, (o, &x)) in out.iter_mut().zip(a).enumerate() {
                let s = t1[x as u8 as usize] + t2[b(i) as u8 as usize];
                *o = (lo + (s >> WIDE_SHIFT).clamp(0, hi - lo)) as i8;
            }
        }
    }
}

/// [`portable`] with the output over input 1: `acc[i] = q(acc[i], b[i])`.
#[inline(always)]
fn portable_in_place(q: &Lut2, acc: &mut [i8], b: &[i8]) {
    let (lo, hi) = (q.min as i32, q.max as i32);
    match q.terms {
        Terms::Narrow { t1, t2, shift } => binary_in_place(acc, b, |x, y| narrow(t1, t2, shift, (lo, hi), x, y)),
        Terms::Wide { t1, t2 } => binary_in_place(acc, b, |x, y| wide(t1, t2, (lo, hi), x, y)),
    }
}

/// One element with `i16` terms: `clamp((t1[x] + t2[y]) >> shift, lo, hi)`.
#[inline(always)]
fn narrow(t1: &[i16; 256], t2: &[i16; 256], shift: u32, (lo, hi): (i32, i32), x: i8, y: i8) -> i8 {
    let s = t1[x as u8 as usize] as i32 + t2[y as u8 as usize] as i32;
    (s >> shift).clamp(lo, hi) as i8
}

/// One element with `i32` terms, which hold `out - lo`.
#[inline(always)]
fn wide(t1: &[i32; 256], t2: &[i32; 256], (lo, hi): (i32, i32), x: i8, y: i8) -> i8 {
    let s = t1[x as u8 as usize] + t2[y as u8 as usize];
    (lo + (s >> WIDE_SHIFT).clamp(0, hi - lo)) as i8
}

/// The reference arithmetic: `clamp(mbqm(p, mult, -right) + offset)` for the product
/// `p` of the offset inputs, with TFLM's rounding. `SaturatingRoundingDoublingHighMul`
/// rounds half up: `(2p * mult + 2^31) >> 32`, exact in 32 bits since `|p| <= 255^2`
/// (one `smmulr` with the DSP extension; `2p` as `(2x + 2 * offset) * y`, one add with
/// a shifted operand). `RoundingDivideByPOT` rounds ties away from zero: `(v +
/// 2^(right-1) - (v < 0)) >> right`, here with the output offset folded in as `offset
/// << right`. Without an activation the clamp is one `ssat`.
#[inline(always)]
fn mul_out(q: &MulQuant, x: i8, y: i8) -> i32 {
    let p2 = (2 * x as i32 + 2 * q.input_offset[0]) * (y as i32 + q.input_offset[1]);
    #[cfg(tinyml_dsp)]
    let v = super::dsp::smmulr(p2, q.multiplier);
    #[cfg(not(tinyml_dsp))]
    let v = ((p2 as i64 * q.multiplier as i64 + (1 << 31)) >> 32) as i32;
    let r = q.right_shift;
    (v + (1 << (r - 1)) + (q.output_offset << r) + (v >> 31)) >> r
}

/// [`mul_out`] clamped to the activation range.
#[inline(always)]
fn mul_clamped(q: &MulQuant, x: i8, y: i8) -> i8 {
    mul_out(q, x, y).clamp(q.min as i32, q.max as i32) as i8
}

/// [`mul_out`] saturated to `i8` (no activation).
#[inline(always)]
fn mul_saturated(q: &MulQuant, x: i8, y: i8) -> i8 {
    mul_out(q, x, y).clamp(-128, 127) as i8
}

/// Whether `q` has no activation (its clamp is the `i8` range).
#[inline(always)]
fn full_range(q: &MulQuant) -> bool {
    (q.min, q.max) == (i8::MIN, i8::MAX)
}
