//! Output pixels of a convolution over a block of output channels, window gather
//! included: on Helium one routine per run of pixels (`simd::conv_pixel`) with everything
//! the pixels share prepared once per block, elsewhere the same steps with the portable
//! primitives. Without Helium only pointwise layers take it (other windows are read in
//! place there, `conv::in_place`), so the clipped windows are Helium's only.

use crate::kernels::packed::Group4;
#[cfg(not(tinyml_mve))]
use crate::kernels::simd::copy_i8;
#[cfg(tinyml_mve)]
use crate::kernels::simd::{conv_pixel, conv_pixel_small, fill_i8, CONV_PIXEL_CTX};
use crate::kernels::simd::{dot, dot4_requantize, OutQuant};
use core::ops::Range;

/// Longest run of a window with more than one run per row (the taps of a horizontally
/// dilated row): one predicated vector on Helium.
pub const MAX_TAP: usize = 16;

/// Where a pixel's window lies in the input, from its first byte: `rows` rows
/// `row_stride` bytes apart, each `taps` runs of `len` bytes `tap_stride` apart (one run
/// per row when the row is contiguous), of input pixels of `depth` bytes. The column
/// holds the runs back to back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Filter rows (0: the pixel is the column, a pointwise convolution).
    pub rows: usize,
    /// Bytes from one row to the next.
    pub row_stride: usize,
    /// Runs per row.
    pub taps: usize,
    /// Bytes from one run of a row to the next.
    pub tap_stride: usize,
    /// Bytes of a run.
    pub len: usize,
    /// Bytes of an input pixel (a filter column's part of a run).
    pub depth: usize,
}

impl Window {
    /// The pixel of `len` bytes is the column.
    pub fn pointwise(len: usize) -> Self {
        Window { rows: 0, row_stride: 0, taps: 1, tap_stride: 0, len, depth: len }
    }

    /// Column bytes of one row.
    fn row_bytes(&self) -> usize {
        self.taps * self.len
    }

    /// Filter columns of a row.
    pub fn cols(&self) -> usize {
        if self.taps == 1 {
            self.len / self.depth
        } else {
            self.taps
        }
    }

    #[cfg(tinyml_mve)]
    /// Bytes from the first byte of filter row `rows.start`, column `cols.start` of a
    /// window to the last of row `rows.end - 1`, column `cols.end - 1`, plus one
    /// (both ranges not empty).
    pub fn extent(&self, rows: Range<usize>, cols: Range<usize>) -> usize {
        let last_row = (rows.len() - 1) * self.row_stride;
        if self.taps == 1 {
            last_row + cols.len() * self.depth
        } else {
            last_row + (cols.len() - 1) * self.tap_stride + self.len
        }
    }
}

