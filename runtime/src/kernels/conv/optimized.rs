//! Optimized int8 CONV_2D (same arithmetic as `kernels::conv::conv_s8_reference`).
//!
//! Per output pixel, the input column (the pixel itself for a pointwise 1x1 convolution
//! without padding, else an im2col gather with padded taps set to the input zero point)
//! is multiplied with four filter rows at a time (`simd::dot4`, one input load for four
//! channels). The model compiler folded the input offset into the biases
//! (`bias + off * sum w`, `kernels::conv::conv_s8_pack`) and packed them with the
//! requantization constants, so the inner loop is a plain int8 dot product and nothing is
//! set up per call. TFLite's OHWI filter layout already stores each output channel's
//! weights contiguously in the column order, so the weights are not repacked.
//!
//! Memory: the column and the zero-point-padded input live in the arena scratch the
//! compiler planned (`kernels::conv::conv_s8_scratch`); without room for the column, a
//! window of up to `IN_PLACE_COLUMN` bytes is read in place from the input
//! (`conv::in_place`: no column at all). Without Helium every window is read in place,
//! whatever the scratch: on the M33 that measured faster than the column at every window
//! size (IC ResNet-8 27.32 M -> 22.68 M instructions on mps2-an505, 2026-12-08), so the
//! column path is Helium's only.
//!
//! The path (narrow, pointwise, general, in place) is [`conv_s8_paths`](super::conv_s8_paths) of the layer and
//! its scratch; the entries take a const set of paths ([`conv_path`]) and compile the
//! others out, so a model links only the paths its layers take (`conv_s8_only`).

#[cfg(tinyml_mve)]
use super::in_place::{Context, InPlace};
#[cfg(tinyml_mve)]
use super::params::padded_extent;
use super::params::{conv_path, conv_s8_narrow_words, conv_s8_paths_in, is_pointwise, ConvParams};
use super::pixel::{ConvPixel, Window};
use super::pointwise;
use crate::fixedpoint::multiply_by_quantized_multiplier;
#[cfg(tinyml_mve)]
use crate::kernels::geometry::tap;
use crate::kernels::packed::{group4_block, group4_count, groups, Group4, Words, CHANNEL_BLOCK};
#[cfg(tinyml_mve)]
use crate::kernels::simd::{copy_i8, fill_i8};
use crate::kernels::simd::{dot, dot4, dot4_requantize, OutQuant};

/// Optimized `conv_s8`, every path compiled in ([`conv_s8_only`] of [`conv_path::ALL`]).
#[allow(clippy::too_many_arguments)]
pub fn conv_s8(
    p: &ConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    scratch: &mut [u8],
    output: &mut [i8],
) -> bool {
    conv_s8_only::<{ conv_path::ALL }>(p, input, filter, bias, multipliers, shifts, packed, scratch, output)
}

/// Optimized `conv_s8` with the paths in `PATHS` compiled in ([`conv_path`]); returns
/// `false` (touching nothing) when `packed` is not this layer's table, when the window is
/// longer than [`IN_PLACE_COLUMN`](super::IN_PLACE_COLUMN) and its column does not fit `scratch`, or when the
/// layer's path ([`conv_s8_paths`](super::conv_s8_paths)) is not in `PATHS`. The biases, multipliers and shifts
/// are read from `packed`; the slices are in the signature because it is the reference
/// kernel's.
#[allow(clippy::too_many_arguments)]
pub fn conv_s8_only<const PATHS: u8>(
    p: &ConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    _multipliers: &[i32],
    _shifts: &[i32],
    packed: &[i32],
    scratch: &mut [u8],
    output: &mut [i8],
) -> bool {
    let Some((table, narrow)) = tables::<PATHS>(p, packed) else {
        return false;
    };
    // A constant `PATHS` leaves the branches of the other paths out of the code.
    let paths = conv_s8_paths_in(p, scratch.len(), PATHS);
    if cfg!(tinyml_mve) && narrow_only::<PATHS>() {
        return paths & conv_path::NARROW != 0 && super::narrow::conv_narrow(p, input, table, narrow, output);
    }
    if cfg!(tinyml_mve) && paths & conv_path::NARROW != 0 && super::narrow::conv_narrow(p, input, table, narrow, output)
    {
        return true;
    }
    if paths & conv_path::POINTWISE != 0 {
        conv_pointwise(p, input, filter, table, output);
        return true;
    }
    // Without Helium the general path reads its windows in place too (the module's
    // note): the scratch is not used.
    #[cfg(not(tinyml_mve))]
    if paths & (conv_path::GENERAL | conv_path::IN_PLACE) != 0 {
        super::in_place::conv_in_place(p, input, filter, bias, table, output);
        return true;
    }
    // Helium has no use for the biases (the in-place path without it takes them).
    #[cfg(tinyml_mve)]
    {
        let _ = bias;
        if paths & conv_path::GENERAL != 0 {
            let k = p.filter_h * p.filter_w * p.input_depth;
            let (column, padded) = as_i8(scratch).split_at_mut(k);
            conv_general(p, input, filter, table, column, padded, output);
            return true;
        }
        if paths & conv_path::IN_PLACE != 0 {
            return conv_in_place(p, input, filter, table, output);
        }
    }
    false
}

