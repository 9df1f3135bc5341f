//! The output side of a requantization, shared by the portable primitives and the Helium
//! routines.

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
