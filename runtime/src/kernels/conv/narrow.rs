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
//! collects its taps into a vector (`simd::conv_narrow_row`), four `vmladava.s8` with a
//! group's weights (repacked to the chunks, zero past their taps) and one vector
//! requantization finish the pixel. At the image's borders each chunk's lanes outside it
//! are masked out of the gather (nothing outside the input is read) and count as the
//! input zero point (`vpsel`): the model compiler folded `input_offset * sum w` into the
//! biases, so a padded tap must read the zero point, as the reference's skipped tap adds
//! nothing.
//!
//! One routine call runs a whole output row, all its groups of four channels, as up to
//! three segments: the border columns left of the inside ones, the inside run, the border
//! columns right of it. A border column's masks (a word per chunk) depend only on its
//! clip, the same in every row, so the model compiler packs them per layer
//! (`params::narrow_columns`, `narrow_masks`) and the routine walks them pixel by pixel.
//! A row the top or bottom clips combines them with its rows' masks (an AND per chunk,
//! into [`ROW_MASKS`] words) and masks its inside run with the rows' masks alone. A border
//! pixel so costs its masks' loads and the select (about 37 instructions with one chunk,
//! against 25 inside), where a call per border pixel and group with its masks rebuilt
//! cost about 190.
//!
//! Elsewhere a scalar loop has the same contract; the host tests check the chunks,
//! offsets and masks with it, but only Helium dispatches here (the M33 and M4 keep the
//! general path, whose DSP dot products the scalar loop was not measured against).
//!
//! The chunks, the repacked weights and the border columns' masks are packed by the model
//! compiler after the layer's groups (`conv_s8_pack_narrow`); the stack holds only the
//! run's context ([`CTX`] words) and a clipped row's masks ([`ROW_MASKS`] and
//! `MAX_CHUNKS` words), no layer data.

#[cfg(not(tinyml_mve))]
use super::params::narrow_groups;
use super::params::{
    conv_s8_narrow_words, narrow_columns, narrow_inside, narrow_masks, ConvParams, NARROW_CHUNK_WORDS,
};
pub use super::params::{is_narrow, narrow_chunks, NARROW_MAX_CHUNKS as MAX_CHUNKS, NARROW_MAX_TAPS as MAX_TAPS};
use crate::kernels::packed::{group4_count, group4_in_block, Group4};

/// Words of a run's context (`simd::conv_narrow_row`'s layout): `[bias; 4], weights,
/// chunks' records, chunks, output offset, pixel step (less the last chunk's base),
/// output step, min, max, group, zero point, a masked segment's masks and their step back
/// per pixel, the zero point in 16 bytes`.
const CTX: usize = 20;
#[cfg(tinyml_mve)]
const _: () = assert!(CTX == crate::kernels::simd::NARROW_CTX);
/// Mask words a row clipped by the image's top or bottom combines for its border
/// columns and inside ones (a word per chunk and pixel, then one pixel's for the inside
/// run): VWW's, ResNet-8's and the sweep's first layers take one call per row with it.
const ROW_MASKS: usize = 16;

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

/// Where a segment of a row's pixels reads its masks: unmasked (inside the image), a
/// word per chunk and pixel (`Walk`: border columns), or the same words for every pixel
/// (`Same`: a row clipped by the top or bottom, between its border columns).
#[derive(Clone, Copy)]
enum Masks<'m> {
    None,
    Walk(&'m [i32]),
    Same(&'m [i32]),
}

/// `n` consecutive output pixels of a row with their masks.
#[derive(Clone, Copy)]
struct Segment<'m> {
    n: usize,
    masks: Masks<'m>,
}

const EMPTY: Segment<'static> = Segment { n: 0, masks: Masks::None };

/// What the rows of a narrow-input layer share: the chunks' records, the repacked
/// weights (from the layer's table) and the border columns' masks, and the run's
/// context. Built once per layer; a layer run a band of output rows at a time
/// (`kernels::rows_in_place`) runs each band with it.
pub struct Narrow<'a> {
    records: &'a [i32],
    weights: &'a [i32],
    /// The border columns' masks (`conv_s8_pack_narrow`): left, then right of the inside.
    columns: &'a [i32],
    chunks: usize,
    /// The last chunk's base from the window's first byte (the sum of the records' steps).
    last_base: isize,
    /// Every chunk's base is the window's first byte (the routine need not move it; the
    /// scalar loop moves it by the records' zero steps).
    #[cfg_attr(not(tinyml_mve), allow(dead_code))]
    flat: bool,
    ctx: [i32; CTX],
}