/// Whether Helium needs only the narrow path of `PATHS`: a set the compiler named with
/// it is a narrow layer's (`conv_s8_paths`), which Helium always takes (its table
/// checked), so the layer's other path, the one other cores take, is compiled out (the
/// in-place routines on VWW's first layer: VWW's code 80,740 -> 70,872 B release,
/// 141,832 -> 128,148 B dev, 2026-12-08). Not so for [`conv_path::ALL`], the choice at
/// run time.
#[inline(always)]
const fn narrow_only<const PATHS: u8>() -> bool {
    PATHS != conv_path::ALL && PATHS & conv_path::NARROW != 0
}

/// The layer's packed table: `conv_s8_pack`'s groups, then the narrow-input path's
/// words (`conv_s8_pack_narrow`, none for other layers); `None` when `packed` is not
/// this layer's. Without the narrow path in `PATHS` a layer has no such words (the
/// compiler passes it for every narrow layer): their count, a walk of the window's taps,
/// is then not linked, and a narrow layer called so gets `None` (the reference kernel).
#[inline(always)]
fn tables<'a, const PATHS: u8>(p: &ConvParams, packed: &'a [i32]) -> Option<(&'a [Group4], &'a [i32])> {
    let n = group4_count(p.output_depth) * Group4::WORDS;
    let narrow = if PATHS & conv_path::NARROW != 0 { conv_s8_narrow_words(p) } else { 0 };
    if packed.len() != n + narrow {
        return None;
    }
    let (table, narrow) = packed.split_at(n);
    Some((groups::<Group4>(table)?, narrow))
}

/// `bytes` as `i8`.
#[cfg(tinyml_mve)]
fn as_i8(bytes: &mut [u8]) -> &mut [i8] {
    // SAFETY: `u8` and `i8` have the same size, alignment and (all) valid bit patterns.
    unsafe { core::slice::from_raw_parts_mut(bytes.as_mut_ptr() as *mut i8, bytes.len()) }
}

/// 1x1 convolution without padding: each output pixel's column is its input pixel. By
/// groups of four channels over all pixels where `pointwise::by_groups` says so, else one
/// call per pixel.
fn conv_pointwise(p: &ConvParams, input: &[i8], filter: &[i8], table: &[Group4], output: &mut [i8]) {
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    let (k, od) = (id, p.output_depth);
    if pointwise::by_groups(p, table) {
        return pointwise::conv_by_groups(p, input, filter, table, output);
    }
    let q = OutQuant { offset: p.output_offset, min: p.activation_min, max: p.activation_max };
    for c0 in (0..od).step_by(CHANNEL_BLOCK) {
        let n = CHANNEL_BLOCK.min(od - c0);
        let rows = &filter[c0 * k..(c0 + n) * k];
        if let Some(mut px) = ConvPixel::new(&mut [], rows, group4_block(table, c0, n), n, q, Window::pointwise(id)) {
            pointwise_by_pixel(p, input, &mut px, &mut output[c0..]);
            continue;
        }
        let blk = Block::from_table(rows, k, table, c0, n);
        let mut o = 0;
        for b in 0..p.batches {
            for oy in 0..p.output_h {
                for ox in 0..p.output_w {
                    let (y, x) = (oy * p.stride_h, ox * p.stride_w);
                    blk.run(&input[((b * ih + y) * iw + x) * id..][..id], q, &mut output[o * od + c0..][..n]);
                    o += 1;
                }
            }
        }
    }
}

