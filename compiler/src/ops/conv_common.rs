//! Lowering helpers of the windowed operators, shared by CONV_2D, DEPTHWISE_CONV_2D and
//! the pooling operators: output size and padding (TFLM `ComputeOutSize`,
//! `ComputePaddingWithOffset`), per-channel requantization, bias and activation checks.

use super::LowerCx;
use crate::error::CompileError;
use crate::graph::quant::{activation_range, quantize_multiplier};
use crate::graph::{Activation, DType, Padding, Tensor};
use crate::kernel::{Arg, Emitter};

/// TFLM `ComputeOutSize`: the output size along one axis, or `None` when the window
/// does not fit (VALID padding over a too small input).
pub(crate) fn out_size(padding: Padding, size: usize, filter: usize, stride: usize, dilation: usize) -> Option<usize> {
    let effective = (filter - 1) * dilation + 1;
    let n = match padding {
        Padding::Same => size.div_ceil(stride),
        Padding::Valid => (size + stride).checked_sub(effective)? / stride,
    };
    (n > 0).then_some(n)
}

/// TFLM `ComputePaddingWithOffset`: the padding before the first element (any odd
/// extra pixel goes after the last one).
pub(crate) fn pad_before(stride: usize, dilation: usize, size: usize, filter: usize, out: usize) -> usize {
    let effective = (filter - 1) * dilation + 1;
    ((out - 1) * stride + effective).saturating_sub(size) / 2
}

/// Geometry of a windowed operator along height and width, checked against the output
/// tensor: `(pad_h, pad_w)`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn window_geometry(
    cx: &LowerCx,
    padding: Padding,
    (in_h, in_w): (usize, usize),
    (k_h, k_w): (usize, usize),
    (stride_h, stride_w): (usize, usize),
    (dil_h, dil_w): (usize, usize),
    output: &Tensor,
) -> Result<(usize, usize), CompileError> {
    if stride_h == 0 || stride_w == 0 || dil_h == 0 || dil_w == 0 || k_h == 0 || k_w == 0 {
        return Err(cx.invalid(format!(
            "stride {stride_h}x{stride_w}, dilation {dil_h}x{dil_w} and window {k_h}x{k_w} must all be at least 1"
        )));
    }
    let oh = out_size(padding, in_h, k_h, stride_h, dil_h);
    let ow = out_size(padding, in_w, k_w, stride_w, dil_w);
    let (Some(oh), Some(ow)) = (oh, ow) else {
        return Err(cx.invalid(format!(
            "a {k_h}x{k_w} window (dilation {dil_h}x{dil_w}) does not fit a {in_h}x{in_w} input with {padding:?} padding"
        )));
    };
    if output.shape[1] != oh || output.shape[2] != ow {
        return Err(cx.invalid(format!(
            "output '{}' has shape {:?}, but {padding:?} padding with stride {stride_h}x{stride_w} gives {oh}x{ow}",
            output.name, output.shape
        )));
    }
    Ok((pad_before(stride_h, dil_h, in_h, k_h, oh), pad_before(stride_w, dil_w, in_w, k_w, ow)))
}

/// Checks that `t` is 4-D (NHWC or OHWI) and returns its dimensions.
pub(crate) fn dims4(cx: &LowerCx, t: &Tensor, role: &str) -> Result<[usize; 4], CompileError> {
    match t.shape[..] {
        [a, b, c, d] => Ok([a, b, c, d]),
        _ => {
            Err(cx.unsupported(format!("{role} '{}' has shape {:?}; only 4-D tensors are supported", t.name, t.shape)))
        }
    }
}

/// The NHWC input, OHWI filter and NHWC output of a convolution, checked against each
/// other: the filter reads every input channel (else a grouped convolution, which TFLM's
/// kernels do not run), and the output has the input's batches and one channel per
/// filter.
pub(crate) fn conv_shapes(
    cx: &LowerCx,
    input: &Tensor,
    filter: &Tensor,
    output: &Tensor,
) -> Result<[[usize; 4]; 3], CompileError> {
    let in_dims @ [batches, _, _, in_c] = dims4(cx, input, "input")?;
    let filter_dims @ [out_c, _, _, k_c] = dims4(cx, filter, "filter")?;
    let out_dims @ [out_n, _, _, out_c2] = dims4(cx, output, "output")?;
    if k_c != in_c {
        return Err(cx.unsupported(format!(
            "filter '{}' has {k_c} input channels but input '{}' has {in_c}: grouped convolution is not supported",
            filter.name, input.name
        )));
    }
    if out_n != batches || out_c2 != out_c {
        return Err(cx.invalid(format!(
            "output '{}' has shape {:?}, expected {batches} batches and {out_c} channels",
            output.name, output.shape
        )));
    }
    Ok([in_dims, filter_dims, out_dims])
}

