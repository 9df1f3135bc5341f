//! CONV_2D over narrow inputs (1 to 4 input channels, 7 to 64 taps per window: first
//! layers, 3x3, 5x3 and 7x1 kernels), where the general kernel's per-pixel im2col copy (one
//! short run per filter row, tap by tap when dilated) and its block setup cost more than
//! the products of a window of 7 to 64 bytes.
//!
//! Each window is read in place from the input, in chunks of at most 16 taps whose
//! offsets from the chunk's own base lie below 256 (`params::narrow_chunks`: VWW's rows,
//! 288 bytes apart, one 9-byte row per chunk; a 32-pixel-wide RGB image's window, two
//! chunks of 16 and 11 taps). The bases and offsets depend on the layer only (its input
//! row stride, the same for every band of its rows). On Helium one byte-gather per chunk
//! collects its taps into a vector (`simd::conv_narrow_run`), four `vmladava.s8` with a
//! group's weights (repacked to the chunks, zero past their taps) and one vector
//! requantization finish the pixel. At the image's borders each chunk's lanes outside it
//! are masked out of the gather (nothing outside the input is read) and count as the
//! input zero point (`vpsel`): the model compiler folded `input_offset * sum w` into the
//! biases, so a padded tap must read the zero point, as the reference's skipped tap adds
//! nothing. The masks, a word per chunk, are built per change of clip (the rows and
//! columns of the filter inside the image) in the run's context.
//!
//! Elsewhere a scalar loop has the same contract; the host tests check the chunks,
//! offsets and masks with it, but only Helium dispatches here (the M33 and M4 keep the
//! general path, whose DSP dot products the scalar loop was not measured against).
//!
//! The chunks and the repacked weights are packed by the model compiler after the
//! layer's groups (`conv_s8_pack_narrow`); the stack holds only the run's context
//! ([`CTX`] words), no layer data.

use super::params::{conv_s8_narrow_words, narrow_groups, ConvParams, NARROW_CHUNK_WORDS};
pub use super::params::{is_narrow, narrow_chunks, NARROW_MAX_CHUNKS as MAX_CHUNKS, NARROW_MAX_TAPS as MAX_TAPS};
use crate::kernels::packed::Group4;
use core::ops::Range;

/// Words of a run's context (`simd::conv_narrow_run`'s layout): `[bias; 4], weights,
/// chunks' records, chunks, output offset, pixel step (less the last chunk's base),
/// output step, min, max, group, zero point, masks ([`MAX_CHUNKS`])`.
const CTX: usize = 14 + MAX_CHUNKS;
#[cfg(tinyml_mve)]
const _: () = assert!(CTX == crate::kernels::simd::NARROW_CTX);
/// The first mask word of the context.
const MASKS: usize = 14;

/// The narrow-input convolution; `false` (touching nothing) unless [`is_narrow`] and
/// `narrow` holds the layer's chunks and weights. `table` is the layer's packed table
/// (`conv_s8_pack`), `narrow` the words after it (`conv_s8_pack_narrow`).
#[inline(never)]
pub fn conv_narrow(p: &ConvParams, input: &[i8], table: &[Group4], narrow: &[i32], output: &mut [i8]) -> bool {
    match Narrow::new(p, narrow) {
        Some(mut narrow) => {
            narrow.run(p, input, table, output);
            true
        }
        None => false,
    }
}

/// What the rows of a narrow-input layer share: the chunks' records and the repacked
/// weights (from the layer's table), and the run's context. Built once per layer; a
/// layer run a band of output rows at a time (`kernels::rows_in_place`) runs each band
/// with it.
pub struct Narrow<'a> {
    records: &'a [i32],
    weights: &'a [i32],
    chunks: usize,
    /// The last chunk's base from the window's first byte (the sum of the records' steps).
    last_base: isize,
    /// Every chunk's base is the window's first byte (the routine need not move it; the
    /// scalar loop moves it by the records' zero steps).
    #[cfg_attr(not(tinyml_mve), allow(dead_code))]
    flat: bool,
    ctx: [i32; CTX],
    /// The clip (filter rows, columns inside the image) the context's masks describe.
    clip: Option<(Range<usize>, Range<usize>)>,
}

