//! Innermost primitives of the optimized kernels: int8 dot products of one input row
//! with four weight rows, weight sums, and block requantization.
//!
//! Each has a portable version (used on the host and on cores without an optimized
//! version, and checked against the scalar definition by the tests) and, where the
//! target has Helium, an inline-assembly version with the same results.

use crate::fixedpoint::multiply_by_quantized_multiplier;

/// `[x.w0, x.w1, x.w2, x.w3]` over `x.len()` elements (each `w` at least as long).
#[inline]
pub fn dot4(x: &[i8], w0: &[i8], w1: &[i8], w2: &[i8], w3: &[i8]) -> [i32; 4] {
    let n = x.len();
    let (w0, w1, w2, w3) = (&w0[..n], &w1[..n], &w2[..n], &w3[..n]);
    #[cfg(tinyml_mve)]
    {
        // SAFETY: all five slices have at least `n` elements (checked by the slicing).
        unsafe { mve::dot4(x.as_ptr(), [w0.as_ptr(), w1.as_ptr(), w2.as_ptr(), w3.as_ptr()], n) }
    }
    #[cfg(not(tinyml_mve))]
    {
        let mut acc = [0i32; 4];
        for i in 0..n {
            let v = x[i] as i32;
            acc[0] += v * w0[i] as i32;
            acc[1] += v * w1[i] as i32;
            acc[2] += v * w2[i] as i32;
            acc[3] += v * w3[i] as i32;
        }
        acc
    }
}

/// `x.w`.
#[inline]
pub fn dot(x: &[i8], w: &[i8]) -> i32 {
    let w = &w[..x.len()];
    x.iter().zip(w).map(|(&a, &b)| a as i32 * b as i32).sum()
}

/// `sum w`.
#[inline]
pub fn sum(w: &[i8]) -> i32 {
    w.iter().map(|&v| v as i32).sum()
}

/// Requantizes a block of accumulators with per-channel multipliers and shifts:
/// `out[i] = clamp(mbqm(acc[i], mult[i], shift[i]) + out_offset)`, the reference kernels'
/// arithmetic.
#[inline]
pub fn requantize(acc: &[i32], mult: &[i32], shift: &[i32], out_offset: i32, min: i32, max: i32, out: &mut [i8]) {
    let n = acc.len();
    let (mult, shift, out) = (&mult[..n], &shift[..n], &mut out[..n]);
    #[cfg(tinyml_mve)]
    if n >= 4 {
        // SAFETY: all slices have `n` elements (checked by the slicing above).
        unsafe {
            mve::requantize(acc.as_ptr(), mult.as_ptr(), shift.as_ptr(), out.as_mut_ptr(), n, [out_offset, min, max])
        };
        return;
    }
    for i in 0..n {
        let v = multiply_by_quantized_multiplier(acc[i], mult[i], shift[i]) + out_offset;
        out[i] = v.clamp(min, max) as i8;
    }
}

/// Helium (MVE) versions. QEMU and the Cortex-M55 execute them; the bench checks their
/// output against the host reference run, and `tests` in the bench crate run the shared
/// models through them.
#[cfg(tinyml_mve)]
mod mve {
    /// Four dot products sharing each 16-byte load of `x`: a tail-predicated loop
    /// (`dlstp.8`/`letp`) of 5 loads and 4 `vmladava.s8`, 64 MACs per iteration. LLVM's
    /// auto-vectorizer produces one loop per dot product, reloading `x` four times.
    ///
    /// # Safety
    /// `x` and each `w[i]` must be valid for `n` reads.
    #[inline(always)]
    pub unsafe fn dot4(x: *const i8, w: [*const i8; 4], n: usize) -> [i32; 4] {
        let (mut a0, mut a1, mut a2, mut a3) = (0i32, 0i32, 0i32, 0i32);
        if n == 0 {
            return [0; 4];
        }
        // SAFETY: the loop reads `n` bytes from each pointer (tail predication masks the
        // last partial vector, so nothing beyond `n` is read); it clobbers q0-q4 (d0-d9)
        // and lr, declared below.
        unsafe {
            core::arch::asm!(
                "dlstp.8 lr, lr",
                "2:",
                "vldrb.8 q0, [{x}], #16",
                "vldrb.8 q1, [{w0}], #16",
                "vmladava.s8 r0, q0, q1",
                "vldrb.8 q2, [{w1}], #16",
                "vmladava.s8 r2, q0, q2",
                "vldrb.8 q3, [{w2}], #16",
                "vmladava.s8 r4, q0, q3",
                "vldrb.8 q4, [{w3}], #16",
                "vmladava.s8 r8, q0, q4",
                "letp lr, 2b",
                x = inout(reg) x => _,
                w0 = inout(reg) w[0] => _,
                w1 = inout(reg) w[1] => _,
                w2 = inout(reg) w[2] => _,
                w3 = inout(reg) w[3] => _,
                // vmladava needs even-numbered accumulators.
                inout("r0") a0,
                inout("r2") a1,
                inout("r4") a2,
                inout("r8") a3,
                inout("lr") n => _,
                out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _,
                out("d5") _, out("d6") _, out("d7") _, out("d8") _, out("d9") _,
                options(nostack, readonly),
            );
        }
        [a0, a1, a2, a3]
    }

