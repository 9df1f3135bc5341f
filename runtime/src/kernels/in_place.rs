//! In-place execution of elementwise kernels: the output takes the bytes of an input
//! that dies at this layer, so the model compiler plans one buffer where two were.
//!
//! Output element `i` depends only on input element `i`, so each function here reads an
//! element and writes its result over it, with the arithmetic the out-of-place kernel
//! uses (its per-element function), byte for byte its result. A slice is never both
//! `&[T]` and `&mut [T]` (that would be undefined behaviour however the loop is written):
//! the portable loops take `&mut [T]` alone ([`unary`], [`binary`]), and the vector
//! routines that read and write one buffer take raw pointers, the output pointer equal to
//! one input's, and load each block before they store it ([`simd::lut2_s8_in_place`],
//! [`simd::mul_s8_in_place`], [`simd::add_s8_in_place`], the one-table
//! [`by_table_in_place`]). There is no copy and no stack buffer of layer data. (Before,
//! every 256 elements were copied to a stack array, 1 KiB for int32, and the ordinary
//! kernel run from the copy: IC ResNet-8's three ADDs took 78,344 instructions in place
//! on mps3-an547, now 32,937, what they take out of place.)

use super::add::{add_element, add_i32_element, AddI32Params, AddParams};
use super::broadcast::binary_in_place;
use super::hard_swish::{hard_swish_element, HardSwishParams};
use super::int::QuantizedInt;
use super::logistic::{logistic_s8_element, Sigmoid16Params, SigmoidParams};
use super::lookup::by_table_in_place;
use super::mul::{mul_element, mul_i32_element, MulI32Params, MulParams};
use super::quantize::{requantize_element, RequantizeParams};
use super::relu::{leaky_relu_element, relu6_element, relu_element, LeakyReluParams, Relu6Params, ReluParams};
use super::sigmoid::{logistic16, tanh16};
#[cfg(not(feature = "reference-kernels"))]
use super::simd;
use super::tanh::tanh_s8_element;

/// `buf[i] = f(buf[i])`.
#[inline(always)]
pub fn unary<T: Copy>(buf: &mut [T], f: impl Fn(T) -> T) {
    for x in buf {
        *x = f(*x);
    }
}

/// `acc[i] = op(acc[i], other[i])`, or `op(other[i], acc[i])` when `acc` is input 2
/// (`acc_operand` 1): the output over operand `acc_operand` of a binary operator whose
/// inputs have one shape.
#[inline(always)]
pub fn binary<T: Copy>(acc: &mut [T], other: &[T], acc_operand: usize, op: impl Fn(T, T) -> T) {
    if acc_operand == 0 {
        binary_in_place(acc, other, op)
    } else {
        binary_in_place(acc, other, |a, b| op(b, a))
    }
}

/// int8 ADD/SUB (`add_s8`) with the output over operand `acc_operand` (the inputs have
/// one shape). With a two-table form in `packed`, [`simd::lut2_s8_in_place`] (what
/// `add_s8` runs over same-shape inputs, [`simd::lut2_s8`], with one buffer); without
/// one, [`simd::add_s8_in_place`] (as `add_s8` takes [`simd::add_s8`]).
pub fn add_s8_in_place(p: &AddParams, acc: &mut [i8], other: &[i8], acc_operand: usize, packed: &[i32]) {
    #[cfg(not(feature = "reference-kernels"))]
    {
        use super::add::{add_quant, add_s8_table, lut2_quant};
        if let Some(terms) = add_s8_table(packed) {
            return simd::lut2_s8_in_place(&lut2_quant(p, terms), acc, other, acc_operand == 0);
        }
        simd::add_s8_in_place(&add_quant(p), acc, other, acc_operand == 0)
    }
    #[cfg(feature = "reference-kernels")]
    {
        let _ = packed;
        add_quantized_in_place(p, acc, other, acc_operand)
    }
}

/// The reference ADD/SUB over one buffer.
#[inline(always)]
fn add_quantized_in_place<T: QuantizedInt>(p: &AddParams, acc: &mut [T], other: &[T], acc_operand: usize) {
    binary(acc, other, acc_operand, |a, b| T::from_i32(add_element(p, a.to_i32(), b.to_i32())));
}