/// The output rows of a pointwise layer over the block of channels of `px`: one call per
/// output row, everything else prepared once. `out` starts at the block's first channel.
fn pointwise_by_pixel(p: &ConvParams, input: &[i8], px: &mut ConvPixel, out: &mut [i8]) {
    let (ih, iw, id, od) = (p.input_h, p.input_w, p.input_depth, p.output_depth);
    let (ow, step, n) = (p.output_w, p.stride_w * id, px.channels());
    for b in 0..p.batches {
        for oy in 0..p.output_h {
            let src = &input[(b * ih + oy * p.stride_h) * iw * id..][..(ow - 1) * step + id];
            let o = (b * p.output_h + oy) * ow;
            let dst = &mut out[o * od..][..(ow - 1) * od + n];
            // SAFETY: `src` holds the row's `ow` pixels, `step` apart, `dst` their
            // outputs, `od` apart.
            unsafe { px.run_row(src.as_ptr(), step, dst.as_mut_ptr(), od, ow) };
        }
    }
}

/// A layer run a band of output rows at a time (`kernels::rows_in_place`): `run` gets the
/// kernel of one band (its parameters, `rows_in_place::conv_band`, its input rows and
/// its output). Where every band would take one block of [`ConvPixel`] read in place
/// (pointwise layers outside `pointwise::by_groups`, other windows without a padded
/// copy), the block's constants and gather are prepared once for all bands here: per
/// band they cost about as much as a band's products on a narrow layer (micro_speech's
/// 10x8 window over 8 channels). So is the narrow path's context (`narrow::Narrow`,
/// Helium; its chunks and weights come from the layer's table). Without Helium, every
/// window but a pointwise layer's is read in place per band (`conv::in_place`, with the
/// layer's `bias`: nothing to prepare). Other layers get `whole(band, input, output,
/// scratch)` per band (the dispatching `conv_s8`).
pub fn conv_s8_bands<const PATHS: u8, R>(
    p: &ConvParams,
    filter: &[i8],
    bias: &[i32],
    packed: &[i32],
    scratch: &mut [u8],
    run: impl FnOnce(&mut dyn FnMut(&ConvParams, &[i8], &mut [i8])) -> R,
    whole: impl FnMut(&ConvParams, &[i8], &mut [i8], &mut [u8]),
) -> R {
    // A constant `PATHS` leaves the branches of the other paths out of the code.
    let paths = conv_s8_paths_in(p, scratch.len(), PATHS);
    #[cfg(tinyml_mve)]
    if paths & conv_path::NARROW != 0 {
        if let Some((table, narrow)) = tables::<PATHS>(p, packed) {
            if let Some(mut narrow) = super::narrow::Narrow::new(p, narrow) {
                return run(&mut |b, input, output| narrow.run(b, input, table, output));
            }
        }
    }
    // A narrow layer's table that does not hold its words: each band hands back to the
    // reference kernel (`conv_s8_only`), without the bands' paths compiled in.
    #[cfg(tinyml_mve)]
    if narrow_only::<PATHS>() {
        let mut whole = whole;
        return run(&mut |b, input, output| whole(b, input, output, &mut *scratch));
    }
    #[cfg(tinyml_mve)]
    {
        let _ = bias;
        if paths & conv_path::IN_PLACE != 0 {
            return in_place_bands::<PATHS, R>(p, filter, packed, scratch, run, whole);
        }
    }
    // Without Helium the window is read in place (`conv::in_place`), which prepares
    // nothing; called here rather than through `whole`, whose other paths the layer
    // would then link (21 KB of flash on micro_speech).
    #[cfg(not(tinyml_mve))]
    if paths & (conv_path::GENERAL | conv_path::IN_PLACE) != 0 {
        if let Some((table, _)) = tables::<PATHS>(p, packed) {
            return run(&mut |b, input, output| super::in_place::conv_in_place(b, input, filter, bias, table, output));
        }
    }
    pixel_bands::<PATHS, R>(p, filter, packed, scratch, run, whole)
}

