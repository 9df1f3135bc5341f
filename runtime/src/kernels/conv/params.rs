//! The constant parameters of a convolution and what the model compiler derives from them
//! on the host for the optimized kernel: its arena scratch ([`conv_s8_scratch`]), its
//! packed table of per-channel constants ([`conv_s8_pack`]) and, for the narrow-input
//! path, the gather offsets and repacked weights packed after it ([`conv_s8_pack_narrow`]).
//! Both sides compute these with the same functions, so the planned layout is the one the
//! kernel reads.

use crate::kernels::packed::{group4_count, group4_in_block, pack_group4, Group4, CHANNEL_BLOCK};
use crate::kernels::Scratch;
use core::ops::Range;

/// Constant parameters of one 2-D convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvParams {
    /// Minus the input zero point.
    pub input_offset: i32,
    /// The output zero point.
    pub output_offset: i32,
    /// Horizontal stride.
    pub stride_w: usize,
    /// Vertical stride.
    pub stride_h: usize,
    /// Horizontal dilation.
    pub dilation_w: usize,
    /// Vertical dilation.
    pub dilation_h: usize,
    /// Zero padding on the left (TFLM `ComputePaddingHeightWidth`).
    pub pad_w: usize,
    /// Zero padding on the top.
    pub pad_h: usize,
    /// Lower bound of the fused activation, quantized.
    pub activation_min: i32,
    /// Upper bound of the fused activation, quantized.
    pub activation_max: i32,
    /// Batch size.
    pub batches: usize,
    /// Input height.
    pub input_h: usize,
    /// Input width.
    pub input_w: usize,
    /// Input channels (equal to the filter's input channels: no groups).
    pub input_depth: usize,
    /// Filter height.
    pub filter_h: usize,
    /// Filter width.
    pub filter_w: usize,
    /// Output height.
    pub output_h: usize,
    /// Output width.
    pub output_w: usize,
    /// Output channels (filter count).
    pub output_depth: usize,
}

/// Longest window the optimized kernel runs without scratch for its im2col column
/// (micro_speech's 10x8 window is 80 bytes, and its arena has no room): read in place
/// from the input (`conv::in_place`, whose Helium context holds its offsets and lane
/// masks in words sized for it). Longer columns must be planned as scratch
/// ([`conv_s8_scratch`]'s minimum).
pub const IN_PLACE_COLUMN: usize = 128;

/// Chunks of the longest window Helium's in-place routine (`simd::conv_in_place`) reads
/// with a table of offsets. Here, not with the routine, because the planner on the host
/// chooses by it too ([`in_place_read`]).
pub const IN_PLACE_TABLE_CHUNKS: usize = 4;

/// Masks of the context of Helium's in-place routines: chunks of 16 bytes of the longest
/// column `simd::conv_in_place` reads (at most 8), pieces of 16 bytes of the rows
/// `simd::conv_runs` reads.
pub const IN_PLACE_MASKS: usize = 16;

/// How Helium's in-place path (`conv::in_place`, a window of at most [`IN_PLACE_COLUMN`]
/// bytes read from the input) reads the windows of a layer, the first that fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InPlaceRead {
    /// Chunks of 16 column bytes at fixed offsets (`simd::conv_in_place`): `g` filter
    /// rows per chunk, or 0 for a window of one row.
    Chunks(usize),
    /// Chunks of 16 column bytes at offsets of their own from the window's first byte
    /// (a table in the context): windows of at most 64 bytes within 256 bytes of the input.
    Table,
    /// Each row a contiguous run, in pieces of 16 bytes (`simd::conv_runs`).
    Runs,
    /// Pixel by pixel, run by run (dilated rows, or too many pieces for the masks).
    Pixels,
}

impl InPlaceRead {
    /// Whether a window is one gather per 16 bytes ([`InPlaceRead::Chunks`] and
    /// [`InPlaceRead::Table`]). The others cost more than the im2col column: on the M55,
    /// 0.70 instructions per MAC by runs (a 3x3 window on 8 channels, SAME) and 4.05 by
    /// pixels (the same window of dilation 2), where the column takes 0.47-0.60
    /// (`tinyml-bench sweep`, 2026-12-08); [`conv_s8_scratch`] plans their column.
    pub fn gathers(self) -> bool {
        matches!(self, InPlaceRead::Chunks(_) | InPlaceRead::Table)
    }
}

