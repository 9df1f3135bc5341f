//! MUL with broadcasting: int8 and int16 (TFLM `reference_integer_ops::Mul` and
//! `BroadcastMul6DSlow`) and plain int32 (`reference_ops::Mul`).

use super::broadcast::{binary, Broadcast};
use super::int::QuantizedInt;
#[cfg(not(feature = "reference-kernels"))]
use super::simd;
use crate::fixedpoint::multiply_by_quantized_multiplier;

/// Constant parameters of one quantized MUL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MulParams {
    /// Minus the zero point of input 1.
    pub input1_offset: i32,
    /// Minus the zero point of input 2.
    pub input2_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// `scale1 * scale2 / output_scale` in Q31.
    pub output_multiplier: i32,
    /// Its shift (positive: left).
    pub output_shift: i32,
    /// Lower bound of the fused activation, quantized.
    pub activation_min: i32,
    /// Upper bound of the fused activation, quantized.
    pub activation_max: i32,
    /// Broadcasting of the two inputs to the output.
    pub shape: Broadcast,
}

fn mul_quantized<T: QuantizedInt>(p: &MulParams, in1: &[T], in2: &[T], output: &mut [T]) {
    binary(&p.shape, in1, in2, output, |a: T, b: T| mul_element(p, a, b));
}

/// One output element of the reference MUL: the product of the offset inputs,
/// requantized, offset and clamped.
#[inline(always)]
pub(super) fn mul_element<T: QuantizedInt>(p: &MulParams, a: T, b: T) -> T {
    let product = (p.input1_offset + a.to_i32()) * (p.input2_offset + b.to_i32());
    let v = p.output_offset + multiply_by_quantized_multiplier(product, p.output_multiplier, p.output_shift);
    T::from_i32(v.clamp(p.activation_min, p.activation_max))
}

/// Whether the optimized int8 MUL takes `p`: a right shift of 1 to 22 and a positive
/// multiplier (what MUL layers have).
#[cfg(not(feature = "reference-kernels"))]
#[inline(always)]
pub(super) fn mul_optimized(p: &MulParams) -> bool {
    (-22..=-1).contains(&p.output_shift) && p.output_multiplier > 0
}

/// int8 MUL. With a right shift of 1 to 22 and a positive multiplier (what MUL layers
/// have), [`simd::mul_s8`] over same-shape inputs, [`simd::mul_rows_s8`] over one input
/// repeated as rows of the other ([`Broadcast::repeated_row`]: per-channel operands),
/// and by innermost runs otherwise ([`Broadcast::runs`]; [`simd::mul_scalar_s8`] where one
/// input repeats); otherwise, or with `reference-kernels`, the reference loop.
pub fn mul_s8(p: &MulParams, in1: &[i8], in2: &[i8], output: &mut [i8]) {
    #[cfg(not(feature = "reference-kernels"))]
    if mul_optimized(p) {
        // Same shape first, then one input repeated as rows of the other, inline (a
        // layer of a few hundred elements is a few hundred instructions: the set-up
        // counts; the constants are gathered after the broadcast analysis, so they are
        // not kept across it); the runs, with their closure's frame, out of line.
        if p.shape.elementwise {
            let n = p.shape.out_len();
            return simd::mul_s8(&mul_quant(p, false), &in1[..n], &in2[..n], &mut output[..n]);
        }
        if let Some(row) = p.shape.repeated_row() {
            let n = row.out_len;
            let out = &mut output[..n];
            // MUL commutes: where input 1 repeats, input 2 runs over its rows.
            let q = mul_quant(p, row.in1_repeats);
            if row.in1_repeats {
                simd::mul_rows_s8(&q, &in2[..n], &in1[..row.len], out);
            } else {
                simd::mul_rows_s8(&q, &in1[..n], &in2[..row.len], out);
            }
            return;
        }
        if mul_runs_s8(&mul_quant(p, false), &p.shape, in1, in2, output) {
            return;
        }
    }
    mul_s8_reference(p, in1, in2, output);
}