/// [`conv_s8_bands`] past the narrow path: one [`ConvPixel`] for all bands where
/// [`band_pixel`] builds one (its column in the scratch), else `whole` per band.
#[inline(always)]
fn pixel_bands<const PATHS: u8, R>(
    p: &ConvParams,
    filter: &[i8],
    packed: &[i32],
    scratch: &mut [u8],
    run: impl FnOnce(&mut dyn FnMut(&ConvParams, &[i8], &mut [i8])) -> R,
    mut whole: impl FnMut(&ConvParams, &[i8], &mut [i8], &mut [u8]),
) -> R {
    if PATHS & conv_path::POINTWISE != 0 && is_pointwise(p) {
        let grouped = tables::<PATHS>(p, packed).is_some_and(|(table, _)| pointwise::by_groups(p, table));
        // By groups, each group of four channels sets up once per call: a band of a few
        // pixels (a layer of one pixel per row, an audio model's 1-D layers, in one-row
        // bands) pays that per band, and takes one block of `ConvPixel` instead, prepared
        // once, when the first such band comes (preparing it costs about as much as a
        // band's products: not for layers whose bands all run by groups).
        let mut px = None;
        let mut prepared = false;
        return run(&mut |b, input, output| {
            if !(grouped && b.output_h * b.output_w >= GROUPS_MIN_PIXELS) {
                if !prepared {
                    (px, prepared) = (pointwise_pixel::<PATHS>(p, filter, packed), true);
                }
                if let Some(px) = &mut px {
                    return pointwise_by_pixel(b, input, px, output);
                }
            }
            whole(b, input, output, &mut *scratch)
        });
    }
    #[cfg(tinyml_mve)]
    if PATHS & conv_path::GENERAL != 0 {
        if let Some(mut px) = band_pixel::<PATHS>(p, filter, packed, &mut *scratch) {
            let od = p.output_depth;
            // The bands' border pixels gather their padded taps as zero points.
            return run(&mut |b, input, output| by_pixel(b, input, b.input_w, false, input, 0, &mut px, output, od));
        }
    }
    run(&mut |b, input, output| whole(b, input, output, &mut *scratch))
}

/// Fewest output pixels of a band that a pointwise layer by groups
/// (`pointwise::by_groups`) runs by groups; fewer take the layer's one block of
/// [`ConvPixel`], prepared once.
const GROUPS_MIN_PIXELS: usize = 12;

/// The one block of [`ConvPixel`] of a pointwise layer of at most [`CHANNEL_BLOCK`]
/// channels.
fn pointwise_pixel<'a, const PATHS: u8>(p: &ConvParams, filter: &'a [i8], packed: &'a [i32]) -> Option<ConvPixel<'a>> {
    let (rows, block, q) = one_block::<PATHS>(p, filter, packed)?;
    ConvPixel::new(&mut [], rows, block, p.output_depth, q, Window::pointwise(p.input_depth))
}

/// What a layer's one block of [`ConvPixel`] reads, if its output channels are one block
/// ([`CHANNEL_BLOCK`]) and it has one batch: the filter rows, their groups of constants
/// in the table, and the output quantization.
fn one_block<'a, const PATHS: u8>(
    p: &ConvParams,
    filter: &'a [i8],
    packed: &'a [i32],
) -> Option<(&'a [i8], &'a [Group4], OutQuant)> {
    let od = p.output_depth;
    let (table, _) = tables::<PATHS>(p, packed)?;
    if p.batches != 1 || od > CHANNEL_BLOCK {
        return None;
    }
    let q = OutQuant { offset: p.output_offset, min: p.activation_min, max: p.activation_max };
    let k = p.filter_h * p.filter_w * p.input_depth;
    Some((filter.get(..od * k)?, group4_block(table, 0, od), q))
}

#[cfg(tinyml_mve)]
/// The one block of [`ConvPixel`] every band of [`conv_s8_bands`] would build, its
/// column in `scratch`; `None` where the bands take another path (several blocks, the
/// narrow path, pointwise layers, a padded copy that fits, no room for the column).
fn band_pixel<'a, const PATHS: u8>(
    p: &ConvParams,
    filter: &'a [i8],
    packed: &'a [i32],
    scratch: &'a mut [u8],
) -> Option<ConvPixel<'a>> {
    if (cfg!(tinyml_mve) && PATHS & conv_path::NARROW != 0 && super::narrow::is_narrow(p)) || is_pointwise(p) {
        return None;
    }
    let (rows, block, q) = one_block::<PATHS>(p, filter, packed)?;
    let (od, k) = (p.output_depth, p.filter_h * p.filter_w * p.input_depth);
    // A band pads a copy of its input rows when the scratch holds it: at least the
    // window's height of padded rows.
    let reach_h = (p.filter_h - 1) * p.dilation_h + 1;
    if scratch.len() >= k + reach_h * padded_extent(p).1 * p.input_depth {
        return None;
    }
    if scratch.len() < k {
        return None;
    }
    ConvPixel::new(&mut as_i8(scratch)[..k], rows, block, od, q, pixel_window(p, p.input_w))
}

