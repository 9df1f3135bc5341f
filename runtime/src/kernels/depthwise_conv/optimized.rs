//! Optimized int8 DEPTHWISE_CONV_2D (same arithmetic as
//! `kernels::depthwise_conv::depthwise_conv_s8_reference`).
//!
//! Channels are innermost in both the NHWC input and the `1 x H x W x (C * M)` filter, so
//! per output pixel and filter tap the kernel multiplies a contiguous run of input
//! channels with a contiguous run of weights: a loop over channels that vectorizes (Helium
//! `vldrb.s32`/`vmla`, or plain `mla` elsewhere). The model compiler folded the input
//! offset into the biases (`bias + off * (sum of all taps' weights)`,
//! `kernels::depthwise_conv::depthwise_conv_s8_pack`); at the border, the taps that fall
//! in the padding have their `off * w` taken back out, so no per-tap offset add remains.
//!
//! Depth multiplier 1 (any channel count), and 2 or 4 with at least sixteen output
//! channels, run as runs of output pixels (`rows.rs`, the Helium routines of
//! `kernels::simd::depthwise`), any filter; other multipliers take the portable block
//! loops below. One input channel with a
//! depth multiplier of at least 2 (micro_speech) does not come here: the compiler lowers
//! it to a convolution on weights it transposed.

use super::layer::{depthwise_conv_s8_layer_words, depthwise_conv_s8_paths, depthwise_path, LayerTable};
use super::params::{depthwise_conv_s8_packed_groups, DepthwiseConvParams};
use super::rows;
use crate::kernels::geometry::tap;
use crate::kernels::packed::{group16_bias, groups, Group16, Words, CHANNEL_BLOCK};
use crate::kernels::simd::requantize;

/// Optimized `depthwise_conv_s8`, every path compiled in ([`depthwise_conv_s8_only`] of
/// [`depthwise_path::ALL`]).
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_s8(
    p: &DepthwiseConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    output: &mut [i8],
) -> bool {
    depthwise_conv_s8_only::<{ depthwise_path::ALL }>(p, input, filter, bias, multipliers, shifts, packed, output)
}

/// Optimized `depthwise_conv_s8` with the paths in `PATHS` compiled in
/// ([`depthwise_path`]); returns `false` (touching nothing) when `packed` is not this
/// layer's table, the depth multiplier is above [`CHANNEL_BLOCK`], or the layer's path
/// ([`depthwise_conv_s8_paths`]) is not in `PATHS`. The biases are read from `packed`;
/// the slice is in the signature because it is the reference kernel's.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_s8_only<const PATHS: u8>(
    p: &DepthwiseConvParams,
    input: &[i8],
    filter: &[i8],
    _bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    output: &mut [i8],
) -> bool {
    let m = p.depth_multiplier;
    let Some((table, layer)) = tables(p, packed) else {
        return false;
    };
    // A constant `PATHS` leaves the other path out of the code.
    let paths = depthwise_conv_s8_paths(p) & PATHS;
    if paths & depthwise_path::RUNS != 0 {
        if let Some(layer) = layer {
            rows::depthwise_runs(p, layer, false, input, filter, table, output);
            return true;
        }
    }
    if paths & depthwise_path::BLOCKS == 0 {
        return false;
    }
    // Input channels per block, so that a block's output channels fit the accumulators.
    let icb = CHANNEL_BLOCK / m;
    for ic0 in (0..p.input_depth).step_by(icb) {
        let n = icb.min(p.input_depth - ic0) * m;
        block(p, input, filter, table, multipliers, shifts, output, ic0, n);
    }
    true
}