/// The constants of a block of `n` output channels whose column is gathered by a
/// [`Window`], or is the pixel itself (pointwise): the full groups of four, then, when
/// `n > 4` is not a multiple of four, the last four channels again (overlapping,
/// rewriting identical bytes), as `conv::optimized::Block`. Rows of the window outside
/// the image can be left out of the gather ([`ConvPixel::clip_rows`]).
pub struct ConvPixel<'a> {
    column: *mut i8,
    k: usize,
    n: usize,
    window: Window,
    /// Filter rows and columns of the window gathered.
    rows: Range<usize>,
    cols: Range<usize>,
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
    /// A block whose windows are gathered into `column` (`column.len()` the window's
    /// bytes), or, when `column` is empty and the window has no rows, whose pixels of
    /// `len` bytes are the column. `None` unless `n > 0`, `len > 0`, runs of at most
    /// [`MAX_TAP`] bytes when a row has several, `w` holds `n` rows of `k` bytes and
    /// `groups` `n.div_ceil(4)` groups.
    pub fn new(
        column: &'a mut [i8],
        w: &'a [i8],
        groups: &'a [Group4],
        n: usize,
        q: OutQuant,
        window: Window,
    ) -> Option<Self> {
        let Window { rows, taps, len, .. } = window;
        let k = if rows == 0 { len } else { rows * taps * len };
        let fits = if rows == 0 { column.is_empty() } else { column.len() == k };
        let runs_fit = taps == 1 || (taps > 1 && len <= MAX_TAP);
        if n == 0 || len == 0 || !fits || !runs_fit || w.len() < n * k || groups.len() < n.div_ceil(4) {
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
                q.max,
                end as i32,
                k as i32,
                col,
                k as i32 - 16 * k.div_ceil(16) as i32,
                n.min(4) as i32,
                full.as_ptr() as i32,
                w.as_ptr() as i32,
                rows as i32,
                0,
                len as i32,
                q.offset,
                step(1),
                step(2),
                step(3),
                // The gather (`encode_gather`) and the pixel steps (`run_row`).
                0,
                0,
                col,
                0,
                0,
                0,
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
        let mut px = ConvPixel {
            column: column.as_mut_ptr(),
            k,
            n,
            window,
            rows: 0..rows,
            cols: 0..window.cols(),
            w,
            groups,
            q,
            #[cfg(tinyml_mve)]
            ctx,
            #[cfg(tinyml_mve)]
            tail,
        };
        px.encode_gather();
        Some(px)
    }

    #[cfg(tinyml_mve)]
    /// Gathers only filter rows `rows` and columns `cols` of each window (not empty,
    /// within the window): the others fall outside the image and are set to
    /// `zero_point` in the column here, once. The sources passed to
    /// [`ConvPixel::run_row`] are then those of the first row and column gathered.
    pub fn clip(&mut self, rows: Range<usize>, cols: Range<usize>, zero_point: i8) {
        if (&rows, &cols) == (&self.rows, &self.cols) {
            return;
        }
        let row = self.window.row_bytes();
        // SAFETY: `column` holds `k = rows * row` bytes borrowed mutably for `'a` by `new`
        // (a window with rows: the callers clip only those).
        let column = unsafe { core::slice::from_raw_parts_mut(self.column, self.k) };
        if cols != (0..self.window.cols()) {
            fill_i8(column, zero_point);
        } else {
            fill_i8(&mut column[..rows.start * row], zero_point);
            fill_i8(&mut column[rows.end * row..], zero_point);
        }
        (self.rows, self.cols) = (rows, cols);
        self.encode_gather();
    }

    /// The gather of the clipped window in the Helium routine's context: one predicated
    /// vector per run when runs have at most [`MAX_TAP`] bytes (the rows of contiguous
    /// runs as the taps of one row when they are whole: 6 instructions a run, where the
    /// vector loop costs 11), else a vector loop per run.
    #[inline(always)]
    fn encode_gather(&mut self) {
        #[cfg(tinyml_mve)]
        {
            let wd = self.window;
            if wd.rows == 0 {
                return;
            }
            let (rows, cols) = (self.rows.len(), self.cols.len());
            let row = wd.row_bytes();
            let (len, taps) = if wd.taps == 1 { (cols * wd.depth, 1) } else { (wd.len, cols) };
            let (rows, row_stride, taps, tap_stride) = match (wd.taps, len <= MAX_TAP) {
                (1, true) if len == row => (1, 0, rows, wd.row_stride),
                (1, true) => (rows, wd.row_stride, 1, 0),
                (1, false) => (rows, wd.row_stride, 0, 0),
                _ => (rows, wd.row_stride, taps, wd.tap_stride),
            };
            let first = self.rows.start * row + self.cols.start * if wd.taps == 1 { wd.depth } else { wd.len };
            self.ctx[9] = rows as i32;
            self.ctx[10] = row_stride as i32;
            self.ctx[11] = len as i32;
            self.ctx[16] = taps as i32;
            self.ctx[17] = tap_stride as i32;
            // SAFETY: inside the column (`first < k`).
            self.ctx[18] = unsafe { self.column.add(first) } as i32;
            self.ctx[21] = row as i32;
        }
    }

    /// `count > 0` pixels: the window of pixel `i` at `src + i * src_step`, its `n`
    /// outputs at `out + i * out_step`.
    ///
    /// # Safety
    /// `src + i * src_step` valid for reads of the gathered rows of a window
    /// ([`Window::extent`]; with no rows, `k` bytes) and `out + i * out_step` for `n`
    /// writes, for each `i < count`.
    #[inline(always)]
    pub unsafe fn run_row(&mut self, src: *const i8, src_step: usize, out: *mut i8, out_step: usize, count: usize) {
        let n = self.n;
        #[cfg(tinyml_mve)]
        {
            // SAFETY: the contexts were built by `new` from checked slices, the gather
            // inside the column; `src` and `out` by the caller's contract; the tail reads
            // the column just gathered (or the pixel) and writes the last four outputs.
            unsafe {
                if n > 4 && !n.is_multiple_of(4) {
                    for i in 0..count {
                        let (src, out) = (src.add(i * src_step), out.add(i * out_step));
                        conv_pixel(&self.ctx, src, out, 1);
                        let column = if self.window.rows == 0 { src } else { self.column };
                        conv_pixel(&self.tail, column, out.add(n - 4), 1);
                    }
                    return;
                }
                // The routine's output pointer ends a pixel 4 bytes past each group's.
                self.ctx[19] = src_step as i32;
                self.ctx[20] = out_step as i32 - 4 * (n / 4).max(1) as i32;
                if n < 4 {
                    conv_pixel_small(&self.ctx, src, out, count);
                } else {
                    conv_pixel(&self.ctx, src, out, count);
                }
            }
        }
        #[cfg(not(tinyml_mve))]
        for i in 0..count {
            // SAFETY: the caller's contract.
            let (src, out) =
                unsafe { (src.add(i * src_step), core::slice::from_raw_parts_mut(out.add(i * out_step), n)) };
            if self.window.rows == 0 {
                // SAFETY: the pixel, `k` bytes by the caller's contract.
                let column = unsafe { core::slice::from_raw_parts(src, self.k) };
                self.requantize(column, out);
                continue;
            }
            let wd = self.window;
            // SAFETY: `column` holds `k` bytes borrowed by `new`.
            let column = unsafe { core::slice::from_raw_parts_mut(self.column, self.k) };
            let row = wd.row_bytes();
            let cols = self.cols.clone();
            let (run, taps) = if wd.taps == 1 { (cols.len() * wd.depth, 1) } else { (wd.len, cols.len()) };
            let first = cols.start * if wd.taps == 1 { wd.depth } else { wd.len };
            for r in 0..self.rows.len() {
                for t in 0..taps {
                    let from = r * wd.row_stride + t * wd.tap_stride;
                    // SAFETY: inside the gathered rows of the window, by the caller's contract.
                    let src = unsafe { core::slice::from_raw_parts(src.add(from), run) };
                    copy_i8(&mut column[(self.rows.start + r) * row + first + t * run..][..run], src);
                }
            }
            // SAFETY: as above.
            let column = unsafe { core::slice::from_raw_parts(self.column, self.k) };
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

    /// Output channels of the block.
    pub fn channels(&self) -> usize {
        self.n
    }

    #[cfg(tinyml_mve)]
    /// The column, for a window gathered by the caller (at the borders); the next
    /// [`ConvPixel::clip`] sets the bytes outside its clip again.
    pub fn column(&mut self) -> &mut [i8] {
        self.rows = 0..0;
        // SAFETY: `column` holds `k` bytes borrowed mutably for `'a` by `new` (when it
        // has rows; without, the caller never gathers).
        unsafe { core::slice::from_raw_parts_mut(self.column, if self.window.rows == 0 { 0 } else { self.k }) }
    }

    #[cfg(tinyml_mve)]
    /// The block's `n` outputs from the column as [`ConvPixel::column`] left it.
    pub fn run_gathered(&self, out: &mut [i8]) {
        let n = self.n;
        // SAFETY: as in `column`.
        let column =
            unsafe { core::slice::from_raw_parts(self.column, if self.window.rows == 0 { 0 } else { self.k }) };
        self.requantize(column, &mut out[..n]);
    }
}
