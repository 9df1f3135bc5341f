//! Helium routines of the two-table elementwise primitives ([`super::elementwise`]).
//!
//! `i16` terms, per 16 bytes of input: the bytes are loaded once (`vldrb.u8`) and
//! widened to two vectors of eight `u16` indices, the even and the odd elements
//! (`vmovlb`/`vmovlt`); each index vector gathers eight table terms (`vldrh.u16` with
//! scaled offsets); the terms of the two inputs are added with saturation
//! (`vqadd.s16`); the even and odd sums are shifted right and narrowed with saturation
//! back into the even and odd bytes of one vector (`vqshrnb`/`vqshrnt`), which restores
//! the element order; then the clamp and one 16-byte store. The shift is an immediate,
//! so each routine is instantiated for every shift `1..=8` and one is picked per call.
//!
//! `i32` terms: the even and odd `u16` indices are widened once more into four vectors
//! of four `u32` (elements 0, 4, 8, 12; 2, 6, 10, 14; 1, 5, 9, 13; 3, 7, 11, 15), each
//! gathers four terms (`vldrw.u32`), and two narrowing steps (`vqshrnb.s32 #16` into
//! `i16`, `vqmovunb.s16` into `u8`) put them back in order; the terms hold `out - min`,
//! so the unsigned saturation is the lower clamp, and a saturating add of
//! `255 - (max - min)` then a wrapping add of `max + 1` the upper one and the minimum.

use super::out_quant::{Lut2, MulQuant, Terms};

/// `$body!(R)` for the immediate shift `R` equal to `$shift` (in `1..=8`).
macro_rules! with_shift {
    ($shift:expr, $body:ident) => {
        match $shift {
            1 => $body!("1"),
            2 => $body!("2"),
            3 => $body!("3"),
            4 => $body!("4"),
            5 => $body!("5"),
            6 => $body!("6"),
            7 => $body!("7"),
            _ => $body!("8"),
        }
    };
}

/// `blocks` blocks of 16 elements of [`super::elementwise::lut2_s8`]. Each block loads
/// its 16 bytes of both inputs before it stores its 16 outputs, so `out` may be `a` or
/// `b` itself ([`super::elementwise::lut2_s8_in_place`]).
///
/// # Safety
/// `a`, `b` valid for `16 * blocks` reads, `out` for as many writes, `blocks > 0`; `out`
/// equal to `a` or `b`, or not overlapping either.
#[inline]
pub unsafe fn lut2_s8(q: &Lut2, a: *const i8, b: *const i8, out: *mut i8, blocks: usize) {
    // SAFETY: the caller's contract.
    unsafe {
        match q.terms {
            Terms::Narrow { t1, t2, shift } => narrow_s8([t1, t2], shift, q, a, b, out, [blocks, 1, 0]),
            Terms::Wide { t1, t2 } => wide_s8([t1, t2], None, q, a, b, out, [blocks, 1, 0]),
        }
    }
}

/// `blocks` blocks of 16 elements of [`super::elementwise::lut2_scalar_s8`].
///
/// # Safety
/// `a` valid for `16 * blocks` reads, `out` for as many writes, `blocks > 0`.
#[inline]
pub unsafe fn lut2_scalar_s8(q: &Lut2, y: i8, a: *const i8, out: *mut i8, blocks: usize) {
    let y = y as u8 as usize;
    // SAFETY: the caller's contract.
    unsafe {
        match q.terms {
            Terms::Narrow { t1, t2, shift } => narrow_scalar_s8(t1, t2[y], shift, q, a, out, blocks),
            Terms::Wide { t1, t2 } => wide_s8([t1, t1], Some(t2[y]), q, a, a, out, [blocks, 1, 0]),
        }
    }
}

/// `rows` rows of `16 * row_blocks` elements of [`super::elementwise::lut2_rows_s8`]:
/// input 1 and the output advance over all rows, input 2 restarts at `b` every row.
///
/// # Safety
/// `a` valid for `16 * row_blocks * rows` reads, `out` for as many writes, `b` for
/// `16 * row_blocks` reads; `row_blocks > 0`, `rows > 0`.
#[inline]
pub unsafe fn lut2_rows_s8(q: &Lut2, a: *const i8, b: *const i8, out: *mut i8, row_blocks: usize, rows: usize) {
    let shape = [row_blocks, rows, 16 * row_blocks];
    // SAFETY: the caller's contract.
    unsafe {
        match q.terms {
            Terms::Narrow { t1, t2, shift } => narrow_s8([t1, t2], shift, q, a, b, out, shape),
            Terms::Wide { t1, t2 } => wide_s8([t1, t2], None, q, a, b, out, shape),
        }
    }
}

