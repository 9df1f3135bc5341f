//! Helium versions of the depthwise runs of `depthwise.rs` (same contracts): a whole run
//! of output pixels in one routine, so the per-pixel cost outside the taps is a few
//! loads from a context array instead of a call and a list of tap pointers per pixel.
//!
//! Per tap and eight channels: two widening loads (`vldrb.s16`), `vmullb.s16` and
//! `vmullt.s16` (the even and odd channels, the order of a `Group16`'s quads) and two
//! `vadd.i32`; tap pointers come from the offset list plus the pixel base. Fewer than
//! eight channels share the vectors between two pixels; loads and stores beyond the
//! channels are predicated off (`vctp.16`, `vpst`), so nothing outside the layer's
//! tensors is read or written.
//!
//! A pixel whose window crosses the border takes the same per-tap arithmetic with its
//! taps walked as a `Window` ([`window_walk`]: [`wide_window`], [`pair_window`],
//! [`tail_window`]): (input, weight) offset pairs read in place from the layer's list,
//! stretches of inside taps reading the input and of padded taps multiplying their
//! weights by the zero point in every lane, so no list of the pixel's is written.

use super::run::{ChannelConsts, Run, Tap, Window};
use super::OutQuant;
use crate::kernels::packed::Group16;

/// Requantizes accumulator `$acc` (four lanes) with the next three vectors of the table
/// at r4 (left shift, multiplier, right shift; post-incremented), as
/// `super::mve::requantize` does; q6/q7 hold the bounds, r12 the context (output offset
/// at byte 32). Clobbers q4, q5.
macro_rules! requant_inc {
    ($acc:literal) => {
        concat!(
            "vldrw.u32 q4, [r4], #16\n",
            "vshl.s32 ",
            $acc,
            ", ",
            $acc,
            ", q4\n",
            "vldrw.u32 q4, [r4], #16\n",
            "vqrdmulh.s32 ",
            $acc,
            ", ",
            $acc,
            ", q4\n",
            "vldrw.u32 q4, [r4], #16\n",
            "vand q5, ",
            $acc,
            ", q4\n",
            "vshr.s32 q5, q5, #31\n",
            "vqadd.s32 ",
            $acc,
            ", ",
            $acc,
            ", q5\n",
            "vrshl.s32 ",
            $acc,
            ", ",
            $acc,
            ", q4\n",
            "vldrw.u32 q4, [r12, #32]\n",
            "vadd.i32 ",
            $acc,
            ", ",
            $acc,
            ", q4\n",
            "vmax.s32 ",
            $acc,
            ", ",
            $acc,
            ", q6\n",
            "vmin.s32 ",
            $acc,
            ", ",
            $acc,
            ", q7\n",
        )
    };
}

/// [`requant_inc`] with the three vectors at fixed byte offsets from `$base` (a quad of
/// the constants of a narrow group, which the two halves may share).
macro_rules! requant_at {
    ($acc:literal, $base:literal, $left:literal, $mult:literal, $right:literal) => {
        concat!(
            "vldrw.u32 q4, [",
            $base,
            ", #",
            $left,
            "]\n",
            "vshl.s32 ",
            $acc,
            ", ",
            $acc,
            ", q4\n",
            "vldrw.u32 q4, [",
            $base,
            ", #",
            $mult,
            "]\n",
            "vqrdmulh.s32 ",
            $acc,
            ", ",
            $acc,
            ", q4\n",
            "vldrw.u32 q4, [",
            $base,
            ", #",
            $right,
            "]\n",
            "vand q5, ",
            $acc,
            ", q4\n",
            "vshr.s32 q5, q5, #31\n",
            "vqadd.s32 ",
            $acc,
            ", ",
            $acc,
            ", q5\n",
            "vrshl.s32 ",
            $acc,
            ", ",
            $acc,
            ", q4\n",
            "vldrw.u32 q4, [r12, #32]\n",
            "vadd.i32 ",
            $acc,
            ", ",
            $acc,
            ", q4\n",
            "vmax.s32 ",
            $acc,
            ", ",
            $acc,
            ", q6\n",
            "vmin.s32 ",
            $acc,
            ", ",
            $acc,
            ", q7\n",
        )
    };
}

/// One tap of [`wide`] (sixteen channels, weights at r2): `$x1` and `$x2` load the two
/// halves' inputs into q4 (widened to i16); both empty for a padded tap of
/// [`window_walk`], whose q4 holds the zero points.
macro_rules! wide_tap {
    ($x1:expr, $x2:expr) => {
        concat!(
            $x1,
            "\n",
            "vldrb.s16 q5, [r2]\n",
            "vmullb.s16 q6, q4, q5\n",
            "vadd.i32 q0, q0, q6\n",
            "vmullt.s16 q6, q4, q5\n",
            "vadd.i32 q1, q1, q6\n",
            $x2,
            "\n",
            "vldrb.s16 q5, [r2, #8]\n",
            "vmullb.s16 q6, q4, q5\n",
            "vadd.i32 q2, q2, q6\n",
            "vmullt.s16 q6, q4, q5\n",
            "vadd.i32 q3, q3, q6\n",
        )
    };
}

