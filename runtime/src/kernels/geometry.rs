//! Where a filter or pooling window lands on the input: the tap and window arithmetic
//! shared by the convolution, depthwise convolution and pooling families (reference and
//! optimized alike), kept here so that no family imports another.

/// The input row/column a filter tap reads, or `None` when it falls in the padding.
///
/// TFLM computes `origin = out * stride - pad` and skips taps outside `[0, size)`
/// (`is_point_inside_image`); padded taps contribute nothing, not a zero point.
#[inline(always)]
pub(crate) fn tap(out: usize, stride: usize, pad: usize, dilation: usize, k: usize, size: usize) -> Option<usize> {
    let pos = (out * stride + k * dilation).checked_sub(pad)?;
    (pos < size).then_some(pos)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tap_skips_padding() {
        // Output 0 with pad 1: tap 0 is the padded column -1.
        assert_eq!(tap(0, 1, 1, 1, 0, 3), None);
        assert_eq!(tap(0, 1, 1, 1, 1, 3), Some(0));
        assert_eq!(tap(2, 1, 1, 1, 2, 3), None);
        // Dilation 2, stride 2: out 1 tap 1 reads 2 + 2 - 1 = 3.
        assert_eq!(tap(1, 2, 1, 2, 1, 5), Some(3));
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
}