/// int16 ADD/SUB (`add_s16`) with the output over operand `acc_operand` (the inputs
/// have one shape).
pub fn add_s16_in_place(p: &AddParams, acc: &mut [i16], other: &[i16], acc_operand: usize) {
    add_quantized_in_place(p, acc, other, acc_operand);
}

/// int32 ADD/SUB (`add_i32`) with the output over operand `acc_operand` (the inputs
/// have one shape).
pub fn add_i32_in_place(p: &AddI32Params, acc: &mut [i32], other: &[i32], acc_operand: usize) {
    binary(acc, other, acc_operand, |a, b| add_i32_element(p, a, b));
}

/// int8 MUL (`mul_s8`) with the output over operand `acc_operand` (the inputs have one
/// shape): with the optimized MUL's conditions [`simd::mul_s8_in_place`] (as `mul_s8`
/// takes [`simd::mul_s8`]), otherwise the reference arithmetic.
pub fn mul_s8_in_place(p: &MulParams, acc: &mut [i8], other: &[i8], acc_operand: usize) {
    #[cfg(not(feature = "reference-kernels"))]
    if super::mul::mul_optimized(p) {
        return simd::mul_s8_in_place(&super::mul::mul_quant(p, false), acc, other, acc_operand == 0);
    }
    binary(acc, other, acc_operand, |a, b| mul_element(p, a, b));
}

/// int16 MUL (`mul_s16`) with the output over operand `acc_operand` (the inputs have
/// one shape).
pub fn mul_s16_in_place(p: &MulParams, acc: &mut [i16], other: &[i16], acc_operand: usize) {
    binary(acc, other, acc_operand, |a, b| mul_element(p, a, b));
}

/// int32 MUL (`mul_i32`) with the output over operand `acc_operand` (the inputs have
/// one shape).
pub fn mul_i32_in_place(p: &MulI32Params, acc: &mut [i32], other: &[i32], acc_operand: usize) {
    binary(acc, other, acc_operand, |a, b| mul_i32_element(p, a, b));
}

macro_rules! unary_in_place {
    ($($name:ident = $kernel:literal, $element:path, ($params:ty, $t:ty);)*) => {$(
        #[doc = concat!("`", $kernel, "` writing over its input.")]
        pub fn $name(p: &$params, buf: &mut [$t]) {
            unary(buf, |x| $element(p, x));
        }
    )*};
}

unary_in_place! {
    relu_s16_in_place = "relu_s16", relu_element, (ReluParams, i16);
    relu6_s16_in_place = "relu6_s16", relu6_element, (Relu6Params, i16);
    leaky_relu_s16_in_place = "leaky_relu_s16", leaky_relu_element, (LeakyReluParams, i16);
    logistic_s16_in_place = "logistic_s16", logistic16, (Sigmoid16Params, i16);
    tanh_s16_in_place = "tanh_s16", tanh16, (Sigmoid16Params, i16);
}

/// The int8 activations: their `packed` form ([`by_table_in_place`]) or, without one,
/// their arithmetic per element.
macro_rules! lookup_in_place {
    ($($name:ident = $kernel:literal, $element:path, $params:ty;)*) => {$(
        #[doc = concat!("`", $kernel, "` writing over its input.")]
        pub fn $name(p: &$params, buf: &mut [i8], packed: &[i32]) {
            if !by_table_in_place(packed, buf) {
                unary(buf, |x| $element(p, x));
            }
        }
    )*};
}

lookup_in_place! {
    relu_s8_in_place = "relu_s8", relu_element, ReluParams;
    relu6_s8_in_place = "relu6_s8", relu6_element, Relu6Params;
    leaky_relu_s8_in_place = "leaky_relu_s8", leaky_relu_element, LeakyReluParams;
    hard_swish_s8_in_place = "hard_swish_s8", hard_swish_element, HardSwishParams;
    logistic_s8_in_place = "logistic_s8", logistic_s8_element, SigmoidParams;
    tanh_s8_in_place = "tanh_s8", tanh_s8_element, SigmoidParams;
}

