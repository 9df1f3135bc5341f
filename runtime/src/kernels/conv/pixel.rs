//! One output pixel of a convolution over a block of output channels, window gather
//! included: on Helium one routine per pixel (`simd::conv_pixel`) with everything
//! the pixels share prepared once per block, elsewhere the same steps with the portable
//! primitives (which is what the host tests check the window arithmetic with).

use crate::kernels::packed::Group4;
#[cfg(not(tinyml_mve))]
use crate::kernels::simd::copy_i8;
#[cfg(tinyml_mve)]
use crate::kernels::simd::{conv_pixel, conv_pixel_small, CONV_PIXEL_CTX};
use crate::kernels::simd::{dot, dot4_requantize, OutQuant};

/// The constants of a block of `n >= 4` output channels whose column is gathered from
/// `rows` runs of `len` bytes (`row_stride` apart in the input), or, with no rows, is the
/// `len` bytes at the pixel itself (pointwise): the full groups of four, then, when `n` is
/// not a multiple of four, the last four channels again (overlapping, rewriting identical
/// bytes), as `conv::optimized::Block`.
pub struct ConvPixel<'a> {
    column: *mut i8,
    k: usize,
    n: usize,
    rows: usize,
    #[cfg(not(tinyml_mve))]
    row_stride: usize,
    w: &'a [i8],
    groups: &'a [Group4],
    q: OutQuant,
    #[cfg(tinyml_mve)]
    ctx: [i32; CONV_PIXEL_CTX],
    /// A block of more than four channels, not a multiple of four: its last four
    /// channels as a block of their own whose column is the gathered one.
    #[cfg(tinyml_mve)]
    tail: [i32; CONV_PIXEL_CTX],
}

impl<'a> ConvPixel<'a> {
    /// A block whose windows are gathered into `column` (`rows * len == column.len()`),
    /// or, when `column` is empty and `rows == 0`, whose pixels of `len` bytes are the
    /// column. `None` unless `n >= 4`, `len > 0`, `w` holds `n` rows of `k` bytes and
    /// `groups` `n.div_ceil(4)` groups.
    pub fn new(
        column: &'a mut [i8],
        w: &'a [i8],
        groups: &'a [Group4],
        n: usize,
        q: OutQuant,
        [rows, row_stride, len]: [usize; 3],
    ) -> Option<Self> {
        let k = len;
        let k = if rows == 0 { k } else { rows * k };
        let fits = if rows == 0 { column.is_empty() } else { column.len() == k };
        if n == 0 || len == 0 || !fits || w.len() < n * k || groups.len() < n.div_ceil(4) {
            return None;
        }
        #[cfg(tinyml_mve)]
        let col = column.as_mut_ptr() as i32;
        #[cfg(tinyml_mve)]
        let ctx = |groups: &[Group4], w: &[i8], n: usize, rows: usize| {
            // A block of fewer than four channels is one group of `n` lanes.
            let full = &groups[..(n / 4).max(1)];
            let step = |r: usize| if r < n { k as i32 } else { 0 };
            // SAFETY: one past the end of the full groups.
            let end = unsafe { full.as_ptr().add(full.len()) };
            [
                q.min,
                q.min,
                q.min,
                q.min,
                q.max,
                q.max,
                q.max,
                q.max,
                end as i32,
                k as i32,
                col,
                k as i32 - 16 * k.div_ceil(16) as i32,
                n.min(4) as i32,
                full.as_ptr() as i32,
                w.as_ptr() as i32,
                rows as i32,
                row_stride as i32,
                len as i32,
                q.offset,
                step(1),
                step(2),
                step(3),
            ]
        };
        #[cfg(tinyml_mve)]
        let (tail, ctx) = (
            if n > 4 && !n.is_multiple_of(4) {
                ctx(&groups[n / 4..], &w[(n - 4) * k..], 4, 0)
            } else {
                [0; CONV_PIXEL_CTX]
            },
            ctx(groups, w, n, rows),
        );
        Some(ConvPixel {
            column: column.as_mut_ptr(),
            k,
            n,
            rows,
            #[cfg(not(tinyml_mve))]
            row_stride,
            w,
            groups,
            q,
            #[cfg(tinyml_mve)]
            ctx,
            #[cfg(tinyml_mve)]
            tail,
        })
    }