/// `blocks` blocks of 16 elements of [`super::elementwise::lut2_rows_s8`] where input 2
/// is the same 16 bytes `b` for every block (a per-channel row of 16, or a shorter row
/// repeated to 16 bytes): input 2's terms are gathered once, before the loop, so a block
/// costs what one of [`lut2_scalar_s8`] does.
///
/// # Safety
/// `a` valid for `16 * blocks` reads, `out` for as many writes, `b` for 16 reads,
/// `blocks > 0`.
#[inline]
pub unsafe fn lut2_fixed_s8(q: &Lut2, a: *const i8, b: *const i8, out: *mut i8, blocks: usize) {
    // SAFETY: the caller's contract.
    unsafe {
        match q.terms {
            Terms::Narrow { t1, t2, shift } => narrow_fixed_s8([t1, t2], shift, q, a, b, out, blocks),
            Terms::Wide { t1, t2 } => wide_fixed_s8([t1, t2], q, a, b, out, blocks),
        }
    }
}

/// `i16` terms, input 2's terms fixed (gathered once into q1, q2): 13 instructions per
/// 16 elements, as [`narrow_scalar_s8`].
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn narrow_fixed_s8(
    t: [&[i16; 256]; 2],
    shift: u32,
    q: &Lut2,
    a: *const i8,
    b: *const i8,
    out: *mut i8,
    blocks: usize,
) {
    macro_rules! body {
        ($r:literal) => {
            // SAFETY: reads 16 bytes of `b` once, then 16 of `a` and writes 16 of `out`
            // per block; the gathers read the tables at indices below 256. Clobbers
            // q0-q7 and lr.
            unsafe {
                core::arch::asm!(
                    "vldrb.u8 q0, [r1]",
                    "vmovlb.u8 q3, q0",
                    "vmovlt.u8 q4, q0",
                    "vldrh.u16 q1, [r4, q3, uxtw #1]",
                    "vldrh.u16 q2, [r4, q4, uxtw #1]",
                    "vdup.8 q6, r5",
                    "vdup.8 q7, r8",
                    "dls lr, lr",
                    "2:",
                    "vldrb.u8 q0, [r0], #16",
                    "vmovlb.u8 q3, q0",
                    "vmovlt.u8 q4, q0",
                    "vldrh.u16 q5, [r3, q3, uxtw #1]",
                    "vldrh.u16 q0, [r3, q4, uxtw #1]",
                    "vqadd.s16 q5, q5, q1",
                    "vqadd.s16 q0, q0, q2",
                    concat!("vqshrnb.s16 q3, q5, #", $r),
                    concat!("vqshrnt.s16 q3, q0, #", $r),
                    "vmax.s8 q3, q3, q6",
                    "vmin.s8 q3, q3, q7",
                    "vstrb.8 q3, [r2], #16",
                    "le lr, 2b",
                    inout("r0") a => _,
                    in("r1") b,
                    inout("r2") out => _,
                    in("r3") t[0].as_ptr(),
                    in("r4") t[1].as_ptr(),
                    in("r5") q.min as i32,
                    in("r8") q.max as i32,
                    inout("lr") blocks => _,
                    out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
                    out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
                    out("d12") _, out("d13") _, out("d14") _, out("d15") _,
                    options(nostack),
                )
            }
        };
    }
    with_shift!(shift, body)
}

