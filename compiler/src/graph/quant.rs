//! Host-side quantization arithmetic: turning real-valued scales into the integer
//! multipliers and shifts the kernels use, exactly as TFLM's `Prepare` does
//! (`tensorflow/lite/kernels/internal/quantization_util.cc`, `kernels/kernel_util.cc`).

use crate::graph::{Activation, DType};

/// `frexp`: `x = m * 2^e` with `0.5 <= |m| < 1` (`m = 0, e = 0` for zero).
pub fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // Subnormal: scale up first.
        let (m, e) = frexp(x * (1u64 << 54) as f64);
        return (m, e - 54);
    }
    let e = exp - 1022;
    let m = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (m, e)
}

/// `QuantizeMultiplier`: a real multiplier as a Q31 integer and a power-of-two shift
/// (positive: left), rounding half away from zero like `std::round`.
pub fn quantize_multiplier(real: f64) -> (i32, i32) {
    if real == 0.0 {
        return (0, 0);
    }
    let (q, mut shift) = frexp(real);
    let mut q_fixed = (q * (1i64 << 31) as f64).round() as i64;
    if q_fixed == 1i64 << 31 {
        q_fixed /= 2;
        shift += 1;
    }
    if shift < -31 {
        shift = 0;
        q_fixed = 0;
    }
    (q_fixed as i32, shift)
}

/// `CalculateActivationRangeQuantized`: the clamp bounds of a fused activation in the
/// output's quantized domain, intersected with the output type's range.
pub fn activation_range(activation: Activation, dtype: DType, scale: f32, zero_point: i64) -> Option<(i32, i32)> {
    let (qmin, qmax) = match dtype {
        DType::I8 => (-128, 127),
        DType::U8 => (0, 255),
        DType::I16 => (-32768, 32767),
        DType::I32 => (i32::MIN, i32::MAX),
        _ => return None,
    };
    // TFLM: Quantize(x) = zero_point + round(x / scale), computed in float.
    let quantize = |x: f32| -> i32 {
        let t = (x / scale).round();
        (zero_point as i32).saturating_add(t as i32)
    };
    Some(match activation {
        Activation::None => (qmin, qmax),
        Activation::Relu => (qmin.max(quantize(0.0)), qmax),
        Activation::Relu6 => (qmin.max(quantize(0.0)), qmax.min(quantize(6.0))),
        Activation::ReluN1To1 => (qmin.max(quantize(-1.0)), qmax.min(quantize(1.0))),
        Activation::Tanh | Activation::SignBit => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frexp_matches_definition() {
        for &x in &[1.0, 0.5, 0.75, 3.0, 1e-9, 123456.789, -2.5] {
            let (m, e) = frexp(x);
            assert!((0.5..1.0).contains(&m.abs()), "{x}: {m}");
            assert_eq!(m * 2f64.powi(e), x);
        }
    }

    #[test]
    fn quantize_multiplier_known_values() {
        assert_eq!(quantize_multiplier(0.5), (1 << 30, 0));
        assert_eq!(quantize_multiplier(1.0), (1 << 30, 1));
        assert_eq!(quantize_multiplier(0.25), (1 << 30, -1));
        // Rounds up to 2^31 and renormalizes.
        assert_eq!(quantize_multiplier(0.999_999_999_9), (1 << 30, 1));
    }
}