    /// Gathers the window at `src` and writes the block's `n` outputs to `out[..n]`.
    ///
    /// # Safety
    /// `src` valid for reads of `rows` runs of `k / rows` bytes, `row_stride` apart (with
    /// no rows, of `k` bytes).
    #[inline(always)]
    pub unsafe fn run(&self, src: *const i8, out: &mut [i8]) {
        let n = self.n;
        let out = &mut out[..n];
        #[cfg(tinyml_mve)]
        {
            // SAFETY: the contexts were built by `new` from checked slices; `src` by the
            // caller's contract, `out` holds `n` bytes; the tail reads the column just
            // gathered (or the pixel) and writes the last four outputs.
            unsafe {
                if n < 4 {
                    conv_pixel_small(&self.ctx, src, out.as_mut_ptr());
                } else {
                    conv_pixel(&self.ctx, src, out.as_mut_ptr());
                }
                if n > 4 && !n.is_multiple_of(4) {
                    let column = if self.rows == 0 { src } else { self.column };
                    conv_pixel(&self.tail, column, out.as_mut_ptr().add(n - 4));
                }
            }
        }
        #[cfg(not(tinyml_mve))]
        {
            let (k, len) = (self.k, self.k / self.rows.max(1));
            for r in 0..self.rows {
                // SAFETY: the caller's contract; `column` holds `k` bytes borrowed by `new`.
                let (row, column) = unsafe {
                    (
                        core::slice::from_raw_parts(src.add(r * self.row_stride), len),
                        core::slice::from_raw_parts_mut(self.column, k),
                    )
                };
                copy_i8(&mut column[r * len..(r + 1) * len], row);
            }
        }
        #[cfg(not(tinyml_mve))]
        {
            // SAFETY: the column gathered above (`k` bytes borrowed by `new`), or the
            // pixel (`k` bytes by the caller's contract).
            let column = unsafe { core::slice::from_raw_parts(if self.rows == 0 { src } else { self.column }, self.k) };
            self.requantize(column, out);
        }
    }

    /// The block's outputs from a gathered column.
    fn requantize(&self, column: &[i8], out: &mut [i8]) {
        let (k, n) = (self.k, self.n);
        if n < 4 {
            let t = &self.groups[0];
            for (c, dst) in out[..n].iter_mut().enumerate() {
                let acc = dot(column, &self.w[c * k..(c + 1) * k]).wrapping_add(t.bias[c]);
                let v = crate::fixedpoint::multiply_by_quantized_multiplier(acc, t.mult[c], t.left[c] + t.right[c]);
                *dst = (v + self.q.offset).clamp(self.q.min, self.q.max) as i8;
            }
            return;
        }
        dot4_requantize(column, self.w, &self.groups[..n / 4], self.q, out);
        if !n.is_multiple_of(4) {
            let c = n - 4;
            dot4_requantize(column, &self.w[c * k..], &self.groups[n / 4..n / 4 + 1], self.q, &mut out[c..]);
        }
    }

    /// The column, for a window gathered by the caller (at the borders).
    pub fn column(&mut self) -> &mut [i8] {
        // SAFETY: `column` holds `k` bytes borrowed mutably for `'a` by `new` (when it
        // has rows; without, the caller never gathers).
        unsafe { core::slice::from_raw_parts_mut(self.column, if self.rows == 0 { 0 } else { self.k }) }
    }

    /// The block's `n` outputs from the column as [`ConvPixel::column`] left it.
    pub fn run_gathered(&self, out: &mut [i8]) {
        let n = self.n;
        // SAFETY: as in `column`.
        let column = unsafe { core::slice::from_raw_parts(self.column, if self.rows == 0 { 0 } else { self.k }) };
        self.requantize(column, &mut out[..n]);
    }
}
