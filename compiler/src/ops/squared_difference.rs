//! SQUARED_DIFFERENCE: int8 and int16 with ADD's rescaling to a common scale (the same
//! `AddParams`), int32 and float32 unquantized; numpy broadcasting up to 6 dimensions
//! (the oracle's 5-D broadcast case matches TFLM's); a constant operand is folded into a
//! flash table.
//! Prepare logic from TFLM `squared_difference.cc` (`SquaredDifferencePrepare`,
//! `PrepareQuantized`).

use super::binary::{self, Binary, BinaryFn, Operands};
use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::quantize_multiplier;
use crate::graph::DType;
use tinyml_runtime::kernels::add::{
    squared_difference_f32, squared_difference_i32, squared_difference_s16, squared_difference_s8, AddParams,
};
use tinyml_runtime::kernels::broadcast::Broadcast;

fn sq_fn<P, T>(
    params_name: &'static str,
    params_ty: &'static str,
    function: &'static str,
    run: fn(&P, &[T], &[T], &mut [T]),
) -> BinaryFn<P, T> {
    BinaryFn { module: "add", params_name, params_ty, function, generic: false, run, macs: |_| 0, in_place: |_| false }
}

/// Lowers a SQUARED_DIFFERENCE operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let dtype = cx.expect_input_type(0, &[DType::I8, DType::I16, DType::I32, DType::F32])?.dtype;
    binary::expect_same_types(cx, dtype)?;
    let shape = binary::broadcast(cx)?;
    let outputs = vec![cx.output_id(0)?];
    let (kernel, inputs): (Box<dyn Kernel>, _) = match dtype {
        DType::I32 => {
            let (operands, i) = Operands::<i32>::lower(cx)?;
            let f = sq_fn("SHAPE", "Broadcast", "squared_difference_i32", squared_difference_i32);
            (Box::new(Binary { op: "SQUARED_DIFFERENCE", params: shape, operands, f }), i)
        }
        DType::F32 => {
            let (operands, i) = Operands::<f32>::lower(cx)?;
            let f = sq_fn("SHAPE", "Broadcast", "squared_difference_f32", squared_difference_f32);
            (Box::new(Binary { op: "SQUARED_DIFFERENCE", params: shape, operands, f }), i)
        }
        _ => {
            let params = quantized_params(cx, dtype, shape)?;
            if dtype == DType::I8 {
                let (operands, i) = Operands::<i8>::lower(cx)?;
                let f = sq_fn("PARAMS", "AddParams", "squared_difference_s8", squared_difference_s8);
                (Box::new(Binary { op: "SQUARED_DIFFERENCE", params, operands, f }), i)
            } else {
                let (operands, i) = Operands::<i16>::lower(cx)?;
                let f = sq_fn("PARAMS", "AddParams", "squared_difference_s16", squared_difference_s16);
                (Box::new(Binary { op: "SQUARED_DIFFERENCE", params, operands, f }), i)
            }
        }
    };
    Ok(Lowered { kernel, inputs, outputs })
}

/// TFLM `PrepareQuantized`: headroom 7 (int8) or 0 (int16), both inputs scaled to
/// `2 * max(scale1, scale2)`, and the square of that over `2^(2 * left_shift) * scale_out`
/// as the output multiplier; no activation (the type's range).
fn quantized_params(cx: &LowerCx, dtype: DType, shape: Broadcast) -> Result<AddParams, CompileError> {
    let (in1, in2, out) = (cx.input(0)?, cx.input(1)?, cx.output(0)?);
    let (s1, zp1) = binary::quant(cx, in1, "input 1")?;
    let (s2, zp2) = binary::quant(cx, in2, "input 2")?;
    let (so, zpo) = binary::quant(cx, out, "output")?;
    let (left_shift, activation_min, activation_max) = if dtype == DType::I8 {
        (7, -128, 127)
    } else {
        if (zp1, zp2, zpo) != (0, 0, 0) {
            return Err(cx.unsupported(format!(
                "int16 SQUARED_DIFFERENCE with zero points {zp1}, {zp2} -> {zpo}; TFLM requires all three to be 0"
            )));
        }
        (0, -32768, 32767)
    };
    let twice_max = 2.0 * s1.max(s2) as f64;
    // `(1 << left_shift * 2) * output_scale` is a float product in TFLM (exact: a power
    // of two), widened to double.
    let real_out = twice_max * twice_max / ((1i32 << (2 * left_shift)) as f32 * so) as f64;
    // QuantizeMultiplierSmallerThanOneExp: s / (2 * max) lies in (0, 1/2].
    let (input1_multiplier, input1_shift) = quantize_multiplier(s1 as f64 / twice_max);
    let (input2_multiplier, input2_shift) = quantize_multiplier(s2 as f64 / twice_max);
    let (output_multiplier, output_shift) = quantize_multiplier(real_out);
    Ok(AddParams {
        left_shift,
        input1_offset: -zp1,
        input1_multiplier,
        input1_shift,
        input2_offset: -zp2,
        input2_multiplier,
        input2_shift,
        output_offset: zpo,
        output_multiplier,
        output_shift,
        activation_min,
        activation_max,
        subtract: true,
        shape,
    })
}

#[cfg(test)]
mod tests {
    use crate::graph::{opcode, DType, Options};
    use crate::ops::testing::{lower_io as lower, tensor_data as tensor};

    #[test]
    fn int16_zero_points_must_be_zero() {
        let q = |name, dtype, shape: &[usize], zp| tensor(name, dtype, shape, Some((0.05, zp)), None);
        let (a, b) = (q("a", DType::I16, &[2, 3], 1), q("b", DType::I16, &[3], 0));
        let e = lower(opcode::SQUARED_DIFFERENCE, vec![a, b], q("out", DType::I16, &[2, 3], 0), Options::None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("TFLM requires all three to be 0"), "{e}");
        let (a, b) = (q("a", DType::I8, &[2, 3], 1), q("b", DType::I8, &[3], -7));
        lower(opcode::SQUARED_DIFFERENCE, vec![a, b], q("out", DType::I8, &[2, 3], -128), Options::None).expect("int8");
    }
}
