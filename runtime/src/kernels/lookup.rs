//! The one-table form of an int8 operator whose output byte is a function of its input
//! byte alone: RELU, RELU6, LEAKY_RELU, HARD_SWISH, LOGISTIC and TANH when they run as
//! layers of their own (fused activations are a clamp inside the producing kernel).
//!
//! There are only 256 input bytes, so the model compiler runs the reference kernel on
//! all of them once ([`lookup_s8_pack`]) and packs the results as a table in flash; the
//! optimized kernels then read the table ([`by_table`]), a few instructions per element
//! whatever the arithmetic (LOGISTIC's fixed-point exponential costs about a hundred).
//! A table that is a clamp, `out = clamp(x, lo, hi)` (RELU6 always; RELU where input
//! and output share a quantization), is packed as its two bounds instead, and the
//! kernel clamps, which on every core is cheaper than a gather. Being the reference
//! kernel's own outputs, either form is exact by construction. The reference kernels
//! (and builds with `reference-kernels`) ignore the table.

/// Most words [`lookup_s8_pack`] writes: a tag word, then the 256 output bytes four to a
/// word, in the order of the input byte read as `u8`, little-endian.
pub const LOOKUP_S8_WORDS: usize = 1 + 64;

/// Tag of the table form ("LUT1").
const TABLE_TAG: i32 = 0x4c55_5431;

/// Tag of the clamp form ("CLP1"), followed by the bounds `lo` and `hi`.
const CLAMP_TAG: i32 = 0x434c_5031;

/// Computes the table of an int8 unary `kernel` (the reference arithmetic, called once
/// on the 256 input bytes) into `packed` (at least [`LOOKUP_S8_WORDS`] words) and
/// returns the words written: 3 for a clamp, 65 for a table, 0 when `packed` is too
/// short (the kernel then computes each element).
pub fn lookup_s8_pack(kernel: impl FnOnce(&[i8], &mut [i8]), packed: &mut [i32]) -> usize {
    if packed.len() < LOOKUP_S8_WORDS {
        return 0;
    }
    let input: [i8; 256] = core::array::from_fn(|u| u as u8 as i8);
    let mut table = [0i8; 256];
    kernel(&input, &mut table);
    let at = |x: i8| table[x as u8 as usize];
    let (lo, hi) = (at(i8::MIN), at(i8::MAX));
    if lo <= hi && input.iter().all(|&x| at(x) == x.clamp(lo, hi)) {
        packed[..3].copy_from_slice(&[CLAMP_TAG, lo.into(), hi.into()]);
        return 3;
    }
    packed[0] = TABLE_TAG;
    for (word, bytes) in packed[1..LOOKUP_S8_WORDS].iter_mut().zip(table.chunks_exact(4)) {
        *word = i32::from_le_bytes([bytes[0] as u8, bytes[1] as u8, bytes[2] as u8, bytes[3] as u8]);
    }
    LOOKUP_S8_WORDS
}

/// A packed form, read back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// `out = table[x as u8]`.
    Table(&'a [i8; 256]),
    /// `out = clamp(x, lo, hi)`.
    Clamp(i8, i8),
}

/// Reads a form written by [`lookup_s8_pack`]; `None` for any other layout (an empty
/// table, another kernel's).
pub fn lookup_s8_form(packed: &[i32]) -> Option<Lookup<'_>> {
    match packed {
        [CLAMP_TAG, lo, hi] => {
            let (lo, hi) = (i8::try_from(*lo).ok()?, i8::try_from(*hi).ok()?);
            (lo <= hi).then_some(Lookup::Clamp(lo, hi))
        }
        // The bytes were packed little-endian, the order a little-endian target reads.
        [TABLE_TAG, rest @ ..] if rest.len() == 64 && cfg!(target_endian = "little") => {
            // SAFETY: 64 `i32` are the bytes of 256 `i8`, which need less alignment.
            Some(Lookup::Table(unsafe { &*rest.as_ptr().cast::<[i8; 256]>() }))
        }
        _ => None,
    }
}

