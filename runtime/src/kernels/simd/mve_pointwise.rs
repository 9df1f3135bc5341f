//! Helium routine of the pointwise convolution (`simd::pointwise`): one group of four
//! output channels over every output pixel of a batch.
//!
//! Where `mve_conv::conv_pixel` sets up each group of four channels again for every
//! pixel (about 30 instructions for the group's loads, loop and requantization
//! constants around a 16-byte dot loop), this keeps the group's constants in vector
//! registers for all pixels and unrolls the column (one to three 16-byte chunks, the
//! last one predicated when the depth is not a multiple of 16), so a pixel costs its 5
//! loads and 4 `vmladav` per chunk and the requantization of one vector.

use super::run::PixelGrid;
use super::OutQuant;
use crate::kernels::packed::Group4;

/// Words of the context [`group`] reads: four for the accumulators of a pixel (stored
/// from the registers `vmladav` writes and loaded back as one vector), then the group's
/// four folded biases (loaded as the accumulators of each pixel), `[width, row skip, rows,
/// min, max, output offset, last chunk bytes, xstep, ostep]` and two words where the
/// routine keeps r6 and r7 while it uses them. It counts `rows` down in place.
pub const CTX: usize = 19;

/// Deepest column the routine unrolls: three 16-byte chunks.
pub const MAX_DEPTH: usize = 48;

/// One filter row's 16 bytes at byte `$off` of `$row` times the pixel's (q0), added to
/// `$acc`.
macro_rules! row {
    ($row:literal, $acc:literal, $off:literal) => {
        concat!("vldrb.u8 q1, [", $row, ", #", $off, "]\nvmladava.s8 ", $acc, ", q0, q1\n")
    };
}

/// One full chunk of the column at byte `$off`: the pixel's 16 bytes (q0) times the four
/// filter rows' (q1, reloaded per row), added to r0, r2, r4, r8.
macro_rules! chunk {
    ($off:literal) => {
        concat!(
            "vldrb.u8 q0, [r1, #",
            $off,
            "]\n",
            row!("r3", "r0", $off),
            row!("r9", "r2", $off),
            row!("r10", "r4", $off),
            row!("r12", "r8", $off),
        )
    };
}

/// The last chunk of a column whose depth is not a multiple of 16: the loads predicated
/// by the `vctp.8` of the routine's setup (false lanes read nothing and load zeros, so
/// the sums take only the column's bytes and no load reaches past a row or the input),
/// two rows per predicated block (q1 and q5, free in this variant). For columns of less
/// than 16 bytes, among them those under 8, where the unpredicated rows of
/// `tail_chunk_wide` would read past the group's four rows.
macro_rules! tail_chunk {
    ($off:literal) => {
        concat!(
            "vpsttt\n",
            "vldrbt.u8 q0, [r1, #",
            $off,
            "]\n",
            "vldrbt.u8 q1, [r3, #",
            $off,
            "]\n",
            "vldrbt.u8 q5, [r9, #",
            $off,
            "]\n",
            "vmladava.s8 r0, q0, q1\n",
            "vmladava.s8 r2, q0, q5\n",
            "vpstt\n",
            "vldrbt.u8 q1, [r10, #",
            $off,
            "]\n",
            "vldrbt.u8 q5, [r12, #",
            $off,
            "]\n",
            "vmladava.s8 r4, q0, q1\n",
            "vmladava.s8 r8, q0, q5\n",
        )
    };
}

/// `tail_chunk` with only the pixel and the last row predicated: the pixel's false
/// lanes are zeros, so whatever the other rows' loads read past their row (the start of
/// the next row of the group: at most 15 bytes, within the four rows when `k >= 8 *
/// ceil(k / 16)`) adds nothing.
macro_rules! tail_chunk_wide {
    ($off:literal) => {
        concat!(
            "vpstt\n",
            "vldrbt.u8 q0, [r1, #",
            $off,
            "]\n",
            "vldrbt.u8 q5, [r12, #",
            $off,
            "]\n",
            "vmladava.s8 r8, q0, q5\n",
            row!("r3", "r0", $off),
            row!("r9", "r2", $off),
            row!("r10", "r4", $off),
        )
    };
}

/// Makes `RoundingDivideByPOT` round ties away from zero (`vrshl` rounds them up): -1
/// added to the negative lanes whose right shift is not 0 (CMSIS-NN
/// `arm_divide_by_power_of_two_mve`). With the full chunks, a predicated add of q5
/// (-1 where the shift is right, else 0); the tail variants keep the tail's predicate in
/// VPR, so they use q4's sign instead (`x & right` is negative exactly there).
macro_rules! fix_predicated {
    () => {
        "vpt.s32 lt, q0, zr\nvqaddt.s32 q0, q0, q5\n"
    };
}
macro_rules! fix_masked {
    () => {
        "vand q1, q0, q4\nvshr.s32 q1, q1, #31\nvqadd.s32 q0, q0, q1\n"
    };
}