    /// Requantizes `n >= 4` accumulators four lanes at a time; the last group overlaps
    /// the previous one when `n` is not a multiple of 4 (recomputing identical bytes).
    ///
    /// Exactness against `multiply_by_quantized_multiplier`:
    /// - the left shift is `vshl` (wrapping, like `wrapping_mul(1 << left)`);
    /// - gemmlowp's `SaturatingRoundingDoublingHighMul` is exactly `vqrdmulh.s32`
    ///   (round half up of `2ab / 2^32`, saturating `MIN * MIN`);
    /// - `RoundingDivideByPOT` rounds ties away from zero, `vrshl` rounds them up: adding
    ///   -1 to negative values first (only when the exponent is positive, via the sign
    ///   of `x & -exponent`) makes them agree (CMSIS-NN `arm_divide_by_power_of_two_mve`).
    ///
    /// # Safety
    /// `acc`, `mult`, `shift` valid for `n` reads, `out` for `n` writes, `n >= 4`.
    #[inline(never)]
    pub unsafe fn requantize(
        acc: *const i32,
        mult: *const i32,
        shift: *const i32,
        out: *mut i8,
        n: usize,
        [out_offset, min, max]: [i32; 3],
    ) {
        let mut i = 0;
        while i < n {
            let j = if i + 4 > n { n - 4 } else { i };
            // SAFETY: lanes j..j+4 are in bounds (n >= 4); clobbers q0-q4 (d0-d9).
            unsafe {
                core::arch::asm!(
                    "vldrw.32 q0, [{acc}]",
                    "vldrw.32 q1, [{shift}]",
                    "vmov.i32 q2, #0",
                    "vmax.s32 q3, q1, q2",      // left = max(shift, 0)
                    "vmin.s32 q4, q1, q2",      // -right = min(shift, 0)
                    "vshl.s32 q0, q0, q3",      // x << left (wrapping)
                    "vldrw.32 q1, [{mult}]",
                    "vqrdmulh.s32 q0, q0, q1",  // SRDHM
                    "vand q1, q0, q4",          // sign bit set iff x < 0 and right > 0
                    "vshr.s32 q1, q1, #31",     // -1 there, else 0
                    "vqadd.s32 q0, q0, q1",
                    "vrshl.s32 q0, q0, q4",       // rounding shift right by `right`
                    "vdup.32 q1, {off}",
                    "vadd.i32 q0, q0, q1",
                    "vdup.32 q1, {min}",
                    "vmax.s32 q0, q0, q1",
                    "vdup.32 q1, {max}",
                    "vmin.s32 q0, q0, q1",
                    "vstrb.32 q0, [{out}]",     // low byte of each lane
                    acc = in(reg) acc.add(j),
                    shift = in(reg) shift.add(j),
                    mult = in(reg) mult.add(j),
                    out = in(reg) out.add(j),
                    off = in(reg) out_offset,
                    min = in(reg) min,
                    max = in(reg) max,
                    out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _,
                    out("d5") _, out("d6") _, out("d7") _, out("d8") _, out("d9") _,
                    options(nostack),
                );
            }
            i = j + 4;
        }
    }
}
