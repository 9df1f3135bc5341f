//! MEAN, SUM and REDUCE_MAX over constant axes, either keep_dims. Prepare and Eval logic
//! from TFLM `micro/kernels/reduce_common.cc` (`PrepareMeanOrSumHelper`,
//! `PrepareMaxHelper`, `EvalSumHelper`, `EvalMaxHelper`) and
//! `reference_ops::QuantizedMeanOrSum`, whose run-time folding of `1 / count` into the
//! multiplier is done here once for MEAN. The `tflite_micro` interpreter takes this
//! requantizing path even when input and output share their quantization (older TFLM
//! sources show a plain truncating `Mean` for that case; the oracle cases show it is not
//! used).
//!
//! The three share the axis handling ([`reduce_shape`]); MEAN and SUM share the
//! requantizing kernel, SUM without the folded `1 / count`. TFLM's REDUCE_MAX takes int8
//! (input and output quantized alike) and float32; its SUM int8, int16 and float32.

use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::quantize_multiplier;
use crate::graph::{DType, Tensor};
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::mean::{mean, reduce_max, sum_f32, MeanParams, ReduceShape, MEAN_MAX_DIMS};

/// What a lowered reduction computes.
#[derive(Debug)]
enum Body {
    /// MEAN or SUM, int8 or int16, requantized.
    Quantized { params: MeanParams, int16: bool },
    /// REDUCE_MAX, int8 or float32.
    Max { shape: ReduceShape, float: bool },
    /// The float32 SUM.
    SumF32 { shape: ReduceShape },
}

/// A lowered MEAN, SUM or REDUCE_MAX.
#[derive(Debug)]
pub struct Reduce {
    op: &'static str,
    body: Body,
}

/// `QuantizedMeanOrSum`'s folding of `1 / count` into `(multiplier, shift)`: shift the
/// multiplier left by `floor(log2 count)` (at most 32, and keeping the final shift at or
/// above -31), divide by `count` in 64 bits, and lower the shift to match.
pub(crate) fn fold_count(multiplier: i32, shift: i32, count: usize) -> (i32, i32) {
    let n = count as u64;
    let log2 = 63 - n.leading_zeros() as i32;
    let s = log2.min(32).min(31 + shift).max(0);
    let m = ((multiplier as i64) << s) / count as i64;
    (m as i32, shift - s)
}

/// The reduction of input 0 over the constant axes of input 1 (`reference_ops::ResolveAxis`:
/// negative axes count from the end, duplicates are ignored), with the number of inputs
/// folded into each output. Checks that the output has the reduced element count.
fn reduce_shape(cx: &LowerCx, input: &Tensor, output: &Tensor) -> Result<(ReduceShape, usize), CompileError> {
    let axis_t = cx.expect_input_type(1, &[DType::I32])?;
    if output.dtype != input.dtype {
        return Err(cx.unsupported(format!(
            "input '{}' is {} but output '{}' is {}; they must match",
            input.name,
            input.dtype.tflite_name(),
            output.name,
            output.dtype.tflite_name()
        )));
    }
    let rank = input.shape.len();
    if rank == 0 || rank > MEAN_MAX_DIMS {
        return Err(cx.unsupported(format!(
            "input '{}' has shape {:?}; {} supports ranks 1 to {MEAN_MAX_DIMS}",
            input.name,
            input.shape,
            cx.op.opcode.name()
        )));
    }
    if input.elements() == 0 {
        return Err(cx.unsupported(format!("input '{}' is empty", input.name)));
    }
    let lead = MEAN_MAX_DIMS - rank;
    let mut reduced = [false; MEAN_MAX_DIMS];
    for a in cx.const_i32(1)? {
        let k = if a < 0 { a + rank as i32 } else { a };
        if k < 0 || k >= rank as i32 {
            return Err(cx.invalid(format!("axis {a} in '{}' is out of range for rank {rank}", axis_t.name)));
        }
        reduced[lead + k as usize] = true;
    }
    let mut input_dims = [1usize; MEAN_MAX_DIMS];
    input_dims[lead..].copy_from_slice(&input.shape);
    let count: usize = (0..MEAN_MAX_DIMS).filter(|&k| reduced[k]).map(|k| input_dims[k]).product();
    if output.elements() * count != input.elements() {
        return Err(cx.invalid(format!(
            "output '{}' has shape {:?}, but reducing input '{}' {:?} over {count} elements leaves {}",
            output.name,
            output.shape,
            input.name,
            input.shape,
            input.elements() / count
        )));
    }
    Ok((ReduceShape { input_dims, reduced }, count))
}

