//! Innermost primitives of the optimized kernels: int8 dot products of one input row
//! with four weight rows, weight sums, and block requantization.
//!
//! Each has a portable version (used on the host and on cores without an optimized
//! version, and checked against the scalar definition by the tests) and, where the
//! target has Helium, an inline-assembly version with the same results.

use crate::fixedpoint::multiply_by_quantized_multiplier;
pub use crate::kernels::packed::{Group16, Group4, Quant4};

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
        #[allow(unused_mut)]
        let mut done = 0;
        #[cfg(tinyml_dsp)]
        if n >= 4 {
            let groups = n / 4;
            // SAFETY: all five slices have at least `n >= 4 * groups` elements (checked by
            // the slicing above).
            let ([a0, a1], [a2, a3]) = unsafe {
                (
                    dsp::dot2(x.as_ptr(), w0.as_ptr(), w1.as_ptr(), groups),
                    dsp::dot2(x.as_ptr(), w2.as_ptr(), w3.as_ptr(), groups),
                )
            };
            acc = [a0, a1, a2, a3];
            done = 4 * groups;
        }
        for i in done..n {
            let v = x[i] as i32;
            acc[0] = acc[0].wrapping_add(v * w0[i] as i32);
            acc[1] = acc[1].wrapping_add(v * w1[i] as i32);
            acc[2] = acc[2].wrapping_add(v * w2[i] as i32);
            acc[3] = acc[3].wrapping_add(v * w3[i] as i32);
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

/// Output offset and activation range of a requantization.
#[derive(Clone, Copy)]
pub struct OutQuant {
    /// Output zero point.
    pub offset: i32,
    /// Activation minimum.
    pub min: i32,
    /// Activation maximum.
    pub max: i32,
}

/// For every group `g` of `groups` and lane `j < 4`, with `c = 4g + j` and `k = x.len()`:
/// `out[c] = clamp(mbqm(x . w[c*k..(c+1)*k] + bias, mult, shift) + offset)`, the
/// reference kernels' arithmetic. `w` holds the `4 * groups.len()` filter rows back to
/// back. One call covers a whole block of channels: on Helium the loop over groups, the
/// dot products and the requantization are one assembly routine.
#[inline]
pub fn dot4_requantize(x: &[i8], w: &[i8], groups: &[Group4], q: OutQuant, out: &mut [i8]) {
    let k = x.len();
    let n = 4 * groups.len();
    let (w, out) = (&w[..n * k], &mut out[..n]);
    #[cfg(tinyml_mve)]
    if k > 0 && n > 0 {
        // SAFETY: `w` holds `n` rows of `k` bytes, `out` `n` bytes, `groups` `n / 4`
        // entries (checked by the slicing above); `k > 0`, `n > 0`.
        unsafe { mve::dot4_requantize(x.as_ptr(), k, w.as_ptr(), groups, q, out.as_mut_ptr()) };
        return;
    }
    for (g, t) in groups.iter().enumerate() {
        let r = &w[4 * g * k..];
        let d = dot4(x, r, &r[k..], &r[2 * k..], &r[3 * k..]);
        for j in 0..4 {
            let acc = d[j].wrapping_add(t.bias[j]);
            let v = multiply_by_quantized_multiplier(acc, t.mult[j], t.left[j] + t.right[j]) + q.offset;
            out[4 * g + j] = v.clamp(q.min, q.max) as i8;
        }
    }
}

/// [`dot4_requantize`] with one multiplier and shift for every output (per-tensor
/// quantization, fully connected layers) and a plain table of biases: for every `c <
/// bias.len()` (a multiple of four), with `k = x.len()`,
/// `out[c] = clamp(mbqm(x . w[c*k..(c+1)*k] + bias[c], mult, shift) + offset)`, the
/// reference kernels' arithmetic. On Helium one routine runs every group of four: the
/// biases are loaded as the accumulators, and the requantization constants are
/// broadcast once per call into a 48-byte template on the stack (left shift, multiplier,
/// right shift, as in a [`Group4`]) instead of being read per group from the table.
#[inline]
pub fn dot4_requantize_tensor(x: &[i8], w: &[i8], bias: &[i32], mult: i32, shift: i32, q: OutQuant, out: &mut [i8]) {
    let k = x.len();
    let n = bias.len() / 4 * 4;
    let (w, bias, out) = (&w[..n * k], &bias[..n], &mut out[..n]);
    #[cfg(tinyml_mve)]
    if k > 0 && n > 0 {
        // SAFETY: `w` holds `n` rows of `k` bytes, `bias` and `out` `n` entries (checked
        // by the slicing above); `k > 0`, `n > 0` and a multiple of four.
        unsafe { mve::dot4_requantize_tensor(x.as_ptr(), k, w.as_ptr(), bias, [mult, shift], q, out.as_mut_ptr()) };
        return;
    }
    for (c, (o, &b)) in out.iter_mut().zip(bias).enumerate() {
        let acc = dot(x, &w[c * k..]).wrapping_add(b);
        let v = multiply_by_quantized_multiplier(acc, mult, shift) + q.offset;
        *o = v.clamp(q.min, q.max) as i8;
    }
}

/// DSP-extension (SMLAD, SXTB16) versions: Cortex-M4, M7, M33. Checked against the
/// reference kernels on the emulated cores (mps2-an505, mps2-an386) by the property tests
/// of `runtime/target-tests`, and through whole models by the bench.
#[cfg(all(tinyml_dsp, not(tinyml_mve)))]
mod dsp {
    /// `[x.w0, x.w1]` over `4 * groups` int8 elements: per word of four inputs, `sxtb16`
    /// splits the even and odd bytes into halfword pairs, and per row the same for four
    /// weights, then two `smlad`. Unaligned `ldr` (allowed on v7-M/v8-M mainline).
    ///
    /// # Safety
    /// `x`, `w0`, `w1` valid for `4 * groups` reads; `groups > 0`.
    #[inline(never)]
    pub unsafe fn dot2(x: *const i8, w0: *const i8, w1: *const i8, groups: usize) -> [i32; 2] {
        let (mut a0, mut a1) = (0i32, 0i32);
        // SAFETY: reads `groups` words of `x` and of each weight row.
        unsafe {
            core::arch::asm!(
                "2:",
                "ldr {xe}, [{x}], #4",
                "sxtb16 {xo}, {xe}, ror #8",
                "sxtb16 {xe}, {xe}",
                "ldr {w}, [{w0}], #4",
                "sxtb16 {t}, {w}",
                "sxtb16 {w}, {w}, ror #8",
                "smlad {a0}, {xe}, {t}, {a0}",
                "smlad {a0}, {xo}, {w}, {a0}",
                "ldr {w}, [{w1}], #4",
                "sxtb16 {t}, {w}",
                "sxtb16 {w}, {w}, ror #8",
                "smlad {a1}, {xe}, {t}, {a1}",
                "smlad {a1}, {xo}, {w}, {a1}",
                "subs {n}, {n}, #1",
                "bne 2b",
                x = inout(reg) x => _,
                w0 = inout(reg) w0 => _,
                w1 = inout(reg) w1 => _,
                n = inout(reg) groups => _,
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                xe = out(reg) _,
                xo = out(reg) _,
                w = out(reg) _,
                t = out(reg) _,
                options(nostack, readonly),
            );
        }
        [a0, a1]
    }
}

/// One output pixel of a depthwise convolution with depth multiplier 1, sixteen channels
/// per group: for group `g` and lane `j < 16`, with `c = c_first + 16g + j`,
/// `out[16g + j] = clamp(mbqm(bias + sum_t taps[t][c] * w[t * stride + c], ...) + offset)`.
/// Each tap pointer addresses the input pixel of that tap (or a buffer of zero points for
/// a padded tap), each filter tap is `stride` bytes after the previous one.
///
/// # Safety
/// Every `taps[t]` valid for reads of `c_first + 16 * groups.len()` bytes, `w` for
/// `(taps.len() - 1) * stride + c_first + 16 * groups.len()`, `out` for
/// `16 * groups.len()` writes; `taps` and `groups` not empty.
#[inline]
pub unsafe fn depthwise16(
    taps: &[*const i8],
    w: *const i8,
    stride: usize,
    c_first: usize,
    groups: &[Group16],
    q: OutQuant,
    out: *mut i8,
) {
    #[cfg(tinyml_mve)]
    {
        // SAFETY: the caller's contract.
        unsafe { mve::depthwise16(taps, w, stride, c_first, groups, q, out) };
    }
    #[cfg(not(tinyml_mve))]
    for (g, t) in groups.iter().enumerate() {
        for j in 0..16 {
            let c = c_first + 16 * g + j;
            let (quad, lane) = Group16::slot(j);
            let mut acc = t.bias[4 * quad + lane];
            for (i, &x) in taps.iter().enumerate() {
                // SAFETY: in bounds by the caller's contract.
                let (xv, wv) = unsafe { (*x.add(c), *w.add(i * stride + c)) };
                acc = acc.wrapping_add(xv as i32 * wv as i32);
            }
            let qd = &t.quant[quad];
            let v = multiply_by_quantized_multiplier(acc, qd.mult[lane], qd.left[lane] + qd.right[lane]) + q.offset;
            // SAFETY: in bounds by the caller's contract.
            unsafe { *out.add(16 * g + j) = v.clamp(q.min, q.max) as i8 };
        }
    }
}

/// Helium (MVE) versions. QEMU and the Cortex-M55 execute them; the property tests of
/// `runtime/target-tests` check them against the reference kernels on mps3-an547, and the
/// bench runs the shared models through them.
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

    /// [`super::dot4_requantize`]: per group, the four folded biases are loaded into the
    /// accumulators, a tail-predicated loop (`dlstp.8`/`letp`, 5 loads and 4
    /// `vmladava.s8` per 16 bytes) adds the dot products, and the four sums are moved
    /// into one vector and requantized as in [`requantize`]. The rows of group `g + 1`
    /// start where the last row of group `g` ends; the loop advances each pointer by
    /// whole vectors (`16 * ceil(k / 16)`), so the next row 0 is row 3's pointer plus
    /// `k - 16 * ceil(k / 16)`. Registers: accumulators r0/r2/r4/r8 (`vmladava` needs
    /// even ones), x r1, rows r3/r9/r10/r12, table r11, output r5 (narrowing stores need
    /// a low register); the table end, `k`, `x` and that correction live in s28-s31.
    ///
    /// # Safety
    /// `x` valid for `k > 0` reads, `w` for `4 * groups.len() * k`, `out` for
    /// `4 * groups.len()` writes, `groups` not empty.
    #[inline(never)]
    pub unsafe fn dot4_requantize(
        x: *const i8,
        k: usize,
        w: *const i8,
        groups: &[super::Group4],
        q: super::OutQuant,
        out: *mut i8,
    ) {
        let table = groups.as_ptr();
        // SAFETY: `groups` is not empty: one past its end is in bounds of the allocation.
        let end = unsafe { table.add(groups.len()) };
        let ctx: [i32; 16] = [
            q.offset,
            q.offset,
            q.offset,
            q.offset,
            q.min,
            q.min,
            q.min,
            q.min,
            q.max,
            q.max,
            q.max,
            q.max,
            end as i32,
            k as i32,
            x as i32,
            k as i32 - 16 * k.div_ceil(16) as i32,
        ];
        // SAFETY: reads `k` bytes of `x` and `4k` of `w` per group, writes 4 bytes of
        // `out` per group, reads the table up to `end`; all in bounds by the contract.
        unsafe {
            core::arch::asm!(
                "vldrw.u32 q4, [r1]",
                "vldrw.u32 q5, [r1, #16]",
                "vldrw.u32 q6, [r1, #32]",
                "vldrw.u32 q7, [r1, #48]",
                "vmov r1, s30",
                "2:",
                "ldm r11!, {{r0, r2, r4, r8}}",
                "vmov lr, s29",
                "add r9, r3, lr",
                "add r10, r9, lr",
                "add r12, r10, lr",
                "dlstp.8 lr, lr",
                "3:",
                "vldrb.8 q0, [r1], #16",
                "vldrb.8 q1, [r3], #16",
                "vmladava.s8 r0, q0, q1",
                "vldrb.8 q2, [r9], #16",
                "vmladava.s8 r2, q0, q2",
                "vldrb.8 q3, [r10], #16",
                "vmladava.s8 r4, q0, q3",
                "vldrb.8 q1, [r12], #16",
                "vmladava.s8 r8, q0, q1",
                "letp lr, 3b",
                "vmov lr, s31",
                "add r3, r12, lr",
                "vmov r1, s30",
                "vmov.32 q0[0], r0",
                "vmov.32 q0[1], r2",
                "vmov.32 q0[2], r4",
                "vmov.32 q0[3], r8",
                "vldrw.u32 q1, [r11], #16",
                "vshl.s32 q0, q0, q1",
                "vldrw.u32 q1, [r11], #16",
                "vqrdmulh.s32 q0, q0, q1",
                "vldrw.u32 q1, [r11], #16",
                "vand q2, q0, q1",
                "vshr.s32 q2, q2, #31",
                "vqadd.s32 q0, q0, q2",
                "vrshl.s32 q0, q0, q1",
                "vadd.i32 q0, q0, q4",
                "vmax.s32 q0, q0, q5",
                "vmin.s32 q0, q0, q6",
                "vstrb.32 q0, [r5], #4",
                "vmov lr, s28",
                "cmp r11, lr",
                "bne 2b",
                inout("r1") ctx.as_ptr() => _,
                inout("r3") w => _,
                inout("r5") out => _,
                inout("r11") table => _,
                out("r0") _, out("r2") _, out("r4") _, out("r8") _,
                out("r9") _, out("r10") _, out("r12") _, out("lr") _,
                out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
                out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
                out("d12") _, out("d13") _, out("d14") _, out("d15") _,
                options(nostack),
            );
        }
    }

    /// [`super::dot4_requantize_tensor`]: the loop of [`dot4_requantize`] with the
    /// biases read from a plain table (16 bytes per group, `ldm` into the accumulators)
    /// and the layer's one multiplier and shift read per group from a template built once
    /// per call (`left`, `mult`, `right` broadcast to four lanes, 48 bytes after the 64
    /// of the context below), its address and the output offset in s16/s17 (the offset
    /// added with a vector-by-scalar `vadd`); `x` and the row correction come back with
    /// one `vmov` of two registers.
    ///
    /// # Safety
    /// `x` valid for `k > 0` reads, `w` for `n * k`, `bias` `n` entries, `out` for `n`
    /// writes, with `n = bias.len()` a multiple of four above 0.
    #[inline(never)]
    pub unsafe fn dot4_requantize_tensor(
        x: *const i8,
        k: usize,
        w: *const i8,
        bias: &[i32],
        [mult, shift]: [i32; 2],
        q: super::OutQuant,
        out: *mut i8,
    ) {
        let table = bias.as_ptr();
        // SAFETY: one past the end of `bias`.
        let end = unsafe { table.add(bias.len()) };
        let (left, right) = (shift.max(0), shift.min(0));
        let ctx: [i32; 28] = [
            0,
            q.offset,
            0,
            0,
            q.min,
            q.min,
            q.min,
            q.min,
            q.max,
            q.max,
            q.max,
            q.max,
            end as i32,
            k as i32,
            x as i32,
            k as i32 - 16 * k.div_ceil(16) as i32,
            left,
            left,
            left,
            left,
            mult,
            mult,
            mult,
            mult,
            right,
            right,
            right,
            right,
        ];
        // SAFETY: reads `k` bytes of `x` and `4k` of `w` per group, writes 4 bytes of
        // `out` per group, reads the biases up to `end` and the context; all in bounds by
        // the contract.
        unsafe {
            core::arch::asm!(
                "vldrw.u32 q4, [r1]",
                "vldrw.u32 q5, [r1, #16]",
                "vldrw.u32 q6, [r1, #32]",
                "vldrw.u32 q7, [r1, #48]",
                "add r0, r1, #64",
                "vmov s16, r0",
                "vmov r1, s30",
                "2:",
                "ldm r11!, {{r0, r2, r4, r8}}",
                "vmov lr, s29",
                "add r9, r3, lr",
                "add r10, r9, lr",
                "add r12, r10, lr",
                "dlstp.8 lr, lr",
                "3:",
                "vldrb.8 q0, [r1], #16",
                "vldrb.8 q1, [r3], #16",
                "vmladava.s8 r0, q0, q1",
                "vldrb.8 q2, [r9], #16",
                "vmladava.s8 r2, q0, q2",
                "vldrb.8 q3, [r10], #16",
                "vmladava.s8 r4, q0, q3",
                "vldrb.8 q1, [r12], #16",
                "vmladava.s8 r8, q0, q1",
                "letp lr, 3b",
                "vmov r1, lr, s30, s31",
                "add r3, r12, lr",
                // One lane per move. The two-lane form (`vmov q0[2], q0[0], r0, r4`) is
                // two instructions shorter per group, but which register lands in which
                // lane could only be checked in QEMU, not on a Cortex-M55.
                "vmov.32 q0[0], r0",
                "vmov.32 q0[1], r2",
                "vmov.32 q0[2], r4",
                "vmov.32 q0[3], r8",
                "vmov r0, r2, s16, s17",
                "vldrw.u32 q1, [r0]",
                "vshl.s32 q0, q0, q1",
                "vldrw.u32 q1, [r0, #16]",
                "vqrdmulh.s32 q0, q0, q1",
                "vldrw.u32 q1, [r0, #32]",
                "vand q2, q0, q1",
                "vshr.s32 q2, q2, #31",
                "vqadd.s32 q0, q0, q2",
                "vrshl.s32 q0, q0, q1",
                "vadd.i32 q0, q0, r2",
                "vmax.s32 q0, q0, q5",
                "vmin.s32 q0, q0, q6",
                "vstrb.32 q0, [r5], #4",
                "vmov lr, s28",
                "cmp r11, lr",
                "bne 2b",
                inout("r1") ctx.as_ptr() => _,
                inout("r3") w => _,
                inout("r5") out => _,
                inout("r11") table => _,
                out("r0") _, out("r2") _, out("r4") _, out("r8") _,
                out("r9") _, out("r10") _, out("r12") _, out("lr") _,
                out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
                out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
                out("d12") _, out("d13") _, out("d14") _, out("d15") _,
                options(nostack),
            );
        }
    }

    /// [`super::depthwise16`]: per group, four accumulators (q0-q3: the even and odd
    /// channels of each half of 16, see [`super::Group16`]) start at the folded biases;
    /// per tap (a `dls`/`le` loop) two widening loads of eight inputs and eight weights
    /// (`vldrb.s16`), `vmullb.s16`/`vmullt.s16` into i32 products and four `vadd`; then
    /// each accumulator is requantized as in [`requantize`], the even and odd channels
    /// are interleaved back with `vmovnb`/`vmovnt` and stored narrowed (`vstrb.16`).
    /// Registers: tap list r0, input r1 and weights r2 (widening loads need low
    /// registers), channel offset r3, table r4, output r5, tap stride r8, tap count r9,
    /// filter r10, groups left r11, bounds and output offset r12.
    ///
    /// # Safety
    /// As [`super::depthwise16`].
    #[inline(never)]
    pub unsafe fn depthwise16(
        taps: &[*const i8],
        w: *const i8,
        stride: usize,
        c_first: usize,
        groups: &[super::Group16],
        q: super::OutQuant,
        out: *mut i8,
    ) {
        let ctx: [i32; 12] =
            [q.min, q.min, q.min, q.min, q.max, q.max, q.max, q.max, q.offset, q.offset, q.offset, q.offset];
        // SAFETY: reads the taps, weights and table within the caller's bounds, writes
        // 16 bytes of `out` per group.
        unsafe {
            core::arch::asm!(
                "2:",
                "vldrw.u32 q0, [r4], #16",
                "vldrw.u32 q1, [r4], #16",
                "vldrw.u32 q2, [r4], #16",
                "vldrw.u32 q3, [r4], #16",
                "add r2, r10, r3",
                "dls lr, r9",
                "3:",
                "ldr r1, [r0], #4",
                "add r1, r1, r3",
                "vldrb.s16 q4, [r1]",
                "vldrb.s16 q5, [r2]",
                "vmullb.s16 q6, q4, q5",
                "vadd.i32 q0, q0, q6",
                "vmullt.s16 q6, q4, q5",
                "vadd.i32 q1, q1, q6",
                "vldrb.s16 q4, [r1, #8]",
                "vldrb.s16 q5, [r2, #8]",
                "vmullb.s16 q6, q4, q5",
                "vadd.i32 q2, q2, q6",
                "vmullt.s16 q6, q4, q5",
                "vadd.i32 q3, q3, q6",
                "add r2, r2, r8",
                "le lr, 3b",
                "sub r0, r0, r9, lsl #2",
                "vldrw.u32 q6, [r12]",
                "vldrw.u32 q7, [r12, #16]",
                "vldrw.u32 q4, [r4], #16",
                "vshl.s32 q0, q0, q4",
                "vldrw.u32 q4, [r4], #16",
                "vqrdmulh.s32 q0, q0, q4",
                "vldrw.u32 q4, [r4], #16",
                "vand q5, q0, q4",
                "vshr.s32 q5, q5, #31",
                "vqadd.s32 q0, q0, q5",
                "vrshl.s32 q0, q0, q4",
                "vldrw.u32 q4, [r12, #32]",
                "vadd.i32 q0, q0, q4",
                "vmax.s32 q0, q0, q6",
                "vmin.s32 q0, q0, q7",
                "vldrw.u32 q4, [r4], #16",
                "vshl.s32 q1, q1, q4",
                "vldrw.u32 q4, [r4], #16",
                "vqrdmulh.s32 q1, q1, q4",
                "vldrw.u32 q4, [r4], #16",
                "vand q5, q1, q4",
                "vshr.s32 q5, q5, #31",
                "vqadd.s32 q1, q1, q5",
                "vrshl.s32 q1, q1, q4",
                "vldrw.u32 q4, [r12, #32]",
                "vadd.i32 q1, q1, q4",
                "vmax.s32 q1, q1, q6",
                "vmin.s32 q1, q1, q7",
                "vldrw.u32 q4, [r4], #16",
                "vshl.s32 q2, q2, q4",
                "vldrw.u32 q4, [r4], #16",
                "vqrdmulh.s32 q2, q2, q4",
                "vldrw.u32 q4, [r4], #16",
                "vand q5, q2, q4",
                "vshr.s32 q5, q5, #31",
                "vqadd.s32 q2, q2, q5",
                "vrshl.s32 q2, q2, q4",
                "vldrw.u32 q4, [r12, #32]",
                "vadd.i32 q2, q2, q4",
                "vmax.s32 q2, q2, q6",
                "vmin.s32 q2, q2, q7",
                "vldrw.u32 q4, [r4], #16",
                "vshl.s32 q3, q3, q4",
                "vldrw.u32 q4, [r4], #16",
                "vqrdmulh.s32 q3, q3, q4",
                "vldrw.u32 q4, [r4], #16",
                "vand q5, q3, q4",
                "vshr.s32 q5, q5, #31",
                "vqadd.s32 q3, q3, q5",
                "vrshl.s32 q3, q3, q4",
                "vldrw.u32 q4, [r12, #32]",
                "vadd.i32 q3, q3, q4",
                "vmax.s32 q3, q3, q6",
                "vmin.s32 q3, q3, q7",
                "vmovnb.i32 q4, q0",
                "vmovnt.i32 q4, q1",
                "vstrb.16 q4, [r5], #8",
                "vmovnb.i32 q4, q2",
                "vmovnt.i32 q4, q3",
                "vstrb.16 q4, [r5], #8",
                "add r3, r3, #16",
                "subs r11, r11, #1",
                "bne 2b",
                inout("r0") taps.as_ptr() => _,
                out("r1") _,
                out("r2") _,
                inout("r3") c_first => _,
                inout("r4") groups.as_ptr() => _,
                inout("r5") out => _,
                in("r8") stride,
                in("r9") taps.len(),
                in("r10") w,
                inout("r11") groups.len() => _,
                in("r12") ctx.as_ptr(),
                out("lr") _,
                out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
                out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
                out("d12") _, out("d13") _, out("d14") _, out("d15") _,
                options(nostack),
            );
        }
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
                    // Narrowing stores take a low register as base (r0-r7): pinned to
                    // r0, or the allocator may pick r12 at low opt-levels.
                    "vstrb.32 q0, [r0]",        // low byte of each lane
                    acc = in(reg) acc.add(j),
                    shift = in(reg) shift.add(j),
                    mult = in(reg) mult.add(j),
                    in("r0") out.add(j),
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

/// For each of the `n = bias.len()` rows (`n` a multiple of four; rows of `k = x.len()`
/// bytes, back to back in `w`): `acc[c] = bias[c] + x . row(c)`; writes `acc[..n]`
/// (fully connected layers).
///
/// With the DSP extension and without Helium, one routine runs all groups: per four
/// inputs, one load and two `sxtb16` shared by the four rows, then per row one load, two
/// `sxtb16` and two `smlad` (25 instructions per 16 MACs, where two [`dot4`]-style pairs
/// of rows take 30); per group the biases are loaded as the accumulators and the sums
/// stored with `ldm`/`stm`, 18 instructions in all, where a call per group and its
/// spilled loop cost about 80 in layers of a few inputs. The last `k % 4` inputs are
/// added after. Inlined: in tiny layers the call costs about as much as the products.
#[inline(always)]
pub fn dot4_bias(x: &[i8], w: &[i8], bias: &[i32], acc: &mut [core::mem::MaybeUninit<i32>]) {
    let k = x.len();
    let n = bias.len() / 4 * 4;
    let (w, bias, acc) = (&w[..n * k], &bias[..n], &mut acc[..n]);
    // The whole words of each row; the last one to three inputs are added after.
    let k4 = k / 4 * 4;
    #[allow(unused_mut)]
    let mut done = false;
    #[cfg(all(tinyml_dsp, not(tinyml_mve)))]
    if k4 > 0 && n > 0 {
        // SAFETY: `w` holds `n` rows of `k` bytes, `x` `k`, `acc` and `bias` `n` entries
        // (checked by the slicing); the routine reads `k / 4` words per row.
        unsafe { dsp_rows::dot4_bias(x.as_ptr(), w.as_ptr(), k, bias, acc.as_mut_ptr().cast()) };
        done = true;
    }
    if !done {
        match k {
            // One to three inputs: biases and products in one pass.
            1 => return init_tiny::<1>(x, w, bias, acc),
            2 => return init_tiny::<2>(x, w, bias, acc),
            3 => return init_tiny::<3>(x, w, bias, acc),
            _ => {
                for (a, &b) in acc.iter_mut().zip(bias) {
                    a.write(b);
                }
                for (a, r) in acc.iter_mut().zip(w.chunks(k.max(1))) {
                    // SAFETY: written just above.
                    let a = unsafe { a.assume_init_mut() };
                    *a = a.wrapping_add(dot(&x[..k4], &r[..k4]));
                }
            }
        }
    }
    // Unrolled: a loop per row cost more than its products in layers of a few inputs.
    match k - k4 {
        1 => add_tail::<1>(&x[k4..], w, k4, acc),
        2 => add_tail::<2>(&x[k4..], w, k4, acc),
        3 => add_tail::<3>(&x[k4..], w, k4, acc),
        _ => {}
    }
}

/// [`dot4_bias`] for rows of `K < 4` inputs.
#[inline(always)]
fn init_tiny<const K: usize>(x: &[i8], w: &[i8], bias: &[i32], acc: &mut [core::mem::MaybeUninit<i32>]) {
    let x: [i8; K] = x[..K].try_into().unwrap_or([0; K]);
    for ((a, &b), r) in acc.iter_mut().zip(bias).zip(w.chunks_exact(K)) {
        let d = x.iter().zip(r).fold(b, |s, (&xv, &wv)| s.wrapping_add(xv as i32 * wv as i32));
        a.write(d);
    }
}

/// Adds `x . row[done..done + T]` to every entry of `acc`, the rows `done + T` bytes
/// apart in `w`; every entry of `acc` must be written.
#[inline(always)]
fn add_tail<const T: usize>(x: &[i8], w: &[i8], done: usize, acc: &mut [core::mem::MaybeUninit<i32>]) {
    let x: [i8; T] = x[..T].try_into().unwrap_or([0; T]);
    for (a, r) in acc.iter_mut().zip(w.chunks_exact(done + T)) {
        // SAFETY: every entry was written before (the caller's contract).
        let a = unsafe { a.assume_init_mut() };
        for (&xv, &wv) in x.iter().zip(&r[done..]) {
            *a = a.wrapping_add(xv as i32 * wv as i32);
        }
    }
}

/// `(a * b + 2^31) >> 32`, the high word of a product rounded (`smmulr` with the DSP
/// extension, which LLVM does not always select for the portable expression).
#[inline(always)]
pub fn mul_high_rounded(a: i32, b: i32) -> i32 {
    #[cfg(tinyml_dsp)]
    {
        let h: i32;
        // SAFETY: one register-only instruction.
        unsafe {
            core::arch::asm!("smmulr {h}, {a}, {b}", h = out(reg) h, a = in(reg) a, b = in(reg) b,
                options(pure, nomem, nostack));
        }
        h
    }
    #[cfg(not(tinyml_dsp))]
    {
        ((a as i64 * b as i64 + (1 << 31)) >> 32) as i32
    }
}

/// The DSP routine of [`dot4_bias`].
#[cfg(all(tinyml_dsp, not(tinyml_mve)))]
mod dsp_rows {
    /// [`super::dot4_bias`] over the first `4 * (k / 4)` inputs: per group, its four
    /// biases (16 bytes of the plain table) are loaded into the accumulators (r4, r5, r8, r9 for rows 0-3), a loop of four
    /// inputs per iteration adds the products, and the sums are stored. Thirteen
    /// registers are live in that loop, one more than inline assembly may name (r6 and
    /// r7 are reserved), so its counter lives in r6, saved on the stack around the
    /// routine; the group state (table, output, groups left, the loop's start) lives in
    /// a context array reached through the pointer saved at `[sp]`. Rows 1 and 3 are
    /// read at `k` past rows 0 and 2. Unaligned `ldr` (allowed on v7-M/v8-M mainline).
    ///
    /// # Safety
    /// `x` valid for `k >= 4` reads, `w` for `bias.len() * k`, `acc` for
    /// `bias.len()` writes; `bias.len()` a multiple of four above 0.
    #[inline(never)]
    pub unsafe fn dot4_bias(x: *const i8, w: *const i8, k: usize, bias: &[i32], acc: *mut i32) {
        let words = k / 4;
        // Inner loop count, input, table, output, groups left, row advance per group.
        let mut ctx: [usize; 6] =
            [words, x as usize, bias.as_ptr() as usize, acc as usize, bias.len() / 4, 4 * k - 4 * words];
        // SAFETY: reads `words` words of `x` and of each row per group and the table's
        // biases, writes four words of `acc` per group; r6 is restored.
        unsafe {
            core::arch::asm!(
                "push {{r6}}",
                "push {{lr}}",
                "2:",
                "ldr r6, [sp]",
                "ldr r12, [r6, #8]",
                "ldm r12!, {{r4, r5, r8, r9}}",
                "str r12, [r6, #8]",
                "ldr r0, [r6, #4]",
                "ldr r6, [r6]",
                "3:",
                "ldr r11, [r0], #4",
                "sxtb16 r10, r11",
                "sxtb16 r11, r11, ror #8",
                "ldr r12, [r1, r3]",
                "sxtb16 lr, r12",
                "sxtb16 r12, r12, ror #8",
                "smlad r5, r10, lr, r5",
                "smlad r5, r11, r12, r5",
                "ldr r12, [r1], #4",
                "sxtb16 lr, r12",
                "sxtb16 r12, r12, ror #8",
                "smlad r4, r10, lr, r4",
                "smlad r4, r11, r12, r4",
                "ldr r12, [r2, r3]",
                "sxtb16 lr, r12",
                "sxtb16 r12, r12, ror #8",
                "smlad r9, r10, lr, r9",
                "smlad r9, r11, r12, r9",
                "ldr r12, [r2], #4",
                "sxtb16 lr, r12",
                "sxtb16 r12, r12, ror #8",
                "smlad r8, r10, lr, r8",
                "smlad r8, r11, r12, r8",
                "subs r6, r6, #1",
                "bne 3b",
                "ldr r6, [sp]",
                "ldr r12, [r6, #20]",
                "add r1, r1, r12",
                "add r2, r2, r12",
                "ldr r12, [r6, #12]",
                "stm r12!, {{r4, r5, r8, r9}}",
                "str r12, [r6, #12]",
                "ldr r12, [r6, #16]",
                "subs r12, r12, #1",
                "str r12, [r6, #16]",
                "bne 2b",
                "pop {{lr}}",
                "pop {{r6}}",
                out("r0") _,
                inout("r1") w => _,
                inout("r2") w.add(2 * k) => _,
                in("r3") k,
                out("r4") _,
                out("r5") _,
                out("r8") _,
                out("r9") _,
                out("r10") _,
                out("r11") _,
                out("r12") _,
                inout("lr") ctx.as_mut_ptr() => _,
            );
        }
    }
}
