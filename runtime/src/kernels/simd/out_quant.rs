//! The output side of a requantization and the constants of an int8 ADD/SUB, shared by the
//! portable primitives and the Helium routines.

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
