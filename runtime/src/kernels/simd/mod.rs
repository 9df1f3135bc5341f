//! Innermost primitives of the optimized kernels: int8 dot products of one input row
//! with four weight rows, weight sums, and block requantization.
//!
//! Each has a portable version here (used on the host and on cores without an optimized
//! version, and checked against the scalar definition by the tests) and, selected at
//! compile time from the target's features (`runtime/build.rs` sets `tinyml_dsp` and
//! `tinyml_mve`), an inline-assembly version with the same results: `dsp.rs` for the DSP
//! extension (`smlad`, `sxtb16`), `mve.rs` for Helium.

mod bytes;
pub mod depthwise;
#[cfg(not(tinyml_mve))]
mod depthwise_one;
mod elementwise;
mod lookup;
mod out_quant;
pub mod pointwise;
mod run;

#[cfg(tinyml_dsp)]
mod dsp;
#[cfg(tinyml_mve)]
mod mve;
#[cfg(tinyml_mve)]
mod mve_conv;
#[cfg(tinyml_mve)]
mod mve_conv_in_place;
#[cfg(tinyml_mve)]
mod mve_conv_narrow;
#[cfg(tinyml_mve)]
mod mve_depthwise;
#[cfg(tinyml_mve)]
mod mve_elementwise;
#[cfg(tinyml_mve)]
mod mve_pointwise;

use crate::fixedpoint::multiply_by_quantized_multiplier;
pub use crate::kernels::packed::{Group16, Group4, Quant4};
pub use bytes::{copy_i8, copy_short, fill_i8};
pub use elementwise::{
    lut2_rows_s8, lut2_s8, lut2_s8_in_place, lut2_scalar_s8, mul_rows_s8, mul_s8, mul_s8_in_place, mul_scalar_s8,
};
pub use lookup::{clamp_s8, clamp_s8_in_place, lookup_s8, lookup_s8_in_place};
#[cfg(tinyml_mve)]
pub use mve_conv::{conv_pixel, conv_pixel_small, CONV_PIXEL_CTX};
#[cfg(tinyml_mve)]
pub use mve_conv_in_place::{conv_in_place, conv_runs, dot4_run, IN_PLACE_CTX};
#[cfg(tinyml_mve)]
pub use mve_conv_narrow::{conv_narrow_row, NARROW_CTX};
pub use out_quant::{AddQuant, Lut2, MulQuant, OutQuant, Terms, WIDE_SHIFT};

/// `[x.w0, x.w1, x.w2, x.w3]` over `x.len()` elements (each `w` at least as long).
#[inline]
pub fn dot4(x: &[i8], w0: &[i8], w1: &[i8], w2: &[i8], w3: &[i8]) -> [i32; 4] {
    let n = x.len();
    let (w0, w1, w2, w3) = (&w0[..n], &w1[..n], &w2[..n], &w3[..n]);
    #[cfg(tinyml_mve)]
    {
        // SAFETY: all five slices have at least `n` elements (checked by the slicing).
        unsafe { mve::dot4(x.as_ptr(), [w0.as_ptr(), w1.as_ptr(), w2.as_ptr(), w3.as_ptr()], n) }
    }
    #[cfg(not(tinyml_mve))]
    {
        let mut acc = [0i32; 4];
        #[allow(unused_mut)]
        let mut done = 0;
        #[cfg(tinyml_dsp)]
        if n >= 4 {
            let groups = n / 4;
            // SAFETY: all five slices have at least `n >= 4 * groups` elements (checked by
            // the slicing above).
            let ([a0, a1], [a2, a3]) = unsafe {
                (
                    dsp::dot2(x.as_ptr(), w0.as_ptr(), w1.as_ptr(), groups),
                    dsp::dot2(x.as_ptr(), w2.as_ptr(), w3.as_ptr(), groups),
                )
            };
            acc = [a0, a1, a2, a3];
            done = 4 * groups;
        }
        for i in done..n {
            let v = x[i] as i32;
            acc[0] = acc[0].wrapping_add(v * w0[i] as i32);
            acc[1] = acc[1].wrapping_add(v * w1[i] as i32);
            acc[2] = acc[2].wrapping_add(v * w2[i] as i32);
            acc[3] = acc[3].wrapping_add(v * w3[i] as i32);
        }
        acc
    }
}

/// `x.w`.
#[inline]
pub fn dot(x: &[i8], w: &[i8]) -> i32 {
    let w = &w[..x.len()];
    x.iter().zip(w).map(|(&a, &b)| a as i32 * b as i32).sum()
}

