//! Shared lowering of binary elementwise operators (ADD, SUB, MUL, MINIMUM, MAXIMUM):
//! broadcasting of the two input shapes to the output, and constant operands folded into
//! the kernel as flash tables so that only arena tensors are planned.

use super::LowerCx;
use crate::error::CompileError;
use crate::graph::{DType, Tensor, TensorId};
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter, Kernel, TableElem};
use tinyml_runtime::arena::Element;
use tinyml_runtime::kernels::broadcast::{Broadcast, MAX_DIMS};

/// An element type a constant operand can have: decodable from the file's little-endian
/// bytes and printable into a generated table.
pub trait ConstElem: TableElem + Element + std::fmt::Display + std::fmt::Debug + Send + Sync {
    /// Decodes one element from `size_of::<Self>()` little-endian bytes.
    fn from_le(bytes: &[u8]) -> Self;
}

impl ConstElem for i8 {
    fn from_le(b: &[u8]) -> Self {
        b[0] as i8
    }
}

impl ConstElem for i16 {
    fn from_le(b: &[u8]) -> Self {
        i16::from_le_bytes([b[0], b[1]])
    }
}

impl ConstElem for i32 {
    fn from_le(b: &[u8]) -> Self {
        i32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
}

impl ConstElem for f32 {
    fn from_le(b: &[u8]) -> Self {
        f32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
}

/// Where the two operands of a binary kernel come from.
#[derive(Debug)]
pub enum Operands<T> {
    /// Both are arena tensors (`in0`, `in1`).
    Arena,
    /// Input 1 is this constant; input 2 is arena tensor `in0`.
    Const1(Vec<T>),
    /// Input 1 is arena tensor `in0`; input 2 is this constant.
    Const2(Vec<T>),
}

impl<T: ConstElem> Operands<T> {
    /// Classifies inputs 0 and 1 of the operator, decoding constant data, and returns the
    /// arena tensors the kernel reads (for [`super::Lowered::inputs`]).
    pub fn lower(cx: &LowerCx) -> Result<(Self, Vec<TensorId>), CompileError> {
        let (id1, id2) = (cx.input_id(0)?, cx.input_id(1)?);
        let (t1, t2) = (cx.input(0)?, cx.input(1)?);
        match (t1.is_const(), t2.is_const()) {
            (false, false) => Ok((Operands::Arena, vec![id1, id2])),
            (true, false) => Ok((Operands::Const1(decode(cx, t1, id1)?), vec![id2])),
            (false, true) => Ok((Operands::Const2(decode(cx, t2, id2)?), vec![id1])),
            (true, true) => Err(cx.unsupported(format!(
                "both inputs ({} and {}) are constant; fold the operator away before conversion",
                cx.tensor_name(id1),
                cx.tensor_name(id2)
            ))),
        }
    }

    /// Bytes of constant data kept in flash.
    pub fn const_bytes(&self) -> usize {
        match self {
            Operands::Arena => 0,
            Operands::Const1(v) | Operands::Const2(v) => v.len() * std::mem::size_of::<T>(),
        }
    }

    /// Runs `kernel(in1, in2, out)` on the host with the arena views and constants.
    pub fn run<O: Element>(
        &self,
        io: &mut OpIo<'_>,
        kernel: impl FnOnce(&[T], &[T], &mut [O]),
    ) -> Result<(), tinyml_runtime::Error> {
        match self {
            Operands::Arena => {
                let (a, b, out) = io.io2::<T, O>()?;
                kernel(a, b, out);
            }
            Operands::Const1(c) => {
                let (b, out) = io.io1::<T, O>()?;
                kernel(c, b, out);
            }
            Operands::Const2(c) => {
                let (a, out) = io.io1::<T, O>()?;
                kernel(a, c, out);
            }
        }
        Ok(())
    }

    /// Emits constant tables and returns the arguments for input 1 and input 2.
    /// The arena inputs, by index.
    pub fn arena_inputs(&self) -> Vec<usize> {
        match self {
            Operands::Arena => vec![0, 1],
            Operands::Const1(_) | Operands::Const2(_) => vec![0],
        }
    }

