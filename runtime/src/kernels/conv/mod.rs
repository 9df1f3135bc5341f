//! CONV_2D with int8 activations, int8 per-channel weights and int32 bias (TFLM
//! `reference_integer_ops::ConvPerChannel`), and the int16-activation variant with an
//! int64 accumulator (`ConvPerChannel` for `int16_t`).
//!
//! Layouts are TFLite's: input and output NHWC, filter OHWI.
//!
//! The family's files: `params.rs` (the parameters, and the scratch and packed table the
//! model compiler derives from them), `reference.rs` (the readable kernels) and
//! `optimized.rs` (the fast int8 kernel, with `narrow.rs` for inputs of 1 to 4 channels,
//! `in_place/` for windows read in place when the arena has no scratch for the column,
//! and without Helium for every window but a pointwise layer's); [`conv_s8`] here
//! chooses between the reference and the optimized kernel, whose paths it links all
//! ([`conv_s8_paths`] chooses at run time); [`conv_s8_only`], which generated code
//! calls, links only the paths of its const argument, the ones the layer takes.

mod params;
mod reference;

#[cfg(not(feature = "reference-kernels"))]
mod in_place;
#[cfg(not(feature = "reference-kernels"))]
pub mod narrow;
#[cfg(not(feature = "reference-kernels"))]
pub mod optimized;
#[cfg(not(feature = "reference-kernels"))]
mod pixel;
#[cfg(not(feature = "reference-kernels"))]
mod pointwise;

pub use params::{
    conv_path, conv_s8_narrow_words, conv_s8_pack, conv_s8_pack_narrow, conv_s8_packed_groups, conv_s8_paths,
    conv_s8_scratch, in_place_read, is_narrow, is_pointwise, padded_extent, ConvParams, InPlaceRead, IN_PLACE_COLUMN,
};
pub use reference::{conv_s16, conv_s8_reference};

/// int8 convolution: for each output pixel and channel `c`,
/// `requant_c(sum (input + input_offset) * filter + bias[c])`.
///
/// `bias` is empty when the layer has none; `multipliers` and `shifts` have one entry per
/// output channel. Slices must have the lengths implied by `p`; the model compiler
/// guarantees it. `packed` ([`conv_s8_pack`]'s groups, then [`conv_s8_pack_narrow`]'s
/// words) and `scratch` ([`conv_s8_scratch`]) are
/// for the optimized kernel, which this calls first; the reference ignores them, and the
/// optimized kernel hands back to it when `packed` is empty or of another layout, so a
/// call with `&[]` and `&mut []` is always valid. The optimized kernel chooses its path
/// at run time ([`conv_s8_paths`]), so every path is linked; generated code calls
/// [`conv_s8_only`] instead.
#[allow(clippy::too_many_arguments)]
pub fn conv_s8(
    p: &ConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    scratch: &mut [u8],
    output: &mut [i8],
) {
    conv_s8_only::<{ conv_path::ALL }>(p, input, filter, bias, multipliers, shifts, packed, scratch, output)
}

/// [`conv_s8`] with only the optimized kernel's paths in `PATHS` ([`conv_path`]) compiled
/// in: the model compiler passes the paths the layer takes ([`conv_s8_paths`] of its
/// parameters and granted scratch), so a model links only the paths its layers take. A
/// layer whose path is not in `PATHS` is a compiler bug: a debug build panics; a release
/// build computes it with the reference kernel (the same bytes, slower). On Helium a set
/// with the narrow path (a narrow layer's, other than [`conv_path::ALL`]) links that path
/// alone: Helium always takes it; the layer's other path is for cores without Helium.
#[allow(clippy::too_many_arguments)]
pub fn conv_s8_only<const PATHS: u8>(
    p: &ConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    scratch: &mut [u8],
    output: &mut [i8],
) {
    debug_assert_paths::<PATHS>(p, packed, scratch.len());
    #[cfg(not(feature = "reference-kernels"))]
    if optimized::conv_s8_only::<PATHS>(p, input, filter, bias, multipliers, shifts, packed, scratch, output) {
        return;
    }
    #[cfg(feature = "reference-kernels")]
    let _ = (packed, scratch);
    conv_s8_reference(p, input, filter, bias, multipliers, shifts, output)
}

