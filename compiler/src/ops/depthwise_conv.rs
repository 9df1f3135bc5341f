//! DEPTHWISE_CONV_2D: int8 activations, int8 per-channel (or per-tensor) weights, int32
//! bias, any depth multiplier; and int16 activations with int64 (or int32) bias. Prepare
//! logic from TFLM `depthwise_conv_common.cc` (`CalculateOpDataDepthwiseConv`); the
//! geometry and quantization helpers are CONV_2D's.
//!
//! An int8 layer with one input channel and a depth multiplier of at least 2
//! (micro_speech's first layer, with 8), or with 2 to 4 input channels and a multiplier
//! the depthwise kernel would take through its block loops, is lowered to a CONV_2D
//! kernel on its filter rewritten to OHWI (`as_conv`; block-diagonal when there are
//! several input channels): output channel `o` then has its taps contiguous, and the
//! convolution's im2col and four-channel dot products apply. The arithmetic is the
//! reference's: the same products summed per output channel (plus products with zero
//! weights), the same per-channel requantization.

use super::conv::Conv;
use super::conv_common::{
    activation_types, clamp_range, dims4, emit_channel_tables, filter_values, paths_expr, per_channel_multipliers,
    split_bias, window_geometry,
};
use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::{DType, Options};
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::conv::ConvParams;
use tinyml_runtime::kernels::depthwise_conv::{
    depthwise_conv_s16, depthwise_conv_s8, depthwise_conv_s8_layer_words, depthwise_conv_s8_pack,
    depthwise_conv_s8_pack_layer, depthwise_conv_s8_packed_groups, depthwise_conv_s8_paths, depthwise_path,
    DepthwiseConvParams,
};
use tinyml_runtime::kernels::packed::{words, Group16, CHANNEL_BLOCK};
use tinyml_runtime::kernels::rows_in_place::{depthwise_band, depthwise_conv_s8_rows_in_place, Band, RowWindow};

/// A lowered depthwise convolution.
#[derive(Debug)]
pub struct DepthwiseConv {
    params: DepthwiseConvParams,
    filter: Vec<i8>,
    /// int8 layers: int32 bias (empty when absent).
    bias32: Vec<i32>,
    /// int16 layers: int64 bias (empty when absent).
    bias64: Vec<i64>,
    multipliers: Vec<i32>,
    shifts: Vec<i32>,
    /// int8 layers: the optimized kernel's folded biases and requantization constants
    /// (`depthwise_conv_s8_pack`), as words, then the layer's offsets, zero points and
    /// padded taps for its runs of output pixels (`depthwise_conv_s8_pack_layer`).
    packed: Vec<i32>,
    int16: bool,
    /// int8 layers of one column ([`as_row`]): the same layer as one row, with its packed
    /// table, which a call on the whole layer takes.
    row: Option<(DepthwiseConvParams, Vec<i32>)>,
}

/// A layer of one column as one row ([`one_row`](super::conv_common::one_row)): on the M55,
/// a 48-row column of 18 channels with 7 taps took 31,875 instructions, the same layer as
/// a row 17,563 (the kernels run a row as runs of pixels that share their taps, a column
/// as one run per pixel).
fn as_row(p: &DepthwiseConvParams) -> Option<DepthwiseConvParams> {
    super::conv_common::one_row!(p, DepthwiseConvParams)
}

/// The optimized kernel's table of `params`: the groups of sixteen channels
/// (`depthwise_conv_s8_pack`), then the layer's values for its runs of output pixels
/// (`depthwise_conv_s8_pack_layer`).
fn pack(params: &DepthwiseConvParams, filter: &[i8], bias: &[i32], multipliers: &[i32], shifts: &[i32]) -> Vec<i32> {
    let mut table = vec![Group16::default(); depthwise_conv_s8_packed_groups(params)];
    depthwise_conv_s8_pack(params, filter, bias, multipliers, shifts, &mut table);
    let mut packed = words(&table).to_vec();
    let groups = packed.len();
    packed.resize(groups + depthwise_conv_s8_layer_words(params), 0);
    depthwise_conv_s8_pack_layer(params, &mut packed[groups..]);
    packed
}

