//! BATCH_MATMUL on int8, int16 and float32 as TFLM micro's `batch_matmul.cc` prepares it:
//! ranks 2 to 5, batch dimensions broadcast, `adj_x` / `adj_y`, per-tensor quantization with the
//! multiplier of `lhs_scale * rhs_scale / output_scale` (`GetQuantizedConvolutionMultipler`),
//! the type's full output range (no fused activation), int16 with zero points of 0. Either
//! operand may be constant (a flash table); a constant RHS is transposed here, once, to
//! the `[cols][depth]` rows TFLM transposes it into at run time, so the int8 product is
//! a fully connected layer.

use super::binary::{self, ConstElem, Operands};
use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::quantize_multiplier;
use crate::graph::{DType, Options, Tensor};
use crate::kernel::OpIo;
use crate::kernel::{Call, Emitter};
use tinyml_runtime::kernels::fully_connected::{
    batch_matmul_f32, batch_matmul_s16, batch_matmul_s8, BatchMatmulParams, FullyConnectedParams,
    BATCH_MATMUL_BATCH_DIMS,
};

/// A lowered BATCH_MATMUL of element type `T`.
#[derive(Debug)]
pub struct BatchMatmul<T> {
    params: BatchMatmulParams,
    operands: Operands<T>,
}

/// The matrix shape of a BATCH_MATMUL: batch dimensions (extended to three) and rows by
/// columns of each stored matrix.
struct Matrices {
    batch: [usize; BATCH_MATMUL_BATCH_DIMS],
    rows: usize,
    cols: usize,
}

fn matrices(cx: &LowerCx, t: &Tensor, role: &str) -> Result<Matrices, CompileError> {
    let rank = t.shape.len();
    if !(2..=BATCH_MATMUL_BATCH_DIMS + 2).contains(&rank) {
        return Err(cx.unsupported(format!(
            "{role} '{}' has shape {:?}; TFLM's BATCH_MATMUL takes ranks 2 to 5",
            t.name, t.shape
        )));
    }
    let mut batch = [1; BATCH_MATMUL_BATCH_DIMS];
    batch[BATCH_MATMUL_BATCH_DIMS + 2 - rank..].copy_from_slice(&t.shape[..rank - 2]);
    Ok(Matrices { batch, rows: t.shape[rank - 2], cols: t.shape[rank - 1] })
}

/// Elements between matrices along each batch dimension; 0 where the dimension is 1 and
/// so broadcast (`batch_matmul::extent`).
fn batch_strides(m: &Matrices) -> [usize; BATCH_MATMUL_BATCH_DIMS] {
    let mut strides = [0; BATCH_MATMUL_BATCH_DIMS];
    let mut step = m.rows * m.cols;
    for k in (0..BATCH_MATMUL_BATCH_DIMS).rev() {
        strides[k] = if m.batch[k] == 1 { 0 } else { step };
        step *= m.batch[k];
    }
    strides
}

/// Every stored `[rows][cols]` matrix of `data` transposed to `[cols][rows]`.
fn transpose_matrices<T: Copy>(data: &[T], rows: usize, cols: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(data.len());
    for m in data.chunks_exact((rows * cols).max(1)) {
        for c in 0..cols {
            out.extend((0..rows).map(|r| m[r * cols + c]));
        }
    }
    out
}

/// The quantized constants of one matrix product (all 0 for float32).
#[derive(Default)]
struct Quantization {
    input_offset: i32,
    filter_offset: i32,
    output_offset: i32,
    output_multiplier: i32,
    output_shift: i32,
    activation_min: i32,
    activation_max: i32,
}

/// `BatchMatMulPrepare`'s quantized constants of int8 or int16.
fn quantization(cx: &LowerCx, dtype: DType) -> Result<Quantization, CompileError> {
    let (lhs, rhs, output) = (cx.input(0)?, cx.input(1)?, cx.output(0)?);
    // Per-tensor quantization (`GetQuantizedConvolutionMultipler`; per-channel scales
    // are not read by TFLM's BATCH_MATMUL).
    for (t, role) in [(lhs, "LHS"), (rhs, "RHS"), (output, "output")] {
        if t.quant.as_ref().is_some_and(|q| q.scale.len() > 1) {
            return Err(
                cx.unsupported(format!("{role} '{}' is quantized per channel; BATCH_MATMUL is per tensor", t.name))
            );
        }
    }
    let (l_scale, l_zp) = cx.quant_of(lhs, "LHS")?;
    let (r_scale, r_zp) = cx.quant_of(rhs, "RHS")?;
    let (o_scale, o_zp) = cx.quant_of(output, "output")?;
    if dtype == DType::I16 && (l_zp != 0 || r_zp != 0 || o_zp != 0) {
        return Err(cx.unsupported(format!(
            "int16 zero points must be 0, as TFLM requires (LHS {l_zp}, RHS {r_zp}, output {o_zp})"
        )));
    }
    let (output_multiplier, output_shift) = quantize_multiplier((l_scale as f64 * r_scale as f64) / o_scale as f64);
    let (activation_min, activation_max) =
        if dtype == DType::I8 { (i8::MIN as i32, i8::MAX as i32) } else { (i16::MIN as i32, i16::MAX as i32) };
    Ok(Quantization {
        input_offset: -(l_zp as i32),
        filter_offset: -(r_zp as i32),
        output_offset: o_zp as i32,
        output_multiplier,
        output_shift,
        activation_min,
        activation_max,
    })
}