/// How Helium's in-place path reads `p`'s windows ([`InPlaceRead`]): the kernel's choice,
/// and the planner's through [`conv_s8_scratch`].
pub fn in_place_read(p: &ConvParams) -> InPlaceRead {
    let id = p.input_depth;
    let k = p.filter_h * p.filter_w * id;
    let row_stride = p.dilation_h * p.input_w * id;
    // A filter row is one run of `len` bytes, or `taps` runs of one pixel `tap_stride`
    // apart when dilated across.
    let (taps, tap_stride, len) = if p.dilation_w == 1 || p.filter_w == 1 {
        (1, 0, p.filter_w * id)
    } else {
        (p.filter_w, p.dilation_w * id, id)
    };
    let span = (p.filter_h.max(1) - 1) * row_stride + (taps - 1) * tap_stride + len;
    if taps == 1 && p.filter_h == 1 {
        InPlaceRead::Chunks(0)
    } else if taps == 1 && len > 0 && 16 % len == 0 && (16 / len - 1) * row_stride + len <= 256 {
        InPlaceRead::Chunks(16 / len)
    } else if k <= 16 * IN_PLACE_TABLE_CHUNKS && span <= 256 {
        InPlaceRead::Table
    } else if taps == 1 && p.filter_h * len.div_ceil(16) <= IN_PLACE_MASKS {
        InPlaceRead::Runs
    } else {
        InPlaceRead::Pixels
    }
}

/// Whether the optimized kernel treats `p` as a pointwise convolution (1x1 without
/// padding: each output pixel's column is its input pixel, no gather, no scratch).
pub fn is_pointwise(p: &ConvParams) -> bool {
    p.filter_h == 1 && p.filter_w == 1 && p.pad_h == 0 && p.pad_w == 0
}

/// The paths of the optimized [`conv_s8`](super::conv_s8), as bits of a set: the const
/// argument of [`conv_s8_only`](super::conv_s8_only) and its band and rows forms, which
/// compile in only the paths of the set. [`conv_s8_paths`] says which a layer takes.
pub mod conv_path {
    /// Inputs of 1 to 4 channels gathered from a band of rows (`conv::narrow`, Helium
    /// only: other cores take the layer's other path).
    pub const NARROW: u8 = 1;
    /// 1x1 without padding: the column is the input pixel (`conv::pointwise`).
    pub const POINTWISE: u8 = 2;
    /// The im2col column (and the padded input, when it fits) in the arena scratch; without
    /// Helium the windows are read in place as for [`IN_PLACE`] (faster there), the
    /// scratch unused.
    pub const GENERAL: u8 = 4;
    /// No scratch for the column: windows of up to
    /// [`IN_PLACE_COLUMN`](super::IN_PLACE_COLUMN) bytes read in place (`conv::in_place`).
    pub const IN_PLACE: u8 = 8;
    /// Every path: the choice at run time ([`conv_s8`](super::super::conv_s8)).
    pub const ALL: u8 = NARROW | POINTWISE | GENERAL | IN_PLACE;
    /// Each path's name in this module, for generated code.
    pub const NAMES: [(u8, &str); 4] =
        [(NARROW, "NARROW"), (POINTWISE, "POINTWISE"), (GENERAL, "GENERAL"), (IN_PLACE, "IN_PLACE")];
}

/// The paths of the optimized [`conv_s8`](super::conv_s8) that layer `p` takes with
/// `scratch` bytes of scratch ([`conv_path`]): one of pointwise, general (the column
/// fits `scratch`) or in place (it does not, and is at most [`IN_PLACE_COLUMN`] bytes),
/// none when it hands back to the reference kernel; plus the narrow path where
/// [`is_narrow`], which Helium takes first. The kernel dispatches on this, and the model
/// compiler calls [`conv_s8_only`](super::conv_s8_only) with it, so the paths a model
/// links are the ones its layers take.
#[inline(always)]
pub fn conv_s8_paths(p: &ConvParams, scratch: usize) -> u8 {
    conv_s8_paths_in(p, scratch, conv_path::ALL)
}

