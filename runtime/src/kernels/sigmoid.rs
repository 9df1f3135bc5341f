//! What LOGISTIC and TANH share: their parameters (the rescaling of the input) and the
//! linear interpolation of TFLM's int16 sigmoid table ([`SIGMOID_TABLE_U16`]), kept here
//! so that neither operator imports the other; and their int16 values one at a time
//! ([`logistic16`], [`tanh16`]), which the LSTM's gates use too.

use crate::kernels::sigmoid_lut::SIGMOID_TABLE_U16;

/// Constant parameters of an int8 LOGISTIC or TANH.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigmoidParams {
    /// Input zero point.
    pub input_zero_point: i32,
    /// Offset inputs with `|x| >= radius` saturate.
    pub input_range_radius: i32,
    /// `input_scale * 2^27` as a Q31 multiplier.
    pub input_multiplier: i32,
    /// Its shift (positive: left).
    pub input_left_shift: i32,
}

/// Constant parameters of an int16 LOGISTIC or TANH: the rescaling of the input into the
/// table's domain. TFLM's power-of-two shortcut (multiplier 0 meaning `3 << shift`) is
/// resolved by the model compiler, so here the rescaled input is always
/// `(x * input_multiplier + round) >> input_left_shift`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sigmoid16Params {
    /// Multiplier of the input (at most 65535, so the product fits in 32 bits).
    pub input_multiplier: i32,
    /// Right shift after the multiplication, 0..=31.
    pub input_left_shift: i32,
}

impl Sigmoid16Params {
    /// The input in the table's fixed point, rounding half up like TFLM.
    #[inline]
    pub(crate) fn rescale(&self, x: i16) -> i32 {
        let round = if self.input_left_shift > 0 { 1 << (self.input_left_shift - 1) } else { 0 };
        (x as i32 * self.input_multiplier + round) >> self.input_left_shift
    }
}

/// One int16 LOGISTIC value: output scale 1/32768, zero point 0.
#[inline]
pub fn logistic16(p: &Sigmoid16Params, x: i16) -> i16 {
    let v = p.rescale(x);
    // 9 fractional bits: 7 from the input's Q3.12 scaled by 3 and 2 from the 1/24 step.
    let r = interpolate(v.unsigned_abs(), 9).unwrap_or(0x7FFF << 10);
    // The sum has 25 fractional bits (16 of the table + 9); round to 15.
    let r = if v >= 0 { r + (1 << 9) } else { (1 << (16 + 9)) - r + (1 << 9) - 1 };
    (r >> 10) as i16
}

/// One int16 TANH value, `2 * sigmoid(2x) - 1` on the same table with 8 instead of 9
/// fractional bits per interval: output scale 1/32768, zero point 0.
#[inline]
pub fn tanh16(p: &Sigmoid16Params, x: i16) -> i16 {
    let v = p.rescale(x);
    // At most 0xFFFF << 8, so it fits in i32.
    let r = interpolate(v.unsigned_abs(), 8).unwrap_or(0xFFFF << 8) as i32;
    // 2 * sigmoid - 1 with 24 fractional bits, rounded to 15 (TFLM's exact rounding, not
    // symmetric around zero).
    let r = if v >= 0 { r - (1 << (14 + 9)) + (1 << (9 - 2)) } else { -r + (1 << (14 + 9)) + (1 << (9 - 2)) - 1 };
    (r >> (9 - 1)) as i16
}

/// Interpolates the sigmoid table at `a` with `frac_bits` fractional bits per interval:
/// `table[h] << frac_bits + t * (table[h + 1] - table[h])`, or `None` past the last
/// interval (the caller saturates).
#[inline]
pub(crate) fn interpolate(a: u32, frac_bits: u32) -> Option<u32> {
    let h = (a >> frac_bits) as usize;
    if h >= 255 {
        return None;
    }
    let (lo, hi) = (SIGMOID_TABLE_U16[h] as u32, SIGMOID_TABLE_U16[h + 1] as u32);
    let t = a & ((1 << frac_bits) - 1);
    // The table is non-decreasing, so `hi - lo` does not wrap.
    Some((lo << frac_bits) + t * (hi - lo))
}