impl<'a> Narrow<'a> {
    /// The layer's, its chunks and weights from `narrow` (`conv_s8_pack_narrow`); `None`
    /// unless [`is_narrow`] and `narrow` holds their words. A band of its rows (its input
    /// rows, output rows and padding above) runs with the same.
    #[inline(always)]
    pub fn new(p: &ConvParams, narrow: &'a [i32]) -> Option<Self> {
        let words = conv_s8_narrow_words(p);
        if words == 0 || narrow.len() != words {
            return None;
        }
        let chunks = narrow_chunks(p, &mut |_, _, _| {});
        let (records, weights) = narrow.split_at(NARROW_CHUNK_WORDS * chunks);
        let last_base = records.chunks(NARROW_CHUNK_WORDS).map(|r| r[4] as isize).sum();
        let flat = records.chunks(NARROW_CHUNK_WORDS).all(|r| r[4] == 0);
        Some(Narrow { records, weights, chunks, last_base, flat, ctx: [0; CTX], clip: None })
    }

    /// The convolution `p` (the layer's, or a band of its rows) with the layer's `table`.
    pub fn run(&mut self, p: &ConvParams, input: &[i8], table: &[Group4], output: &mut [i8]) {
        let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
        let (oh, ow, od) = (p.output_h, p.output_w, p.output_depth);
        let x_reach = (p.filter_w - 1) * p.dilation_w + 1;
        // Output columns whose window is inside the image horizontally: `x_lo..x_hi`.
        let x_lo = p.pad_w.div_ceil(p.stride_w).min(ow);
        let x_hi =
            if iw + p.pad_w >= x_reach { ((iw + p.pad_w - x_reach) / p.stride_w + 1).clamp(x_lo, ow) } else { x_lo };
        let (all_rows, all_cols) = (0..p.filter_h, 0..p.filter_w);
        self.ctx[5] = self.records.as_ptr() as i32;
        self.ctx[6] = self.chunks as i32;
        self.ctx[7] = p.output_offset;
        self.ctx[8] = ((p.stride_w * id) as isize - self.last_base) as i32;
        self.ctx[9] = od as i32;
        self.ctx[10] = p.activation_min;
        self.ctx[11] = p.activation_max;
        self.ctx[13] = -p.input_offset;
        for b in 0..p.batches {
            let image = &input[b * ih * iw * id..(b + 1) * ih * iw * id];
            for oy in 0..oh {
                let y0 = (oy * p.stride_h) as isize - p.pad_h as isize;
                let rows = inside(y0, p.dilation_h, p.filter_h, ih as isize);
                let mut ox = 0;
                while ox < ow {
                    let x0 = (ox * p.stride_w) as isize - p.pad_w as isize;
                    let (cols, n) = if (x_lo..x_hi).contains(&ox) {
                        (all_cols.clone(), x_hi - ox)
                    } else {
                        (inside(x0, p.dilation_w, p.filter_w, iw as isize), 1)
                    };
                    let masked = rows != all_rows || cols != all_cols;
                    if masked {
                        self.set_clip(p, rows.clone(), cols);
                    }
                    let base = (y0 * iw as isize + x0) * id as isize;
                    let o = ((b * oh + oy) * ow + ox) * od;
                    self.pixels(p, image, base, masked, table, &mut output[o..o + (n - 1) * od + od], n);
                    ox += n;
                }
            }
        }
    }

    /// Sets the context's masks for the clip `rows`, `cols` (filter rows and columns
    /// inside the image): per chunk the lanes of its taps inside, bit 31 on the last.
    fn set_clip(&mut self, p: &ConvParams, rows: Range<usize>, cols: Range<usize>) {
        if self.clip.as_ref().is_some_and(|(r, c)| (r, c) == (&rows, &cols)) {
            return;
        }
        let id = p.input_depth;
        let row_len = p.filter_w * id;
        // The window's taps inside, a bit per tap (at most 64): the same columns in
        // each row inside.
        let window = if cols.is_empty() {
            0
        } else {
            rows.clone().fold(0u64, |m, r| m | bits64(r * row_len + cols.start * id, r * row_len + cols.end * id))
        };
        for (c, r) in self.records.chunks(NARROW_CHUNK_WORDS).enumerate() {
            let (first, n) = ((r[5] & 0xff) as usize, (r[5] >> 8) as usize);
            let last = if c + 1 == self.chunks { 1 << 31 } else { 0 };
            self.ctx[MASKS + c] = ((window >> first) as u32 & ((1u32 << n) - 1) | last) as i32;
        }
        self.clip = Some((rows, cols));
    }

