//! Helium routine of the narrow-input convolution (`conv::narrow`): a run of output pixels
//! of one group of four channels, each window read in place from the input in chunks of
//! at most 16 taps within 256 bytes of the chunk's base, so that one byte-gather
//! (`vldrb.u8` with 8-bit offsets) collects a chunk, whatever the stride and dilation. At
//! the image's borders the gathers are predicated by each chunk's mask (nothing outside
//! the input is read) and the lanes outside read the zero point (`vpsel`). With 7 to 64
//! taps per window the taps fill the vector lanes, where an im2col copy per filter row
//! and a block loop per pixel cost more than the products.

/// Words of the context [`conv_narrow_run`] reads, built by `conv::narrow`: `[bias; 4],
/// weights, chunks' records (16 offsets, the base's step from the previous chunk's, first
/// tap and count), chunks, output offset, pixel step (less the last chunk's base), output
/// step, min, max, group, zero point, masks (8 words: `P0` of each chunk, bit 31 on the
/// last)`.
pub const NARROW_CTX: usize = 22;

/// The setup both variants share: the requantization constants of the group (`vshl`
/// left shifts in q3, multipliers in q4, right shifts in q5) and the activation bounds
/// (q6, q7), then the pixel loop count.
macro_rules! narrow_asm {
    ($ctx:expr, $base:expr, $out:expr, $n:expr, [$($setup:literal),*], [$($mac:literal),*], [$($step:literal),*]) => {
        core::arch::asm!(
            "ldr r12, [r1, #48]",
            "vldrw.u32 q3, [r12, #16]",
            "vldrw.u32 q4, [r12, #32]",
            "vldrw.u32 q5, [r12, #48]",
            "ldrd r12, r9, [r1, #40]",
            "vdup.32 q6, r12",
            "vdup.32 q7, r9",
            $($setup,)*
            "dls lr, lr",
            "8:",
            // Accumulators start at the folded biases.
            "ldm r1, {{r0, r2, r4, r8}}",
            $($mac,)*
            // The first register goes to the lower lane.
            "vmov q0[2], q0[0], r0, r4",
            "vmov q0[3], q0[1], r2, r8",
            "vshl.s32 q0, q0, q3",
            "vqrdmulh.s32 q0, q0, q4",
            "vand q1, q0, q5",
            "vshr.s32 q1, q1, #31",
            "vqadd.s32 q0, q0, q1",
            "vrshl.s32 q0, q0, q5",
            $($step,)*
            "le lr, 8b",
            inout("r1") $ctx => _,
            inout("r10") $base => _,
            inout("r5") $out => _,
            inout("lr") $n => _,
            out("r0") _, out("r2") _, out("r3") _, out("r4") _, out("r8") _,
            out("r9") _, out("r11") _, out("r12") _,
            out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
            out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
            out("d12") _, out("d13") _, out("d14") _, out("d15") _,
            options(nostack),
        )
    };
}

