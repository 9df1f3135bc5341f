//! Helium routines of the convolution's im2col: byte copies and fills of window rows.
//! A tail-predicated loop (`dlstp.8`/`letp`) moves 16 bytes per three instructions and
//! masks the last partial vector, so a row of any length needs no byte tail; the `memcpy`
//! LLVM calls for a row of runtime length cost several instructions per word.

/// Copies `n > 0` bytes from `src` to `dst`.
///
/// # Safety
/// `src` valid for `n` reads, `dst` for `n` writes, not overlapping; `n > 0`.
#[inline(always)]
pub unsafe fn copy(dst: *mut i8, src: *const i8, n: usize) {
    // SAFETY: reads `n` bytes of `src`, writes `n` of `dst` (the last partial vector is
    // masked by tail predication); clobbers q0 and lr.
    unsafe {
        core::arch::asm!(
            "dlstp.8 lr, lr",
            "2:",
            "vldrb.8 q0, [{s}], #16",
            "vstrb.8 q0, [{d}], #16",
            "letp lr, 2b",
            s = inout(reg) src => _,
            d = inout(reg) dst => _,
            inout("lr") n => _,
            out("d0") _, out("d1") _,
            options(nostack),
        );
    }
}

/// Sets `n > 0` bytes of `dst` to `v`.
///
/// # Safety
/// `dst` valid for `n` writes; `n > 0`.
#[inline(always)]
pub unsafe fn fill(dst: *mut i8, v: i8, n: usize) {
    // SAFETY: writes `n` bytes of `dst` (tail predication masks the last partial
    // vector); clobbers q0 and lr.
    unsafe {
        core::arch::asm!(
            "vdup.8 q0, {v}",
            "dlstp.8 lr, lr",
            "2:",
            "vstrb.8 q0, [{d}], #16",
            "letp lr, 2b",
            v = in(reg) v as i32,
            d = inout(reg) dst => _,
            inout("lr") n => _,
            out("d0") _, out("d1") _,
            options(nostack),
        );
    }
}

/// Words of the context [`conv_pixel`] reads, built once per block of channels by
/// `conv::pixel::ConvPixel::new`.
pub const CONV_PIXEL_CTX: usize = 22;

/// The routine of [`conv_pixel`], with the row pointers of a group set up by `$rows` and
/// its four outputs stored by `$store` (a block of at least four channels, or fewer; the
/// `$setup` after the gather, which may write VPR).
macro_rules! conv_pixel_asm {
    ($ctx:expr, $src:expr, $out:expr, $count:expr, [$($setup:literal),*], [$($rows:literal),*], [$($store:literal),*]) => {
        core::arch::asm!(
            // The activation bounds, broadcast (two words of the context, not eight).
            "ldrd r3, r4, [r1]",
            "vdup.32 q5, r3",
            "vdup.32 q6, r4",
            "vldrw.u32 q7, [r1, #8]",
            // Output offset and the steps from row 0 to rows 1, 2, 3.
            "vldrw.u32 q4, [r1, #48]",
            // The pixel loop's state: the pixel's source, the context, pixels left.
            "push {{r0, r1, r2, r3}}",
            "19:",
            // Gather into the column from the gather start: `rows` runs of `len` bytes,
            // or, with taps, `rows` times `taps` runs of `len <= 16` bytes (one predicated
            // vector each, `tap stride` apart in a row, back to back in the column); the
            // rows `column row` bytes apart in the column.
            "ldr r11, [r1, #36]",
            // No rows: the window is the column (a pointwise convolution's pixel).
            "cmp r11, #0",
            "beq 6f",
            "ldr r9, [r1, #40]",
            "ldr r10, [r1, #44]",
            "ldr r4, [r1, #72]",
            "ldr r3, [r1, #64]",
            "cbnz r3, 8f",
            "ldr r12, [r1, #84]",
            "2:",
            "mov r8, r0",
            "add r2, r4, r12",
            "mov lr, r10",
            "dlstp.8 lr, lr",
            "3:",
            "vldrb.8 q0, [r8], #16",
            "vstrb.8 q0, [r4], #16",
            "letp lr, 3b",
            "mov r4, r2",
            "add r0, r0, r9",
            "subs r11, r11, #1",
            "bne 2b",
            "b 7f",
            "8:",
            "ldr r12, [r1, #68]",
            "vctp.8 r10",
            "9:",
            "mov r2, r0",
            "mov r8, r4",
            "dls lr, r3",
            "12:",
            "vpstt",
            "vldrbt.8 q0, [r2]",
            "vstrbt.8 q0, [r4]",
            "add r2, r2, r12",
            "add r4, r4, r10",
            "le lr, 12b",
            "ldr r4, [r1, #84]",
            "add r4, r4, r8",
            "add r0, r0, r9",
            "subs r11, r11, #1",
            "bne 9b",
            "b 7f",
            "6:",
            "vmov s30, r0",
            "7:",
            $($setup,)*
            "ldr r11, [r1, #28]",
            "ldr r3, [r1, #32]",
            "vmov r1, s30",
            "4:",
            "ldm r11!, {{r0, r2, r4, r8}}",
            $($rows,)*
            "vmov lr, s29",
            "dlstp.8 lr, lr",
            "5:",
            "vldrb.8 q0, [r1], #16",
            "vldrb.8 q1, [r3], #16",
            "vmladava.s8 r0, q0, q1",
            "vldrb.8 q2, [r9], #16",
            "vmladava.s8 r2, q0, q2",
            "vldrb.8 q3, [r10], #16",
            "vmladava.s8 r4, q0, q3",
            "vldrb.8 q1, [r12], #16",
            "vmladava.s8 r8, q0, q1",
            "letp lr, 5b",
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
            "vmov r0, s16",
            "vadd.i32 q0, q0, r0",
            "vmax.s32 q0, q0, q5",
            "vmin.s32 q0, q0, q6",
            $($store,)*
            "vmov lr, s28",
            "cmp r11, lr",
            "bne 4b",
            // The next pixel: source and output by their steps.
            "ldrd r0, r1, [sp]",
            "ldr r2, [sp, #8]",
            "subs r2, r2, #1",
            "beq 13f",
            "str r2, [sp, #8]",
            "ldrd r3, r4, [r1, #76]",
            "add r0, r0, r3",
            "str r0, [sp]",
            "add r5, r5, r4",
            "b 19b",
            "13:",
            "add sp, #16",
            inout("r0") $src => _,
            inout("r1") $ctx => _,
            inout("r2") $count => _,
            inout("r5") $out => _,
            out("r3") _, out("r4") _, out("r8") _,
            out("r9") _, out("r10") _, out("r11") _, out("r12") _, out("lr") _,
            out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
            out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
            out("d12") _, out("d13") _, out("d14") _, out("d15") _,
        )
    };
}

