//! TRANSPOSE_CONV: int8 activations with int8 per-channel (or per-tensor) weights and
//! int32 bias, and int16 activations with int8 weights and int64 (or int16) bias.
//! Prepare logic from TFLM `transpose_conv.cc` (`Prepare`, `CalculateOpData`): the
//! padding is `ComputePaddingHeightWidth` over the output's size, the multipliers are
//! `PopulateConvolutionQuantizationParams`'s with the fused activation, and each layer
//! takes an accumulator per output element from the arena (int32, or int64 for int16).
//!
//! Inputs: 0 the output shape (TFLM ignores it; checked against the output when
//! constant), 1 the filter (OHWI), 2 the input, 3 the optional bias.

use super::conv_common::{
    activation_types, clamp_range, conv_shapes, emit_channel_tables, filter_values, out_size, pad_before,
    per_channel_multipliers, split_bias_of,
};
use super::{Kernel, LowerCx, Lowered, Scratch};
use crate::error::CompileError;
use crate::graph::{DType, Options, Padding};
use crate::kernel::{Arg, Call, Emitter, OpIo};
use tinyml_runtime::kernels::transpose_conv::{
    transpose_conv_s16, transpose_conv_s16_scratch, transpose_conv_s8, transpose_conv_s8_pack,
    transpose_conv_s8_packed_len, transpose_conv_s8_scratch, TransposeConvParams,
};

/// Operator inputs (TFLM's `kFilterTensor`, `kInputTensor`, `kBiasTensor`).
const OUTPUT_SHAPE: usize = 0;
const FILTER: usize = 1;
const INPUT: usize = 2;
const BIAS: usize = 3;

/// A lowered transposed convolution.
#[derive(Debug)]
pub struct TransposeConv {
    params: TransposeConvParams,
    filter: Vec<i8>,
    /// int8 layers: int32 bias (empty when absent).
    bias32: Vec<i32>,
    /// int16 layers: int64 bias (empty when absent).
    bias64: Vec<i64>,
    multipliers: Vec<i32>,
    shifts: Vec<i32>,
    /// int8 layers: the optimized kernel's input offset times each tap's weight sum
    /// (`transpose_conv_s8_pack`).
    packed: Vec<i32>,
    int16: bool,
}

/// TFLM `ComputePaddingHeightWidth` as `CalculateOpData` calls it: the padding of a
/// forward convolution over the *output* size (dilation 1).
fn padding_of(cx: &LowerCx, padding: Padding, out: usize, filter: usize, stride: usize) -> Result<usize, CompileError> {
    let forward = out_size(padding, out, filter, stride, 1).ok_or_else(|| {
        cx.invalid(format!("a {filter}-tap filter with {padding:?} padding does not fit an output of size {out}"))
    })?;
    Ok(pad_before(stride, 1, out, filter, forward))
}

/// Checks a constant output-shape input against the output tensor (TFLM ignores the
/// input: its output tensor's shape is static).
fn check_output_shape(cx: &LowerCx, output: &[usize]) -> Result<(), CompileError> {
    let t = cx.input(OUTPUT_SHAPE)?;
    if t.data.is_none() {
        return Ok(());
    }
    let shape = cx.const_i32(OUTPUT_SHAPE)?;
    if t.dtype != DType::I32
        || shape.len() != output.len()
        || shape.iter().zip(output).any(|(&s, &o)| s as i64 != o as i64)
    {
        return Err(cx.invalid(format!(
            "output shape input '{}' holds {shape:?}, but the output tensor has shape {output:?}",
            t.name
        )));
    }
    Ok(())
}

