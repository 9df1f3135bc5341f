//! Random quantization parameters and window geometries shared by the kernels' cases, in
//! the ranges real int8 layers use, with a few extremes mixed in.

use crate::rng::Rng;

/// An int8 zero point.
pub fn zero_point(rng: &mut Rng) -> i32 {
    rng.int(-128, 127)
}

/// A fused activation range: none (the full int8 range) half of the time, else a
/// random clamp on each side (RELU, RELU6 and the like, seen in the quantized domain).
pub fn activation(rng: &mut Rng) -> (i32, i32) {
    if rng.one_in(2) {
        (-128, 127)
    } else {
        (rng.int(-128, 0), rng.int(0, 127))
    }
}

/// Per-channel multipliers in `[2^30, 2^31)` (TFLM's `QuantizeMultiplier` range) and
/// shifts in `[-12, 2]` (what real layers use); one channel in 16 gets an extreme shift
/// (`[-31, -13]` or `[3, 6]`: wrapping left shifts, shifts that round everything away).
pub fn requant(rng: &mut Rng, mult: &mut [i32], shift: &mut [i32]) {
    for (m, s) in mult.iter_mut().zip(shift) {
        (*m, *s) = one_requant(rng);
    }
}

/// One multiplier and shift, as [`requant`] draws them.
pub fn one_requant(rng: &mut Rng) -> (i32, i32) {
    let m = (1 << 30) + (rng.u32() >> 2) as i32;
    let s = if rng.one_in(16) {
        if rng.one_in(2) {
            rng.int(-31, -13)
        } else {
            rng.int(3, 6)
        }
    } else {
        rng.int(-12, 2)
    };
    (m, s)
}

/// Biases: mostly within ±2^16, one case in eight within ±2^24 (accumulators far from
/// zero, where rounding and saturation differ).
pub fn biases(rng: &mut Rng, out: &mut [i32]) {
    let range = if rng.one_in(8) { 1 << 24 } else { 1 << 16 };
    for b in out {
        *b = rng.int(-range, range - 1);
    }
}

/// One axis of a sliding window, with the output size and padding TFLM derives for
/// `SAME` or `VALID` padding.
#[derive(Clone, Copy, Debug)]
pub struct Axis {
    /// Input size.
    pub input: usize,
    /// Filter size.
    pub filter: usize,
    /// Stride.
    pub stride: usize,
    /// Dilation.
    pub dilation: usize,
    /// Padding before the first input element.
    pub pad: usize,
    /// Output size.
    pub output: usize,
}

/// A random window along one axis: input in `1..=max_input`, filter in
/// `1..=max_filter`, stride in `1..=max_stride`, dilation in `1..=max_dilation`, `SAME`
/// or `VALID` padding; drawn again until the output is not empty.
pub fn axis(rng: &mut Rng, max_input: usize, max_filter: usize, max_stride: usize, max_dilation: usize) -> Axis {
    loop {
        let input = rng.size(1, max_input);
        let filter = rng.size(1, max_filter);
        let stride = rng.size(1, max_stride);
        let dilation = rng.size(1, max_dilation);
        let eff = (filter - 1) * dilation + 1;
        let output = if rng.one_in(2) {
            input.div_ceil(stride)
        } else if input + stride > eff {
            (input + stride - eff) / stride
        } else {
            0
        };
        if output == 0 {
            continue;
        }
        let pad = ((output - 1) * stride + eff).saturating_sub(input) / 2;
        return Axis { input, filter, stride, dilation, pad, output };
    }
}
