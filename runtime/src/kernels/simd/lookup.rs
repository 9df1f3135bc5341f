//! One-table int8 elementwise primitives: `out = table[x as u8]`, and its special case
//! `out = clamp(x, lo, hi)`. An int8 activation that runs alone (RELU, LEAKY_RELU,
//! HARD_SWISH, LOGISTIC, TANH) is a function of the input byte only, so the model
//! compiler evaluates the reference kernel on all 256 bytes once
//! (`kernels::lookup::lookup_s8_pack`) and the device reads a table; where that table
//! is a clamp (RELU6, or RELU between equal quantizations) it is cheaper still to clamp.
//!
//! Helium gathers sixteen bytes per load (`vldrb.u8 q1, [table, q0]`); the DSP
//! extension clamps four bytes per word with `ssub8`/`sel`; elsewhere, four table reads
//! per word of input, and a clamp loop that LLVM vectorizes on Helium. The in-place forms read each block
//! before writing it, so `input` and `out` may be the same bytes.

/// `out[i] = table[input[i] as u8]` over `out.len()` elements.
#[inline]
pub fn lookup_s8(table: &[i8; 256], input: &[i8], out: &mut [i8]) {
    let n = out.len();
    let input = &input[..n];
    #[cfg(tinyml_mve)]
    if n > 0 {
        // SAFETY: `input` and `out` have `n > 0` elements (checked by the slicing), and
        // do not overlap (one is borrowed mutably).
        unsafe { super::mve_elementwise::lookup_s8(table, input.as_ptr(), out.as_mut_ptr(), n) };
        return;
    }
    let mut words = out.chunks_exact_mut(4);
    let mut xs = input.chunks_exact(4);
    for (o, x) in (&mut words).zip(&mut xs) {
        o.copy_from_slice(&look4(table, [x[0], x[1], x[2], x[3]]));
    }
    for (o, &x) in words.into_remainder().iter_mut().zip(xs.remainder()) {
        *o = table[x as u8 as usize];
    }
}

/// [`lookup_s8`] writing over its input.
#[inline]
pub fn lookup_s8_in_place(table: &[i8; 256], buf: &mut [i8]) {
    #[cfg(tinyml_mve)]
    if !buf.is_empty() {
        let p = buf.as_mut_ptr();
        // SAFETY: `buf` has `len > 0` elements; the routine loads each block before it
        // stores the same block.
        unsafe { super::mve_elementwise::lookup_s8(table, p, p, buf.len()) };
        return;
    }
    let mut words = buf.chunks_exact_mut(4);
    for w in &mut words {
        let y = look4(table, [w[0], w[1], w[2], w[3]]);
        w.copy_from_slice(&y);
    }
    for x in words.into_remainder() {
        *x = table[*x as u8 as usize];
    }
}

/// Four lookups of one word of input (one load and one store where the compiler
/// merges the byte accesses; the indices need no bounds check).
#[inline(always)]
fn look4(table: &[i8; 256], x: [i8; 4]) -> [i8; 4] {
    x.map(|v| table[v as u8 as usize])
}

/// `out[i] = clamp(input[i], lo, hi)` over `out.len()` elements (`lo <= hi`). With the
/// DSP extension 16 elements per iteration ([`super::dsp::clamp_s8`]); on Helium the
/// plain loop, which LLVM vectorizes as well as a hand-written one (`vmax`, `vmin`:
/// 0.25 instructions per element, where the assembly loop took 0.31).
#[inline]
pub fn clamp_s8(lo: i8, hi: i8, input: &[i8], out: &mut [i8]) {
    let n = out.len();
    let input = &input[..n];
    #[allow(unused_mut)]
    let mut done = 0;
    #[cfg(all(tinyml_dsp, not(tinyml_mve)))]
    if n >= 16 {
        // SAFETY: `input` and `out` have `n >= 16 * (n / 16)` elements.
        unsafe { super::dsp::clamp_s8(lo, hi, input.as_ptr(), out.as_mut_ptr(), n / 16) };
        done = n - n % 16;
    }
    for (o, &x) in out[done..].iter_mut().zip(&input[done..]) {
        *o = x.clamp(lo, hi);
    }
}

/// [`clamp_s8`] writing over its input.
#[inline]
pub fn clamp_s8_in_place(lo: i8, hi: i8, buf: &mut [i8]) {
    #[allow(unused_mut)]
    let mut done = 0;
    #[cfg(all(tinyml_dsp, not(tinyml_mve)))]
    if buf.len() >= 16 {
        let (p, blocks) = (buf.as_mut_ptr(), buf.len() / 16);
        // SAFETY: `buf` has at least `16 * blocks` elements; each word is loaded before
        // it is stored.
        unsafe { super::dsp::clamp_s8(lo, hi, p, p, blocks) };
        done = 16 * blocks;
    }
    for x in &mut buf[done..] {
        *x = (*x).clamp(lo, hi);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::{vec, vec::Vec};

    fn data(n: usize) -> Vec<i8> {
        let mut s = 7u32;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (s >> 16) as i8
            })
            .collect()
    }

    #[test]
    fn lookup_reads_the_table_at_every_length() {
        let table: [i8; 256] = core::array::from_fn(|u| (u as u8).wrapping_mul(37) as i8);
        for n in [0, 1, 3, 4, 5, 15, 16, 17, 33, 300] {
            let x = data(n);
            let want: Vec<i8> = x.iter().map(|&v| table[v as u8 as usize]).collect();
            let mut out = vec![0; n];
            lookup_s8(&table, &x, &mut out);
            assert_eq!(out, want, "n {n}");
            let mut buf = x.clone();
            lookup_s8_in_place(&table, &mut buf);
            assert_eq!(buf, want, "in place, n {n}");
        }
    }

    #[test]
    fn clamp_bounds_every_byte_at_every_length() {
        for (lo, hi) in [(-128, 127), (-5, 40), (0, 0), (127, 127)] {
            for n in [0, 1, 3, 4, 5, 15, 16, 17, 63, 64, 259] {
                let x = data(n);
                let want: Vec<i8> = x.iter().map(|&v| v.clamp(lo, hi)).collect();
                let mut out = vec![0; n];
                clamp_s8(lo, hi, &x, &mut out);
                assert_eq!(out, want, "[{lo}, {hi}], n {n}");
                let mut buf = x.clone();
                clamp_s8_in_place(lo, hi, &mut buf);
                assert_eq!(buf, want, "in place, [{lo}, {hi}], n {n}");
            }
        }
    }
}
