//! CAST between int8, int16, int32, uint32, float32 and bool (TFLM micro `cast.cc`:
//! an element-wise C++ `static_cast`).

/// A conversion with C++ `static_cast` semantics on the targets TFLM runs on.
pub trait CastTo<T> {
    /// Converts one element.
    fn cast_to(self) -> T;
}

macro_rules! int_casts {
    ($($from:ty),*) => {$(
        impl CastTo<i8> for $from { #[inline(always)] fn cast_to(self) -> i8 { self as i8 } }
        impl CastTo<i16> for $from { #[inline(always)] fn cast_to(self) -> i16 { self as i16 } }
        impl CastTo<i32> for $from { #[inline(always)] fn cast_to(self) -> i32 { self as i32 } }
        impl CastTo<u32> for $from { #[inline(always)] fn cast_to(self) -> u32 { self as u32 } }
        impl CastTo<f32> for $from { #[inline(always)] fn cast_to(self) -> f32 { self as f32 } }
    )*};
}

// Integer to integer: two's-complement truncation or extension, like C++. `u8` is a
// TFLite bool (0 or 1). Integer to float: round to nearest, like C++.
int_casts!(i8, i16, i32, u32, u8);

// Float to integer: truncation toward zero. Out-of-range values are undefined in C++;
// the `tflite_micro` interpreter saturates them (checked: 216.0 -> 127 for int8), as
// Rust's `as` does.
impl CastTo<i8> for f32 {
    #[inline(always)]
    fn cast_to(self) -> i8 {
        self as i8
    }
}
impl CastTo<i16> for f32 {
    #[inline(always)]
    fn cast_to(self) -> i16 {
        self as i16
    }
}
impl CastTo<i32> for f32 {
    #[inline(always)]
    fn cast_to(self) -> i32 {
        self as i32
    }
}
impl CastTo<u32> for f32 {
    #[inline(always)]
    fn cast_to(self) -> u32 {
        self as u32
    }
}
impl CastTo<f32> for f32 {
    #[inline(always)]
    fn cast_to(self) -> f32 {
        self
    }
}

/// `output[i] = static_cast<To>(input[i])`.
pub fn cast<F: CastTo<T> + Copy, T>(input: &[F], output: &mut [T]) {
    for (o, &i) in output.iter_mut().zip(input) {
        *o = i.cast_to();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_casts_wrap_like_cpp() {
        let mut out = [0i16; 3];
        cast(&[40000i32, -1, 70000], &mut out);
        assert_eq!(out, [-25536, -1, 4464]);
        let mut u = [0u32; 2];
        cast(&[-1i32, 5], &mut u);
        assert_eq!(u, [u32::MAX, 5]);
        let mut back = [0i32; 2];
        cast(&[u32::MAX, 7u32], &mut back);
        assert_eq!(back, [-1, 7]);
    }

    #[test]
    fn float_to_int_truncates() {
        let mut out = [0i32; 3];
        cast(&[1.9f32, -1.9, 0.5], &mut out);
        assert_eq!(out, [1, -1, 0]);
        let mut narrow = [0i8; 3];
        cast(&[216.0f32, -300.0, -7.9], &mut narrow);
        assert_eq!(narrow, [127, -128, -7]);
    }
}