/// `i32` terms, input 2's terms fixed (gathered once into q4-q7, in the lane order of
/// [`wide_s8`]): 25 instructions per 16 elements.
#[inline(never)]
unsafe fn wide_fixed_s8(t: [&[i32; 256]; 2], q: &Lut2, a: *const i8, b: *const i8, out: *mut i8, blocks: usize) {
    // The upper clamp as in `wide_s8`.
    let span = q.max as i32 - q.min as i32;
    let (sat, restore) = (255 - span, q.max as i32 + 1);
    // SAFETY: reads 16 bytes of `b` once, then 16 of `a` and writes 16 of `out` per
    // block; the gathers read the tables at indices below 256. Clobbers q0-q7 and lr.
    unsafe {
        core::arch::asm!(
            // Input 2's terms of elements 0, 4, 8, 12 (q4); 2, 6, 10, 14 (q5); 1, 5, 9,
            // 13 (q6); 3, 7, 11, 15 (q7).
            "vldrb.u8 q0, [r1]",
            "vmovlb.u8 q1, q0",
            "vmovlt.u8 q2, q0",
            "vmovlb.u16 q0, q1",
            "vldrw.u32 q4, [r4, q0, uxtw #2]",
            "vmovlt.u16 q0, q1",
            "vldrw.u32 q5, [r4, q0, uxtw #2]",
            "vmovlb.u16 q0, q2",
            "vldrw.u32 q6, [r4, q0, uxtw #2]",
            "vmovlt.u16 q0, q2",
            "vldrw.u32 q7, [r4, q0, uxtw #2]",
            "dls lr, lr",
            "2:",
            "vldrb.u8 q0, [r0], #16",
            "vmovlb.u8 q1, q0",
            "vmovlt.u8 q2, q0",
            // Even elements into q0, odd ones into q1 (`i16`).
            "vmovlb.u16 q0, q1",
            "vldrw.u32 q3, [r3, q0, uxtw #2]",
            "vadd.i32 q3, q3, q4",
            "vmovlt.u16 q0, q1",
            "vldrw.u32 q1, [r3, q0, uxtw #2]",
            "vadd.i32 q1, q1, q5",
            "vqshrnb.s32 q0, q3, #16",
            "vqshrnt.s32 q0, q1, #16",
            "vmovlb.u16 q1, q2",
            "vldrw.u32 q3, [r3, q1, uxtw #2]",
            "vadd.i32 q3, q3, q6",
            "vmovlt.u16 q1, q2",
            "vldrw.u32 q2, [r3, q1, uxtw #2]",
            "vadd.i32 q2, q2, q7",
            "vqshrnb.s32 q1, q3, #16",
            "vqshrnt.s32 q1, q2, #16",
            "vqmovunb.s16 q3, q0",
            "vqmovunt.s16 q3, q1",
            "vqadd.u8 q3, q3, r5",
            "vadd.i8 q3, q3, r8",
            "vstrb.8 q3, [r2], #16",
            "le lr, 2b",
            inout("r0") a => _,
            in("r1") b,
            inout("r2") out => _,
            in("r3") t[0].as_ptr(),
            in("r4") t[1].as_ptr(),
            in("r5") sat,
            in("r8") restore,
            inout("lr") blocks => _,
            out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
            out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
            out("d12") _, out("d13") _, out("d14") _, out("d15") _,
            options(nostack),
        )
    }
}

/// `i16` terms, both inputs: 18 instructions per 16 elements, the loop included; `[blocks
/// per row, rows, bytes input 2 moves back after each row]`.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn narrow_s8(
    t: [&[i16; 256]; 2],
    shift: u32,
    q: &Lut2,
    a: *const i8,
    b: *const i8,
    out: *mut i8,
    [blocks, rows, rewind]: [usize; 3],
) {
    macro_rules! body {
        ($r:literal) => {
            // SAFETY: reads 16 bytes of `a` and `b` and writes 16 of `out` per block;
            // the gathers read the tables at indices below 256. Clobbers q0-q7 and lr.
            unsafe {
                core::arch::asm!(
                    "vdup.8 q6, r5",
                    "vdup.8 q7, r8",
                    "3:",
                    "dls lr, r9",
                    "2:",
                    "vldrb.u8 q0, [r0], #16",
                    "vmovlb.u8 q2, q0",
                    "vmovlt.u8 q3, q0",
                    "vldrb.u8 q1, [r1], #16",
                    "vmovlb.u8 q0, q1",
                    "vmovlt.u8 q4, q1",
                    "vldrh.u16 q5, [r3, q2, uxtw #1]",
                    "vldrh.u16 q1, [r4, q0, uxtw #1]",
                    "vqadd.s16 q5, q5, q1",
                    "vldrh.u16 q0, [r3, q3, uxtw #1]",
                    "vldrh.u16 q1, [r4, q4, uxtw #1]",
                    "vqadd.s16 q0, q0, q1",
                    concat!("vqshrnb.s16 q2, q5, #", $r),
                    concat!("vqshrnt.s16 q2, q0, #", $r),
                    "vmax.s8 q2, q2, q6",
                    "vmin.s8 q2, q2, q7",
                    "vstrb.8 q2, [r2], #16",
                    "le lr, 2b",
                    "sub r1, r1, r10",
                    "subs r11, r11, #1",
                    "bne 3b",
                    inout("r0") a => _,
                    inout("r1") b => _,
                    inout("r2") out => _,
                    in("r3") t[0].as_ptr(),
                    in("r4") t[1].as_ptr(),
                    in("r5") q.min as i32,
                    in("r8") q.max as i32,
                    in("r9") blocks,
                    in("r10") rewind,
                    inout("r11") rows => _,
                    out("lr") _,
                    out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
                    out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
                    out("d12") _, out("d13") _, out("d14") _, out("d15") _,
                    options(nostack),
                )
            }
        };
    }
    with_shift!(shift, body)
}