/// `n` output pixels of one group of four channels: for each pixel, the four dot
/// products of its window (per chunk, the bytes at `chunk base + offsets[t]`, one 16-lane
/// gather, the base moving by the chunks' steps from the window's first byte `base`) with
/// the group's repacked weights (`[chunk][row][16]`, zero past the chunk's taps, so the
/// lanes past them, which gather the chunk base's byte or, masked, the zero point, add
/// nothing), requantized in one vector and stored as four bytes at `out`; then `base`
/// moves by the pixel step and `out` by the output step. With `masked`, each chunk's
/// gather is predicated by its mask and the lanes out of it read the zero point. With
/// `flat`, every chunk's base is the window's first byte (its steps are zero): not moved.
/// One chunk, unmasked: the offsets stay in q2 and the weights are read at fixed offsets,
/// 25 instructions per pixel.
///
/// # Safety
/// `ctx` as built by `conv::narrow`: offsets below 256 and the records readable for each
/// chunk, weights readable in `64 * chunks`, the group pointer a `Group4`, the masks' last
/// chunk marked; every lane of each window the masks select (every lane of the chunks'
/// taps without `masked`) readable; `out` valid for 4 bytes at each of `n` output steps;
/// `n > 0`.
#[inline(never)]
pub unsafe fn conv_narrow_run(
    ctx: &[i32; NARROW_CTX],
    base: *const i8,
    out: *mut i8,
    n: usize,
    masked: bool,
    flat: bool,
) {
    // SAFETY: reads the windows, weights, records and group of the contract, writes four
    // bytes per pixel; nothing else.
    unsafe {
        if masked {
            narrow_asm!(
                ctx.as_ptr(),
                base,
                out,
                n,
                [],
                [
                    "ldrd r3, r11, [r1, #16]",
                    "ldr r9, [r1, #52]",
                    "vdup.8 q3, r9",
                    "add r12, r1, #56",
                    "9:",
                    // The chunk's mask; its bit 31 (the last chunk) in the flags.
                    "ldr r9, [r12], #4",
                    "vmsr p0, r9",
                    "cmp r9, #0",
                    "vldrb.u8 q2, [r11], #16",
                    "ldr r9, [r11], #8",
                    "add r10, r10, r9",
                    "vpst",
                    "vldrbt.u8 q0, [r10, q2]",
                    "vpsel q0, q0, q3",
                    "vldrb.u8 q1, [r3], #16",
                    "vmladava.s8 r0, q0, q1",
                    "vldrb.u8 q1, [r3], #16",
                    "vmladava.s8 r2, q0, q1",
                    "vldrb.u8 q1, [r3], #16",
                    "vmladava.s8 r4, q0, q1",
                    "vldrb.u8 q1, [r3], #16",
                    "vmladava.s8 r8, q0, q1",
                    "bpl 9b",
                    // The shifts again, over the zero points.
                    "ldr r9, [r1, #48]",
                    "vldrw.u32 q3, [r9, #16]"
                ],
                [
                    "ldr r3, [r1, #28]",
                    "vadd.i32 q0, q0, r3",
                    "vmax.s32 q0, q0, q6",
                    "vmin.s32 q0, q0, q7",
                    "vstrb.32 q0, [r5]",
                    "ldrd r3, r11, [r1, #32]",
                    "add r10, r10, r3",
                    "add r5, r5, r11"
                ]
            );
        } else if ctx[6] == 1 {
            narrow_asm!(
                ctx.as_ptr(),
                base,
                out,
                n,
                ["ldrd r3, r11, [r1, #16]", "vldrb.u8 q2, [r11]", "ldrd r9, r11, [r1, #32]", "ldr r12, [r1, #28]"],
                [
                    "vldrb.u8 q0, [r10, q2]",
                    "vldrb.u8 q1, [r3]",
                    "vmladava.s8 r0, q0, q1",
                    "vldrb.u8 q1, [r3, #16]",
                    "vmladava.s8 r2, q0, q1",
                    "vldrb.u8 q1, [r3, #32]",
                    "vmladava.s8 r4, q0, q1",
                    "vldrb.u8 q1, [r3, #48]",
                    "vmladava.s8 r8, q0, q1"
                ],
                [
                    "vadd.i32 q0, q0, r12",
                    "vmax.s32 q0, q0, q6",
                    "vmin.s32 q0, q0, q7",
                    "vstrb.32 q0, [r5]",
                    "add r10, r10, r9",
                    "add r5, r5, r11"
                ]
            );
        } else if flat {
            narrow_asm!(
                ctx.as_ptr(),
                base,
                out,
                n,
                [],
                [
                    "ldrd r3, r11, [r1, #16]",
                    "ldr r12, [r1, #24]",
                    "9:",
                    "vldrb.u8 q2, [r11], #24",
                    "vldrb.u8 q0, [r10, q2]",
                    "vldrb.u8 q1, [r3], #16",
                    "vmladava.s8 r0, q0, q1",
                    "vldrb.u8 q1, [r3], #16",
                    "vmladava.s8 r2, q0, q1",
                    "vldrb.u8 q1, [r3], #16",
                    "vmladava.s8 r4, q0, q1",
                    "vldrb.u8 q1, [r3], #16",
                    "vmladava.s8 r8, q0, q1",
                    "subs r12, r12, #1",
                    "bne 9b"
                ],
                [
                    "ldr r3, [r1, #28]",
                    "vadd.i32 q0, q0, r3",
                    "vmax.s32 q0, q0, q6",
                    "vmin.s32 q0, q0, q7",
                    "vstrb.32 q0, [r5]",
                    "ldrd r3, r11, [r1, #32]",
                    "add r10, r10, r3",
                    "add r5, r5, r11"
                ]
            );
        } else {
            narrow_asm!(
                ctx.as_ptr(),
                base,
                out,
                n,
                [],
                [
                    "ldrd r3, r11, [r1, #16]",
                    "ldr r12, [r1, #24]",
                    "9:",
                    "vldrb.u8 q2, [r11], #16",
                    "ldr r9, [r11], #8",
                    "add r10, r10, r9",
                    "vldrb.u8 q0, [r10, q2]",
                    "vldrb.u8 q1, [r3], #16",
                    "vmladava.s8 r0, q0, q1",
                    "vldrb.u8 q1, [r3], #16",
                    "vmladava.s8 r2, q0, q1",
                    "vldrb.u8 q1, [r3], #16",
                    "vmladava.s8 r4, q0, q1",
                    "vldrb.u8 q1, [r3], #16",
                    "vmladava.s8 r8, q0, q1",
                    "subs r12, r12, #1",
                    "bne 9b"
                ],
                [
                    "ldr r3, [r1, #28]",
                    "vadd.i32 q0, q0, r3",
                    "vmax.s32 q0, q0, q6",
                    "vmin.s32 q0, q0, q7",
                    "vstrb.32 q0, [r5]",
                    "ldrd r3, r11, [r1, #32]",
                    "add r10, r10, r3",
                    "add r5, r5, r11"
                ]
            );
        }
    }
}
