//! CONV_2D: int8 activations with int8 per-channel (or per-tensor) weights and int32
//! bias, and int16 activations with int8 weights and int64 (or int32) bias. Prepare logic
//! from TFLM `conv_common.cc` (`CalculateOpDataConv`) and `kernel_util.cc`
//! (`PopulateConvolutionQuantizationParams`).

use super::conv_common::{
    activation_types, clamp_range, conv_shapes, emit_channel_tables, filter_values, paths_expr,
    per_channel_multipliers, split_bias, window_geometry,
};
use super::{Kernel, LowerCx, Lowered, Scratch};
use crate::error::CompileError;
use crate::graph::{DType, Options};
use crate::kernel::OpIo;
use crate::kernel::{rows_call, Arg, Call, Emitter};
use tinyml_runtime::kernels::conv::{
    conv_path, conv_s16, conv_s8, conv_s8_narrow_words, conv_s8_pack, conv_s8_pack_narrow, conv_s8_packed_groups,
    conv_s8_paths, conv_s8_scratch, ConvParams,
};
use tinyml_runtime::kernels::packed::{words, Group4};
use tinyml_runtime::kernels::rows_in_place::{conv_band, conv_s8_rows_in_place, kernel_scratch_len, Band, RowWindow};

/// A lowered convolution.
#[derive(Debug)]
pub struct Conv {
    /// `CONV_2D`, or `DEPTHWISE_CONV_2D` for a depthwise layer lowered to a convolution.
    op_name: &'static str,
    params: ConvParams,
    filter: Vec<i8>,
    /// int8 layers: int32 bias (empty when absent).
    bias32: Vec<i32>,
    /// int16 layers: int64 bias (empty when absent).
    bias64: Vec<i64>,
    multipliers: Vec<i32>,
    shifts: Vec<i32>,
    /// int8 layers: the optimized kernel's folded biases and requantization constants
    /// (`conv_s8_pack`), as words.
    packed: Vec<i32>,
    int16: bool,
    /// 1 for CONV_2D; for a depthwise layer lowered here, its input channels: the filter
    /// is block-diagonal (output channel `o` reads input channel `o / multiplier` only),
    /// and the MACs counted are the depthwise layer's, one in `groups` of the dense
    /// convolution's.
    groups: usize,
    /// int8 layers of one column with a filter taller than one tap: the same layer as one
    /// row (`conv_common::one_row`) with its packed table, which the calls on the whole
    /// layer take. On the M55, a 7x1 window down a column of 900 pixels, one input
    /// channel, took 11.1 instructions per MAC (the narrow-input path fits one output
    /// pixel per band of a column) and 8 input channels 0.90.
    row: Option<(ConvParams, Vec<i32>)>,
}

/// The optimized kernel's table of `params`: the groups of four output channels
/// (`conv_s8_pack`), then the narrow-input path's offsets and repacked weights.
fn pack(params: &ConvParams, filter: &[i8], bias: &[i32], multipliers: &[i32], shifts: &[i32]) -> Vec<i32> {
    let mut table = vec![Group4::default(); conv_s8_packed_groups(params)];
    conv_s8_pack(params, filter, bias, multipliers, shifts, &mut table);
    let mut packed = words(&table).to_vec();
    let groups = packed.len();
    packed.resize(groups + conv_s8_narrow_words(params), 0);
    conv_s8_pack_narrow(params, filter, &mut packed[groups..]);
    packed
}

impl Conv {
    /// An int8 convolution named `op_name` in reports, with its table packed here.
    pub(crate) fn s8(
        op_name: &'static str,
        params: ConvParams,
        filter: Vec<i8>,
        bias: Vec<i32>,
        multipliers: Vec<i32>,
        shifts: Vec<i32>,
    ) -> Self {
        let packed = pack(&params, &filter, &bias, &multipliers, &shifts);
        let row = super::conv_common::one_row!(&params, ConvParams)
            .filter(|r| r.filter_w > 1)
            .map(|r| (r, pack(&r, &filter, &bias, &multipliers, &shifts)));
        Conv {
            op_name,
            params,
            filter,
            bias32: bias,
            bias64: Vec::new(),
            multipliers,
            shifts,
            packed,
            int16: false,
            groups: 1,
            row,
        }
    }