/// Smallest depth multiplier of a depthwise layer lowered to a convolution: from two
/// output channels per input channel on, the convolution's four-channel dot products beat
/// the depthwise kernel's loop over the multiplier (3x3 on one channel, multiplier 2:
/// 52.6 -> 5.8 instructions per MAC on the M55, 60.9 -> 28.7 on the M33). With
/// multiplier 1 they do not (1.96 -> 11.7 on the M55): three of the four channels of a
/// dot product would be wasted.
const AS_CONV_MULTIPLIER: usize = 2;

/// Most input channels of a depthwise layer lowered to a convolution. With more than one,
/// the convolution multiplies every input channel, the zero weights of the others too, so
/// it does `input channels` times the depthwise layer's products; up to four (the
/// convolution's narrow-input path) that still beats the depthwise kernel's block loops,
/// which take layers of fewer than [`CHANNEL_BLOCK`] output channels (or a multiplier
/// other than 1, 2 or 4).
const AS_CONV_MAX_CHANNELS: usize = 4;

/// Whether a depthwise layer is lowered to a convolution ([`as_conv`]).
fn lowers_to_conv(in_c: usize, m: usize) -> bool {
    let blocks = in_c * m < CHANNEL_BLOCK || !matches!(m, 1 | 2 | 4);
    m >= AS_CONV_MULTIPLIER && (in_c == 1 || (in_c <= AS_CONV_MAX_CHANNELS && blocks))
}

/// The convolution equal to a depthwise layer of `C` input channels and multiplier `M`:
/// output channel `o = c * M + j` reads input channel `c` with the depthwise filter's
/// taps `[t][o]` (tap-major), and every other input channel with weight 0 (OHWI, a
/// block-diagonal filter; zero weights add nothing, also after the input offset is
/// folded into the biases, so the sums are the reference's).
fn as_conv(p: &DepthwiseConvParams, filter: &[i8], bias: Vec<i32>, multipliers: Vec<i32>, shifts: Vec<i32>) -> Conv {
    let (c, m, taps) = (p.input_depth, p.depth_multiplier, p.filter_h * p.filter_w);
    let outputs = c * m;
    let mut dense = vec![0i8; outputs * taps * c];
    for (t, w) in filter.chunks_exact(outputs).enumerate() {
        for (o, &v) in w.iter().enumerate() {
            dense[(o * taps + t) * c + o / m] = v;
        }
    }
    let params = ConvParams {
        input_offset: p.input_offset,
        output_offset: p.output_offset,
        stride_w: p.stride_w,
        stride_h: p.stride_h,
        dilation_w: p.dilation_w,
        dilation_h: p.dilation_h,
        pad_w: p.pad_w,
        pad_h: p.pad_h,
        activation_min: p.activation_min,
        activation_max: p.activation_max,
        batches: p.batches,
        input_h: p.input_h,
        input_w: p.input_w,
        input_depth: c,
        filter_h: p.filter_h,
        filter_w: p.filter_w,
        output_h: p.output_h,
        output_w: p.output_w,
        output_depth: outputs,
    };
    Conv::s8("DEPTHWISE_CONV_2D", params, dense, bias, multipliers, shifts).grouped(c)
}

