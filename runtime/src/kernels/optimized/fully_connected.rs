//! Optimized int8 FULLY_CONNECTED (same arithmetic as
//! `kernels::fully_connected::fully_connected_s8_reference`).
//!
//! `sum (x + ioff)(w + foff) = x.w + ioff * sum w + foff * sum x + depth * ioff * foff`:
//! the dot products run on raw int8 (four filter rows per input load, `simd::dot4`), and
//! the weight sums are computed once per call (they are needed once per row anyway when
//! there is one batch, and then shared by every batch).

use super::simd::{dot, dot4, sum};
use crate::fixedpoint::multiply_by_quantized_multiplier;
use crate::kernels::fully_connected::FullyConnectedParams;

/// Longest row widened to i16 on the stack by the scalar path (2 KiB).
#[cfg(not(tinyml_mve))]
const WIDE_CAP: usize = 1024;

/// Optimized `fully_connected_s8`. Handles every shape.
pub fn fully_connected_s8(p: &FullyConnectedParams, input: &[i8], filter: &[i8], bias: &[i32], output: &mut [i8]) {
    let (k, od) = (p.accum_depth, p.output_depth);
    let folded = |o: usize, xsum: i32| -> i32 {
        let b = if bias.is_empty() { 0 } else { bias[o] };
        let wsum = if p.input_offset == 0 { 0 } else { sum(&filter[o * k..(o + 1) * k]) };
        b.wrapping_add(p.input_offset.wrapping_mul(wsum))
            .wrapping_add(p.filter_offset.wrapping_mul(xsum))
            .wrapping_add((k as i32).wrapping_mul(p.input_offset).wrapping_mul(p.filter_offset))
    };
    let finish = |acc: i32| -> i8 {
        let v = multiply_by_quantized_multiplier(acc, p.output_multiplier, p.output_shift) + p.output_offset;
        v.clamp(p.activation_min, p.activation_max) as i8
    };
    // Without Helium, folding costs a second pass over the weights (the sums) that a
    // scalar core cannot hide; instead widen `x + input_offset` once per row to i16 on
    // the stack and run plain multiply-accumulates over four filter rows at a time.
    #[cfg(not(tinyml_mve))]
    if p.filter_offset == 0 && k <= WIDE_CAP {
        let mut wide = [0i16; WIDE_CAP];
        for b in 0..p.batches {
            for (d, &v) in wide[..k].iter_mut().zip(&input[b * k..(b + 1) * k]) {
                *d = (v as i32 + p.input_offset) as i16;
            }
            let xw = &wide[..k];
            for (o, dst) in output[b * od..(b + 1) * od].iter_mut().enumerate() {
                let row = &filter[o * k..(o + 1) * k];
                let mut acc = if bias.is_empty() { 0 } else { bias[o] };
                for (&xv, &wv) in xw.iter().zip(row) {
                    acc = acc.wrapping_add(xv as i32 * wv as i32);
                }
                *dst = finish(acc);
            }
        }
        return;
    }
    for b in 0..p.batches {
        let x = &input[b * k..(b + 1) * k];
        let xsum = if p.filter_offset == 0 { 0 } else { sum(x) };
        let out = &mut output[b * od..(b + 1) * od];
        let mut o = 0;
        while o + 4 <= od {
            let r = &filter[o * k..];
            let d = dot4(x, r, &r[k..], &r[2 * k..], &r[3 * k..]);
            for j in 0..4 {
                out[o + j] = finish(d[j].wrapping_add(folded(o + j, xsum)));
            }
            o += 4;
        }
        while o < od {
            out[o] = finish(dot(x, &filter[o * k..(o + 1) * k]).wrapping_add(folded(o, xsum)));
            o += 1;
        }
    }
}