/// `sum w`.
#[inline]
pub fn sum(w: &[i8]) -> i32 {
    w.iter().map(|&v| v as i32).sum()
}

/// Requantizes a block of accumulators with per-channel multipliers and shifts:
/// `out[i] = clamp(mbqm(acc[i], mult[i], shift[i]) + out_offset)`, the reference kernels'
/// arithmetic.
#[inline]
pub fn requantize(acc: &[i32], mult: &[i32], shift: &[i32], out_offset: i32, min: i32, max: i32, out: &mut [i8]) {
    let n = acc.len();
    let (mult, shift, out) = (&mult[..n], &shift[..n], &mut out[..n]);
    #[cfg(tinyml_mve)]
    if n >= 4 {
        // SAFETY: all slices have `n` elements (checked by the slicing above).
        unsafe {
            mve::requantize(acc.as_ptr(), mult.as_ptr(), shift.as_ptr(), out.as_mut_ptr(), n, [out_offset, min, max])
        };
        return;
    }
    for i in 0..n {
        let v = multiply_by_quantized_multiplier(acc[i], mult[i], shift[i]) + out_offset;
        out[i] = v.clamp(min, max) as i8;
    }
}

/// For every group `g` of `groups` and lane `j < 4`, with `c = 4g + j` and `k = x.len()`:
/// `out[c] = clamp(mbqm(x . w[c*k..(c+1)*k] + bias, mult, shift) + offset)`, the
/// reference kernels' arithmetic. `w` holds the `4 * groups.len()` filter rows back to
/// back. One call covers a whole block of channels: on Helium the loop over groups, the
/// dot products and the requantization are one assembly routine.
#[inline]
pub fn dot4_requantize(x: &[i8], w: &[i8], groups: &[Group4], q: OutQuant, out: &mut [i8]) {
    let k = x.len();
    let n = 4 * groups.len();
    let (w, out) = (&w[..n * k], &mut out[..n]);
    #[cfg(tinyml_mve)]
    if k > 0 && n > 0 {
        // SAFETY: `w` holds `n` rows of `k` bytes, `out` `n` bytes, `groups` `n / 4`
        // entries (checked by the slicing above); `k > 0`, `n > 0`.
        unsafe { mve::dot4_requantize(x.as_ptr(), k, w.as_ptr(), groups, q, out.as_mut_ptr()) };
        return;
    }
    for (g, t) in groups.iter().enumerate() {
        let r = &w[4 * g * k..];
        #[cfg(all(tinyml_dsp, not(tinyml_mve)))]
        let d = {
            // One pass over the four rows sharing each word of `x` (`dot4_bias`, 25
            // instructions per 16 products), where `dot4` runs two passes of two rows.
            let mut acc = [core::mem::MaybeUninit::<i32>::uninit(); 4];
            dot4_bias(x, &r[..4 * k], &[0; 4], &mut acc);
            // SAFETY: `dot4_bias` writes every entry of `acc`.
            acc.map(|a| unsafe { a.assume_init() })
        };
        #[cfg(not(all(tinyml_dsp, not(tinyml_mve))))]
        let d = dot4(x, r, &r[k..], &r[2 * k..], &r[3 * k..]);
        for j in 0..4 {
            let acc = d[j].wrapping_add(t.bias[j]);
            let v = multiply_by_quantized_multiplier(acc, t.mult[j], t.left[j] + t.right[j]) + q.offset;
            out[4 * g + j] = v.clamp(q.min, q.max) as i8;
        }
    }
}

/// [`dot4_requantize`] with one multiplier and shift for every output (per-tensor
/// quantization, fully connected layers) and a plain table of biases: for every `c <
/// bias.len()` (a multiple of four), with `k = x.len()`,
/// `out[c] = clamp(mbqm(x . w[c*k..(c+1)*k] + bias[c], mult, shift) + offset)`, the
/// reference kernels' arithmetic. On Helium one routine runs every group of four: the
/// biases are loaded as the accumulators, and the requantization constants are
/// broadcast once per call into a 48-byte template on the stack (left shift, multiplier,
/// right shift, as in a [`Group4`]) instead of being read per group from the table.
#[inline]
pub fn dot4_requantize_tensor(x: &[i8], w: &[i8], bias: &[i32], mult: i32, shift: i32, q: OutQuant, out: &mut [i8]) {
    let k = x.len();
    let n = bias.len() / 4 * 4;
    let (w, bias, out) = (&w[..n * k], &bias[..n], &mut out[..n]);
    #[cfg(tinyml_mve)]
    if k > 0 && n > 0 {
        // SAFETY: `w` holds `n` rows of `k` bytes, `bias` and `out` `n` entries (checked
        // by the slicing above); `k > 0`, `n > 0` and a multiple of four.
        unsafe { mve::dot4_requantize_tensor(x.as_ptr(), k, w.as_ptr(), bias, [mult, shift], q, out.as_mut_ptr()) };
        return;
    }
    for (c, (o, &b)) in out.iter_mut().zip(bias).enumerate() {
        let acc = dot(x, &w[c * k..]).wrapping_add(b);
        let v = multiply_by_quantized_multiplier(acc, mult, shift) + q.offset;
        *o = v.clamp(q.min, q.max) as i8;
    }
}