/// Lowers a DEPTHWISE_CONV_2D operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let Options::DepthwiseConv2D { padding, stride_w, stride_h, dilation_w, dilation_h, depth_multiplier, activation } =
        cx.op.options
    else {
        return Err(cx.invalid("missing DepthwiseConv2DOptions"));
    };
    let input = cx.expect_input_type(0, &[DType::I8, DType::I16])?;
    let filter = cx.expect_input_type(1, &[DType::I8])?;
    let output = cx.output(0)?;
    activation_types(cx, input, output)?;
    let [batches, in_h, in_w, in_c] = dims4(cx, input, "input")?;
    let [one, k_h, k_w, out_c] = dims4(cx, filter, "filter")?;
    let [out_n, _, _, out_c2] = dims4(cx, output, "output")?;
    if one != 1 {
        return Err(
            cx.invalid(format!("filter '{}' has shape {:?}, expected 1 x H x W x C", filter.name, filter.shape))
        );
    }
    // TFLM takes the multiplier from the options and indexes the filter with it, so
    // the options and the shapes must agree.
    if depth_multiplier == 0 || in_c * depth_multiplier != out_c || out_c2 != out_c || out_n != batches {
        return Err(cx.invalid(format!(
            "input '{}' has {in_c} channels, depth multiplier {depth_multiplier}, filter '{}' {out_c} channels and \
             output '{}' shape {:?}; expected {batches} batches and {in_c} x {depth_multiplier} channels",
            input.name, filter.name, output.name, output.shape
        )));
    }
    let (pad_h, pad_w) =
        window_geometry(cx, padding, (in_h, in_w), (k_h, k_w), (stride_h, stride_w), (dilation_h, dilation_w), output)?;
    let (_, in_zp) = cx.quant_of(input, "input")?;
    let (_, out_zp) = cx.quant_of(output, "output")?;
    let (multipliers, shifts) = per_channel_multipliers(cx, input, filter, output, out_c)?;
    let (activation_min, activation_max) = clamp_range(cx, activation, output)?;
    let int16 = input.dtype == DType::I16;
    let (bias32, bias64) = split_bias(cx, int16, out_c)?;
    let params = DepthwiseConvParams {
        input_offset: -(in_zp as i32),
        output_offset: out_zp as i32,
        stride_w,
        stride_h,
        dilation_w,
        dilation_h,
        pad_w,
        pad_h,
        depth_multiplier,
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
    };
    let filter = filter_values(cx, filter)?;
    let kernel: Box<dyn Kernel> = if int16 {
        let packed = Vec::new();
        Box::new(DepthwiseConv { params, filter, bias32, bias64, multipliers, shifts, packed, int16, row: None })
    } else if lowers_to_conv(in_c, depth_multiplier) {
        Box::new(as_conv(&params, &filter, bias32, multipliers, shifts))
    } else {
        let packed = pack(&params, &filter, &bias32, &multipliers, &shifts);
        let row = as_row(&params).map(|r| (r, pack(&r, &filter, &bias32, &multipliers, &shifts)));
        Box::new(DepthwiseConv { params, filter, bias32, bias64, multipliers, shifts, packed, int16, row })
    };
    Ok(Lowered { kernel, inputs: vec![cx.input_id(0)?], outputs: vec![cx.output_id(0)?] })
}

impl Kernel for DepthwiseConv {
    fn op_name(&self) -> &'static str {
        "DEPTHWISE_CONV_2D"
    }

    fn macs(&self) -> u64 {
        // One input channel per output channel (a group of one).
        let p = &self.params;
        (p.batches * p.output_h * p.output_w * p.input_depth * p.depth_multiplier * p.filter_h * p.filter_w) as u64
    }

    fn const_bytes(&self) -> usize {
        self.filter.len()
            + 4 * self.bias32.len()
            + 8 * self.bias64.len()
            + 4 * (self.multipliers.len() + self.shifts.len() + self.packed.len())
    }

    fn row_window(&self) -> Option<RowWindow> {
        (!self.int16 && self.params.batches == 1).then(|| RowWindow::of_depthwise(&self.params))
    }

    fn execute_rows(
        &self,
        buf: &mut [i8],
        shift: usize,
        band: usize,
        direct: bool,
        scratch: &mut [u8],
    ) -> Result<(), tinyml_runtime::Error> {
        let (bias, mult, shifts) = (&self.bias32, &self.multipliers, &self.shifts);
        depthwise_conv_s8_rows_in_place(
            &self.params,
            buf,
            shift,
            band,
            direct,
            &self.filter,
            bias,
            mult,
            shifts,
            &self.packed,
            scratch,
        )
    }

    fn execute_band(
        &self,
        band: &Band,
        input: &[i8],
        output: &mut [i8],
        _scratch: &mut [u8],
    ) -> Result<(), tinyml_runtime::Error> {
        let (p, bias, mult, shifts) =
            (depthwise_band(&self.params, band), &self.bias32, &self.multipliers, &self.shifts);
        depthwise_conv_s8(&p, input, &self.filter, bias, mult, shifts, &self.packed, output);
        Ok(())
    }

    fn band_functions(&self) -> Option<(&'static str, &'static str)> {
        Some(("RowWindow::of_depthwise", "depthwise_band"))
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        if self.int16 {
            let (input, output) = io.io1::<i16, i16>()?;
            depthwise_conv_s16(
                &self.params,
                input,
                &self.filter,
                &self.bias64,
                &self.multipliers,
                &self.shifts,
                output,
            );
        } else {
            let (input, output) = io.io1::<i8, i8>()?;
            let (bias, mult, shift) = (&self.bias32, &self.multipliers, &self.shifts);
            depthwise_conv_s8(&self.params, input, &self.filter, bias, mult, shift, &self.packed, output);
        }
        Ok(())
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        self.emit_with(e, &self.params, &self.packed)
    }

    fn whole_const_bytes(&self) -> usize {
        let row_table = self.row.as_ref().map_or(self.packed.len(), |(_, packed)| packed.len());
        self.const_bytes() - 4 * self.packed.len() + 4 * row_table
    }

    fn emit_whole(&self, e: &mut Emitter) -> Call {
        match &self.row {
            Some((params, packed)) => self.emit_with(e, params, packed),
            None => self.emit(e),
        }
    }
}