    /// `n` output pixels (`stride_w` columns apart) of every group, the first window at
    /// byte `base` of `image` (padding included), masked by the context's masks when
    /// `masked`; `out` holds the pixels' outputs, `od` bytes each.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn pixels(
        &mut self,
        p: &ConvParams,
        image: &[i8],
        base: isize,
        masked: bool,
        table: &[Group4],
        out: &mut [i8],
        n: usize,
    ) {
        let group_words = 16 * self.chunks;
        for (g, (c, group)) in narrow_groups(p.output_depth).zip(table).enumerate() {
            let w = &self.weights[g * group_words..(g + 1) * group_words];
            self.ctx[..4].copy_from_slice(&group.bias);
            self.ctx[4] = w.as_ptr() as i32;
            self.ctx[12] = group as *const Group4 as i32;
            let out = &mut out[c..c + (n - 1) * p.output_depth + 4];
            #[cfg(tinyml_mve)]
            {
                let _ = p;
                let src = image.as_ptr().wrapping_offset(base);
                // SAFETY: the context was built by `run` and `set_clip` (offsets below 256,
                // the records and `64 * chunks` bytes of each group's weights in the
                // layer's table); every lane the masks select (all when not `masked`: the
                // windows inside the image) is a byte of `image`, and `out` holds
                // `(n - 1) * od + 4` bytes.
                unsafe {
                    crate::kernels::simd::conv_narrow_run(&self.ctx, src, out.as_mut_ptr(), n, masked, self.flat)
                };
            }
            #[cfg(not(tinyml_mve))]
            self.scalar(p, image, base, masked, w, group, out, n);
        }
    }

    /// The routine's steps in scalar code: each lane's byte read from `image` (an index out
    /// of it panics), or the zero point when masked out.
    #[cfg(not(tinyml_mve))]
    #[allow(clippy::too_many_arguments)]
    fn scalar(
        &self,
        p: &ConvParams,
        image: &[i8],
        base: isize,
        masked: bool,
        w: &[i32],
        group: &Group4,
        out: &mut [i8],
        n: usize,
    ) {
        use crate::fixedpoint::multiply_by_quantized_multiplier;
        let step = (p.stride_w * p.input_depth) as isize;
        let zero_point = self.ctx[13];
        // SAFETY: the words as bytes, in memory order, as the packing wrote them.
        let w = unsafe { core::slice::from_raw_parts(w.as_ptr() as *const i8, 4 * w.len()) };
        for i in 0..n {
            let mut acc = group.bias;
            let mut chunk_base = base + i as isize * step;
            for (c, r) in self.records.chunks(NARROW_CHUNK_WORDS).enumerate() {
                chunk_base += r[4] as isize;
                let offsets: [u8; 16] = core::array::from_fn(|j| r[j / 4].to_le_bytes()[j % 4]);
                let mask = if masked { self.ctx[MASKS + c] as u32 } else { u32::MAX };
                for (j, &off) in offsets.iter().enumerate() {
                    let x = if mask >> j & 1 == 1 {
                        image[(chunk_base + off as isize) as usize] as i32
                    } else {
                        zero_point
                    };
                    for (r, a) in acc.iter_mut().enumerate() {
                        *a = a.wrapping_add(x * w[(c * 4 + r) * 16 + j] as i32);
                    }
                }
            }
            for (r, &a) in acc.iter().enumerate() {
                let v = multiply_by_quantized_multiplier(a, group.mult[r], group.left[r] + group.right[r])
                    + p.output_offset;
                out[i * p.output_depth + r] = v.clamp(p.activation_min, p.activation_max) as i8;
            }
        }
    }
}

/// The bits `lo..hi` (clamped to `0..64`) of a window's mask.
fn bits64(lo: usize, hi: usize) -> u64 {
    let (lo, hi) = (lo.min(64) as u32, hi.min(64) as u32);
    if hi <= lo {
        return 0;
    }
    (u64::MAX >> (64 - (hi - lo))) << lo
}

/// The taps of a window from `start` (padding included), `dilation` apart, inside
/// `0..size`.
fn inside(start: isize, dilation: usize, taps: usize, size: isize) -> Range<usize> {
    let d = dilation as isize;
    let lo = (if start >= 0 { 0 } else { (d - 1 - start) / d } as usize).min(taps);
    let hi = if start >= size { 0 } else { ((size - 1 - start) / d + 1) as usize };
    lo..hi.clamp(lo, taps)
}
