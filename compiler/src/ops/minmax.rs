//! MINIMUM and MAXIMUM: int8, int16, int32 and float32 with numpy broadcasting up to 6
//! dimensions; a constant operand is folded into a flash table. TFLM micro
//! (`maximum_minimum.cc`) compares stored values without requantization and has no
//! Prepare step, so there are no parameters beyond the broadcast shape.

use super::binary::{self, Binary, BinaryFn, ConstElem, Operands};
use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::{opcode, DType, OpCode};
use tinyml_runtime::kernels::broadcast::Broadcast;
use tinyml_runtime::kernels::minmax::{maximum, minimum};

/// Lowers a MINIMUM or MAXIMUM operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let is_max = cx.op.opcode == OpCode::Builtin(opcode::MAXIMUM);
    let dtype = cx.expect_input_type(0, &[DType::I8, DType::I16, DType::I32, DType::F32])?.dtype;
    binary::expect_same_types(cx, dtype)?;
    let shape = binary::broadcast(cx)?;
    let output = cx.output_id(0)?;
    fn make<T: ConstElem + PartialOrd + 'static>(
        cx: &LowerCx,
        is_max: bool,
        shape: Broadcast,
    ) -> Result<(Box<dyn Kernel>, Vec<usize>), CompileError> {
        let (operands, inputs) = Operands::<T>::lower(cx)?;
        let (op, function, run) = if is_max {
            ("MAXIMUM", "maximum", maximum::<T> as fn(&_, &_, &_, &mut _))
        } else {
            ("MINIMUM", "minimum", minimum::<T> as fn(&_, &_, &_, &mut _))
        };
        let f = BinaryFn {
            module: "minmax",
            params_name: "SHAPE",
            params_ty: "Broadcast",
            function,
            generic: true,
            run,
            macs: |_| 0,
            in_place: |_| false,
        };
        Ok((Box::new(Binary { op, params: shape, operands, f }), inputs))
    }
    let (kernel, inputs) = match dtype {
        DType::I8 => make::<i8>(cx, is_max, shape)?,
        DType::I16 => make::<i16>(cx, is_max, shape)?,
        DType::I32 => make::<i32>(cx, is_max, shape)?,
        _ => make::<f32>(cx, is_max, shape)?,
    };
    Ok(Lowered { kernel, inputs, outputs: vec![output] })
}