    /// `call` (`f(params, in1, in2, [tables,] out)`, from [`Operands::emit`]) as the
    /// in-place call of the runtime (`f_in_place(params, acc, other, acc_operand,
    /// [tables])`) writing over arena input `k`, which holds operand `acc_operand`.
    pub fn in_place_call(&self, e: &mut Emitter, mut call: Call, k: usize) -> Call {
        e.use_path("tinyml_runtime::kernels::in_place::*");
        let operand = match self {
            Operands::Arena => k,
            Operands::Const1(_) => 1,
            Operands::Const2(_) => 0,
        };
        let mut args = std::mem::take(&mut call.args).into_iter().filter(|a| *a != Arg::Output);
        let params = args.next().expect("params");
        let operands = [args.next().expect("operand 1"), args.next().expect("operand 2")];
        call.args = vec![params, Arg::State(k), operands[1 - operand].clone(), Arg::Int(operand as i64)];
        call.args.extend(args);
        call.function.push_str("_in_place");
        call
    }

    pub fn emit(&self, e: &mut Emitter) -> (Arg, Arg) {
        match self {
            Operands::Arena => (Arg::Input(0), Arg::Input(1)),
            Operands::Const1(c) => (e.table("INPUT1", c), Arg::Input(0)),
            Operands::Const2(c) => (Arg::Input(0), e.table("INPUT2", c)),
        }
    }
}

fn decode<T: ConstElem>(cx: &LowerCx, t: &Tensor, id: TensorId) -> Result<Vec<T>, CompileError> {
    if t.dtype != T::DTYPE {
        return Err(cx.unsupported(format!(
            "constant {} has type {}, expected {}",
            cx.tensor_name(id),
            t.dtype.tflite_name(),
            T::DTYPE.tflite_name()
        )));
    }
    let data = t.data.as_deref().unwrap_or(&[]);
    let size = std::mem::size_of::<T>();
    if data.len() != t.elements() * size {
        return Err(cx.invalid(format!(
            "constant {} has {} bytes of data for {} elements of {}",
            cx.tensor_name(id),
            data.len(),
            t.elements(),
            t.dtype.tflite_name()
        )));
    }
    Ok(data.chunks_exact(size).map(T::from_le).collect())
}

/// Checks that inputs 0 and 1 and output 0 all have type `dtype`.
pub fn expect_same_types(cx: &LowerCx, dtype: DType) -> Result<(), CompileError> {
    for k in 0..2 {
        let t = cx.input(k)?;
        if t.dtype != dtype {
            return Err(cx.unsupported(format!(
                "input {k} ({}) has type {} but input 0 has {}; both inputs and the output must have one type",
                cx.tensor_name(cx.input_id(k)?),
                t.dtype.tflite_name(),
                dtype.tflite_name()
            )));
        }
    }
    let out = cx.output(0)?;
    if out.dtype != dtype {
        return Err(cx.unsupported(format!(
            "output ({}) has type {} but the inputs have {}",
            cx.tensor_name(cx.output_id(0)?),
            out.dtype.tflite_name(),
            dtype.tflite_name()
        )));
    }
    Ok(())
}

/// Broadcasting of inputs 0 and 1 to output 0, with numpy/TFLite rules: shapes are
/// right-aligned, and each input dimension equals the output's or is 1.
pub fn broadcast(cx: &LowerCx) -> Result<Broadcast, CompileError> {
    let (a, b, out) = (cx.input(0)?, cx.input(1)?, cx.output(0)?);
    let rank = out.shape.len().max(a.shape.len()).max(b.shape.len());
    if rank > MAX_DIMS {
        return Err(cx.unsupported(format!(
            "broadcasting in {rank} dimensions (shapes {:?}, {:?} -> {:?}); at most {MAX_DIMS} are supported",
            a.shape, b.shape, out.shape
        )));
    }
    let pad = |s: &[usize]| -> [usize; MAX_DIMS] {
        let mut dims = [1; MAX_DIMS];
        dims[MAX_DIMS - s.len()..].copy_from_slice(s);
        dims
    };
    let (da, db, dout) = (pad(&a.shape), pad(&b.shape), pad(&out.shape));
    let mismatch = || {
        cx.invalid(format!(
            "input shapes {:?} and {:?} do not broadcast to the output shape {:?}",
            a.shape, b.shape, out.shape
        ))
    };
    for k in 0..MAX_DIMS {
        let expected = if da[k] == 1 { db[k] } else { da[k] };
        if (da[k] != 1 && db[k] != 1 && da[k] != db[k]) || dout[k] != expected {
            return Err(mismatch());
        }
    }
    if da == dout && db == dout {
        return Ok(Broadcast::elementwise(out.elements()));
    }
    let strides = |d: &[usize; MAX_DIMS]| -> [usize; MAX_DIMS] {
        let mut s = [0; MAX_DIMS];
        let mut step = 1;
        for k in (0..MAX_DIMS).rev() {
            s[k] = if d[k] == 1 { 0 } else { step };
            step *= d[k];
        }
        s
    };
    Ok(Broadcast { out_dims: dout, in1_strides: strides(&da), in2_strides: strides(&db), elementwise: false })
}

/// Checks that the zero point of `t` lies in the range of its integer type (TFLM relies
/// on it for overflow-free 32-bit arithmetic).
pub fn check_zero_point(cx: &LowerCx, t: &Tensor, role: &str, zero_point: i64) -> Result<i32, CompileError> {
    let (lo, hi) = match t.dtype {
        DType::I8 => (-128, 127),
        DType::U8 => (0, 255),
        DType::I16 => (-32768, 32767),
        _ => (i32::MIN as i64, i32::MAX as i64),
    };
    if !(lo..=hi).contains(&zero_point) {
        return Err(cx.invalid(format!(
            "{role} tensor '{}' has zero point {zero_point}, outside the {} range",
            t.name,
            t.dtype.tflite_name()
        )));
    }
    Ok(zero_point as i32)
}

/// Checks that a scale is finite and positive.
pub fn check_scale(cx: &LowerCx, t: &Tensor, role: &str, scale: f32) -> Result<f32, CompileError> {
    if !(scale.is_finite() && scale > 0.0) {
        return Err(cx.invalid(format!("{role} tensor '{}' has scale {scale}; it must be positive and finite", t.name)));
    }
    Ok(scale)
}

/// Per-tensor scale and zero point of `t`, both checked.
pub fn quant(cx: &LowerCx, t: &Tensor, role: &str) -> Result<(f32, i32), CompileError> {
    let (scale, zp) = cx.quant_of(t, role)?;
    Ok((check_scale(cx, t, role, scale)?, check_zero_point(cx, t, role, zp)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Graph, OpCode, Operator, Options};

    fn tensor(shape: &[usize]) -> Tensor {
        Tensor {
            name: String::new(),
            shape: shape.to_vec(),
            dtype: DType::I8,
            quant: None,
            data: None,
            is_variable: false,
        }
    }

    fn shapes(a: &[usize], b: &[usize], out: &[usize]) -> Result<Broadcast, CompileError> {
        let graph = Graph { tensors: vec![tensor(a), tensor(b), tensor(out)], ..Default::default() };
        let op = Operator {
            index: 0,
            opcode: OpCode::Builtin(0),
            inputs: vec![Some(0), Some(1)],
            outputs: vec![2],
            options: Options::None,
            custom_options: vec![],
        };
        broadcast(&LowerCx { graph: &graph, op: &op })
    }

    #[test]
    fn same_shapes_are_elementwise() {
        assert_eq!(shapes(&[2, 3], &[2, 3], &[2, 3]).unwrap(), Broadcast::elementwise(6));
        // Leading ones do not matter.
        assert_eq!(shapes(&[1, 2, 3], &[2, 3], &[2, 3]).unwrap(), Broadcast::elementwise(6));
    }

    #[test]
    fn row_and_scalar_broadcast() {
        let b = shapes(&[1, 4, 4, 8], &[8], &[1, 4, 4, 8]).unwrap();
        assert_eq!(b.out_dims, [1, 1, 1, 4, 4, 8]);
        assert_eq!(b.in1_strides, [0, 0, 0, 32, 8, 1]);
        assert_eq!(b.in2_strides, [0, 0, 0, 0, 0, 1]);
        let b = shapes(&[3, 1], &[1, 5], &[3, 5]).unwrap();
        assert_eq!(b.in1_strides[4..], [1, 0]);
        assert_eq!(b.in2_strides[4..], [0, 1]);
        let b = shapes(&[2, 3], &[], &[2, 3]).unwrap();
        assert_eq!(b.in2_strides, [0; 6]);
    }

    #[test]
    fn mismatches_are_errors() {
        assert!(shapes(&[2, 3], &[3, 2], &[2, 3]).is_err());
        assert!(shapes(&[2, 1], &[1, 3], &[2, 4]).is_err());
        assert!(shapes(&[1, 1, 1, 1, 1, 1, 2], &[2], &[1, 1, 1, 1, 1, 1, 2]).is_err());
    }
}

/// What tells the two-operand elementwise kernels apart (ADD, SUB, MUL, MINIMUM,
/// MAXIMUM in each element type): the runtime function and how it is emitted.
#[derive(Debug, Clone, Copy)]
pub struct BinaryFn<P, T> {
    /// The runtime module (`add` for `tinyml_runtime::kernels::add`).
    pub module: &'static str,
    /// Suffix of the parameter constant's name (`PARAMS`, `SHAPE`).
    pub params_name: &'static str,
    /// The parameter struct's type name (`AddParams`).
    pub params_ty: &'static str,
    /// The runtime function (`add_s8`, `maximum`).
    pub function: &'static str,
    /// Whether the function is generic over `T` (C appends the element type to its name).
    pub generic: bool,
    /// The runtime function itself, run on the host.
    pub run: fn(&P, &[T], &[T], &mut [T]),
    /// Multiply-accumulates per inference.
    pub macs: fn(&P) -> u64,
    /// Whether the runtime has `<function>_in_place` and these parameters allow it (both
    /// operands of the output's shape).
    pub in_place: fn(&P) -> bool,
}

/// A lowered two-operand elementwise operator over elements of type `T` with parameters
/// `P`: one [`Kernel`] for every such operator and type.
#[derive(Debug)]
pub struct Binary<P, T> {
    /// The TFLite operator name.
    pub op: &'static str,
    /// The kernel's parameters.
    pub params: P,
    /// Where the operands come from.
    pub operands: Operands<T>,
    /// The runtime function.
    pub f: BinaryFn<P, T>,
}

impl<P, T> Kernel for Binary<P, T>
where
    P: std::fmt::Debug + Send + Sync,
    T: ConstElem,
{
    fn op_name(&self) -> &'static str {
        self.op
    }

    fn macs(&self) -> u64 {
        (self.f.macs)(&self.params)
    }

    fn const_bytes(&self) -> usize {
        self.operands.const_bytes()
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        self.operands.run(io, |a, b, out| (self.f.run)(&self.params, a, b, out))
    }

    fn in_place_inputs(&self) -> Vec<usize> {
        if (self.f.in_place)(&self.params) {
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
        e.use_path(&format!("tinyml_runtime::kernels::{}::*", self.f.module));
        e.use_path("tinyml_runtime::kernels::broadcast::Broadcast");
        let params = e.params(self.f.params_name, self.f.params_ty, &self.params);
        let (a, b) = self.operands.emit(e);
        let call = Call::new(self.f.function, vec![params, a, b, Arg::Output]);
        if self.f.generic {
            call.with_inferred_types(&[T::DTYPE])
        } else {
            call
        }
    }
}