/// `i16` terms, the term of input 2 fixed at `c`: 13 instructions per 16 elements.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn narrow_scalar_s8(t1: &[i16; 256], c: i16, shift: u32, q: &Lut2, a: *const i8, out: *mut i8, blocks: usize) {
    macro_rules! body {
        ($r:literal) => {
            // SAFETY: reads 16 bytes of `a` and writes 16 of `out` per block; the
            // gathers read the table at indices below 256. Clobbers q0-q7 and lr.
            unsafe {
                core::arch::asm!(
                    "vdup.8 q6, r5",
                    "vdup.8 q7, r8",
                    "dls lr, lr",
                    "2:",
                    "vldrb.u8 q0, [r0], #16",
                    "vmovlb.u8 q2, q0",
                    "vmovlt.u8 q3, q0",
                    "vldrh.u16 q4, [r3, q2, uxtw #1]",
                    "vldrh.u16 q5, [r3, q3, uxtw #1]",
                    "vqadd.s16 q4, q4, r4",
                    "vqadd.s16 q5, q5, r4",
                    concat!("vqshrnb.s16 q0, q4, #", $r),
                    concat!("vqshrnt.s16 q0, q5, #", $r),
                    "vmax.s8 q0, q0, q6",
                    "vmin.s8 q0, q0, q7",
                    "vstrb.8 q0, [r2], #16",
                    "le lr, 2b",
                    inout("r0") a => _,
                    inout("r2") out => _,
                    in("r3") t1.as_ptr(),
                    in("r4") c as i32,
                    in("r5") q.min as i32,
                    in("r8") q.max as i32,
                    inout("lr") blocks => _,
                    out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
                    out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
                    out("d12") _, out("d13") _, out("d14") _, out("d15") _,
                    options(nostack),
                )
            }
        };
    }
    with_shift!(shift, body)
}