/// The taps of a run's pixel from its list of offsets (r0, r9 entries; r1 the tap's
/// input from the base r3, r2 its weights stepping by r8), each `$tap`.
macro_rules! list_taps {
    ($tap:expr) => {
        concat!(
            "dls lr, r9\n",
            "3:\n",
            "ldr r1, [r0], #4\n",
            "add r1, r1, r3\n",
            $tap,
            "add r2, r2, r8\n",
            "le lr, 3b\n",
            "sub r0, r0, r9, lsl #2\n",
        )
    };
}

/// The word of a window routine's context where [`window_words`] start (byte 96).
const WINDOW_CTX: usize = 24;

/// The taps of a border pixel walked as its [`Window`] (`window_words` at byte 96 of the
/// context r12): each pair loaded from the layer's list (r0), its weights at `$w` plus
/// the pair's offset; an inside tap (`$inside`) reads the input at the group's base r3
/// plus the pair's offset (r1), a padded one (`$padded`) the zero point (r9), set in
/// every lane of q4 before each padded stretch. The stretches' `wls`/`le` loops skip an empty
/// one; the rows' count is kept in the context.
macro_rules! window_walk {
    ($w:literal, $inside:expr, $padded:expr) => {
        concat!(
            "ldr r0, [r12, #96]\n",
            "ldr lr, [r12, #100]\n",
            "vdup.16 q4, r9\n",
            "wls lr, lr, 14f\n",
            "15:\n",
            "ldrd r1, r2, [r0], #8\n",
            "add r2, r2, ",
            $w,
            "\n",
            $padded,
            "le lr, 15b\n",
            "14:\n",
            "ldr lr, [r12, #104]\n",
            "str lr, [r12, #120]\n",
            "16:\n",
            "ldr lr, [r12, #108]\n",
            "wls lr, lr, 17f\n",
            "18:\n",
            "ldrd r1, r2, [r0], #8\n",
            "add r1, r1, r3\n",
            "add r2, r2, ",
            $w,
            "\n",
            $inside,
            "le lr, 18b\n",
            "17:\n",
            "vdup.16 q4, r9\n",
            "ldr lr, [r12, #120]\n",
            "subs lr, lr, #1\n",
            "str lr, [r12, #120]\n",
            "ite ne\n",
            "ldrne lr, [r12, #112]\n",
            "ldreq lr, [r12, #116]\n",
            "wls lr, lr, 19f\n",
            "20:\n",
            "ldrd r1, r2, [r0], #8\n",
            "add r2, r2, ",
            $w,
            "\n",
            $padded,
            "le lr, 20b\n",
            "19:\n",
            "ldr lr, [r12, #120]\n",
            "cmp lr, #0\n",
            "bne 16b\n",
        )
    };
}

/// The input zero point of `win`, which [`window_walk`] reads in r9.
fn zero_point(win: &Window) -> i32 {
    // SAFETY: `win.zp` points at the layer's zero points (the window's contract).
    i32::from(unsafe { *win.zp })
}

/// `win`'s fields as the words [`window_walk`] reads (and a word for the rows left).
fn window_words(win: &Window) -> [i32; 7] {
    [win.taps as i32, win.first as i32, win.rows as i32, win.inside as i32, win.between as i32, win.after as i32, 0]
}

/// The loop of [`wide`]: `$taps` walks a pixel's taps (each a [`wide_tap`]), `$advance`
/// moves r3 to the next group's inputs, `$reload` runs before each group's taps
/// (restoring the gather offsets in q7, which the requantization uses).
macro_rules! wide_loop {
    ($ctx:expr, [$r0:expr, $r9:expr], $out:expr, $wstride:expr, $taps:expr, $advance:literal, $reload:literal) => {
        core::arch::asm!(
            "1:",
            "ldr r3, [r12, #48]",
            "ldr r10, [r12, #52]",
            "ldr r11, [r12, #56]",
            "ldr r4, [r12, #60]",
            "2:",
            "vldrw.u32 q0, [r4], #16",
            "vldrw.u32 q1, [r4], #16",
            "vldrw.u32 q2, [r4], #16",
            "vldrw.u32 q3, [r4], #16",
            $reload,
            $taps,
            "vldrw.u32 q6, [r12]",
            "vldrw.u32 q7, [r12, #16]",
            requant_inc!("q0"),
            requant_inc!("q1"),
            requant_inc!("q2"),
            requant_inc!("q3"),
            "vmovnb.i32 q4, q0",
            "vmovnt.i32 q4, q1",
            "vstrb.16 q4, [r5], #8",
            "vmovnb.i32 q4, q2",
            "vmovnt.i32 q4, q3",
            "vstrb.16 q4, [r5], #8",
            $advance,
            "add r10, r10, #16",
            "subs r11, r11, #1",
            "bne 2b",
            "ldr r1, [r12, #64]",
            "ldr r3, [r12, #48]",
            "add r3, r3, r1",
            "str r3, [r12, #48]",
            "ldr r1, [r12, #68]",
            "add r5, r5, r1",
            "ldr r1, [r12, #72]",
            "subs r1, r1, #1",
            "str r1, [r12, #72]",
            "bne 1b",
            inout("r0") $r0 => _,
            out("r1") _,
            out("r2") _,
            out("r3") _,
            out("r4") _,
            inout("r5") $out => _,
            in("r8") $wstride,
            in("r9") $r9,
            out("r10") _,
            out("r11") _,
            in("r12") $ctx,
            out("lr") _,
            out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
            out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
            out("d12") _, out("d13") _, out("d14") _, out("d15") _,
            options(nostack),
        )
    };
}