/// Per-channel multipliers and shifts, as `PopulateConvolutionQuantizationParams`
/// computes them: `double(input_scale) * double(filter_scale[c]) / double(output_scale)`
/// through `QuantizeMultiplier`. A per-tensor filter scale applies to every channel.
pub(crate) fn per_channel_multipliers(
    cx: &LowerCx,
    input: &Tensor,
    filter: &Tensor,
    output: &Tensor,
    channels: usize,
) -> Result<(Vec<i32>, Vec<i32>), CompileError> {
    let (in_scale, _) = cx.quant_of(input, "input")?;
    let (out_scale, _) = cx.quant_of(output, "output")?;
    let q =
        filter.quant.as_ref().ok_or_else(|| cx.unsupported(format!("filter '{}' is not quantized", filter.name)))?;
    if q.scale.len() != 1 && q.scale.len() != channels {
        return Err(cx.invalid(format!(
            "filter '{}' has {} scales for {channels} output channels (expected 1 or {channels})",
            filter.name,
            q.scale.len()
        )));
    }
    if q.zero_point.iter().any(|&z| z != 0) {
        return Err(cx.unsupported(format!(
            "filter '{}' has a non-zero zero point; TFLM's per-channel kernels require symmetric weights",
            filter.name
        )));
    }
    let mut multipliers = Vec::with_capacity(channels);
    let mut shifts = Vec::with_capacity(channels);
    for c in 0..channels {
        let f_scale = q.scale[if q.scale.len() == 1 { 0 } else { c }];
        let real = in_scale as f64 * f_scale as f64 / out_scale as f64;
        let (m, s) = quantize_multiplier(real);
        multipliers.push(m);
        shifts.push(s);
    }
    Ok((multipliers, shifts))
}

/// The optional bias of a convolution (operator input `input`), widened to i64 (int16
/// kernels take int64 bias; TFLM accumulates an int32 bias into the same int64 sum, and
/// TRANSPOSE_CONV widens an int16 bias into a scratch buffer of int64).
pub(crate) fn bias_values(
    cx: &LowerCx,
    input: usize,
    allowed: &[DType],
    channels: usize,
) -> Result<Option<Vec<i64>>, CompileError> {
    let Some(b) = cx.optional_input(input) else { return Ok(None) };
    if !allowed.contains(&b.dtype) {
        return Err(cx.unsupported(format!(
            "bias '{}' of type {} (supported here: {})",
            b.name,
            b.dtype.tflite_name(),
            allowed.iter().map(|d| d.tflite_name()).collect::<Vec<_>>().join(", ")
        )));
    }
    let data = b.data.as_ref().ok_or_else(|| cx.unsupported(format!("bias '{}' must be constant", b.name)))?;
    let values: Vec<i64> = match b.dtype {
        DType::I64 => data.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect(),
        DType::I16 => data.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]]) as i64).collect(),
        _ => data.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64).collect(),
    };
    if values.len() != channels {
        return Err(cx.invalid(format!(
            "bias '{}' has {} values for {channels} output channels",
            b.name,
            values.len()
        )));
    }
    Ok(Some(values))
}

/// The bias (input 2) of an int8 (int32 bias) or int16 (int64 bias) convolution; both
/// empty without a bias.
pub(crate) fn split_bias(cx: &LowerCx, int16: bool, out_c: usize) -> Result<(Vec<i32>, Vec<i64>), CompileError> {
    split_bias_of(cx, 2, if int16 { &[DType::I64, DType::I32] } else { &[DType::I32] }, int16, out_c)
}

/// [`split_bias`] of operator input `input`, of one of the `allowed` types.
pub(crate) fn split_bias_of(
    cx: &LowerCx,
    input: usize,
    allowed: &[DType],
    int16: bool,
    out_c: usize,
) -> Result<(Vec<i32>, Vec<i64>), CompileError> {
    let bias = bias_values(cx, input, allowed, out_c)?;
    Ok(match (int16, bias) {
        (_, None) => (Vec::new(), Vec::new()),
        (false, Some(b)) => (b.into_iter().map(|v| v as i32).collect(), Vec::new()),
        (true, Some(b)) => (Vec::new(), b),
    })
}

/// Emits the per-channel tables of a convolution: filter, bias (the one not empty, or
/// none), multipliers and shifts.
pub(crate) fn emit_channel_tables(
    e: &mut Emitter,
    filter: &[i8],
    (bias32, bias64): (&[i32], &[i64]),
    multipliers: &[i32],
    shifts: &[i32],
) -> [Arg; 4] {
    let filter = e.table("FILTER", filter);
    let bias = if !bias32.is_empty() {
        e.table("BIAS", bias32)
    } else if !bias64.is_empty() {
        e.table("BIAS", bias64)
    } else {
        Arg::NoTable
    };
    [filter, bias, e.table("MULT", multipliers), e.table("SHIFT", shifts)]
}

