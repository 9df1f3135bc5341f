//! PRELU: int8 and int16 inputs with int8 alpha, float32; alpha broadcast to the input
//! (numpy rules). Prepare logic from TFLM `prelu_common.cc` (`CalculatePreluParams`,
//! `PreluPrepare`: an int16 output needs an int8 alpha).

use super::binary::{self, Binary, BinaryFn, Operands};
use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::quantize_multiplier;
use crate::graph::DType;
use crate::kernel::{Arg, Call, Emitter, OpIo};
use tinyml_runtime::kernels::broadcast::Broadcast;
use tinyml_runtime::kernels::prelu::{prelu_f32, prelu_s16, prelu_s8, PreluParams};

fn prelu_fn<P, T>(
    params_name: &'static str,
    params_ty: &'static str,
    function: &'static str,
    run: fn(&P, &[T], &[T], &mut [T]),
) -> BinaryFn<P, T> {
    BinaryFn {
        module: "prelu",
        params_name,
        params_ty,
        function,
        generic: false,
        run,
        macs: |_| 0,
        in_place: |_| false,
    }
}

/// Lowers a PRELU operator (input 0 the input, input 1 alpha).
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let input = cx.expect_input_type(0, &[DType::I8, DType::I16, DType::F32])?;
    let dtype = input.dtype;
    let (alpha, out) = (cx.input(1)?, cx.output(0)?);
    let alpha_type = if dtype == DType::F32 { DType::F32 } else { DType::I8 };
    if alpha.dtype != alpha_type || out.dtype != dtype {
        return Err(cx.unsupported(format!(
            "PRELU with input {}, alpha {} and output {} (supported: INT8/INT8/INT8, INT16/INT8/INT16, \
             FLOAT32/FLOAT32/FLOAT32)",
            dtype.tflite_name(),
            alpha.dtype.tflite_name(),
            out.dtype.tflite_name()
        )));
    }
    let shape = binary::broadcast(cx)?;
    let outputs = vec![cx.output_id(0)?];
    if dtype == DType::F32 {
        let (operands, inputs) = Operands::<f32>::lower(cx)?;
        let f = prelu_fn("SHAPE", "Broadcast", "prelu_f32", prelu_f32 as fn(&Broadcast, &_, &_, &mut _));
        return Ok(Lowered { kernel: Box::new(Binary { op: "PRELU", params: shape, operands, f }), inputs, outputs });
    }
    let params = quantized_params(cx, shape)?;
    if dtype == DType::I8 {
        let (operands, inputs) = Operands::<i8>::lower(cx)?;
        let f = prelu_fn("PARAMS", "PreluParams", "prelu_s8", prelu_s8);
        return Ok(Lowered { kernel: Box::new(Binary { op: "PRELU", params, operands, f }), inputs, outputs });
    }
    // int16 input with int8 alpha: the arena holds one element type per step, so alpha
    // (a trained weight in every converted model) must be constant.
    if input.is_const() || !alpha.is_const() {
        return Err(cx.unsupported(format!(
            "int16 PRELU needs an arena input and a constant alpha (input {}, alpha {})",
            cx.tensor_name(cx.input_id(0)?),
            cx.tensor_name(cx.input_id(1)?)
        )));
    }
    let alpha = cx.const_i8(1)?;
    Ok(Lowered { kernel: Box::new(PreluS16 { params, alpha }), inputs: vec![cx.input_id(0)?], outputs })
}

/// TFLM `CalculatePreluParams`: both multipliers in double from the per-tensor scales.
fn quantized_params(cx: &LowerCx, shape: Broadcast) -> Result<PreluParams, CompileError> {
    let (input, alpha, out) = (cx.input(0)?, cx.input(1)?, cx.output(0)?);
    let (si, zpi) = binary::quant(cx, input, "input")?;
    let (sa, zpa) = binary::quant(cx, alpha, "alpha")?;
    let (so, zpo) = binary::quant(cx, out, "output")?;
    let (output_multiplier_1, output_shift_1) = quantize_multiplier(si as f64 / so as f64);
    let (output_multiplier_2, output_shift_2) = quantize_multiplier(si as f64 * sa as f64 / so as f64);
    Ok(PreluParams {
        input_offset: -zpi,
        alpha_offset: -zpa,
        output_offset: zpo,
        output_multiplier_1,
        output_shift_1,
        output_multiplier_2,
        output_shift_2,
        shape,
    })
}

/// An int16 PRELU with its constant int8 alpha as a flash table.
#[derive(Debug)]
struct PreluS16 {
    params: PreluParams,
    alpha: Vec<i8>,
}

impl Kernel for PreluS16 {
    fn op_name(&self) -> &'static str {
        "PRELU"
    }

    fn const_bytes(&self) -> usize {
        self.alpha.len()
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        io.run1(|x, o| prelu_s16(&self.params, x, &self.alpha, o))
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::prelu::*");
        e.use_path("tinyml_runtime::kernels::broadcast::Broadcast");
        let params = e.params("PARAMS", "PreluParams", &self.params);
        let alpha = e.table("ALPHA", &self.alpha);
        Call::new("prelu_s16", vec![params, Arg::Input(0), alpha, Arg::Output])
    }
}

#[cfg(test)]
mod tests {
    use crate::graph::{opcode, DType, Options};
    use crate::ops::testing::{lower_io as lower, tensor_data as tensor};

    #[test]
    fn int8_alpha_for_both_integer_types_and_int16_needs_it_constant() {
        let alpha = |data: Option<Vec<u8>>| tensor("alpha", DType::I8, &[3], Some((0.01, 0)), data);
        let input = |dtype| tensor("in", dtype, &[2, 3], Some((0.05, 0)), None);
        lower(opcode::PRELU, vec![input(DType::I8), alpha(None)], input(DType::I8), Options::None).expect("int8");
        let constant = Some(vec![1, 2, 3]);
        lower(opcode::PRELU, vec![input(DType::I16), alpha(constant)], input(DType::I16), Options::None)
            .expect("int16");
        let e = lower(opcode::PRELU, vec![input(DType::I16), alpha(None)], input(DType::I16), Options::None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("constant alpha"), "{e}");
        let e = lower(opcode::PRELU, vec![input(DType::I16), input(DType::I16)], input(DType::I16), Options::None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("PRELU with input INT16, alpha INT16"), "{e}");
    }
}
