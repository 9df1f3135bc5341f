//! Helium routine of the narrow-input convolution (`conv::narrow`): a row of output pixels
//! of all groups of four channels, each window read in place from the input in chunks of
//! at most 16 taps within 256 bytes of the chunk's base, so that one byte-gather
//! (`vldrb.u8` with 8-bit offsets) collects a chunk, whatever the stride and dilation. At
//! the image's borders the gathers are predicated by each chunk's mask (nothing outside
//! the input is read) and the lanes outside read the zero point (`vpsel`); the row's
//! border columns and inside run are segments of one call. With 7 to 64 taps per window
//! the taps fill the vector lanes, where an im2col copy per filter row and a block loop
//! per pixel cost more than the products. One to three chunks are unrolled (first layers
//! of 1 to 3 channels: 9 to 45 taps), more loop over the chunks.

/// Words of the context [`conv_narrow_row`] reads, built by `conv::narrow`: `[bias; 4],
/// weights, chunks' records (16 offsets, the base's step from the previous chunk's, first
/// tap and count), chunks, output offset, pixel step (less the last chunk's base), output
/// step, min, max, group, zero point`, two words the routine sets per masked segment: its
/// masks (a word per chunk: `P0` of its gather, bit 31 on the last) and their step back
/// after each pixel (none when each pixel has its own), then the zero point in each of 16
/// bytes (what a masked lane reads, `vpsel` from memory: the registers hold the
/// requantization's constants).
pub const NARROW_CTX: usize = 20;

use crate::kernels::packed::Group4;

/// The four products of a chunk (gathered in q0) with the group's four rows of weights
/// at r3, which moves past them.
macro_rules! products_from_r3 {
    () => {
        "vldrb.u8 q1, [r3], #16\nvmladava.s8 r0, q0, q1\nvldrb.u8 q1, [r3], #16\nvmladava.s8 r2, q0, q1\n\
         vldrb.u8 q1, [r3], #16\nvmladava.s8 r4, q0, q1\nvldrb.u8 q1, [r3], #16\nvmladava.s8 r8, q0, q1"
    };
}

/// [`products_from_r3`] of the one chunk: the weights at fixed offsets from r3.
macro_rules! products_at_r3 {
    () => {
        "vldrb.u8 q1, [r3]\nvmladava.s8 r0, q0, q1\nvldrb.u8 q1, [r3, #16]\nvmladava.s8 r2, q0, q1\n\
         vldrb.u8 q1, [r3, #32]\nvmladava.s8 r4, q0, q1\nvldrb.u8 q1, [r3, #48]\nvmladava.s8 r8, q0, q1"
    };
}

/// The requantized group (q0, the output offset added) clamped to the activation bounds
/// and stored as four bytes at r5.
macro_rules! clamp_and_store {
    () => {
        "vmax.s32 q0, q0, q6\nvmin.s32 q0, q0, q7\nvstrb.32 q0, [r5]"
    };
}

/// The end of a pixel with the steps read from the context: output offset, then
/// [`clamp_and_store`], then the window (r10) and the output (r5) moved by their steps.
macro_rules! store_then_step {
    () => {
        concat!(
            "ldr r9, [r1, #28]\nvadd.i32 q0, q0, r9\n",
            clamp_and_store!(),
            "\nldr r9, [r1, #32]\nadd r10, r10, r9\nldr r9, [r1, #36]\nadd r5, r5, r9"
        )
    };
}