/// [`mul_s8`] where the model compiler found one input repeated as rows of the other
/// ([`Broadcast::repeated_row`]: a per-channel operand), so that no call repeats the
/// broadcast analysis (in a layer of 256 elements, about a tenth of its instructions):
/// the repeated input is the shorter slice (or, both as long as the output, input 2)
/// and its length is the row's. Without the optimized MUL's conditions, or with
/// `reference-kernels`, the reference loop over `p.shape`. On Arm cores without Helium,
/// [`mul_s8`] itself: there the per-element loop dominates, and this function's own
/// copy of it measured slower on the M33 (16.99 against 15.43 instructions per element
/// on 256, 16.81 against 14.75 on 65,536: LLVM schedules the two loops differently).
pub fn mul_s8_rows(p: &MulParams, in1: &[i8], in2: &[i8], output: &mut [i8]) {
    if cfg!(all(target_arch = "arm", not(tinyml_mve))) {
        return mul_s8(p, in1, in2, output);
    }
    #[cfg(not(feature = "reference-kernels"))]
    if mul_optimized(p) {
        let in1_repeats = in1.len() < output.len();
        // MUL commutes: where input 1 repeats, input 2 runs over its rows.
        let q = mul_quant(p, in1_repeats);
        if in1_repeats {
            simd::mul_rows_s8(&q, in2, in1, output);
        } else {
            simd::mul_rows_s8(&q, in1, in2, output);
        }
        return;
    }
    mul_s8_reference(p, in1, in2, output);
}

/// The constants of the optimized int8 MUL (`swap`: input 2's offset first, for a call
/// with the inputs traded).
#[cfg(not(feature = "reference-kernels"))]
#[inline(always)]
pub(super) fn mul_quant(p: &MulParams, swap: bool) -> simd::MulQuant {
    let (o1, o2) = if swap { (p.input2_offset, p.input1_offset) } else { (p.input1_offset, p.input2_offset) };
    simd::MulQuant {
        input_offset: [o1, o2],
        output_offset: p.output_offset,
        multiplier: p.output_multiplier,
        right_shift: (-p.output_shift) as u32,
        min: p.activation_min.clamp(-128, 127) as i8,
        max: p.activation_max.clamp(-128, 127) as i8,
    }
}

/// [`mul_s8`] by innermost runs ([`Broadcast::runs`]); `false` (nothing written) when
/// the runs are too short.
#[cfg(not(feature = "reference-kernels"))]
#[inline(never)]
fn mul_runs_s8(q: &simd::MulQuant, shape: &Broadcast, in1: &[i8], in2: &[i8], output: &mut [i8]) -> bool {
    // MUL commutes: where input 1 is the one repeated, the inputs trade places.
    let swapped = simd::MulQuant { input_offset: [q.input_offset[1], q.input_offset[0]], ..*q };
    shape.runs(4, |r| {
        let (a, b, n) = (r.in1, r.in2, r.len);
        let out = &mut output[r.out..r.out + n];
        match (r.in1_advances, r.in2_advances) {
            (true, true) => simd::mul_s8(q, &in1[a..a + n], &in2[b..b + n], out),
            (true, false) => simd::mul_scalar_s8(q, &in1[a..a + n], in2[b], out),
            _ => simd::mul_scalar_s8(&swapped, &in2[b..b + n], in1[a], out),
        }
    })
}

/// int8 MUL, always the reference loop (what the tests compare [`mul_s8`] with). Out of
/// line: inlined into [`mul_s8`], its spills would be set up on every fast call too.
#[inline(never)]
pub fn mul_s8_reference(p: &MulParams, in1: &[i8], in2: &[i8], output: &mut [i8]) {
    mul_quantized(p, in1, in2, output);
}

/// int16 MUL (zero points are 0, as TFLM requires).
pub fn mul_s16(p: &MulParams, in1: &[i16], in2: &[i16], output: &mut [i16]) {
    mul_quantized(p, in1, in2, output);
}

/// Constant parameters of an int32 MUL (unquantized).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MulI32Params {
    /// Lower bound of the fused activation.
    pub activation_min: i32,
    /// Upper bound of the fused activation.
    pub activation_max: i32,
    /// Broadcasting of the two inputs to the output.
    pub shape: Broadcast,
}

/// int32 MUL: wrapping product, then the activation clamp (TFLM `WrappingMul`).
pub fn mul_i32(p: &MulI32Params, in1: &[i32], in2: &[i32], output: &mut [i32]) {
    binary(&p.shape, in1, in2, output, |a: i32, b: i32| mul_i32_element(p, a, b));
}

/// One output element of [`mul_i32`].
#[inline(always)]
pub(super) fn mul_i32_element(p: &MulI32Params, a: i32, b: i32) -> i32 {
    a.wrapping_mul(b).clamp(p.activation_min, p.activation_max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mul_int8_with_offsets() {
        // scales 0.5 * 0.5 / 0.25 = 1: out = (a+1)*(b+1) - 3.
        let p = MulParams {
            input1_offset: 1,
            input2_offset: 1,
            output_offset: -3,
            output_multiplier: 1 << 30,
            output_shift: 1,
            activation_min: -128,
            activation_max: 127,
            shape: Broadcast::elementwise(3),
        };
        let mut out = [0i8; 3];
        mul_s8(&p, &[1, -1, 20], &[2, 5, 20], &mut out);
        assert_eq!(out, [3, -3, 127]);
    }
}
