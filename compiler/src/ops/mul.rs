//! MUL: int8 and int16 requantized by `scale1 * scale2 / output_scale`, int32
//! unquantized; numpy broadcasting up to 6 dimensions; a constant operand is folded into
//! a flash table. Prepare logic from TFLM `mul_common.cc` (`CalculateOpDataMul`).

use super::binary::{self, Binary, BinaryFn, Operands};
use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::{activation_range, quantize_multiplier};
use crate::graph::{Activation, DType, Options};
use tinyml_runtime::kernels::mul::{mul_i32, mul_s16, mul_s8, mul_s8_rows, MulI32Params, MulParams};

/// The runtime function of MUL for element `T`; MUL counts one MAC per output element.
fn mul_fn<P: HasShape, T>(
    params_ty: &'static str,
    function: &'static str,
    run: fn(&P, &[T], &[T], &mut [T]),
) -> BinaryFn<P, T> {
    BinaryFn {
        module: "mul",
        params_name: "PARAMS",
        params_ty,
        function,
        generic: false,
        run,
        macs: |p| p.out_len(),
        in_place: |p| p.elementwise(),
    }
}

/// Parameters that carry the broadcast shape.
trait HasShape {
    fn out_len(&self) -> u64;
    fn elementwise(&self) -> bool;
}

impl HasShape for MulParams {
    fn out_len(&self) -> u64 {
        self.shape.out_len() as u64
    }

    fn elementwise(&self) -> bool {
        self.shape.elementwise
    }
}

impl HasShape for MulI32Params {
    fn out_len(&self) -> u64 {
        self.shape.out_len() as u64
    }

    fn elementwise(&self) -> bool {
        self.shape.elementwise
    }
}

/// Lowers a MUL operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let activation = match &cx.op.options {
        Options::Elementwise { activation } => *activation,
        _ => Activation::None,
    };
    let dtype = cx.expect_input_type(0, &[DType::I8, DType::I16, DType::I32])?.dtype;
    binary::expect_same_types(cx, dtype)?;
    let shape = binary::broadcast(cx)?;
    let output = cx.output_id(0)?;
    let unsupported_activation = || cx.unsupported(format!("fused activation {activation:?}"));
    if dtype == DType::I32 {
        // TFLM CalculateActivationRange<int32_t>: the real bounds, unscaled.
        let (activation_min, activation_max) =
            activation_range(activation, DType::I32, 1.0, 0).ok_or_else(unsupported_activation)?;
        let (operands, inputs) = Operands::<i32>::lower(cx)?;
        let params = MulI32Params { activation_min, activation_max, shape };
        let f = mul_fn("MulI32Params", "mul_i32", mul_i32);
        return Ok(Lowered {
            kernel: Box::new(Binary { op: "MUL", params, operands, f }),
            inputs,
            outputs: vec![output],
        });
    }
    let (in1, in2, out) = (cx.input(0)?, cx.input(1)?, cx.output(0)?);
    let (s1, zp1) = binary::quant(cx, in1, "input 1")?;
    let (s2, zp2) = binary::quant(cx, in2, "input 2")?;
    let (so, zpo) = binary::quant(cx, out, "output")?;
    if dtype == DType::I16 && (zp1, zp2, zpo) != (0, 0, 0) {
        return Err(cx.unsupported(format!(
            "int16 MUL with zero points {zp1}, {zp2} -> {zpo}; TFLM requires all three to be 0"
        )));
    }
    let real = s1 as f64 * s2 as f64 / so as f64;
    let (output_multiplier, output_shift) = quantize_multiplier(real);
    let (activation_min, activation_max) =
        activation_range(activation, dtype, so, zpo as i64).ok_or_else(unsupported_activation)?;
    let params = MulParams {
        input1_offset: -zp1,
        input2_offset: -zp2,
        output_offset: zpo,
        output_multiplier,
        output_shift,
        activation_min,
        activation_max,
        shape,
    };
    let (kernel, inputs): (Box<dyn Kernel>, _) = if dtype == DType::I8 {
        let (operands, i) = Operands::<i8>::lower(cx)?;
        // One input repeated as rows of the other: decided here, once, not on every call.
        let f = if shape.repeated_row().is_some() {
            mul_fn("MulParams", "mul_s8_rows", mul_s8_rows)
        } else {
            mul_fn("MulParams", "mul_s8", mul_s8)
        };
        (Box::new(Binary { op: "MUL", params, operands, f }), i)
    } else {
        let (operands, i) = Operands::<i16>::lower(cx)?;
        (Box::new(Binary { op: "MUL", params, operands, f: mul_fn("MulParams", "mul_s16", mul_s16) }), i)
    };
    Ok(Lowered { kernel, inputs, outputs: vec![output] })
}
