//! What the depthwise runs (`rows.rs`) read of a layer beyond its per-channel groups and
//! that depends on the layer only (its width, filter, channels and zero point, not the
//! rows a call computes): the input zero points padded taps point at, every tap's offset
//! in a window inside the image, the output columns whose window is inside horizontally,
//! and the lists of taps `depthwise_lanes` and the border pixels' walks read (input and
//! weight offsets, by rows and by columns). The model compiler packs them after the
//! groups of the layer's table ([`depthwise_conv_s8_pack_layer`]), so they sit in flash
//! and the runs read them there in place (a word is a pointer's width on the 32-bit
//! targets; only the host's portable routines widen them): built per call on the stack,
//! the offsets were a list of up to 64 entries in every depthwise call's frame (256 B on
//! the M55) and the lanes' lists up to 64 pairs (512 B), and their setup was paid per
//! call. Any filter size runs by runs: the lists are as long as the layer's window.
//!
//! Layout, in words: the zero points ([`CHANNEL_BLOCK`] bytes), the inside columns'
//! start and end, then the taps' offsets, then the taps as `depthwise_lanes` pairs row
//! by row (`ky`, then `kx`), then column by column (`kx`, then `ky`): the inside taps of
//! a pixel whose window crosses only the top or bottom are a slice of the first, of one
//! crossing only a side a slice of the second, of a corner a slice of each of its inside
//! rows of the first (a border pixel's padded taps are the rest, `rows::window`).

use super::params::DepthwiseConvParams;
use crate::kernels::packed::CHANNEL_BLOCK;
#[cfg(not(feature = "reference-kernels"))]
use crate::kernels::simd::depthwise::Tap;
use core::ops::Range;

const ZERO_POINTS: usize = CHANNEL_BLOCK / 4;
const COLS: usize = ZERO_POINTS;
const FULL: usize = COLS + 2;

/// Whether the layer runs as runs of output pixels (`rows::takes`): depth multiplier 1,
/// or 2 or 4 with at least sixteen output channels (whole groups, each half reading
/// whole input channels; the last group may overlap the one before), any filter.
#[inline(always)]
pub fn by_runs(p: &DepthwiseConvParams) -> bool {
    let od = p.input_depth * p.depth_multiplier;
    p.filter_h * p.filter_w > 0
        && p.input_depth > 0
        && match p.depth_multiplier {
            1 => true,
            2 | 4 => od >= 16,
            _ => false,
        }
}

/// The paths of the optimized [`depthwise_conv_s8`](super::depthwise_conv_s8), as bits of
/// a set: the const argument of [`depthwise_conv_s8_only`](super::depthwise_conv_s8_only)
/// and its band and rows forms, which compile in only the paths of the set.
/// [`depthwise_conv_s8_paths`] says which a layer takes.
pub mod depthwise_path {
    /// Runs of output pixels from the layer's table ([`by_runs`](super::by_runs)).
    pub const RUNS: u8 = 1;
    /// The portable block loops over channels (other depth multipliers).
    pub const BLOCKS: u8 = 2;
    /// Every path: the choice at run time ([`depthwise_conv_s8`](super::super::depthwise_conv_s8)).
    pub const ALL: u8 = RUNS | BLOCKS;
    /// Each path's name in this module, for generated code.
    pub const NAMES: [(u8, &str); 2] = [(RUNS, "RUNS"), (BLOCKS, "BLOCKS")];
}

/// The path of the optimized [`depthwise_conv_s8`](super::depthwise_conv_s8) that layer `p`
/// takes ([`depthwise_path`]): the runs of output pixels where [`by_runs`], else the block
/// loops for a depth multiplier of 1 to `CHANNEL_BLOCK`, else none (the reference
/// kernel). The kernel dispatches on this, and the model compiler calls
/// [`depthwise_conv_s8_only`](super::depthwise_conv_s8_only) with it.
#[inline(always)]
pub fn depthwise_conv_s8_paths(p: &DepthwiseConvParams) -> u8 {
    if p.depth_multiplier == 0 || p.depth_multiplier > CHANNEL_BLOCK {
        0
    } else if by_runs(p) {
        depthwise_path::RUNS
    } else {
        depthwise_path::BLOCKS
    }
}

/// Words of the layer's values after its groups ([`depthwise_conv_s8_pack_layer`]):
/// none unless [`by_runs`].
#[inline(always)]
pub fn depthwise_conv_s8_layer_words(p: &DepthwiseConvParams) -> usize {
    if by_runs(p) {
        FULL + 5 * p.filter_h * p.filter_w
    } else {
        0
    }
}

/// Fills `out` ([`depthwise_conv_s8_layer_words`] words) with the layer's values the runs
/// of output pixels read (see the module's layout).
pub fn depthwise_conv_s8_pack_layer(p: &DepthwiseConvParams, out: &mut [i32]) {
    let out = &mut out[..depthwise_conv_s8_layer_words(p)];
    if out.is_empty() {
        return;
    }
    let (fw, id) = (p.filter_w, p.input_depth as isize);
    let (tap_y, tap_x) = ((p.dilation_h * p.input_w) as isize * id, p.dilation_w as isize * id);
    // The input zero point fits i8 (TFLite int8 zero points are in [-128, 127]).
    let zp = (-p.input_offset) as i8 as u8;
    out[..ZERO_POINTS].fill(i32::from_le_bytes([zp; 4]));
    let cols = outputs_inside(p.input_w, p.output_w, p.stride_w, p.pad_w, (fw - 1) * p.dilation_w + 1);
    out[COLS] = cols.start as i32;
    out[COLS + 1] = cols.end as i32;
    let taps = p.filter_h * fw;
    let (fh, od) = (p.filter_h, p.input_depth * p.depth_multiplier);
    let offset = |ky: usize, kx: usize| (ky as isize * tap_y + kx as isize * tap_x) as i32;
    let (full, pairs) = out[FULL..].split_at_mut(taps);
    let (by_rows, by_cols) = pairs.split_at_mut(2 * taps);
    for (i, o) in full.iter_mut().enumerate() {
        *o = offset(i / fw, i % fw);
    }
    // The weights' offsets: tap-major, the layer's output channels per tap.
    let pair = |ky: usize, kx: usize| [offset(ky, kx), ((ky * fw + kx) * od) as i32];
    for (i, o) in by_rows.chunks_exact_mut(2).enumerate() {
        o.copy_from_slice(&pair(i / fw, i % fw));
    }
    for (i, o) in by_cols.chunks_exact_mut(2).enumerate() {
        o.copy_from_slice(&pair(i % fh, i / fh));
    }
}