/// Panics in debug builds when layer `p` (with its table `packed`: the reference
/// kernel's calls pass none) takes a path outside `PATHS` with `scratch` bytes.
#[inline(always)]
fn debug_assert_paths<const PATHS: u8>(p: &ConvParams, packed: &[i32], scratch: usize) {
    if !cfg!(debug_assertions) {
        return;
    }
    // A narrow layer's table has the narrow path's words after its groups, and no other
    // layer's has: told by the table's length rather than by `is_narrow`, whose walk of
    // the window's taps the firmware of a model without narrow layers would then link.
    use crate::kernels::packed::{group4_count, Group4, Words};
    let groups = group4_count(p.output_depth) * Group4::WORDS;
    let narrow = if packed.len() > groups { conv_path::NARROW } else { 0 };
    let paths = narrow | params::conv_s8_paths_in(p, scratch, conv_path::ALL & !conv_path::NARROW);
    debug_assert!(
        PATHS == conv_path::ALL || packed.is_empty() || paths & !PATHS == 0,
        "conv_s8_only::<{PATHS}> called for a layer taking paths {paths} ({scratch} B of scratch)"
    );
}

/// [`conv_s8`] for a layer run a band of output rows at a time
/// (`kernels::rows_in_place`): `run` gets the kernel of one band (its parameters, input
/// rows and output), the same results as `conv_s8` on each band; the optimized kernel
/// prepares what the bands share once.
#[allow(clippy::too_many_arguments)]
pub fn conv_s8_bands<R>(
    p: &ConvParams,
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    scratch: &mut [u8],
    run: impl FnOnce(&mut dyn FnMut(&ConvParams, &[i8], &mut [i8])) -> R,
) -> R {
    conv_s8_bands_only::<{ conv_path::ALL }, R>(p, filter, bias, multipliers, shifts, packed, scratch, run)
}

/// [`conv_s8_bands`] with only the paths in `PATHS` compiled in, as [`conv_s8_only`].
#[allow(clippy::too_many_arguments)]
pub fn conv_s8_bands_only<const PATHS: u8, R>(
    p: &ConvParams,
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    scratch: &mut [u8],
    run: impl FnOnce(&mut dyn FnMut(&ConvParams, &[i8], &mut [i8])) -> R,
) -> R {
    debug_assert_paths::<PATHS>(p, packed, scratch.len());
    #[cfg(not(feature = "reference-kernels"))]
    return optimized::conv_s8_bands::<PATHS, R>(p, filter, bias, packed, scratch, run, |b, input, output, scratch| {
        conv_s8_only::<PATHS>(b, input, filter, bias, multipliers, shifts, packed, scratch, output)
    });
    #[cfg(feature = "reference-kernels")]
    {
        let _ = p;
        run(&mut |b, input, output| conv_s8(b, input, filter, bias, multipliers, shifts, packed, &mut *scratch, output))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> ConvParams {
        ConvParams {
            input_offset: 0,
            output_offset: 0,
            stride_w: 1,
            stride_h: 1,
            dilation_w: 1,
            dilation_h: 1,
            pad_w: 1,
            pad_h: 1,
            activation_min: -128,
            activation_max: 127,
            batches: 1,
            input_h: 3,
            input_w: 3,
            input_depth: 1,
            filter_h: 3,
            filter_w: 3,
            output_h: 3,
            output_w: 3,
            output_depth: 1,
        }
    }

    #[test]
    fn same_padding_counts_only_real_pixels() {
        // All-ones 3x3 filter over all-ones 3x3 input with input zero point -1 (offset
        // +1): each output sums (1 + 1) over the taps inside the image: corners 4 taps,
        // edges 6, centre 9. Padded taps add nothing (not the zero point).
        let p = ConvParams { input_offset: 1, ..params() };
        let input = [1i8; 9];
        let filter = [1i8; 9];
        let mut out = [0i8; 9];
        // Multiplier 0.5 (Q31 2^30, shift 0): halves the sum.
        conv_s8(&p, &input, &filter, &[], &[1 << 30], &[0], &[], &mut [], &mut out);
        assert_eq!(out, [4, 6, 4, 6, 9, 6, 4, 6, 4]);
    }

    #[test]
    fn bias_and_activation_clamp() {
        let p = ConvParams {
            activation_min: 0,
            activation_max: 10,
            pad_w: 0,
            pad_h: 0,
            output_h: 1,
            output_w: 1,
            ..params()
        };
        let input = [2i8; 9];
        let filter = [-1i8; 9];
        let mut out = [0i8; 1];
        // sum = -18, + bias 100 = 82, * 0.5 = 41, clamped to 10.
        conv_s8(&p, &input, &filter, &[100], &[1 << 30], &[0], &[], &mut [], &mut out);
        assert_eq!(out, [10]);
        conv_s8(&p, &input, &filter, &[], &[1 << 30], &[0], &[], &mut [], &mut out);
        assert_eq!(out, [0]);
    }
}