/// The routine, with the column's chunks `$mac` and the rounding fix `$fix`. Registers:
/// the accumulators r0/r2/r4/r8, the pixel r1, the filter rows r3/r9/r10/r12, the
/// output r5, the context r11 (after its four accumulator words), the pixel count lr,
/// the pixel steps in r7 (input) and r6 (output); the output offset q2, multipliers q3,
/// right shifts q4, the fix q5, min q6, max q7. r6 and r7 (LLVM's base and frame
/// pointers, which an operand may not name) are saved in the context and restored
/// before the end: with them, nothing is reloaded per pixel but the biases.
macro_rules! group_asm {
    ($ctx:expr, $x:expr, $w:expr, $k:expr, $table:expr, $out:expr, $mac:expr, $fix:expr) => {
        core::arch::asm!(
            "strd r6, r7, [r11, #52]",
            "ldrd r7, r6, [r11, #44]",
            "vldrw.u32 q3, [r0, #32]",
            "vldrw.u32 q4, [r0, #48]",
            "vshr.s32 q5, q4, #31",
            "ldrd r0, r2, [r11, #28]",
            "vdup.32 q6, r0",
            "vdup.32 q7, r2",
            "ldrd r0, r2, [r11, #36]",
            "vdup.32 q2, r0",
            "vctp.8 r2",
            "add r9, r3, r4",
            "add r10, r9, r4",
            "add r12, r10, r4",
            // Rows of output pixels.
            "2:",
            "ldr lr, [r11, #16]",
            "dls lr, lr",
            // One pixel: its four sums from the biases, as a vector through the context.
            "3:",
            "ldm r11, {{r0, r2, r4, r8}}",
            $mac,
            "stmdb r11, {{r0, r2, r4, r8}}",
            "vldrw.u32 q0, [r11, #-16]",
            "vqrdmulh.s32 q0, q0, q3",
            $fix,
            "vrshl.s32 q0, q0, q4",
            "vadd.i32 q0, q0, q2",
            "vmax.s32 q0, q0, q6",
            "vmin.s32 q0, q0, q7",
            "vstrb.32 q0, [r5]",
            "add r1, r1, r7",
            "add r5, r5, r6",
            "le lr, 3b",
            "ldrd r0, r2, [r11, #20]",
            "add r1, r1, r0",
            "subs r2, r2, #1",
            "str r2, [r11, #24]",
            "bne 2b",
            "ldrd r6, r7, [r11, #52]",
            inout("r0") $table => _,
            inout("r1") $x => _,
            inout("r3") $w => _,
            inout("r4") $k => _,
            // Narrowing stores take a low base register.
            inout("r5") $out => _,
            inout("r11") $ctx => _,
            out("r2") _, out("r8") _, out("r9") _, out("r10") _, out("r12") _, out("lr") _,
            out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
            out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
            out("d12") _, out("d13") _, out("d14") _, out("d15") _,
            options(nostack),
        )
    };
}

/// One routine per shape of the column: `$name` with the chunks `$mac` and the fix
/// `$fix`.
macro_rules! group_fn {
    ($name:ident, $mac:expr, $fix:expr) => {
        /// [`group`] for one shape of column.
        ///
        /// # Safety
        /// As [`group`].
        #[inline(never)]
        unsafe fn $name(
            ctx: &mut [i32; CTX],
            x: *const i8,
            w: *const i8,
            k: usize,
            table: *const Group4,
            out: *mut i8,
        ) {
            // SAFETY: the caller's contract; the context is this call's.
            unsafe { group_asm!(ctx.as_mut_ptr().add(4), x, w, k, table, out, $mac, $fix) };
        }
    };
}

group_fn!(chunks1, chunk!(0), fix_predicated!());
group_fn!(chunks1_tail, tail_chunk!(0), fix_masked!());
group_fn!(chunks2, concat!(chunk!(0), chunk!(16)), fix_predicated!());
group_fn!(chunks2_tail, concat!(chunk!(0), tail_chunk_wide!(16)), fix_masked!());
group_fn!(chunks3, concat!(chunk!(0), chunk!(16), chunk!(32)), fix_predicated!());
group_fn!(chunks3_tail, concat!(chunk!(0), chunk!(16), tail_chunk_wide!(32)), fix_masked!());

/// For every output pixel of `grid`: the pixel's column (`k` bytes from its input base
/// in `x`) times the four filter rows at `w` (`k` bytes apart), requantized with `table`'s
/// constants (no left shifts) and `q`, stored to the four bytes at the pixel's output base
/// in `out`.
///
/// # Safety
/// `1 <= k <= MAX_DEPTH`, `grid.rows` and `grid.width` at least 1; every pixel's `k`
/// bytes readable, `w` for `4 * k` reads, every pixel's 4 output bytes writable;
/// `table`'s left shifts all 0.
#[inline(always)]
pub unsafe fn group(x: *const i8, w: *const i8, k: usize, table: &Group4, q: OutQuant, grid: &PixelGrid, out: *mut i8) {
    let b = &table.bias;
    // Written whole as one array: zeroing it first and then copying the fields in took a
    // `memclr` call per group (about 45 instructions; a pointwise layer by rows calls this
    // per band). The routine writes the accumulator and register slots before it reads
    // them.
    let mut ctx: [i32; CTX] = [
        0,
        0,
        0,
        0,
        b[0],
        b[1],
        b[2],
        b[3],
        grid.width as i32,
        grid.row_skip as i32,
        grid.rows as i32,
        q.min,
        q.max,
        q.offset,
        (k - 16 * (k.div_ceil(16) - 1)) as i32,
        grid.xstep as i32,
        grid.ostep as i32,
        0,
        0,
    ];
    let (ctx, table) = (&mut ctx, table as *const Group4);
    // SAFETY: the caller's contract, for the routine of `k`'s shape.
    unsafe {
        match (k.div_ceil(16), k.is_multiple_of(16)) {
            (1, true) => chunks1(ctx, x, w, k, table, out),
            (1, false) => chunks1_tail(ctx, x, w, k, table, out),
            (2, true) => chunks2(ctx, x, w, k, table, out),
            (2, false) => chunks2_tail(ctx, x, w, k, table, out),
            (3, true) => chunks3(ctx, x, w, k, table, out),
            _ => chunks3_tail(ctx, x, w, k, table, out),
        }
    }
}