/// [`conv_s8_paths`] within the set `paths`: the kernel's entries pass their const set,
/// and without the narrow path in it [`is_narrow`] is not called, so its walk of the
/// window's taps (`narrow_chunks`) is linked only with the layers that take that path.
#[inline(always)]
pub fn conv_s8_paths_in(p: &ConvParams, scratch: usize, paths: u8) -> u8 {
    let k = p.filter_h * p.filter_w * p.input_depth;
    let narrow = if paths & conv_path::NARROW != 0 && is_narrow(p) { conv_path::NARROW } else { 0 };
    paths
        & (narrow
            | if is_pointwise(p) {
                conv_path::POINTWISE
            } else if scratch >= k {
                conv_path::GENERAL
            } else if k <= IN_PLACE_COLUMN {
                conv_path::IN_PLACE
            } else {
                0
            })
}

/// Height and width of one batch of the input surrounded by zero points so that every
/// tap of every output pixel falls inside it: `pad_h` rows above, `pad_w` columns on the
/// left, and as many as the windows reach below and on the right.
pub fn padded_extent(p: &ConvParams) -> (usize, usize) {
    let reach = |out: usize, stride: usize, filter: usize, dilation: usize| {
        out.saturating_sub(1) * stride + filter.saturating_sub(1) * dilation + 1
    };
    (
        (p.input_h + p.pad_h).max(reach(p.output_h, p.stride_h, p.filter_h, p.dilation_h)),
        (p.input_w + p.pad_w).max(reach(p.output_w, p.stride_w, p.filter_w, p.dilation_w)),
    )
}

/// Arena scratch of the optimized [`conv_s8`](super::conv_s8), laid out as the im2col
/// column (`filter_h * filter_w * input_depth` bytes) followed by the zero-point-padded
/// input ([`padded_extent`] x `input_depth`). The minimum is the column when it is longer
/// than [`IN_PLACE_COLUMN`] or Helium would read the window in place piece by piece
/// ([`InPlaceRead::gathers`], unless [`is_narrow`]), else nothing; the preferred size adds
/// the padded input, whose gather needs no bounds logic per tap. Pointwise convolutions
/// need none.
pub fn conv_s8_scratch(p: &ConvParams) -> Scratch {
    if is_pointwise(p) || p.output_h == 0 || p.output_w == 0 {
        return Scratch::NONE;
    }
    let column = p.filter_h * p.filter_w * p.input_depth;
    let (ph, pw) = padded_extent(p);
    // In place without a column where the window is at most `IN_PLACE_COLUMN` bytes and
    // Helium gathers it by chunks or takes the narrow path; else the column is the
    // minimum (at most 128 bytes for the windows Helium would read by runs or pixels:
    // cheaper than their instructions, `InPlaceRead::gathers`; other cores read every
    // window in place).
    let piecewise = !in_place_read(p).gathers() && !is_narrow(p);
    let min = if column > IN_PLACE_COLUMN || piecewise { column } else { 0 };
    Scratch { min, preferred: column + ph * pw * p.input_depth }
}

/// Groups of the packed table of [`conv_s8`](super::conv_s8) ([`conv_s8_pack`]).
pub fn conv_s8_packed_groups(p: &ConvParams) -> usize {
    group4_count(p.output_depth)
}

/// Fills `out` ([`conv_s8_packed_groups`] groups) with the per-channel constants the
/// optimized [`conv_s8`](super::conv_s8) reads: the bias with the input offset folded in
/// (`bias + input_offset * sum of the channel's weights`, wrapping as the kernel's
/// accumulators do), multiplier and shift, in the kernel's blocks of four.
pub fn conv_s8_pack(
    p: &ConvParams,
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    out: &mut [Group4],
) {
    let k = p.filter_h * p.filter_w * p.input_depth;
    let lane = |c: usize| {
        let b = if bias.is_empty() { 0 } else { bias[c] };
        let wsum = filter[c * k..(c + 1) * k].iter().fold(0i32, |a, &w| a.wrapping_add(w as i32));
        (b.wrapping_add(p.input_offset.wrapping_mul(wsum)), multipliers[c], shifts[c])
    };
    pack_group4(p.output_depth, lane, out);
}