/// [`wide_loop`] for multiplier `$m`, its taps `$taps!(x1, x2)` of the multiplier's
/// input loads ([`list_wide`] or [`window_wide`]).
macro_rules! wide_m {
    ($m:expr, $ctx:expr, [$r0:expr, $r9:expr], $out:expr, $wstride:expr, $taps:ident) => {
        match $m {
            2 => wide_loop!(
                $ctx,
                [$r0, $r9],
                $out,
                $wstride,
                $taps!("vldrb.s16 q4, [r1, q7]", "add r1, r1, #4\nvldrb.s16 q4, [r1, q7]"),
                "add r3, r3, #8",
                "vldrw.u32 q7, [r12, #76]\nmov r2, r10"
            ),
            4 => wide_loop!(
                $ctx,
                [$r0, $r9],
                $out,
                $wstride,
                $taps!("vldrb.s16 q4, [r1, q7]", "add r1, r1, #2\nvldrb.s16 q4, [r1, q7]"),
                "add r3, r3, #4",
                "vldrw.u32 q7, [r12, #76]\nmov r2, r10"
            ),
            _ => wide_loop!(
                $ctx,
                [$r0, $r9],
                $out,
                $wstride,
                $taps!("vldrb.s16 q4, [r1]", "vldrb.s16 q4, [r1, #8]"),
                "add r3, r3, #16",
                "mov r2, r10"
            ),
        }
    };
}

/// A run's taps from its list ([`list_taps`]) for [`wide_m`].
macro_rules! list_wide {
    ($x1:expr, $x2:expr) => {
        list_taps!(wide_tap!($x1, $x2))
    };
}

/// A border pixel's taps ([`window_walk`]) for [`wide_m`]: weights from the group's
/// (r10).
macro_rules! window_wide {
    ($x1:expr, $x2:expr) => {
        window_walk!("r10", wide_tap!($x1, $x2), wide_tap!("", ""))
    };
}

/// `super::depthwise::depthwise_wide`. Per pixel and group: the biases into q0-q3, a
/// `dls`/`le` loop over the taps (16 instructions per tap and 16 channels), the
/// requantization, two narrowing stores. Registers: offsets r0, tap input r1 and weights
/// r2 (widening loads need low registers), group input base r3, table r4, output r5,
/// weight stride r8, taps r9, group weights r10, groups left r11, context r12 (bounds,
/// output offset, then the run's state: pixel base, weights, groups, table, steps,
/// pixels left, gather offsets).
///
/// With a depth multiplier `m` of 2 or 4, output channel `c` reads input channel
/// `c / m`: the inputs are gathered (`vldrb.s16` with the offsets `j / m` of the eight
/// lanes in q7), `8 / m` input channels per half; one more instruction per tap.
///
/// # Safety
/// As `super::depthwise::depthwise_wide`; `m` is 1, 2 or 4.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub unsafe fn wide(offs: &[i32], w: *const i8, wstride: usize, groups: &[Group16], q: OutQuant, m: usize, run: Run) {
    let mut ctx = wide_ctx(w, groups, q, m, run);
    let ctx = ctx.as_mut_ptr();
    // SAFETY: reads the taps, weights and table within the caller's bounds, writes
    // `16 * groups.len()` bytes per pixel, and the context array.
    unsafe { wide_m!(m, ctx, [offs.as_ptr(), offs.len()], run.out, wstride, list_wide) }
}

/// The context of [`wide`] (and [`wide_window`]'s first words): bounds, output offset,
/// the run's state, the gather offsets of multiplier `m`.
#[inline(always)]
fn wide_ctx(w: *const i8, groups: &[Group16], q: OutQuant, m: usize, run: Run) -> [i32; 23] {
    let n = 16 * groups.len() as isize;
    // The gather offsets `j / m` of the eight lanes, in pairs (multiplier 1 reads no
    // gather): constants, where dividing per call cost about 15 instructions, paid per
    // border pixel of a layer by rows.
    let pairs: [i32; 4] = match m {
        2 => [0, 1 | 1 << 16, 2 | 2 << 16, 3 | 3 << 16],
        4 => [0, 0, 1 | 1 << 16, 1 | 1 << 16],
        _ => [0; 4],
    };
    [
        q.min,
        q.min,
        q.min,
        q.min,
        q.max,
        q.max,
        q.max,
        q.max,
        q.offset,
        q.offset,
        q.offset,
        q.offset,
        run.x as i32,
        w as i32,
        groups.len() as i32,
        groups.as_ptr() as i32,
        run.xstep as i32,
        (run.ostep - n) as i32,
        run.npix as i32,
        pairs[0],
        pairs[1],
        pairs[2],
        pairs[3],
    ]
}

