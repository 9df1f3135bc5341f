//! Helium: a convolution whose arena has no scratch for the im2col column (`k <= 128`,
//! the planner's minimum of 0, `params::IN_PLACE_COLUMN`) reads each window in place from
//! the input, so it needs no column on the stack either.
//!
//! One output row at a time (a call for the pixels whose window is inside the image, one
//! per border pixel), per group of four channels, the biases as accumulators and four
//! `vmladava.s8` per 16 bytes of the window, read by the first of these that fits:
//! - chunks of 16 column bytes at the same offsets (below 256) from a base moving by a
//!   fixed step, one byte-gather each (`simd::conv_in_place`): a window of one row, or rows
//!   of 1, 2, 4, 8 or 16 bytes, several per chunk (micro_speech's 10x8 window over one
//!   channel: two rows per chunk);
//! - chunks with offsets of their own from the window's first byte (a table of at most
//!   four vectors in the context), when the window spans less than 256 bytes of the input
//!   (other row lengths, dilated rows);
//! - row by row, pieces of 16 bytes (`simd::conv_runs`);
//! - else pixel by pixel, run by run (`simd::dot4_run`; dilated rows over wide inputs).
//!
//! At the image's borders the lanes outside it are masked out of the loads (nothing
//! outside the input is read) and count as the input zero point (`vpsel`): the model
//! compiler folded `input_offset * sum w` into the biases. The masks and offsets are a
//! context of 50 words ([`Context`], in the caller's frame) built once per block (its
//! clip's masks once per change of clip), where the stack column path held the column
//! (128 bytes) and two contexts of 22 words.

use super::super::params::{in_place_read, ConvParams, InPlaceRead, IN_PLACE_COLUMN};
use crate::fixedpoint::multiply_by_quantized_multiplier;
use crate::kernels::packed::Group4;
use crate::kernels::simd::{conv_in_place, conv_runs, dot4_run, OutQuant, IN_PLACE_CTX};
use core::ops::Range;

/// A window: `rows` rows `row_stride` bytes apart, each `taps` runs of `len` bytes
/// `tap_stride` apart (one run when the row is contiguous), of pixels of `depth` bytes.
#[derive(Clone, Copy)]
struct Window {
    rows: usize,
    row_stride: usize,
    taps: usize,
    tap_stride: usize,
    len: usize,
    depth: usize,
}

/// A block of `n` output channels of a layer read in place: its filter rows, constants,
/// and the Helium routine's context (masks and offsets included).
pub struct InPlace<'a> {
    w: &'a [i8],
    groups: &'a [Group4],
    n: usize,
    k: usize,
    q: OutQuant,
    window: Window,
    zero_point: i8,
    /// How the windows are read.
    mode: InPlaceRead,
    /// The routine's context, in the caller's frame ([`Context`]).
    ctx: &'a mut [i32; IN_PLACE_CTX],
    /// A block of more than four channels, not a multiple of four: the words of its last
    /// four channels' context that differ from `ctx` ([`TAIL_WORDS`]), swapped in for
    /// their call (a second context would double the frame).
    tail: Option<[i32; TAIL_WORDS.len()]>,
    /// The clip the masks of `ctx` describe.
    clip: (Range<usize>, Range<usize>),
    /// `InPlaceRead::Chunks`: the lanes of each chunk in the clip's rows.
    rows_inside: [u16; 8],
}

impl<'a> InPlace<'a> {
    /// Whether [`InPlace::new`] takes a block of `n` channels of `p` with filter rows `w`
    /// and constants `groups`: `n > 0`, `w` holds `n` rows of the window's `k <= 128`
    /// bytes and `groups` `n.div_ceil(4)` groups.
    pub fn accepts(p: &ConvParams, w: &[i8], groups: &[Group4], n: usize) -> bool {
        let k = p.filter_h * p.filter_w * p.input_depth;
        n > 0 && k > 0 && k <= IN_PLACE_COLUMN && w.len() >= n * k && groups.len() >= n.div_ceil(4)
    }