/// [`requantize`](super::quantize::requantize) from one type to the same, writing over
/// its input.
pub fn requantize_in_place<T: QuantizedInt>(p: &RequantizeParams, buf: &mut [T]) {
    unary(buf, |x| requantize_element::<T, T>(p, x));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::broadcast::Broadcast;
    extern crate std;
    use std::format;

    /// Longest buffer tested: several 256-element spans (the old copy's chunk) and a tail.
    const MAX: usize = 3 * 256 + 17;

    /// Lengths around a Helium block (16) and the old chunk (256), and a long one.
    const LENGTHS: [usize; 10] = [0, 1, 15, 16, 17, 31, 255, 256, 257, MAX];

    fn data(seed: u32) -> [i8; MAX] {
        let mut s = seed;
        core::array::from_fn(|_| {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (s >> 16) as i8
        })
    }

    fn wide<T: Copy>(seed: u32, f: impl Fn(i8, i8) -> T) -> [T; MAX] {
        let (a, b) = (data(seed), data(seed + 100));
        core::array::from_fn(|i| f(a[i], b[i]))
    }

    /// Checks `in_place(acc, other, operand)` against `kernel(in1, in2, out)` for every
    /// length of [`LENGTHS`] and both operands.
    fn check_binary<T: Copy + Default + PartialEq + core::fmt::Debug>(
        a: &[T; MAX],
        b: &[T; MAX],
        kernel: impl Fn(usize, &[T], &[T], &mut [T]),
        in_place: impl Fn(&mut [T], &[T], usize),
        what: &str,
    ) {
        for n in LENGTHS {
            let mut want = [T::default(); MAX];
            kernel(n, &a[..n], &b[..n], &mut want[..n]);
            for acc_operand in 0..2 {
                let (mut acc, other) = if acc_operand == 0 { (*a, b) } else { (*b, a) };
                in_place(&mut acc[..n], &other[..n], acc_operand);
                assert_eq!(acc[..n], want[..n], "{what}: n {n}, operand {acc_operand}");
                // Nothing past the buffer is written.
                let rest = if acc_operand == 0 { &a[n..] } else { &b[n..] };
                assert_eq!(&acc[n..], rest, "{what}: n {n}, operand {acc_operand}, past the end");
            }
        }
    }

    /// Checks `in_place(buf)` against `kernel(input, out)` for every length.
    fn check_unary<T: Copy + Default + PartialEq + core::fmt::Debug>(
        a: &[T; MAX],
        kernel: impl Fn(&[T], &mut [T]),
        in_place: impl Fn(&mut [T]),
        what: &str,
    ) {
        for n in LENGTHS {
            let mut want = *a;
            kernel(&a[..n], &mut want[..n]);
            let mut buf = *a;
            in_place(&mut buf[..n]);
            assert_eq!(buf, want, "{what}: n {n}");
        }
    }

    fn add_params(subtract: bool, activation: (i32, i32)) -> AddParams {
        AddParams {
            left_shift: 20,
            input1_offset: 3,
            input1_multiplier: 1_073_741_824,
            input1_shift: 0,
            input2_offset: -7,
            input2_multiplier: 1_600_000_000,
            input2_shift: -1,
            output_offset: -2,
            output_multiplier: 1_900_000_000,
            output_shift: -19,
            activation_min: activation.0,
            activation_max: activation.1,
            subtract,
            shape: Broadcast::elementwise(0),
        }
    }

    #[test]
    fn in_place_add_matches_the_kernel_for_every_length_and_operand() {
        use crate::kernels::add::{add_s8, add_s8_pack, add_s8_reference, ADD_S8_PACKED_WORDS};
        let (a, b) = (data(1), data(2));
        for p in [add_params(false, (-128, 127)), add_params(true, (-128, 127)), add_params(false, (-100, 90))] {
            let mut table = [0i32; ADD_S8_PACKED_WORDS];
            let words = add_s8_pack(&p, &mut table);
            assert!(words > 0, "a table for {p:?}");
            // Without and with the two-table form; against the reference loop and the
            // out-of-place kernel of the same build.
            for packed in [&[][..], &table[..words]] {
                let what = format!("add, subtract {}, table {}", p.subtract, packed.len());
                let shape = |n| AddParams { shape: Broadcast::elementwise(n), ..p };
                check_binary(
                    &a,
                    &b,
                    |n, x, y, o| add_s8_reference(&shape(n), x, y, o),
                    |acc, other, k| add_s8_in_place(&p, acc, other, k, packed),
                    &what,
                );
                check_binary(
                    &a,
                    &b,
                    |n, x, y, o| add_s8(&shape(n), x, y, packed, o),
                    |acc, other, k| add_s8_in_place(&p, acc, other, k, packed),
                    &what,
                );
            }
        }
    }

    #[test]
    fn in_place_wider_adds_match_the_kernels() {
        use crate::kernels::add::{add_i32, add_s16};
        let p = AddParams { left_shift: 15, ..add_params(true, (-32768, 32767)) };
        let (a, b) =
            (wide(3, |x, y| i16::from_le_bytes([x as u8, y as u8])), wide(4, |x, y| (x as i16) << 4 | y as i16));
        check_binary(
            &a,
            &b,
            |n, x, y, o| add_s16(&AddParams { shape: Broadcast::elementwise(n), ..p }, x, y, o),
            |acc, other, k| add_s16_in_place(&p, acc, other, k),
            "add_s16",
        );
        let q = AddI32Params {
            activation_min: -1 << 20,
            activation_max: 1 << 24,
            subtract: true,
            shape: Broadcast::elementwise(0),
        };
        let (a, b) = (wide(5, |x, y| (x as i32) << 16 | y as i32), wide(6, |x, y| (x as i32) * 1000 + y as i32));
        check_binary(
            &a,
            &b,
            |n, x, y, o| add_i32(&AddI32Params { shape: Broadcast::elementwise(n), ..q }, x, y, o),
            |acc, other, k| add_i32_in_place(&q, acc, other, k),
            "add_i32",
        );
    }

    #[test]
    fn in_place_mul_matches_the_kernel_for_every_length_and_operand() {
        use crate::kernels::mul::{mul_i32, mul_s16, mul_s8, mul_s8_reference};
        let (a, b) = (data(7), data(8));
        // The optimized MUL's shifts, with and without an activation; a left shift (the
        // reference arithmetic).
        for (shift, activation) in [(-7, (-128, 127)), (-9, (-90, 100)), (-20, (-128, 127)), (1, (-128, 127))] {
            let p = MulParams {
                input1_offset: 5,
                input2_offset: -11,
                output_offset: 3,
                output_multiplier: 1_500_000_000,
                output_shift: shift,
                activation_min: activation.0,
                activation_max: activation.1,
                shape: Broadcast::elementwise(0),
            };
            let shape = |n| MulParams { shape: Broadcast::elementwise(n), ..p };
            let what = format!("mul_s8, shift {shift}, activation {activation:?}");
            check_binary(
                &a,
                &b,
                |n, x, y, o| mul_s8_reference(&shape(n), x, y, o),
                |acc, other, k| mul_s8_in_place(&p, acc, other, k),
                &what,
            );
            check_binary(
                &a,
                &b,
                |n, x, y, o| mul_s8(&shape(n), x, y, o),
                |acc, other, k| mul_s8_in_place(&p, acc, other, k),
                &what,
            );
            let p16 = MulParams {
                input1_offset: 0,
                input2_offset: 0,
                output_offset: 0,
                activation_min: -32768,
                activation_max: 32767,
                ..p
            };
            let (x, y) = (wide(9, |u, v| (u as i16) << 6 | v as i16), wide(10, |u, v| (u as i16) << 3 ^ v as i16));
            check_binary(
                &x,
                &y,
                |n, i1, i2, o| mul_s16(&MulParams { shape: Broadcast::elementwise(n), ..p16 }, i1, i2, o),
                |acc, other, k| mul_s16_in_place(&p16, acc, other, k),
                "mul_s16",
            );
        }
        let q = MulI32Params { activation_min: -1 << 30, activation_max: 1 << 29, shape: Broadcast::elementwise(0) };
        let (a, b) = (wide(11, |x, y| (x as i32) << 12 | y as i32), wide(12, |x, y| (x as i32) * 77 + y as i32));
        check_binary(
            &a,
            &b,
            |n, x, y, o| mul_i32(&MulI32Params { shape: Broadcast::elementwise(n), ..q }, x, y, o),
            |acc, other, k| mul_i32_in_place(&q, acc, other, k),
            "mul_i32",
        );
    }

    #[test]
    fn in_place_activations_match_the_kernels() {
        use crate::kernels::hard_swish::hard_swish_s8;
        use crate::kernels::logistic::{logistic_s16, logistic_s8};
        use crate::kernels::lookup::{lookup_s8_pack, LOOKUP_S8_WORDS};
        use crate::kernels::relu::{leaky_relu_s16, leaky_relu_s8, relu6_s16, relu6_s8, relu_s16, relu_s8};
        use crate::kernels::tanh::{tanh_s16, tanh_s8};
        let relu = ReluParams {
            multiplier: 1_500_000_000,
            shift: 0,
            input_zero_point: -5,
            output_zero_point: -128,
            activation_min: -128,
            activation_max: 127,
        };
        let relu6 = Relu6Params { zero: -20, six: 70 };
        let leaky = LeakyReluParams {
            input_zero_point: 4,
            output_zero_point: -3,
            multiplier_identity: 1 << 30,
            shift_identity: 1,
            multiplier_alpha: 1_300_000_000,
            shift_alpha: -2,
        };
        let swish = HardSwishParams {
            input_zero_point: -9,
            output_zero_point: -40,
            reluish_multiplier: 20_000,
            reluish_exponent: 1,
            output_multiplier: 18_000,
            output_exponent: -1,
        };
        let sigmoid = SigmoidParams {
            input_zero_point: 6,
            input_range_radius: 100,
            input_multiplier: 1_600_000_000,
            input_left_shift: 3,
        };
        let a = data(13);
        type Kernel<'a> = (&'a str, &'a dyn Fn(&[i8], &[i32], &mut [i8]), &'a dyn Fn(&mut [i8], &[i32]));
        let kernels: [Kernel; 6] = [
            ("relu", &|x, t, o| relu_s8(&relu, x, t, o), &|b, t| relu_s8_in_place(&relu, b, t)),
            ("relu6", &|x, t, o| relu6_s8(&relu6, x, t, o), &|b, t| relu6_s8_in_place(&relu6, b, t)),
            ("leaky", &|x, t, o| leaky_relu_s8(&leaky, x, t, o), &|b, t| leaky_relu_s8_in_place(&leaky, b, t)),
            ("swish", &|x, t, o| hard_swish_s8(&swish, x, t, o), &|b, t| hard_swish_s8_in_place(&swish, b, t)),
            ("logistic", &|x, t, o| logistic_s8(&sigmoid, x, t, o), &|b, t| logistic_s8_in_place(&sigmoid, b, t)),
            ("tanh", &|x, t, o| tanh_s8(&sigmoid, x, t, o), &|b, t| tanh_s8_in_place(&sigmoid, b, t)),
        ];
        for (what, kernel, in_place) in kernels {
            // Without and with the table (or clamp) form.
            let mut table = [0i32; LOOKUP_S8_WORDS];
            let words = lookup_s8_pack(|x, y| kernel(x, &[], y), &mut table);
            for packed in [&[][..], &table[..words]] {
                check_unary(&a, |x, o| kernel(x, &[], o), |b| in_place(b, packed), what);
            }
        }
        let a = wide(14, |x, y| i16::from_le_bytes([x as u8, y as u8]));
        let relu16 =
            ReluParams { output_zero_point: 0, input_zero_point: 0, activation_min: 0, activation_max: 32767, ..relu };
        check_unary(&a, |x, o| relu_s16(&relu16, x, o), |b| relu_s16_in_place(&relu16, b), "relu_s16");
        let relu6 = Relu6Params { zero: 0, six: 24_000 };
        check_unary(&a, |x, o| relu6_s16(&relu6, x, o), |b| relu6_s16_in_place(&relu6, b), "relu6_s16");
        let leaky = LeakyReluParams { input_zero_point: 0, output_zero_point: 0, ..leaky };
        check_unary(&a, |x, o| leaky_relu_s16(&leaky, x, o), |b| leaky_relu_s16_in_place(&leaky, b), "leaky_s16");
        let s16 = Sigmoid16Params { input_multiplier: 3, input_left_shift: 0 };
        check_unary(&a, |x, o| logistic_s16(&s16, x, o), |b| logistic_s16_in_place(&s16, b), "logistic_s16");
        check_unary(&a, |x, o| tanh_s16(&s16, x, o), |b| tanh_s16_in_place(&s16, b), "tanh_s16");
    }

    #[test]
    fn in_place_requantize_matches_the_kernel() {
        use crate::kernels::quantize::requantize;
        let p = RequantizeParams { multiplier: 1_700_000_000, shift: -1, input_zero_point: 9, output_zero_point: -4 };
        check_unary(&data(15), |x, o| requantize(&p, x, o), |b| requantize_in_place(&p, b), "requantize_s8");
        let a = wide(16, |x, y| i16::from_le_bytes([x as u8, y as u8]));
        check_unary(&a, |x, o| requantize(&p, x, o), |b| requantize_in_place(&p, b), "requantize_s16");
    }

    /// The vector primitives' in-place forms against their out-of-place ones (on the
    /// host the portable loops; on target, `runtime/target-tests`).
    #[cfg(not(feature = "reference-kernels"))]
    #[test]
    fn simd_in_place_forms_match_the_out_of_place_ones() {
        let (a, b) = (data(17), data(18));
        let t16: [i16; 512] = core::array::from_fn(|i| (i as i16 * 37 % 601) - 300);
        let t32: [i32; 512] = core::array::from_fn(|i| ((i as i32 * 7919) % 40_000) << 8);
        let (n1, n2) = t16.split_at(256);
        let (w1, w2) = t32.split_at(256);
        let narrow = simd::Terms::Narrow { t1: n1.try_into().unwrap(), t2: n2.try_into().unwrap(), shift: 3 };
        let wide = simd::Terms::Wide { t1: w1.try_into().unwrap(), t2: w2.try_into().unwrap() };
        for (terms, (min, max)) in [(narrow, (-128, 127)), (narrow, (-60, 80)), (wide, (-128, 127)), (wide, (-20, 30))]
        {
            let q = simd::Lut2 { terms, min, max };
            check_binary(
                &a,
                &b,
                |_, x, y, o| simd::lut2_s8(&q, x, y, o),
                |acc, other, k| simd::lut2_s8_in_place(&q, acc, other, k == 0),
                "lut2_s8",
            );
        }
        for (right_shift, (min, max)) in [(8, (-128, 127)), (12, (-100, 50)), (20, (-128, 127))] {
            let q = simd::MulQuant {
                input_offset: [7, -3],
                output_offset: -5,
                multiplier: 1_400_000_000,
                right_shift,
                min,
                max,
            };
            check_binary(
                &a,
                &b,
                |_, x, y, o| simd::mul_s8(&q, x, y, o),
                |acc, other, k| simd::mul_s8_in_place(&q, acc, other, k == 0),
                "mul_s8",
            );
        }
        let q = simd::AddQuant {
            left_shift: 20,
            input_offset: [3, -7],
            input_multiplier: [1_073_741_824, 1_600_000_000],
            input_shift: [0, -1],
            output_offset: -2,
            output_multiplier: 1_900_000_000,
            output_shift: -19,
            min: -100,
            max: 127,
            subtract: true,
        };
        check_binary(
            &a,
            &b,
            |_, x, y, o| simd::add_s8(&q, x, y, o),
            |acc, other, k| simd::add_s8_in_place(&q, acc, other, k == 0),
            "add_s8",
        );
    }
}