/// `super::depthwise::depthwise_wide_window`: [`wide`]'s loop for one pixel, its taps
/// walked as `win` ([`window_walk`]: r0 the layer's list, r9 the zero point; the
/// weight stride is not read).
///
/// # Safety
/// As `super::depthwise::depthwise_wide_window`; `m` is 1, 2 or 4.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub unsafe fn wide_window(
    win: &Window,
    w: *const i8,
    wstride: usize,
    groups: &[Group16],
    q: OutQuant,
    m: usize,
    x: *const i8,
    out: *mut i8,
) {
    let run = Run { x, xstep: 0, out, ostep: 16 * groups.len() as isize, npix: 1 };
    let mut ctx = [0i32; WINDOW_CTX + 7];
    ctx[..23].copy_from_slice(&wide_ctx(w, groups, q, m, run));
    ctx[WINDOW_CTX..].copy_from_slice(&window_words(win));
    let ctx = ctx.as_mut_ptr();
    // SAFETY: reads the window's inside taps, the zero points, the weights and table
    // within the caller's bounds, writes `16 * groups.len()` bytes, and the context.
    unsafe { wide_m!(m, ctx, [0, zero_point(win)], out, wstride, window_wide) }
}

/// `super::depthwise::depthwise_narrow` with up to eight channels: the low half of each
/// vector is a step's first pixel, the high half its second (at `x2`, reusing the tap's
/// weights), both halves requantized with the same two quads of the table (0 and 1, or
/// 2 and 3 with `high`); 18 instructions per tap and step. P0 (`vctp.16` of the
/// channels) predicates every load and store. Registers: offsets r0, tap input r1,
/// weights r2, step base r3, biases r4, output r5, weight stride r8, taps r9,
/// multipliers and shifts r10, second pixel's offset r11, context r12 (bounds, output
/// offset, weights, steps, steps left, second output's offset, r10's table).
///
/// # Safety
/// As `super::depthwise::depthwise_narrow`, `channels <= 8`.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn pair(
    offs: &[i32],
    w: *const i8,
    wstride: usize,
    group: &Group16,
    high: bool,
    q: OutQuant,
    channels: usize,
    [x2, o2]: [isize; 2],
    run: Run,
) {
    let h = usize::from(high);
    let bias = group.bias[8 * h..].as_ptr();
    let quant = group.quant[2 * h..].as_ptr();
    let mut ctx: [i32; 18] = [
        q.min,
        q.min,
        q.min,
        q.min,
        q.max,
        q.max,
        q.max,
        q.max,
        q.offset,
        q.offset,
        q.offset,
        q.offset,
        w as i32,
        run.xstep as i32,
        run.ostep as i32,
        run.npix as i32,
        o2 as i32,
        quant as i32,
    ];
    // SAFETY: reads the taps, weights and table within the caller's bounds (lanes past
    // `channels` predicated off), writes `channels` bytes per pixel, and the context.
    unsafe {
        core::arch::asm!(
            "vctp.16 r10",
            "ldr r10, [r12, #68]",
            "1:",
            "vldrw.u32 q0, [r4]",
            "vldrw.u32 q1, [r4, #16]",
            "vmov q2, q0",
            "vmov q3, q1",
            "ldr r2, [r12, #48]",
            "dls lr, r9",
            "3:",
            "ldr r1, [r0], #4",
            "add r1, r1, r3",
            "vpstt",
            "vldrbt.s16 q4, [r1]",
            "vldrbt.s16 q5, [r2]",
            "vmullb.s16 q6, q4, q5",
            "vadd.i32 q0, q0, q6",
            "vmullt.s16 q6, q4, q5",
            "vadd.i32 q1, q1, q6",
            "add r1, r1, r11",
            "vpst",
            "vldrbt.s16 q4, [r1]",
            "vmullb.s16 q6, q4, q5",
            "vadd.i32 q2, q2, q6",
            "vmullt.s16 q6, q4, q5",
            "vadd.i32 q3, q3, q6",
            "add r2, r2, r8",
            "le lr, 3b",
            "sub r0, r0, r9, lsl #2",
            "vldrw.u32 q6, [r12]",
            "vldrw.u32 q7, [r12, #16]",
            requant_at!("q0", "r10", "0", "16", "32"),
            requant_at!("q1", "r10", "48", "64", "80"),
            requant_at!("q2", "r10", "0", "16", "32"),
            requant_at!("q3", "r10", "48", "64", "80"),
            "vmovnb.i32 q4, q0",
            "vmovnt.i32 q4, q1",
            "vpst",
            "vstrbt.16 q4, [r5]",
            "ldr r1, [r12, #64]",
            "add r1, r1, r5",
            "vmovnb.i32 q4, q2",
            "vmovnt.i32 q4, q3",
            "vpst",
            "vstrbt.16 q4, [r1]",
            "ldr r1, [r12, #52]",
            "add r3, r3, r1",
            "ldr r1, [r12, #56]",
            "add r5, r5, r1",
            "ldr r1, [r12, #60]",
            "subs r1, r1, #1",
            "str r1, [r12, #60]",
            "bne 1b",
            inout("r0") offs.as_ptr() => _,
            out("r1") _,
            out("r2") _,
            inout("r3") run.x => _,
            in("r4") bias,
            inout("r5") run.out => _,
            in("r8") wstride,
            in("r9") offs.len(),
            inout("r10") channels => _,
            in("r11") x2,
            in("r12") ctx.as_mut_ptr(),
            out("lr") _,
            out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
            out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
            out("d12") _, out("d13") _, out("d14") _, out("d15") _,
            options(nostack),
        );
    }
}