impl<'a> Narrow<'a> {
    /// The layer's, its chunks, weights and border masks from `narrow`
    /// (`conv_s8_pack_narrow`); `None` unless [`is_narrow`] and `narrow` holds their
    /// words. A band of its rows (its input rows, output rows and padding above) runs
    /// with the same.
    #[inline(always)]
    pub fn new(p: &ConvParams, narrow: &'a [i32]) -> Option<Self> {
        let words = conv_s8_narrow_words(p);
        if words == 0 || narrow.len() != words {
            return None;
        }
        let chunks = narrow_chunks(p, &mut |_, _, _| {});
        let (records, rest) = narrow.split_at(NARROW_CHUNK_WORDS * chunks);
        let (weights, columns) = rest.split_at(group4_count(p.output_depth) * 16 * chunks);
        let last_base = records.chunks(NARROW_CHUNK_WORDS).map(|r| r[4] as isize).sum();
        let flat = records.chunks(NARROW_CHUNK_WORDS).all(|r| r[4] == 0);
        Some(Narrow { records, weights, columns, chunks, last_base, flat, ctx: [0; CTX] })
    }

    /// The convolution `p` (the layer's, or a band of its rows) with the layer's `table`:
    /// per output row and group one call of the routine, its border columns masked from
    /// the packed masks (the rows inside the image) or from their combination with the
    /// row's clip (`ROW_MASKS`, the rows the top or bottom clips).
    pub fn run(&mut self, p: &ConvParams, input: &[i8], table: &[Group4], output: &mut [i8]) {
        let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
        let (oh, ow, od) = (p.output_h, p.output_w, p.output_depth);
        let ch = self.chunks;
        // Output columns whose window is inside the image horizontally: `x_lo..x_hi`.
        let (x_lo, x_hi) = narrow_columns(p);
        let (left, right) = self.columns.split_at(x_lo * ch);
        let (mid, n_right) = (x_hi - x_lo, ow - x_hi);
        self.ctx[5] = self.records.as_ptr() as i32;
        self.ctx[6] = ch as i32;
        self.ctx[7] = p.output_offset;
        self.ctx[8] = ((p.stride_w * id) as isize - self.last_base) as i32;
        self.ctx[9] = od as i32;
        self.ctx[10] = p.activation_min;
        self.ctx[11] = p.activation_max;
        self.ctx[13] = -p.input_offset;
        self.ctx[16..].fill(i32::from_ne_bytes([(-p.input_offset) as u8; 4]));
        let spans = |r: &[i32]| ((r[5] & 0xff) as usize, (r[5] >> 8) as usize);
        let mut masks = [0i32; ROW_MASKS];
        let mut row = [0i32; MAX_CHUNKS];
        let step = (p.stride_w * id) as isize;
        for b in 0..p.batches {
            let image = &input[b * ih * iw * id..(b + 1) * ih * iw * id];
            for oy in 0..oh {
                let y0 = (oy * p.stride_h) as isize - p.pad_h as isize;
                let rows = narrow_inside(y0, p.dilation_h, p.filter_h, ih as isize);
                let base = (y0 * iw as isize - p.pad_w as isize) * id as isize;
                let o = (b * oh + oy) * ow * od;
                let out = &mut output[o..o + ow * od];
                if rows == (0..p.filter_h) {
                    let segments = [
                        Segment { n: x_lo, masks: Masks::Walk(left) },
                        Segment { n: mid, masks: Masks::None },
                        Segment { n: n_right, masks: Masks::Walk(right) },
                    ];
                    self.pixels(p, image, base, table, out, &segments);
                    continue;
                }
                let all_cols = 0..p.filter_w;
                narrow_masks(p, rows, all_cols, self.records.chunks(NARROW_CHUNK_WORDS).map(spans), &mut row);
                let row = &row[..ch];
                let combine = |m: &mut [i32], cols: &[i32]| {
                    for (m, (r, c)) in m.iter_mut().zip(row.iter().zip(cols)) {
                        *m = r & c;
                    }
                };
                if (ow - mid + 1) * ch <= ROW_MASKS {
                    // One call: the left columns', the inside run's and the right ones'.
                    let (l, rest) = masks.split_at_mut(x_lo * ch);
                    let (m, r) = rest.split_at_mut(ch);
                    l.chunks_mut(ch).zip(left.chunks(ch)).for_each(|(m, c)| combine(m, c));
                    m.copy_from_slice(row);
                    r.chunks_mut(ch).zip(right.chunks(ch)).take(n_right).for_each(|(m, c)| combine(m, c));
                    let segments = [
                        Segment { n: x_lo, masks: Masks::Walk(l) },
                        Segment { n: mid, masks: Masks::Same(m) },
                        Segment { n: n_right, masks: Masks::Walk(&r[..n_right * ch]) },
                    ];
                    self.pixels(p, image, base, table, out, &segments);
                    continue;
                }
                // Wider borders or more chunks: a call per border pixel.
                for ox in 0..ow {
                    let cols = if ox < x_lo {
                        &left[ox * ch..][..ch]
                    } else if ox >= x_hi {
                        &right[(ox - x_hi) * ch..][..ch]
                    } else {
                        if ox == x_lo {
                            let s = [Segment { n: mid, masks: Masks::Same(row) }, EMPTY, EMPTY];
                            self.pixels(p, image, base + ox as isize * step, table, &mut out[ox * od..], &s);
                        }
                        continue;
                    };
                    combine(&mut masks[..ch], cols);
                    let s = [Segment { n: 1, masks: Masks::Walk(&masks[..ch]) }, EMPTY, EMPTY];
                    self.pixels(p, image, base + ox as isize * step, table, &mut out[ox * od..], &s);
                }
            }
        }
    }

