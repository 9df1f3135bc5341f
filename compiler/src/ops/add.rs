//! ADD and SUB: int8 and int16 with TFLM's general rescaling, int32 unquantized; numpy
//! broadcasting up to 6 dimensions; a constant operand is folded into a flash table.
//! Prepare logic from TFLM `add_common.cc` (`CalculateOpDataAdd`) and `sub_common.cc`
//! (`CalculateOpDataSub`).

use super::binary::{self, Binary, BinaryFn, Operands};
use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::{activation_range, quantize_multiplier};
use crate::graph::{Activation, DType, Options};
use crate::kernel::{Arg, Call, Emitter, OpIo};
use tinyml_runtime::kernels::add::{
    add_i32, add_s16, add_s8, add_s8_pack, AddI32Params, AddParams, ADD_S8_PACKED_WORDS,
};

/// The runtime function of ADD and SUB for element `T`.
fn add_fn<P, T>(
    params_ty: &'static str,
    function: &'static str,
    run: fn(&P, &[T], &[T], &mut [T]),
    in_place: fn(&P) -> bool,
) -> BinaryFn<P, T> {
    BinaryFn { module: "add", params_name: "PARAMS", params_ty, function, generic: false, run, macs: |_| 0, in_place }
}

/// Lowers an ADD operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    lower_add_sub(cx, false)
}

/// Lowers a SUB operator.
pub fn lower_sub(cx: &LowerCx) -> Result<Lowered, CompileError> {
    lower_add_sub(cx, true)
}

fn op_name(subtract: bool) -> &'static str {
    if subtract {
        "SUB"
    } else {
        "ADD"
    }
}

fn lower_add_sub(cx: &LowerCx, subtract: bool) -> Result<Lowered, CompileError> {
    let activation = match &cx.op.options {
        Options::Elementwise { activation } => *activation,
        _ => Activation::None,
    };
    let dtype = cx.expect_input_type(0, &[DType::I8, DType::I16, DType::I32])?.dtype;
    binary::expect_same_types(cx, dtype)?;
    let shape = binary::broadcast(cx)?;
    let output = cx.output_id(0)?;
    match dtype {
        DType::I32 => {
            for k in 0..2 {
                let t = cx.input(k)?;
                if t.quant.as_ref().is_some_and(|q| !q.scale.is_empty()) {
                    return Err(cx.unsupported(format!(
                        "int32 input {k} ({}) is quantized; int32 {} is supported unquantized only",
                        cx.tensor_name(cx.input_id(k)?),
                        op_name(subtract)
                    )));
                }
            }
            // TFLM micro's int32 ADD ignores the fused activation (full int32 range).
            let (activation_min, activation_max) = if subtract {
                activation_range(activation, DType::I32, 1.0, 0)
                    .ok_or_else(|| cx.unsupported(format!("fused activation {activation:?}")))?
            } else {
                (i32::MIN, i32::MAX)
            };
            let (operands, inputs) = Operands::<i32>::lower(cx)?;
            let params = AddI32Params { activation_min, activation_max, subtract, shape };
            let f = add_fn("AddI32Params", "add_i32", add_i32, |p| p.shape.elementwise);
            Ok(Lowered {
                kernel: Box::new(Binary { op: op_name(subtract), params, operands, f }),
                inputs,
                outputs: vec![output],
            })
        }
        _ => {
            let (in1, in2, out) = (cx.input(0)?, cx.input(1)?, cx.output(0)?);
            let (s1, zp1) = binary::quant(cx, in1, "input 1")?;
            let (s2, zp2) = binary::quant(cx, in2, "input 2")?;
            let (so, zpo) = binary::quant(cx, out, "output")?;
            let left_shift = if dtype == DType::I16 { 15 } else { 20 };
            // ADD computes the real multipliers in double, SUB in float (as TFLM does).
            let (real1, real2, real_out) = if subtract {
                let twice_max = 2.0 * s1.max(s2);
                ((s1 / twice_max) as f64, (s2 / twice_max) as f64, (twice_max / ((1 << left_shift) as f32 * so)) as f64)
            } else {
                let twice_max = 2.0 * s1.max(s2) as f64;
                (s1 as f64 / twice_max, s2 as f64 / twice_max, twice_max / ((1 << left_shift) as f64 * so as f64))
            };
            // TFLM QuantizeMultiplierSmallerThanOneExp: all three must be in (0, 1).
            let smaller_than_one = |real: f64, what: &str| -> Result<(i32, i32), CompileError> {
                if !(real > 0.0 && real < 1.0) {
                    return Err(cx.unsupported(format!(
                        "{what} multiplier {real} (from scales {s1}, {s2} -> {so}) is not in (0, 1); \
                         the output scale is too small for the {} rescaling",
                        op_name(subtract)
                    )));
                }
                Ok(quantize_multiplier(real))
            };
            let (input1_multiplier, input1_shift) = smaller_than_one(real1, "input 1")?;
            let (input2_multiplier, input2_shift) = smaller_than_one(real2, "input 2")?;
            let (output_multiplier, output_shift) = smaller_than_one(real_out, "output")?;
            let (activation_min, activation_max) = activation_range(activation, dtype, so, zpo as i64)
                .ok_or_else(|| cx.unsupported(format!("fused activation {activation:?}")))?;
            let params = AddParams {
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
                subtract,
                shape,
            };
            let op = op_name(subtract);
            let (kernel, inputs): (Box<dyn Kernel>, _) = if dtype == DType::I8 {
                let (operands, i) = Operands::<i8>::lower(cx)?;
                (Box::new(AddS8::new(op, params, operands)), i)
            } else {
                let (operands, i) = Operands::<i16>::lower(cx)?;
                (
                    Box::new(Binary {
                        op,
                        params,
                        operands,
                        f: add_fn("AddParams", "add_s16", add_s16, |p| p.shape.elementwise),
                    }),
                    i,
                )
            };
            Ok(Lowered { kernel, inputs, outputs: vec![output] })
        }
    }
}