/// Bytes of input a window of the narrow-input path spans along its filter's height
/// times one row's reach at most (`conv::narrow`): a bound kept from the band the path
/// once copied its rows into, so that the layers it takes stay the same.
pub const NARROW_BAND: usize = 256;
/// Most taps (filter height x width x input channels) of a window of the narrow-input
/// path: four gathers of 16.
pub const NARROW_MAX_TAPS: usize = 64;
/// Most chunks (gathers) of a window of the narrow-input path: one mask word each in its
/// context (`simd::NARROW_CTX`).
pub const NARROW_MAX_CHUNKS: usize = 8;
/// Bytes of the narrow-input path's repacked weights of all output channels: 8 at
/// [`NARROW_MAX_TAPS`] taps, 32 at 16 taps. Layers with more (a 64-channel first layer)
/// keep the general path: when the weights were repacked for each band of rows, that
/// cost more than the gathers saved (measured on a 10x4 layer of one input channel and 64
/// outputs: 12% more instructions for its model).
const NARROW_WEIGHTS: usize = 8 * NARROW_MAX_TAPS;

/// Whether the narrow-input path (`conv::narrow`, Helium) handles `p`: 1 to 4 input
/// channels, 7 to [`NARROW_MAX_TAPS`] taps (from 7x1 on one channel: below, a gather
/// fills less than half its lanes), at least four output channels, at most
/// [`NARROW_MAX_CHUNKS`] chunks ([`narrow_chunks`]), their repacked weights within
/// [`NARROW_WEIGHTS`], and the filter height's rows of one window's width within
/// [`NARROW_BAND`].
#[inline(always)]
pub fn is_narrow(p: &ConvParams) -> bool {
    let taps = p.filter_h * p.filter_w * p.input_depth;
    let x_reach = (p.filter_w.max(1) - 1) * p.dilation_w + 1;
    let ok = (1..=4).contains(&p.input_depth)
        && (7..=NARROW_MAX_TAPS).contains(&taps)
        && p.output_depth >= 4
        && group4_count(p.output_depth) * 64 * taps.div_ceil(16) <= NARROW_WEIGHTS
        && p.output_h > 0
        && p.output_w > 0
        && p.stride_w > 0
        && p.filter_h * x_reach * p.input_depth <= NARROW_BAND;
    if !ok {
        return false;
    }
    let chunks = narrow_chunks(p, &mut |_, _, _| {});
    chunks <= NARROW_MAX_CHUNKS && group4_count(p.output_depth) * 64 * chunks <= NARROW_WEIGHTS
}

/// The byte offset of tap `t` (in the filter's `[row][column][channel]` order) of a
/// window of `p` from the window's first byte (its first row and column, padding
/// included), in the input.
#[inline(always)]
pub fn narrow_tap_offset(p: &ConvParams, t: usize) -> usize {
    let id = p.input_depth;
    let (ky, rest) = (t / (p.filter_w * id), t % (p.filter_w * id));
    ky * p.dilation_h * p.input_w * id + rest / id * p.dilation_w * id + rest % id
}

/// Cuts a window of `p`'s taps, in order, into the narrow-input path's chunks: at most 16
/// taps whose offsets from the chunk's first lie in `0..256` (one byte-gather, 8-bit
/// offsets, from a base of the chunk's own). Calls `f(first tap, taps, base offset)` for
/// each; returns their count. A window within 256 bytes of its first (rows close
/// together: a 32-pixel-wide RGB image) takes chunks of 16 taps all from the window's
/// first byte, which the routine need not move between its chunks. The same for every
/// band of the layer's rows (they share its width and filter).
// Not inlined: `is_narrow` and the words' count call it at each dispatch, where a copy
// of its loops cost about 3.5 KB of release code per conv model (KWS 63,092 -> 59,652 B).
#[inline(never)]
pub fn narrow_chunks(p: &ConvParams, f: &mut dyn FnMut(usize, usize, usize)) -> usize {
    let k = p.filter_h * p.filter_w * p.input_depth;
    let mut chunks = 0;
    let mut span = 0;
    narrow_taps(p, |_, o| span = span.max(o));
    if span < 256 {
        for first in (0..k).step_by(16) {
            f(first, (k - first).min(16), 0);
            chunks += 1;
        }
        return chunks;
    }
    // The chunk being cut: its first tap, taps and base.
    let (mut first, mut n, mut base) = (0, 0, 0);
    narrow_taps(p, |t, o| {
        if n > 0 && n < 16 && o.checked_sub(base).is_some_and(|d| d < 256) {
            n += 1;
            return;
        }
        if n > 0 {
            f(first, n, base);
            chunks += 1;
        }
        (first, n, base) = (t, 1, o);
    });
    f(first, n, base);
    chunks + 1
}

