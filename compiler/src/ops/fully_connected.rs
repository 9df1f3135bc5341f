//! FULLY_CONNECTED: int8 input, int8 weights (per tensor, symmetric or not), optional
//! int32 bias, int8 output; or int16 input and output (zero points 0), int8 weights and
//! optional int64 bias. Prepare logic from TFLM `fully_connected_common.cc`.

use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::{activation_range, quantize_multiplier};
use crate::graph::{Activation, DType, Options};
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::fully_connected::{
    fully_connected_s16, fully_connected_s8, fully_connected_s8_pack, fully_connected_s8_packed_len,
    FullyConnectedParams,
};

/// A lowered fully connected layer.
#[derive(Debug)]
pub struct FullyConnected {
    params: FullyConnectedParams,
    filter: Vec<i8>,
    bias: Bias,
    /// The optimized int8 kernel's table (one folded bias per output; the multiplier and
    /// shift are the params'); empty for int16 layers.
    packed: Vec<i32>,
}

/// The bias by activation type: int32 for int8 layers, int64 for int16 ones (empty when
/// the layer has none).
#[derive(Debug)]
enum Bias {
    I32(Vec<i32>),
    I64(Vec<i64>),
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
    let input = cx.expect_input_type(0, &[DType::I8, DType::I16])?;
    let filter = cx.expect_input_type(1, &[DType::I8])?;
    let output = cx.output(0)?;
    let int16 = input.dtype == DType::I16;
    if output.dtype != input.dtype {
        return Err(cx.unsupported(format!(
            "output type {} (supported: the input's type, {})",
            output.dtype.tflite_name(),
            input.dtype.tflite_name()
        )));
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
    if int16 && (in_zp != 0 || out_zp != 0) {
        return Err(cx.unsupported(format!(
            "int16 input '{}' and output '{}' must have zero point 0 (they have {in_zp} and {out_zp})",
            input.name, output.name
        )));
    }
    // TFLM's int16 kernel takes an int64 bias (its accumulator type); int8 an int32 one.
    let bias_type = if int16 { DType::I64 } else { DType::I32 };
    let bias = match cx.optional_input(2) {
        Some(b) => {
            if b.dtype != bias_type {
                return Err(cx.unsupported(format!(
                    "bias '{}' of type {} (supported with {} input: {})",
                    b.name,
                    b.dtype.tflite_name(),
                    input.dtype.tflite_name(),
                    bias_type.tflite_name()
                )));
            }
            let v = if int16 {
                Bias::I64(crate::ops::conv_common::bias_values(cx, &[DType::I64], output_depth)?.unwrap_or_default())
            } else {
                Bias::I32(cx.const_i32(2)?)
            };
            let n = match &v {
                Bias::I32(v) => v.len(),
                Bias::I64(v) => v.len(),
            };
            if n != output_depth {
                return Err(cx.invalid(format!("bias '{}' has {n} values for {output_depth} outputs", b.name)));
            }
            v
        }
        None if int16 => Bias::I64(Vec::new()),
        None => Bias::I32(Vec::new()),
    };
    // TFLM GetQuantizedConvolutionMultipler: the product of scales in double.
    let real = (in_scale as f64 * f_scale as f64) / out_scale as f64;
    let (output_multiplier, output_shift) = quantize_multiplier(real);
    let (activation_min, activation_max) = activation_range(activation, output.dtype, out_scale, out_zp)
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
    let filter = cx.const_i8(1)?;
    let packed = match &bias {
        Bias::I32(b) => pack(&params, &filter, b),
        Bias::I64(_) => Vec::new(),
    };
    let kernel = FullyConnected { params, filter, bias, packed };
    Ok(Lowered { kernel: Box::new(kernel), inputs: vec![cx.input_id(0)?], outputs: vec![cx.output_id(0)?] })
}

/// The table `fully_connected_s8` reads from flash: per output, the bias with every
/// input-independent offset term folded in (as TFLM's CMSIS-NN `Prepare` would compute
/// per call, done once here); 4 bytes per output. The layer's one multiplier and shift
/// stay in the params.
fn pack(p: &FullyConnectedParams, filter: &[i8], bias: &[i32]) -> Vec<i32> {
    let mut table = vec![0; fully_connected_s8_packed_len(p)];
    fully_connected_s8_pack(p, filter, bias, &mut table);
    table
}

impl Kernel for FullyConnected {
    fn op_name(&self) -> &'static str {
        "FULLY_CONNECTED"
    }

    fn macs(&self) -> u64 {
        (self.params.batches * self.params.accum_depth * self.params.output_depth) as u64
    }

    fn const_bytes(&self) -> usize {
        self.filter.len()
            + 4 * self.packed.len()
            + match &self.bias {
                Bias::I32(b) => 4 * b.len(),
                Bias::I64(b) => 8 * b.len(),
            }
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        match &self.bias {
            Bias::I32(bias) => {
                let (input, output) = io.io1::<i8, i8>()?;
                fully_connected_s8(&self.params, input, &self.filter, bias, &self.packed, output);
            }
            Bias::I64(bias) => {
                let (input, output) = io.io1::<i16, i16>()?;
                fully_connected_s16(&self.params, input, &self.filter, bias, output);
            }
        }
        Ok(())
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::fully_connected::*");
        let params = e.params("PARAMS", "FullyConnectedParams", &self.params);
        let filter = e.table("FILTER", &self.filter);
        match &self.bias {
            Bias::I32(b) => {
                let bias = if b.is_empty() { Arg::NoTable } else { e.table("BIAS", b) };
                let packed = e.packed("PACKED", &self.packed);
                Call::new("fully_connected_s8", vec![params, Arg::Input(0), filter, bias, packed, Arg::Output])
            }
            Bias::I64(b) => {
                let bias = if b.is_empty() { Arg::NoTable } else { e.table("BIAS", b) };
                Call::new("fully_connected_s16", vec![params, Arg::Input(0), filter, bias, Arg::Output])
            }
        }
    }
}
