//! FULLY_CONNECTED: int8 input, int8 weights (per tensor, symmetric or not), optional
//! int32 bias, int8 output. Prepare logic from TFLM `fully_connected_common.cc`.

use super::{Kernel, LowerCx, Lowered};
use crate::codegen::rust::Emitter;
use crate::error::CompileError;
use crate::exec::OpIo;
use crate::graph::{Activation, DType, Options};
use crate::quant::{activation_range, quantize_multiplier};
use tinyml_runtime::kernels::fully_connected::{fully_connected_s8, FullyConnectedParams};

/// A lowered int8 fully connected layer.
#[derive(Debug)]
pub struct FullyConnected {
    params: FullyConnectedParams,
    filter: Vec<i8>,
    bias: Vec<i32>,
}

/// Lowers a FULLY_CONNECTED operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let (activation, keep_num_dims, weights_format) = match &cx.op.options {
        Options::FullyConnected { activation, keep_num_dims, weights_format } => {
            (*activation, *keep_num_dims, *weights_format)
        }
        _ => (Activation::None, false, 0),
    };
    let _ = keep_num_dims; // The output shape in the file already reflects it.
    if weights_format != 0 {
        return Err(cx.unsupported(format!("weights format {weights_format} (only DEFAULT is supported)")));
    }
    let input = cx.expect_input_type(0, &[DType::I8])?;
    let filter = cx.expect_input_type(1, &[DType::I8])?;
    let output = cx.output(0)?;
    if output.dtype != DType::I8 {
        return Err(cx.unsupported(format!("output type {} (supported: INT8)", output.dtype.tflite_name())));
    }
    if filter.shape.len() != 2 {
        return Err(cx.invalid(format!("filter '{}' has shape {:?}, expected 2 dimensions", filter.name, filter.shape)));
    }
    let (output_depth, accum_depth) = (filter.shape[0], filter.shape[1]);
    if accum_depth == 0 || input.elements() % accum_depth != 0 {
        return Err(cx.invalid(format!(
            "input '{}' with {} elements is not a whole number of rows of {accum_depth}",
            input.name,
            input.elements()
        )));
    }
    let batches = input.elements() / accum_depth;
    if output.elements() != batches * output_depth {
        return Err(cx.invalid(format!(
            "output '{}' has shape {:?}, expected {batches}x{output_depth}",
            output.name, output.shape
        )));
    }
    if filter.quant.as_ref().is_some_and(|q| q.scale.len() > 1) {
        return Err(cx.unsupported(format!("per-channel quantized filter '{}' (per-tensor only)", filter.name)));
    }
    let (in_scale, in_zp) = cx.quant_of(input, "input")?;
    let (f_scale, f_zp) = cx.quant_of(filter, "filter")?;
    let (out_scale, out_zp) = cx.quant_of(output, "output")?;
    let bias = match cx.optional_input(2) {
        Some(b) => {
            if b.dtype != DType::I32 {
                return Err(cx.unsupported(format!(
                    "bias '{}' of type {} (supported: INT32)",
                    b.name,
                    b.dtype.tflite_name()
                )));
            }
            let v = cx.const_i32(2)?;
            if v.len() != output_depth {
                return Err(cx.invalid(format!("bias '{}' has {} values for {output_depth} outputs", b.name, v.len())));
            }
            v
        }
        None => Vec::new(),
    };
    // TFLM GetQuantizedConvolutionMultipler: the product of scales in double.
    let real = (in_scale as f64 * f_scale as f64) / out_scale as f64;
    let (output_multiplier, output_shift) = quantize_multiplier(real);
    let (activation_min, activation_max) = activation_range(activation, DType::I8, out_scale, out_zp)
        .ok_or_else(|| cx.unsupported(format!("fused activation {activation:?}")))?;
    let params = FullyConnectedParams {
        input_offset: -(in_zp as i32),
        filter_offset: -(f_zp as i32),
        output_offset: out_zp as i32,
        output_multiplier,
        output_shift,
        activation_min,
        activation_max,
        batches,
        accum_depth,
        output_depth,
    };
    let kernel = FullyConnected { params, filter: cx.const_i8(1)?, bias };
    Ok(Lowered { kernel: Box::new(kernel), inputs: vec![cx.input_id(0)?], output: cx.output_id(0)? })
}

impl Kernel for FullyConnected {
    fn op_name(&self) -> &'static str {
        "FULLY_CONNECTED"
    }

    fn macs(&self) -> u64 {
        (self.params.batches * self.params.accum_depth * self.params.output_depth) as u64
    }

    fn const_bytes(&self) -> usize {
        self.filter.len() + 4 * self.bias.len()
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        let (input, output) = io.io1::<i8, i8>()?;
        fully_connected_s8(&self.params, input, &self.filter, &self.bias, output);
        Ok(())
    }

    fn emit(&self, e: &mut Emitter) -> String {
        e.use_path("tinyml_runtime::kernels::fully_connected::*");
        let params = e.params("PARAMS", "FullyConnectedParams", &self.params);
        let filter = e.table("FILTER", "i8", &self.filter);
        let bias = if self.bias.is_empty() { "&[]".to_owned() } else { e.table("BIAS", "i32", &self.bias) };
        format!("fully_connected_s8(&{params}, in0, {filter}, {bias}, out)")
    }
}
