//! Integer element types shared by the quantized kernels of several operators (QUANTIZE,
//! DEQUANTIZE, ADD, MUL, SOFTMAX), kept here so that those families do not import one
//! another.

/// An integer element type of quantized tensors, with its saturation range.
pub trait QuantizedInt: Copy {
    /// Smallest value, as i32.
    const MIN: i32;
    /// Largest value, as i32.
    const MAX: i32;
    /// Widens to i32.
    fn to_i32(self) -> i32;
    /// Narrows an i32 already clamped to `MIN..=MAX`.
    fn from_i32(v: i32) -> Self;
}

macro_rules! quantized_int {
    ($($t:ty),*) => {$(
        impl QuantizedInt for $t {
            const MIN: i32 = <$t>::MIN as i32;
            const MAX: i32 = <$t>::MAX as i32;
            #[inline(always)]
            fn to_i32(self) -> i32 {
                self as i32
            }
            #[inline(always)]
            fn from_i32(v: i32) -> Self {
                v as $t
            }
        }
    )*};
}
quantized_int!(i8, u8, i16, i32);
