//! DSP-extension (SMLAD, SXTB16, SMMULR) routines: Cortex-M4, M7, M33 (Armv7E-M and
//! Armv8-M mainline with the DSP extension). Checked against the reference kernels on the
//! emulated cores (mps2-an505, mps2-an386) by the property tests of
//! `runtime/target-tests`, and through whole models by the bench.
//!
//! The dot-product routines serve cores without Helium (which has its own, `mve.rs`);
//! [`smmulr`] serves every core with the extension, Helium ones included.

/// `[x.w0, x.w1]` over `4 * groups` int8 elements: per word of four inputs, `sxtb16`
/// splits the even and odd bytes into halfword pairs, and per row the same for four
/// weights, then two `smlad`. Unaligned `ldr` (allowed on v7-M/v8-M mainline).
///
/// # Safety
/// `x`, `w0`, `w1` valid for `4 * groups` reads; `groups > 0`.
#[cfg(not(tinyml_mve))]
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
#[cfg(not(tinyml_mve))]
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

/// `16 * blocks` elements of [`super::lookup::clamp_s8`]: per word of four bytes,
/// `ssub8` against the bound (its GE flags mark the bytes at or above it, from the exact
/// difference) then `sel` picks each byte or the bound, once for `lo` and once for `hi`;
/// four words per iteration. Where both pointers are word-aligned (arena tensors are),
/// one `ldm` and one `stm` move the four words: 19 instructions per 16 elements; else
/// `ldr`/`str` per word (unaligned, allowed on v7-M/v8-M mainline): 26. (One word per
/// iteration was 2.0 instructions per element, 0.38 of the reference's compare-and-branch
/// loop.) Each block is loaded before it is stored, so `input` may equal `out`.
///
/// # Safety
/// `input` valid for `16 * blocks` reads, `out` for as many writes, either the same
/// bytes or not overlapping; `blocks > 0`.
#[cfg(not(tinyml_mve))]
#[inline(never)]
pub unsafe fn clamp_s8(lo: i8, hi: i8, input: *const i8, out: *mut i8, blocks: usize) {
    let spread = |v: i8| (v as u8 as u32).wrapping_mul(0x0101_0101);
    let (lo, hi) = (spread(lo), spread(hi));
    macro_rules! clamp {
        ($v:literal) => {
            concat!(
                "ssub8 {t}, ",
                $v,
                ", {lo}\n",
                "sel ",
                $v,
                ", ",
                $v,
                ", {lo}\n",
                "ssub8 {t}, {hi}, ",
                $v,
                "\n",
                "sel ",
                $v,
                ", ",
                $v,
                ", {hi}\n",
            )
        };
    }
    if (input as usize | out as usize) & 3 == 0 {
        // SAFETY: reads `4 * blocks` words of `input` (word-aligned), writes as many of
        // `out`; sets only the GE flags and the condition flags.
        unsafe {
            core::arch::asm!(
                "2:",
                "ldm {x}!, {{r0, r1, r2, r3}}",
                clamp!("r0"),
                clamp!("r1"),
                clamp!("r2"),
                clamp!("r3"),
                "stm {o}!, {{r0, r1, r2, r3}}",
                "subs {n}, {n}, #1",
                "bne 2b",
                x = inout(reg) input => _,
                o = inout(reg) out => _,
                n = inout(reg) blocks => _,
                lo = in(reg) lo,
                hi = in(reg) hi,
                t = out(reg) _,
                out("r0") _, out("r1") _, out("r2") _, out("r3") _,
                options(nostack),
            );
        }
        return;
    }
    macro_rules! word {
        () => {
            concat!("ldr {v}, [{x}], #4\n", clamp!("{v}"), "str {v}, [{o}], #4\n")
        };
    }
    // SAFETY: reads `4 * blocks` words of `input`, writes as many of `out`; sets only
    // the GE flags and the condition flags.
    unsafe {
        core::arch::asm!(
            "2:",
            word!(),
            word!(),
            word!(),
            word!(),
            "subs {n}, {n}, #1",
            "bne 2b",
            x = inout(reg) input => _,
            o = inout(reg) out => _,
            n = inout(reg) blocks => _,
            lo = in(reg) lo,
            hi = in(reg) hi,
            v = out(reg) _,
            t = out(reg) _,
            options(nostack),
        );
    }
}

/// One `asm!` block of [`dot4_strided`]: `$run_start` begins a run (loads the word count
/// into r6, may branch to `5:` when there are none), `$tail` adds its last bytes (label
/// `5:`). The routine's two forms differ only there.
#[cfg(not(tinyml_mve))]
macro_rules! dot4_strided_asm {
    ($ctx:expr, $w:expr, $w2:expr, $k:expr, $run_start:expr, $tail:expr) => {
        core::arch::asm!(
            "push {{r6, r7}}",
            "push {{lr}}",
            "ldr r6, [sp]",
            "ldr r7, [r6, #28]",
            "2:",
            "ldr r6, [sp]",
            "ldr r12, [r6, #8]",
            "ldm r12, {{r4, r5, r8, r9}}",
            "ldr r0, [r6, #4]",
            "ldr r12, [r6, #16]",
            "str r12, [r6, #32]",
            "3:",
            $run_start,
            "4:",
            "ldr r11, [r0], #4",
            "sxtab16 r10, r7, r11",
            "sxtab16 r11, r7, r11, ror #8",
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
            "bne 4b",
            $tail,
            "ldr r6, [sp]",
            "ldrd r12, lr, [r6, #20]",
            "add r1, r1, r12",
            "add r2, r2, r12",
            "add r0, r0, lr",
            "ldr r12, [r6, #32]",
            "subs r12, r12, #1",
            "str r12, [r6, #32]",
            "bne 3b",
            "ldr r12, [r6, #36]",
            "add r1, r1, r12",
            "add r2, r2, r12",
            "ldr r12, [r6, #8]",
            "stm r12!, {{r4, r5, r8, r9}}",
            "str r12, [r6, #8]",
            "ldr r12, [r6, #12]",
            "subs r12, r12, #1",
            "str r12, [r6, #12]",
            "bne 2b",
            "pop {{lr}}",
            "pop {{r6, r7}}",
            out("r0") _,
            inout("r1") $w => _,
            inout("r2") $w2 => _,
            in("r3") $k,
            out("r4") _,
            out("r5") _,
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
            out("r12") _,
            inout("lr") $ctx => _,
        )
    };
}