/// A layer's values ([`depthwise_conv_s8_pack_layer`]) as the runs read them, decoded
/// once per layer (or call) so that the runs' accessors are plain loads.
#[cfg(not(feature = "reference-kernels"))]
#[derive(Clone, Copy)]
pub struct LayerTable<'a> {
    zero_points: *const i8,
    cols: (usize, usize),
    full: &'a [i32],
    by_rows: &'a [Tap],
    by_cols: &'a [Tap],
}

#[cfg(not(feature = "reference-kernels"))]
impl<'a> LayerTable<'a> {
    /// `words` as the values of `p`'s layer; `None` unless it holds exactly their words.
    #[inline(always)]
    pub fn new(p: &DepthwiseConvParams, words: &'a [i32]) -> Option<Self> {
        if words.is_empty() || words.len() != depthwise_conv_s8_layer_words(p) {
            return None;
        }
        let taps = p.filter_h * p.filter_w;
        let (full, pairs) = words[FULL..].split_at(taps);
        // SAFETY: `pairs` holds `4 * taps` words; a `Tap` is two words, of a word's
        // alignment.
        let pairs = unsafe { core::slice::from_raw_parts(pairs.as_ptr() as *const Tap, 2 * taps) };
        let (by_rows, by_cols) = pairs.split_at(taps);
        Some(LayerTable {
            zero_points: words.as_ptr() as *const i8,
            cols: (words[COLS] as usize, words[COLS + 1] as usize),
            full,
            by_rows,
            by_cols,
        })
    }

    /// The input zero points, [`CHANNEL_BLOCK`] of them (as many as a part reads).
    #[inline(always)]
    pub fn zero_points(&self) -> *const i8 {
        self.zero_points
    }

    /// The output columns whose window is inside the input horizontally.
    #[inline(always)]
    pub fn cols(&self) -> Range<usize> {
        self.cols.0..self.cols.1
    }

    /// Every tap's offset from its window's first pixel, all taps inside the image.
    #[inline(always)]
    pub fn full(&self) -> &'a [i32] {
        self.full
    }

    /// The taps of rows `rows` of the window, every column, as `depthwise_lanes` reads
    /// them.
    #[inline(always)]
    pub fn rows_taps(&self, rows: Range<usize>, fw: usize) -> &'a [Tap] {
        &self.by_rows[rows.start * fw..rows.end * fw]
    }

    /// The taps of columns `cols` of the window, every row, as `depthwise_lanes` reads
    /// them.
    #[inline(always)]
    pub fn cols_taps(&self, cols: Range<usize>, fh: usize) -> &'a [Tap] {
        &self.by_cols[cols.start * fh..cols.end * fh]
    }
}

/// The filter taps `k` whose input coordinate `origin + k * dilation` lies inside
/// `[0, size)`, for a window starting at `origin` (negative in the padding): a range,
/// since the taps are evenly spaced (the taps `kernels::geometry::tap` keeps).
#[inline(always)]
#[cfg_attr(feature = "reference-kernels", allow(dead_code))]
pub fn taps_inside(origin: isize, dilation: usize, filter: usize, size: usize) -> Range<usize> {
    let (d, size) = (dilation.max(1) as isize, size as isize);
    let lo = if origin < 0 { (-origin + d - 1) / d } else { 0 };
    let hi = if origin >= size { 0 } else { (size - 1 - origin) / d + 1 };
    let hi = (hi.max(0) as usize).min(filter);
    (lo as usize).min(hi)..hi
}

/// Output coordinates (along one axis) whose window lies inside the input: the window
/// of `out` starts at `out * stride - pad` and spans `span` inputs.
pub fn outputs_inside(input: usize, output: usize, stride: usize, pad: usize, span: usize) -> Range<usize> {
    let lo = pad.div_ceil(stride).min(output);
    let hi = if input + pad >= span { ((input + pad - span) / stride + 1).min(output) } else { 0 };
    lo..hi.max(lo)
}

#[cfg(test)]
mod tests {
    #[test]
    fn taps_inside_are_the_taps_tap_keeps() {
        extern crate std;
        use super::taps_inside;
        for size in 0..7 {
            for filter in 1..6 {
                for dilation in 1..4 {
                    for origin in -9..9isize {
                        let want: std::vec::Vec<usize> = (0..filter)
                            .filter(|&k| (0..size as isize).contains(&(origin + (k * dilation) as isize)))
                            .collect();
                        let got: std::vec::Vec<usize> = taps_inside(origin, dilation, filter, size).collect();
                        assert_eq!(got, want, "origin {origin} dilation {dilation} filter {filter} size {size}");
                    }
                }
            }
        }
    }
}