/// `i32` terms: 36 instructions per 16 elements, the loop included; with `c`, input 2's
/// term is `c` for every element (its loads and gathers are skipped: 25; one row).
/// Rows as in [`narrow_s8`].
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn wide_s8(
    t: [&[i32; 256]; 2],
    c: Option<i32>,
    q: &Lut2,
    a: *const i8,
    b: *const i8,
    out: *mut i8,
    [blocks, rows, rewind]: [usize; 3],
) {
    // Upper clamp: `v + (255 - span)` saturates at 255 exactly when `v >= span`; then
    // `+ (max + 1)` (mod 256) maps 255 to `max` and every other `v` to `v + min`.
    let span = q.max as i32 - q.min as i32;
    let (sat, restore) = (255 - span, q.max as i32 + 1);
    // SAFETY: reads 16 bytes of `a` (and `b`) and writes 16 of `out` per block; the
    // gathers read the tables at indices below 256. Clobbers q0-q7 and lr.
    unsafe {
        match c {
            None => core::arch::asm!(
                "3:",
                "dls lr, r9",
                "2:",
                "vldrb.u8 q0, [r0], #16",
                "vmovlb.u8 q1, q0",
                "vmovlt.u8 q2, q0",
                "vldrb.u8 q0, [r1], #16",
                "vmovlb.u8 q3, q0",
                "vmovlt.u8 q4, q0",
                // Even elements: 0, 4, 8, 12 then 2, 6, 10, 14.
                "vmovlb.u16 q0, q1",
                "vmovlb.u16 q5, q3",
                "vldrw.u32 q6, [r3, q0, uxtw #2]",
                "vldrw.u32 q7, [r4, q5, uxtw #2]",
                "vadd.i32 q6, q6, q7",
                "vmovlt.u16 q0, q1",
                "vmovlt.u16 q5, q3",
                "vldrw.u32 q7, [r3, q0, uxtw #2]",
                "vldrw.u32 q1, [r4, q5, uxtw #2]",
                "vadd.i32 q7, q7, q1",
                "vqshrnb.s32 q3, q6, #16",
                "vqshrnt.s32 q3, q7, #16",
                // Odd elements: 1, 5, 9, 13 then 3, 7, 11, 15.
                "vmovlb.u16 q0, q2",
                "vmovlb.u16 q5, q4",
                "vldrw.u32 q6, [r3, q0, uxtw #2]",
                "vldrw.u32 q7, [r4, q5, uxtw #2]",
                "vadd.i32 q6, q6, q7",
                "vmovlt.u16 q0, q2",
                "vmovlt.u16 q5, q4",
                "vldrw.u32 q7, [r3, q0, uxtw #2]",
                "vldrw.u32 q1, [r4, q5, uxtw #2]",
                "vadd.i32 q7, q7, q1",
                "vqshrnb.s32 q2, q6, #16",
                "vqshrnt.s32 q2, q7, #16",
                "vqmovunb.s16 q0, q3",
                "vqmovunt.s16 q0, q2",
                "vqadd.u8 q0, q0, r5",
                "vadd.i8 q0, q0, r8",
                "vstrb.8 q0, [r2], #16",
                "le lr, 2b",
                "sub r1, r1, r10",
                "subs r11, r11, #1",
                "bne 3b",
                inout("r0") a => _,
                inout("r1") b => _,
                inout("r2") out => _,
                in("r3") t[0].as_ptr(),
                in("r4") t[1].as_ptr(),
                in("r5") sat,
                in("r8") restore,
                in("r9") blocks,
                in("r10") rewind,
                inout("r11") rows => _,
                out("lr") _,
                out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
                out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
                out("d12") _, out("d13") _, out("d14") _, out("d15") _,
                options(nostack),
            ),
            Some(c) => {
                let _ = (rows, rewind);
                core::arch::asm!(
                    "dls lr, lr",
                    "2:",
                    "vldrb.u8 q0, [r0], #16",
                    "vmovlb.u8 q1, q0",
                    "vmovlt.u8 q2, q0",
                    "vmovlb.u16 q0, q1",
                    "vmovlt.u16 q5, q1",
                    "vldrw.u32 q6, [r3, q0, uxtw #2]",
                    "vldrw.u32 q7, [r3, q5, uxtw #2]",
                    "vadd.i32 q6, q6, r4",
                    "vadd.i32 q7, q7, r4",
                    "vqshrnb.s32 q3, q6, #16",
                    "vqshrnt.s32 q3, q7, #16",
                    "vmovlb.u16 q0, q2",
                    "vmovlt.u16 q5, q2",
                    "vldrw.u32 q6, [r3, q0, uxtw #2]",
                    "vldrw.u32 q7, [r3, q5, uxtw #2]",
                    "vadd.i32 q6, q6, r4",
                    "vadd.i32 q7, q7, r4",
                    "vqshrnb.s32 q2, q6, #16",
                    "vqshrnt.s32 q2, q7, #16",
                    "vqmovunb.s16 q0, q3",
                    "vqmovunt.s16 q0, q2",
                    "vqadd.u8 q0, q0, r5",
                    "vadd.i8 q0, q0, r8",
                    "vstrb.8 q0, [r2], #16",
                    "le lr, 2b",
                    inout("r0") a => _,
                    inout("r2") out => _,
                    in("r3") t[0].as_ptr(),
                    in("r4") c,
                    in("r5") sat,
                    in("r8") restore,
                    inout("lr") blocks => _,
                    out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
                    out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
                    out("d12") _, out("d13") _, out("d14") _, out("d15") _,
                    options(nostack),
                )
            }
        }
    }
}