    /// The block of `n` channels whose filter rows `w` and constants `groups` are given
    /// ([`InPlace::accepts`] them). Returned by value, not in an `Option`: moving the
    /// block (about 320 bytes) out of one doubled the caller's frame.
    #[inline(always)]
    pub fn new(p: &ConvParams, w: &'a [i8], groups: &'a [Group4], n: usize, q: OutQuant, ctx: &'a mut Context) -> Self {
        let id = p.input_depth;
        let k = p.filter_h * p.filter_w * id;
        let row_stride = p.dilation_h * p.input_w * id;
        let window = if p.dilation_w == 1 || p.filter_w == 1 {
            Window { rows: p.filter_h, row_stride, taps: 1, tap_stride: 0, len: p.filter_w * id, depth: id }
        } else {
            Window { rows: p.filter_h, row_stride, taps: p.filter_w, tap_stride: p.dilation_w * id, len: id, depth: id }
        };
        let mode = in_place_read(p);
        let zero_point = (-p.input_offset) as i8;
        let mut px = InPlace {
            w,
            groups,
            n,
            k,
            q,
            window,
            zero_point,
            mode,
            ctx: &mut ctx.0,
            tail: None,
            clip: (0..0, 0..0),
            rows_inside: [0; 8],
        };
        if mode != InPlaceRead::Pixels {
            // The routine's pixels: along an output row, or, when a row is one pixel (the
            // 1-D layers of audio models), down the output column.
            let step = if p.output_w == 1 { p.stride_h * p.input_w } else { p.stride_w };
            let (od, step) = (p.output_depth as i32, (step * id) as i32);
            px.context(od, step);
            if n > 4 && !n.is_multiple_of(4) {
                // The last four channels: one group, its rows from channel `n - 4`.
                let last = &groups[n / 4..n / 4 + 1];
                // SAFETY: one past the end of the group.
                let end = unsafe { last.as_ptr().add(1) };
                let (table, rows) = (last.as_ptr() as i32, w[(n - 4) * k..].as_ptr() as i32);
                px.tail = Some([end as i32, table, rows, od - 4]);
            }
        }
        px
    }

    /// Fills the routine's context of the block (one group when `n <= 4`), its output
    /// `od` bytes per pixel, its window `step` bytes per pixel. Not inlined, and in place:
    /// a context built and returned by value took its size again in the caller's frame.
    #[inline(never)]
    fn context(&mut self, od: i32, step: i32) {
        let (groups, w, n) = (self.groups, self.w, self.n);
        let (k, rs, len) = (self.k, self.window.row_stride, self.window.len);
        let full = &groups[..(n / 4).max(1)];
        // SAFETY: one past the end of the full groups.
        let end = unsafe { full.as_ptr().add(full.len()) };
        let row_step = |r: usize| if r < n { k as i32 } else { 0 };
        let g = if let InPlaceRead::Chunks(g) = self.mode { g } else { 0 };
        let runs = self.mode == InPlaceRead::Runs;
        let padded = 16 * len.div_ceil(16);
        let ctx = &mut *self.ctx;
        ctx[..16].copy_from_slice(&[
            self.q.min,
            self.q.max,
            end as i32,
            k as i32,
            match (runs, g) {
                (true, _) => rs as i32 - padded as i32,
                (false, 0) => 16,
                _ => (g * rs) as i32,
            },
            if runs { len as i32 - padded as i32 } else { k as i32 - 16 * k.div_ceil(16) as i32 },
            n.min(4) as i32,
            full.as_ptr() as i32,
            w.as_ptr() as i32,
            self.zero_point as i32,
            self.window.rows as i32,
            step,
            self.q.offset,
            row_step(1),
            row_step(2),
            row_step(3),
        ]);
        // The gather offsets: one vector of 16, or with a table one per chunk (`4 * 16`
        // bytes, lanes past `k` never loaded), little-endian in the words.
        let wd = self.window;
        let offset = |m: usize| match self.mode {
            InPlaceRead::Table => {
                let (row, rest) = (m / (wd.taps * len), m % (wd.taps * len));
                row * rs + rest / len * wd.tap_stride + rest % len
            }
            _ if g == 0 => m,
            _ => m / len * rs + m % len,
        };
        let lanes = if self.mode == InPlaceRead::Table { k } else { 16 };
        for (i, word) in ctx[32..48].iter_mut().enumerate() {
            let byte = |j: usize| if 4 * i + j < lanes { offset(4 * i + j) as u8 } else { 0 };
            *word = i32::from_le_bytes([byte(0), byte(1), byte(2), byte(3)]);
        }
        ctx[48] = od - 4 * full.len() as i32;
        ctx[49] = len as i32;
    }

