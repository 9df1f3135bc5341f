//! SPLIT, SPLIT_V and UNPACK of int8, int16, int32 and float32 tensors: the inverse of a
//! concatenation (TFLM `micro/kernels/split.cc`, `split_v.cc` and `unpack.cc`, whose
//! `SplitImpl`/`UnpackImpl` copy, for each outer index, each output's next block in
//! turn). One kernel, `concatenation::split`, with the concatenation's parameters read
//! for outputs; the axis is constant, as TFLM requires.

use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::{opcode, DType, OpCode, Options};
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::arena::Element;
use tinyml_runtime::kernels::concatenation::{split, ConcatParams, CONCAT_MAX_INPUTS};

/// A lowered SPLIT, SPLIT_V or UNPACK.
#[derive(Debug)]
pub struct Split {
    op: &'static str,
    params: ConcatParams,
    dtype: DType,
}

/// The constant axis in input `k` (its first value), resolved against `rank`.
fn const_axis(cx: &LowerCx, k: usize, rank: usize) -> Result<usize, CompileError> {
    cx.expect_input_type(k, &[DType::I32])?;
    let values = cx.const_i32(k)?;
    let Some(&axis) = values.first() else {
        return Err(cx.invalid("the axis tensor is empty".to_owned()));
    };
    resolve_axis(cx, axis, rank)
}

fn resolve_axis(cx: &LowerCx, axis: i32, rank: usize) -> Result<usize, CompileError> {
    let k = if axis < 0 { axis + rank as i32 } else { axis };
    if k < 0 || k >= rank as i32 {
        return Err(cx.invalid(format!("axis {axis} is out of range for rank {rank}")));
    }
    Ok(k as usize)
}

/// Lowers a SPLIT (inputs: axis, input), SPLIT_V (input, size_splits, axis) or UNPACK.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let (op, data) = match cx.op.opcode {
        OpCode::Builtin(opcode::SPLIT) => ("SPLIT", 1),
        OpCode::Builtin(opcode::SPLIT_V) => ("SPLIT_V", 0),
        _ => ("UNPACK", 0),
    };
    let input = cx.expect_input_type(data, &[DType::I8, DType::I16, DType::I32, DType::F32])?;
    if input.is_const() {
        return Err(cx.unsupported(format!("input '{}' is constant (fold the {op} into constants)", input.name)));
    }
    let n = cx.op.outputs.len();
    if n == 0 || n > CONCAT_MAX_INPUTS {
        return Err(cx.unsupported(format!("{n} outputs (supported: 1 to {CONCAT_MAX_INPUTS})")));
    }
    let rank = input.shape.len();
    let axis = match (op, &cx.op.options) {
        ("SPLIT", _) => const_axis(cx, 0, rank)?,
        ("SPLIT_V", _) => const_axis(cx, 2, rank)?,
        (_, &Options::Pack { count, axis }) => {
            if count as usize != n {
                return Err(cx.invalid(format!("num is {count} but the operator has {n} outputs")));
            }
            resolve_axis(cx, axis, rank)?
        }
        _ => return Err(cx.invalid("missing UnpackOptions")),
    };
    // Each output's size along the axis (UNPACK: 1, the axis removed).
    let mut sizes = Vec::with_capacity(n);
    for k in 0..n {
        let t = cx.output(k)?;
        let size = if op == "UNPACK" { 1 } else { t.shape.get(axis).copied().unwrap_or(0) };
        let mut expected = input.shape.clone();
        if op == "UNPACK" {
            expected.remove(axis);
        } else {
            expected[axis] = size;
        }
        if t.dtype != input.dtype || t.shape != expected {
            return Err(cx.invalid(format!(
                "output {k} '{}' {} {:?} is not a part of input '{}' {} {:?} along axis {axis}",
                t.name,
                t.dtype.tflite_name(),
                t.shape,
                input.name,
                input.dtype.tflite_name(),
                input.shape
            )));
        }
        sizes.push(size);
    }
    if op == "SPLIT" && sizes.iter().any(|&s| s != sizes[0]) {
        return Err(cx.invalid(format!("SPLIT outputs differ in size along axis {axis}: {sizes:?}")));
    }
    if sizes.iter().sum::<usize>() != input.shape[axis] {
        return Err(cx.invalid(format!(
            "outputs add up to {} along axis {axis} but input '{}' has {}",
            sizes.iter().sum::<usize>(),
            input.name,
            input.shape[axis]
        )));
    }
    let inner: usize = input.shape[axis + 1..].iter().product();
    let mut copy = [0usize; CONCAT_MAX_INPUTS];
    for (c, s) in copy.iter_mut().zip(&sizes) {
        *c = s * inner;
    }
    let params = ConcatParams { outer: input.shape[..axis].iter().product(), inputs: n, copy };
    let outputs = (0..n).map(|k| cx.output_id(k)).collect::<Result<_, _>>()?;
    let kernel = Split { op, params, dtype: input.dtype };
    Ok(Lowered { kernel: Box::new(kernel), inputs: vec![cx.input_id(data)?], outputs })
}

impl Split {
    fn run<T: Element>(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        let mut v = io.views();
        let input = v.input::<T>(0)?;
        let mut outputs = Vec::with_capacity(self.params.inputs);
        for k in 0..self.params.inputs {
            outputs.push(v.output::<T>(k)?);
        }
        split(&self.params, input, &mut outputs);
        Ok(())
    }
}

impl Kernel for Split {
    fn op_name(&self) -> &'static str {
        self.op
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        // Elements are moved, not computed on: only their width matters.
        match self.dtype.size() {
            1 => self.run::<u8>(io),
            2 => self.run::<u16>(io),
            _ => self.run::<u32>(io),
        }
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::concatenation::*");
        let params = e.params("PARAMS", "ConcatParams", &self.params);
        let outputs = Arg::List((0..self.params.inputs).map(Arg::NthOutput).collect());
        Call::new("split", vec![params, Arg::Input(0), outputs]).with_types(&[self.dtype])
    }
}