    /// The parameters and table of a call on the whole layer: the row form's, if any.
    fn whole(&self) -> (&ConvParams, &[i32]) {
        match &self.row {
            Some((params, packed)) => (params, packed),
            None => (&self.params, &self.packed),
        }
    }

    /// This convolution as the lowering of a depthwise layer of `groups` input channels
    /// (its MACs are counted as the depthwise layer's).
    pub(crate) fn grouped(self, groups: usize) -> Self {
        Conv { groups: groups.max(1), ..self }
    }
}

/// Lowers a CONV_2D operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let Options::Conv2D { padding, stride_w, stride_h, dilation_w, dilation_h, activation } = cx.op.options else {
        return Err(cx.invalid("missing Conv2DOptions"));
    };
    let input = cx.expect_input_type(0, &[DType::I8, DType::I16])?;
    let filter = cx.expect_input_type(1, &[DType::I8])?;
    let output = cx.output(0)?;
    activation_types(cx, input, output)?;
    let [[batches, in_h, in_w, in_c], [out_c, k_h, k_w, _], _] = conv_shapes(cx, input, filter, output)?;
    let (pad_h, pad_w) =
        window_geometry(cx, padding, (in_h, in_w), (k_h, k_w), (stride_h, stride_w), (dilation_h, dilation_w), output)?;
    let (in_scale_zp, out_zp) = (cx.quant_of(input, "input")?.1, cx.quant_of(output, "output")?.1);
    let (multipliers, shifts) = per_channel_multipliers(cx, input, filter, output, out_c)?;
    let (activation_min, activation_max) = clamp_range(cx, activation, output)?;
    let int16 = input.dtype == DType::I16;
    let (bias32, bias64) = split_bias(cx, int16, out_c)?;
    let params = ConvParams {
        input_offset: -(in_scale_zp as i32),
        output_offset: out_zp as i32,
        stride_w,
        stride_h,
        dilation_w,
        dilation_h,
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
        output_h: output.shape[1],
        output_w: output.shape[2],
        output_depth: out_c,
    };
    let filter = filter_values(cx, filter)?;
    let kernel = if int16 {
        Conv {
            op_name: "CONV_2D",
            params,
            filter,
            bias32,
            bias64,
            multipliers,
            shifts,
            packed: Vec::new(),
            int16,
            groups: 1,
            row: None,
        }
    } else {
        Conv::s8("CONV_2D", params, filter, bias32, multipliers, shifts)
    };
    Ok(Lowered { kernel: Box::new(kernel), inputs: vec![cx.input_id(0)?], outputs: vec![cx.output_id(0)?] })
}

