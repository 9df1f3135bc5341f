//! AVERAGE_POOL_2D and MAX_POOL_2D on int8 and int16 (TFLM
//! `reference_integer_ops::AveragePool` and `MaxPool`).
//!
//! Pooling has no requantization: TFLite requires input and output to share scale and
//! zero point. The window is clipped to the image, and the average divides by the
//! number of pixels actually inside it.

use super::clamp;

/// Constant parameters of one pooling layer (NHWC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolParams {
    /// Horizontal stride.
    pub stride_w: usize,
    /// Vertical stride.
    pub stride_h: usize,
    /// Window width.
    pub filter_w: usize,
    /// Window height.
    pub filter_h: usize,
    /// Padding on the left (TFLM `ComputePaddingHeightWidth`).
    pub pad_w: usize,
    /// Padding on the top.
    pub pad_h: usize,
    /// Lower bound of the fused activation, quantized.
    pub activation_min: i32,
    /// Upper bound of the fused activation, quantized.
    pub activation_max: i32,
    /// Batch size.
    pub batches: usize,
    /// Input height.
    pub input_h: usize,
    /// Input width.
    pub input_w: usize,
    /// Channels (input and output).
    pub depth: usize,
    /// Output height.
    pub output_h: usize,
    /// Output width.
    pub output_w: usize,
}

/// An element type the pooling kernels handle (int8, int16).
pub trait PoolElem: Copy {
    /// Widens to the accumulator type.
    fn widen(self) -> i32;
    /// Narrows a value already clamped to the type's range.
    fn narrow(v: i32) -> Self;
}

impl PoolElem for i8 {
    #[inline(always)]
    fn widen(self) -> i32 {
        self as i32
    }
    #[inline(always)]
    fn narrow(v: i32) -> Self {
        v as i8
    }
}

impl PoolElem for i16 {
    #[inline(always)]
    fn widen(self) -> i32 {
        self as i32
    }
    #[inline(always)]
    fn narrow(v: i32) -> Self {
        v as i16
    }
}

/// The part of the window `[start, end)` that lies inside the image, as TFLM computes
/// it: `origin = out * stride - pad`, `start = max(0, -origin)`,
/// `end = min(filter, size - origin)`; returns the first input coordinate and the count.
#[inline(always)]
pub(crate) fn window(out: usize, stride: usize, pad: usize, filter: usize, size: usize) -> (usize, usize) {
    let origin = (out * stride) as isize - pad as isize;
    let start = (-origin).max(0);
    let end = (filter as isize).min(size as isize - origin);
    let count = (end - start).max(0) as usize;
    ((origin + start).max(0) as usize, count)
}

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

/// Average pooling. A window entirely in the padding has no pixels; TFLM then fails
/// the invocation, and the model compiler rejects such layers, so it cannot happen here.
pub fn average_pool<T: PoolElem>(p: &PoolParams, input: &[T], output: &mut [T]) {
    #[cfg(not(feature = "reference-kernels"))]
    {
        super::optimized::pooling::average_pool(p, input, output)
    }
    #[cfg(feature = "reference-kernels")]
    {
        average_pool_reference(p, input, output)
    }
}

/// The reference average pooling (see [`average_pool`]).
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

/// Max pooling over the clipped window, then the activation clamp.
pub fn max_pool<T: PoolElem>(p: &PoolParams, input: &[T], output: &mut [T]) {
    #[cfg(not(feature = "reference-kernels"))]
    {
        super::optimized::pooling::max_pool(p, input, output)
    }
    #[cfg(feature = "reference-kernels")]
    {
        max_pool_reference(p, input, output)
    }
}

/// The reference max pooling (see [`max_pool`]).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_of_negatives_is_away_from_zero() {
        // Independent check: round(acc / count) with ties away from zero.
        for acc in -50..=50 {
            for count in 1..=9 {
                let exact = acc as f64 / count as f64;
                let expected = if exact >= 0.0 { (exact + 0.5).floor() } else { (exact - 0.5).ceil() };
                assert_eq!(rounded_average(acc, count) as f64, expected, "{acc}/{count}");
            }
        }
        assert_eq!(rounded_average(-3, 2), -2);
        assert_eq!(rounded_average(3, 2), 2);
        assert_eq!(rounded_average(-5, 4), -1);
    }

    #[test]
    fn window_is_clipped_to_the_image() {
        // 3-wide window, pad 1, stride 1 over 4 pixels: first window covers 0..2.
        assert_eq!(window(0, 1, 1, 3, 4), (0, 2));
        assert_eq!(window(1, 1, 1, 3, 4), (0, 3));
        assert_eq!(window(3, 1, 1, 3, 4), (2, 2));
        // Stride 2, pad 0, window 2 over 5: last window 4..5 has one pixel.
        assert_eq!(window(2, 2, 0, 2, 5), (4, 1));
    }

    #[test]
    fn average_divides_by_pixels_inside() {
        // 1x2x2x1 input, 3x3 window, SAME padding (pad 1), stride 1: every window sees
        // the whole 2x2 image: (-1 - 2 - 3 - 4) / 4 = -2.5 -> -3.
        let p = PoolParams {
            stride_w: 1,
            stride_h: 1,
            filter_w: 3,
            filter_h: 3,
            pad_w: 1,
            pad_h: 1,
            activation_min: -128,
            activation_max: 127,
            batches: 1,
            input_h: 2,
            input_w: 2,
            depth: 1,
            output_h: 2,
            output_w: 2,
        };
        let mut out = [0i8; 4];
        average_pool(&p, &[-1i8, -2, -3, -4], &mut out);
        assert_eq!(out, [-3; 4]);
        max_pool(&p, &[-1i8, -2, -3, -4], &mut out);
        assert_eq!(out, [-1; 4]);
        let relu = PoolParams { activation_min: 0, ..p };
        max_pool(&relu, &[-1i8, -2, -3, -4], &mut out);
        assert_eq!(out, [0; 4]);
    }
}