/// Helium: a layer whose arena has no scratch for the column (`k <=`
/// [`IN_PLACE_COLUMN`](super::IN_PLACE_COLUMN)) reads its windows in place from the input ([`InPlace`]), block by
/// block of channels; `false` (touching nothing) if [`InPlace`] declines the first block
/// (a filter or table too short: then it declines every block).
#[cfg(tinyml_mve)]
#[inline(never)]
fn conv_in_place(p: &ConvParams, input: &[i8], filter: &[i8], table: &[Group4], output: &mut [i8]) -> bool {
    let (ih, iw, id, od) = (p.input_h, p.input_w, p.input_depth, p.output_depth);
    let k = p.filter_h * p.filter_w * id;
    let q = OutQuant { offset: p.output_offset, min: p.activation_min, max: p.activation_max };
    let pixels = p.output_h * p.output_w;
    for c0 in (0..od).step_by(CHANNEL_BLOCK) {
        let n = CHANNEL_BLOCK.min(od - c0);
        let rows = &filter[c0 * k..(c0 + n) * k];
        let block = group4_block(table, c0, n);
        if !InPlace::accepts(p, rows, block, n) {
            return false;
        }
        let mut ctx = Context::default();
        let mut px = InPlace::new(p, rows, block, n, q, &mut ctx);
        for b in 0..p.batches {
            let image = &input[b * ih * iw * id..(b + 1) * ih * iw * id];
            px.run(p, image, &mut output[b * pixels * od + c0..]);
        }
    }
    true
}

/// [`conv_s8_bands`] on Helium for a layer whose arena has no scratch for the column:
/// one [`InPlace`] block for all bands when the layer is one block of one batch, else
/// `whole` per band.
#[cfg(tinyml_mve)]
#[inline(never)]
fn in_place_bands<const PATHS: u8, R>(
    p: &ConvParams,
    filter: &[i8],
    packed: &[i32],
    scratch: &mut [u8],
    run: impl FnOnce(&mut dyn FnMut(&ConvParams, &[i8], &mut [i8])) -> R,
    mut whole: impl FnMut(&ConvParams, &[i8], &mut [i8], &mut [u8]),
) -> R {
    if let Some((rows, block, q)) = one_block::<PATHS>(p, filter, packed) {
        if InPlace::accepts(p, rows, block, p.output_depth) {
            let mut ctx = Context::default();
            let mut px = InPlace::new(p, rows, block, p.output_depth, q, &mut ctx);
            return run(&mut |b, input, output| px.run(b, input, output));
        }
    }
    run(&mut |b, input, output| whole(b, input, output, &mut *scratch))
}

#[cfg(tinyml_mve)]
/// Any other convolution: im2col into `column` (`k` bytes) per output pixel, from a
/// zero-point-padded copy of the input in `padded` when it fits there (no bounds logic
/// per tap), else from the input: whole rows where the window is inside it horizontally,
/// per-row clipping at the left and right borders.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn conv_general(
    p: &ConvParams,
    input: &[i8],
    filter: &[i8],
    table: &[Group4],
    column: &mut [i8],
    padded: &mut [i8],
    output: &mut [i8],
) {
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    let k = column.len();
    // The input zero point fits i8 (TFLite int8 zero points are in [-128, 127]).
    let zero_point = (-p.input_offset) as i8;
    let od = p.output_depth;
    let q = OutQuant { offset: p.output_offset, min: p.activation_min, max: p.activation_max };
    let (ph, pw) = padded_extent(p);
    let padded_fits = padded.len() >= ph * pw * id;
    let padded = &mut padded[..if padded_fits { ph * pw * id } else { 0 }];
    // Columns a window spans: `filter_w` taps `dilation_w` apart.
    let x_reach = (p.filter_w - 1) * p.dilation_w + 1;
    let mut o = 0;
    for b in 0..p.batches {
        if padded_fits {
            pad_image(p, &input[b * ih * iw * id..(b + 1) * ih * iw * id], zero_point, pw, padded);
        }
        let image = &input[b * ih * iw * id..(b + 1) * ih * iw * id];
        let o_batch = o;
        for c0 in (0..od).step_by(CHANNEL_BLOCK) {
            let n = CHANNEL_BLOCK.min(od - c0);
            let rows = &filter[c0 * k..(c0 + n) * k];
            o = o_batch;
            let blk_table = group4_block(table, c0, n);
            let (image, width) = if padded_fits { (&*padded, pw) } else { (image, iw) };
            if let Some(mut px) = ConvPixel::new(column, rows, blk_table, n, q, pixel_window(p, width)) {
                let out = &mut output[o * od + c0..];
                by_pixel(p, image, width, padded_fits, input, b, &mut px, out, od);
                o += p.output_h * p.output_w;
                continue;
            }
            let blk = Block::from_table(rows, k, table, c0, n);
            for oy in 0..p.output_h {
                for ox in 0..p.output_w {
                    let x0 = ox * p.stride_w;
                    if padded_fits {
                        gather::<false>(p, padded, pw, ph, (oy * p.stride_h) as isize, x0, zero_point, column);
                    } else if x0 >= p.pad_w && x0 - p.pad_w + x_reach <= iw {
                        // The window is inside the input horizontally: rows are whole runs
                        // (or padding rows), no clipping.
                        let y0 = (oy * p.stride_h) as isize - p.pad_h as isize;
                        gather::<true>(p, image, iw, ih, y0, x0 - p.pad_w, zero_point, column);
                    } else {
                        im2col(p, input, b, oy, ox, zero_point, column);
                    }
                    blk.run(column, q, &mut output[o * od + c0..][..n]);
                    o += 1;
                }
            }
        }
    }
}

