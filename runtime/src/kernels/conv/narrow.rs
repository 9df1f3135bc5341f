//! CONV_2D over narrow inputs (1 to 4 input channels, 7 to 64 taps per window: first
//! layers, 3x3, 5x3 and 7x1 kernels), where the general kernel's per-pixel im2col copy (one
//! short run per filter row, tap by tap when dilated) and its block setup cost more than
//! the products of a window of 7 to 64 bytes.
//!
//! Per output row, the filter rows' input rows are copied into a band of at most [`BAND`]
//! bytes, the padding set to the input zero point (the model compiler folded
//! `input_offset * sum w` into the biases, so a padded tap must read the zero point, as
//! the reference's skipped tap adds nothing); the window of every pixel of the row is
//! then at fixed byte offsets (below 256) from its first column, whatever the stride and
//! dilation. On Helium one byte-gather per 16 taps collects a window into a vector
//! (`simd::conv_narrow_run`), four `vmladava.s8` with a group's weights (repacked, zero
//! past the taps) and one vector requantization finish the pixel. Elsewhere a scalar
//! loop has the same contract; the host tests check the band and offset arithmetic with
//! it, but only Helium dispatches here (the M33 and M4 keep the general path, whose DSP
//! dot products the scalar loop was not measured against).
//!
//! The offsets and the repacked weights depend on the layer only: the model compiler
//! packs them after the layer's groups (`conv_s8_pack_narrow`), so the stack holds only
//! the band ([`BAND`] bytes), and only on this path (`conv_narrow` is not inlined).

use super::params::{conv_s8_narrow_words, narrow_band_geometry, narrow_groups, ConvParams};
pub use super::params::{is_narrow, NARROW_BAND as BAND, NARROW_MAX_TAPS as MAX_TAPS};
use crate::kernels::packed::Group4;
use crate::kernels::simd::{copy_i8, fill_i8};

/// Words of a run's context (`simd::conv_narrow_run`'s layout).
const CTX: usize = 13;
#[cfg(tinyml_mve)]
const _: () = assert!(CTX == crate::kernels::simd::NARROW_CTX);

/// The narrow-input convolution; `false` (touching nothing) unless [`is_narrow`] and
/// `narrow` holds the layer's offsets and weights. `table` is the layer's packed table
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

/// What the rows of a narrow-input layer share: the taps' offsets in the band and the
/// repacked weights (from the layer's table), and the band itself. Built once per layer;
/// a layer run a band of output rows at a time (`kernels::rows_in_place`) runs each band
/// with it.
pub struct Narrow<'a> {
    offsets: &'a [u8],
    weights: &'a [i8],
    band: [i8; BAND],
    chunks: usize,
    row_bytes: usize,
    per_band: usize,
}

impl<'a> Narrow<'a> {
    /// The layer's, its offsets and weights from `narrow` (`conv_s8_pack_narrow`); `None`
    /// unless [`is_narrow`] and `narrow` holds their words. A band of its rows (its input
    /// rows, output rows and padding above) runs with the same.
    #[inline(always)]
    pub fn new(p: &ConvParams, narrow: &'a [i32]) -> Option<Self> {
        let words = conv_s8_narrow_words(p);
        if words == 0 || narrow.len() != words {
            return None;
        }
        let chunks = (p.filter_h * p.filter_w * p.input_depth).div_ceil(16);
        let (row_bytes, per_band) = narrow_band_geometry(p);
        // SAFETY: the words' bytes in memory order, as `conv_s8_pack_narrow` wrote them;
        // `u8` and `i8` have no alignment or validity requirement.
        let bytes = unsafe { core::slice::from_raw_parts(narrow.as_ptr() as *const u8, 4 * words) };
        let (offsets, weights) = bytes.split_at(16 * chunks);
        // SAFETY: as above.
        let weights = unsafe { core::slice::from_raw_parts(weights.as_ptr() as *const i8, weights.len()) };
        Some(Narrow { offsets, weights, band: [0; BAND], chunks, row_bytes, per_band })
    }

