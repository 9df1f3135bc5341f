//! MUL: int8 and int16 requantized by `scale1 * scale2 / output_scale`, int32
//! unquantized; numpy broadcasting up to 6 dimensions; a constant operand is folded into
//! a flash table. Prepare logic from TFLM `mul_common.cc` (`CalculateOpDataMul`).

use super::binary::{self, Operands};
use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::{activation_range, quantize_multiplier};
use crate::graph::{Activation, DType, Options};
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::mul::{mul_i32, mul_s16, mul_s8, MulI32Params, MulParams};

/// A lowered quantized (int8 or int16) MUL.
#[derive(Debug)]
pub struct MulQuantized {
    params: MulParams,
    operands: OperandsQ,
}

#[derive(Debug)]
enum OperandsQ {
    I8(Operands<i8>),
    I16(Operands<i16>),
}

/// A lowered int32 MUL.
#[derive(Debug)]
pub struct MulInt32 {
    params: MulI32Params,
    operands: Operands<i32>,
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
        return Ok(Lowered { kernel: Box::new(MulInt32 { params, operands }), inputs, output });
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
    let (operands, inputs) = if dtype == DType::I8 {
        let (o, i) = Operands::<i8>::lower(cx)?;
        (OperandsQ::I8(o), i)
    } else {
        let (o, i) = Operands::<i16>::lower(cx)?;
        (OperandsQ::I16(o), i)
    };
    Ok(Lowered { kernel: Box::new(MulQuantized { params, operands }), inputs, output })
}

impl Kernel for MulQuantized {
    fn op_name(&self) -> &'static str {
        "MUL"
    }

    fn macs(&self) -> u64 {
        self.params.shape.out_len() as u64
    }

    fn const_bytes(&self) -> usize {
        match &self.operands {
            OperandsQ::I8(o) => o.const_bytes(),
            OperandsQ::I16(o) => o.const_bytes(),
        }
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        let p = &self.params;
        match &self.operands {
            OperandsQ::I8(o) => o.run(io, |a, b, out| mul_s8(p, a, b, out)),
            OperandsQ::I16(o) => o.run(io, |a, b, out| mul_s16(p, a, b, out)),
        }
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::mul::*");
        e.use_path("tinyml_runtime::kernels::broadcast::Broadcast");
        let params = e.params("PARAMS", "MulParams", &self.params);
        let ((a, b), f) = match &self.operands {
            OperandsQ::I8(o) => (o.emit(e), "mul_s8"),
            OperandsQ::I16(o) => (o.emit(e), "mul_s16"),
        };
        Call::new(f, vec![params, a, b, Arg::Output])
    }
}

impl Kernel for MulInt32 {
    fn op_name(&self) -> &'static str {
        "MUL"
    }

    fn macs(&self) -> u64 {
        self.params.shape.out_len() as u64
    }

    fn const_bytes(&self) -> usize {
        self.operands.const_bytes()
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        self.operands.run(io, |a, b, out| mul_i32(&self.params, a, b, out))
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::mul::*");
        e.use_path("tinyml_runtime::kernels::broadcast::Broadcast");
        let params = e.params("PARAMS", "MulI32Params", &self.params);
        let (a, b) = self.operands.emit(e);
        Call::new("mul_i32", vec![params, a, b, Arg::Output])
    }
}
