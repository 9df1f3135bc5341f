//! MINIMUM and MAXIMUM with broadcasting (TFLM `reference_ops::MaximumMinimumBroadcastSlow`).
//!
//! TFLM compares the stored values directly, without requantization: the TFLite
//! converter gives both inputs and the output one scale and zero point.

use super::broadcast::{binary, Broadcast};

/// `out = max(in1, in2)` elementwise with broadcasting (TFLM's `el1 > el2 ? el1 : el2`).
pub fn maximum<T: Copy + PartialOrd>(shape: &Broadcast, in1: &[T], in2: &[T], output: &mut [T]) {
    binary(shape, in1, in2, output, |a, b| if a > b { a } else { b });
}

/// `out = min(in1, in2)` elementwise with broadcasting (TFLM's `el1 < el2 ? el1 : el2`).
pub fn minimum<T: Copy + PartialOrd>(shape: &Broadcast, in1: &[T], in2: &[T], output: &mut [T]) {
    binary(shape, in1, in2, output, |a, b| if a < b { a } else { b });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_min_scalar_broadcast() {
        let shape = Broadcast {
            out_dims: [1, 1, 1, 1, 1, 4],
            in1_strides: [0, 0, 0, 0, 0, 1],
            in2_strides: [0; 6],
            elementwise: false,
        };
        let mut out = [0i16; 4];
        maximum(&shape, &[-3, 5, 0, 9], &[1], &mut out);
        assert_eq!(out, [1, 5, 1, 9]);
        minimum(&shape, &[-3, 5, 0, 9], &[1], &mut out);
        assert_eq!(out, [-3, 1, 0, 1]);
    }
}