/// `$body!(R)` for the immediate right shift `R` equal to `$shift` (in `1..=16`, what
/// `vqrshrn.s32` takes).
macro_rules! with_shift16 {
    ($shift:expr, $body:ident) => {
        match $shift {
            1 => $body!("1"),
            2 => $body!("2"),
            3 => $body!("3"),
            4 => $body!("4"),
            5 => $body!("5"),
            6 => $body!("6"),
            7 => $body!("7"),
            8 => $body!("8"),
            9 => $body!("9"),
            10 => $body!("10"),
            11 => $body!("11"),
            12 => $body!("12"),
            13 => $body!("13"),
            14 => $body!("14"),
            15 => $body!("15"),
            _ => $body!("16"),
        }
    };
}

/// The products of the even and odd `i16` elements of `$a` and `$b` (`vmullb`,
/// `vmullt`: four `i32` lanes each), requantized with the multiplier in r11 and rounded,
/// shifted by the immediate `$r` and narrowed with saturation back into the bottom and
/// top `i16` halves of `$a` (see [`mul_blocks_s8`]). 10 instructions; clobbers q0, q5-q7.
macro_rules! mul_requant {
    ($a:literal, $b:literal, $r:literal) => {
        concat!(
            "vmullb.s16 q0, ",
            $a,
            ", ",
            $b,
            "\n",
            "vmullt.s16 q5, ",
            $a,
            ", ",
            $b,
            "\n",
            "vshr.s32 q6, q0, #31\n",
            "vqrdmlah.s32 q6, q0, r11\n",
            "vshr.s32 q7, q5, #31\n",
            "vqrdmlah.s32 q7, q5, r11\n",
            "vqrshrnb.s32 ",
            $a,
            ", q6, #",
            $r,
            "\n",
            "vqrshrnt.s32 ",
            $a,
            ", q7, #",
            $r,
            "\n",
        )
    };
}

/// The requantization of one block of [`mul_blocks_s8`] with an immediate right shift
/// `$r`, as one string: input 1 widened from q0 into the even (q1) and odd (q2) `i16`
/// elements with its offset (r3), input 2 already in q3 (even) and q4 (odd) with its
/// offset; the 16 outputs, with the output offset (r5) and clamped, into q0. `$narrow`:
/// `mul_narrow_full!` or `mul_narrow_clamp!`. 27 or 29 instructions.
macro_rules! mul_block {
    ($r:literal, $narrow:expr) => {
        concat!(
            "vmovlb.s8 q1, q0\n",
            "vmovlt.s8 q2, q0\n",
            "vadd.i16 q1, q1, r3\n",
            "vadd.i16 q2, q2, r3\n",
            // Even elements: products of 0, 4, 8, 12 and of 2, 6, 10, 14; each
            // requantized into the bottom or top `i16` halves of q1 (back in order).
            mul_requant!("q1", "q3", $r),
            // Odd elements: 1, 5, 9, 13 and 3, 7, 11, 15, into q2.
            mul_requant!("q2", "q4", $r),
            "vqadd.s16 q1, q1, r5\n",
            "vqadd.s16 q2, q2, r5\n",
            $narrow,
        )
    };
}

/// One block of the row loop of [`mul_blocks_s8`] without an activation, both inputs
/// advancing, with the immediate right shift `$r`: 30 instructions, the load and the
/// store included, one fewer than the even and odd elements of `mul_block!`. Each
/// input's 16 bytes are loaded as two halves widened to `i16` by the load itself
/// (`vldrb.s16`: elements 0-7 into q1 / q3, 8-15 into q2 / q4), so the products of a
/// half are its even and odd elements, requantized back into order in the bottom and
/// top `i16` halves of q1 (outputs 0-7) and q2 (8-15); each half is then narrowed with
/// saturation into the even bytes of q0 and stored by a narrowing `vstrb.16` (which
/// writes the even bytes). With an activation the clamp costs three more instructions
/// this way than on the interleaved bytes of `mul_block!`, so that loop keeps the even
/// and odd elements.
macro_rules! mul_block_halves {
    ($r:literal) => {
        concat!(
            "vldrb.s16 q1, [r0], #8\n",
            "vldrb.s16 q2, [r0], #8\n",
            "vadd.i16 q1, q1, r3\n",
            "vadd.i16 q2, q2, r3\n",
            "vldrb.s16 q3, [r1], #8\n",
            "vldrb.s16 q4, [r1], #8\n",
            "vadd.i16 q3, q3, r4\n",
            "vadd.i16 q4, q4, r4\n",
            mul_requant!("q1", "q3", $r),
            mul_requant!("q2", "q4", $r),
            "vqadd.s16 q1, q1, r5\n",
            "vqadd.s16 q2, q2, r5\n",
            "vqmovnb.s16 q0, q1\n",
            "vstrb.16 q0, [r2], #8\n",
            "vqmovnb.s16 q0, q2\n",
            "vstrb.16 q0, [r2], #8\n",
        )
    };
}

