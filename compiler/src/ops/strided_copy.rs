//! The operators the runtime's one strided copy serves (`kernels::strided_copy`): SLICE
//! (`slice.rs`), STRIDED_SLICE (`strided_slice.rs`), TRANSPOSE (`transpose.rs`),
//! BROADCAST_TO (`broadcast_to.rs`), and here FILL and ZEROS_LIKE, which repeat one element (every input stride 0). What they share
//! lives here: the kernel, shapes extended to five dimensions, constant index vectors.

use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::{DType, Tensor};
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter, TableData};
use tinyml_runtime::arena::Element;
use tinyml_runtime::kernels::strided_copy::{strided_copy, StridedCopyParams, COPY_MAX_DIMS};

/// A lowered strided copy.
#[derive(Debug)]
pub struct StridedCopy {
    op: &'static str,
    params: StridedCopyParams,
    dtype: DType,
    /// The one element copied when the source is a constant (FILL of a constant value,
    /// ZEROS_LIKE), little-endian; `None` when it is arena input 0.
    constant: Option<Vec<u8>>,
}

/// The element types the copy moves (by width; BOOL as a byte).
pub(super) const COPY_TYPES: &[DType] = &[DType::I8, DType::I16, DType::I32, DType::F32, DType::Bool];

impl StridedCopy {
    /// The lowering of `op` copying from arena input `source` (or from `constant`).
    pub(super) fn lowered(
        cx: &LowerCx,
        op: &'static str,
        params: StridedCopyParams,
        source: Option<usize>,
        constant: Option<Vec<u8>>,
    ) -> Result<Lowered, CompileError> {
        let output = cx.output(0)?;
        let inputs = match source {
            Some(k) => vec![cx.input_id(k)?],
            None => Vec::new(),
        };
        let kernel = StridedCopy { op, params, dtype: output.dtype, constant };
        Ok(Lowered { kernel: Box::new(kernel), inputs, outputs: vec![cx.output_id(0)?] })
    }

    fn run<T: Element>(&self, io: &mut OpIo<'_>, from: fn(&[u8]) -> T) -> Result<(), tinyml_runtime::Error> {
        let p = &self.params;
        match &self.constant {
            Some(bytes) => {
                let value = [from(bytes)];
                let (_, output) = io.io_n::<T, T>()?;
                strided_copy(p, &value, output);
                Ok(())
            }
            None => io.run1::<T, T>(|i, o| strided_copy(p, i, o)),
        }
    }
}

impl Kernel for StridedCopy {
    fn op_name(&self) -> &'static str {
        self.op
    }

    fn const_bytes(&self) -> usize {
        self.constant.as_ref().map_or(0, Vec::len)
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        // Elements are moved, not computed on: only their width matters.
        match self.dtype.size() {
            1 => self.run::<u8>(io, |b| b[0]),
            2 => self.run::<u16>(io, |b| u16::from_le_bytes([b[0], b[1]])),
            _ => self.run::<u32>(io, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        }
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::strided_copy::*");
        let params = e.params("PARAMS", "StridedCopyParams", &self.params);
        let source = match &self.constant {
            None => Arg::Input(0),
            Some(b) => {
                let values = match self.dtype {
                    DType::F32 => TableData::F32(vec![f32::from_le_bytes([b[0], b[1], b[2], b[3]])]),
                    DType::I8 => TableData::Int(vec![b[0] as i8 as i64]),
                    DType::I16 => TableData::Int(vec![i16::from_le_bytes([b[0], b[1]]) as i64]),
                    DType::I32 => TableData::Int(vec![i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64]),
                    _ => TableData::Int(vec![b[0] as i64]),
                };
                e.table_of("VALUE", self.dtype, values)
            }
        };
        Call::new("strided_copy", vec![params, source, Arg::Output]).with_types(&[self.dtype])
    }
}

/// `shape` extended with 1s at the front to five dimensions.
pub(super) fn extend(shape: &[usize]) -> [usize; COPY_MAX_DIMS] {
    let mut dims = [1usize; COPY_MAX_DIMS];
    dims[COPY_MAX_DIMS - shape.len()..].copy_from_slice(shape);
    dims
}

/// Row-major element strides of `shape`.
pub(super) fn row_strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1usize; shape.len()];
    for k in (0..shape.len().saturating_sub(1)).rev() {
        strides[k] = strides[k + 1] * shape[k + 1];
    }
    strides
}

/// Per-dimension input strides extended at the front with 0s (those dimensions have size
/// 1). Tensors the copy moves are far below 2^31 elements (the arena is addressed in i32).
pub(super) fn extend_strides(strides: &[usize]) -> [i32; COPY_MAX_DIMS] {
    let mut out = [0i32; COPY_MAX_DIMS];
    for (o, &s) in out[COPY_MAX_DIMS - strides.len()..].iter_mut().zip(strides) {
        *o = s as i32;
    }
    out
}