/// Calls `f(tap, offset)` for each of a window's taps in the filter's order, its offset
/// from the window's first byte (as [`narrow_tap_offset`], without its divisions:
/// [`is_narrow`] walks them per call).
#[inline(always)]
fn narrow_taps(p: &ConvParams, mut f: impl FnMut(usize, usize)) {
    let id = p.input_depth;
    let (row, col) = (p.dilation_h * p.input_w * id, p.dilation_w * id);
    let mut t = 0;
    for ky in 0..p.filter_h {
        for kx in 0..p.filter_w {
            for c in 0..id {
                f(t, ky * row + kx * col + c);
                t += 1;
            }
        }
    }
}

/// Words of a chunk's record in the narrow-input path's values: 16 offsets (bytes), the
/// base's offset from the previous chunk's, the first tap and count (`first | taps << 8`).
pub const NARROW_CHUNK_WORDS: usize = 6;

/// Words of the narrow-input path's values after the groups of [`conv_s8_pack`]
/// ([`conv_s8_pack_narrow`]): none unless [`is_narrow`].
#[inline(always)]
pub fn conv_s8_narrow_words(p: &ConvParams) -> usize {
    if !is_narrow(p) {
        return 0;
    }
    let chunks = narrow_chunks(p, &mut |_, _, _| {});
    let (x_lo, x_hi) = narrow_columns(p);
    // The chunks' records, each group's weights (64 bytes per chunk), then the border
    // columns' masks (a word per chunk).
    NARROW_CHUNK_WORDS * chunks + group4_count(p.output_depth) * 16 * chunks + (x_lo + p.output_w - x_hi) * chunks
}