/// For each of the `n = bias.len()` rows (`n` a multiple of four; rows of `k = x.len()`
/// bytes, back to back in `w`): `acc[c] = bias[c] + x . row(c)`; writes `acc[..n]`
/// (fully connected layers).
///
/// With the DSP extension and without Helium, one routine runs all groups: per four
/// inputs, one load and two `sxtb16` shared by the four rows, then per row one load, two
/// `sxtb16` and two `smlad` (25 instructions per 16 MACs, where two [`dot4`]-style pairs
/// of rows take 30); per group the biases are loaded as the accumulators and the sums
/// stored with `ldm`/`stm`, 18 instructions in all, where a call per group and its
/// spilled loop cost about 80 in layers of a few inputs. The last `k % 4` inputs are
/// added after. Inlined: in tiny layers the call costs about as much as the products.
#[inline(always)]
pub fn dot4_bias(x: &[i8], w: &[i8], bias: &[i32], acc: &mut [core::mem::MaybeUninit<i32>]) {
    let k = x.len();
    let n = bias.len() / 4 * 4;
    let (w, bias, acc) = (&w[..n * k], &bias[..n], &mut acc[..n]);
    // The whole words of each row; the last one to three inputs are added after.
    let k4 = k / 4 * 4;
    #[allow(unused_mut)]
    let mut done = false;
    #[cfg(all(tinyml_dsp, not(tinyml_mve)))]
    if k4 > 0 && n > 0 {
        // SAFETY: `w` holds `n` rows of `k` bytes, `x` `k`, `acc` and `bias` `n` entries
        // (checked by the slicing); the routine reads `k / 4` words per row.
        unsafe { dsp::dot4_bias(x.as_ptr(), w.as_ptr(), k, bias, acc.as_mut_ptr().cast()) };
        done = true;
    }
    if !done {
        match k {
            // One to three inputs: biases and products in one pass.
            1 => return init_tiny::<1>(x, w, bias, acc),
            2 => return init_tiny::<2>(x, w, bias, acc),
            3 => return init_tiny::<3>(x, w, bias, acc),
            _ => {
                for (a, &b) in acc.iter_mut().zip(bias) {
                    a.write(b);
                }
                for (a, r) in acc.iter_mut().zip(w.chunks(k.max(1))) {
                    // SAFETY: written just above.
                    let a = unsafe { a.assume_init_mut() };
                    *a = a.wrapping_add(dot(&x[..k4], &r[..k4]));
                }
            }
        }
    }
    // Unrolled: a loop per row cost more than its products in layers of a few inputs.
    match k - k4 {
        1 => add_tail::<1>(&x[k4..], w, k4, acc),
        2 => add_tail::<2>(&x[k4..], w, k4, acc),
        3 => add_tail::<3>(&x[k4..], w, k4, acc),
        _ => {}
    }
}

/// [`dot4_bias`] for rows of `K < 4` inputs.
#[inline(always)]
fn init_tiny<const K: usize>(x: &[i8], w: &[i8], bias: &[i32], acc: &mut [core::mem::MaybeUninit<i32>]) {
    let x: [i8; K] = x[..K].try_into().unwrap_or([0; K]);
    for ((a, &b), r) in acc.iter_mut().zip(bias).zip(w.chunks_exact(K)) {
        let d = x.iter().zip(r).fold(b, |s, (&xv, &wv)| s.wrapping_add(xv as i32 * wv as i32));
        a.write(d);
    }
}