/// No activation: the signed narrowing to `i8` is the clamp (r5 the output offset).
macro_rules! mul_narrow_full {
    () => {
        "vqmovnb.s16 q0, q1\nvqmovnt.s16 q0, q2\n"
    };
}

/// An activation: r5 held `offset - min`; the narrowing to `u8` is the lower clamp, a
/// saturating add of `255 - (max - min)` (r9) and a wrapping add of `max + 1` (r10) the
/// upper one and the minimum, as in the two-table `i32` loop.
macro_rules! mul_narrow_clamp {
    () => {
        "vqmovunb.s16 q0, q1\nvqmovunt.s16 q0, q2\nvqadd.u8 q0, q0, r9\nvadd.i8 q0, q0, r10\n"
    };
}

/// Input 2's 16 bytes loaded from `[r1]` (`$post`: `", #16"` to advance) and widened
/// into q3 (even) and q4 (odd) `i16` elements with its offset (r4).
macro_rules! mul_load_b {
    ($post:literal) => {
        concat!(
            "vldrb.u8 q0, [r1]",
            $post,
            "\n",
            "vmovlb.s8 q3, q0\n",
            "vmovlt.s8 q4, q0\n",
            "vadd.i16 q3, q3, r4\n",
            "vadd.i16 q4, q4, r4\n",
        )
    };
}