/// Lowers a BATCH_MATMUL operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let dtype = cx.expect_input_type(0, &[DType::I8, DType::I16, DType::F32])?.dtype;
    binary::expect_same_types(cx, dtype)?;
    let (adj_x, adj_y) = match cx.op.options {
        Options::BatchMatMul { adj_x, adj_y } => (adj_x, adj_y),
        _ => (false, false),
    };
    let (lhs, rhs, output) = (cx.input(0)?, cx.input(1)?, cx.output(0)?);
    let (l, r) = (matrices(cx, lhs, "LHS")?, matrices(cx, rhs, "RHS")?);
    // `BatchMatMulPrepare`: batch dimensions broadcast, the accumulation depths agree.
    if l.batch.iter().zip(&r.batch).any(|(&a, &b)| a != b && a != 1 && b != 1) {
        return Err(cx.invalid(format!(
            "batch dimensions of LHS '{}' {:?} and RHS '{}' {:?} do not broadcast",
            lhs.name, lhs.shape, rhs.name, rhs.shape
        )));
    }
    let batch_dims: [usize; BATCH_MATMUL_BATCH_DIMS] = std::array::from_fn(|k| l.batch[k].max(r.batch[k]));
    let (rows, depth) = if adj_x { (l.cols, l.rows) } else { (l.rows, l.cols) };
    let (rhs_depth, cols) = if adj_y { (r.cols, r.rows) } else { (r.rows, r.cols) };
    if depth != rhs_depth {
        return Err(cx.invalid(format!(
            "LHS '{}' {:?} (adj_x {adj_x}) has depth {depth} but RHS '{}' {:?} (adj_y {adj_y}) has {rhs_depth}",
            lhs.name, lhs.shape, rhs.name, rhs.shape
        )));
    }
    let out_rank = lhs.shape.len().max(rhs.shape.len());
    let expected = batch_dims.iter().product::<usize>() * rows * cols;
    if output.elements() != expected || output.shape.len() < out_rank {
        return Err(cx.invalid(format!(
            "output '{}' has shape {:?}; the product of LHS {:?} and RHS {:?} has {expected} elements in {out_rank} dimensions",
            output.name, output.shape, lhs.shape, rhs.shape
        )));
    }
    let quant = if dtype == DType::F32 { Quantization::default() } else { quantization(cx, dtype)? };
    let fc = FullyConnectedParams {
        input_offset: quant.input_offset,
        filter_offset: quant.filter_offset,
        output_offset: quant.output_offset,
        output_multiplier: quant.output_multiplier,
        output_shift: quant.output_shift,
        activation_min: quant.activation_min,
        activation_max: quant.activation_max,
        batches: rows,
        accum_depth: depth,
        output_depth: cols,
    };
    let (lhs_row_stride, lhs_depth_stride) = if adj_x { (1, rows) } else { (depth, 1) };
    let rhs_const = rhs.is_const() && !lhs.is_const();
    // A constant RHS without adj_y is stored [depth][cols]: transposed below to rows.
    let (rhs_col_stride, rhs_depth_stride) = if adj_y || rhs_const { (depth, 1) } else { (1, cols) };
    let params = BatchMatmulParams {
        fc,
        batch_dims,
        lhs_batch_strides: batch_strides(&l),
        rhs_batch_strides: batch_strides(&r),
        lhs_row_stride,
        lhs_depth_stride,
        rhs_col_stride,
        rhs_depth_stride,
    };
    fn make<T: ConstElem + 'static>(
        cx: &LowerCx,
        params: BatchMatmulParams,
        transpose_rhs: Option<(usize, usize)>,
    ) -> Result<(Box<dyn Kernel>, Vec<usize>), CompileError>
    where
        BatchMatmul<T>: Kernel,
    {
        let (operands, inputs) = Operands::<T>::lower(cx)?;
        let operands = match (operands, transpose_rhs) {
            (Operands::Const2(c), Some((rows, cols))) => Operands::Const2(transpose_matrices(&c, rows, cols)),
            (o, _) => o,
        };
        Ok((Box::new(BatchMatmul { params, operands }), inputs))
    }
    let transpose_rhs = (rhs_const && !adj_y).then_some((r.rows, r.cols));
    let (kernel, inputs) = match dtype {
        DType::I8 => make::<i8>(cx, params, transpose_rhs)?,
        DType::I16 => make::<i16>(cx, params, transpose_rhs)?,
        _ => make::<f32>(cx, params, transpose_rhs)?,
    };
    Ok(Lowered { kernel, inputs, outputs: vec![cx.output_id(0)?] })
}

