//! DEPTHWISE_CONV_2D with int8 activations, int8 per-channel weights and int32 bias
//! (TFLM `reference_integer_ops::DepthwiseConvPerChannel`), any depth multiplier, and
//! the int16-activation variant with int64 bias and accumulator.
//!
//! Input and output are NHWC; the filter is `1 x H x W x (C * M)`: output channel
//! `c * M + m` reads input channel `c`.
//!
//! The family's files: `params.rs` (the parameters and the packed table the model
//! compiler derives from them), `layer.rs` (the layer's values the runs of output pixels
//! read, packed after that table), `reference.rs` (the readable kernels) and
//! `optimized.rs` (the fast int8 kernel, with `rows.rs` for its runs of output pixels);
//! [`depthwise_conv_s8`] here chooses between the last two, linking every path of the
//! optimized kernel ([`depthwise_conv_s8_paths`] chooses at run time);
//! [`depthwise_conv_s8_only`], which generated code calls, links only those of its const
//! argument, the one the layer takes.

mod layer;
mod params;
mod reference;

#[cfg(not(feature = "reference-kernels"))]
pub mod optimized;
#[cfg(not(feature = "reference-kernels"))]
mod rows;

pub use layer::{depthwise_conv_s8_layer_words, depthwise_conv_s8_pack_layer, depthwise_conv_s8_paths, depthwise_path};
pub use params::{depthwise_conv_s8_pack, depthwise_conv_s8_packed_groups, DepthwiseConvParams};
pub use reference::{depthwise_conv_s16, depthwise_conv_s8_reference};

/// For each output pixel and output channel `oc = c * M + m`:
/// `requant_oc(sum over taps (input[c] + input_offset) * filter[oc] + bias[oc])`.
///
/// `bias` is empty when the layer has none; `multipliers` and `shifts` have one entry per
/// output channel. Slices must have the lengths implied by `p`; the model compiler
/// guarantees it. `packed` ([`depthwise_conv_s8_pack`]'s groups, then
/// [`depthwise_conv_s8_pack_layer`]'s words) is for the optimized kernel,
/// which this calls first; the reference ignores it, and the optimized kernel hands back
/// to it when `packed` is empty or of another layout.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_s8(
    p: &DepthwiseConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    output: &mut [i8],
) {
    depthwise_conv_s8_only::<{ depthwise_path::ALL }>(p, input, filter, bias, multipliers, shifts, packed, output)
}

/// [`depthwise_conv_s8`] with only the optimized kernel's paths in `PATHS`
/// ([`depthwise_path`]) compiled in: the model compiler passes the path the layer takes
/// ([`depthwise_conv_s8_paths`]). A layer whose path is not in `PATHS` is a compiler bug:
/// a debug build panics; a release build computes it with the reference kernel.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_s8_only<const PATHS: u8>(
    p: &DepthwiseConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    output: &mut [i8],
) {
    debug_assert_paths::<PATHS>(p, packed);
    #[cfg(not(feature = "reference-kernels"))]
    if optimized::depthwise_conv_s8_only::<PATHS>(p, input, filter, bias, multipliers, shifts, packed, output) {
        return;
    }
    #[cfg(feature = "reference-kernels")]
    let _ = packed;
    depthwise_conv_s8_reference(p, input, filter, bias, multipliers, shifts, output)
}

/// Panics in debug builds when layer `p` (with its table `packed`: the reference
/// kernel's calls pass none) takes a path outside `PATHS`.
#[inline(always)]
fn debug_assert_paths<const PATHS: u8>(p: &DepthwiseConvParams, packed: &[i32]) {
    let paths = depthwise_conv_s8_paths(p);
    debug_assert!(
        PATHS == depthwise_path::ALL || packed.is_empty() || paths & !PATHS == 0,
        "depthwise_conv_s8_only::<{PATHS}> called for a layer taking paths {paths}"
    );
}

/// [`depthwise_conv_s8`] for a layer run a band of output rows at a time
/// (`kernels::rows_in_place`): `run` gets the kernel of one band (its parameters, input
/// rows and output), the same results as `depthwise_conv_s8` on each band; the optimized
/// kernel prepares what the bands share once.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_s8_bands<R>(
    p: &DepthwiseConvParams,
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    run: impl FnOnce(&mut dyn FnMut(&DepthwiseConvParams, &[i8], &mut [i8])) -> R,
) -> R {
    depthwise_conv_s8_bands_only::<{ depthwise_path::ALL }, R>(p, filter, bias, multipliers, shifts, packed, run)
}

/// [`depthwise_conv_s8_bands`] with only the paths in `PATHS` compiled in, as
/// [`depthwise_conv_s8_only`].
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_s8_bands_only<const PATHS: u8, R>(
    p: &DepthwiseConvParams,
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    run: impl FnOnce(&mut dyn FnMut(&DepthwiseConvParams, &[i8], &mut [i8])) -> R,
) -> R {
    debug_assert_paths::<PATHS>(p, packed);
    #[cfg(not(feature = "reference-kernels"))]
    return optimized::depthwise_conv_s8_bands::<PATHS, R>(p, filter, packed, run, |b, input, output| {
        depthwise_conv_s8_only::<PATHS>(b, input, filter, bias, multipliers, shifts, packed, output)
    });
    #[cfg(feature = "reference-kernels")]
    {
        let _ = p;
        run(&mut |b, input, output| depthwise_conv_s8(b, input, filter, bias, multipliers, shifts, packed, output))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_multiplier_two() {
        // One input channel of 2x2 [1, 2, 3, 4], multiplier 2, 2x2 VALID filter:
        // channel 0 weights all 1 -> 10, channel 1 weights [1, 0, 0, -1] -> -3.
        let p = DepthwiseConvParams {
            input_offset: 0,
            output_offset: 5,
            stride_w: 1,
            stride_h: 1,
            dilation_w: 1,
            dilation_h: 1,
            pad_w: 0,
            pad_h: 0,
            depth_multiplier: 2,
            activation_min: -128,
            activation_max: 127,
            batches: 1,
            input_h: 2,
            input_w: 2,
            input_depth: 1,
            filter_h: 2,
            filter_w: 2,
            output_h: 1,
            output_w: 1,
        };
        let input = [1i8, 2, 3, 4];
        // Filter 1x2x2x2: tap-major, channel-minor.
        let filter = [1i8, 1, 1, 0, 1, 0, 1, -1];
        let mut out = [0i8; 2];
        // Multiplier 1.0: Q31 2^30 with shift 1.
        depthwise_conv_s8(&p, &input, &filter, &[0, 1], &[1 << 30, 1 << 30], &[1, 1], &[], &mut out);
        assert_eq!(out, [15, 3]);
    }
}