/// Blocks of 16 elements of [`super::elementwise::mul_s8`]: `rows` rows of `row_blocks`
/// blocks, input 1 and the output advancing over all of them; input 2 restarts at `b`
/// every row, or with `rows` 0 (`fixed`) is the same 16 bytes for every one of
/// `row_blocks` blocks (a per-channel row of 16, or a shorter row or a scalar repeated
/// to 16 bytes), loaded and widened once before the loop. Per block 31 instructions,
/// the loop included (34 with an activation), or 27 fixed (29); three more per row.
///
/// Per block the inputs are widened to `i16` even and odd elements with their offsets,
/// multiplied into four vectors of `i32` products (`vmullb`/`vmullt`) and requantized
/// four lanes at a time: `vqrdmulh` is gemmlowp's `SaturatingRoundingDoublingHighMul`
/// (half up; the products are far from the one saturating case); `RoundingDivideByPOT`
/// rounds ties away from zero where Helium's rounding shifts round them up, so negative
/// values need -1 first: the sign of the product (`vshr #31`, which is the sign of the
/// high half whenever that is not 0, and at 0 the -1 changes nothing for a right shift
/// of at least 1) is the accumulator of `vqrdmlah`, which adds the rounded high half to
/// it in the same instruction. One `vqrshrn.s32 #shift` then rounds, shifts and narrows
/// with saturation to `i16` into place: the shift is an immediate, so the loops are
/// instantiated for every shift of 1 to 16 (a shift by register and a separate
/// narrowing would cost four more instructions per block). The `i16` results get the
/// output offset (`vqadd.s16`) and are narrowed to `i8` with saturation (no
/// activation) or clamped (`mul_narrow_clamp!`).
///
/// Every block loads its bytes of both inputs before it stores its first output, so with
/// one row `out` may be `a` or `b` itself ([`super::elementwise::mul_s8_in_place`]).
///
/// # Safety
/// `a` valid for `16 * row_blocks * max(rows, 1)` reads and `out` for as many writes;
/// `b` for 16 reads (`rows == 0`) or `16 * row_blocks`; `row_blocks` positive;
/// `q.right_shift` in `1..=16`; `out` not overlapping the inputs, or with `rows == 1`
/// equal to `a` or `b`.
#[inline(never)]
pub unsafe fn mul_blocks_s8(q: &MulQuant, a: *const i8, b: *const i8, out: *mut i8, row_blocks: usize, rows: usize) {
    // `rows == 0` is the fixed input 2 (one argument fewer on the stack; this routine
    // is called per layer, and a layer of 256 elements is only 16 blocks).
    let fixed = rows == 0;
    let full = (q.min, q.max) == (i8::MIN, i8::MAX);
    let span = q.max as i32 - q.min as i32;
    let (sat, restore) = (255 - span, q.max as i32 + 1);
    let off = if full { q.output_offset } else { q.output_offset - q.min as i32 };
    macro_rules! fixed {
        ($r:literal, $narrow:expr) => {
            // SAFETY: reads 16 bytes of `b` once, then 16 of `a` and writes 16 of
            // `out` per block. Clobbers q0-q7 and lr.
            unsafe {
                core::arch::asm!(
                    mul_load_b!(""),
                    "dls lr, r8",
                    "2:",
                    "vldrb.u8 q0, [r0], #16",
                    mul_block!($r, $narrow),
                    "vstrb.8 q0, [r2], #16",
                    "le lr, 2b",
                    inout("r0") a => _,
                    in("r1") b,
                    inout("r2") out => _,
                    in("r3") q.input_offset[0],
                    in("r4") q.input_offset[1],
                    in("r5") off,
                    in("r8") row_blocks,
                    in("r9") sat,
                    in("r10") restore,
                    in("r11") q.multiplier,
                    out("lr") _,
                    out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
                    out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
                    out("d12") _, out("d13") _, out("d14") _, out("d15") _,
                    options(nostack),
                )
            }
        };
    }
    macro_rules! rows {
        ($block:expr) => {
            // SAFETY: reads 16 bytes of `a` and `b` and writes 16 of `out` per block,
            // `b` moved back to its start (16 bytes a block) after each row. Clobbers
            // q0-q7 and lr.
            unsafe {
                core::arch::asm!(
                    "3:",
                    "dls lr, r8",
                    "2:",
                    $block,
                    "le lr, 2b",
                    "sub r1, r1, r8, lsl #4",
                    "subs r12, r12, #1",
                    "bne 3b",
                    inout("r0") a => _,
                    inout("r1") b => _,
                    inout("r2") out => _,
                    in("r3") q.input_offset[0],
                    in("r4") q.input_offset[1],
                    in("r5") off,
                    in("r8") row_blocks,
                    in("r9") sat,
                    in("r10") restore,
                    in("r11") q.multiplier,
                    inout("r12") rows => _,
                    out("lr") _,
                    out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
                    out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
                    out("d12") _, out("d13") _, out("d14") _, out("d15") _,
                    options(nostack),
                )
            }
        };
    }
    macro_rules! body {
        ($r:literal) => {
            match (fixed, full) {
                (true, true) => fixed!($r, mul_narrow_full!()),
                (true, false) => fixed!($r, mul_narrow_clamp!()),
                (false, true) => rows!(mul_block_halves!($r)),
                (false, false) => rows!(concat!(
                    mul_load_b!(", #16"),
                    "vldrb.u8 q0, [r0], #16\n",
                    mul_block!($r, mul_narrow_clamp!()),
                    "vstrb.8 q0, [r2], #16\n",
                )),
            }
        };
    }
    with_shift16!(q.right_shift, body)
}

/// `n` elements of [`super::lookup::lookup_s8`]: per 16 bytes, one load, one gather of
/// 16 table bytes indexed by them as `u8` (`vldrb.u8 q1, [table, q0]`) and one store,
/// the last partial vector masked by tail predication. Each block is loaded before it
/// is stored, so `input` may equal `out`.
///
/// # Safety
/// `input` valid for `n` reads, `out` for `n` writes, either the same bytes or not
/// overlapping; `n > 0`.
#[inline(never)]
pub unsafe fn lookup_s8(table: &[i8; 256], input: *const i8, out: *mut i8, n: usize) {
    // SAFETY: reads `n` bytes of `input` and table bytes at indices below 256, writes
    // `n` bytes of `out`; clobbers q0, q1 and lr.
    unsafe {
        core::arch::asm!(
            "dlstp.8 lr, lr",
            "2:",
            "vldrb.u8 q0, [{x}], #16",
            "vldrb.u8 q1, [{t}, q0]",
            "vstrb.8 q1, [{o}], #16",
            "letp lr, 2b",
            x = inout(reg) input => _,
            o = inout(reg) out => _,
            t = in(reg) table.as_ptr(),
            inout("lr") n => _,
            out("d0") _, out("d1") _, out("d2") _, out("d3") _,
            options(nostack),
        );
    }
}