    /// The convolution `p` (the layer's, or a band of its rows) with the layer's `table`.
    pub fn run(&mut self, p: &ConvParams, input: &[i8], table: &[Group4], output: &mut [i8]) {
        let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
        let (oh, ow, od) = (p.output_h, p.output_w, p.output_depth);
        let k = p.filter_h * p.filter_w * id;
        let (chunks, row_bytes, per_band) = (self.chunks, self.row_bytes, self.per_band);
        let (offsets, weights, band) = (self.offsets, self.weights, &mut self.band);
        let zero_point = (-p.input_offset) as i8;
        let group_bytes = 64 * chunks;
        for b in 0..p.batches {
            let image = &input[b * ih * iw * id..(b + 1) * ih * iw * id];
            for oy in 0..oh {
                for ox0 in (0..ow).step_by(per_band) {
                    let n = per_band.min(ow - ox0);
                    let x0 = (ox0 * p.stride_w) as isize - p.pad_w as isize;
                    fill_band(p, image, oy, x0, row_bytes, zero_point, band);
                    for (g, (c, group)) in narrow_groups(od).zip(table).enumerate() {
                        let w = &weights[g * group_bytes..(g + 1) * group_bytes];
                        let ctx: [i32; CTX] = [
                            group.bias[0],
                            group.bias[1],
                            group.bias[2],
                            group.bias[3],
                            w.as_ptr() as i32,
                            offsets.as_ptr() as i32,
                            chunks as i32,
                            p.output_offset,
                            (p.stride_w * id) as i32,
                            od as i32,
                            p.activation_min,
                            p.activation_max,
                            group as *const Group4 as i32,
                        ];
                        let o = ((b * oh + oy) * ow + ox0) * od + c;
                        let out = &mut output[o..o + (n - 1) * od + 4];
                        run(&ctx, band, &offsets[..k], w, group, n, out, p);
                    }
                }
            }
        }
    }
}

/// Fills `band` with the input rows of output row `oy`'s filter rows (`row_bytes` each,
/// from input column `x0`), zero points where they fall outside the image.
fn fill_band(p: &ConvParams, image: &[i8], oy: usize, x0: isize, row_bytes: usize, zero_point: i8, band: &mut [i8]) {
    let (ih, iw, id) = (p.input_h as isize, p.input_w as isize, p.input_depth);
    let cols = (row_bytes / id) as isize;
    // The columns `[lo, hi)` of the band inside the image (the same for every row).
    let lo = (-x0).clamp(0, cols);
    let hi = (iw - x0).clamp(lo, cols);
    for ky in 0..p.filter_h {
        let dst = &mut band[ky * row_bytes..(ky + 1) * row_bytes];
        let y = (oy * p.stride_h + ky * p.dilation_h) as isize - p.pad_h as isize;
        if y < 0 || y >= ih || hi == lo {
            fill_i8(dst, zero_point);
            continue;
        }
        let (lo_b, hi_b) = (lo as usize * id, hi as usize * id);
        if lo_b > 0 {
            fill_i8(&mut dst[..lo_b], zero_point);
        }
        let src = ((y * iw + x0 + lo) as usize) * id;
        copy_i8(&mut dst[lo_b..hi_b], &image[src..src + hi_b - lo_b]);
        if hi_b < row_bytes {
            fill_i8(&mut dst[hi_b..], zero_point);
        }
    }
}

/// `n` pixels of one group from the band: Helium's routine, or the same steps in scalar
/// code. `out` holds the run's output bytes (`od` per pixel, the group's four at the
/// start of each).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn run(
    ctx: &[i32; CTX],
    band: &[i8],
    offsets: &[u8],
    weights: &[i8],
    group: &Group4,
    n: usize,
    out: &mut [i8],
    p: &ConvParams,
) {
    #[cfg(tinyml_mve)]
    {
        let _ = (offsets, weights, group, p);
        // SAFETY: the context was built by `Narrow::run` (offsets below 256, `16 *
        // chunks` of them and `64 * chunks` bytes of each group's weights in the layer's
        // table); every window of the run lies in `band` (`per_band` pixels at
        // most), and `out` holds `(n - 1) * od + 4` bytes.
        unsafe { crate::kernels::simd::conv_narrow_run(ctx, band.as_ptr(), out.as_mut_ptr(), n) };
    }
    #[cfg(not(tinyml_mve))]
    {
        use crate::fixedpoint::multiply_by_quantized_multiplier;
        let _ = ctx;
        let (step, od) = (p.stride_w * p.input_depth, p.output_depth);
        for i in 0..n {
            let window = &band[i * step..];
            for r in 0..4 {
                let dot = offsets.iter().enumerate().fold(0i32, |acc, (t, &off)| {
                    acc.wrapping_add(window[off as usize] as i32 * weights[(t / 16 * 4 + r) * 16 + t % 16] as i32)
                });
                let acc = dot.wrapping_add(group.bias[r]);
                let v = multiply_by_quantized_multiplier(acc, group.mult[r], group.left[r] + group.right[r])
                    + p.output_offset;
                out[i * od + r] = v.clamp(p.activation_min, p.activation_max) as i8;
            }
        }
    }
}
