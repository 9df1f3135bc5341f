//! The constant parameters of a convolution and what the model compiler derives from them
//! on the host for the optimized kernel: its arena scratch ([`conv_s8_scratch`]), its
//! packed table of per-channel constants ([`conv_s8_pack`]) and, for the narrow-input
//! path, the gather offsets and repacked weights packed after it ([`conv_s8_pack_narrow`]).
//! Both sides compute these with the same functions, so the planned layout is the one the
//! kernel reads.

use crate::kernels::packed::{group4_count, group4_in_block, pack_group4, Group4, CHANNEL_BLOCK};
use crate::kernels::Scratch;

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
    /// The im2col column (and the padded input, when it fits) in the arena scratch.
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
    let k = p.filter_h * p.filter_w * p.input_depth;
    let narrow = if is_narrow(p) { conv_path::NARROW } else { 0 };
    narrow
        | if is_pointwise(p) {
            conv_path::POINTWISE
        } else if scratch >= k {
            conv_path::GENERAL
        } else if k <= IN_PLACE_COLUMN {
            conv_path::IN_PLACE
        } else {
            0
        }
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
/// than [`IN_PLACE_COLUMN`], else nothing; the preferred size adds the padded input, whose
/// gather needs no bounds logic per tap. Pointwise convolutions need none.
pub fn conv_s8_scratch(p: &ConvParams) -> Scratch {
    if is_pointwise(p) || p.output_h == 0 || p.output_w == 0 {
        return Scratch::NONE;
    }
    let column = p.filter_h * p.filter_w * p.input_depth;
    let (ph, pw) = padded_extent(p);
    let min = if column > IN_PLACE_COLUMN { column } else { 0 };
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

/// Bytes of the narrow-input path's band of input rows (`conv::narrow`): keeps every
/// tap's offset from its window's first column below 256 (one 8-bit gather offset).
pub const NARROW_BAND: usize = 256;
/// Most taps (filter height x width x input channels) of a window of the narrow-input
/// path: four gathers of 16.
pub const NARROW_MAX_TAPS: usize = 64;
/// Bytes of the narrow-input path's repacked weights of all output channels: 8 at
/// [`NARROW_MAX_TAPS`] taps, 32 at 16 taps. Layers with more (a 64-channel first layer)
/// keep the general path: when the weights were repacked for each band of rows, that
/// cost more than the gathers saved (measured on a 10x4 layer of one input channel and 64
/// outputs: 12% more instructions for its model).
const NARROW_WEIGHTS: usize = 8 * NARROW_MAX_TAPS;

/// Whether the narrow-input path (`conv::narrow`, Helium) handles `p`: 1 to 4 input
/// channels, 7 to [`NARROW_MAX_TAPS`] taps (from 7x1 on one channel: below, a gather
/// fills less than half its lanes), at least four output channels, their repacked
/// weights within [`NARROW_WEIGHTS`], and the filter height's rows of one window's width
/// within [`NARROW_BAND`].
#[inline(always)]
pub fn is_narrow(p: &ConvParams) -> bool {
    let taps = p.filter_h * p.filter_w * p.input_depth;
    let x_reach = (p.filter_w.max(1) - 1) * p.dilation_w + 1;
    (1..=4).contains(&p.input_depth)
        && (7..=NARROW_MAX_TAPS).contains(&taps)
        && p.output_depth >= 4
        && group4_count(p.output_depth) * 64 * taps.div_ceil(16) <= NARROW_WEIGHTS
        && p.output_h > 0
        && p.output_w > 0
        && p.stride_w > 0
        && p.filter_h * x_reach * p.input_depth <= NARROW_BAND
}

/// The narrow-input path's bytes of input columns per band row (`row_bytes`) and output
/// pixels per band (`per_band`) of `p` ([`is_narrow`]): as many input columns as fit
/// [`NARROW_BAND`], no more than one output row needs. The same for every band of the
/// layer's rows (they share its width and filter).
#[inline(always)]
pub fn narrow_band_geometry(p: &ConvParams) -> (usize, usize) {
    let id = p.input_depth;
    let x_reach = (p.filter_w - 1) * p.dilation_w + 1;
    let cols = (NARROW_BAND / (p.filter_h * id)).min((p.output_w - 1) * p.stride_w + x_reach);
    (cols * id, (cols - x_reach) / p.stride_w + 1)
}

/// Words of the narrow-input path's values after the groups of [`conv_s8_pack`]
/// ([`conv_s8_pack_narrow`]): none unless [`is_narrow`].
#[inline(always)]
pub fn conv_s8_narrow_words(p: &ConvParams) -> usize {
    if !is_narrow(p) {
        return 0;
    }
    let chunks = (p.filter_h * p.filter_w * p.input_depth).div_ceil(16);
    // The offsets (16 bytes per chunk), then each group's weights (64 bytes per chunk).
    4 * chunks + group4_count(p.output_depth) * 16 * chunks
}

/// Fills `out` ([`conv_s8_narrow_words`] words) with what the narrow-input path reads
/// besides the groups: each tap's byte offset in the band from its window's first column
/// (16 per gather, zero past the taps), then the weights of each group of four channels
/// (`groups_of_four`'s order) as `[chunk][channel][16]`, zero past the taps.
pub fn conv_s8_pack_narrow(p: &ConvParams, filter: &[i8], out: &mut [i32]) {
    let words = conv_s8_narrow_words(p);
    if words == 0 {
        return;
    }
    let (id, k) = (p.input_depth, p.filter_h * p.filter_w * p.input_depth);
    let chunks = k.div_ceil(16);
    let (row_bytes, _) = narrow_band_geometry(p);
    let out = &mut out[..words];
    out.fill(0);
    // SAFETY: the words' bytes, in memory order (the kernel reads them so, through the
    // same view: little-endian on the host and on the Cortex-M targets).
    let bytes = unsafe { core::slice::from_raw_parts_mut(out.as_mut_ptr() as *mut i8, 4 * words) };
    let (offsets, weights) = bytes.split_at_mut(16 * chunks);
    for ky in 0..p.filter_h {
        for kx in 0..p.filter_w {
            for ic in 0..id {
                // Below `filter_h * row_bytes <= NARROW_BAND`.
                offsets[(ky * p.filter_w + kx) * id + ic] = (ky * row_bytes + kx * p.dilation_w * id + ic) as u8 as i8;
            }
        }
    }
    let group_bytes = 64 * chunks;
    for (g, c) in narrow_groups(p.output_depth).enumerate() {
        let w = &mut weights[g * group_bytes..(g + 1) * group_bytes];
        for r in 0..4 {
            let row = &filter[(c + r) * k..(c + r + 1) * k];
            for (j, piece) in row.chunks(16).enumerate() {
                w[(j * 4 + r) * 16..][..piece.len()].copy_from_slice(piece);
            }
        }
    }
}

/// The first channel of each group of four of the narrow-input path's layers, in table
/// order (`packed::groups_of_four` of one block: [`is_narrow`]'s weight bound keeps them
/// within 32 channels).
pub fn narrow_groups(channels: usize) -> impl Iterator<Item = usize> {
    debug_assert!(channels <= CHANNEL_BLOCK);
    (0..group4_in_block(channels)).map(move |g| (4 * g).min(channels - 4))
}