/// The end of a pixel of [`tail`] and [`tail_window`]: the four accumulators (q0-q3, 9
/// to 15 channels) requantized with the group's constants at r4 and the bounds and
/// offset at r12, narrowed and stored at r5, the last 1-7 channels predicated by P0.
macro_rules! tail_store {
    () => {
        concat!(
            "vldrw.u32 q6, [r12]\n",
            "vldrw.u32 q7, [r12, #16]\n",
            requant_at!("q0", "r4", "64", "80", "96"),
            requant_at!("q1", "r4", "112", "128", "144"),
            requant_at!("q2", "r4", "160", "176", "192"),
            requant_at!("q3", "r4", "208", "224", "240"),
            "vmovnb.i32 q4, q0\n",
            "vmovnt.i32 q4, q1\n",
            "vstrb.16 q4, [r5]\n",
            "vmovnb.i32 q4, q2\n",
            "vmovnt.i32 q4, q3\n",
            "vpst\n",
            "vstrbt.16 q4, [r5, #8]"
        )
    };
}

/// `super::depthwise::depthwise_narrow` with nine to fifteen channels: one pixel per
/// step, the high half of the vectors predicated (P0, `vctp.16` of `channels - 8`);
/// 17 instructions per tap. Registers as in [`pair`] (no second pixel).
///
/// # Safety
/// As `super::depthwise::depthwise_narrow`, `9 <= channels < 16`.
#[inline(never)]
unsafe fn tail(offs: &[i32], w: *const i8, wstride: usize, group: &Group16, q: OutQuant, channels: usize, run: Run) {
    let mut ctx: [i32; 16] = [
        q.min,
        q.min,
        q.min,
        q.min,
        q.max,
        q.max,
        q.max,
        q.max,
        q.offset,
        q.offset,
        q.offset,
        q.offset,
        w as i32,
        run.xstep as i32,
        run.ostep as i32,
        run.npix as i32,
    ];
    // SAFETY: as in `pair`.
    unsafe {
        core::arch::asm!(
            "vctp.16 r10",
            "1:",
            "vldrw.u32 q0, [r4]",
            "vldrw.u32 q1, [r4, #16]",
            "vldrw.u32 q2, [r4, #32]",
            "vldrw.u32 q3, [r4, #48]",
            "ldr r2, [r12, #48]",
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
            "vpstt",
            "vldrbt.s16 q4, [r1, #8]",
            "vldrbt.s16 q5, [r2, #8]",
            "vmullb.s16 q6, q4, q5",
            "vadd.i32 q2, q2, q6",
            "vmullt.s16 q6, q4, q5",
            "vadd.i32 q3, q3, q6",
            "add r2, r2, r8",
            "le lr, 3b",
            "sub r0, r0, r9, lsl #2",
            tail_store!(),
            "ldr r1, [r12, #52]",
            "add r3, r3, r1",
            "ldr r1, [r12, #56]",
            "add r5, r5, r1",
            "ldr r1, [r12, #60]",
            "subs r1, r1, #1",
            "str r1, [r12, #60]",
            "bne 1b",
            inout("r0") offs.as_ptr() => _,
            out("r1") _,
            out("r2") _,
            inout("r3") run.x => _,
            in("r4") group as *const Group16,
            inout("r5") run.out => _,
            in("r8") wstride,
            in("r9") offs.len(),
            in("r10") channels - 8,
            in("r12") ctx.as_mut_ptr(),
            out("lr") _,
            out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
            out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
            out("d12") _, out("d13") _, out("d14") _, out("d15") _,
            options(nostack),
        );
    }
}

/// `super::depthwise::depthwise_narrow`: [`pair`] or [`tail`] by the channel count.
///
/// # Safety
/// As `super::depthwise::depthwise_narrow`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub unsafe fn narrow(
    offs: &[i32],
    w: *const i8,
    wstride: usize,
    group: &Group16,
    q: OutQuant,
    channels: usize,
    high: bool,
    halves: [isize; 2],
    run: Run,
) {
    // SAFETY: the caller's contract.
    unsafe {
        if channels <= 8 {
            pair(offs, w, wstride, group, high, q, channels, halves, run)
        } else {
            tail(offs, w, wstride, group, q, channels, run)
        }
    }
}

