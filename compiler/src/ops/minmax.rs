//! MINIMUM and MAXIMUM: int8, int16, int32 and float32 with numpy broadcasting up to 6
//! dimensions; a constant operand is folded into a flash table. TFLM micro
//! (`maximum_minimum.cc`) compares stored values without requantization and has no
//! Prepare step, so there are no parameters beyond the broadcast shape.

use super::binary::{self, ConstElem, Operands};
use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::{opcode, DType, OpCode};
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::broadcast::Broadcast;
use tinyml_runtime::kernels::minmax::{maximum, minimum};

/// A lowered MINIMUM or MAXIMUM over elements of type `T`.
#[derive(Debug)]
pub struct MinMax<T> {
    is_max: bool,
    shape: Broadcast,
    operands: Operands<T>,
}

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
        Ok((Box::new(MinMax { is_max, shape, operands }), inputs))
    }
    let (kernel, inputs) = match dtype {
        DType::I8 => make::<i8>(cx, is_max, shape)?,
        DType::I16 => make::<i16>(cx, is_max, shape)?,
        DType::I32 => make::<i32>(cx, is_max, shape)?,
        _ => make::<f32>(cx, is_max, shape)?,
    };
    Ok(Lowered { kernel, inputs, output })
}

impl<T: ConstElem + PartialOrd> Kernel for MinMax<T> {
    fn op_name(&self) -> &'static str {
        if self.is_max {
            "MAXIMUM"
        } else {
            "MINIMUM"
        }
    }

    fn macs(&self) -> u64 {
        0
    }

    fn const_bytes(&self) -> usize {
        self.operands.const_bytes()
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        let f = if self.is_max { maximum::<T> } else { minimum::<T> };
        self.operands.run(io, |a, b, out| f(&self.shape, a, b, out))
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::minmax::*");
        e.use_path("tinyml_runtime::kernels::broadcast::Broadcast");
        let shape = e.params("SHAPE", "Broadcast", &self.shape);
        let (a, b) = self.operands.emit(e);
        let f = if self.is_max { "maximum" } else { "minimum" };
        Call::new(f, vec![shape, a, b, Arg::Output]).with_inferred_types(&[T::DTYPE])
    }
}