impl DepthwiseConv {
    /// The call of the layer with `params` and their `packed` table.
    fn emit_with(&self, e: &mut Emitter, params: &DepthwiseConvParams, packed: &[i32]) -> Call {
        e.use_path("tinyml_runtime::kernels::depthwise_conv::*");
        // The path of these parameters (the runtime's choice), the other compiled out.
        let paths = paths_expr("depthwise_path", &depthwise_path::NAMES, depthwise_conv_s8_paths(params));
        let params = e.params("PARAMS", "DepthwiseConvParams", params);
        let [filter, bias, mult, shift] =
            emit_channel_tables(e, &self.filter, (&self.bias32, &self.bias64), &self.multipliers, &self.shifts);
        if self.int16 {
            return Call::new(
                "depthwise_conv_s16",
                vec![params, Arg::Input(0), filter, bias, mult, shift, Arg::Output],
            );
        }
        let packed = e.packed("PACKED", packed);
        Call::new("depthwise_conv_s8", vec![params, Arg::Input(0), filter, bias, mult, shift, packed, Arg::Output])
            .with_only(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testing::{column_geometries, Xorshift};

    /// The row form of every small one-column layer computes the column form's bytes,
    /// through the optimized kernel with each form's table and through the reference
    /// kernel (an empty table).
    #[test]
    fn a_column_as_a_row_computes_the_same_bytes() {
        let mut rng = Xorshift::new();
        let geometries = column_geometries(&[2, 5, 16, 33], &[1, 3, 7], &[(1, 1), (2, 1), (1, 2), (3, 2)]);
        let mut checked = 0;
        for (input_h, filter_h, stride, dilation, output_h, pad_h) in geometries {
            for (channels, multiplier) in [(1, 1), (3, 1), (8, 1), (18, 1), (16, 2), (5, 3)] {
                let od = channels * multiplier;
                let p = DepthwiseConvParams {
                    input_offset: rng.input_offset(),
                    output_offset: (rng.next() % 256) as i32 - 128,
                    stride_w: 1,
                    stride_h: stride,
                    dilation_w: 1,
                    dilation_h: dilation,
                    pad_w: 0,
                    pad_h,
                    depth_multiplier: multiplier,
                    activation_min: -128,
                    activation_max: 127,
                    batches: 1,
                    input_h,
                    input_w: 1,
                    input_depth: channels,
                    filter_h,
                    filter_w: 1,
                    output_h,
                    output_w: 1,
                };
                let row = as_row(&p).expect("a column");
                let (input, filter) = (rng.bytes(input_h * channels), rng.bytes(filter_h * od));
                let (bias, mult, shifts) = rng.requantization(od);
                let run = |p: &DepthwiseConvParams, packed: &[i32]| {
                    let mut out = vec![0i8; output_h * od];
                    depthwise_conv_s8(p, &input, &filter, &bias, &mult, &shifts, packed, &mut out);
                    out
                };
                let column = run(&p, &pack(&p, &filter, &bias, &mult, &shifts));
                let what = format!("{p:?}");
                assert_eq!(run(&row, &pack(&row, &filter, &bias, &mult, &shifts)), column, "{what}");
                assert_eq!(run(&p, &[]), column, "reference, {what}");
                checked += 1;
            }
        }
        assert!(checked > 400, "{checked} geometries");
    }
}