/// The context of [`pair_window`] and [`tail_window`]: bounds, output offset, weights,
/// the second half's multipliers and shifts (word 17), the window.
fn narrow_window_ctx(win: &Window, w: *const i8, quant: *const i32, q: OutQuant) -> [i32; WINDOW_CTX + 7] {
    let mut ctx = [0i32; WINDOW_CTX + 7];
    ctx[..4].fill(q.min);
    ctx[4..8].fill(q.max);
    ctx[8..12].fill(q.offset);
    ctx[12] = w as i32;
    ctx[17] = quant as i32;
    ctx[WINDOW_CTX..].copy_from_slice(&window_words(win));
    ctx
}

/// One tap of [`pair_window`] (the channels of the low halves, predicated by P0): `$x`
/// loads its inputs into q4, empty for a padded tap.
macro_rules! pair_tap {
    ($pst:literal, $x:literal) => {
        concat!(
            $pst,
            "\n",
            $x,
            "\n",
            "vldrbt.s16 q5, [r2]\n",
            "vmullb.s16 q6, q4, q5\n",
            "vadd.i32 q0, q0, q6\n",
            "vmullt.s16 q6, q4, q5\n",
            "vadd.i32 q1, q1, q6\n",
        )
    };
}

/// `super::depthwise::depthwise_narrow_window` with up to eight channels: [`pair`]'s
/// first half for one pixel, its taps walked as `win` ([`window_walk`], weights from
/// r11); 9 instructions per inside tap, 8 per padded one.
///
/// # Safety
/// As `super::depthwise::depthwise_narrow_window`, `channels <= 8`.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn pair_window(
    win: &Window,
    w: *const i8,
    group: &Group16,
    high: bool,
    q: OutQuant,
    channels: usize,
    x: *const i8,
    out: *mut i8,
) {
    let h = usize::from(high);
    let bias = group.bias[8 * h..].as_ptr();
    let mut ctx = narrow_window_ctx(win, w, group.quant[2 * h..].as_ptr() as *const i32, q);
    // SAFETY: reads the window's inside taps, the zero points, the weights and table
    // within the caller's bounds (lanes past `channels` predicated off), writes
    // `channels` bytes, and the context.
    unsafe {
        core::arch::asm!(
            "vctp.16 r10",
            "ldr r10, [r12, #68]",
            "ldr r11, [r12, #48]",
            "vldrw.u32 q0, [r4]",
            "vldrw.u32 q1, [r4, #16]",
            window_walk!("r11", pair_tap!("vpstt", "vldrbt.s16 q4, [r1]"), pair_tap!("vpst", "")),
            "vldrw.u32 q6, [r12]",
            "vldrw.u32 q7, [r12, #16]",
            requant_at!("q0", "r10", "0", "16", "32"),
            requant_at!("q1", "r10", "48", "64", "80"),
            "vmovnb.i32 q4, q0",
            "vmovnt.i32 q4, q1",
            "vpst",
            "vstrbt.16 q4, [r5]",
            out("r0") _,
            out("r1") _,
            out("r2") _,
            inout("r3") x => _,
            in("r4") bias,
            inout("r5") out => _,
            in("r9") zero_point(win),
            inout("r10") channels => _,
            out("r11") _,
            in("r12") ctx.as_mut_ptr(),
            out("lr") _,
            out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
            out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
            out("d12") _, out("d13") _, out("d14") _, out("d15") _,
            options(nostack),
        );
    }
}

/// One tap of [`tail_window`]: `$x1` and `$x2` load the halves' inputs into q4 (the
/// second predicated by P0), both empty for a padded tap.
macro_rules! tail_tap {
    ($x1:literal, $pst:literal, $x2:literal) => {
        concat!(
            $x1,
            "\n",
            "vldrb.s16 q5, [r2]\n",
            "vmullb.s16 q6, q4, q5\n",
            "vadd.i32 q0, q0, q6\n",
            "vmullt.s16 q6, q4, q5\n",
            "vadd.i32 q1, q1, q6\n",
            $pst,
            "\n",
            $x2,
            "\n",
            "vldrbt.s16 q5, [r2, #8]\n",
            "vmullb.s16 q6, q4, q5\n",
            "vadd.i32 q2, q2, q6\n",
            "vmullt.s16 q6, q4, q5\n",
            "vadd.i32 q3, q3, q6\n",
        )
    };
}

