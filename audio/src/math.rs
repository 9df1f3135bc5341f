//! Integer helpers of the TFLM signal library: most significant bit, square roots and
//! the fixed-point natural logarithm. Each mirrors one C function bit for bit,
//! including its wrap-around and its answer for zero, because the features must equal
//! TFLM's byte for byte.

/// TFLM `MostSignificantBit32` (`signal/src/msb_32.cc`): the 1-based position of the
/// highest set bit. For 0 the GCC/Clang build (the one TFLM ships, `__builtin_clz`
/// path) returns 32, not 0, and callers depend on it (FFT auto scale of silence).
pub const fn msb32(x: u32) -> u32 {
    if x == 0 {
        32
    } else {
        32 - x.leading_zeros()
    }
}

/// TFLM `MostSignificantBit64` (`signal/src/msb_64.cc`); 64 for 0 like [`msb32`].
pub const fn msb64(x: u64) -> u32 {
    if x == 0 {
        64
    } else {
        64 - x.leading_zeros()
    }
}

/// TFLM `Sqrt32` (`signal/src/square_root_32.cc`): bitwise integer square root,
/// rounded to nearest unless that would overflow 16 bits.
pub fn sqrt32(mut num: u32) -> u16 {
    if num == 0 {
        return 0;
    }
    let mut res: u32 = 0;
    let max_bit_number = (32 - msb32(num)) | 1;
    let mut bit: u32 = 1 << (31 - max_bit_number);
    let mut iterations = (31 - max_bit_number) / 2 + 1;
    while iterations > 0 {
        iterations -= 1;
        if num >= res + bit {
            num -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    if num > res && res != 0xFFFF {
        res += 1;
    }
    res as u16
}

/// TFLM `Sqrt64` (`signal/src/square_root_64.cc`). Values below 2^32 take the 32-bit
/// path, as in TFLM (which accepts being off by one near 2^32 for speed).
pub fn sqrt64(mut num: u64) -> u32 {
    if num >> 32 == 0 {
        return u32::from(sqrt32(num as u32));
    }
    let mut res: u64 = 0;
    let max_bit_number = (64 - msb64(num)) | 1;
    let mut bit: u64 = 1 << (63 - max_bit_number);
    let mut iterations = (63 - max_bit_number) / 2 + 1;
    while iterations > 0 {
        iterations -= 1;
        if num >= res + bit {
            num -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    if num > res && res != 0xFFFF_FFFF {
        res += 1;
    }
    res as u32
}

/// `kLogLut` of `signal/src/log.cc`: the correction of the linear log2 interpolation
/// in 128 segments, plus padding.
const LOG_LUT: [u16; 130] = [
    0, 224, 442, 654, 861, 1063, 1259, 1450, 1636, 1817, 1992, 2163, 2329, 2490, 2646, 2797, 2944, 3087, 3224, 3358,
    3487, 3611, 3732, 3848, 3960, 4068, 4172, 4272, 4368, 4460, 4549, 4633, 4714, 4791, 4864, 4934, 5001, 5063, 5123,
    5178, 5231, 5280, 5326, 5368, 5408, 5444, 5477, 5507, 5533, 5557, 5578, 5595, 5610, 5622, 5631, 5637, 5640, 5641,
    5638, 5633, 5626, 5615, 5602, 5586, 5568, 5547, 5524, 5498, 5470, 5439, 5406, 5370, 5332, 5291, 5249, 5203, 5156,
    5106, 5054, 5000, 4944, 4885, 4825, 4762, 4697, 4630, 4561, 4490, 4416, 4341, 4264, 4184, 4103, 4020, 3935, 3848,
    3759, 3668, 3575, 3481, 3384, 3286, 3186, 3084, 2981, 2875, 2768, 2659, 2549, 2437, 2323, 2207, 2090, 1971, 1851,
    1729, 1605, 1480, 1353, 1224, 1094, 963, 830, 695, 559, 421, 282, 142, 0, 0,
];
const LOG_SEGMENTS_LOG2: u32 = 7;
const LOG_SCALE_LOG2: u32 = 16;
const LOG_SCALE: u32 = 1 << LOG_SCALE_LOG2;
/// ln(2) in Q16.
const LOG_COEFF: u64 = 45426;

/// `Log2FractionPart32` of `signal/src/log.cc`: the fractional part of log2(x) in Q16,
/// given `log2x` = floor(log2(x)).
fn log2_fraction_part32(x: u32, log2x: u32) -> u32 {
    // x - 2^log2x is below 2^31 for every x > 0, so the int32 of the C code holds it.
    let mut frac = (i64::from(x) - (1i64 << log2x)) as i32;
    if log2x < LOG_SCALE_LOG2 {
        frac <<= LOG_SCALE_LOG2 - log2x;
    } else {
        frac >>= log2x - LOG_SCALE_LOG2;
    }
    // frac < 2^16 here, so base_seg < 128; the clamp only keeps indexing panic-free.
    let base_seg = ((frac as u32) >> (LOG_SCALE_LOG2 - LOG_SEGMENTS_LOG2)).min(127);
    let seg_unit = LOG_SCALE >> LOG_SEGMENTS_LOG2;
    let c0 = i32::from(LOG_LUT[base_seg as usize]);
    let c1 = i32::from(LOG_LUT[base_seg as usize + 1]);
    let seg_base = (seg_unit * base_seg) as i32;
    let rel_pos = (c1 - c0).wrapping_mul(frac - seg_base) >> LOG_SCALE_LOG2;
    (frac.wrapping_add(c0).wrapping_add(rel_pos)) as u32
}

/// TFLM `Log32` (`signal/src/log.cc`): `ln(x) * out_scale` in integers, for x > 1.
pub fn log32(x: u32, out_scale: u32) -> u32 {
    let integer = msb32(x).wrapping_sub(1);
    let fraction = log2_fraction_part32(x, integer & 31);
    let log2 = (integer << LOG_SCALE_LOG2).wrapping_add(fraction);
    let round = LOG_SCALE / 2;
    let loge = ((LOG_COEFF * u64::from(log2) + u64::from(round)) >> LOG_SCALE_LOG2) as u32;
    out_scale.wrapping_mul(loge).wrapping_add(round) >> LOG_SCALE_LOG2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msb_of_zero_is_the_word_size() {
        assert_eq!(msb32(0), 32);
        assert_eq!(msb32(1), 1);
        assert_eq!(msb32(0x8000_0000), 32);
        assert_eq!(msb64(0), 64);
        assert_eq!(msb64(1 << 40), 41);
    }

    #[test]
    fn sqrt_rounds_to_nearest() {
        for n in 0u32..5000 {
            let exact = f64::from(n).sqrt();
            let got = f64::from(sqrt32(n));
            assert!((got - exact).abs() <= 0.5, "sqrt32({n}) = {got}");
        }
        assert_eq!(sqrt32(u32::MAX), 0xFFFF);
        for n in [1u64 << 32, (1 << 40) + 12345, u64::MAX / 3, u64::MAX] {
            let exact = (n as f64).sqrt();
            assert!((f64::from(sqrt64(n)) - exact).abs() <= 1.0, "sqrt64({n})");
        }
    }

    #[test]
    fn log32_approximates_ln() {
        for x in [2u32, 3, 10, 1000, 65_536, 1 << 20, 123_456_789, u32::MAX] {
            let want = (f64::from(x)).ln() * 64.0;
            let got = f64::from(log32(x, 64));
            assert!((got - want).abs() < 1.0, "log32({x}) = {got}, ln*64 = {want}");
        }
    }
}