impl Kernel for Conv {
    fn op_name(&self) -> &'static str {
        self.op_name
    }

    fn macs(&self) -> u64 {
        let p = &self.params;
        (p.batches * p.output_h * p.output_w * p.output_depth * p.filter_h * p.filter_w * p.input_depth / self.groups)
            as u64
    }

    fn const_bytes(&self) -> usize {
        self.filter.len()
            + 4 * self.bias32.len()
            + 8 * self.bias64.len()
            + 4 * (self.multipliers.len() + self.shifts.len() + self.packed.len())
    }

    fn whole_const_bytes(&self) -> usize {
        self.const_bytes() - 4 * self.packed.len() + 4 * self.whole().1.len()
    }

    fn scratch(&self) -> Scratch {
        if self.int16 {
            Scratch::NONE
        } else {
            conv_s8_scratch(self.whole().0)
        }
    }

    fn row_window(&self) -> Option<RowWindow> {
        (!self.int16 && self.params.batches == 1).then(|| RowWindow::of_conv(&self.params))
    }

    fn band_scratch(&self, band: &Band) -> Scratch {
        conv_s8_scratch(&conv_band(&self.params, band))
    }

    fn execute_rows(
        &self,
        buf: &mut [i8],
        shift: usize,
        band: usize,
        direct: bool,
        scratch: &mut [u8],
    ) -> Result<(), tinyml_runtime::Error> {
        let (bias, mult, shifts, packed) = (&self.bias32, &self.multipliers, &self.shifts, &self.packed);
        conv_s8_rows_in_place(&self.params, buf, shift, band, direct, &self.filter, bias, mult, shifts, packed, scratch)
    }

    fn execute_band(
        &self,
        band: &Band,
        input: &[i8],
        output: &mut [i8],
        scratch: &mut [u8],
    ) -> Result<(), tinyml_runtime::Error> {
        let (p, bias, mult, shifts) = (conv_band(&self.params, band), &self.bias32, &self.multipliers, &self.shifts);
        conv_s8(&p, input, &self.filter, bias, mult, shifts, &self.packed, scratch, output);
        Ok(())
    }

    fn band_functions(&self) -> Option<(&'static str, &'static str)> {
        Some(("RowWindow::of_conv", "conv_band"))
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        if self.int16 {
            let (input, output) = io.io1::<i16, i16>()?;
            conv_s16(&self.params, input, &self.filter, &self.bias64, &self.multipliers, &self.shifts, output);
        } else {
            let (input, output, scratch) = io.io1_scratch::<i8, i8>()?;
            let (bias, mult, shift) = (&self.bias32, &self.multipliers, &self.shifts);
            let (params, packed) = self.whole();
            conv_s8(params, input, &self.filter, bias, mult, shift, packed, scratch, output);
        }
        Ok(())
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        // A fused pair's call: its loop splits the step's scratch (`layer_paths`).
        self.emit_with(e, &self.params, &self.packed, self.layer_paths(None, None))
    }

    fn emit_whole(&self, e: &mut Emitter) -> Call {
        let (params, packed) = self.whole();
        self.emit_with(e, params, packed, self.layer_paths(e.scratch(), None))
    }

    fn emit_rows(&self, e: &mut Emitter, shift: usize, band: usize, direct: bool) -> Call {
        let paths = self.layer_paths(e.scratch(), Some((shift, band, direct)));
        let call = self.emit_with(e, &self.params, &self.packed, paths);
        rows_call(call, e, shift, band, direct)
    }

    fn code_parts(&self, granted: Option<usize>, rows: Option<(usize, usize, bool)>) -> Vec<&'static str> {
        if self.int16 {
            return Vec::new();
        }
        let paths = self.layer_paths(granted, rows);
        // A narrow layer's other path is for cores without Helium: on Helium, where the
        // estimate is fitted, its call links the narrow path alone (`conv_s8_only`).
        let paths = if paths & conv_path::NARROW != 0 { conv_path::NARROW } else { paths };
        [
            (conv_path::GENERAL, "conv_s8 general"),
            (conv_path::IN_PLACE, "conv_s8 in place"),
            (conv_path::NARROW, "conv_s8 narrow"),
        ]
        .into_iter()
        .filter(|&(path, _)| paths & path != 0)
        .map(|(_, part)| part)
        .collect()
    }
}

impl Conv {
    /// The optimized kernel's paths ([`conv_path`]) the layer's call takes with the
    /// scratch the plan grants its step (`granted`), run whole or, with `(shift, band,
    /// direct)`, by rows in place (its kernel's part of the scratch, after the ring): the
    /// runtime's own choice ([`conv_s8_paths`]). Without `granted` (a fused pair, whose
    /// loop splits the step's scratch), the paths of any scratch.
    fn layer_paths(&self, granted: Option<usize>, rows: Option<(usize, usize, bool)>) -> u8 {
        let p = &self.params;
        match (granted, rows) {
            (None, _) => conv_s8_paths(p, 0) | conv_s8_paths(p, usize::MAX),
            (Some(granted), Some((shift, band, direct))) => {
                conv_s8_paths(p, kernel_scratch_len(&RowWindow::of_conv(p), shift, band, direct, granted))
            }
            (Some(granted), None) => {
                // The whole call gets no scratch when its kernel needs none (`emit_with`).
                let whole = self.whole().0;
                conv_s8_paths(whole, if conv_s8_scratch(whole).preferred == 0 { 0 } else { granted })
            }
        }
    }