/// [`super::dot4_strided`]: per group of four rows, the accumulators are loaded from
/// `acc` (r4, r5, r8, r9 for rows 0-3), then for each of the `runs` runs (`x_stride`
/// bytes apart in the input: a window's rows read in place from the image) a loop of
/// four inputs per iteration as [`dot4_bias`]'s, except that `sxtab16` adds the input
/// offset to the inputs as it widens them (same instruction count), and the sums are
/// stored back. Fourteen registers are live in that loop: the counter lives in r6 and
/// the offset pair in r7 (the frame pointer, which no operand may name), both saved on
/// the stack around the routine; the group and run state lives in a context array
/// reached through the pointer saved at `[sp]`. Runs of whole words take 11
/// instructions per run besides their products (one `ldrd` fetches both
/// the weights' and the input's advance); other lengths add their last one to three
/// bytes one at a time (`ldrsb`, `sxtah` adds the offset, then one `mla` per row: 12
/// instructions a byte for four rows) and 6 instructions per run for the checks. The
/// rows of a group are `w`, `w + k`, `w2`, `w2 + k` (`w2` is `w + 2k` for four rows
/// in a row; [`super::dot_few_strided`] repeats rows to fill the lanes).
///
/// # Safety
/// For each run `r < runs`, `x + r * x_stride` valid for `len` reads and, for each
/// group `g < groups`, `b` in `w` and `w2` and row `j < 2`, `b + 4g * k + j * k + r *
/// w_stride` as well; `acc` valid for `4 * groups` reads and writes; `len`, `runs` and
/// `groups` above 0.
#[cfg(not(tinyml_mve))]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub unsafe fn dot4_strided(
    x: *const i8,
    x_stride: usize,
    off: i32,
    w: *const i8,
    w2: *const i8,
    k: usize,
    w_stride: usize,
    runs: usize,
    len: usize,
    acc: *mut i32,
    groups: usize,
) {
    let pair = (off & 0xffff) | (off << 16);
    // Words per run, input, accumulators, groups left, runs per group, weight and input
    // advance after a run (adjacent for one `ldrd`), offset pair, runs left, weight
    // advance after a group, bytes after a run's words.
    let mut ctx: [usize; 11] = [
        len / 4,
        x as usize,
        acc as usize,
        groups,
        runs,
        w_stride.wrapping_sub(len),
        x_stride.wrapping_sub(len),
        pair as usize,
        0,
        (4 * k).wrapping_sub(runs * w_stride),
        len % 4,
    ];
    let ctx = ctx.as_mut_ptr();
    // SAFETY: reads `len` bytes of each run of `x` and of each row per group, and four
    // words of `acc` per group, which it rewrites; r6 and r7 are restored.
    unsafe {
        if len.is_multiple_of(4) {
            // Every run has words, and no last bytes.
            dot4_strided_asm!(ctx, w, w2, k, "ldr r6, [sp]\nldr r6, [r6]", "");
        } else {
            dot4_strided_asm!(
                ctx,
                w,
                w2,
                k,
                "ldr r6, [sp]\nldr r6, [r6]\ncbz r6, 5f",
                concat!(
                    "5:\n",
                    "ldr r6, [sp]\n",
                    "ldr r6, [r6, #40]\n",
                    "7:\n",
                    "ldrsb r10, [r0], #1\n",
                    "sxtah r10, r10, r7\n",
                    "ldrsb r12, [r1, r3]\n",
                    "mla r5, r10, r12, r5\n",
                    "ldrsb r12, [r1], #1\n",
                    "mla r4, r10, r12, r4\n",
                    "ldrsb r12, [r2, r3]\n",
                    "mla r9, r10, r12, r9\n",
                    "ldrsb r12, [r2], #1\n",
                    "mla r8, r10, r12, r8\n",
                    "subs r6, r6, #1\n",
                    "bne 7b",
                )
            );
        }
    }
}

/// `(a * b + 2^31) >> 32` in one `smmulr`, which LLVM does not always select for the
/// portable expression.
#[inline(always)]
pub fn smmulr(a: i32, b: i32) -> i32 {
    let h: i32;
    // SAFETY: one register-only instruction.
    unsafe {
        core::arch::asm!("smmulr {h}, {a}, {b}", h = out(reg) h, a = in(reg) a, b = in(reg) b,
            options(pure, nomem, nostack));
    }
    h
}
