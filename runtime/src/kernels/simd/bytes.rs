//! Byte moves of the convolution's im2col (window rows into the column, padding rows):
//! on Helium tail-predicated vector loops (`mve_conv.rs`), elsewhere word copies for
//! short runs and `copy_from_slice`/`fill` for long ones.

/// `dst.copy_from_slice(&src[..dst.len()])`.
#[inline(always)]
pub fn copy_i8(dst: &mut [i8], src: &[i8]) {
    let n = dst.len();
    let src = &src[..n];
    #[cfg(tinyml_mve)]
    {
        if n > 0 {
            // SAFETY: `src` and `dst` have `n > 0` elements (checked by the slicing) and do
            // not overlap (one is borrowed mutably).
            unsafe { super::mve_conv::copy(dst.as_mut_ptr(), src.as_ptr(), n) };
        }
    }
    #[cfg(not(tinyml_mve))]
    {
        // A `memcpy` call costs about 35 instructions for a few bytes: words, then bytes.
        if n > 32 {
            dst.copy_from_slice(src);
            return;
        }
        let mut d = dst.chunks_exact_mut(4);
        let mut s = src.chunks_exact(4);
        for (d, s) in (&mut d).zip(&mut s) {
            d.copy_from_slice(s);
        }
        for (d, s) in d.into_remainder().iter_mut().zip(s.remainder()) {
            *d = *s;
        }
    }
}

/// `dst.fill(v)`.
#[inline(always)]
pub fn fill_i8(dst: &mut [i8], v: i8) {
    #[cfg(tinyml_mve)]
    {
        if !dst.is_empty() {
            // SAFETY: `dst` has `len > 0` elements.
            unsafe { super::mve_conv::fill(dst.as_mut_ptr(), v, dst.len()) };
        }
    }
    #[cfg(not(tinyml_mve))]
    {
        if dst.len() > 32 {
            dst.fill(v);
            return;
        }
        let mut d = dst.chunks_exact_mut(4);
        for d in &mut d {
            d.copy_from_slice(&[v; 4]);
        }
        for d in d.into_remainder() {
            *d = v;
        }
    }
}