/// Adds `x . row[done..done + T]` to every entry of `acc`, the rows `done + T` bytes
/// apart in `w`; every entry of `acc` must be written.
#[inline(always)]
fn add_tail<const T: usize>(x: &[i8], w: &[i8], done: usize, acc: &mut [core::mem::MaybeUninit<i32>]) {
    let x: [i8; T] = x[..T].try_into().unwrap_or([0; T]);
    for (a, r) in acc.iter_mut().zip(w.chunks_exact(done + T)) {
        // SAFETY: every entry was written before (the caller's contract).
        let a = unsafe { a.assume_init_mut() };
        for (&xv, &wv) in x.iter().zip(&r[done..]) {
            *a = a.wrapping_add(xv as i32 * wv as i32);
        }
    }
}

/// For each channel `c < acc.len()` (a multiple of four; rows `k` bytes apart in `w`):
/// `acc[c] += sum (x[r * x_stride + i] + off) * w[c * k + r * w_stride + i]` over runs
/// `r < runs` and `i < len`, wrapping, the input offset added to each input instead of
/// folded into the bias: a window's rows (or taps) read in place from the image, the
/// convolution's windows on cores without Helium (`kernels::conv::in_place`). With
/// the DSP extension one routine runs every group and run.
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn dot4_strided(
    x: &[i8],
    x_stride: usize,
    off: i32,
    w: &[i8],
    k: usize,
    w_stride: usize,
    runs: usize,
    len: usize,
    acc: &mut [i32],
) {
    let n = acc.len() / 4 * 4;
    if n == 0 || len == 0 || runs == 0 {
        return;
    }
    let (x, w, acc) =
        (&x[..(runs - 1) * x_stride + len], &w[..(n - 1) * k + (runs - 1) * w_stride + len], &mut acc[..n]);
    #[cfg(all(tinyml_dsp, not(tinyml_mve)))]
    {
        // SAFETY: `x` holds every run and `w` every run of every row (checked by the
        // slicing above), `acc` `n` entries; `len`, `runs` and `n / 4` above 0.
        unsafe {
            let w = w.as_ptr();
            dsp::dot4_strided(
                x.as_ptr(),
                x_stride,
                off,
                w,
                w.add(2 * k),
                k,
                w_stride,
                runs,
                len,
                acc.as_mut_ptr(),
                n / 4,
            )
        };
    }
    #[cfg(not(all(tinyml_dsp, not(tinyml_mve))))]
    for (c, a) in acc.iter_mut().enumerate() {
        *a = a.wrapping_add(dot_strided(x, x_stride, off, &w[c * k..], w_stride, runs, len));
    }
}

/// [`dot4_strided`] for one to three channels (`acc.len()`, rows `k` bytes apart in
/// `w`). With the DSP extension one call of its routine, whose four lanes repeat rows
/// (one channel: row 0 four times; two: rows 0, 1, 0, 1; three: 0, 1, 1, 2): a layer
/// of fewer than four output channels (a one-channel depthwise layer with a multiplier,
/// lowered to a convolution) took [`dot_strided`] per channel, 36 instructions per MAC
/// on the M33 for two channels under a 3x3 window, more than a third of the reference.
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn dot_few_strided(
    x: &[i8],
    x_stride: usize,
    off: i32,
    w: &[i8],
    k: usize,
    w_stride: usize,
    runs: usize,
    len: usize,
    acc: &mut [i32],
) {
    let n = acc.len();
    if !(1..4).contains(&n) || len == 0 || runs == 0 {
        return;
    }
    let (x, w) = (&x[..(runs - 1) * x_stride + len], &w[..(n - 1) * k + (runs - 1) * w_stride + len]);
    #[cfg(all(tinyml_dsp, not(tinyml_mve)))]
    {
        // Lane rows `w`, `w + step`, `w2`, `w2 + step`, and the lanes that hold the
        // channels in order.
        let (step, second, lanes): (usize, usize, &[usize]) = match n {
            1 => (0, 0, &[0]),
            2 => (k, 0, &[0, 1]),
            _ => (k, k, &[0, 1, 3]),
        };
        let mut sums = [0i32; 4];
        // SAFETY: every lane's row is one of the `n` rows of `w`, which holds each of
        // their runs, as `x` holds every run (checked by the slicing above); `sums` has
        // four entries; `len` and `runs` above 0, one group.
        unsafe {
            let w = w.as_ptr();
            dsp::dot4_strided(
                x.as_ptr(),
                x_stride,
                off,
                w,
                w.add(second),
                step,
                w_stride,
                runs,
                len,
                sums.as_mut_ptr(),
                1,
            )
        };
        for (a, &l) in acc.iter_mut().zip(lanes) {
            *a = a.wrapping_add(sums[l]);
        }
    }
    #[cfg(not(all(tinyml_dsp, not(tinyml_mve))))]
    for (c, a) in acc.iter_mut().enumerate() {
        *a = a.wrapping_add(dot_strided(x, x_stride, off, &w[c * k..], w_stride, runs, len));
    }
}