    /// The `segments`' output pixels (`stride_w` columns apart, one after the other) of
    /// every group, the first window at byte `base` of `image` (padding included); `out`
    /// holds the pixels' outputs, `od` bytes each.
    #[inline(always)]
    fn pixels(
        &mut self,
        p: &ConvParams,
        image: &[i8],
        base: isize,
        table: &[Group4],
        out: &mut [i8],
        segments: &[Segment; 3],
    ) {
        let n: usize = segments.iter().map(|s| s.n).sum();
        if n == 0 {
            return;
        }
        let out = &mut out[..n * p.output_depth];
        let groups = &table[..group4_in_block(p.output_depth)];
        #[cfg(tinyml_mve)]
        {
            let src = image.as_ptr().wrapping_offset(base);
            let segs = segments.map(|s| match s.masks {
                Masks::None => (s.n, core::ptr::null(), 0),
                Masks::Walk(m) => (s.n, m.as_ptr(), 0),
                Masks::Same(m) => (s.n, m.as_ptr(), 4 * m.len()),
            });
            // SAFETY: the context was built by `run` (offsets below 256, the records in
            // the layer's table), `weights` holds `64 * chunks` bytes per group; each
            // masked segment's masks hold a word per chunk (per pixel when walked), the
            // last chunk's marked; every lane they select (all of the chunks' taps in an
            // unmasked segment: windows inside the image) is a byte of `image`, and `out`
            // holds the `n` pixels' `od >= 4` bytes.
            unsafe {
                crate::kernels::simd::conv_narrow_row(
                    &mut self.ctx,
                    src,
                    out.as_mut_ptr(),
                    &segs,
                    self.flat,
                    groups,
                    self.weights.as_ptr(),
                )
            };
        }
        #[cfg(not(tinyml_mve))]
        {
            let group_words = 16 * self.chunks;
            for (g, (c, group)) in narrow_groups(p.output_depth).zip(groups).enumerate() {
                let w = &self.weights[g * group_words..(g + 1) * group_words];
                self.scalar(p, image, base, segments, w, group, &mut out[c..]);
            }
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
        segments: &[Segment; 3],
        w: &[i32],
        group: &Group4,
        out: &mut [i8],
    ) {
        use crate::fixedpoint::multiply_by_quantized_multiplier;
        let step = (p.stride_w * p.input_depth) as isize;
        let zero_point = self.ctx[13];
        let ch = self.chunks;
        // SAFETY: the words as bytes, in memory order, as the packing wrote them.
        let w = unsafe { core::slice::from_raw_parts(w.as_ptr() as *const i8, 4 * w.len()) };
        let pixels = segments.iter().flat_map(|s| {
            (0..s.n).map(move |i| match s.masks {
                Masks::None => None,
                Masks::Walk(m) => Some(&m[i * ch..(i + 1) * ch]),
                Masks::Same(m) => Some(&m[..ch]),
            })
        });
        for (i, masks) in pixels.enumerate() {
            let mut acc = group.bias;
            let mut chunk_base = base + i as isize * step;
            for (c, r) in self.records.chunks(NARROW_CHUNK_WORDS).enumerate() {
                chunk_base += r[4] as isize;
                let offsets: [u8; 16] = core::array::from_fn(|j| r[j / 4].to_le_bytes()[j % 4]);
                let mask = masks.map_or(u32::MAX, |m| m[c] as u32);
                debug_assert!(masks.is_none_or(|m| (m[c] < 0) == (c + 1 == ch)), "the last chunk's mark");
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