#[cfg(tinyml_mve)]
/// The output pixels of one batch over the block of channels of `px`, read in place from
/// `image` (`width` pixels wide: the padded copy when `padded`, else the input batch):
/// one call per output row for the pixels whose window is inside it horizontally, one per
/// pixel at the left and right borders; the filter rows and columns outside the image
/// are left out of the gather (set to zero points when the clip changes). Windows wholly
/// outside the image are gathered by [`im2col`] from `input`. `out` starts at the batch's
/// first pixel, `od` bytes per pixel.
#[allow(clippy::too_many_arguments)]
fn by_pixel(
    p: &ConvParams,
    image: &[i8],
    width: usize,
    padded: bool,
    input: &[i8],
    b: usize,
    px: &mut ConvPixel,
    out: &mut [i8],
    od: usize,
) {
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    let (ow, fh, fw) = (p.output_w, p.filter_h, p.filter_w);
    let window = pixel_window(p, width);
    let zero_point = (-p.input_offset) as i8;
    let x_reach = (fw - 1) * p.dilation_w + 1;
    let (pad_h, pad_w) = if padded { (0, 0) } else { (p.pad_h, p.pad_w) };
    let (height, image_w) = if padded { (isize::MAX, isize::MAX) } else { (ih as isize, iw as isize) };
    // Output columns whose window is inside the image horizontally: `x_lo..x_hi`.
    let x_lo = pad_w.div_ceil(p.stride_w).min(ow);
    let x_hi = if padded {
        ow
    } else if iw + pad_w >= x_reach {
        ((iw + pad_w - x_reach) / p.stride_w + 1).clamp(x_lo, ow)
    } else {
        x_lo
    };
    // The taps of a window from `start` (padding included) inside `0..size`.
    let inside = |start: isize, dilation: usize, taps: usize, size: isize| {
        let d = dilation as isize;
        let lo = (if start >= 0 { 0 } else { (d - 1 - start) / d } as usize).min(taps);
        let hi = if start >= size { 0 } else { ((size - 1 - start) / d + 1) as usize };
        lo..hi.clamp(lo, taps)
    };
    let n = px.channels();
    for oy in 0..p.output_h {
        let y0 = (oy * p.stride_h) as isize - pad_h as isize;
        let rows = inside(y0, p.dilation_h, fh, height);
        let o_row = oy * ow;
        for ox in (0..x_lo).chain(x_hi..ow) {
            let x0 = (ox * p.stride_w) as isize - pad_w as isize;
            let cols = inside(x0, p.dilation_w, fw, image_w);
            let dst = &mut out[(o_row + ox) * od..][..n];
            if rows.is_empty() || cols.is_empty() {
                im2col(p, input, b, oy, ox, zero_point, px.column());
                px.run_gathered(dst);
                continue;
            }
            px.clip(rows.clone(), cols.clone(), zero_point);
            let y = (y0 + (rows.start * p.dilation_h) as isize) as usize;
            let x = (x0 + (cols.start * p.dilation_w) as isize) as usize;
            let src = &image[(y * width + x) * id..][..window.extent(rows.clone(), cols)];
            // SAFETY: `src` holds the gathered rows and columns of the window, `dst` its
            // outputs.
            unsafe { px.run_row(src.as_ptr(), 0, dst.as_mut_ptr(), 0, 1) };
        }
        if rows.is_empty() || x_lo == x_hi {
            for ox in x_lo..x_hi {
                im2col(p, input, b, oy, ox, zero_point, px.column());
                px.run_gathered(&mut out[(o_row + ox) * od..]);
            }
            continue;
        }
        px.clip(rows.clone(), 0..window.cols(), zero_point);
        let count = x_hi - x_lo;
        let (x, y) = (x_lo * p.stride_w - pad_w, (y0 + (rows.start * p.dilation_h) as isize) as usize);
        let step = p.stride_w * id;
        let span = (count - 1) * step + window.extent(rows, 0..window.cols());
        let src = &image[(y * width + x) * id..][..span];
        let dst = &mut out[(o_row + x_lo) * od..][..(count - 1) * od + n];
        // SAFETY: `src` holds the gathered rows of the `count` windows, `step` apart;
        // `dst` their outputs, `od` apart.
        unsafe { px.run_row(src.as_ptr(), step, dst.as_mut_ptr(), od, count) };
    }
}

