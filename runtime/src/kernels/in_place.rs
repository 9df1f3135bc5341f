//! In-place execution of elementwise kernels: the output takes the bytes of an input
//! that dies at this layer, so the model compiler plans one buffer where two were.
//!
//! The kernels take `&[T]` and `&mut [T]`, which must not alias. The helpers here keep
//! that rule: they copy [`CHUNK`] elements of the buffer to the stack, run the ordinary
//! kernel over (the copy, the same elements of the buffer), and go on to the next chunk.
//! Output element `i` depends only on input element `i`, so the result is the kernel's,
//! byte for byte; the cost is one copy of the input through a small stack buffer and one
//! kernel call per chunk. An int8 activation with its table form needs neither: a table
//! read or a clamp loads each element before it stores it.

use super::add::{add_i32, add_s16, add_s8, AddI32Params, AddParams};
use super::broadcast::Broadcast;
use super::hard_swish::{hard_swish_s8, HardSwishParams};
use super::int::QuantizedInt;
use super::logistic::{logistic_s16, logistic_s8, Sigmoid16Params, SigmoidParams};
use super::lookup::by_table_in_place;
use super::mul::{mul_i32, mul_s16, mul_s8, MulI32Params, MulParams};
use super::quantize::{requantize, RequantizeParams};
use super::relu::{
    leaky_relu_s16, leaky_relu_s8, relu6_s16, relu6_s8, relu_s16, relu_s8, LeakyReluParams, Relu6Params, ReluParams,
};
#[cfg(not(feature = "reference-kernels"))]
use super::simd;
use super::tanh::{tanh_s16, tanh_s8};

/// Elements copied to the stack at a time (256 bytes of int8; 1 KiB for int32).
pub const CHUNK: usize = 256;

/// Runs `kernel(input, output)` over `buf` as both input and output, a chunk at a time.
#[inline]
pub fn unary<T: Copy + Default>(buf: &mut [T], mut kernel: impl FnMut(&[T], &mut [T])) {
    let mut copy = [T::default(); CHUNK];
    for out in buf.chunks_mut(CHUNK) {
        let input = &mut copy[..out.len()];
        input.copy_from_slice(out);
        kernel(input, out);
    }
}

/// Runs `kernel(in1, in2, output)` with `acc` as operand `acc_operand` (0 or 1) and as
/// the output, `other` as the other operand (of `acc`'s length), a chunk at a time.
#[inline]
pub fn binary<T: Copy + Default>(
    acc: &mut [T],
    other: &[T],
    acc_operand: usize,
    mut kernel: impl FnMut(&[T], &[T], &mut [T]),
) {
    let mut start = 0;
    unary(acc, |a, out| {
        let b = &other[start..start + a.len()];
        start += a.len();
        if acc_operand == 0 {
            kernel(a, b, out)
        } else {
            kernel(b, a, out)
        }
    });
}

/// [`add_s8`] with the output over operand `acc_operand` (the inputs have one shape).
/// With a two-table form in `packed`, the table is read once and each chunk takes
/// [`simd::lut2_s8`] directly (what [`add_s8`] runs over same-shape inputs), so a chunk
/// costs its copy and no dispatch.
pub fn add_s8_in_place(p: &AddParams, acc: &mut [i8], other: &[i8], acc_operand: usize, packed: &[i32]) {
    #[cfg(not(feature = "reference-kernels"))]
    if let Some(terms) = super::add::add_s8_table(packed) {
        let q = simd::Lut2 {
            terms,
            min: p.activation_min.clamp(-128, 127) as i8,
            max: p.activation_max.clamp(-128, 127) as i8,
        };
        // `lut2_s8(q, a, b)` takes input 1 first; the swapped tables take input 2 first.
        let q = if acc_operand == 0 { q } else { q.swapped() };
        return binary(acc, other, 0, |a, b, out| simd::lut2_s8(&q, a, b, out));
    }
    binary(acc, other, acc_operand, |a, b, out| {
        add_s8(&AddParams { shape: Broadcast::elementwise(out.len()), ..*p }, a, b, packed, out)
    });
}

/// [`add_s16`] with the output over operand `acc_operand` (the inputs have one shape).
pub fn add_s16_in_place(p: &AddParams, acc: &mut [i16], other: &[i16], acc_operand: usize) {
    binary(acc, other, acc_operand, |a, b, out| {
        add_s16(&AddParams { shape: Broadcast::elementwise(out.len()), ..*p }, a, b, out)
    });
}

/// [`add_i32`] with the output over operand `acc_operand` (the inputs have one shape).
pub fn add_i32_in_place(p: &AddI32Params, acc: &mut [i32], other: &[i32], acc_operand: usize) {
    binary(acc, other, acc_operand, |a, b, out| {
        add_i32(&AddI32Params { shape: Broadcast::elementwise(out.len()), ..*p }, a, b, out)
    });
}

/// [`mul_s8`] with the output over operand `acc_operand` (the inputs have one shape).
pub fn mul_s8_in_place(p: &MulParams, acc: &mut [i8], other: &[i8], acc_operand: usize) {
    binary(acc, other, acc_operand, |a, b, out| {
        mul_s8(&MulParams { shape: Broadcast::elementwise(out.len()), ..*p }, a, b, out)
    });
}