    /// Sets the masks of the context for the clip `rows`, `cols` (filter rows and
    /// columns inside the image): a mask per chunk (`InPlaceRead::Chunks`) or per piece of a row
    /// (`InPlaceRead::Runs`), `P0` with a bit per byte.
    fn clip(&mut self, rows: Range<usize>, cols: Range<usize>) {
        if (&rows, &cols) == (&self.clip.0, &self.clip.1) {
            return;
        }
        let (d, len) = (self.window.depth, self.window.len as isize);
        let (lo, hi) = if cols.is_empty() { (0, 0) } else { ((cols.start * d) as isize, (cols.end * d) as isize) };
        let (r0, r1) = (rows.start as isize, rows.end as isize);
        match self.mode {
            InPlaceRead::Chunks(0) => {
                // One row: the bytes `lo..hi` of the column, if the row is inside.
                for c in 0..self.k.div_ceil(16) {
                    let c16 = 16 * c as isize;
                    self.ctx[16 + c] = if r0 < r1 { bits(lo - c16, hi - c16) } else { 0 } as i32;
                }
            }
            InPlaceRead::Table => {
                // The window's bytes inside: a row's pattern (its bytes `lo..hi`, or the
                // taps of its columns inside) at each row inside.
                let wd = self.window;
                let row = if wd.taps == 1 {
                    bits64(lo, hi)
                } else {
                    cols.clone().fold(0, |m, t| m | bits64((t * wd.len) as isize, ((t + 1) * wd.len) as isize))
                };
                let row_bytes = wd.taps * wd.len;
                let column = rows.clone().fold(0u64, |m, r| m | row << (r * row_bytes));
                for c in 0..self.k.div_ceil(16) {
                    self.ctx[16 + c] = (column >> (16 * c)) as u16 as i32;
                }
            }
            InPlaceRead::Chunks(g) => {
                // `g` rows a chunk: the row's bytes `lo..hi` in each, and the rows inside
                // (their lanes kept per chunk while the rows stay: the border pixels of an
                // output row differ in their columns only).
                let chunks = self.k.div_ceil(16);
                if rows != self.clip.0 {
                    for c in 0..chunks {
                        let first = (c * g) as isize;
                        self.rows_inside[c] = bits((r0 - first) * len, (r1 - first) * len) as u16;
                    }
                }
                let row = bits(lo, hi);
                let rep = (0..g).fold(0, |m, i| m | row << (i as isize * len));
                for c in 0..chunks {
                    self.ctx[16 + c] = (rep & self.rows_inside[c] as u32) as i32;
                }
            }
            _ => {
                let pieces = self.window.len.div_ceil(16);
                for r in 0..self.window.rows {
                    for piece in 0..pieces {
                        let p16 = 16 * piece as isize;
                        let m = if rows.contains(&r) { bits(lo - p16, hi - p16) } else { 0 };
                        self.ctx[16 + r * pieces + piece] = m as i32;
                    }
                }
            }
        }
        self.clip = (rows, cols);
    }