/// `super::depthwise::depthwise_narrow_window` with nine to fifteen channels: [`tail`]
/// for one pixel, its taps walked as `win` ([`window_walk`], weights from r11).
///
/// # Safety
/// As `super::depthwise::depthwise_narrow_window`, `9 <= channels < 16`.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn tail_window(
    win: &Window,
    w: *const i8,
    group: &Group16,
    q: OutQuant,
    channels: usize,
    x: *const i8,
    out: *mut i8,
) {
    let mut ctx = narrow_window_ctx(win, w, core::ptr::null(), q);
    // SAFETY: as in `pair_window`.
    unsafe {
        core::arch::asm!(
            "vctp.16 r10",
            "ldr r11, [r12, #48]",
            "vldrw.u32 q0, [r4]",
            "vldrw.u32 q1, [r4, #16]",
            "vldrw.u32 q2, [r4, #32]",
            "vldrw.u32 q3, [r4, #48]",
            window_walk!(
                "r11",
                tail_tap!("vldrb.s16 q4, [r1]", "vpstt", "vldrbt.s16 q4, [r1, #8]"),
                tail_tap!("", "vpst", "")
            ),
            tail_store!(),
            out("r0") _,
            out("r1") _,
            out("r2") _,
            inout("r3") x => _,
            in("r4") group as *const Group16,
            in("r5") out,
            in("r9") zero_point(win),
            inout("r10") channels - 8 => _,
            out("r11") _,
            in("r12") ctx.as_mut_ptr(),
            out("lr") _,
            out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
            out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
            out("d12") _, out("d13") _, out("d14") _, out("d15") _,
            options(nostack),
        );
    }
}

/// `super::depthwise::depthwise_narrow_window`: [`pair_window`] or [`tail_window`] by the
/// channel count (the weight stride is not read: the window's pairs hold the weights'
/// offsets).
///
/// # Safety
/// As `super::depthwise::depthwise_narrow_window`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub unsafe fn narrow_window(
    win: &Window,
    w: *const i8,
    _wstride: usize,
    group: &Group16,
    q: OutQuant,
    channels: usize,
    high: bool,
    x: *const i8,
    out: *mut i8,
) {
    // SAFETY: the caller's contract.
    unsafe {
        if channels <= 8 {
            pair_window(win, w, group, high, q, channels, x, out)
        } else {
            tail_window(win, w, group, q, channels, x, out)
        }
    }
}

/// The loop of [`lanes`] with one accumulator per vector of four pixels, `$acc`s; the
/// same accumulators again as `$first`, the `$mid`s (each `r10` input bytes after the
/// one before) and `$last` (`r9` bytes after), for the steps between them.
/// Per pass of pixels, per channel: the channel's bias into every accumulator, a
/// `dls`/`le` loop over the taps (a gather load and a multiply-accumulate by the tap's
/// weight as a scalar per vector), the requantization by scalars, scatter stores.
/// Registers: taps r0 (pairs of offsets), tap input r1, weight r2, the channel's pixel
/// base r3, constants r4 (four words per channel, post-incremented), the channel's output
/// r5, its weights r8, context r12 (bounds, gather and scatter offsets, output offset,
/// then the run's state: pass input and output, their steps, passes left, channels,
/// weights, constants, output bytes between vectors and before the last, taps); q7
/// holds the gather offsets in the tap loop, the upper bound in the requantization.
macro_rules! lanes_loop {
    (
        $ctx:expr, $taps:expr, [$vstep:expr, $last_step:expr], [$($acc:literal),+],
        $first:literal $(, $mid:literal)* $(; $last:literal)?
    ) => {
        core::arch::asm!(
            "1:",
            "ldr r3, [r12, #68]",
            "ldr r5, [r12, #72]",
            "ldr r8, [r12, #92]",
            "ldr r4, [r12, #96]",
            "ldr r11, [r12, #88]",
            "2:",
            "vldrw.u32 q7, [r12, #32]",
            "ldr r1, [r4], #4",
            concat!($("vdup.32 ", $acc, ", r1\n",)+),
            "ldr lr, [r12, #104]",
            "dls lr, lr",
            "3:",
            "ldrd r1, r2, [r0], #8",
            "add r1, r1, r3",
            "ldrsb r2, [r8, r2]",
            concat!(
                "vldrb.s32 q4, [r1, q7]\n",
                "vmla.s32 ", $first, ", q4, r2\n",
                $("add r1, r1, r10\n", "vldrb.s32 q4, [r1, q7]\n", "vmla.s32 ", $mid, ", q4, r2\n",)*
                $("add r1, r1, r9\n", "vldrb.s32 q4, [r1, q7]\n", "vmla.s32 ", $last, ", q4, r2\n",)?
            ),
            "le lr, 3b",
            "ldr r1, [r12, #104]",
            "sub r0, r0, r1, lsl #3",
            "ldr r1, [r4], #4",
            concat!($("vshl.s32 ", $acc, ", r1\n",)+),
            "ldr r1, [r4], #4",
            concat!($("vqrdmulh.s32 ", $acc, ", ", $acc, ", r1\n",)+),
            "ldr r1, [r4], #4",
            "vdup.32 q5, r1",
            concat!($(
                "vand q4, ", $acc, ", q5\n",
                "vshr.s32 q4, q4, #31\n",
                "vqadd.s32 ", $acc, ", ", $acc, ", q4\n",
                "vrshl.s32 ", $acc, ", r1\n",
            )+),
            "ldr r1, [r12, #64]",
            concat!($("vadd.i32 ", $acc, ", ", $acc, ", r1\n",)+),
            "vldrw.u32 q6, [r12]",
            "vldrw.u32 q7, [r12, #16]",
            concat!($("vmax.s32 ", $acc, ", ", $acc, ", q6\n", "vmin.s32 ", $acc, ", ", $acc, ", q7\n",)+),
            "vldrw.u32 q5, [r12, #48]",
            concat!(
                "vstrb.32 ", $first, ", [r5, q5]\n",
                "ldr r2, [r12, #100]\n",
                "mov r1, r5\n",
                $("add r1, r1, r2\n", "vstrb.32 ", $mid, ", [r1, q5]\n",)*
                $("ldr r2, [r12, #108]\n", "add r1, r1, r2\n", "vstrb.32 ", $last, ", [r1, q5]\n",)?
            ),
            "adds r3, r3, #1",
            "adds r5, r5, #1",
            "adds r8, r8, #1",
            "subs r11, r11, #1",
            "bne 2b",
            "ldr r1, [r12, #68]",
            "ldr r2, [r12, #76]",
            "add r1, r1, r2",
            "str r1, [r12, #68]",
            "ldr r1, [r12, #72]",
            "ldr r2, [r12, #80]",
            "add r1, r1, r2",
            "str r1, [r12, #72]",
            "ldr r1, [r12, #84]",
            "subs r1, r1, #1",
            "str r1, [r12, #84]",
            "bne 1b",
            inout("r0") $taps.as_ptr() => _,
            out("r1") _,
            out("r2") _,
            out("r3") _,
            out("r4") _,
            out("r5") _,
            out("r8") _,
            in("r9") $last_step,
            in("r10") $vstep,
            out("r11") _,
            in("r12") $ctx,
            out("lr") _,
            out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _, out("d5") _,
            out("d6") _, out("d7") _, out("d8") _, out("d9") _, out("d10") _, out("d11") _,
            out("d12") _, out("d13") _, out("d14") _, out("d15") _,
            options(nostack),
        )
    };
}