/// Runs the packed form over `input` into `output` and returns `true`, or returns
/// `false` (nothing written) when `packed` holds none or the build has only reference
/// kernels.
#[inline]
pub fn by_table(packed: &[i32], input: &[i8], output: &mut [i8]) -> bool {
    #[cfg(not(feature = "reference-kernels"))]
    {
        match lookup_s8_form(packed) {
            Some(Lookup::Table(t)) => super::simd::lookup_s8(t, input, output),
            Some(Lookup::Clamp(lo, hi)) => super::simd::clamp_s8(lo, hi, input, output),
            None => return false,
        }
        true
    }
    #[cfg(feature = "reference-kernels")]
    {
        let _ = (packed, input, output);
        false
    }
}

/// [`by_table`] writing over its input.
#[inline]
pub fn by_table_in_place(packed: &[i32], buf: &mut [i8]) -> bool {
    #[cfg(not(feature = "reference-kernels"))]
    {
        match lookup_s8_form(packed) {
            Some(Lookup::Table(t)) => super::simd::lookup_s8_in_place(t, buf),
            Some(Lookup::Clamp(lo, hi)) => super::simd::clamp_s8_in_place(lo, hi, buf),
            None => return false,
        }
        true
    }
    #[cfg(feature = "reference-kernels")]
    {
        let _ = (packed, buf);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::{vec, vec::Vec};

    fn packed_of(kernel: impl FnOnce(&[i8], &mut [i8])) -> Vec<i32> {
        let mut packed = vec![0; LOOKUP_S8_WORDS];
        let words = lookup_s8_pack(kernel, &mut packed);
        packed.truncate(words);
        packed
    }

    #[test]
    fn a_clamp_packs_as_its_bounds_anything_else_as_a_table() {
        let clamp = packed_of(|x, y| y.iter_mut().zip(x).for_each(|(y, &x)| *y = x.clamp(-3, 90)));
        assert_eq!(lookup_s8_form(&clamp), Some(Lookup::Clamp(-3, 90)));
        let halve = packed_of(|x, y| y.iter_mut().zip(x).for_each(|(y, &x)| *y = x / 2));
        let Some(Lookup::Table(t)) = lookup_s8_form(&halve) else { panic!("{halve:?}") };
        for x in i8::MIN..=i8::MAX {
            assert_eq!(t[x as u8 as usize], x / 2);
        }
        assert_eq!(lookup_s8_form(&[]), None);
        assert_eq!(lookup_s8_form(&halve[..64]), None);
        assert_eq!(lookup_s8_pack(|_, _| {}, &mut [0; 64]), 0);
    }

    #[test]
    fn by_table_runs_either_form() {
        let x: Vec<i8> = (0..300).map(|i| (i * 7) as u8 as i8).collect();
        let f = |v: i8| v.wrapping_mul(3);
        let table = packed_of(|x, y| y.iter_mut().zip(x).for_each(|(y, &x)| *y = f(x)));
        let clamp = packed_of(|x, y| y.iter_mut().zip(x).for_each(|(y, &x)| *y = x.max(5)));
        for (packed, g) in [(&table, &f as &dyn Fn(i8) -> i8), (&clamp, &|v: i8| v.max(5))] {
            let want: Vec<i8> = x.iter().map(|&v| g(v)).collect();
            let mut out = vec![0; x.len()];
            let mut buf = x.clone();
            let (ran, ran_in_place) = (by_table(packed, &x, &mut out), by_table_in_place(packed, &mut buf));
            assert_eq!((ran, ran_in_place), (cfg!(not(feature = "reference-kernels")), ran));
            if ran {
                assert_eq!((out, buf), (want.clone(), want));
            }
        }
        assert!(!by_table(&[], &x, &mut [0; 300]));
    }
}
