//! Optimized AVERAGE_POOL_2D and MAX_POOL_2D (same arithmetic as the reference kernels
//! in `kernels::pooling`): per output pixel the window's pixels are visited in the outer
//! loops and the channels innermost, over contiguous NHWC runs, so the per-channel
//! accumulation vectorizes.

use super::params::{PoolElem, PoolParams};
use super::reference::rounded_average;
use crate::kernels::clamp;
use crate::kernels::geometry::window;
use crate::kernels::packed::CHANNEL_BLOCK;

/// Optimized `average_pool`. Handles every shape.
pub fn average_pool<T: PoolElem>(p: &PoolParams, input: &[T], output: &mut [T]) {
    pool(p, input, output, 0, |a, v| a + v, |acc, count| if count == 0 { 0 } else { rounded_average(acc, count) });
}

/// Optimized `max_pool`. Handles every shape.
pub fn max_pool<T: PoolElem>(p: &PoolParams, input: &[T], output: &mut [T]) {
    pool(p, input, output, i32::MIN, |a, v| a.max(v), |acc, _| acc);
}

#[inline(always)]
fn pool<T: PoolElem>(
    p: &PoolParams,
    input: &[T],
    output: &mut [T],
    init: i32,
    step: impl Fn(i32, i32) -> i32,
    finish: impl Fn(i32, i32) -> i32,
) {
    let d = p.depth;
    for b in 0..p.batches {
        for oy in 0..p.output_h {
            let (y0, ny) = window(oy, p.stride_h, p.pad_h, p.filter_h, p.input_h);
            for ox in 0..p.output_w {
                let (x0, nx) = window(ox, p.stride_w, p.pad_w, p.filter_w, p.input_w);
                let count = (ny * nx) as i32;
                let o = ((b * p.output_h + oy) * p.output_w + ox) * d;
                for c0 in (0..d).step_by(CHANNEL_BLOCK) {
                    let n = CHANNEL_BLOCK.min(d - c0);
                    let mut acc = [init; CHANNEL_BLOCK];
                    let acc = &mut acc[..n];
                    for y in y0..y0 + ny {
                        for x in x0..x0 + nx {
                            let px = &input[((b * p.input_h + y) * p.input_w + x) * d + c0..][..n];
                            for (a, v) in acc.iter_mut().zip(px) {
                                *a = step(*a, v.widen());
                            }
                        }
                    }
                    for (dst, &a) in output[o + c0..o + c0 + n].iter_mut().zip(acc.iter()) {
                        *dst = T::narrow(clamp(finish(a, count), p.activation_min, p.activation_max));
                    }
                }
            }
        }
    }
}