/// A layer run a band of output rows at a time (`kernels::rows_in_place`): `run` gets
/// the kernel of one band (its parameters, `rows_in_place::depthwise_band`, its input
/// rows and its output). The runs of output pixels read what their bands share from the
/// layer's table ([`LayerTable`]); other layers get `whole` per band (the dispatching
/// `depthwise_conv_s8_only`). Only the paths in `PATHS` are compiled in.
pub fn depthwise_conv_s8_bands<const PATHS: u8, R>(
    p: &DepthwiseConvParams,
    filter: &[i8],
    packed: &[i32],
    run: impl FnOnce(&mut dyn FnMut(&DepthwiseConvParams, &[i8], &mut [i8])) -> R,
    mut whole: impl FnMut(&DepthwiseConvParams, &[i8], &mut [i8]),
) -> R {
    if PATHS & depthwise_path::RUNS != 0 {
        if let Some((table, Some(layer))) = tables(p, packed) {
            return rows::depthwise_bands(p, layer, filter, table, run);
        }
    }
    run(&mut |b, input, output| whole(b, input, output))
}

/// The layer's packed table (`depthwise_conv_s8_pack`'s groups, then
/// `depthwise_conv_s8_pack_layer`'s values for the runs of output pixels, when
/// [`rows::takes`] the layer); `None` when `packed` is not this layer's.
#[inline(always)]
fn tables<'a>(p: &DepthwiseConvParams, packed: &'a [i32]) -> Option<(&'a [Group16], Option<LayerTable<'a>>)> {
    let n = depthwise_conv_s8_packed_groups(p) * Group16::WORDS;
    if packed.len() != n + depthwise_conv_s8_layer_words(p) {
        return None;
    }
    let (table, layer) = packed.split_at(n);
    Some((groups::<Group16>(table)?, LayerTable::new(p, layer)))
}

/// Output channels `ic0 * m .. ic0 * m + n` with portable loops over channels.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn block(
    p: &DepthwiseConvParams,
    input: &[i8],
    filter: &[i8],
    table: &[Group16],
    multipliers: &[i32],
    shifts: &[i32],
    output: &mut [i8],
    ic0: usize,
    n: usize,
) {
    let m = p.depth_multiplier;
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    let od = id * m;
    let c0 = ic0 * m;
    // Every entry below `n` is written before it is read, for every pixel.
    let mut acc = [0i32; CHANNEL_BLOCK];
    for b in 0..p.batches {
        for oy in 0..p.output_h {
            for ox in 0..p.output_w {
                let acc = &mut acc[..n];
                for (c, a) in acc.iter_mut().enumerate() {
                    *a = group16_bias(table, od, c0 + c);
                }
                for ky in 0..p.filter_h {
                    let y = tap(oy, p.stride_h, p.pad_h, p.dilation_h, ky, ih);
                    for kx in 0..p.filter_w {
                        let w = &filter[(ky * p.filter_w + kx) * od + c0..][..n];
                        let Some((y, x)) = y.zip(tap(ox, p.stride_w, p.pad_w, p.dilation_w, kx, iw)) else {
                            // A padded tap: take its folded offset term back out.
                            for (a, &wv) in acc.iter_mut().zip(w) {
                                *a = a.wrapping_sub(p.input_offset.wrapping_mul(wv as i32));
                            }
                            continue;
                        };
                        let xs = &input[((b * ih + y) * iw + x) * id + ic0..];
                        if m == 1 {
                            for ((a, &xv), &wv) in acc.iter_mut().zip(&xs[..n]).zip(w) {
                                *a = a.wrapping_add(xv as i32 * wv as i32);
                            }
                        } else {
                            for (i, (a, wv)) in acc.chunks_exact_mut(m).zip(w.chunks_exact(m)).enumerate() {
                                let xv = xs[i] as i32;
                                for (a, &wv) in a.iter_mut().zip(wv) {
                                    *a = a.wrapping_add(xv * wv as i32);
                                }
                            }
                        }
                    }
                }
                let o = ((b * p.output_h + oy) * p.output_w + ox) * od + c0;
                requantize(
                    acc,
                    &multipliers[c0..c0 + n],
                    &shifts[c0..c0 + n],
                    p.output_offset,
                    p.activation_min,
                    p.activation_max,
                    &mut output[o..o + n],
                );
            }
        }
    }
}