/// Words of [`lanes`]' context.
const LANES_CTX: usize = 28;

/// `super::depthwise::depthwise_lanes`: passes of sixteen pixels (four vectors), then
/// one pass of one to four vectors for the rest, its last vector ending at the run's
/// last pixel (it may compute up to three pixels again, writing the same bytes). Per
/// tap and sixteen pixels of a channel: 15 instructions.
///
/// # Safety
/// As `super::depthwise::depthwise_lanes`.
#[inline(never)]
pub unsafe fn lanes(taps: &[Tap], w: *const i8, consts: &[ChannelConsts], q: OutQuant, run: Run) {
    let (xs, os) = (run.xstep as i32, run.ostep as i32);
    let mut ctx = [0i32; LANES_CTX];
    ctx[..4].fill(q.min);
    ctx[4..8].fill(q.max);
    ctx[8..16].copy_from_slice(&[0, xs, 2 * xs, 3 * xs, 0, os, 2 * os, 3 * os]);
    ctx[16..].copy_from_slice(&[
        q.offset,
        run.x as i32,
        run.out as i32,
        16 * xs,
        16 * os,
        (run.npix / 16) as i32,
        consts.len() as i32,
        w as i32,
        consts.as_ptr() as i32,
        4 * os,
        taps.len() as i32,
        4 * os,
    ]);
    let (full, rest) = (run.npix / 16, run.npix % 16);
    // SAFETY: reads the taps, weights and constants within the caller's bounds, writes
    // `consts.len()` bytes per pixel, and the context array.
    unsafe {
        if full > 0 {
            lanes_loop!(ctx.as_mut_ptr(), taps, [4 * xs, 4 * xs], ["q0", "q1", "q2", "q3"], "q0", "q1", "q2"; "q3");
        }
        if rest == 0 {
            return;
        }
        // The last pass: its first vector at `first`, the others four pixels apart but
        // the last one, `last` pixels after the one before.
        let (first, vectors) = if rest < 4 { (run.npix - 4, 1) } else { (16 * full, rest.div_ceil(4)) };
        let last = rest as i32 - 4 * (vectors as i32 - 1);
        ctx[17] = run.x.wrapping_offset(first as isize * run.xstep) as i32;
        ctx[18] = run.out.wrapping_offset(first as isize * run.ostep) as i32;
        (ctx[21], ctx[27]) = (1, last * os);
        let c = ctx.as_mut_ptr();
        let (v, l) = (4 * xs, last * xs);
        match vectors {
            4 => lanes_loop!(c, taps, [v, l], ["q0", "q1", "q2", "q3"], "q0", "q1", "q2"; "q3"),
            3 => lanes_loop!(c, taps, [v, l], ["q0", "q1", "q2"], "q0", "q1"; "q2"),
            2 => lanes_loop!(c, taps, [v, l], ["q0", "q1"], "q0"; "q1"),
            _ => lanes_loop!(c, taps, [v, l], ["q0"], "q0"),
        }
    }
}
