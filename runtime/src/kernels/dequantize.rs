//! DEQUANTIZE: int8/int16 to float32 (TFLM `reference_ops::Dequantize`).

use super::int::QuantizedInt;

/// Constant parameters of a DEQUANTIZE.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DequantizeParams {
    /// Input scale, widened to f64 as TFLM stores it.
    pub scale: f64,
    /// Input zero point.
    pub zero_point: i32,
}

/// `out = (f32)(scale * (q - zero_point))`, the product in f64 as TFLM computes it.
pub fn dequantize<I: QuantizedInt>(p: &DequantizeParams, input: &[I], output: &mut [f32]) {
    for (o, &q) in output.iter_mut().zip(input) {
        *o = (p.scale * (q.to_i32() - p.zero_point) as f64) as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dequantize_int8() {
        let p = DequantizeParams { scale: 0.5, zero_point: -128 };
        let mut out = [0f32; 3];
        dequantize(&p, &[-128i8, 0, 127], &mut out);
        assert_eq!(out, [0.0, 64.0, 127.5]);
    }
}