/// `sum (x[r * x_stride + i] + off) * w[r * w_stride + i]` over runs `r < runs` and
/// `i < len`, wrapping: one channel of [`dot4_strided`].
#[inline]
pub fn dot_strided(x: &[i8], x_stride: usize, off: i32, w: &[i8], w_stride: usize, runs: usize, len: usize) -> i32 {
    (0..runs).fold(0i32, |acc, r| {
        let (xs, ws) = (&x[r * x_stride..][..len], &w[r * w_stride..][..len]);
        xs.iter().zip(ws).fold(acc, |s, (&xv, &wv)| s.wrapping_add((xv as i32 + off) * wv as i32))
    })
}

/// `(a * b + 2^31) >> 32`, the high word of a product rounded (`smmulr` with the DSP
/// extension, which LLVM does not always select for the portable expression).
#[inline(always)]
pub fn mul_high_rounded(a: i32, b: i32) -> i32 {
    #[cfg(tinyml_dsp)]
    {
        dsp::smmulr(a, b)
    }
    #[cfg(not(tinyml_dsp))]
    {
        ((a as i64 * b as i64 + (1 << 31)) >> 32) as i32
    }
}

/// Elementwise int8 ADD/SUB with TFLM's rescaling (`reference_integer_ops::Add`):
/// `out[i] = clamp(mbqmstoe(s(a[i], 0) ± s(b[i], 1), out) + out_offset)` with
/// `s(x, k) = mbqmstoe((x + offset_k) << left_shift, mult_k, shift_k)`. On Helium a
/// tail-predicated loop (`dlstp.32`/`letp`) does four elements per iteration.
#[inline]
pub fn add_s8(q: &AddQuant, a: &[i8], b: &[i8], out: &mut [i8]) {
    let n = out.len();
    let (a, b) = (&a[..n], &b[..n]);
    #[cfg(tinyml_mve)]
    if n > 0 {
        // SAFETY: `a`, `b` and `out` have `n > 0` elements (checked by the slicing).
        unsafe { mve::add_s8(q, a.as_ptr(), b.as_ptr(), out.as_mut_ptr(), n) };
        return;
    }
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = add_element(q, x, y);
    }
}

/// [`add_s8`] with the output over one input: `acc[i] = q(acc[i], b[i])`, or
/// `q(b[i], acc[i])` when `acc` is input 2 (`acc_first` false).
#[inline]
pub fn add_s8_in_place(q: &AddQuant, acc: &mut [i8], b: &[i8], acc_first: bool) {
    let n = acc.len();
    let b = &b[..n];
    #[cfg(tinyml_mve)]
    if n > 0 {
        let (out, other) = (acc.as_mut_ptr(), b.as_ptr());
        let (x, y) = if acc_first { (out.cast_const(), other) } else { (other, out.cast_const()) };
        // SAFETY: `acc` and `b` have `n > 0` elements (checked by the slicing). `out` is
        // exactly one of the inputs, and each iteration loads its four bytes of both
        // inputs before it stores those four (tail predication masks the same lanes of
        // the loads and the store), so no byte is read after it was written.
        unsafe { mve::add_s8(q, x, y, out, n) };
        return;
    }
    if acc_first {
        crate::kernels::broadcast::binary_in_place(acc, b, |x, y| add_element(q, x, y));
    } else {
        crate::kernels::broadcast::binary_in_place(acc, b, |y, x| add_element(q, x, y));
    }
}

/// One element of [`add_s8`] in plain Rust.
#[inline(always)]
fn add_element(q: &AddQuant, x: i8, y: i8) -> i8 {
    use crate::fixedpoint::multiply_by_quantized_multiplier_smaller_than_one_exp as scale_down;
    let s1 = (q.input_offset[0] + x as i32) * (1 << q.left_shift);
    let s2 = (q.input_offset[1] + y as i32) * (1 << q.left_shift);
    let s1 = scale_down(s1, q.input_multiplier[0], q.input_shift[0]);
    let s2 = scale_down(s2, q.input_multiplier[1], q.input_shift[1]);
    let raw = if q.subtract { s1 - s2 } else { s1 + s2 };
    let v = scale_down(raw, q.output_multiplier, q.output_shift) + q.output_offset;
    v.clamp(q.min, q.max) as i8
}
