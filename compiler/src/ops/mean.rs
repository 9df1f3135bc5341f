//! MEAN on int8 and int16 over constant axes, either keep_dims. Prepare and Eval logic
//! from TFLM `micro/kernels/reduce_common.cc` (`PrepareMeanOrSumHelper`) and
//! `reference_ops::QuantizedMeanOrSum`, whose run-time folding of `1 / count` into the
//! multiplier is done here once. The `tflite_micro` interpreter takes this requantizing
//! path even when input and output share their quantization (older TFLM sources show a
//! plain truncating `Mean` for that case; the oracle cases show it is not used).

use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::quantize_multiplier;
use crate::graph::DType;
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::mean::{mean, MeanParams, MEAN_MAX_DIMS};

/// A lowered MEAN.
#[derive(Debug)]
pub struct Mean {
    params: MeanParams,
    int16: bool,
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

/// Lowers a MEAN operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let input = cx.expect_input_type(0, &[DType::I8, DType::I16])?;
    let axis_t = cx.expect_input_type(1, &[DType::I32])?;
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
    let rank = input.shape.len();
    if rank == 0 || rank > MEAN_MAX_DIMS {
        return Err(cx.unsupported(format!(
            "input '{}' has shape {:?}; MEAN supports ranks 1 to {MEAN_MAX_DIMS}",
            input.name, input.shape
        )));
    }
    if input.elements() == 0 {
        return Err(cx.unsupported(format!("input '{}' is empty", input.name)));
    }
    // `reference_ops::ResolveAxis`: negative axes count from the end; duplicates ignored.
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
    let (in_scale, in_zp) = cx.quant_of(input, "input")?;
    let (out_scale, out_zp) = cx.quant_of(output, "output")?;
    let (m, s) = quantize_multiplier(in_scale as f64 / out_scale as f64);
    let (multiplier, shift) = fold_count(m, s, count);
    let params = MeanParams {
        input_dims,
        reduced,
        count,
        input_zero_point: in_zp as i32,
        output_zero_point: out_zp as i32,
        multiplier,
        shift,
    };
    let kernel = Mean { params, int16: input.dtype == DType::I16 };
    Ok(Lowered { kernel: Box::new(kernel), inputs: vec![cx.input_id(0)?], outputs: vec![cx.output_id(0)?] })
}

impl Kernel for Mean {
    fn op_name(&self) -> &'static str {
        "MEAN"
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        if self.int16 {
            io.run1::<i16, i16>(|i, o| mean(&self.params, i, o))
        } else {
            io.run1::<i8, i8>(|i, o| mean(&self.params, i, o))
        }
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::mean::*");
        let params = e.params("PARAMS", "MeanParams", &self.params);
        Call::new("mean", vec![params, Arg::Input(0), Arg::Output]).with_types(&[if self.int16 {
            DType::I16
        } else {
            DType::I8
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
