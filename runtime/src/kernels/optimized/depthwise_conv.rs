//! Optimized int8 DEPTHWISE_CONV_2D (same arithmetic as
//! `kernels::depthwise_conv::depthwise_conv_s8_reference`).
//!
//! Channels are innermost in both the NHWC input and the `1 x H x W x (C * M)` filter, so
//! per output pixel and filter tap the kernel multiplies a contiguous run of input
//! channels with a contiguous run of weights: a loop over channels that vectorizes (Helium
//! `vldrb.s32`/`vmla`, or plain `mla` elsewhere). The input offset is folded into a per-call
//! bias `bias + off * (sum of all taps' weights)`; at the border, the taps that fall in the
//! padding have their `off * w` taken back out, so no per-tap offset add remains.

use super::simd::requantize;
use super::CHANNEL_BLOCK;
use crate::kernels::conv::tap;
use crate::kernels::depthwise_conv::DepthwiseConvParams;

/// Optimized `depthwise_conv_s8`; returns `false` (touching nothing) for shapes it does
/// not handle (a depth multiplier above [`CHANNEL_BLOCK`]).
pub fn depthwise_conv_s8(
    p: &DepthwiseConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    output: &mut [i8],
) -> bool {
    let m = p.depth_multiplier;
    if m == 0 || m > CHANNEL_BLOCK {
        return false;
    }
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    let od = id * m;
    let taps = p.filter_h * p.filter_w;
    // Input channels per block, so that a block's output channels fit the stack arrays.
    let icb = CHANNEL_BLOCK / m;
    for ic0 in (0..id).step_by(icb) {
        let c0 = ic0 * m;
        let n = icb.min(id - ic0) * m;
        let mut folded = [0i32; CHANNEL_BLOCK];
        for (c, f) in folded[..n].iter_mut().enumerate() {
            let b = if bias.is_empty() { 0 } else { bias[c0 + c] };
            let wsum: i32 = (0..taps).map(|t| filter[t * od + c0 + c] as i32).sum();
            *f = b.wrapping_add(p.input_offset.wrapping_mul(wsum));
        }
        // Every entry below `n` is written before it is read, for every pixel.
        let mut acc = [0i32; CHANNEL_BLOCK];
        for b in 0..p.batches {
            for oy in 0..p.output_h {
                for ox in 0..p.output_w {
                    let acc = &mut acc[..n];
                    acc.copy_from_slice(&folded[..n]);
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
    true
}