#[cfg(tinyml_mve)]
/// The window of a pixel in an image `width` pixels wide: its filter rows as runs when
/// they are contiguous ([`rows_are_runs`]), else each row's taps as runs of one pixel
/// (a dilated filter row is a strided run of whole pixels).
fn pixel_window(p: &ConvParams, width: usize) -> Window {
    let id = p.input_depth;
    let row_stride = p.dilation_h * width * id;
    if rows_are_runs(p) {
        return Window { rows: p.filter_h, row_stride, taps: 1, tap_stride: 0, len: p.filter_w * id, depth: id };
    }
    Window { rows: p.filter_h, row_stride, taps: p.filter_w, tap_stride: p.dilation_w * id, len: id, depth: id }
}

#[cfg(tinyml_mve)]
/// Whether each filter row's taps are one contiguous run of the input: no horizontal
/// dilation, or a window of one column whatever its dilation (a 7x1 window of dilation 2
/// is read in place, not gathered tap by tap).
#[inline(always)]
fn rows_are_runs(p: &ConvParams) -> bool {
    p.dilation_w == 1 || p.filter_w == 1
}

#[cfg(tinyml_mve)]
/// Copies one batch of the input into `padded` (`pw` pixels wide), surrounded by input
/// zero points: `pad_h` rows above, `pad_w` columns on the left, and up to the size of
/// `padded` below and on the right.
fn pad_image(p: &ConvParams, input: &[i8], zero_point: i8, pw: usize, padded: &mut [i8]) {
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    fill_i8(padded, zero_point);
    for y in 0..ih {
        let dst = &mut padded[((y + p.pad_h) * pw + p.pad_w) * id..][..iw * id];
        copy_i8(dst, &input[y * iw * id..(y + 1) * iw * id]);
    }
}

#[cfg(tinyml_mve)]
/// Gathers a column from `image` (`width` pixels wide, `height` rows) whose window starts
/// at row `y0` and column `x0` (every column of the window inside the image): one
/// contiguous run per filter row without dilation. With `CLIP_ROWS`, rows above 0 or from `height` on are the
/// padding and set to the zero point; without it (the padded copy, where every row is
/// inside), the check is not compiled in: it cost KWS's first layer 30 instructions per
/// row.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gather<const CLIP_ROWS: bool>(
    p: &ConvParams,
    image: &[i8],
    width: usize,
    height: usize,
    y0: isize,
    x0: usize,
    zero_point: i8,
    column: &mut [i8],
) {
    let id = p.input_depth;
    let row = p.filter_w * id;
    for ky in 0..p.filter_h {
        let py = y0 + (ky * p.dilation_h) as isize;
        let dst = &mut column[ky * row..(ky + 1) * row];
        if CLIP_ROWS && (py < 0 || py as usize >= height) {
            fill_i8(dst, zero_point);
            continue;
        }
        let py = py as usize;
        if rows_are_runs(p) {
            // A tail-predicated vector loop: no byte tail, no call.
            copy_i8(dst, &image[(py * width + x0) * id..][..row]);
        } else {
            for kx in 0..p.filter_w {
                let px = x0 + kx * p.dilation_w;
                copy_i8(&mut dst[kx * id..(kx + 1) * id], &image[(py * width + px) * id..][..id]);
            }
        }
    }
}

