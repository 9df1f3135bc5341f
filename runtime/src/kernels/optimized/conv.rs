//! Optimized int8 CONV_2D (same arithmetic as `kernels::conv::conv_s8_reference`).
//!
//! Per output pixel, the input column (the pixel itself for a pointwise 1x1 convolution
//! without padding, else an im2col gather with padded taps set to the input zero point)
//! is multiplied with four filter rows at a time (`simd::dot4`, one input load for four
//! channels); the input offset is folded into a per-call bias `bias + off * sum w`, so the
//! inner loop is a plain int8 dot product. TFLite's OHWI filter layout already stores each
//! output channel's weights contiguously in the column order, so no repacking is needed.

use super::simd::{dot, dot4, requantize, sum};
use super::{CHANNEL_BLOCK, COLUMN_CAP};
use crate::kernels::conv::{tap, ConvParams};

/// Optimized `conv_s8`; returns `false` (touching nothing) for shapes it does not handle.
pub fn conv_s8(
    p: &ConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    output: &mut [i8],
) -> bool {
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    let k = p.filter_h * p.filter_w * id;
    let pointwise = p.filter_h == 1 && p.filter_w == 1 && p.pad_h == 0 && p.pad_w == 0;
    if !pointwise && k > COLUMN_CAP {
        return false;
    }
    // The input zero point fits i8 (TFLite int8 zero points are in [-128, 127]).
    let zero_point = (-p.input_offset) as i8;
    let mut column = [0i8; COLUMN_CAP];
    let od = p.output_depth;
    for c0 in (0..od).step_by(CHANNEL_BLOCK) {
        let n = CHANNEL_BLOCK.min(od - c0);
        let rows = &filter[c0 * k..(c0 + n) * k];
        let mut folded = [0i32; CHANNEL_BLOCK];
        for (c, f) in folded[..n].iter_mut().enumerate() {
            let b = if bias.is_empty() { 0 } else { bias[c0 + c] };
            *f = b.wrapping_add(p.input_offset.wrapping_mul(sum(&rows[c * k..(c + 1) * k])));
        }
        // Every entry below `n` is written before it is read, for every pixel.
        let mut acc = [0i32; CHANNEL_BLOCK];
        let mut o = 0;
        for b in 0..p.batches {
            for oy in 0..p.output_h {
                for ox in 0..p.output_w {
                    let x: &[i8] = if pointwise {
                        let (y, xx) = (oy * p.stride_h, ox * p.stride_w);
                        &input[((b * ih + y) * iw + xx) * id..][..id]
                    } else {
                        im2col(p, input, b, oy, ox, zero_point, &mut column[..k]);
                        &column[..k]
                    };
                    let mut c = 0;
                    while c + 4 <= n {
                        let r = &rows[c * k..];
                        let d = dot4(x, r, &r[k..], &r[2 * k..], &r[3 * k..]);
                        for j in 0..4 {
                            acc[c + j] = d[j].wrapping_add(folded[c + j]);
                        }
                        c += 4;
                    }
                    while c < n {
                        acc[c] = dot(x, &rows[c * k..(c + 1) * k]).wrapping_add(folded[c]);
                        c += 1;
                    }
                    let out = &mut output[o * od + c0..][..n];
                    requantize(
                        &acc[..n],
                        &multipliers[c0..c0 + n],
                        &shifts[c0..c0 + n],
                        p.output_offset,
                        p.activation_min,
                        p.activation_max,
                        out,
                    );
                    o += 1;
                }
            }
        }
    }
    true
}

/// Gathers the input column of output pixel `(b, oy, ox)` in the filter's `[ky][kx][ic]`
/// order, padded taps set to the input zero point. Without dilation, the taps of one
/// filter row that fall inside the image are contiguous in the input: one copy per row.
#[inline(always)]
fn im2col(p: &ConvParams, input: &[i8], b: usize, oy: usize, ox: usize, zero_point: i8, column: &mut [i8]) {
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    let row = p.filter_w * id;
    for ky in 0..p.filter_h {
        let dst = &mut column[ky * row..(ky + 1) * row];
        let Some(y) = tap(oy, p.stride_h, p.pad_h, p.dilation_h, ky, ih) else {
            dst.fill(zero_point);
            continue;
        };
        if p.dilation_w == 1 {
            // Input columns x0 - pad .. x0 - pad + filter_w, clipped to [0, iw).
            let start = (ox * p.stride_w) as isize - p.pad_w as isize;
            let lo = (-start).clamp(0, p.filter_w as isize) as usize;
            let hi = ((iw as isize - start).clamp(0, p.filter_w as isize) as usize).max(lo);
            dst[..lo * id].fill(zero_point);
            if hi > lo {
                let x0 = (start + lo as isize) as usize;
                dst[lo * id..hi * id].copy_from_slice(&input[((b * ih + y) * iw + x0) * id..][..(hi - lo) * id]);
            }
            dst[hi * id..].fill(zero_point);
        } else {
            for kx in 0..p.filter_w {
                let d = &mut dst[kx * id..(kx + 1) * id];
                match tap(ox, p.stride_w, p.pad_w, p.dilation_w, kx, iw) {
                    Some(x) => d.copy_from_slice(&input[((b * ih + y) * iw + x) * id..][..id]),
                    None => d.fill(zero_point),
                }
            }
        }
    }
}
