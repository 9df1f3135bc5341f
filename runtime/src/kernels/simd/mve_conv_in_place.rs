//! Helium routines of the convolution read in place (`conv::in_place`): the window of a
//! pixel is multiplied straight from the input, without an im2col column, so a layer
//! whose arena has no scratch for the column needs no buffer on the stack either.
//!
//! A window whose column cuts into chunks of 16 bytes that all lie at the same byte
//! offsets (below 256) from a base moving by a fixed step (the rows of 1, 2, 4, 8 or 16
//! bytes of a window, several rows per chunk; a window of one row) takes one byte-gather
//! (`vldrb.u8` with 8-bit offsets) per chunk: [`conv_in_place`]. At the image's borders
//! each chunk's lanes outside the image are not loaded (a predicated gather, so nothing
//! outside the input is read) and read as the input zero point (`vpsel`): the model
//! compiler folded `input_offset * sum w` into the biases, so a padded tap must count as
//! the zero point. Other windows (rows of other lengths, dilated rows) take one run at a
//! time ([`dot4_run`]).

/// Words of the context [`conv_in_place`] and [`conv_runs`] read, built by
/// `conv::in_place`: `min, max, [table end, k, chunk step (runs: from a row's end to the
/// next row), k - 16 * ceil(k / 16) (runs: len - 16 * ceil(len / 16))], lanes stored (a
/// block of fewer than four channels), table, filter rows, zero point, rows (runs), pixel
/// step, [output offset, steps from row 0 to rows 1, 2, 3], masks (16 words, `P0` of each
/// chunk or piece of a row), offsets (16 bytes; with a table, 16 per chunk, 4 chunks),
/// output step (from the end of the last group's store), len (runs)`.
pub const IN_PLACE_CTX: usize = 50;