/// Lowers a TRANSPOSE_CONV operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let Options::TransposeConv { padding, stride_w, stride_h, activation } = cx.op.options else {
        return Err(cx.invalid("missing TransposeConvOptions"));
    };
    if cx.op.inputs.len() > 4 || cx.op.outputs.len() != 1 {
        return Err(cx.invalid(format!(
            "{} inputs and {} outputs (expected 3 or 4 inputs and 1 output)",
            cx.op.inputs.len(),
            cx.op.outputs.len()
        )));
    }
    let input = cx.expect_input_type(INPUT, &[DType::I8, DType::I16])?;
    let filter = cx.expect_input_type(FILTER, &[DType::I8])?;
    let output = cx.output(0)?;
    activation_types(cx, input, output)?;
    check_output_shape(cx, &output.shape)?;
    let [[batches, in_h, in_w, in_c], [out_c, k_h, k_w, _], [_, out_h, out_w, _]] =
        conv_shapes(cx, input, filter, output)?;
    if k_h == 0 || k_w == 0 {
        return Err(cx.invalid(format!("filter '{}' has an empty window {k_h}x{k_w}", filter.name)));
    }
    let pad_h = padding_of(cx, padding, out_h, k_h, stride_h)?;
    let pad_w = padding_of(cx, padding, out_w, k_w, stride_w)?;
    let (in_zp, out_zp) = (cx.quant_of(input, "input")?.1, cx.quant_of(output, "output")?.1);
    let (multipliers, shifts) = per_channel_multipliers(cx, input, filter, output, out_c)?;
    let (activation_min, activation_max) = clamp_range(cx, activation, output)?;
    let int16 = input.dtype == DType::I16;
    // TFLM's 16x8 kernel reads the bias as int64, widening an int16 bias first; an int32
    // bias it would misread as int64, so it is refused here.
    let bias_types: &[DType] = if int16 { &[DType::I64, DType::I16] } else { &[DType::I32] };
    let (bias32, bias64) = split_bias_of(cx, BIAS, bias_types, int16, out_c)?;
    let params = TransposeConvParams {
        input_offset: -(in_zp as i32),
        output_offset: out_zp as i32,
        stride_w,
        stride_h,
        pad_w,
        pad_h,
        activation_min,
        activation_max,
        batches,
        input_h: in_h,
        input_w: in_w,
        input_depth: in_c,
        filter_h: k_h,
        filter_w: k_w,
        output_h: out_h,
        output_w: out_w,
        output_depth: out_c,
    };
    let filter = filter_values(cx, filter)?;
    let mut packed = Vec::new();
    if !int16 {
        packed = vec![0; transpose_conv_s8_packed_len(&params)];
        transpose_conv_s8_pack(&params, &filter, &mut packed);
    }
    let kernel = TransposeConv { params, filter, bias32, bias64, multipliers, shifts, packed, int16 };
    Ok(Lowered { kernel: Box::new(kernel), inputs: vec![cx.input_id(INPUT)?], outputs: vec![cx.output_id(0)?] })
}