/// `count` output pixels of a convolution over a block of channels. For each: gathers
/// the window into the column (from the gather start in the context: `rows` runs of
/// `len` bytes, `row_stride` apart from `src`; or, with taps, `rows` times `taps` runs
/// of at most 16 bytes, one predicated vector each, `tap_stride` apart in a row: the
/// taps of a horizontally dilated row, or the short rows of a window as the taps of
/// one; with no rows, `src` is the column: the pixel of a pointwise convolution), then
/// for each group of four channels the loop of `mve::dot4_requantize` (folded biases
/// loaded as accumulators, 5 loads and 4 `vmladava.s8` per 16 bytes, the four sums
/// requantized in one vector); then `src` and `out` move by the context's pixel steps.
/// Everything a pixel does not change is read from `ctx` (built once per block), so a run
/// of pixels costs one call and no setup: `min, max, [table end, k, column,
/// k - 16 * ceil(k / 16)], lanes stored per group, table, filter rows, rows, row stride,
/// len, [output offset, steps from row 0 to rows 1, 2, 3], taps (0: runs), tap stride,
/// gather start, source step, output step (from the end of the last group's store),
/// column row`.
/// Registers in the group loop as in `mve::dot4_requantize`: accumulators r0/r2/r4/r8,
/// column r1, rows r3/r9/r10/r12, table r11, output r5; the bounds in q5/q6, the loop
/// constants in s28-s31, the output offset and row steps in q4 (s16-s19); the rows of a
/// group are `k` apart (fewer than four channels: [`conv_pixel_small`]). The pixel
/// loop's state is on the stack (16 bytes).
///
/// # Safety
/// `ctx` as built by `conv::pixel::ConvPixel::new`: the column valid for `k` writes and
/// reads, the gather inside it, the table holding at least one group; `src` valid for
/// reads of each row of each of the `count > 0` pixels; `out` for `4 * groups` writes at
/// each pixel, or the lanes of a smaller block.
#[inline(never)]
pub unsafe fn conv_pixel(ctx: &[i32; CONV_PIXEL_CTX], src: *const i8, out: *mut i8, count: usize) {
    // SAFETY: reads the window rows and the column, the filter rows and table of the
    // block, writes the column and 4 bytes of `out` per group and pixel; all in bounds by
    // the contract.
    unsafe {
        conv_pixel_asm!(
            ctx.as_ptr(),
            src,
            out,
            count,
            [],
            ["vmov lr, s29", "add r9, r3, lr", "add r10, r9, lr", "add r12, r10, lr"],
            ["vstrb.32 q0, [r5], #4"]
        );
    }
}

/// [`conv_pixel`] for a block of fewer than four channels: one group whose missing rows
/// repeat the last one (steps of 0) and whose store is predicated to its channels
/// (`vctp.32` once per pixel, after the gather; nothing in the group loop writes VPR).
///
/// # Safety
/// As [`conv_pixel`], `out` valid for the block's writes.
#[inline(never)]
pub unsafe fn conv_pixel_small(ctx: &[i32; CONV_PIXEL_CTX], src: *const i8, out: *mut i8, count: usize) {
    // SAFETY: as in `conv_pixel`; the store writes the block's lanes only.
    unsafe {
        conv_pixel_asm!(
            ctx.as_ptr(),
            src,
            out,
            count,
            ["ldr r12, [r1, #24]", "vctp.32 r12"],
            ["vmov r9, r10, s17, s18", "add r9, r3, r9", "add r10, r9, r10", "vmov r12, s19", "add r12, r10, r12"],
            ["vpst", "vstrbt.32 q0, [r5], #4"]
        );
    }
}
