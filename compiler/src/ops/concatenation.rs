//! CONCATENATION of int8, int16, int32 and float32 tensors along any axis. Prepare logic
//! from TFLM `micro/kernels/concatenation.cc`: no fused activation, at most ten inputs,
//! and no requantization (TFLM copies bytes), so int8 inputs must share the output's
//! scale and zero point. Constant inputs (the audio front end concatenates constant
//! zeros) become tables in flash.

use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::{Activation, DType, Options};
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter, TableData};
use tinyml_runtime::arena::Element;
use tinyml_runtime::kernels::concatenation::{concatenation, ConcatParams, CONCAT_MAX_INPUTS};

/// Where one input of the concatenation comes from.
#[derive(Debug)]
enum Part {
    /// The k-th arena input of the step.
    Arena(usize),
    /// A constant, as little-endian bytes.
    Const(Vec<u8>),
}

/// A lowered CONCATENATION.
#[derive(Debug)]
pub struct Concatenation {
    op: &'static str,
    params: ConcatParams,
    dtype: DType,
    parts: Vec<Part>,
}

/// Lowers a CONCATENATION operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let Options::Concatenation { axis, activation } = cx.op.options else {
        return Err(cx.invalid("missing ConcatenationOptions"));
    };
    if activation != Activation::None {
        return Err(cx.unsupported(format!("fused activation {activation:?} (TFLM supports NONE only)")));
    }
    let output = cx.output(0)?;
    let dtype = output.dtype;
    if ![DType::I8, DType::I16, DType::I32, DType::F32].contains(&dtype) {
        return Err(cx.unsupported(format!(
            "output '{}' of type {} (supported: INT8, INT16, INT32, FLOAT32)",
            output.name,
            dtype.tflite_name()
        )));
    }
    let n = cx.op.inputs.len();
    if n == 0 || n > CONCAT_MAX_INPUTS {
        return Err(cx.unsupported(format!("{n} inputs (supported: 1 to {CONCAT_MAX_INPUTS})")));
    }
    let rank = output.shape.len();
    let axis_k = if axis < 0 { axis + rank as i32 } else { axis };
    if axis_k < 0 || axis_k >= rank as i32 {
        return Err(cx.invalid(format!("axis {axis} is out of range for output '{}' {:?}", output.name, output.shape)));
    }
    let axis_k = axis_k as usize;
    let outer: usize = output.shape[..axis_k].iter().product();
    let inner: usize = output.shape[axis_k + 1..].iter().product();
    let mut copy = [0usize; CONCAT_MAX_INPUTS];
    let mut axis_total = 0;
    for (k, copy_k) in copy.iter_mut().enumerate().take(n) {
        let t = cx.input(k)?;
        let same_outside_axis =
            t.shape.len() == rank && (0..rank).all(|d| d == axis_k || t.shape[d] == output.shape[d]);
        if t.dtype == dtype && !same_outside_axis {
            return Err(cx.invalid(format!(
                "input {k} '{}' {:?} does not match output '{}' {:?} outside axis {axis_k}",
                t.name, t.shape, output.name, output.shape
            )));
        }
        if t.dtype == dtype && dtype == DType::I8 && cx.quant_of(t, "input")? != cx.quant_of(output, "output")? {
            return Err(cx.unsupported(format!(
                "input {k} '{}' (scale {:?}) and output '{}' (scale {:?}) differ in quantization; TFLM's int8 \
                 CONCATENATION copies bytes and cannot requantize",
                t.name,
                t.scale_zp(),
                output.name,
                output.scale_zp()
            )));
        }
        axis_total += t.shape.get(axis_k).copied().unwrap_or(0);
        *copy_k = t.shape.get(axis_k).copied().unwrap_or(0) * inner;
    }
    if axis_total != output.shape[axis_k] {
        return Err(cx.invalid(format!(
            "inputs add up to {axis_total} along axis {axis_k} but output '{}' has {}",
            output.name, output.shape[axis_k]
        )));
    }
    copy_inputs(cx, "CONCATENATION", ConcatParams { outer, inputs: n, copy })
}