impl Kernel for TransposeConv {
    fn op_name(&self) -> &'static str {
        "TRANSPOSE_CONV"
    }

    /// Every input value times every filter tap and output channel, as a convolution's
    /// count includes its padded taps.
    fn macs(&self) -> u64 {
        let p = &self.params;
        (p.batches * p.input_h * p.input_w * p.input_depth * p.filter_h * p.filter_w * p.output_depth) as u64
    }

    fn const_bytes(&self) -> usize {
        self.filter.len()
            + 4 * self.bias32.len()
            + 8 * self.bias64.len()
            + 4 * (self.multipliers.len() + self.shifts.len() + self.packed.len())
    }

    fn scratch(&self) -> Scratch {
        if self.int16 {
            transpose_conv_s16_scratch(&self.params)
        } else {
            transpose_conv_s8_scratch(&self.params)
        }
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        let (p, filter, mult, shift) = (&self.params, &self.filter, &self.multipliers, &self.shifts);
        if self.int16 {
            let (input, output, scratch) = io.io1_scratch::<i16, i16>()?;
            transpose_conv_s16(p, input, filter, &self.bias64, mult, shift, scratch, output);
        } else {
            let (input, output, scratch) = io.io1_scratch::<i8, i8>()?;
            transpose_conv_s8(p, input, filter, &self.bias32, mult, shift, &self.packed, scratch, output);
        }
        Ok(())
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::transpose_conv::*");
        let params = e.params("PARAMS", "TransposeConvParams", &self.params);
        let [filter, bias, mult, shift] =
            emit_channel_tables(e, &self.filter, (&self.bias32, &self.bias64), &self.multipliers, &self.shifts);
        // Codegen binds `scratch` for kernels with scratch; an empty output has none.
        let scratch = if self.scratch().preferred > 0 { Arg::Scratch } else { Arg::NoScratch };
        if self.int16 {
            return Call::new(
                "transpose_conv_s16",
                vec![params, Arg::Input(0), filter, bias, mult, shift, scratch, Arg::Output],
            );
        }
        let packed = e.packed("PACKED", &self.packed);
        Call::new(
            "transpose_conv_s8",
            vec![params, Arg::Input(0), filter, bias, mult, shift, packed, scratch, Arg::Output],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{opcode, Activation, Graph, OpCode, Operator, Quant, Tensor};

    fn tensor(name: &str, shape: &[usize], dtype: DType, data: Option<Vec<u8>>) -> Tensor {
        Tensor {
            name: name.to_owned(),
            shape: shape.to_vec(),
            dtype,
            quant: (dtype != DType::I32).then(|| Quant { scale: vec![0.05], zero_point: vec![0], axis: 0 }),
            data,
            is_variable: false,
        }
    }

    /// TRANSPOSE_CONV of a 1x3x3x2 input by 4 3x3 filters, stride 2, into `out`.
    fn graph(padding: Padding, out: &[usize], bias: Option<(DType, usize)>, dtype: DType) -> Graph {
        let shape: Vec<u8> = out.iter().flat_map(|&d| (d as i32).to_le_bytes()).collect();
        let mut tensors = vec![
            tensor("shape", &[4], DType::I32, Some(shape)),
            tensor("w", &[4, 3, 3, 2], DType::I8, Some(vec![1; 72])),
            tensor("in", &[1, 3, 3, 2], dtype, None),
            tensor("out", out, dtype, None),
        ];
        let mut inputs = vec![Some(0), Some(1), Some(2)];
        if let Some((t, n)) = bias {
            tensors.push(tensor("b", &[n], t, Some(vec![0; n * t.size()])));
            inputs.push(Some(4));
        }
        Graph {
            tensors,
            operators: vec![Operator {
                index: 0,
                opcode: OpCode::Builtin(opcode::TRANSPOSE_CONV),
                inputs,
                outputs: vec![3],
                options: Options::TransposeConv { padding, stride_w: 2, stride_h: 2, activation: Activation::None },
                custom_options: Vec::new(),
            }],
            inputs: vec![2],
            outputs: vec![3],
            description: String::new(),
        }
    }

    fn lower_one(g: &Graph) -> Result<Lowered, CompileError> {
        crate::ops::lower(g, &g.operators[0])
    }

    #[test]
    fn lowers_with_macs_scratch_and_the_input_as_its_only_arena_input() {
        let g = graph(Padding::Same, &[1, 6, 6, 4], Some((DType::I32, 4)), DType::I8);
        let l = lower_one(&g).expect("lowers");
        assert_eq!(l.inputs, vec![2]);
        assert_eq!(l.kernel.macs(), 3 * 3 * 2 * 3 * 3 * 4);
        assert_eq!(l.kernel.scratch(), Scratch { min: 0, preferred: 6 * 6 * 4 * 4 });
        // Filter, bias, multipliers and shifts, and the 3x3x4 tap sums.
        assert_eq!(l.kernel.const_bytes(), 72 + 4 * 4 + 8 * 4 + 4 * 36);
        let g = graph(Padding::Valid, &[1, 7, 7, 4], None, DType::I16);
        assert_eq!(lower_one(&g).expect("lowers").kernel.scratch().preferred, 7 * 7 * 4 * 8);
    }

    #[test]
    fn refuses_what_tflm_misreads_or_the_model_contradicts() {
        // int16 with an int32 bias: TFLM would read it as int64.
        let g = graph(Padding::Same, &[1, 6, 6, 4], Some((DType::I32, 4)), DType::I16);
        assert!(lower_one(&g).unwrap_err().to_string().contains("INT32"));
        // int16 bias is widened, as TFLM does.
        let g = graph(Padding::Same, &[1, 6, 6, 4], Some((DType::I16, 4)), DType::I16);
        assert!(lower_one(&g).is_ok());
        // The constant output shape disagrees with the output tensor.
        let mut g = graph(Padding::Same, &[1, 6, 6, 4], None, DType::I8);
        g.tensors[0].data = Some([1i32, 5, 6, 4].iter().flat_map(|d| d.to_le_bytes()).collect());
        assert!(lower_one(&g).unwrap_err().to_string().contains("'shape'"));
        // A bias per channel, not fewer.
        let g = graph(Padding::Same, &[1, 6, 6, 4], Some((DType::I32, 3)), DType::I8);
        assert!(lower_one(&g).unwrap_err().to_string().contains("3 values"));
    }
}
