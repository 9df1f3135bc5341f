//! Helium routine of the narrow-input convolution (`conv::narrow`): a run of output pixels
//! of one group of four channels whose windows lie in a band of at most 256 bytes, so
//! that one byte-gather (`vldrb.u8` with 8-bit offsets) collects 16 taps of a window,
//! whatever the stride, dilation and padding (the band holds the zero points). With 7 to
//! 64 taps per window the taps fill the vector lanes, where an im2col copy per filter row
//! and a block loop per pixel cost more than the products.

/// Words of the context [`conv_narrow_run`] reads, built per run by
/// `conv::narrow`: `[bias; 4], weights, offsets, chunks, output offset, pixel step,
/// output step, min, max, group`.
pub const NARROW_CTX: usize = 13;

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
/// products of its window (the bytes at `base + offsets[t]`, one 16-lane gather per 16
/// taps) with the group's repacked weights (`[chunk][row][16]`, zero past the taps, so
/// the lanes past the taps, which gather `base[0]`, add nothing), requantized in one
/// vector and stored as four bytes at `out`; then `base` moves by the pixel step and
/// `out` by the output step. One chunk (at most 16 taps): the offsets stay in q2 and the
/// weights are read at fixed offsets, 25 instructions per pixel.
///
/// # Safety
/// `ctx` as built by `conv::narrow`: offsets below 256 and readable in `16 * chunks`
/// bytes, weights readable in `64 * chunks`, the group pointer a `Group4`; every window of
/// the run readable from its base; `out` valid for 4 bytes at each of `n` output steps;
/// `n > 0`.
#[inline(never)]
pub unsafe fn conv_narrow_run(ctx: &[i32; NARROW_CTX], base: *const i8, out: *mut i8, n: usize) {
    // SAFETY: reads the windows, weights, offsets and group of the contract, writes four
    // bytes per pixel; nothing else.
    unsafe {
        if ctx[6] == 1 {
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
