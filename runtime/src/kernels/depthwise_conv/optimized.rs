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
//! One input channel with a depth multiplier of at least 4 (micro_speech) does not come
//! here: the compiler lowers it to a convolution on weights it transposed.

use super::params::{depthwise_conv_s8_packed_groups, DepthwiseConvParams};
use super::rows;
use crate::kernels::geometry::tap;
use crate::kernels::packed::{group16_bias, groups, Group16, CHANNEL_BLOCK};
use crate::kernels::simd::{depthwise16, requantize, OutQuant};

/// Most filter taps handled by the depth-multiplier-1 path (a tap-pointer array on the
/// stack).
const MAX_TAPS: usize = 64;

/// Optimized `depthwise_conv_s8`; returns `false` (touching nothing) when `packed` is not
/// this layer's table or the depth multiplier is above [`CHANNEL_BLOCK`]. The biases
/// are read from `packed`; the slice is in the signature because it is the reference
/// kernel's.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_s8(
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
    let Some(table) = groups::<Group16>(packed).filter(|t| t.len() == depthwise_conv_s8_packed_groups(p)) else {
        return false;
    };
    if m == 0 || m > CHANNEL_BLOCK {
        return false;
    }
    let taps = p.filter_h * p.filter_w;
    if rows::takes(p) {
        rows::depthwise_runs(p, input, filter, table, output);
        return true;
    }
    // Input channels per block, so that a block's output channels fit the accumulators.
    let icb = CHANNEL_BLOCK / m;
    for ic0 in (0..p.input_depth).step_by(icb) {
        let n = icb.min(p.input_depth - ic0) * m;
        if m == 1 && n >= 16 && (1..=MAX_TAPS).contains(&taps) {
            block_m1(p, input, filter, table, output, ic0, n);
        } else {
            block(p, input, filter, table, multipliers, shifts, output, ic0, n);
        }
    }
    true
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

/// Output channels `c0 .. c0 + n` (`n >= 16`) of a depthwise convolution with depth
/// multiplier 1, sixteen channels per group ([`depthwise16`]); when `n` is not a multiple
/// of 16, a last group covers the last sixteen channels, rewriting identical bytes. Per
/// output pixel, the list of tap pointers addresses the input pixel of each tap, or a
/// buffer of input zero points for a padded tap (whose `(x + offset) * w` is then 0,
/// taking the folded offset term of that tap back out).
fn block_m1(
    p: &DepthwiseConvParams,
    input: &[i8],
    filter: &[i8],
    table: &[Group16],
    output: &mut [i8],
    c0: usize,
    n: usize,
) {
    let (ih, iw, od) = (p.input_h, p.input_w, p.input_depth);
    let taps = p.filter_h * p.filter_w;
    // Bounds checked once here; the pointer arithmetic below stays inside them.
    let input = &input[..p.batches * ih * iw * od];
    let filter = &filter[..taps * od];
    let output = &mut output[..p.batches * p.output_h * p.output_w * od];
    assert!(c0 + n <= od && (16..=CHANNEL_BLOCK).contains(&n) && (1..=MAX_TAPS).contains(&taps));
    // The block's full groups start at group `c0 / 16` (blocks start at multiples of
    // 16); only the last block (`c0 + n == od`) can end in a partial group, and then the
    // table's last group holds exactly its last sixteen channels.
    let full = n / 16;
    let tail = !n.is_multiple_of(16);
    let groups = &table[c0 / 16..c0 / 16 + full];
    let tail_group = &table[table.len() - 1..];
    // The input zero point fits i8 (TFLite int8 zero points are in [-128, 127]).
    let zero_points = [(-p.input_offset) as i8; CHANNEL_BLOCK];
    let q = OutQuant { offset: p.output_offset, min: p.activation_min, max: p.activation_max };
    let w = filter[c0..].as_ptr();
    let mut tp = [core::ptr::null::<i8>(); MAX_TAPS];
    let mut o = c0;
    for b in 0..p.batches {
        for oy in 0..p.output_h {
            for ox in 0..p.output_w {
                let mut t = 0;
                for ky in 0..p.filter_h {
                    let y = tap(oy, p.stride_h, p.pad_h, p.dilation_h, ky, ih);
                    for kx in 0..p.filter_w {
                        tp[t] = match y.zip(tap(ox, p.stride_w, p.pad_w, p.dilation_w, kx, iw)) {
                            Some((y, x)) => input[((b * ih + y) * iw + x) * od + c0..].as_ptr(),
                            None => zero_points.as_ptr(),
                        };
                        t += 1;
                    }
                }
                let out = output[o..o + n].as_mut_ptr();
                // SAFETY: each tap pointer addresses `n` readable bytes (an input pixel from
                // channel `c0`, `c0 + n <= od`, or the `CHANNEL_BLOCK >= n` zero points);
                // the weights of tap `t` are `filter[t * od + c0..][..n]`, inside `filter`
                // (`taps * od` bytes); `out` addresses `n` writable bytes.
                unsafe {
                    depthwise16(&tp[..taps], w, od, 0, groups, q, out);
                    if tail {
                        depthwise16(&tp[..taps], w, od, n - 16, tail_group, q, out.add(n - 16));
                    }
                }
                o += od;
            }
        }
    }
}