    /// The output pixels of one batch of `p` (the layer's, or a band of its rows): `image`
    /// the batch's input, `out` its first output pixel at the block's first channel, `od`
    /// bytes per pixel.
    #[inline(never)]
    pub fn run(&mut self, p: &ConvParams, image: &[i8], out: &mut [i8]) {
        let (ih, iw, id, od) = (p.input_h, p.input_w, p.input_depth, p.output_depth);
        let (ow, n) = (p.output_w, self.n);
        let x_reach = (p.filter_w - 1) * p.dilation_w + 1;
        // Output columns whose window is inside the image horizontally: `x_lo..x_hi`.
        let x_lo = p.pad_w.div_ceil(p.stride_w).min(ow);
        let x_hi =
            if iw + p.pad_w >= x_reach { ((iw + p.pad_w - x_reach) / p.stride_w + 1).clamp(x_lo, ow) } else { x_lo };
        assert!(p.output_h * ow == 0 || out.len() >= (p.output_h * ow - 1) * od + n);
        let all_rows = 0..p.filter_h;
        let all_cols = 0..p.filter_w;
        let window = |oy: usize| {
            let y0 = (oy * p.stride_h) as isize - p.pad_h as isize;
            (inside(y0, p.dilation_h, p.filter_h, ih as isize), y0)
        };
        if ow == 1 && self.mode != InPlaceRead::Pixels {
            // One call for each run of output rows whose windows are inside the image.
            let x0 = -(p.pad_w as isize);
            let cols = inside(x0, p.dilation_w, p.filter_w, iw as isize);
            let mut oy = 0;
            while oy < p.output_h {
                let (rows, y0) = window(oy);
                let masked = rows != all_rows || cols != all_cols;
                let mut count = 1;
                while !masked && oy + count < p.output_h && window(oy + count).0 == all_rows {
                    count += 1;
                }
                let src = image.as_ptr().wrapping_offset((y0 * iw as isize + x0) * id as isize);
                // SAFETY: as below; the `count` pixels are output rows `oy..`, their
                // windows `stride_h` input rows apart (the context's pixel step).
                unsafe { self.call(rows, cols.clone(), masked, src, out.as_mut_ptr().add(oy * od), count) };
                oy += count;
            }
            return;
        }
        for oy in 0..p.output_h {
            let y0 = (oy * p.stride_h) as isize - p.pad_h as isize;
            let rows = inside(y0, p.dilation_h, p.filter_h, ih as isize);
            let o_row = oy * ow;
            let base = |x0: isize| image.as_ptr().wrapping_offset((y0 * iw as isize + x0) * id as isize);
            if self.mode == InPlaceRead::Pixels {
                for ox in 0..ow {
                    let x0 = (ox * p.stride_w) as isize - p.pad_w as isize;
                    let cols = inside(x0, p.dilation_w, p.filter_w, iw as isize);
                    // SAFETY: the lanes read are the window's inside the image; the
                    // pixel's outputs are in `out` (checked above).
                    unsafe { self.pixel(base(x0), rows.clone(), cols, out.as_mut_ptr().add((o_row + ox) * od)) };
                }
                continue;
            }
            let mut ox = 0;
            while ox < ow {
                let x0 = (ox * p.stride_w) as isize - p.pad_w as isize;
                let (cols, count) = if (x_lo..x_hi).contains(&ox) {
                    (all_cols.clone(), x_hi - ox)
                } else {
                    (inside(x0, p.dilation_w, p.filter_w, iw as isize), 1)
                };
                let masked = rows != all_rows || cols != all_cols;
                // SAFETY: the lanes read are the windows' inside the image (every lane
                // unmasked); the outputs of the `count` pixels are in `out`.
                unsafe {
                    let dst = out.as_mut_ptr().add((o_row + ox) * od);
                    self.call(rows.clone(), cols, masked, base(x0), dst, count);
                }
                ox += count;
            }
        }
    }

    /// Runs `count` pixels from window base `src`, outputs `dst` (the context's steps
    /// apart), clipped to `rows` and `cols` when `masked`.
    ///
    /// # Safety
    /// The lanes of each window inside the image (all when not `masked`) readable from its
    /// base; each pixel's `n` outputs writable.
    #[inline(always)]
    unsafe fn call(
        &mut self,
        rows: Range<usize>,
        cols: Range<usize>,
        masked: bool,
        src: *const i8,
        dst: *mut i8,
        count: usize,
    ) {
        if masked {
            self.clip(rows, cols);
        }
        let routine = match (self.mode, masked) {
            (InPlaceRead::Runs, false) => conv_runs::<false>,
            (InPlaceRead::Runs, true) => conv_runs::<true>,
            (InPlaceRead::Table, false) => conv_in_place::<false, true>,
            (InPlaceRead::Table, true) => conv_in_place::<true, true>,
            (_, false) => conv_in_place::<false, false>,
            (_, true) => conv_in_place::<true, false>,
        };
        // SAFETY: the context was built by `new` and `clip`; the windows and outputs by
        // the caller's contract.
        unsafe {
            routine(self.ctx, src, dst, count);
            if self.tail.is_some() {
                self.swap_tail();
                routine(self.ctx, src, dst.add(self.n - 4), count);
                self.swap_tail();
            }
        }
    }

    /// Swaps the words of the tail's context with the block's.
    fn swap_tail(&mut self) {
        if let Some(t) = &mut self.tail {
            for (w, &i) in t.iter_mut().zip(&TAIL_WORDS) {
                core::mem::swap(w, &mut self.ctx[i]);
            }
        }
    }