/// The setup all variants share: the requantization constants of the group (`vshl`
/// left shifts in q3, multipliers in q4, right shifts in q5) and the activation bounds
/// (q6, q7), then the pixel loop count. The window's first byte (r10) and the output
/// (r5) come back moved past the `n` pixels, for the row's next segment.
macro_rules! narrow_asm {
    ($ctx:expr, $base:expr, $out:expr, $n:expr, [$($setup:expr),*], [$($mac:expr),*], [$($step:expr),*]) => {
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
            inout("r10") $base,
            inout("r5") $out,
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

/// The output pixels of a row's `segments` (`(pixels, masks, their step back per
/// pixel)`, one after the other), each of the `groups` of four channels in turn (their
/// first channel `4 g`, the last group's `od - 4`): for each pixel, the four dot products
/// of its window (per chunk, the bytes at `chunk base + offsets[t]`, one 16-lane gather,
/// the base moving by the chunks' steps from the window's first byte `base`) with the
/// group's repacked weights (from `weights`, `[chunk][row][16]` per group, zero past the
/// chunk's taps, so the lanes past them, which gather the chunk base's byte or, masked,
/// the zero point, add nothing), requantized in one vector and stored as four bytes at
/// `out`; then `base` moves by the pixel step and `out` by the output step. A segment
/// with masks (null: none) predicates each chunk's gather by its word and the lanes out
/// of it read the zero point; the masks move on a word per chunk, less the step back
/// after each pixel (0: each pixel its own words, the border columns; `4 * chunks`: the
/// same for all, a row the top or bottom clips). With `flat`, every chunk's base is the
/// window's first byte (its steps are zero): not moved. One chunk, unmasked: the offsets
/// stay in q2 and the weights are read at fixed offsets, 25 instructions per pixel. One
/// call per row: its border pixels cost their masks' loads, not a call each.
///
/// # Safety
/// `ctx` as built by `conv::narrow`: offsets below 256 and the records readable for each
/// chunk, `weights` readable in `64 * chunks` per group; each masked segment's masks
/// readable (a word per chunk, per pixel unless stepped back), the last chunk's marked;
/// every lane of each window the masks select (every lane of the chunks' taps in an
/// unmasked segment) readable; `out` valid for the `od` bytes at each of the segments'
/// pixels' output steps, `od >= 4`.
#[inline(never)]
pub unsafe fn conv_narrow_row(
    ctx: &mut [i32; NARROW_CTX],
    base: *const i8,
    out: *mut i8,
    segments: &[(usize, *const i32, usize); 3],
    flat: bool,
    groups: &[Group4],
    weights: *const i32,
) {
    let (chunks, od) = (ctx[6] as usize, ctx[9] as usize);
    for (g, group) in groups.iter().enumerate() {
        ctx[..4].copy_from_slice(&group.bias);
        ctx[4] = weights.wrapping_add(16 * chunks * g) as i32;
        ctx[12] = group as *const Group4 as i32;
        let (mut base, mut out) = (base, out.wrapping_add((4 * g).min(od - 4)));
        for &(n, masks, back) in segments {
            if n == 0 {
                continue;
            }
            ctx[14] = masks as i32;
            ctx[15] = back as i32;
            // SAFETY: as the function's (one segment of one group).
            unsafe { segment(ctx, &mut base, &mut out, n, !masks.is_null(), flat) };
        }
    }
}

/// One segment of [`conv_narrow_row`]: `n > 0` pixels from `*base` to `*out`, both moved
/// past them.
///
/// # Safety
/// As [`conv_narrow_row`]'s, for the segment whose masks and step back are `ctx[14..16]`.
#[inline(always)]
unsafe fn segment(
    ctx: &[i32; NARROW_CTX],
    window: &mut *const i8,
    output: &mut *mut i8,
    n: usize,
    masked: bool,
    flat: bool,
) {
    let (mut base, mut outp) = (*window, *output);
    // SAFETY: reads the windows, weights, records and group of the contract, writes four
    // bytes per pixel; nothing else.
    unsafe {
        if masked && ctx[6] == 1 {
            // One chunk, masked: its offsets stay in q2, its weights at fixed offsets.
            narrow_asm!(
                ctx.as_ptr(),
                base,
                outp,
                n,
                ["ldr r12, [r1, #56]", "ldrd r3, r11, [r1, #16]", "vldrb.u8 q2, [r11]"],
                [
                    "ldr r9, [r12], #4",
                    "vmsr p0, r9",
                    "vpst",
                    "vldrbt.u8 q0, [r10, q2]",
                    // The lanes out of the image read the zero points.
                    "vldrw.u32 q1, [r1, #64]",
                    "vpsel q0, q0, q1",
                    products_at_r3!(),
                    // The masks of the next pixel (the same one: back by a word).
                    "ldr r9, [r1, #60]",
                    "sub r12, r12, r9"
                ],
                [store_then_step!()]
            );
        } else if masked {
            narrow_asm!(
                ctx.as_ptr(),
                base,
                outp,
                n,
                ["ldr r12, [r1, #56]"],
                [
                    "ldrd r3, r11, [r1, #16]",
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
                    // The lanes out of the image read the zero points.
                    "vldrw.u32 q1, [r1, #64]",
                    "vpsel q0, q0, q1",
                    products_from_r3!(),
                    "bpl 9b",
                    // The masks of the next pixel (the same ones: back by the chunks').
                    "ldr r9, [r1, #60]",
                    "sub r12, r12, r9"
                ],
                [store_then_step!()]
            );
        } else if ctx[6] == 1 {
            narrow_asm!(
                ctx.as_ptr(),
                base,
                outp,
                n,
                ["ldrd r3, r11, [r1, #16]", "vldrb.u8 q2, [r11]", "ldrd r9, r11, [r1, #32]", "ldr r12, [r1, #28]"],
                ["vldrb.u8 q0, [r10, q2]", products_at_r3!()],
                ["vadd.i32 q0, q0, r12", clamp_and_store!(), "add r10, r10, r9", "add r5, r5, r11"]
            );
        } else if ctx[6] == 2 {
            // Two chunks unrolled: the second's base step stays in r12.
            narrow_asm!(
                ctx.as_ptr(),
                base,
                outp,
                n,
                ["ldr r11, [r1, #20]", "ldr r12, [r11, #40]"],
                [
                    "ldr r3, [r1, #16]",
                    "vldrb.u8 q2, [r11]",
                    "vldrb.u8 q0, [r10, q2]",
                    products_from_r3!(),
                    "vldrb.u8 q2, [r11, #24]",
                    "add r10, r10, r12",
                    "vldrb.u8 q0, [r10, q2]",
                    products_from_r3!()
                ],
                [store_then_step!()]
            );
        } else if ctx[6] == 3 {
            // Three chunks unrolled (VWW's first layer: a chunk per filter row).
            narrow_asm!(
                ctx.as_ptr(),
                base,
                outp,
                n,
                ["ldr r11, [r1, #20]", "ldr r12, [r11, #40]"],
                [
                    "ldr r3, [r1, #16]",
                    "vldrb.u8 q2, [r11]",
                    "vldrb.u8 q0, [r10, q2]",
                    products_from_r3!(),
                    "vldrb.u8 q2, [r11, #24]",
                    "add r10, r10, r12",
                    "vldrb.u8 q0, [r10, q2]",
                    products_from_r3!(),
                    "vldrb.u8 q2, [r11, #48]",
                    "ldr r9, [r11, #64]",
                    "add r10, r10, r9",
                    "vldrb.u8 q0, [r10, q2]",
                    products_from_r3!()
                ],
                [store_then_step!()]
            );
        } else if flat {
            narrow_asm!(
                ctx.as_ptr(),
                base,
                outp,
                n,
                [],
                [
                    "ldrd r3, r11, [r1, #16]",
                    "ldr r12, [r1, #24]",
                    "9:",
                    "vldrb.u8 q2, [r11], #24",
                    "vldrb.u8 q0, [r10, q2]",
                    products_from_r3!(),
                    "subs r12, r12, #1",
                    "bne 9b"
                ],
                [
                    "ldr r3, [r1, #28]",
                    "vadd.i32 q0, q0, r3",
                    clamp_and_store!(),
                    "ldrd r3, r11, [r1, #32]",
                    "add r10, r10, r3",
                    "add r5, r5, r11"
                ]
            );
        } else {
            narrow_asm!(
                ctx.as_ptr(),
                base,
                outp,
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
                    products_from_r3!(),
                    "subs r12, r12, #1",
                    "bne 9b"
                ],
                [
                    "ldr r3, [r1, #28]",
                    "vadd.i32 q0, q0, r3",
                    clamp_and_store!(),
                    "ldrd r3, r11, [r1, #32]",
                    "add r10, r10, r3",
                    "add r5, r5, r11"
                ]
            );
        }
    }
    (*window, *output) = (base, outp);
}