/// The runtime kernel of one element type.
trait MatmulElem: ConstElem {
    const FUNCTION: &'static str;
    fn run(p: &BatchMatmulParams, lhs: &[Self], rhs: &[Self], out: &mut [Self]);
}

impl MatmulElem for i8 {
    const FUNCTION: &'static str = "batch_matmul_s8";
    fn run(p: &BatchMatmulParams, lhs: &[Self], rhs: &[Self], out: &mut [Self]) {
        batch_matmul_s8(p, lhs, rhs, out)
    }
}

impl MatmulElem for i16 {
    const FUNCTION: &'static str = "batch_matmul_s16";
    fn run(p: &BatchMatmulParams, lhs: &[Self], rhs: &[Self], out: &mut [Self]) {
        batch_matmul_s16(p, lhs, rhs, out)
    }
}

impl MatmulElem for f32 {
    const FUNCTION: &'static str = "batch_matmul_f32";
    fn run(p: &BatchMatmulParams, lhs: &[Self], rhs: &[Self], out: &mut [Self]) {
        batch_matmul_f32(p, lhs, rhs, out)
    }
}

impl<T: MatmulElem + 'static> Kernel for BatchMatmul<T> {
    fn op_name(&self) -> &'static str {
        "BATCH_MATMUL"
    }

    fn macs(&self) -> u64 {
        let fc = &self.params.fc;
        (self.params.batch_dims.iter().product::<usize>() * fc.batches * fc.accum_depth * fc.output_depth) as u64
    }

    fn const_bytes(&self) -> usize {
        self.operands.const_bytes()
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        self.operands.run::<T>(io, |lhs, rhs, out| T::run(&self.params, lhs, rhs, out))
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::fully_connected::*");
        let params = e.params("PARAMS", "BatchMatmulParams", &self.params);
        let (lhs, rhs) = self.operands.emit(e);
        Call::new(T::FUNCTION, vec![params, lhs, rhs, crate::kernel::Arg::Output])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::opcode;
    use crate::ops::testing::{lower, refusal, tensor};

    fn graph(d: DType, lhs: &[usize], rhs: &[usize], out: &[usize], zp: i64) -> Vec<Tensor> {
        vec![
            tensor("lhs", lhs, d, Some((0.1, zp))),
            tensor("rhs", rhs, d, Some((0.2, 0))),
            tensor("out", out, d, Some((0.3, 0))),
        ]
    }

    #[test]
    fn lowers_adjoints_and_broadcasts() {
        let adj = |adj_x, adj_y| Options::BatchMatMul { adj_x, adj_y };
        lower(opcode::BATCH_MATMUL, Options::None, graph(DType::I8, &[2, 3, 4], &[4, 5], &[2, 3, 5], 3)).expect("int8");
        lower(opcode::BATCH_MATMUL, adj(true, true), graph(DType::I16, &[4, 3], &[2, 5, 4], &[2, 3, 5], 0))
            .expect("int16");
        lower(opcode::BATCH_MATMUL, adj(false, true), graph(DType::F32, &[3, 4], &[5, 4], &[3, 5], 0))
            .expect("float32");
        let e = refusal(opcode::BATCH_MATMUL, adj(true, false), graph(DType::I8, &[4, 3], &[2, 5, 4], &[2, 3, 4], 0));
        assert!(e.contains("has depth 4 but RHS 'rhs' [2, 5, 4] (adj_y false) has 5"), "{e}");
        let e = refusal(opcode::BATCH_MATMUL, Options::None, graph(DType::I8, &[2, 3, 4], &[3, 4, 5], &[2, 3, 5], 0));
        assert!(e.contains("do not broadcast"), "{e}");
    }

    #[test]
    fn refuses_what_tflm_refuses() {
        // BatchMatMulPrepare: int16 zero points 0; ranks 2 to 5; one type.
        let e = refusal(opcode::BATCH_MATMUL, Options::None, graph(DType::I16, &[3, 4], &[4, 5], &[3, 5], 2));
        assert!(e.contains("int16 zero points must be 0"), "{e}");
        let e = refusal(opcode::BATCH_MATMUL, Options::None, graph(DType::I8, &[4], &[4, 5], &[5], 0));
        assert!(e.contains("ranks 2 to 5"), "{e}");
        let mut mixed = graph(DType::I8, &[3, 4], &[4, 5], &[3, 5], 0);
        mixed[1].dtype = DType::I16;
        assert!(refusal(opcode::BATCH_MATMUL, Options::None, mixed).contains("one type"));
    }

    #[test]
    fn transposes_every_matrix() {
        // Two 2x3 matrices.
        let data = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        assert_eq!(transpose_matrices(&data, 2, 3), [1, 4, 2, 5, 3, 6, 7, 10, 8, 11, 9, 12]);
    }

    #[test]
    fn broadcast_dimensions_do_not_advance() {
        let m = Matrices { batch: [1, 3, 1], rows: 2, cols: 4 };
        assert_eq!(batch_strides(&m), [0, 8, 0]);
        let m = Matrices { batch: [2, 3, 5], rows: 2, cols: 4 };
        assert_eq!(batch_strides(&m), [120, 40, 8]);
    }
}