/// Fills `out` ([`conv_s8_narrow_words`] words) with what the narrow-input path reads
/// besides the groups: a record per chunk ([`narrow_chunks`], [`NARROW_CHUNK_WORDS`]:
/// each tap's byte offset from the chunk's base, zero past its taps, then the base's
/// offset from the previous chunk's base (the window's first byte for the first chunk),
/// then its first tap and count), then the weights
/// of each group of four channels (`groups_of_four`'s order) as `[chunk][channel][16]`,
/// zero past the chunk's taps, then the masks of the border columns ([`narrow_columns`]:
/// those left of the inside ones, then those right of them), per column a word per chunk
/// ([`narrow_masks`] of all filter rows and the column's filter columns inside the image).
/// The columns' clips are the same in every row and every band of rows (they share the
/// layer's width), so the routine reads them here rather than building them per pixel.
pub fn conv_s8_pack_narrow(p: &ConvParams, filter: &[i8], out: &mut [i32]) {
    let words = conv_s8_narrow_words(p);
    if words == 0 {
        return;
    }
    let k = p.filter_h * p.filter_w * p.input_depth;
    let out = &mut out[..words];
    out.fill(0);
    let mut spans = [(0usize, 0usize); NARROW_MAX_CHUNKS];
    let (mut c, mut previous) = (0, 0);
    let chunks = narrow_chunks(p, &mut |first, n, base| {
        spans[c] = (first, n);
        let rec = &mut out[c * NARROW_CHUNK_WORDS..(c + 1) * NARROW_CHUNK_WORDS];
        let mut offs = [0u8; 16];
        for (j, o) in offs.iter_mut().enumerate().take(n) {
            // Below 256 (`narrow_chunks`).
            *o = (narrow_tap_offset(p, first + j) - base) as u8;
        }
        for (w, b) in rec[..4].iter_mut().zip(offs.chunks(4)) {
            *w = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
        // The base from the previous chunk's: the routine moves its pointer by it.
        rec[4] = (base as isize - previous as isize) as i32;
        rec[5] = (first | n << 8) as i32;
        (c, previous) = (c + 1, base);
    });
    let group_words = 16 * chunks;
    let weights = &mut out[NARROW_CHUNK_WORDS * chunks..];
    for (g, c) in narrow_groups(p.output_depth).enumerate() {
        // SAFETY: the group's words as bytes, in memory order (little-endian on the host
        // and on the Cortex-M targets, as the kernel reads them).
        let w = unsafe {
            core::slice::from_raw_parts_mut(weights[g * group_words..].as_mut_ptr() as *mut i8, 4 * group_words)
        };
        for r in 0..4 {
            let row = &filter[(c + r) * k..(c + r + 1) * k];
            for (j, &(first, n)) in spans[..chunks].iter().enumerate() {
                w[(j * 4 + r) * 16..][..n].copy_from_slice(&row[first..first + n]);
            }
        }
    }
    let masks = &mut out[NARROW_CHUNK_WORDS * chunks + group4_count(p.output_depth) * group_words..];
    let (x_lo, x_hi) = narrow_columns(p);
    for (ox, m) in (0..x_lo).chain(x_hi..p.output_w).zip(masks.chunks_mut(chunks)) {
        let x0 = (ox * p.stride_w) as isize - p.pad_w as isize;
        let cols = narrow_inside(x0, p.dilation_w, p.filter_w, p.input_w as isize);
        narrow_masks(p, 0..p.filter_h, cols, spans[..chunks].iter().copied(), m);
    }
}

/// The output columns `x_lo..x_hi` whose windows lie inside the image horizontally (of
/// the narrow-input path's layer `p`); the columns before and after are its border
/// columns, whose masks [`conv_s8_pack_narrow`] packs.
#[inline(always)]
pub fn narrow_columns(p: &ConvParams) -> (usize, usize) {
    let (iw, ow) = (p.input_w, p.output_w);
    let x_reach = (p.filter_w.max(1) - 1) * p.dilation_w + 1;
    let x_lo = p.pad_w.div_ceil(p.stride_w.max(1)).min(ow);
    let x_hi =
        if iw + p.pad_w >= x_reach { ((iw + p.pad_w - x_reach) / p.stride_w.max(1) + 1).clamp(x_lo, ow) } else { x_lo };
    (x_lo, x_hi)
}

/// The taps of a window from `start` (padding included), `dilation` apart, inside
/// `0..size`.
#[inline(always)]
pub fn narrow_inside(start: isize, dilation: usize, taps: usize, size: isize) -> Range<usize> {
    let d = dilation as isize;
    let lo = (if start >= 0 { 0 } else { (d - 1 - start) / d } as usize).min(taps);
    let hi = if start >= size { 0 } else { ((size - 1 - start) / d + 1) as usize };
    lo..hi.clamp(lo, taps)
}

/// Writes to `out` a mask word per chunk (`(first tap, taps)` of `chunks`) of the
/// narrow-input path's window of `p` clipped to the filter rows `rows` and columns `cols`
/// inside the image: bit `j` for the chunk's tap `j` inside, bit 31 on the last chunk
/// (the routine's end of a pixel's chunks).
pub fn narrow_masks(
    p: &ConvParams,
    rows: Range<usize>,
    cols: Range<usize>,
    chunks: impl ExactSizeIterator<Item = (usize, usize)>,
    out: &mut [i32],
) {
    let id = p.input_depth;
    let row_len = p.filter_w * id;
    // The window's taps inside, a bit per tap (at most 64): the same columns in each
    // row inside.
    let window = if cols.is_empty() {
        0
    } else {
        rows.fold(0u64, |m, r| m | bits64(r * row_len + cols.start * id, r * row_len + cols.end * id))
    };
    let count = chunks.len();
    for (c, ((first, n), o)) in chunks.zip(out.iter_mut()).enumerate() {
        let last = if c + 1 == count { 1 << 31 } else { 0 };
        *o = ((window >> first) as u32 & (u32::MAX >> (32 - n)) | last) as i32;
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

/// The first channel of each group of four of the narrow-input path's layers, in table
/// order (`packed::groups_of_four` of one block: [`is_narrow`]'s weight bound keeps them
/// within 32 channels).
pub fn narrow_groups(channels: usize) -> impl Iterator<Item = usize> {
    debug_assert!(channels <= CHANNEL_BLOCK);
    (0..group4_in_block(channels)).map(move |g| (4 * g).min(channels - 4))
}