/// The requantizing MEAN or SUM of int8 or int16 (`PrepareMeanOrSumHelper`): the
/// multiplier of `input_scale / output_scale`, with `1 / count` folded in for MEAN.
fn quantized(cx: &LowerCx, input: &Tensor, output: &Tensor, is_mean: bool) -> Result<Body, CompileError> {
    let (shape, count) = reduce_shape(cx, input, output)?;
    let (in_scale, in_zp) = cx.quant_of(input, "input")?;
    let (out_scale, out_zp) = cx.quant_of(output, "output")?;
    let (m, s) = quantize_multiplier(in_scale as f64 / out_scale as f64);
    let (multiplier, shift) = if is_mean { fold_count(m, s, count) } else { (m, s) };
    let params = MeanParams {
        shape,
        count,
        input_zero_point: in_zp as i32,
        output_zero_point: out_zp as i32,
        multiplier,
        shift,
    };
    Ok(Body::Quantized { params, int16: input.dtype == DType::I16 })
}

fn lowered(cx: &LowerCx, op: &'static str, body: Body) -> Result<Lowered, CompileError> {
    Ok(Lowered {
        kernel: Box::new(Reduce { op, body }),
        inputs: vec![cx.input_id(0)?],
        outputs: vec![cx.output_id(0)?],
    })
}

/// Lowers a MEAN operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let input = cx.expect_input_type(0, &[DType::I8, DType::I16])?;
    let body = quantized(cx, input, cx.output(0)?, true)?;
    lowered(cx, "MEAN", body)
}

/// Lowers a SUM operator (`EvalSumHelper`: int8 and int16 requantized, float32 summed).
pub fn lower_sum(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let input = cx.expect_input_type(0, &[DType::I8, DType::I16, DType::F32])?;
    let output = cx.output(0)?;
    let body = if input.dtype == DType::F32 {
        Body::SumF32 { shape: reduce_shape(cx, input, output)?.0 }
    } else {
        quantized(cx, input, output, false)?
    };
    lowered(cx, "SUM", body)
}

/// Lowers a REDUCE_MAX operator (`EvalMaxHelper`: int8 with one quantization for input
/// and output, float32).
pub fn lower_reduce_max(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let input = cx.expect_input_type(0, &[DType::I8, DType::F32])?;
    let output = cx.output(0)?;
    let (shape, _) = reduce_shape(cx, input, output)?;
    if input.dtype == DType::I8 {
        let (in_scale, in_zp) = cx.quant_of(input, "input")?;
        let (out_scale, out_zp) = cx.quant_of(output, "output")?;
        if in_scale != out_scale || in_zp != out_zp {
            return Err(cx.unsupported(format!(
                "input '{}' (scale {in_scale}, zero point {in_zp}) and output '{}' (scale {out_scale}, \
                 zero point {out_zp}) must share their quantization, as TFLM requires",
                input.name, output.name
            )));
        }
    }
    lowered(cx, "REDUCE_MAX", Body::Max { shape, float: input.dtype == DType::F32 })
}