/// The kernel that copies, for each of `p.outer` blocks, `p.copy[k]` elements of each
/// input `k` in turn (CONCATENATION, and PACK, a concatenation along a new axis): checks
/// that every input has the output's type, folds constant inputs into tables.
pub(super) fn copy_inputs(cx: &LowerCx, op: &'static str, params: ConcatParams) -> Result<Lowered, CompileError> {
    let output = cx.output(0)?;
    let dtype = output.dtype;
    let mut parts = Vec::with_capacity(params.inputs);
    let mut arena_inputs = Vec::new();
    for k in 0..params.inputs {
        let id = cx.input_id(k)?;
        let t = cx.input(k)?;
        if t.dtype != dtype {
            return Err(cx.unsupported(format!(
                "input {k} '{}' is {} but output '{}' is {}; they must match",
                t.name,
                t.dtype.tflite_name(),
                output.name,
                dtype.tflite_name()
            )));
        }
        match &t.data {
            Some(bytes) => {
                if dtype == DType::F32 {
                    return Err(cx.unsupported(format!("constant float input {k} '{}'", t.name)));
                }
                if bytes.len() != t.bytes() {
                    return Err(cx.invalid(format!(
                        "constant input {k} '{}' has {} bytes, expected {}",
                        t.name,
                        bytes.len(),
                        t.bytes()
                    )));
                }
                parts.push(Part::Const(bytes.clone()));
            }
            None => {
                parts.push(Part::Arena(arena_inputs.len()));
                arena_inputs.push(id);
            }
        }
    }
    if arena_inputs.is_empty() {
        return Err(cx.unsupported("every input is constant (fold the operator into a constant)".to_owned()));
    }
    Ok(Lowered {
        kernel: Box::new(Concatenation { op, params, dtype, parts }),
        inputs: arena_inputs,
        outputs: vec![cx.output_id(0)?],
    })
}

/// Decodes little-endian constant bytes.
fn decode<T: Element>(bytes: &[u8], from: fn(&[u8]) -> T) -> Vec<T> {
    bytes.chunks_exact(std::mem::size_of::<T>()).map(from).collect()
}

impl Concatenation {
    fn run<T: Element>(&self, io: &mut OpIo<'_>, from: fn(&[u8]) -> T) -> Result<(), tinyml_runtime::Error> {
        let consts: Vec<Option<Vec<T>>> =
            self.parts.iter().map(|p| if let Part::Const(b) = p { Some(decode(b, from)) } else { None }).collect();
        let (arena, output) = io.io_n::<T, T>()?;
        let inputs: Vec<&[T]> = self
            .parts
            .iter()
            .zip(&consts)
            .map(|(p, c)| match (p, c) {
                (Part::Arena(k), _) => arena[*k],
                (_, Some(v)) => v.as_slice(),
                _ => &[],
            })
            .collect();
        concatenation(&self.params, &inputs, output);
        Ok(())
    }
}

impl Kernel for Concatenation {
    fn op_name(&self) -> &'static str {
        self.op
    }

    fn const_bytes(&self) -> usize {
        self.parts.iter().map(|p| if let Part::Const(b) = p { b.len() } else { 0 }).sum()
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        match self.dtype {
            DType::I8 => self.run::<i8>(io, |b| b[0] as i8),
            DType::I16 => self.run::<i16>(io, |b| i16::from_le_bytes([b[0], b[1]])),
            DType::I32 => self.run::<i32>(io, |b| i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            _ => self.run::<f32>(io, |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        }
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::concatenation::*");
        let params = e.params("PARAMS", "ConcatParams", &self.params);
        let mut views = Vec::with_capacity(self.parts.len());
        for (k, p) in self.parts.iter().enumerate() {
            views.push(match p {
                Part::Arena(a) => Arg::Input(*a),
                Part::Const(b) => {
                    // Words of four bytes as i32 for every other type (f32 included: the
                    // table holds the bits, as generated before).
                    let values: Vec<i64> = match self.dtype {
                        DType::I8 => b.iter().map(|&x| x as i8 as i64).collect(),
                        DType::I16 => b.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]]) as i64).collect(),
                        _ => b.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64).collect(),
                    };
                    e.table_of(&format!("CONST{k}"), self.dtype, TableData::Int(values))
                }
            });
        }
        Call::new("concatenation", vec![params, Arg::List(views), Arg::Output]).with_types(&[self.dtype])
    }
}
