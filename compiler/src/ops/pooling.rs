//! AVERAGE_POOL_2D and MAX_POOL_2D on int8 and int16. Prepare logic from TFLM
//! `pooling_common.cc` (`CalculateOpDataPooling`): padding from
//! `ComputePaddingHeightWidth` with dilation 1, the activation clamp from the output's
//! quantization.

use super::conv_common::{clamp_range, dims4, window_geometry};
use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::{opcode, DType, OpCode, Options};
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::pooling::{average_pool, max_pool, PoolParams};

/// A lowered pooling layer.
#[derive(Debug)]
pub struct Pool {
    params: PoolParams,
    max: bool,
    int16: bool,
}

/// Lowers an AVERAGE_POOL_2D or MAX_POOL_2D operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let Options::Pool2D { padding, stride_w, stride_h, filter_w, filter_h, activation } = cx.op.options else {
        return Err(cx.invalid("missing Pool2DOptions"));
    };
    let max = cx.op.opcode == OpCode::Builtin(opcode::MAX_POOL_2D);
    let input = cx.expect_input_type(0, &[DType::I8, DType::I16])?;
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
    // The kernels copy or average raw values: input and output must share quantization.
    let (in_q, out_q) = (cx.quant_of(input, "input")?, cx.quant_of(output, "output")?);
    if in_q != out_q {
        return Err(cx.unsupported(format!(
            "input '{}' (scale {}, zero point {}) and output '{}' (scale {}, zero point {}) must have the same \
             quantization for pooling",
            input.name, in_q.0, in_q.1, output.name, out_q.0, out_q.1
        )));
    }
    let [batches, in_h, in_w, depth] = dims4(cx, input, "input")?;
    let [out_n, out_h, out_w, out_c] = dims4(cx, output, "output")?;
    if out_n != batches || out_c != depth {
        return Err(cx.invalid(format!(
            "output '{}' has shape {:?}, expected {batches} batches and {depth} channels",
            output.name, output.shape
        )));
    }
    let (pad_h, pad_w) =
        window_geometry(cx, padding, (in_h, in_w), (filter_h, filter_w), (stride_h, stride_w), (1, 1), output)?;
    // TFLM fails at run time on a window with no pixel inside the image; refuse it here.
    // With the output size from `ComputeOutSize` the first and last windows are the
    // ones that may fall in the padding.
    let empty = |out: usize, stride: usize, pad: usize, filter: usize, size: usize| {
        let origin = (out * stride) as isize - pad as isize;
        (filter as isize).min(size as isize - origin) - (-origin).max(0) <= 0
    };
    if !max
        && (empty(0, stride_h, pad_h, filter_h, in_h)
            || empty(out_h - 1, stride_h, pad_h, filter_h, in_h)
            || empty(0, stride_w, pad_w, filter_w, in_w)
            || empty(out_w - 1, stride_w, pad_w, filter_w, in_w))
    {
        return Err(cx.invalid("an averaging window lies entirely in the padding".to_owned()));
    }
    let (activation_min, activation_max) = clamp_range(cx, activation, output)?;
    let params = PoolParams {
        stride_w,
        stride_h,
        filter_w,
        filter_h,
        pad_w,
        pad_h,
        activation_min,
        activation_max,
        batches,
        input_h: in_h,
        input_w: in_w,
        depth,
        output_h: out_h,
        output_w: out_w,
    };
    let kernel = Pool { params, max, int16: input.dtype == DType::I16 };
    Ok(Lowered { kernel: Box::new(kernel), inputs: vec![cx.input_id(0)?], outputs: vec![cx.output_id(0)?] })
}

impl Kernel for Pool {
    fn op_name(&self) -> &'static str {
        if self.max {
            "MAX_POOL_2D"
        } else {
            "AVERAGE_POOL_2D"
        }
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        let p = &self.params;
        match (self.int16, self.max) {
            (false, false) => io.run1::<i8, i8>(|i, o| average_pool(p, i, o)),
            (false, true) => io.run1::<i8, i8>(|i, o| max_pool(p, i, o)),
            (true, false) => io.run1::<i16, i16>(|i, o| average_pool(p, i, o)),
            (true, true) => io.run1::<i16, i16>(|i, o| max_pool(p, i, o)),
        }
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::pooling::*");
        let params = e.params("PARAMS", "PoolParams", &self.params);
        let (f, t) =
            (if self.max { "max_pool" } else { "average_pool" }, if self.int16 { DType::I16 } else { DType::I8 });
        Call::new(f, vec![params, Arg::Input(0), Arg::Output]).with_types(&[t])
    }
}