#[cfg(tinyml_mve)]
/// Gathers the input column of output pixel `(b, oy, ox)` in the filter's `[ky][kx][ic]`
/// order, padded taps set to the input zero point. Without dilation, the taps of one
/// filter row that fall inside the image are contiguous in the input and span the same
/// columns in every row: the column is set to zero points once, then one copy per row
/// inside the image. Not inlined: inside the pixel loops LLVM spilled most of its state
/// to the stack.
#[inline(never)]
fn im2col(p: &ConvParams, input: &[i8], b: usize, oy: usize, ox: usize, zero_point: i8, column: &mut [i8]) {
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    let row = p.filter_w * id;
    if rows_are_runs(p) {
        // Input columns x0 - pad .. x0 - pad + filter_w, clipped to [0, iw).
        let start = (ox * p.stride_w) as isize - p.pad_w as isize;
        let lo = (-start).clamp(0, p.filter_w as isize) as usize;
        let hi = ((iw as isize - start).clamp(0, p.filter_w as isize) as usize).max(lo);
        fill_i8(column, zero_point);
        if hi == lo {
            return;
        }
        let x0 = (start + lo as isize) as usize;
        let run = (hi - lo) * id;
        for ky in 0..p.filter_h {
            if let Some(y) = tap(oy, p.stride_h, p.pad_h, p.dilation_h, ky, ih) {
                let src = &input[((b * ih + y) * iw + x0) * id..][..run];
                copy_i8(&mut column[ky * row + lo * id..][..run], src);
            }
        }
        return;
    }
    for ky in 0..p.filter_h {
        let dst = &mut column[ky * row..(ky + 1) * row];
        let Some(y) = tap(oy, p.stride_h, p.pad_h, p.dilation_h, ky, ih) else {
            fill_i8(dst, zero_point);
            continue;
        };
        for kx in 0..p.filter_w {
            let d = &mut dst[kx * id..(kx + 1) * id];
            match tap(ox, p.stride_w, p.pad_w, p.dilation_w, kx, iw) {
                Some(x) => copy_i8(d, &input[((b * ih + y) * iw + x) * id..][..id]),
                None => fill_i8(d, zero_point),
            }
        }
    }
}

/// The constants of a block of at most [`CHANNEL_BLOCK`] output channels whose
/// filter rows (`k` bytes each) are contiguous: full groups of four, then, when the count
/// is not a multiple of four, one group of the last four channels (overlapping the
/// previous group and rewriting identical bytes), or single channels when there are
/// fewer than four.
pub(crate) struct Block<'a> {
    rows: &'a [i8],
    k: usize,
    n: usize,
    table: &'a [Group4],
}

impl<'a> Block<'a> {
    /// The block of channels `c0..c0 + n` whose constants the model compiler packed
    /// (`kernels::packed::pack_group4`); `rows` holds the block's `n` filter rows.
    #[inline(always)]
    pub(crate) fn from_table(rows: &'a [i8], k: usize, table: &'a [Group4], c0: usize, n: usize) -> Self {
        Block { rows, k, n, table: group4_block(table, c0, n) }
    }

    /// Computes the block's `n` outputs for the input column `x` (`k` bytes).
    #[inline(always)]
    pub(crate) fn run(&self, x: &[i8], q: OutQuant, out: &mut [i8]) {
        let (k, n) = (self.k, self.n);
        let full = n / 4;
        dot4_requantize(x, self.rows, &self.table[..full], q, out);
        if n.is_multiple_of(4) {
            return;
        }
        if n >= 4 {
            let c = n - 4;
            dot4_requantize(x, &self.rows[c * k..], &self.table[full..full + 1], q, &mut out[c..]);
            return;
        }
        // Fewer than four channels: on Helium one four-row pass with the last row
        // repeated (a vector loop, where a scalar dot product costs about three
        // instructions per product), elsewhere plain dot products.
        let t = &self.table[0];
        let d = if cfg!(tinyml_mve) {
            let r = |c: usize| &self.rows[c.min(n - 1) * k..][..k];
            dot4(x, r(0), r(1), r(2), r(3))
        } else {
            [0; 4]
        };
        for (c, dst) in out[..n].iter_mut().enumerate() {
            let d = if cfg!(tinyml_mve) { d[c] } else { dot(x, &self.rows[c * k..(c + 1) * k]) };
            let acc = d.wrapping_add(t.bias[c]);
            let v = multiply_by_quantized_multiplier(acc, t.mult[c], t.left[c] + t.right[c]) + q.offset;
            *dst = v.clamp(q.min, q.max) as i8;
        }
    }
}