/// Checks that input `k` and output 0 have one type among `dtypes` and that `t`'s rank
/// is 1 to 5 (`role` names it).
pub(super) fn check_types_and_rank(
    cx: &LowerCx,
    k: usize,
    dtypes: &[DType],
    t: &Tensor,
    role: &str,
) -> Result<(), CompileError> {
    same_type_as_output(cx, cx.expect_input_type(k, dtypes)?)?;
    if t.shape.is_empty() || t.shape.len() > COPY_MAX_DIMS {
        return Err(cx.unsupported(format!("{role} '{}' has shape {:?}; supported ranks: 1 to 5", t.name, t.shape)));
    }
    if t.elements() > i32::MAX as usize {
        return Err(cx.unsupported(format!("{role} '{}' {:?} is too large", t.name, t.shape)));
    }
    Ok(())
}

/// Checks that `input` has output 0's element type (these operators copy elements).
pub(super) fn same_type_as_output(cx: &LowerCx, input: &Tensor) -> Result<(), CompileError> {
    let output = cx.output(0)?;
    if output.dtype != input.dtype {
        return Err(cx.unsupported(format!(
            "input '{}' is {} but output '{}' is {}; they must match",
            input.name,
            input.dtype.tflite_name(),
            output.name,
            output.dtype.tflite_name()
        )));
    }
    Ok(())
}

/// The values of constant input `k`, a 1-D INT32 or INT64 vector of `len` values
/// (`what` names it in errors).
pub(super) fn index_vector(cx: &LowerCx, k: usize, len: usize, what: &str) -> Result<Vec<i64>, CompileError> {
    let t = cx.expect_input_type(k, &[DType::I32, DType::I64])?;
    let Some(bytes) = t.data.as_deref() else {
        return Err(cx.unsupported(format!("{what} '{}' is not constant; only constant {what} is supported", t.name)));
    };
    if t.shape.len() != 1 || t.shape[0] != len || bytes.len() != t.bytes() {
        return Err(cx.invalid(format!("{what} '{}' has shape {:?}; expected [{len}]", t.name, t.shape)));
    }
    Ok(match t.dtype {
        DType::I32 => bytes.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64).collect(),
        _ => bytes.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect(),
    })
}

/// Checks that the output has `shape` (`what` says where the shape comes from).
pub(super) fn check_output_shape(cx: &LowerCx, shape: &[usize], what: &str) -> Result<(), CompileError> {
    let output = cx.output(0)?;
    if output.shape != shape {
        return Err(
            cx.invalid(format!("output '{}' has shape {:?}, but {what} is {shape:?}", output.name, output.shape))
        );
    }
    Ok(())
}

/// Lowers a FILL operator: the scalar value (input 1) repeated over the output, whose
/// shape the model fixes; a constant dims input (0) must match it, as TFLM's Prepare
/// checks (`EnsureEq`).
pub fn lower_fill(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let output = cx.output(0)?;
    check_types_and_rank(cx, 1, &[DType::I8, DType::I32, DType::F32], output, "output")?;
    let value = cx.input(1)?;
    if !value.shape.is_empty() {
        return Err(cx.invalid(format!("value '{}' has shape {:?}; it must be a scalar", value.name, value.shape)));
    }
    let dims = cx.input(0)?;
    if dims.is_const() {
        let expected: Vec<i64> = output.shape.iter().map(|&d| d as i64).collect();
        let found = match dims.dtype {
            DType::I32 | DType::I64 => index_vector(cx, 0, output.shape.len(), "dims")?,
            _ => {
                return Err(cx.unsupported(format!(
                    "dims '{}' of type {}; supported: INT32, INT64",
                    dims.name,
                    dims.dtype.tflite_name()
                )))
            }
        };
        if found != expected {
            return Err(cx.invalid(format!(
                "dims '{}' holds {found:?} but output '{}' has shape {:?}",
                dims.name, output.name, output.shape
            )));
        }
    }
    let params = StridedCopyParams { output_dims: extend(&output.shape), input_strides: [0; COPY_MAX_DIMS], offset: 0 };
    match &value.data {
        Some(bytes) if bytes.len() == value.dtype.size() => {
            StridedCopy::lowered(cx, "FILL", params, None, Some(bytes.clone()))
        }
        Some(_) => Err(cx.invalid(format!("value '{}' does not hold one element", value.name))),
        None => StridedCopy::lowered(cx, "FILL", params, Some(1), None),
    }
}

/// Lowers a ZEROS_LIKE operator: zeros (0, not the zero point, as TFLM writes) of the
/// input's type and size. The input itself is never read.
pub fn lower_zeros_like(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let input = cx.input(0)?;
    let output = cx.output(0)?;
    check_types_and_rank(cx, 0, &[DType::I8, DType::I32, DType::F32], output, "output")?;
    if input.elements() != output.elements() {
        return Err(cx.invalid(format!(
            "input '{}' {:?} and output '{}' {:?} differ in size",
            input.name, input.shape, output.name, output.shape
        )));
    }
    let params = StridedCopyParams { output_dims: extend(&output.shape), input_strides: [0; COPY_MAX_DIMS], offset: 0 };
    StridedCopy::lowered(cx, "ZEROS_LIKE", params, None, Some(vec![0; output.dtype.size()]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extends_shapes_and_strides() {
        assert_eq!(extend(&[3, 4]), [1, 1, 1, 3, 4]);
        assert_eq!(row_strides(&[2, 3, 4]), vec![12, 4, 1]);
        assert_eq!(extend_strides(&[4, 1]), [0, 0, 0, 4, 1]);
    }
}
