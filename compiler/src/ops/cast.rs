//! CAST between int8, int16, int32, uint32 and float32 (and from bool), as TFLM micro
//! `cast.cc` supports: an element-wise C++ `static_cast`, no quantization involved.

use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::DType;
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::cast::cast;

/// Input types TFLM's CAST reads.
const FROM: &[DType] = &[DType::I8, DType::I16, DType::I32, DType::U32, DType::F32, DType::Bool];
/// Output types TFLM's CAST writes.
const TO: &[DType] = &[DType::I8, DType::I16, DType::I32, DType::U32, DType::F32];

/// A lowered CAST.
#[derive(Debug)]
pub struct Cast {
    from: DType,
    to: DType,
}

/// Lowers a CAST operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let input = cx.expect_input_type(0, FROM)?;
    let output = cx.output(0)?;
    if !TO.contains(&output.dtype) {
        return Err(cx.unsupported(format!(
            "output '{}' of type {} (supported: {})",
            output.name,
            output.dtype.tflite_name(),
            TO.iter().map(|d| d.tflite_name()).collect::<Vec<_>>().join(", ")
        )));
    }
    if input.elements() != output.elements() {
        return Err(cx.invalid(format!(
            "input '{}' {:?} and output '{}' {:?} have different element counts",
            input.name, input.shape, output.name, output.shape
        )));
    }
    Ok(Lowered {
        kernel: Box::new(Cast { from: input.dtype, to: output.dtype }),
        inputs: vec![cx.input_id(0)?],
        outputs: vec![cx.output_id(0)?],
    })
}

/// Runs the cast for a known input type over every output type.
macro_rules! cast_from {
    ($io:expr, $from:ty, $to:expr) => {
        match $to {
            DType::I8 => {
                let (i, o) = $io.io1::<$from, i8>()?;
                cast(i, o)
            }
            DType::I16 => {
                let (i, o) = $io.io1::<$from, i16>()?;
                cast(i, o)
            }
            DType::I32 => {
                let (i, o) = $io.io1::<$from, i32>()?;
                cast(i, o)
            }
            DType::U32 => {
                let (i, o) = $io.io1::<$from, u32>()?;
                cast(i, o)
            }
            _ => {
                let (i, o) = $io.io1::<$from, f32>()?;
                cast(i, o)
            }
        }
    };
}

impl Kernel for Cast {
    fn op_name(&self) -> &'static str {
        "CAST"
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        match self.from {
            DType::I8 => cast_from!(io, i8, self.to),
            DType::I16 => cast_from!(io, i16, self.to),
            DType::I32 => cast_from!(io, i32, self.to),
            DType::U32 => cast_from!(io, u32, self.to),
            DType::F32 => cast_from!(io, f32, self.to),
            _ => cast_from!(io, u8, self.to),
        }
        Ok(())
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::cast::cast");
        Call::new("cast", vec![Arg::Input(0), Arg::Output]).with_types(&[self.from, self.to])
    }
}