/// An int8 ADD or SUB: the parameters of the reference arithmetic and, when one exists,
/// the two-table form of it ([`add_s8_pack`], exact for every pair of input bytes),
/// emitted as a packed table for the optimized kernel.
#[derive(Debug)]
struct AddS8 {
    op: &'static str,
    params: AddParams,
    operands: Operands<i8>,
    packed: Vec<i32>,
}

impl AddS8 {
    fn new(op: &'static str, params: AddParams, operands: Operands<i8>) -> Self {
        let mut packed = vec![0; ADD_S8_PACKED_WORDS];
        let words = add_s8_pack(&params, &mut packed);
        packed.truncate(words);
        AddS8 { op, params, operands, packed }
    }
}

impl Kernel for AddS8 {
    fn op_name(&self) -> &'static str {
        self.op
    }

    fn const_bytes(&self) -> usize {
        self.operands.const_bytes() + 4 * self.packed.len()
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        self.operands.run(io, |a, b, out| add_s8(&self.params, a, b, &self.packed, out))
    }

    fn in_place_inputs(&self) -> Vec<usize> {
        if self.params.shape.elementwise {
            self.operands.arena_inputs()
        } else {
            Vec::new()
        }
    }

    fn emit_in_place(&self, e: &mut Emitter, k: usize) -> Call {
        let call = self.emit(e);
        self.operands.in_place_call(e, call, k)
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::add::*");
        e.use_path("tinyml_runtime::kernels::broadcast::Broadcast");
        let params = e.params("PARAMS", "AddParams", &self.params);
        let (a, b) = self.operands.emit(e);
        let packed = e.packed_or_none("TABLE", &self.packed);
        Call::new("add_s8", vec![params, a, b, packed, Arg::Output])
    }
}