/// [`mul_s16`] with the output over operand `acc_operand` (the inputs have one shape).
pub fn mul_s16_in_place(p: &MulParams, acc: &mut [i16], other: &[i16], acc_operand: usize) {
    binary(acc, other, acc_operand, |a, b, out| {
        mul_s16(&MulParams { shape: Broadcast::elementwise(out.len()), ..*p }, a, b, out)
    });
}

/// [`mul_i32`] with the output over operand `acc_operand` (the inputs have one shape).
pub fn mul_i32_in_place(p: &MulI32Params, acc: &mut [i32], other: &[i32], acc_operand: usize) {
    binary(acc, other, acc_operand, |a, b, out| {
        mul_i32(&MulI32Params { shape: Broadcast::elementwise(out.len()), ..*p }, a, b, out)
    });
}

macro_rules! unary_in_place {
    ($($name:ident = $kernel:ident($params:ty, $t:ty);)*) => {$(
        #[doc = concat!("[`", stringify!($kernel), "`] writing over its input.")]
        pub fn $name(p: &$params, buf: &mut [$t]) {
            unary(buf, |input, out| $kernel(p, input, out));
        }
    )*};
}

unary_in_place! {
    relu_s16_in_place = relu_s16(ReluParams, i16);
    relu6_s16_in_place = relu6_s16(Relu6Params, i16);
    leaky_relu_s16_in_place = leaky_relu_s16(LeakyReluParams, i16);
    logistic_s16_in_place = logistic_s16(Sigmoid16Params, i16);
    tanh_s16_in_place = tanh_s16(Sigmoid16Params, i16);
}

/// The int8 activations, whose `packed` form ([`by_table_in_place`]) runs over the
/// buffer directly, with no copy through the stack.
macro_rules! lookup_in_place {
    ($($name:ident = $kernel:ident($params:ty);)*) => {$(
        #[doc = concat!("[`", stringify!($kernel), "`] writing over its input.")]
        pub fn $name(p: &$params, buf: &mut [i8], packed: &[i32]) {
            if !by_table_in_place(packed, buf) {
                unary(buf, |input, out| $kernel(p, input, &[], out));
            }
        }
    )*};
}

lookup_in_place! {
    relu_s8_in_place = relu_s8(ReluParams);
    relu6_s8_in_place = relu6_s8(Relu6Params);
    leaky_relu_s8_in_place = leaky_relu_s8(LeakyReluParams);
    hard_swish_s8_in_place = hard_swish_s8(HardSwishParams);
    logistic_s8_in_place = logistic_s8(SigmoidParams);
    tanh_s8_in_place = tanh_s8(SigmoidParams);
}

/// [`requantize`] from one type to the same, writing over its input.
pub fn requantize_in_place<T: QuantizedInt + Default>(p: &RequantizeParams, buf: &mut [T]) {
    unary(buf, |input, out| requantize(p, input, out));
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 3 * CHUNK + 17;

    fn data(seed: u32) -> [i8; MAX] {
        let mut s = seed;
        core::array::from_fn(|_| {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (s >> 16) as i8
        })
    }

    #[test]
    fn in_place_add_matches_the_kernel_for_every_length_and_operand() {
        let p = AddParams {
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
            activation_min: -128,
            activation_max: 127,
            subtract: false,
            shape: Broadcast::elementwise(0),
        };
        let (a, b) = (data(1), data(2));
        for n in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, MAX] {
            let q = AddParams { shape: Broadcast::elementwise(n), ..p };
            let mut want = [0; MAX];
            crate::kernels::add::add_s8_reference(&q, &a[..n], &b[..n], &mut want[..n]);
            // Without and with the two-table form.
            let mut table = [0i32; crate::kernels::add::ADD_S8_PACKED_WORDS];
            let words = crate::kernels::add::add_s8_pack(&p, &mut table);
            for packed in [&[][..], &table[..words]] {
                for acc_operand in 0..2 {
                    let (mut acc, other) = if acc_operand == 0 { (a, &b) } else { (b, &a) };
                    add_s8_in_place(&p, &mut acc[..n], &other[..n], acc_operand, packed);
                    assert_eq!(acc[..n], want[..n], "n {n}, operand {acc_operand}, table {}", packed.len());
                }
            }
        }
    }

    #[test]
    fn in_place_relu_matches_the_kernel() {
        let p = ReluParams {
            multiplier: 1_500_000_000,
            shift: 0,
            input_zero_point: -5,
            output_zero_point: -128,
            activation_min: -128,
            activation_max: 127,
        };
        let a = data(3);
        let mut want = [0; MAX];
        relu_s8(&p, &a, &[], &mut want);
        // Without and with the table form.
        let mut table = [0i32; crate::kernels::lookup::LOOKUP_S8_WORDS];
        let words = crate::kernels::lookup::lookup_s8_pack(|x, y| relu_s8(&p, x, &[], y), &mut table);
        for packed in [&[][..], &table[..words]] {
            let mut buf = a;
            relu_s8_in_place(&p, &mut buf, packed);
            assert_eq!(buf, want, "table {}", packed.len());
        }
    }
}