impl Kernel for Reduce {
    fn op_name(&self) -> &'static str {
        self.op
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        match &self.body {
            Body::Quantized { params, int16: true } => io.run1::<i16, i16>(|i, o| mean(params, i, o)),
            Body::Quantized { params, int16: false } => io.run1::<i8, i8>(|i, o| mean(params, i, o)),
            Body::Max { shape, float: true } => io.run1::<f32, f32>(|i, o| reduce_max(shape, i, o)),
            Body::Max { shape, float: false } => io.run1::<i8, i8>(|i, o| reduce_max(shape, i, o)),
            Body::SumF32 { shape } => io.run1::<f32, f32>(|i, o| sum_f32(shape, i, o)),
        }
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::mean::*");
        let (function, params, dtype) = match &self.body {
            Body::Quantized { params, int16 } => {
                ("mean", e.params("PARAMS", "MeanParams", params), if *int16 { DType::I16 } else { DType::I8 })
            }
            Body::Max { shape, float } => {
                ("reduce_max", e.params("SHAPE", "ReduceShape", shape), if *float { DType::F32 } else { DType::I8 })
            }
            Body::SumF32 { shape } => {
                return Call::new("sum_f32", vec![e.params("SHAPE", "ReduceShape", shape), Arg::Input(0), Arg::Output])
            }
        };
        Call::new(function, vec![params, Arg::Input(0), Arg::Output]).with_types(&[dtype])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{opcode, Options};
    use crate::ops::testing::{const_i32, lower, refusal, tensor};

    const KEEP: Options = Options::Reducer { keep_dims: true };

    #[test]
    fn lowers_each_reduction_on_its_types() {
        let q = |s| Some((s, 0));
        for (code, dtypes) in [
            (opcode::MEAN, &[DType::I8, DType::I16][..]),
            (opcode::SUM, &[DType::I8, DType::I16, DType::F32]),
            (opcode::REDUCE_MAX, &[DType::I8, DType::F32]),
        ] {
            for &d in dtypes {
                let quant = if d == DType::F32 { None } else { q(0.5) };
                let t = vec![
                    tensor("in", &[2, 3, 4], d, quant),
                    const_i32("axes", &[-1, 1]),
                    tensor("out", &[2, 1, 1], d, quant),
                ];
                lower(code, KEEP, t).unwrap_or_else(|e| panic!("{code} {d:?}: {e}"));
            }
        }
    }

    #[test]
    fn refuses_what_tflm_refuses() {
        let t = |d, q_out| {
            vec![
                tensor("in", &[2, 3], d, Some((0.5, 1))),
                const_i32("axes", &[1]),
                tensor("out", &[2, 1], d, Some(q_out)),
            ]
        };
        // EvalMaxHelper: int8 input and output quantized alike; no int16.
        let e = refusal(opcode::REDUCE_MAX, KEEP, t(DType::I8, (0.25, 1)));
        assert!(e.contains("must share their quantization"), "{e}");
        let e = refusal(opcode::REDUCE_MAX, KEEP, t(DType::I16, (0.5, 1)));
        assert!(e.contains("INT16"), "{e}");
        // An axis out of range and an output of the wrong size are malformed models.
        let mut bad = t(DType::I8, (0.5, 1));
        bad[1] = const_i32("axes", &[2]);
        assert!(refusal(opcode::SUM, KEEP, bad).contains("out of range"));
        let mut bad = t(DType::I8, (0.5, 1));
        bad[2].shape = vec![3];
        assert!(refusal(opcode::MEAN, KEEP, bad).contains("leaves 2"));
    }

    #[test]
    fn folding_matches_tflm_arithmetic() {
        // count 4: shift by 2, divide by 4: the multiplier is unchanged, the shift drops 2.
        assert_eq!(fold_count(1 << 30, 1, 4), (1 << 30, -1));
        // count 125 (a 25x5 window): floor(log2 125) = 6; (m << 6) / 125.
        let m = 1_500_000_000i32;
        assert_eq!(fold_count(m, 0, 125), ((((m as i64) << 6) / 125) as i32, -6));
        // A very small shift limits the extra shift to keep shift >= -31.
        assert_eq!(fold_count(1 << 30, -30, 1000).1, -31);
        // count 1: nothing changes.
        assert_eq!(fold_count(12345, -3, 1), (12345, -3));
    }
}
