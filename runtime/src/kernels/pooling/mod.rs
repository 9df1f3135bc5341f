//! AVERAGE_POOL_2D and MAX_POOL_2D on int8 and int16 (TFLM
//! `reference_integer_ops::AveragePool` and `MaxPool`).
//!
//! Pooling has no requantization: TFLite requires input and output to share scale and
//! zero point. The window is clipped to the image, and the average divides by the
//! number of pixels actually inside it.
//!
//! The family's files: `params.rs` (the parameters and element types), `reference.rs`
//! (the readable kernels) and `optimized.rs` (the same arithmetic with the channels
//! innermost); [`average_pool`] and [`max_pool`] here choose between the last two.

mod params;
mod reference;

#[cfg(not(feature = "reference-kernels"))]
pub mod optimized;

pub use params::{PoolElem, PoolParams};
pub use reference::{average_pool_reference, max_pool_reference, rounded_average};

/// Average pooling. A window entirely in the padding has no pixels; TFLM then fails
/// the invocation, and the model compiler rejects such layers, so it cannot happen here.
pub fn average_pool<T: PoolElem>(p: &PoolParams, input: &[T], output: &mut [T]) {
    #[cfg(not(feature = "reference-kernels"))]
    {
        optimized::average_pool(p, input, output)
    }
    #[cfg(feature = "reference-kernels")]
    {
        average_pool_reference(p, input, output)
    }
}

/// Max pooling over the clipped window, then the activation clamp.
pub fn max_pool<T: PoolElem>(p: &PoolParams, input: &[T], output: &mut [T]) {
    #[cfg(not(feature = "reference-kernels"))]
    {
        optimized::max_pool(p, input, output)
    }
    #[cfg(feature = "reference-kernels")]
    {
        max_pool_reference(p, input, output)
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
