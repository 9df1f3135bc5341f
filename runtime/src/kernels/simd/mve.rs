//! Helium (MVE) routines. QEMU and the Cortex-M55 execute them; the property tests of
//! `runtime/target-tests` check them against the reference kernels on mps3-an547, and the
//! bench runs the shared models through them.

use super::out_quant::{AddQuant, OutQuant};
use crate::kernels::packed::Group4;

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
pub unsafe fn dot4_requantize(x: *const i8, k: usize, w: *const i8, groups: &[Group4], q: OutQuant, out: *mut i8) {
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
    q: OutQuant,
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

/// The loop of [`add_s8`] with `$op` (`vadd.i32` or `vsub.i32`) combining the inputs.
macro_rules! add_loop {
    ($op:literal, $q:expr, $a:expr, $b:expr, $out:expr, $n:expr, $ctx:expr) => {
        core::arch::asm!(
            "vldrw.u32 q3, [r12]",
            "vldrw.u32 q4, [r12, #16]",
            "vldrw.u32 q5, [r12, #32]",
            "vldrw.u32 q6, [r12, #48]",
            "vldrw.u32 q7, [r12, #64]",
            "dlstp.32 lr, lr",
            "2:",
            "vldrb.s32 q0, [r0], #4",
            "vadd.i32 q0, q0, r3",      // x + offset1
            "vshl.s32 q0, r4",          // << left_shift
            "vqrdmulh.s32 q0, q0, r5",  // SRDHM
            "vand q2, q0, q3",          // sign bit set iff x < 0 and a right shift
            "vshr.s32 q2, q2, #31",
            "vqadd.s32 q0, q0, q2",
            "vrshl.s32 q0, q0, q3",     // rounding shift right: ties away from zero
            "vldrb.s32 q1, [r1], #4",
            "vadd.i32 q1, q1, r8",
            "vshl.s32 q1, r4",
            "vqrdmulh.s32 q1, q1, r9",
            "vand q2, q1, q4",
            "vshr.s32 q2, q2, #31",
            "vqadd.s32 q1, q1, q2",
            "vrshl.s32 q1, q1, q4",
            concat!($op, " q0, q0, q1"),
            "vqrdmulh.s32 q0, q0, r10",
            "vand q2, q0, q5",
            "vshr.s32 q2, q2, #31",
            "vqadd.s32 q0, q0, q2",
            "vrshl.s32 q0, q0, q5",
            "vadd.i32 q0, q0, r11",
            "vmax.s32 q0, q0, q6",
            "vmin.s32 q0, q0, q7",
            "vstrb.32 q0, [r2], #4",
            "letp lr, 2b",
            // Widening loads and narrowing stores take low base registers.
            inout("r0") $a => _,
            inout("r1") $b => _,
            inout("r2") $out => _,
            in("r3") $q.input_offset[0],
            in("r4") $q.left_shift,
            in("r5") $q.input_multiplier[0],
            in("r8") $q.input_offset[1],
            in("r9") $q.input_multiplier[1],
            in("r10") $q.output_multiplier,
            in("r11") $q.output_offset,
            in("r12") $ctx,
            inout("lr") $n => _,
            out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
            out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
            out("d12") _, out("d13") _, out("d14") _, out("d15") _,
            options(nostack),
        )
    };
}

/// [`super::add_s8`]: per four elements, each input is loaded widened (`vldrb.s32`),
/// offset, shifted, scaled (`vqrdmulh`, which equals gemmlowp's SRDHM here: the shifted
/// inputs stay below 2^29 in magnitude) and divided by its power of two with ties away
/// from zero (CMSIS-NN's `vand`/`vshr`/`vqadd`/`vrshl`); the sum or difference is
/// requantized the same way, offset, clamped and stored narrowed (`vstrb.32`). Tail
/// predication (`dlstp.32`/`letp`) covers the last partial vector. The three shifts
/// (negated exponents) and the bounds are broadcast into q3-q7 from a table.
///
/// Each iteration loads its four bytes of both inputs before it stores them, so `out`
/// may be `a` or `b` itself ([`super::add_s8_in_place`]).
///
/// # Safety
/// `a` and `b` valid for `n > 0` reads, `out` for `n` writes; `out` equal to `a` or `b`,
/// or not overlapping either.
#[inline(never)]
pub unsafe fn add_s8(q: &AddQuant, a: *const i8, b: *const i8, out: *mut i8, n: usize) {
    let [s1, s2] = q.input_shift;
    let (s3, lo, hi) = (q.output_shift, q.min, q.max);
    let ctx: [i32; 20] = [s1, s1, s1, s1, s2, s2, s2, s2, s3, s3, s3, s3, lo, lo, lo, lo, hi, hi, hi, hi];
    let ctx = ctx.as_ptr();
    // SAFETY: reads `n` bytes of `a` and `b`, writes `n` of `out` (tail predication masks
    // the last partial vector), reads the 80-byte table; clobbers q0-q7 and lr.
    unsafe {
        if q.subtract {
            add_loop!("vsub.i32", q, a, b, out, n, ctx);
        } else {
            add_loop!("vadd.i32", q, a, b, out, n, ctx);
        }
    }
}
