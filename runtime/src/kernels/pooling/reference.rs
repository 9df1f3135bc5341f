//! The reference average and max pooling, written to be read next to TFLM's
//! `reference_integer_ops::AveragePool` and `MaxPool`.

use super::params::{PoolElem, PoolParams};
use crate::kernels::clamp;
use crate::kernels::geometry::window;

/// Rounds `acc / count` to nearest, ties away from zero, as TFLM's `AveragePool` does:
/// `acc > 0 ? (acc + count/2) / count : (acc - count/2) / count` with C division.
#[inline(always)]
pub fn rounded_average(acc: i32, count: i32) -> i32 {
    if acc > 0 {
        (acc + count / 2) / count
    } else {
        (acc - count / 2) / count
    }
}

/// The reference average pooling (see [`average_pool`](super::average_pool)).
pub fn average_pool_reference<T: PoolElem>(p: &PoolParams, input: &[T], output: &mut [T]) {
    let d = p.depth;
    let mut o = 0;
    for b in 0..p.batches {
        for oy in 0..p.output_h {
            let (y0, ny) = window(oy, p.stride_h, p.pad_h, p.filter_h, p.input_h);
            for ox in 0..p.output_w {
                let (x0, nx) = window(ox, p.stride_w, p.pad_w, p.filter_w, p.input_w);
                let count = (ny * nx) as i32;
                for c in 0..d {
                    let mut acc: i32 = 0;
                    for y in y0..y0 + ny {
                        for x in x0..x0 + nx {
                            acc += input[((b * p.input_h + y) * p.input_w + x) * d + c].widen();
                        }
                    }
                    let v = if count == 0 { 0 } else { rounded_average(acc, count) };
                    output[o] = T::narrow(clamp(v, p.activation_min, p.activation_max));
                    o += 1;
                }
            }
        }
    }
}

/// The reference max pooling (see [`max_pool`](super::max_pool)).
pub fn max_pool_reference<T: PoolElem>(p: &PoolParams, input: &[T], output: &mut [T]) {
    let d = p.depth;
    let mut o = 0;
    for b in 0..p.batches {
        for oy in 0..p.output_h {
            let (y0, ny) = window(oy, p.stride_h, p.pad_h, p.filter_h, p.input_h);
            for ox in 0..p.output_w {
                let (x0, nx) = window(ox, p.stride_w, p.pad_w, p.filter_w, p.input_w);
                for c in 0..d {
                    // TFLM starts from the type's lowest value.
                    let mut max = i32::MIN;
                    for y in y0..y0 + ny {
                        for x in x0..x0 + nx {
                            max = max.max(input[((b * p.input_h + y) * p.input_w + x) * d + c].widen());
                        }
                    }
                    output[o] = T::narrow(clamp(max, p.activation_min, p.activation_max));
                    o += 1;
                }
            }
        }
    }
}