    /// One pixel of a window without uniform chunks, run by run: its window at `base`
    /// (first row and column, padding included), filter rows `rows` and columns `cols`
    /// inside the image, outputs at `out`.
    ///
    /// # Safety
    /// The bytes of the window's rows and columns inside the image readable from `base`;
    /// `out` valid for `n` writes.
    #[inline(never)]
    unsafe fn pixel(&self, base: *const i8, rows: Range<usize>, cols: Range<usize>, out: *mut i8) {
        let (k, n, wd) = (self.k, self.n, self.window);
        let (lo, hi) =
            if wd.taps == 1 && !cols.is_empty() { (cols.start * wd.depth, cols.end * wd.depth) } else { (0, 0) };
        let groups = n.div_ceil(4);
        for gi in 0..groups {
            let c0 = if 4 * gi + 4 <= n { 4 * gi } else { n.saturating_sub(4) };
            let t = &self.groups[gi];
            let mut acc = t.bias;
            let row = |j: usize| self.w[(c0 + j).min(n - 1) * k..].as_ptr();
            let w = [row(0), row(1), row(2), row(3)];
            for r in 0..wd.rows {
                let row_in = rows.contains(&r);
                for tap in 0..wd.taps {
                    let run = (r * wd.taps + tap) * wd.len;
                    let x = base.wrapping_add(r * wd.row_stride + tap * wd.tap_stride);
                    for piece in (0..wd.len).step_by(16) {
                        let len = (wd.len - piece).min(16);
                        let mask = match (row_in, wd.taps) {
                            (false, _) => 0,
                            (true, 1) => bits(lo as isize - piece as isize, hi as isize - piece as isize),
                            (true, _) if cols.contains(&tap) => bits(0, len as isize),
                            _ => 0,
                        };
                        let w = w.map(|w| w.wrapping_add(run + piece));
                        // SAFETY: the lanes of `mask` are the window's inside the image,
                        // the weights inside the block's rows.
                        unsafe { dot4_run(&mut acc, x.wrapping_add(piece), w, len, mask, self.zero_point) };
                    }
                }
            }
            for (j, &a) in acc.iter().enumerate().take(n.min(4)) {
                let v = multiply_by_quantized_multiplier(a, t.mult[j], t.left[j] + t.right[j]) + self.q.offset;
                // SAFETY: channel `c0 + j < n` of the pixel, by the contract.
                unsafe { *out.add(c0 + j) = v.clamp(self.q.min, self.q.max) as i8 };
            }
        }
    }
}

/// The storage of a block's context (`simd::conv_in_place`'s words), kept by the caller
/// of [`InPlace::new`] in its own frame: inside the block, each move of the block copied
/// it.
pub struct Context([i32; IN_PLACE_CTX]);

impl Default for Context {
    fn default() -> Self {
        Context([0; IN_PLACE_CTX])
    }
}

/// The words of a context that differ between a block of more than four channels and
/// its last four: table end, table, filter rows, output step.
const TAIL_WORDS: [usize; 4] = [2, 7, 8, 48];

/// The bits `lo..hi` (clamped to `0..64`) of a column's mask.
fn bits64(lo: isize, hi: isize) -> u64 {
    let (lo, hi) = (lo.clamp(0, 64) as u32, hi.clamp(0, 64) as u32);
    if hi <= lo {
        return 0;
    }
    (u64::MAX >> (64 - (hi - lo))) << lo
}

/// `P0` of the byte lanes `lo..hi` of a vector (clamped to `0..16`).
fn bits(lo: isize, hi: isize) -> u32 {
    let (lo, hi) = (lo.clamp(0, 16) as u32, hi.clamp(0, 16) as u32);
    if hi <= lo {
        return 0;
    }
    ((1u32 << hi) - 1) & !((1u32 << lo) - 1)
}

/// The taps of a window from `start` (padding included), `dilation` apart, inside
/// `0..size`.
fn inside(start: isize, dilation: usize, taps: usize, size: isize) -> Range<usize> {
    let d = dilation as isize;
    let lo = (if start >= 0 { 0 } else { (d - 1 - start) / d } as usize).min(taps);
    let hi = if start >= size { 0 } else { ((size - 1 - start) / d + 1) as usize };
    lo..hi.clamp(lo, taps)
}