/// The routine of [`conv_in_place`]: `$load` gathers a chunk into q0 (from r1 and the
/// offsets in q3; the masked variant with the chunk's mask at r11 and the zero points in
/// q4), `$setup` (after the context is read, before the pixel loop), `$rows` the row
/// pointers of a group, `$store` its four outputs.
macro_rules! in_place_asm {
    ($ctx:expr, $src:expr, $out:expr, $count:expr, [$($setup:literal),*], [$($mask:literal),*],
     [$($load:literal),*], [$($rows:literal),*], [$($store:literal),*], [$($base:literal),*],
     [$($pre:literal),*], [$($step:literal),*]) => {
        core::arch::asm!(
            "ldrd r3, r4, [r1]",
            "vdup.32 q5, r3",
            "vdup.32 q6, r4",
            // Table end, k, chunk step, the filter rows' step back after the loop.
            "vldrw.u32 q7, [r1, #8]",
            "add r3, r1, #128",
            "vldrw.u32 q3, [r3]",
            $($setup,)*
            // The pixel loop's state: the window's base, the context, pixels left.
            "push {{r0, r1, r2, r3}}",
            "19:",
            "ldr r11, [r1, #28]",
            "ldr r3, [r1, #32]",
            "4:",
            "ldm r11!, {{r0, r2, r4, r8}}",
            $($rows,)*
            "push {{r5, r11}}",
            "ldr r1, [sp, #8]",
            $($base,)*
            $($mask,)*
            "vmov lr, s29",
            "dlstp.8 lr, lr",
            "5:",
            $($pre,)*
            $($load,)*
            $($step,)*
            "vldrb.8 q1, [r3], #16",
            "vmladava.s8 r0, q0, q1",
            "vldrb.8 q2, [r9], #16",
            "vmladava.s8 r2, q0, q2",
            "vldrb.8 q1, [r10], #16",
            "vmladava.s8 r4, q0, q1",
            "vldrb.8 q2, [r12], #16",
            "vmladava.s8 r8, q0, q2",
            "letp lr, 5b",
            "pop {{r5, r11}}",
            "vmov lr, s31",
            "add r3, r12, lr",
            "vmov q0[2], q0[0], r0, r4",
            "vmov q0[3], q0[1], r2, r8",
            "vldrw.u32 q1, [r11], #16",
            "vshl.s32 q0, q0, q1",
            "vldrw.u32 q1, [r11], #16",
            "vqrdmulh.s32 q0, q0, q1",
            "vldrw.u32 q1, [r11], #16",
            "vand q2, q0, q1",
            "vshr.s32 q2, q2, #31",
            "vqadd.s32 q0, q0, q2",
            "vrshl.s32 q0, q0, q1",
            "ldr r4, [sp, #4]",
            "ldr r0, [r4, #48]",
            "vadd.i32 q0, q0, r0",
            "vmax.s32 q0, q0, q5",
            "vmin.s32 q0, q0, q6",
            $($store,)*
            "vmov lr, s28",
            "cmp r11, lr",
            "bne 4b",
            // The next pixel: window base and output by their steps.
            "ldrd r0, r1, [sp]",
            "ldr r2, [sp, #8]",
            "subs r2, r2, #1",
            "beq 13f",
            "str r2, [sp, #8]",
            "ldr r3, [r1, #44]",
            "ldr r4, [r1, #192]",
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

/// `count > 0` output pixels of a convolution over a block of channels, each window read
/// in place from its base (its first row and column, padding included, so possibly
/// outside the image): per group of four channels, the biases as accumulators, then per
/// chunk of 16 column bytes one byte-gather at `base + offsets` (the base moving by the
/// chunk step), four weight loads and four `vmladava.s8` (tail-predicated over `k`),
/// requantized in one vector. With `MASKED`, each chunk's gather is predicated by its
/// mask (the lanes inside the image) and the other lanes are the zero point; without,
/// every lane is inside. With `TABLE`, each chunk has offsets of its own (the context's
/// table, at most 4 chunks) from the window's base, which does not move: a window whose
/// every byte lies within 256 of its first (rows of other lengths, dilated rows). Then
/// base and output move by the context's pixel steps.
/// Registers in the group loop: accumulators r0/r2/r4/r8, window r1, rows r3/r9/r10/r12,
/// chunk step r5 (the output and table pointers pushed), masks r11; constants in s28-s31,
/// offsets in q3, zero points in q4, bounds in q5/q6. A block of fewer than four channels
/// is one group whose missing rows repeat the last one and whose store is predicated.
///
/// # Safety
/// `ctx` as built by `conv::in_place`: the table holding at least one group, offsets
/// below 256; for each pixel, every lane the masks (or, without `MASKED`, every lane of
/// the `k` bytes) select readable at its base; `out` valid for `4 * groups` writes at
/// each pixel, or the lanes of a smaller block.
#[inline(never)]
pub unsafe fn conv_in_place<const MASKED: bool, const TABLE: bool>(
    ctx: &[i32; IN_PLACE_CTX],
    src: *const i8,
    out: *mut i8,
    count: usize,
) {
    let small = ctx[6] < 4;
    // SAFETY: reads the windows' selected lanes, the filter rows, table and context,
    // writes 4 bytes of `out` per group and pixel (predicated to the block's lanes when
    // smaller); all in bounds by the contract.
    unsafe {
        match (MASKED, small, TABLE) {
            (false, false, false) => in_place_asm!(
                ctx.as_ptr(),
                src,
                out,
                count,
                [],
                [],
                ["vldrb.u8 q0, [r1, q3]"],
                ["vmov lr, s29", "add r9, r3, lr", "add r10, r9, lr", "add r12, r10, lr"],
                ["vstrb.32 q0, [r5], #4"],
                ["vmov r5, s30"],
                [],
                ["add r1, r1, r5"]
            ),
            (false, false, true) => in_place_asm!(
                ctx.as_ptr(),
                src,
                out,
                count,
                [],
                [],
                ["vldrb.u8 q0, [r1, q3]"],
                ["vmov lr, s29", "add r9, r3, lr", "add r10, r9, lr", "add r12, r10, lr"],
                ["vstrb.32 q0, [r5], #4"],
                ["ldr r5, [sp, #12]", "add r5, r5, #128"],
                ["vldrb.u8 q3, [r5], #16"],
                []
            ),
            (false, true, false) => in_place_asm!(
                ctx.as_ptr(),
                src,
                out,
                count,
                [],
                [],
                ["vldrb.u8 q0, [r1, q3]"],
                [
                    "ldr lr, [sp, #4]",
                    "ldrd r9, r10, [lr, #52]",
                    "ldr r12, [lr, #60]",
                    "add r9, r3, r9",
                    "add r10, r9, r10",
                    "add r12, r10, r12"
                ],
                ["ldr r0, [r4, #24]", "vctp.32 r0", "vpst", "vstrbt.32 q0, [r5], #4"],
                ["vmov r5, s30"],
                [],
                ["add r1, r1, r5"]
            ),
            (false, true, true) => in_place_asm!(
                ctx.as_ptr(),
                src,
                out,
                count,
                [],
                [],
                ["vldrb.u8 q0, [r1, q3]"],
                [
                    "ldr lr, [sp, #4]",
                    "ldrd r9, r10, [lr, #52]",
                    "ldr r12, [lr, #60]",
                    "add r9, r3, r9",
                    "add r10, r9, r10",
                    "add r12, r10, r12"
                ],
                ["ldr r0, [r4, #24]", "vctp.32 r0", "vpst", "vstrbt.32 q0, [r5], #4"],
                ["ldr r5, [sp, #12]", "add r5, r5, #128"],
                ["vldrb.u8 q3, [r5], #16"],
                []
            ),
            (true, false, false) => in_place_asm!(
                ctx.as_ptr(),
                src,
                out,
                count,
                ["ldr r3, [r1, #36]", "vdup.8 q4, r3"],
                ["ldr r11, [sp, #12]", "add r11, r11, #64"],
                ["vldr p0, [r11], #4", "vpst", "vldrbt.u8 q0, [r1, q3]", "vpsel q0, q0, q4"],
                ["vmov lr, s29", "add r9, r3, lr", "add r10, r9, lr", "add r12, r10, lr"],
                ["vstrb.32 q0, [r5], #4"],
                ["vmov r5, s30"],
                [],
                ["add r1, r1, r5"]
            ),
            (true, false, true) => in_place_asm!(
                ctx.as_ptr(),
                src,
                out,
                count,
                ["ldr r3, [r1, #36]", "vdup.8 q4, r3"],
                ["ldr r11, [sp, #12]", "add r11, r11, #64"],
                ["vldr p0, [r11], #4", "vpst", "vldrbt.u8 q0, [r1, q3]", "vpsel q0, q0, q4"],
                ["vmov lr, s29", "add r9, r3, lr", "add r10, r9, lr", "add r12, r10, lr"],
                ["vstrb.32 q0, [r5], #4"],
                ["ldr r5, [sp, #12]", "add r5, r5, #128"],
                ["vldrb.u8 q3, [r5], #16"],
                []
            ),
            (true, true, false) => in_place_asm!(
                ctx.as_ptr(),
                src,
                out,
                count,
                ["ldr r3, [r1, #36]", "vdup.8 q4, r3"],
                ["ldr r11, [sp, #12]", "add r11, r11, #64"],
                ["vldr p0, [r11], #4", "vpst", "vldrbt.u8 q0, [r1, q3]", "vpsel q0, q0, q4"],
                [
                    "ldr lr, [sp, #4]",
                    "ldrd r9, r10, [lr, #52]",
                    "ldr r12, [lr, #60]",
                    "add r9, r3, r9",
                    "add r10, r9, r10",
                    "add r12, r10, r12"
                ],
                ["ldr r0, [r4, #24]", "vctp.32 r0", "vpst", "vstrbt.32 q0, [r5], #4"],
                ["vmov r5, s30"],
                [],
                ["add r1, r1, r5"]
            ),
            (true, true, true) => in_place_asm!(
                ctx.as_ptr(),
                src,
                out,
                count,
                ["ldr r3, [r1, #36]", "vdup.8 q4, r3"],
                ["ldr r11, [sp, #12]", "add r11, r11, #64"],
                ["vldr p0, [r11], #4", "vpst", "vldrbt.u8 q0, [r1, q3]", "vpsel q0, q0, q4"],
                [
                    "ldr lr, [sp, #4]",
                    "ldrd r9, r10, [lr, #52]",
                    "ldr r12, [lr, #60]",
                    "add r9, r3, r9",
                    "add r10, r9, r10",
                    "add r12, r10, r12"
                ],
                ["ldr r0, [r4, #24]", "vctp.32 r0", "vpst", "vstrbt.32 q0, [r5], #4"],
                ["ldr r5, [sp, #12]", "add r5, r5, #128"],
                ["vldrb.u8 q3, [r5], #16"],
                []
            ),
        }
    }
}

/// The routine of [`conv_runs`], arguments as in `in_place_asm`, `$load` loading a piece
/// of a row from r1 (post-incremented).
macro_rules! runs_asm {
    ($ctx:expr, $src:expr, $out:expr, $count:expr, [$($setup:literal),*], [$($mask:literal),*],
     [$($load:literal),*], [$($rows:literal),*], [$($store:literal),*]) => {
        core::arch::asm!(
            "ldrd r3, r4, [r1]",
            "vdup.32 q5, r3",
            "vdup.32 q6, r4",
            // Table end, k, the window's step from a row's end to the next row, the
            // filter rows' step back after a row.
            "vldrw.u32 q7, [r1, #8]",
            $($setup,)*
            "push {{r0, r1, r2, r3}}",
            "19:",
            "ldr r11, [r1, #28]",
            "ldr r3, [r1, #32]",
            "4:",
            "ldm r11!, {{r0, r2, r4, r8}}",
            $($rows,)*
            "push {{r5, r11}}",
            "ldr r1, [sp, #8]",
            "ldr r11, [sp, #12]",
            "ldr r5, [r11, #40]",
            $($mask,)*
            "20:",
            "ldr lr, [sp, #12]",
            "ldr lr, [lr, #196]",
            "dlstp.8 lr, lr",
            "5:",
            $($load,)*
            "vldrb.8 q1, [r3], #16",
            "vmladava.s8 r0, q0, q1",
            "vldrb.8 q2, [r9], #16",
            "vmladava.s8 r2, q0, q2",
            "vldrb.8 q1, [r10], #16",
            "vmladava.s8 r4, q0, q1",
            "vldrb.8 q2, [r12], #16",
            "vmladava.s8 r8, q0, q2",
            "letp lr, 5b",
            "vmov lr, s31",
            "add r3, r3, lr",
            "add r9, r9, lr",
            "add r10, r10, lr",
            "add r12, r12, lr",
            "vmov lr, s30",
            "add r1, r1, lr",
            "subs r5, r5, #1",
            "bne 20b",
            "pop {{r5, r11}}",
            "mov r3, r12",
            "vmov q0[2], q0[0], r0, r4",
            "vmov q0[3], q0[1], r2, r8",
            "vldrw.u32 q1, [r11], #16",
            "vshl.s32 q0, q0, q1",
            "vldrw.u32 q1, [r11], #16",
            "vqrdmulh.s32 q0, q0, q1",
            "vldrw.u32 q1, [r11], #16",
            "vand q2, q0, q1",
            "vshr.s32 q2, q2, #31",
            "vqadd.s32 q0, q0, q2",
            "vrshl.s32 q0, q0, q1",
            "ldr r4, [sp, #4]",
            "ldr r0, [r4, #48]",
            "vadd.i32 q0, q0, r0",
            "vmax.s32 q0, q0, q5",
            "vmin.s32 q0, q0, q6",
            $($store,)*
            "vmov lr, s28",
            "cmp r11, lr",
            "bne 4b",
            "ldrd r0, r1, [sp]",
            "ldr r2, [sp, #8]",
            "subs r2, r2, #1",
            "beq 13f",
            "str r2, [sp, #8]",
            "ldr r3, [r1, #44]",
            "ldr r4, [r1, #192]",
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

/// [`conv_in_place`] for a window whose rows are contiguous runs of any length `len`
/// (`rows` of them, `row_stride` apart): per group, per row, a tail-predicated loop over
/// its pieces of 16 bytes (one load, four weight loads and four `vmladava.s8` each), then
/// the window and the filter rows move to the next row. With `MASKED`, each piece's load
/// is predicated by its mask (row by row, `ceil(len / 16)` masks a row) and the other
/// lanes are the zero point.
///
/// # Safety
/// As [`conv_in_place`], the masks covering `rows * ceil(len / 16)` pieces.
#[inline(never)]
pub unsafe fn conv_runs<const MASKED: bool>(ctx: &[i32; IN_PLACE_CTX], src: *const i8, out: *mut i8, count: usize) {
    let small = ctx[6] < 4;
    // SAFETY: as in `conv_in_place`.
    unsafe {
        match (MASKED, small) {
            (false, false) => runs_asm!(
                ctx.as_ptr(),
                src,
                out,
                count,
                [],
                [],
                ["vldrb.u8 q0, [r1], #16"],
                ["vmov lr, s29", "add r9, r3, lr", "add r10, r9, lr", "add r12, r10, lr"],
                ["vstrb.32 q0, [r5], #4"]
            ),
            (true, false) => runs_asm!(
                ctx.as_ptr(),
                src,
                out,
                count,
                ["ldr r3, [r1, #36]", "vdup.8 q4, r3"],
                ["add r11, r11, #64"],
                ["vldr p0, [r11], #4", "vpst", "vldrbt.u8 q0, [r1], #16", "vpsel q0, q0, q4"],
                ["vmov lr, s29", "add r9, r3, lr", "add r10, r9, lr", "add r12, r10, lr"],
                ["vstrb.32 q0, [r5], #4"]
            ),
            (false, true) => runs_asm!(
                ctx.as_ptr(),
                src,
                out,
                count,
                [],
                [],
                ["vldrb.u8 q0, [r1], #16"],
                [
                    "ldr lr, [sp, #4]",
                    "ldrd r9, r10, [lr, #52]",
                    "ldr r12, [lr, #60]",
                    "add r9, r3, r9",
                    "add r10, r9, r10",
                    "add r12, r10, r12"
                ],
                ["ldr r0, [r4, #24]", "vctp.32 r0", "vpst", "vstrbt.32 q0, [r5], #4"]
            ),
            (true, true) => runs_asm!(
                ctx.as_ptr(),
                src,
                out,
                count,
                ["ldr r3, [r1, #36]", "vdup.8 q4, r3"],
                ["add r11, r11, #64"],
                ["vldr p0, [r11], #4", "vpst", "vldrbt.u8 q0, [r1], #16", "vpsel q0, q0, q4"],
                [
                    "ldr lr, [sp, #4]",
                    "ldrd r9, r10, [lr, #52]",
                    "ldr r12, [lr, #60]",
                    "add r9, r3, r9",
                    "add r10, r9, r10",
                    "add r12, r10, r12"
                ],
                ["ldr r0, [r4, #24]", "vctp.32 r0", "vpst", "vstrbt.32 q0, [r5], #4"]
            ),
        }
    }
}

/// Adds to `acc` the products of one run of `len <= 16` bytes at `x` with the bytes of
/// four weight rows at `w`, `w + step[0]`, `w + step[0] + step[1]`, ...: the lanes of
/// `mask` (`P0`, bits `< len`) are read from `x`, the others count as `zero_point`.
///
/// # Safety
/// `x` readable at every lane of `mask`; each weight row readable for `len` bytes.
#[inline(always)]
pub unsafe fn dot4_run(acc: &mut [i32; 4], x: *const i8, w: [*const i8; 4], len: usize, mask: u32, zero_point: i8) {
    let [mut a0, mut a1, mut a2, mut a3] = *acc;
    // SAFETY: reads the lanes of `mask` at `x` and `len` bytes of each row, by the
    // contract; writes only registers.
    unsafe {
        core::arch::asm!(
            "vdup.8 q2, {zp}",
            "vmsr p0, {m}",
            "vpst",
            "vldrbt.u8 q0, [{x}]",
            "vpsel q0, q0, q2",
            "vctp.8 {len}",
            "vpstttt",
            "vldrbt.u8 q1, [{w0}]",
            "vldrbt.u8 q2, [{w1}]",
            "vldrbt.u8 q3, [{w2}]",
            "vldrbt.u8 q4, [{w3}]",
            "vmladava.s8 r0, q0, q1",
            "vmladava.s8 r2, q0, q2",
            "vmladava.s8 r4, q0, q3",
            "vmladava.s8 r8, q0, q4",
            zp = in(reg) zero_point as i32,
            m = in(reg) mask,
            x = in(reg) x,
            len = in(reg) len,
            w0 = in(reg) w[0],
            w1 = in(reg) w[1],
            w2 = in(reg) w[2],
            w3 = in(reg) w[3],
            // `vmladava` accumulates in even registers.
            inout("r0") a0,
            inout("r2") a1,
            inout("r4") a2,
            inout("r8") a3,
            out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
            out("d6") _, out("d7") _, out("d8") _, out("d9") _,
            options(nostack, readonly, preserves_flags),
        );
    }
    *acc = [a0, a1, a2, a3];
}