/// The fused activation's clamp range for `output`.
pub(crate) fn clamp_range(cx: &LowerCx, activation: Activation, output: &Tensor) -> Result<(i32, i32), CompileError> {
    let (scale, zp) = cx.quant_of(output, "output")?;
    activation_range(activation, output.dtype, scale, zp).ok_or_else(|| {
        cx.unsupported(format!("fused activation {activation:?} (supported: NONE, RELU, RELU_N1_TO_1, RELU6)"))
    })
}

/// Constant int8 weights of input 1.
pub(crate) fn filter_values(cx: &LowerCx, filter: &Tensor) -> Result<Vec<i8>, CompileError> {
    let data = filter.data.as_ref().ok_or_else(|| {
        cx.unsupported(format!(
            "filter '{}' must be constant (weights computed at run time are not supported)",
            filter.name
        ))
    })?;
    if data.len() != filter.elements() {
        return Err(cx.invalid(format!(
            "filter '{}' has {} bytes for {} elements",
            filter.name,
            data.len(),
            filter.elements()
        )));
    }
    Ok(data.iter().map(|&b| b as i8).collect())
}

/// Checks the activation tensor types and zero points: int8 in and out, or int16 in
/// and out with zero points 0 (TFLM's 16x8 kernels assume symmetric activations).
pub(crate) fn activation_types(cx: &LowerCx, input: &Tensor, output: &Tensor) -> Result<(), CompileError> {
    if output.dtype != input.dtype {
        return Err(cx.unsupported(format!(
            "input '{}' is {} but output '{}' is {}; they must match",
            input.name,
            input.dtype.tflite_name(),
            output.name,
            output.dtype.tflite_name()
        )));
    }
    if input.dtype == DType::I16 {
        for (t, role) in [(input, "input"), (output, "output")] {
            if cx.quant_of(t, role)?.1 != 0 {
                return Err(cx.unsupported(format!("int16 {role} '{}' must have zero point 0", t.name)));
            }
        }
    }
    Ok(())
}

/// The parameters of a layer of one column (input and output one pixel wide, the filter
/// one tap wide, more than one row: the 1-D layers of audio models, time along the
/// height) as the same layer over the same bytes as one row, height and width swapped
/// (`ConvParams` or `DepthwiseConvParams`, which name their geometry alike); `None` for
/// any other layer. The filter's bytes need no change: one tap per row is one tap per
/// column. Only a call on the whole layer takes the row form (`Kernel::emit_whole`): by
/// rows and fused, the bands are the column's rows.
macro_rules! one_row {
    ($p:expr, $params:ident) => {{
        let p = $p;
        let column = p.input_w == 1 && p.output_w == 1 && p.filter_w == 1 && p.pad_w == 0 && p.input_h > 1;
        column.then_some($params {
            input_h: 1,
            input_w: p.input_h,
            filter_h: 1,
            filter_w: p.filter_h,
            output_h: 1,
            output_w: p.output_h,
            stride_h: 1,
            stride_w: p.stride_h,
            dilation_h: 1,
            dilation_w: p.dilation_h,
            pad_h: 0,
            pad_w: p.pad_h,
            ..*p
        })
    }};
}
pub(crate) use one_row;

/// A set of paths of a kernel (`paths`, bits named by `names`, the runtime's table of
/// `module`) as a Rust expression of the runtime's names (`conv_path::NARROW |
/// conv_path::GENERAL`), for the const argument of its `_only` form (`Call::only`).
pub(crate) fn paths_expr(module: &str, names: &[(u8, &str)], paths: u8) -> String {
    let names: Vec<String> =
        names.iter().filter(|(path, _)| paths & path != 0).map(|(_, name)| format!("{module}::{name}")).collect();
    if names.is_empty() {
        "0".to_owned()
    } else {
        names.join(" | ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_size_and_padding_match_tflm() {
        // SAME: ceil(in / stride); padding splits the total with the odd pixel after.
        assert_eq!(out_size(Padding::Same, 49, 10, 2, 1), Some(25));
        assert_eq!(pad_before(2, 1, 49, 10, 25), 4); // total (24*2 + 10 - 49) = 9 -> 4
        assert_eq!(out_size(Padding::Same, 10, 4, 2, 1), Some(5));
        assert_eq!(pad_before(2, 1, 10, 4, 5), 1); // total 8 + 4 - 10 = 2 -> 1
                                                   // VALID: (in + stride - effective) / stride, with dilation widening the window.
        assert_eq!(out_size(Padding::Valid, 7, 3, 2, 1), Some(3));
        assert_eq!(out_size(Padding::Valid, 7, 3, 1, 3), Some(1)); // effective 7
        assert_eq!(out_size(Padding::Valid, 6, 3, 1, 3), None);
        assert_eq!(pad_before(1, 3, 7, 3, 1), 0);
        // SAME with stride larger than the window: no negative padding.
        assert_eq!(out_size(Padding::Same, 5, 1, 3, 1), Some(2));
        assert_eq!(pad_before(3, 1, 5, 1, 2), 0);
    }
}
