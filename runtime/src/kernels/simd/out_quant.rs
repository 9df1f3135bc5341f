//! The output side of a requantization and the constants of the int8 elementwise
//! operators (ADD/SUB, their two-table form, MUL), shared by the portable primitives and
//! the Helium routines.

/// Output offset and activation range of a requantization.
#[derive(Clone, Copy)]
pub struct OutQuant {
    /// Output zero point.
    pub offset: i32,
    /// Activation minimum.
    pub min: i32,
    /// Activation maximum.
    pub max: i32,
}

/// Constant parameters of an int8 ADD or SUB over same-shape inputs (the fields of
/// `kernels::add::AddParams` without the shape).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddQuant {
    /// Headroom shift of both offset inputs.
    pub left_shift: i32,
    /// Minus the zero points of the inputs.
    pub input_offset: [i32; 2],
    /// Q31 multipliers of the inputs.
    pub input_multiplier: [i32; 2],
    /// Their non-positive shifts.
    pub input_shift: [i32; 2],
    /// Output zero point.
    pub output_offset: i32,
    /// Q31 output multiplier.
    pub output_multiplier: i32,
    /// Its non-positive shift.
    pub output_shift: i32,
    /// Activation bounds, quantized.
    pub min: i32,
    /// Upper activation bound.
    pub max: i32,
    /// SUB instead of ADD.
    pub subtract: bool,
}

/// The terms of a two-table operator.
#[derive(Clone, Copy, Debug)]
pub enum Terms<'a> {
    /// `i16` terms with `shift` fraction bits (`1..=8`); the sum is the output.
    Narrow {
        /// Term of input 1, by its byte as `u8`.
        t1: &'a [i16; 256],
        /// Term of input 2, by its byte as `u8`.
        t2: &'a [i16; 256],
        /// Fraction bits of the sum.
        shift: u32,
    },
    /// `i32` terms with 16 fraction bits; the sum is the output minus the activation
    /// minimum.
    Wide {
        /// Term of input 1, by its byte as `u8`.
        t1: &'a [i32; 256],
        /// Term of input 2, by its byte as `u8`.
        t2: &'a [i32; 256],
    },
}

/// Fraction bits of [`Terms::Wide`] (`kernels::add` packs them).
pub const WIDE_SHIFT: u32 = 16;

/// The constants of a two-table elementwise operator.
#[derive(Clone, Copy, Debug)]
pub struct Lut2<'a> {
    /// The tables.
    pub terms: Terms<'a>,
    /// Activation minimum.
    pub min: i8,
    /// Activation maximum.
    pub max: i8,
}

impl Lut2<'_> {
    /// The same operator with the inputs exchanged.
    #[inline]
    pub fn swapped(&self) -> Self {
        let terms = match self.terms {
            Terms::Narrow { t1, t2, shift } => Terms::Narrow { t1: t2, t2: t1, shift },
            Terms::Wide { t1, t2 } => Terms::Wide { t1: t2, t2: t1 },
        };
        Lut2 { terms, ..*self }
    }
}

/// Constants of an int8 MUL (`kernels::mul`) in the form the vector loops take: TFLM's
/// `MultiplyByQuantizedMultiplier` with a right shift of 1 to 22 and no left shift
/// (`output_shift` in `-22..=-1`, what MUL layers with `scale1 * scale2 < output_scale
/// / 2` have) and a positive multiplier (the sign of a product is then the sign of its
/// scaled value).
#[derive(Clone, Copy, Debug)]
pub struct MulQuant {
    /// Minus the zero points of the inputs.
    pub input_offset: [i32; 2],
    /// Output zero point.
    pub output_offset: i32,
    /// Q31 multiplier, positive.
    pub multiplier: i32,
    /// Right shift, `1..=22`.
    pub right_shift: u32,
    /// Activation minimum.
    pub min: i8,
    /// Activation maximum.
    pub max: i8,
}
