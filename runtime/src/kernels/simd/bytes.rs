//! Byte moves of the convolution's im2col (window rows into the column, padding rows):
//! on Helium tail-predicated vector loops (`mve_conv.rs`), elsewhere word copies for
//! short runs and `copy_from_slice`/`fill` for long ones; and [`copy_short`], the word
//! copies for any element type (the concatenation's short blocks).

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
    copy_short(dst, src);
}

/// Elements up to which [`copy_short`] copies inline rather than calling `memcpy`, whose
/// call and alignment checks cost about 35 instructions for a few bytes.
const INLINE_COPY: usize = 32;

/// `dst.copy_from_slice(&src[..dst.len()])` for any element type: up to [`INLINE_COPY`]
/// elements four at a time (fixed-size copies, which the compiler emits as loads and
/// stores rather than a call), then the rest one by one; longer runs by `memcpy`.
#[inline(always)]
pub fn copy_short<T: Copy>(dst: &mut [T], src: &[T]) {
    let src = &src[..dst.len()];
    if dst.len() > INLINE_COPY {
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