    /// The call of the layer with `params` and their `packed` table, `paths` compiled in
    /// (`conv_s8_only`).
    fn emit_with(&self, e: &mut Emitter, params: &ConvParams, packed: &[i32], paths: u8) -> Call {
        e.use_path("tinyml_runtime::kernels::conv::*");
        let scratch = if self.int16 || conv_s8_scratch(params).preferred == 0 { Arg::NoScratch } else { Arg::Scratch };
        let params = e.params("PARAMS", "ConvParams", params);
        let [filter, bias, mult, shift] =
            emit_channel_tables(e, &self.filter, (&self.bias32, &self.bias64), &self.multipliers, &self.shifts);
        if self.int16 {
            return Call::new("conv_s16", vec![params, Arg::Input(0), filter, bias, mult, shift, Arg::Output]);
        }
        let packed = e.packed("PACKED", packed);
        // Codegen binds `scratch` for kernels with scratch; pointwise layers have none.
        Call::new("conv_s8", vec![params, Arg::Input(0), filter, bias, mult, shift, packed, scratch, Arg::Output])
            .with_only(paths_expr("conv_path", &conv_path::NAMES, paths))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testing::{column_geometries, Xorshift};

    /// The row form of every small one-column convolution computes the column form's
    /// bytes, through the optimized kernel with each form's table and preferred scratch
    /// and through the reference kernel (an empty table).
    #[test]
    fn a_column_as_a_row_computes_the_same_bytes() {
        let mut rng = Xorshift::new();
        let geometries = column_geometries(&[2, 9, 40], &[2, 3, 7, 10], &[(1, 1), (2, 1), (1, 2)]);
        let mut checked = 0;
        for (input_h, filter_h, stride, dilation, output_h, pad_h) in geometries {
            for (input_depth, output_depth) in [(1, 8), (3, 5), (4, 16), (8, 8), (20, 12)] {
                let p = ConvParams {
                    input_offset: rng.input_offset(),
                    output_offset: (rng.next() % 256) as i32 - 128,
                    stride_w: 1,
                    stride_h: stride,
                    dilation_w: 1,
                    dilation_h: dilation,
                    pad_w: 0,
                    pad_h,
                    activation_min: -128,
                    activation_max: 127,
                    batches: 1,
                    input_h,
                    input_w: 1,
                    input_depth,
                    filter_h,
                    filter_w: 1,
                    output_h,
                    output_w: 1,
                    output_depth,
                };
                let row = super::super::conv_common::one_row!(&p, ConvParams).expect("a column");
                let (input, filter) =
                    (rng.bytes(input_h * input_depth), rng.bytes(filter_h * input_depth * output_depth));
                let (bias, mult, shifts) = rng.requantization(output_depth);
                let run = |p: &ConvParams, packed: &[i32], scratch: usize| {
                    let mut out = vec![0i8; output_h * output_depth];
                    let mut scratch = vec![0u8; scratch];
                    conv_s8(p, &input, &filter, &bias, &mult, &shifts, packed, &mut scratch, &mut out);
                    out
                };
                let column = run(&p, &pack(&p, &filter, &bias, &mult, &shifts), conv_s8_scratch(&p).preferred);
                let what = format!("{p:?}");
                let table = pack(&row, &filter, &bias, &mult, &shifts);
                for scratch in [conv_s8_scratch(&row).min, conv_s8_scratch(&row).preferred] {
                    assert_eq!(run(&row, &table, scratch), column, "{scratch} B of scratch, {what}");
                }
                assert_eq!(run(&p, &[], 0), column, "reference, {what}");
                checked += 1;
            }
        }
        assert!(checked > 250, "{checked} geometries");
    }

    use crate::graph::{opcode, Activation, Graph, OpCode, Operator, Padding, Quant, Tensor};

    fn tensor(name: &str, shape: &[usize], dtype: DType, scale: f32, data: Option<Vec<u8>>) -> Tensor {
        Tensor {
            name: name.to_owned(),
            shape: shape.to_vec(),
            dtype,
            quant: Some(Quant { scale: vec![scale], zero_point: vec![0], axis: 0 }),
            data,
            is_variable: false,
        }
    }

    /// A one-operator graph: input, constant filter, output.
    fn graph(opcode: i32, options: Options, input: &[usize], filter: &[usize], output: &[usize]) -> Graph {
        let n: usize = filter.iter().product();
        Graph {
            tensors: vec![
                tensor("in", input, DType::I8, 0.5, None),
                tensor("w", filter, DType::I8, 0.01, Some(vec![1; n])),
                tensor("out", output, DType::I8, 0.25, None),
            ],
            operators: vec![Operator {
                index: 0,
                opcode: OpCode::Builtin(opcode),
                inputs: vec![Some(0), Some(1)],
                outputs: vec![2],
                options,
                custom_options: Vec::new(),
            }],
            inputs: vec![0],
            outputs: vec![2],
            description: String::new(),
        }
    }

    fn conv_options(padding: Padding, stride: usize, dilation: usize) -> Options {
        Options::Conv2D {
            padding,
            stride_w: stride,
            stride_h: stride,
            dilation_w: dilation,
            dilation_h: dilation,
            activation: Activation::Relu,
        }
    }

    fn lower_one(g: &Graph) -> Result<Lowered, CompileError> {
        crate::ops::lower(g, &g.operators[0])
    }

    #[test]
    fn lowers_kws_first_layer_with_its_macs() {
        // KWS DS-CNN layer 0: 49x10x1 input, 64 10x4 filters, stride 2, SAME -> 25x5x64.
        let g = graph(
            opcode::CONV_2D,
            conv_options(Padding::Same, 2, 1),
            &[1, 49, 10, 1],
            &[64, 10, 4, 1],
            &[1, 25, 5, 64],
        );
        let l = lower_one(&g).expect("lowers");
        assert_eq!(l.kernel.macs(), 25 * 5 * 64 * 10 * 4);
        assert_eq!(l.inputs, vec![0]);
    }

    #[test]
    fn rejects_grouped_convolution_naming_tensors() {
        let g = graph(opcode::CONV_2D, conv_options(Padding::Valid, 1, 1), &[1, 5, 5, 4], &[8, 3, 3, 2], &[1, 3, 3, 8]);
        let e = lower_one(&g).unwrap_err().to_string();
        assert!(e.contains("grouped convolution") && e.contains("'w'") && e.contains("'in'"), "{e}");
    }

    #[test]
    fn rejects_shapes_that_disagree_with_the_padding() {
        // VALID 3x3 over 5x5 gives 3x3, not 5x5.
        let g = graph(opcode::CONV_2D, conv_options(Padding::Valid, 1, 1), &[1, 5, 5, 1], &[1, 3, 3, 1], &[1, 5, 5, 1]);
        let e = lower_one(&g).unwrap_err().to_string();
        assert!(e.contains("'out'") && e.contains("3x3"), "{e}");
        // A dilated window wider than the input.
        let g = graph(opcode::CONV_2D, conv_options(Padding::Valid, 1, 3), &[1, 6, 6, 1], &[1, 3, 3, 1], &[1, 1, 1, 1]);
        assert!(lower_one(&g).unwrap_err().to_string().contains("does not fit"));
        // Stride 0 is an error, not a division by zero.
        let g = graph(opcode::CONV_2D, conv_options(Padding::Same, 0, 1), &[1, 6, 6, 1], &[1, 3, 3, 1], &[1, 6, 6, 1]);
        assert!(lower_one(&g).unwrap_err().to_string().contains("at least 1"));
    }

    #[test]
    fn depthwise_checks_the_multiplier_against_the_shapes() {
        let options = |depth_multiplier| Options::DepthwiseConv2D {
            padding: Padding::Same,
            stride_w: 1,
            stride_h: 1,
            dilation_w: 1,
            dilation_h: 1,
            depth_multiplier,
            activation: Activation::None,
        };
        let g = graph(opcode::DEPTHWISE_CONV_2D, options(2), &[1, 4, 4, 3], &[1, 3, 3, 6], &[1, 4, 4, 6]);
        assert_eq!(lower_one(&g).expect("lowers").kernel.macs(), 4 * 4 * 6 * 9);
        let g = graph(opcode::DEPTHWISE_CONV_2D, options(1), &[1, 4, 4, 3], &[1, 3, 3, 6], &[1, 4, 4, 6]);
        assert!(lower_one(&g).unwrap_err().to_string().contains("depth multiplier 1"));
    }

    #[test]
    fn pooling_requires_one_quantization() {
        let options = Options::Pool2D {
            padding: Padding::Valid,
            stride_w: 2,
            stride_h: 2,
            filter_w: 2,
            filter_h: 2,
            activation: Activation::None,
        };
        let mut g = graph(opcode::AVERAGE_POOL_2D, options, &[1, 4, 4, 2], &[1], &[1, 2, 2, 2]);
        g.operators[0].inputs.truncate(1);
        let e = lower_one(&g).unwrap_err().to_string();
        assert!(e.contains("same quantization"), "{e}");
        g.tensors[2].quant = g.tensors[0].quant.clone();
        assert!(lower_one(&g).is_ok());
    }
}
