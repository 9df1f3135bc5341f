//! Optimized int8 TRANSPOSE_CONV (same arithmetic as
//! `kernels::transpose_conv::transpose_conv_s8_reference`).
//!
//! The same scatter as TFLM's, with the loops turned so that the innermost work is a dot
//! product: for each input pixel and each filter tap that lands inside the output, the
//! pixel's channels are multiplied with four output channels' weights at that tap at a
//! time (`simd::dot4`, one input load for four channels; TFLite's OHWI layout stores
//! each channel's weights at a tap contiguously) and added to the four accumulators. The
//! input offset is folded out (`sum (x + off) * w = x . w + off * sum w`, exact in
//! wrapping int32): the model compiler packed `off * sum w` per tap and channel
//! (`kernels::transpose_conv::transpose_conv_s8_pack`).

use super::params::{transpose_conv_s8_packed_len, TransposeConvParams};
use super::reference::{output_s8, read_cell, write_cell};
use crate::kernels::simd::{dot, dot4};

/// Runs the optimized kernel and returns `true`, or returns `false` without writing when
/// `packed` is not [`transpose_conv_s8_pack`](super::transpose_conv_s8_pack)'s table for
/// `p` or `scratch` is shorter than the accumulators.
#[allow(clippy::too_many_arguments)]
pub fn transpose_conv_s8(
    p: &TransposeConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    scratch: &mut [u8],
    output: &mut [i8],
) -> bool {
    let n = p.output_len();
    if packed.len() != transpose_conv_s8_packed_len(p) {
        return false;
    }
    let Some(cells) = scratch.get_mut(..n * 4) else { return false };
    cells.fill(0);
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    let (oh, ow, od) = (p.output_h, p.output_w, p.output_depth);
    let tap_stride = p.filter_h * p.filter_w * id;
    for b in 0..p.batches {
        for iy in 0..ih {
            for ix in 0..iw {
                let x = &input[((b * ih + iy) * iw + ix) * id..][..id];
                for fy in 0..p.filter_h {
                    let Some(oy) = (iy * p.stride_h + fy).checked_sub(p.pad_h).filter(|&y| y < oh) else {
                        continue;
                    };
                    for fx in 0..p.filter_w {
                        let Some(ox) = (ix * p.stride_w + fx).checked_sub(p.pad_w).filter(|&x| x < ow) else {
                            continue;
                        };
                        let row = &mut cells[((b * oh + oy) * ow + ox) * od * 4..][..od * 4];
                        let offsets = &packed[(fy * p.filter_w + fx) * od..][..od];
                        let w = &filter[(fy * p.filter_w + fx) * id..];
                        let mut oc = 0;
                        while oc + 4 <= od {
                            let at = |j: usize| &w[(oc + j) * tap_stride..];
                            let sums = dot4(x, at(0), at(1), at(2), at(3));
                            for (j, s) in sums.into_iter().enumerate() {
                                add(row, oc + j, s.wrapping_add(offsets[oc + j]));
                            }
                            oc += 4;
                        }
                        for c in oc..od {
                            add(row, c, dot(x, &w[c * tap_stride..]).wrapping_add(offsets[c]));
                        }
                    }
                }
            }
        }
    }
    for (i, cell) in cells.chunks_exact(4).enumerate() {
        output[i] = output_s8(p, bias, multipliers, shifts, i, read_cell::<4>(cell) as i32);
    }
    true
}

/// Adds `v` to int32 accumulator `c` of `row`, wrapping.
#[inline(always)]
fn add(row: &mut [u8], c: usize, v: i32) {
    let cell = &mut row[c * 4..][..4];
    write_cell::<4>(cell, (read_cell::<4>(cell) as i32).wrapping_add(v) as i64);
}
