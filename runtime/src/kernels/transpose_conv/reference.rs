//! The reference transposed convolutions, written to be read next to TFLM's
//! `reference_integer_ops::TransposeConv`: scatter into the accumulators in `scratch`,
//! or, without it, gather the same sums.

use super::params::TransposeConvParams;
use crate::fixedpoint::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64};
use crate::kernels::clamp;
use crate::kernels::int::QuantizedInt;

/// The reference int8 transposed convolution (see [`transpose_conv_s8`](super::transpose_conv_s8),
/// which runs the optimized kernel where one applies): for each output element of channel `c`,
/// `clamp(requant_c(sum (input + input_offset) * filter + bias[c]) + output_offset)`.
///
/// `bias` is empty when the layer has none; `multipliers` and `shifts` have one entry per
/// output channel. Slices must have the lengths implied by `p`; the model compiler
/// guarantees it. `scratch` should hold [`transpose_conv_s8_scratch`](super::transpose_conv_s8_scratch) bytes; a shorter
/// one (`&mut []`) makes the kernel gather, with the same result.
#[allow(clippy::too_many_arguments)]
pub fn transpose_conv_s8_reference(
    p: &TransposeConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    scratch: &mut [u8],
    output: &mut [i8],
) {
    accumulate::<i8, 4>(p, input, filter, scratch, |i, acc| {
        // TFLM's accumulator is an int32: the sum wraps as it does.
        output[i] = output_s8(p, bias, multipliers, shifts, i, acc as i32);
    });
}

/// Output element `i` of an int8 layer from its int32 accumulator: bias (wrapping, as
/// TFLM's `acc += bias`), requantization, output offset, clamp.
#[inline(always)]
pub(super) fn output_s8(p: &TransposeConvParams, bias: &[i32], mult: &[i32], shift: &[i32], i: usize, acc: i32) -> i8 {
    let c = i % p.output_depth;
    let acc = if bias.is_empty() { acc } else { acc.wrapping_add(bias[c]) };
    let v = multiply_by_quantized_multiplier(acc, mult[c], shift[c]) + p.output_offset;
    clamp(v, p.activation_min, p.activation_max) as i8
}

/// int16 transposed convolution with int8 weights and int64 bias: symmetric activations,
/// int64 accumulators, the 64-bit requantization, and no output offset (TFLM's 16x8
/// `TransposeConv`). Arguments as [`transpose_conv_s8_reference`]; `scratch` should hold
/// [`transpose_conv_s16_scratch`](super::transpose_conv_s16_scratch) bytes.
#[allow(clippy::too_many_arguments)]
pub fn transpose_conv_s16(
    p: &TransposeConvParams,
    input: &[i16],
    filter: &[i8],
    bias: &[i64],
    multipliers: &[i32],
    shifts: &[i32],
    scratch: &mut [u8],
    output: &mut [i16],
) {
    accumulate::<i16, 8>(p, input, filter, scratch, |i, mut acc| {
        let c = i % p.output_depth;
        if !bias.is_empty() {
            acc += bias[c];
        }
        let v = multiply_by_quantized_multiplier_i64(acc, multipliers[c], shifts[c]);
        output[i] = clamp(v, p.activation_min, p.activation_max) as i16;
    });
}

/// Calls `finish(i, sum)` for every output element `i` in NHWC order, with the sum of its
/// products: scattered into `CELL`-byte accumulators in `scratch` when it is large
/// enough (TFLM's order), else gathered.
fn accumulate<T: QuantizedInt, const CELL: usize>(
    p: &TransposeConvParams,
    input: &[T],
    filter: &[i8],
    scratch: &mut [u8],
    mut finish: impl FnMut(usize, i64),
) {
    let n = p.output_len();
    match scratch.get_mut(..n * CELL) {
        Some(cells) => {
            scatter::<T, CELL>(p, input, filter, cells);
            for (i, cell) in cells.chunks_exact(CELL).enumerate() {
                finish(i, read_cell::<CELL>(cell));
            }
        }
        None => {
            let mut i = 0;
            for b in 0..p.batches {
                for oy in 0..p.output_h {
                    for ox in 0..p.output_w {
                        for oc in 0..p.output_depth {
                            finish(i, gather(p, input, filter, [b, oy, ox, oc]));
                            i += 1;
                        }
                    }
                }
            }
        }
    }
}

/// An accumulator cell: int32 (`CELL` 4) or int64 (8), native byte order.
#[inline(always)]
pub(super) fn read_cell<const CELL: usize>(cell: &[u8]) -> i64 {
    if CELL == 4 {
        i32::from_ne_bytes([cell[0], cell[1], cell[2], cell[3]]) as i64
    } else {
        let mut b = [0u8; 8];
        b.copy_from_slice(&cell[..8]);
        i64::from_ne_bytes(b)
    }
}

/// Stores `v` in a cell, wrapping to its width.
#[inline(always)]
pub(super) fn write_cell<const CELL: usize>(cell: &mut [u8], v: i64) {
    if CELL == 4 {
        cell[..4].copy_from_slice(&(v as i32).to_ne_bytes());
    } else {
        cell[..8].copy_from_slice(&v.to_ne_bytes());
    }
}

/// TFLM's scatter: zeroed accumulators, then every input value times every filter tap
/// added at `out = in * stride - pad + tap`, skipping outputs outside the image.
fn scatter<T: QuantizedInt, const CELL: usize>(p: &TransposeConvParams, input: &[T], filter: &[i8], cells: &mut [u8]) {
    cells.fill(0);
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    let (oh, ow, od) = (p.output_h, p.output_w, p.output_depth);
    for b in 0..p.batches {
        for iy in 0..ih {
            for ix in 0..iw {
                for ic in 0..id {
                    let v = input[((b * ih + iy) * iw + ix) * id + ic].to_i32() + p.input_offset;
                    for fy in 0..p.filter_h {
                        let Some(oy) = (iy * p.stride_h + fy).checked_sub(p.pad_h).filter(|&y| y < oh) else {
                            continue;
                        };
                        for fx in 0..p.filter_w {
                            let Some(ox) = (ix * p.stride_w + fx).checked_sub(p.pad_w).filter(|&x| x < ow) else {
                                continue;
                            };
                            let row = ((b * oh + oy) * ow + ox) * od;
                            for oc in 0..od {
                                let w = filter[((oc * p.filter_h + fy) * p.filter_w + fx) * id + ic] as i32;
                                let cell = &mut cells[(row + oc) * CELL..][..CELL];
                                let sum = read_cell::<CELL>(cell) + (v * w) as i64;
                                write_cell::<CELL>(cell, sum);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The input row or column whose tap `k` lands on output `out`:
/// `in * stride - pad + k == out`, if such an `in` exists inside `[0, size)`.
#[inline(always)]
fn source(out: usize, k: usize, stride: usize, pad: usize, size: usize) -> Option<usize> {
    let t = (out + pad).checked_sub(k)?;
    (t % stride == 0 && t / stride < size).then_some(t / stride)
}

/// The sum of the products reaching output element `[b, oy, ox, oc]`.
fn gather<T: QuantizedInt>(p: &TransposeConvParams, input: &[T], filter: &[i8], [b, oy, ox, oc]: [usize; 4]) -> i64 {
    let (ih, iw, id) = (p.input_h, p.input_w, p.input_depth);
    let mut acc = 0i64;
    for fy in 0..p.filter_h {
        let Some(iy) = source(oy, fy, p.stride_h, p.pad_h, ih) else { continue };
        for fx in 0..p.filter_w {
            let Some(ix) = source(ox, fx, p.stride_w, p.pad_w, iw) else { continue };
            let pixel = &input[((b * ih + iy) * iw + ix) * id..][..id];
            let weights = &filter[((oc * p.filter_h + fy) * p.filter_w + fx) * id..][..id];
            for (&v, &w) in pixel.iter().zip(weights) {
                acc += ((v.to_i32() + p.input_offset) * w as i32) as i64;
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::super::{transpose_conv_s16_scratch, transpose_conv_s8_scratch};
    use super::*;
    use proptest::prelude::*;
    use std::{vec, vec::Vec};

    fn params(h: usize, w: usize, k: usize, stride: usize, pad: usize, out: usize) -> TransposeConvParams {
        TransposeConvParams {
            input_offset: 0,
            output_offset: 0,
            stride_w: stride,
            stride_h: stride,
            pad_w: pad,
            pad_h: pad,
            activation_min: -128,
            activation_max: 127,
            batches: 1,
            input_h: h,
            input_w: w,
            input_depth: 1,
            filter_h: k,
            filter_w: k,
            output_h: out,
            output_w: out,
            output_depth: 1,
        }
    }

    #[test]
    fn stride_two_spreads_each_pixel_over_its_window() {
        // 2x2 input of ones, 3x3 all-ones filter, stride 2, VALID: 5x5 output; overlaps
        // (row and column 2) sum two or four windows. Multiplier 0.5 halves the sums.
        let p = TransposeConvParams { input_offset: 1, ..params(2, 2, 3, 2, 0, 5) };
        let input = [1i8; 4];
        let filter = [1i8; 9];
        let mut out = [0i8; 25];
        let mut scratch = [0u8; 100];
        transpose_conv_s8_reference(&p, &input, &filter, &[], &[1 << 30], &[0], &mut scratch, &mut out);
        #[rustfmt::skip]
        let expected = [
            1, 1, 2, 1, 1,
            1, 1, 2, 1, 1,
            2, 2, 4, 2, 2,
            1, 1, 2, 1, 1,
            1, 1, 2, 1, 1,
        ];
        assert_eq!(out, expected);
        // Without scratch, gathered: the same.
        let mut gathered = [0i8; 25];
        transpose_conv_s8_reference(&p, &input, &filter, &[], &[1 << 30], &[0], &mut [], &mut gathered);
        assert_eq!(gathered, expected);
    }

    #[test]
    fn padding_cuts_the_border_and_bias_and_clamp_apply() {
        // Stride 2, 3x3 over 2x2 with one row and column cut at the top and left: output
        // rows (and columns) receive one, two and one windows.
        let p = TransposeConvParams { activation_min: 0, activation_max: 3, ..params(2, 2, 3, 2, 1, 3) };
        let input = [2i8; 4];
        let filter = [1i8; 9];
        let mut out = [0i8; 9];
        let mut scratch = [0u8; 36];
        transpose_conv_s8_reference(&p, &input, &filter, &[-2], &[1 << 30], &[0], &mut scratch, &mut out);
        // Sums 2 (one window), 4 (two), 8 (four); minus 2, halved, clamped to [0, 3].
        assert_eq!(out, [0, 1, 0, 1, 3, 1, 0, 1, 0]);
    }

    fn case() -> impl Strategy<Value = (TransposeConvParams, Vec<i8>, Vec<i8>, Vec<i32>)> {
        (1usize..3, 1usize..5, 1usize..5, 1usize..4, 1usize..5, 1usize..4, 1usize..4, 0usize..3, -128i32..128)
            .prop_flat_map(|(batches, h, w, ic, k, stride, oc, pad, input_offset)| {
                let p = TransposeConvParams {
                    input_offset,
                    output_offset: 3,
                    stride_w: stride,
                    stride_h: stride,
                    pad_w: pad.min(k - 1),
                    pad_h: pad.min(k - 1),
                    batches,
                    input_h: h,
                    input_w: w,
                    input_depth: ic,
                    filter_h: k,
                    filter_w: k,
                    output_h: h * stride,
                    output_w: (w - 1) * stride + k,
                    output_depth: oc,
                    ..params(1, 1, 1, 1, 0, 1)
                };
                let n_in = batches * h * w * ic;
                let n_f = oc * k * k * ic;
                (
                    Just(p),
                    proptest::collection::vec(any::<i8>(), n_in),
                    proptest::collection::vec(any::<i8>(), n_f),
                    proptest::collection::vec(-5000i32..5000, oc),
                )
            })
    }

    proptest! {
        #[test]
        fn scatter_and_gather_agree((p, input, filter, bias) in case()) {
            let n = p.batches * p.output_h * p.output_w * p.output_depth;
            let mult: Vec<i32> = (0..p.output_depth).map(|c| (1 << 30) + c as i32 * 12345).collect();
            let shift: Vec<i32> = (0..p.output_depth).map(|c| -(c as i32) - 4).collect();
            let mut scratch = vec![0u8; transpose_conv_s8_scratch(&p).preferred];
            let (mut a, mut b) = (vec![0i8; n], vec![0i8; n]);
            transpose_conv_s8_reference(&p, &input, &filter, &bias, &mult, &shift, &mut scratch, &mut a);
            transpose_conv_s8_reference(&p, &input, &filter, &bias, &mult, &shift, &mut [], &mut b);
            prop_assert_eq!(&a, &b);

            let p16 = TransposeConvParams { input_offset: 0, output_offset: 0, activation_min: -32768, activation_max: 32767, ..p };
            let input16: Vec<i16> = input.iter().map(|&v| v as i16 * 201).collect();
            let bias64: Vec<i64> = bias.iter().map(|&v| v as i64 * 1000).collect();
            let mut scratch = vec![0u8; transpose_conv_s16_scratch(&p16).preferred];
            let (mut a, mut b) = (vec![0i16; n], vec![0i16; n]);
            transpose_conv_s16(&p16, &input16, &filter, &bias64, &mult, &shift, &mut scratch, &mut a);
            transpose_conv_s16(&p16, &input16, &filter, &bias64, &mult, &shift, &mut [], &mut b);
            prop_assert_eq!(&a, &b);
        }
    }
}
