//! Property tests: every optimized kernel equals its reference kernel byte for byte over
//! random shapes, strides, dilations, paddings, channel counts (including counts that are
//! not multiples of the 4- and 16-lane vector widths) and quantization parameters.
//!
//! On the host this checks the portable optimized algorithms (loop order, folded offsets
//! from the tables the compiler packs, im2col from arena scratch or the stack, with and
//! without the zero-point-padded copy, channel blocking) and the fallbacks to the
//! reference when a table is missing; the Helium and DSP inline assembly is checked on the
//! emulated cores by `runtime/target-tests` (`cargo-tinyml/tests/kernels_on_target.rs`).
#![cfg(not(feature = "reference-kernels"))]

use proptest::prelude::*;
use tinyml_runtime::fixedpoint::multiply_by_quantized_multiplier;
use tinyml_runtime::kernels::add::{add_s8, add_s8_reference, AddParams};
use tinyml_runtime::kernels::broadcast::Broadcast;
use tinyml_runtime::kernels::conv::{
    conv_path, conv_s8, conv_s8_only, conv_s8_pack, conv_s8_packed_groups, conv_s8_paths, conv_s8_reference,
    conv_s8_scratch, in_place_read, is_narrow, is_pointwise, ConvParams, IN_PLACE_COLUMN,
};
use tinyml_runtime::kernels::depthwise_conv::{
    depthwise_conv_s8, depthwise_conv_s8_only, depthwise_conv_s8_pack, depthwise_conv_s8_packed_groups,
    depthwise_conv_s8_paths, depthwise_conv_s8_reference, depthwise_path, DepthwiseConvParams,
};
use tinyml_runtime::kernels::fully_connected::{
    folded_bias, fully_connected_s8, fully_connected_s8_pack, fully_connected_s8_packed_len,
    fully_connected_s8_reference, FullyConnectedParams,
};
use tinyml_runtime::kernels::packed::{words, Group16};
use tinyml_runtime::kernels::pooling::{average_pool_reference, max_pool_reference, PoolParams};
use tinyml_runtime::kernels::rows_in_place::{conv_band, RowWindow};
use tinyml_runtime::kernels::simd::{
    dot, dot4, dot4_bias, dot4_requantize, dot4_requantize_tensor, requantize, Group4, OutQuant,
};
use tinyml_runtime::kernels::transpose_conv::{
    transpose_conv_s8, transpose_conv_s8_pack, transpose_conv_s8_packed_len, transpose_conv_s8_reference,
    transpose_conv_s8_scratch, TransposeConvParams,
};
use tinyml_runtime::kernels::{conv, depthwise_conv, fully_connected, pooling, transpose_conv};

fn bytes(n: usize) -> impl Strategy<Value = Vec<i8>> {
    proptest::collection::vec(any::<i8>(), n)
}

/// Per-channel multipliers in [2^30, 2^31) and shifts in [-12, 2] (the range real layers
/// use), sized `n`.
fn requant(n: usize) -> impl Strategy<Value = (Vec<i32>, Vec<i32>)> {
    (proptest::collection::vec((1i32 << 30)..i32::MAX, n), proptest::collection::vec(-12i32..3, n))
}

/// A window geometry: (input size, filter, stride, dilation, pad, output size) along one
/// axis, the output size derived as TFLM does for the chosen padding.
fn axis() -> impl Strategy<Value = (usize, usize, usize, usize, usize, usize)> {
    (1usize..8, 1usize..4, 1usize..3, 1usize..3, any::<bool>()).prop_filter_map("window fits", |(i, f, s, d, same)| {
        let eff = (f - 1) * d + 1;
        let o = if same { i.div_ceil(s) } else { (i + s).checked_sub(eff)? / s };
        if o == 0 {
            return None;
        }
        let pad = ((o - 1) * s + eff).saturating_sub(i) / 2;
        Some((i, f, s, d, pad, o))
    })
}

/// A transposed window: (input size, filter, stride, pad, output size) along one axis, the
/// output TFLite's default for SAME or VALID and the padding TFLM's over the output.
fn transposed_axis() -> impl Strategy<Value = (usize, usize, usize, usize, usize)> {
    (1usize..6, 1usize..6, 1usize..4, any::<bool>()).prop_map(|(i, f, s, same)| {
        let o = if same { i * s } else { (i - 1) * s + f };
        let forward = if same { o.div_ceil(s) } else { (o + s - f) / s };
        let pad = ((forward - 1) * s + f).saturating_sub(o) / 2;
        (i, f, s, pad, o)
    })
}

fn activation() -> impl Strategy<Value = (i32, i32)> {
    prop_oneof![Just((-128, 127)), (-128i32..0, 0i32..128)]
}

/// Output size and leading padding along one axis: `i` inputs under a window of `f` taps,
/// stride `s` and dilation `d`, TFLite's SAME or VALID padding (the output may be 0).
fn output_and_pad(i: usize, f: usize, s: usize, d: usize, same: bool) -> (usize, usize) {
    let eff = (f - 1) * d + 1;
    let o = if same { i.div_ceil(s) } else { (i + s).saturating_sub(eff) / s };
    (o, ((o.max(1) - 1) * s + eff).saturating_sub(i) / 2)
}

/// A window of at most `IN_PLACE_COLUMN` bytes and more than one tap (filter height and
/// width up to 10x8, 1 to 32 input channels): what the kernel reads in place from the
/// input when the scratch has no room for its column.
fn in_place_window() -> impl Strategy<Value = ((usize, usize), usize)> {
    (1usize..11, 1usize..9)
        .prop_map(|(h, w)| if h * w == 1 { (1, 2) } else { (h, w) })
        .prop_flat_map(|(h, w)| (Just((h, w)), 1..=(IN_PLACE_COLUMN / (h * w)).min(32)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Same-shape int8 ADD/SUB (the fast path) against the reference loop over random
    /// zero points, multipliers in [2^30, 2^31), non-positive shifts and clamps.
    #[test]
    fn add_s8_matches_reference(
        (a, b) in (0usize..300).prop_flat_map(|n| (bytes(n), bytes(n))),
        offsets in (-127i32..129, -127i32..129, -128i32..128),
        mults in ((1i32 << 30)..i32::MAX, (1i32 << 30)..i32::MAX, (1i32 << 30)..i32::MAX),
        shifts in (-31i32..1, -31i32..1, -31i32..-9),
        (amin, amax) in activation(),
        subtract in any::<bool>(),
    ) {
        let n = a.len();
        let p = AddParams {
            left_shift: 20,
            input1_offset: offsets.0,
            input1_multiplier: mults.0,
            input1_shift: shifts.0,
            input2_offset: offsets.1,
            input2_multiplier: mults.1,
            input2_shift: shifts.1,
            output_offset: offsets.2,
            output_multiplier: mults.2,
            output_shift: shifts.2,
            activation_min: amin,
            activation_max: amax,
            subtract,
            shape: Broadcast::elementwise(n),
        };
        let mut want = vec![0i8; n];
        let mut got = vec![0i8; n];
        add_s8_reference(&p, &a, &b, &mut want);
        add_s8(&p, &a, &b, &[], &mut got);
        prop_assert_eq!(got, want);
    }

    #[test]
    fn dot4_is_four_dots((x, w) in (0usize..100).prop_flat_map(|n| (bytes(n), proptest::collection::vec(bytes(n), 4)))) {
        let d = dot4(&x, &w[0], &w[1], &w[2], &w[3]);
        for k in 0..4 {
            prop_assert_eq!(d[k], dot(&x, &w[k]));
        }
    }

    #[test]
    fn dot4_requantize_matches_scalar(
        (k, groups) in (0usize..70, 1usize..5),
        seed in any::<u64>(),
        off in -128i32..128,
        (min, max) in activation(),
    ) {
        let mut rng = seed;
        let mut next = move || { rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); (rng >> 33) as i32 };
        let n = 4 * groups;
        let x: Vec<i8> = (0..k).map(|_| next() as i8).collect();
        let w: Vec<i8> = (0..n * k).map(|_| next() as i8).collect();
        let mut table = vec![Group4::default(); groups];
        let (mut bias, mut mult, mut shift) = (vec![0; n], vec![0; n], vec![0; n]);
        for c in 0..n {
            bias[c] = next();
            mult[c] = (1 << 30) + (next().rem_euclid(1 << 30));
            shift[c] = next().rem_euclid(15) - 12;
            table[c / 4].set(c % 4, bias[c], mult[c], shift[c]);
        }
        let q = OutQuant { offset: off, min, max };
        let mut out = vec![0i8; n];
        dot4_requantize(&x, &w, &table, q, &mut out);
        for c in 0..n {
            let row = &w[c * k..(c + 1) * k];
            let d = dot(&x, row).wrapping_add(bias[c]);
            let v = multiply_by_quantized_multiplier(d, mult[c], shift[c]) + off;
            prop_assert_eq!(out[c], v.clamp(min, max) as i8);
        }
    }

    #[test]
    fn dot4_requantize_tensor_matches_scalar(
        (k, groups) in (0usize..70, 0usize..5),
        seed in any::<u64>(),
        off in -128i32..128,
        (min, max) in activation(),
        mult in (1i32 << 30)..i32::MAX,
        shift in -31i32..8,
    ) {
        let mut rng = Rng(seed | 1);
        let n = 4 * groups;
        let x = rng.bytes(k);
        let w = rng.bytes(n * k);
        let bias = rng.i32s(n, 1 << 30);
        let q = OutQuant { offset: off, min, max };
        let mut out = vec![0i8; n];
        dot4_requantize_tensor(&x, &w, &bias, mult, shift, q, &mut out);
        for c in 0..n {
            let d = dot(&x, &w[c * k..(c + 1) * k]).wrapping_add(bias[c]);
            let v = multiply_by_quantized_multiplier(d, mult, shift) + off;
            prop_assert_eq!(out[c], v.clamp(min, max) as i8);
        }
    }

    #[test]
    fn requantize_matches_scalar(
        (acc, (mult, shift)) in (0usize..20).prop_flat_map(|n| (proptest::collection::vec(any::<i32>(), n), requant(n))),
        off in -128i32..128,
        (min, max) in activation(),
    ) {
        let n = acc.len();
        let mut out = vec![0i8; n];
        requantize(&acc, &mult, &shift, off, min, max, &mut out);
        for i in 0..n {
            let v = multiply_by_quantized_multiplier(acc[i], mult[i], shift[i]) + off;
            prop_assert_eq!(out[i], v.clamp(min, max) as i8);
        }
    }

    #[test]
    fn conv_matches_reference(
        (h, w) in (axis(), axis()),
        batches in 1usize..3,
        in_c in 1usize..20,
        out_c in 1usize..70,
        in_zp in -128i32..128,
        out_zp in -128i32..128,
        (amin, amax) in activation(),
        has_bias in any::<bool>(),
        scratch_size in 0usize..3,
        seed in any::<u64>(),
    ) {
        let p = ConvParams {
            input_offset: -in_zp, output_offset: out_zp,
            stride_w: w.2, stride_h: h.2, dilation_w: w.3, dilation_h: h.3, pad_w: w.4, pad_h: h.4,
            activation_min: amin, activation_max: amax, batches,
            input_h: h.0, input_w: w.0, input_depth: in_c, filter_h: h.1, filter_w: w.1,
            output_h: h.5, output_w: w.5, output_depth: out_c,
        };
        let mut rng = Rng(seed | 1);
        let input = rng.bytes(batches * h.0 * w.0 * in_c);
        let filter = rng.bytes(out_c * h.1 * w.1 * in_c);
        let bias = if has_bias { rng.i32s(out_c, 1 << 16) } else { Vec::new() };
        let (mult, shift) = rng.requant(out_c);
        let packed = conv_packed(&p, &filter, &bias, &mult, &shift);
        // No scratch, the column only, or the column and the padded copy.
        let k = h.1 * w.1 * in_c;
        let sizes = conv_s8_scratch(&p);
        let mut scratch = vec![0u8; [0, k, sizes.preferred][scratch_size]];
        let n = batches * h.5 * w.5 * out_c;
        let (mut a, mut b) = (vec![0i8; n], vec![0i8; n]);
        conv_s8_reference(&p, &input, &filter, &bias, &mult, &shift, &mut a);
        let ran = conv::optimized::conv_s8(&p, &input, &filter, &bias, &mult, &shift, &packed, &mut scratch, &mut b);
        prop_assert_eq!(ran, is_pointwise(&p) || scratch.len() >= k || k <= IN_PLACE_COLUMN);
        // The column is the minimum past `IN_PLACE_COLUMN` and where Helium would read the
        // window in place piece by piece (not a narrow layer's).
        let piecewise = !in_place_read(&p).gathers() && !is_narrow(&p);
        prop_assert!(sizes.min <= k && (sizes.min > 0) == ((k > IN_PLACE_COLUMN || piecewise) && !is_pointwise(&p)));
        if ran {
            prop_assert_eq!(&a, &b);
        }
        // Without a table the optimized kernel declines and the public entry runs the
        // reference (hand calls, and the C port's NULL).
        prop_assert!(!conv::optimized::conv_s8(&p, &input, &filter, &bias, &mult, &shift, &[], &mut scratch, &mut b));
        let mut c = vec![0i8; n];
        conv_s8(&p, &input, &filter, &bias, &mult, &shift, &[], &mut [], &mut c);
        prop_assert_eq!(&a, &c);
        conv_s8(&p, &input, &filter, &bias, &mult, &shift, &packed, &mut scratch, &mut c);
        prop_assert_eq!(&a, &c);
        // The entries of the paths chosen at compile time: those with the layer's paths
        // give its bytes; the others, in a release build, hand back to the reference (in
        // a debug build they panic: `a_path_the_layer_does_not_take_is_caught`).
        let paths = conv_s8_paths(&p, scratch.len());
        for mask in ONLY_MASKS {
            if paths & !mask == 0 || !cfg!(debug_assertions) {
                let mut d = vec![0i8; n];
                conv_only(mask, &p, &input, &filter, &bias, &mult, &shift, &packed, &mut scratch, &mut d);
                prop_assert_eq!(&a, &d, "conv_s8_only::<{}>, layer paths {}", mask, paths);
            }
        }
    }

    /// Windows of 8 to 16 input channels over images of up to 16x16 pixels, filters up
    /// to 7x5 with dilations up to 3, SAME and VALID, under no scratch, the column and
    /// the preferred scratch: the rows of pixels read in place (`conv::pixel`), dilated
    /// filter rows gathered tap by tap as strided runs of whole pixels, and the windows at
    /// the borders clipped to the rows and columns inside the image.
    #[test]
    fn dilated_and_clipped_conv_matches_reference(
        (fh, fw) in prop_oneof![Just((3usize, 3usize)), Just((5, 3)), Just((7, 1)), Just((3, 5)), Just((1, 7))],
        (ih, iw) in (1usize..17, 1usize..17),
        (sh, sw) in (1usize..3, 1usize..3),
        (dh, dw) in (1usize..4, 1usize..4),
        same in any::<bool>(),
        in_c in 8usize..17,
        out_c in prop_oneof![Just(4usize), Just(8), Just(12), Just(16), 1usize..20],
        in_zp in -128i32..128,
        scratch_size in 0usize..3,
        seed in any::<u64>(),
    ) {
        let along = |i: usize, f: usize, s: usize, d: usize| {
            let eff = (f - 1) * d + 1;
            let o = if same { i.div_ceil(s) } else { (i + s).checked_sub(eff)? / s };
            (o > 0).then(|| (((o - 1) * s + eff).saturating_sub(i) / 2, o))
        };
        let (Some((pad_h, oh)), Some((pad_w, ow))) = (along(ih, fh, sh, dh), along(iw, fw, sw, dw)) else {
            return Ok(());
        };
        let p = ConvParams {
            input_offset: -in_zp, output_offset: -3,
            stride_w: sw, stride_h: sh, dilation_w: dw, dilation_h: dh, pad_w, pad_h,
            activation_min: -128, activation_max: 127, batches: 1,
            input_h: ih, input_w: iw, input_depth: in_c, filter_h: fh, filter_w: fw,
            output_h: oh, output_w: ow, output_depth: out_c,
        };
        let mut rng = Rng(seed | 1);
        let input = rng.bytes(ih * iw * in_c);
        let filter = rng.bytes(out_c * fh * fw * in_c);
        let bias = rng.i32s(out_c, 1 << 16);
        let (mult, shift) = rng.requant(out_c);
        let packed = conv_packed(&p, &filter, &bias, &mult, &shift);
        let k = fh * fw * in_c;
        let mut scratch = vec![0u8; [0, k, conv_s8_scratch(&p).preferred][scratch_size]];
        let n = oh * ow * out_c;
        let (mut a, mut b) = (vec![0i8; n], vec![0i8; n]);
        conv_s8_reference(&p, &input, &filter, &bias, &mult, &shift, &mut a);
        if conv::optimized::conv_s8(&p, &input, &filter, &bias, &mult, &shift, &packed, &mut scratch, &mut b) {
            prop_assert_eq!(&a, &b);
        }
    }

    /// Windows of at most 128 bytes with less scratch than their column (down to none):
    /// read in place from the input without a column (`conv::in_place`, cores without
    /// Helium): filters up to 10x8, strides and dilations up to 3, SAME and VALID (windows
    /// the image clips, some wholly outside it), 1 to 32 input channels (runs of any length,
    /// not whole words), 1 to 20 output channels (blocks of fewer than four and not
    /// multiples of four), two batches, input zero points and biases that change every
    /// output (a wrong offset or bias fails).
    #[test]
    fn conv_without_column_matches_reference(
        ((fh, fw), in_c) in in_place_window(),
        (ih, iw) in (1usize..14, 1usize..14),
        (sh, sw) in (1usize..4, 1usize..4),
        (dh, dw) in (1usize..4, 1usize..4),
        same in any::<bool>(),
        batches in 1usize..3,
        out_c in 1usize..21,
        in_zp in -128i32..128,
        out_zp in -128i32..128,
        (amin, amax) in activation(),
        has_bias in any::<bool>(),
        scratch_fraction in 0usize..4,
        seed in any::<u64>(),
    ) {
        let k = fh * fw * in_c;
        let ((oh, pad_h), (ow, pad_w)) = (output_and_pad(ih, fh, sh, dh, same), output_and_pad(iw, fw, sw, dw, same));
        prop_assume!(oh > 0 && ow > 0);
        let p = ConvParams {
            input_offset: -in_zp, output_offset: out_zp,
            stride_w: sw, stride_h: sh, dilation_w: dw, dilation_h: dh, pad_w, pad_h,
            activation_min: amin, activation_max: amax, batches,
            input_h: ih, input_w: iw, input_depth: in_c, filter_h: fh, filter_w: fw,
            output_h: oh, output_w: ow, output_depth: out_c,
        };
        let mut rng = Rng(seed | 1);
        let input = rng.bytes(batches * ih * iw * in_c);
        let filter = rng.bytes(out_c * k);
        let bias = if has_bias { rng.i32s(out_c, 1 << 16) } else { Vec::new() };
        let (mult, shift) = rng.requant(out_c);
        let packed = conv_packed(&p, &filter, &bias, &mult, &shift);
        // Scratch shorter than the column: none, or up to `k - 1` bytes.
        let mut scratch = vec![0u8; scratch_fraction * (k - 1) / 3];
        // The planner's minimum: none, or the column where Helium would read the window
        // piece by piece; the kernel runs in place either way.
        let piecewise = !in_place_read(&p).gathers() && !is_narrow(&p);
        prop_assert_eq!(conv_s8_scratch(&p).min, if piecewise { k } else { 0 });
        let n = batches * oh * ow * out_c;
        let (mut a, mut b) = (vec![0i8; n], vec![0i8; n]);
        conv_s8_reference(&p, &input, &filter, &bias, &mult, &shift, &mut a);
        let ran = conv::optimized::conv_s8(&p, &input, &filter, &bias, &mult, &shift, &packed, &mut scratch, &mut b);
        prop_assert!(ran);
        prop_assert_eq!(&a, &b);
    }

    /// The same windows run a band of output rows at a time (`conv_s8_bands`, as
    /// `rows_in_place` runs a layer under `--memory ram`): each band's parameters and
    /// input rows (`conv_band`), its windows read in place, equal the reference's rows.
    #[test]
    fn conv_bands_without_column_match_reference(
        ((fh, fw), in_c) in in_place_window(),
        (ih, iw) in (1usize..14, 1usize..14),
        (sh, sw) in (1usize..4, 1usize..4),
        (dh, dw) in (1usize..3, 1usize..3),
        same in any::<bool>(),
        out_c in 1usize..21,
        in_zp in -128i32..128,
        band_rows in 1usize..4,
        seed in any::<u64>(),
    ) {
        let k = fh * fw * in_c;
        let ((oh, pad_h), (ow, pad_w)) = (output_and_pad(ih, fh, sh, dh, same), output_and_pad(iw, fw, sw, dw, same));
        prop_assume!(oh > 0 && ow > 0);
        let p = ConvParams {
            input_offset: -in_zp, output_offset: 5,
            stride_w: sw, stride_h: sh, dilation_w: dw, dilation_h: dh, pad_w, pad_h,
            activation_min: -128, activation_max: 127, batches: 1,
            input_h: ih, input_w: iw, input_depth: in_c, filter_h: fh, filter_w: fw,
            output_h: oh, output_w: ow, output_depth: out_c,
        };
        let mut rng = Rng(seed | 1);
        let input = rng.bytes(ih * iw * in_c);
        let filter = rng.bytes(out_c * k);
        let bias = rng.i32s(out_c, 1 << 16);
        let (mult, shift) = rng.requant(out_c);
        let packed = conv_packed(&p, &filter, &bias, &mult, &shift);
        let (mut a, mut b) = (vec![0i8; oh * ow * out_c], vec![0i8; oh * ow * out_c]);
        conv_s8_reference(&p, &input, &filter, &bias, &mult, &shift, &mut a);
        let w = RowWindow::of_conv(&p);
        let (in_row, out_row) = (iw * in_c, ow * out_c);
        conv::conv_s8_bands(&p, &filter, &bias, &mult, &shift, &packed, &mut [], |kernel| {
            for r0 in (0..oh).step_by(band_rows) {
                let band = w.band(r0, band_rows.min(oh - r0));
                let rows = &input[band.first * in_row..band.end * in_row];
                kernel(&conv_band(&p, &band), rows, &mut b[r0 * out_row..(r0 + band.rows) * out_row]);
            }
        });
        prop_assert_eq!(&a, &b);
    }

    /// The narrow-input path (1 to 4 input channels; `conv::narrow`, Helium's choice for
    /// them, run here with its scalar routine) over the kernels, strides, dilations and
    /// paddings of first layers, odd widths and several channel counts, against the
    /// reference; it declines what it does not handle (fewer than 7 taps with the input
    /// channels, fewer than four
    /// output channels, too many weights) without touching the output.
    #[test]
    fn narrow_conv_matches_reference(
        (fh, fw) in prop_oneof![Just((3usize, 3usize)), Just((5, 3)), Just((7, 1)), Just((1, 1)), Just((3, 5))],
        (ih, iw) in (1usize..14, 1usize..40),
        (sh, sw) in (1usize..3, 1usize..3),
        (dh, dw) in (1usize..3, 1usize..3),
        same in any::<bool>(),
        batches in 1usize..3,
        in_c in 1usize..5,
        out_c in prop_oneof![1usize..4, 4usize..20, Just(32), Just(33), Just(64)],
        in_zp in -128i32..128,
        out_zp in -128i32..128,
        (amin, amax) in activation(),
        has_bias in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let ((oh, pad_h), (ow, pad_w)) = (output_and_pad(ih, fh, sh, dh, same), output_and_pad(iw, fw, sw, dw, same));
        prop_assume!(oh > 0 && ow > 0);
        let p = ConvParams {
            input_offset: -in_zp, output_offset: out_zp,
            stride_w: sw, stride_h: sh, dilation_w: dw, dilation_h: dh, pad_w, pad_h,
            activation_min: amin, activation_max: amax, batches,
            input_h: ih, input_w: iw, input_depth: in_c, filter_h: fh, filter_w: fw,
            output_h: oh, output_w: ow, output_depth: out_c,
        };
        let mut rng = Rng(seed | 1);
        let input = rng.bytes(batches * ih * iw * in_c);
        let filter = rng.bytes(out_c * fh * fw * in_c);
        let bias = if has_bias { rng.i32s(out_c, 1 << 16) } else { Vec::new() };
        let (mult, shift) = rng.requant(out_c);
        let packed = conv_packed(&p, &filter, &bias, &mult, &shift);
        let n = batches * oh * ow * out_c;
        let (mut a, mut b) = (vec![0i8; n], vec![7i8; n]);
        conv_s8_reference(&p, &input, &filter, &bias, &mult, &shift, &mut a);
        let groups = conv_s8_packed_groups(&p) * 16;
        let table = tinyml_runtime::kernels::packed::groups::<Group4>(&packed[..groups]).expect("a conv table");
        let ran = conv::narrow::conv_narrow(&p, &input, table, &packed[groups..], &mut b);
        prop_assert_eq!(ran, conv::narrow::is_narrow(&p));
        // Repacked weights of all channels within 512 bytes (64 per group and chunk of at
        // most 16 taps within 256 bytes of the input), at most 8 chunks.
        let chunks = conv::narrow::narrow_chunks(&p, &mut |_, _, _| {});
        let weights = |chunks: usize| out_c.div_ceil(4) * 64 * chunks <= 512;
        prop_assert_eq!(ran, fh * fw * in_c >= 7 && out_c >= 4 && weights((fh * fw * in_c).div_ceil(16)) && weights(chunks) && chunks <= 8);
        if ran {
            prop_assert_eq!(&a, &b);
        } else {
            prop_assert!(b.iter().all(|&v| v == 7));
        }
        // The dispatching kernel (narrow on Helium, the general path elsewhere).
        let mut scratch = vec![0u8; conv_s8_scratch(&p).min];
        let mut c = vec![0i8; n];
        prop_assert!(conv::optimized::conv_s8(&p, &input, &filter, &bias, &mult, &shift, &packed, &mut scratch, &mut c));
        prop_assert_eq!(&a, &c);
    }

    /// Pointwise layers of 1 to 48 input channels, which run one group of four output
    /// channels at a time over all pixels (`conv::pointwise`): output counts that are
    /// not multiples of four (an overlapping last group) and below four (the per-pixel
    /// path), strides 1 and 2 on each axis (rows that skip input pixels, or end past the
    /// next row's start), any pixel count, right shifts only (the grouped path's
    /// condition) and, one case in eight, a left shift somewhere (the per-pixel path).
    /// One case in eight has a lane whose requantization the grouped path without
    /// Helium cannot do exactly (`simd::pointwise::GroupRequant`: a right shift of 0 or
    /// above 21, or a multiplier below 2^30), which takes its per-pixel fallback.
    #[test]
    fn pointwise_by_groups_matches_reference(
        (ih, iw) in (1usize..13, 1usize..13),
        (sh, sw) in (1usize..3, 1usize..3),
        batches in 1usize..3,
        in_c in 1usize..49,
        out_c in 1usize..41,
        in_zp in -128i32..128,
        out_zp in -128i32..128,
        (amin, amax) in activation(),
        has_bias in any::<bool>(),
        left_shift in proptest::bool::weighted(0.125),
        odd_lane in proptest::option::weighted(0.125, (0i32..3, -31i32..-21)),
        seed in any::<u64>(),
    ) {
        let (oh, ow) = (ih.div_ceil(sh), iw.div_ceil(sw));
        let p = ConvParams {
            input_offset: -in_zp, output_offset: out_zp,
            stride_w: sw, stride_h: sh, dilation_w: 1, dilation_h: 1, pad_w: 0, pad_h: 0,
            activation_min: amin, activation_max: amax, batches,
            input_h: ih, input_w: iw, input_depth: in_c, filter_h: 1, filter_w: 1,
            output_h: oh, output_w: ow, output_depth: out_c,
        };
        let mut rng = Rng(seed | 1);
        let input = rng.bytes(batches * ih * iw * in_c);
        let filter = rng.bytes(out_c * in_c);
        let bias = if has_bias { rng.i32s(out_c, 1 << 16) } else { Vec::new() };
        let (mult, mut shift) = rng.requant(out_c);
        for s in &mut shift {
            *s = (*s).min(0);
        }
        if left_shift {
            shift[out_c / 2] = 2;
        }
        let mut mult = mult;
        match odd_lane {
            Some((0, _)) => shift[out_c - 1] = 0,
            Some((1, s)) => shift[out_c - 1] = s,
            Some(_) => mult[out_c - 1] = (1 << 29) + 12_345,
            None => {}
        }
        let packed = conv_packed(&p, &filter, &bias, &mult, &shift);
        let n = batches * oh * ow * out_c;
        let (mut want, mut got) = (vec![0i8; n], vec![0i8; n]);
        conv_s8_reference(&p, &input, &filter, &bias, &mult, &shift, &mut want);
        prop_assert!(conv::optimized::conv_s8(&p, &input, &filter, &bias, &mult, &shift, &packed, &mut [], &mut got));
        prop_assert_eq!(want, got);
    }

    #[test]
    fn transpose_conv_matches_reference(
        (h, w) in (transposed_axis(), transposed_axis()),
        batches in 1usize..3,
        in_c in 1usize..20,
        out_c in 1usize..12,
        in_zp in -128i32..128,
        out_zp in -128i32..128,
        (amin, amax) in activation(),
        has_bias in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let p = TransposeConvParams {
            input_offset: -in_zp, output_offset: out_zp,
            stride_w: w.2, stride_h: h.2, pad_w: w.3, pad_h: h.3,
            activation_min: amin, activation_max: amax, batches,
            input_h: h.0, input_w: w.0, input_depth: in_c, filter_h: h.1, filter_w: w.1,
            output_h: h.4, output_w: w.4, output_depth: out_c,
        };
        let mut rng = Rng(seed | 1);
        let input = rng.bytes(batches * h.0 * w.0 * in_c);
        let filter = rng.bytes(out_c * h.1 * w.1 * in_c);
        let bias = if has_bias { rng.i32s(out_c, 1 << 16) } else { Vec::new() };
        let (mult, shift) = rng.requant(out_c);
        let mut packed = vec![0; transpose_conv_s8_packed_len(&p)];
        transpose_conv_s8_pack(&p, &filter, &mut packed);
        let mut scratch = vec![0u8; transpose_conv_s8_scratch(&p).preferred];
        let n = batches * h.4 * w.4 * out_c;
        let (mut a, mut b) = (vec![0i8; n], vec![0i8; n]);
        // The reference gathering (no scratch), and the optimized scatter.
        transpose_conv_s8_reference(&p, &input, &filter, &bias, &mult, &shift, &mut [], &mut a);
        prop_assert!(transpose_conv::optimized::transpose_conv_s8(
            &p, &input, &filter, &bias, &mult, &shift, &packed, &mut scratch, &mut b
        ));
        prop_assert_eq!(&a, &b);
        // Without the table or the scratch the optimized kernel declines, and the public
        // entry runs the reference (the reference scatters when it has the scratch).
        prop_assert!(!transpose_conv::optimized::transpose_conv_s8(
            &p, &input, &filter, &bias, &mult, &shift, &[], &mut scratch, &mut b
        ));
        prop_assert!(!transpose_conv::optimized::transpose_conv_s8(
            &p, &input, &filter, &bias, &mult, &shift, &packed, &mut [], &mut b
        ));
        let mut c = vec![0i8; n];
        transpose_conv_s8(&p, &input, &filter, &bias, &mult, &shift, &[], &mut scratch, &mut c);
        prop_assert_eq!(&a, &c);
    }

    #[test]
    fn depthwise_matches_reference(
        (h, w) in (axis(), axis()),
        batches in 1usize..3,
        in_c in 1usize..80,
        mult_ in prop_oneof![Just(1usize), 1usize..9],
        in_zp in -128i32..128,
        out_zp in -128i32..128,
        (amin, amax) in activation(),
        has_bias in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let p = DepthwiseConvParams {
            input_offset: -in_zp, output_offset: out_zp,
            stride_w: w.2, stride_h: h.2, dilation_w: w.3, dilation_h: h.3, pad_w: w.4, pad_h: h.4,
            depth_multiplier: mult_, activation_min: amin, activation_max: amax, batches,
            input_h: h.0, input_w: w.0, input_depth: in_c, filter_h: h.1, filter_w: w.1,
            output_h: h.5, output_w: w.5,
        };
        let od = in_c * mult_;
        let mut rng = Rng(seed | 1);
        let input = rng.bytes(batches * h.0 * w.0 * in_c);
        let filter = rng.bytes(h.1 * w.1 * od);
        let bias = if has_bias { rng.i32s(od, 1 << 16) } else { Vec::new() };
        let (mult, shift) = rng.requant(od);
        let packed = depthwise_packed(&p, &filter, &bias, &mult, &shift);
        let n = batches * h.5 * w.5 * od;
        let (mut a, mut b) = (vec![0i8; n], vec![0i8; n]);
        depthwise_conv_s8_reference(&p, &input, &filter, &bias, &mult, &shift, &mut a);
        prop_assert!(depthwise_conv::optimized::depthwise_conv_s8(&p, &input, &filter, &bias, &mult, &shift, &packed, &mut b));
        prop_assert_eq!(&a, &b);
        // A missing or foreign table: the optimized kernel declines, the entry runs the
        // reference.
        let foreign = &packed[..packed.len() - 1];
        for table in [&[][..], foreign] {
            prop_assert!(!depthwise_conv::optimized::depthwise_conv_s8(&p, &input, &filter, &bias, &mult, &shift, table, &mut b));
            let mut c = vec![0i8; n];
            depthwise_conv_s8(&p, &input, &filter, &bias, &mult, &shift, table, &mut c);
            prop_assert_eq!(&a, &c);
        }
    }

    /// Wider and taller images (runs of interior pixels, odd and even, two pixels per
    /// step below nine channels; border columns and top and bottom rows long enough for
    /// the runs of one pixel per lane, their padded taps left out) and the channel counts
    /// around the vector widths.
    #[test]
    fn depthwise_runs_match_reference(
        (ih, fh, sh, dh, same_h) in (1usize..24, 1usize..6, 1usize..3, 1usize..4, any::<bool>()),
        (iw, fw, sw, dw, same_w) in (1usize..24, 1usize..6, 1usize..3, 1usize..4, any::<bool>()),
        batches in prop_oneof![Just(1usize), 1usize..3],
        in_c in prop_oneof![1usize..21, 1usize..70, Just(4usize), Just(5usize), Just(8usize), Just(16usize), Just(40usize)],
        mult_ in prop_oneof![Just(1usize), 1usize..5],
        in_zp in -128i32..128,
        out_zp in -128i32..128,
        (amin, amax) in activation(),
        seed in any::<u64>(),
    ) {
        let out = |i: usize, f: usize, s: usize, d: usize, same: bool| {
            let eff = (f - 1) * d + 1;
            let o = if same { i.div_ceil(s) } else { (i + s).checked_sub(eff)? / s };
            (o > 0).then(|| (o, ((o - 1) * s + eff).saturating_sub(i) / 2))
        };
        let (Some((oh, ph)), Some((ow, pw))) = (out(ih, fh, sh, dh, same_h), out(iw, fw, sw, dw, same_w)) else {
            return Ok(());
        };
        let p = DepthwiseConvParams {
            input_offset: -in_zp, output_offset: out_zp,
            stride_w: sw, stride_h: sh, dilation_w: dw, dilation_h: dh, pad_w: pw, pad_h: ph,
            depth_multiplier: mult_, activation_min: amin, activation_max: amax, batches,
            input_h: ih, input_w: iw, input_depth: in_c, filter_h: fh, filter_w: fw,
            output_h: oh, output_w: ow,
        };
        optimized_depthwise_is_reference(&p, seed)?;
    }

    #[test]
    fn fully_connected_matches_reference(
        batches in 1usize..4,
        depth in prop_oneof![1usize..8, 1usize..300],
        out in prop_oneof![1usize..9, 1usize..140],
        in_zp in -128i32..128,
        f_zp in prop_oneof![Just(0i32), -128i32..128],
        out_zp in -128i32..128,
        mult in (1i32 << 30)..i32::MAX,
        shift in prop_oneof![-12i32..3, -31i32..32],
        (amin, amax) in activation(),
        has_bias in any::<bool>(),
        // Huge biases make accumulators near the i32 limits (saturating paths).
        bias_range in prop_oneof![Just(1i32 << 16), Just(1i32 << 30)],
        seed in any::<u64>(),
    ) {
        let p = FullyConnectedParams {
            input_offset: -in_zp, filter_offset: -f_zp, output_offset: out_zp,
            output_multiplier: mult, output_shift: shift, activation_min: amin, activation_max: amax,
            batches, accum_depth: depth, output_depth: out,
        };
        let mut rng = Rng(seed | 1);
        let input = rng.bytes(batches * depth);
        let filter = rng.bytes(out * depth);
        let bias = if has_bias { rng.i32s(out, bias_range) } else { Vec::new() };
        // The table as the model compiler makes it: one folded bias per output.
        let mut table = vec![0i32; fully_connected_s8_packed_len(&p)];
        fully_connected_s8_pack(&p, &filter, &bias, &mut table);
        prop_assert_eq!(table.len(), out);
        for (o, &t) in table.iter().enumerate() {
            prop_assert_eq!(t, folded_bias(&p, &filter, &bias, o));
        }
        let n = batches * out;
        let mut expected = vec![0i8; n];
        fully_connected_s8_reference(&p, &input, &filter, &bias, &mut expected);
        let mut got = vec![0i8; n];
        fully_connected::optimized::fully_connected_s8(&p, &input, &filter, &bias, &table, &mut got);
        prop_assert_eq!(&got, &expected);
        // Both loop shapes, whichever the host selects.
        fully_connected::optimized::fully_connected_blocks(&p, &input, &filter, &table, &mut got);
        prop_assert_eq!(&got, &expected, "blocks");
        if shift >= -21 {
            // The scalar path's domain (`fully_connected_s8` runs the reference outside it).
            fully_connected::optimized::fully_connected_rows(&p, &input, &filter, &table, &mut got);
            prop_assert_eq!(&got, &expected, "rows");
        }
        // No table, or one made for another shape (one output short, one too many, the
        // old 16 words per output): the reference runs, through the entry point too.
        let longer: Vec<i32> = table.iter().copied().chain([0]).collect();
        let old: Vec<i32> = table.iter().flat_map(|&b| [b, 0, mult, 0]).collect();
        for packed in [&[][..], &table[1..], &longer, &old] {
            let mut got = vec![0i8; n];
            fully_connected::optimized::fully_connected_s8(&p, &input, &filter, &bias, packed, &mut got);
            prop_assert_eq!(&got, &expected, "fallback");
            let mut got = vec![0i8; n];
            fully_connected_s8(&p, &input, &filter, &bias, packed, &mut got);
            prop_assert_eq!(&got, &expected, "entry fallback");
        }
    }

    #[test]
    fn dot4_bias_is_bias_plus_dots(
        (x, w) in (0usize..70, 0usize..5).prop_flat_map(|(k, g)| (bytes(k), bytes(4 * g * k))),
        seed in any::<u64>(),
    ) {
        let k = x.len();
        let n = w.len().checked_div(k).unwrap_or(0);
        let mut rng = Rng(seed | 1);
        let bias = rng.i32s(n, 1 << 30);
        let mut acc = vec![std::mem::MaybeUninit::<i32>::uninit(); n];
        dot4_bias(&x, &w, &bias, &mut acc);
        for c in 0..n {
            // SAFETY: `dot4_bias` writes every entry.
            let got = unsafe { acc[c].assume_init() };
            prop_assert_eq!(got, bias[c].wrapping_add(dot(&x, &w[c * k..(c + 1) * k])));
        }
    }

    #[test]
    fn pooling_matches_reference(
        (h, w) in (axis(), axis()),
        batches in 1usize..3,
        depth in 1usize..80,
        (amin, amax) in activation(),
        seed in any::<u64>(),
    ) {
        let p = PoolParams {
            stride_w: w.2, stride_h: h.2, filter_w: w.1, filter_h: h.1, pad_w: w.4, pad_h: h.4,
            activation_min: amin, activation_max: amax, batches,
            input_h: h.0, input_w: w.0, depth, output_h: h.5, output_w: w.5,
        };
        let mut rng = Rng(seed | 1);
        let input = rng.bytes(batches * h.0 * w.0 * depth);
        let n = batches * h.5 * w.5 * depth;
        let (mut a, mut b) = (vec![0i8; n], vec![0i8; n]);
        average_pool_reference(&p, &input, &mut a);
        pooling::optimized::average_pool(&p, &input, &mut b);
        prop_assert_eq!(&a, &b);
        max_pool_reference(&p, &input, &mut a);
        pooling::optimized::max_pool(&p, &input, &mut b);
        prop_assert_eq!(&a, &b);
        let input16: Vec<i16> = input.iter().map(|&v| v as i16 * 129).collect();
        let p16 = PoolParams { activation_min: -32768, activation_max: 32767, ..p };
        let (mut a, mut b) = (vec![0i16; n], vec![0i16; n]);
        average_pool_reference(&p16, &input16, &mut a);
        pooling::optimized::average_pool(&p16, &input16, &mut b);
        prop_assert_eq!(&a, &b);
    }
}

/// xorshift64 for the bulk data of a case (proptest picks shapes and seeds; shrinking a
/// seed is meaningless, but a failing case is reproducible from it).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn bytes(&mut self, n: usize) -> Vec<i8> {
        (0..n).map(|_| self.next() as i8).collect()
    }
    fn i32s(&mut self, n: usize, range: i32) -> Vec<i32> {
        (0..n).map(|_| (self.next() % (2 * range as u64)) as i32 - range).collect()
    }
    fn requant(&mut self, n: usize) -> (Vec<i32>, Vec<i32>) {
        let m = (0..n).map(|_| (1i32 << 30) + (self.next() % (1 << 30)) as i32).collect();
        let s = (0..n).map(|_| (self.next() % 15) as i32 - 12).collect();
        (m, s)
    }
}

/// The table the compiler emits for a convolution (`ops::conv`), as words.
fn conv_packed(p: &ConvParams, filter: &[i8], bias: &[i32], mult: &[i32], shift: &[i32]) -> Vec<i32> {
    let mut table = vec![Group4::default(); conv_s8_packed_groups(p)];
    conv_s8_pack(p, filter, bias, mult, shift, &mut table);
    let mut packed = words(&table).to_vec();
    let groups = packed.len();
    packed.resize(groups + conv::conv_s8_narrow_words(p), 0);
    conv::conv_s8_pack_narrow(p, filter, &mut packed[groups..]);
    packed
}

/// The optimized depthwise kernel, with the table the compiler emits, takes `p` and
/// computes the reference kernel's bytes on data drawn from `seed`.
fn optimized_depthwise_is_reference(p: &DepthwiseConvParams, seed: u64) -> Result<(), TestCaseError> {
    let od = p.input_depth * p.depth_multiplier;
    let mut rng = Rng(seed | 1);
    let input = rng.bytes(p.batches * p.input_h * p.input_w * p.input_depth);
    let filter = rng.bytes(p.filter_h * p.filter_w * od);
    let bias = rng.i32s(od, 1 << 16);
    let (mult, shift) = rng.requant(od);
    let packed = depthwise_packed(p, &filter, &bias, &mult, &shift);
    let n = p.batches * p.output_h * p.output_w * od;
    let (mut a, mut b) = (vec![0i8; n], vec![0i8; n]);
    depthwise_conv_s8_reference(p, &input, &filter, &bias, &mult, &shift, &mut a);
    prop_assert!(depthwise_conv::optimized::depthwise_conv_s8(
        p, &input, &filter, &bias, &mult, &shift, &packed, &mut b
    ));
    prop_assert_eq!(&a, &b);
    // The entries of the paths chosen at compile time: the layer's path gives its bytes;
    // the other, in a release build, hands back to the reference (a debug build panics).
    let path = depthwise_conv_s8_paths(p);
    for mask in [depthwise_path::RUNS, depthwise_path::BLOCKS, depthwise_path::ALL] {
        if path & !mask == 0 || !cfg!(debug_assertions) {
            let mut c = vec![0i8; n];
            let (f, bi, m, s) = (&filter, &bias, &mult, &shift);
            match mask {
                depthwise_path::RUNS => {
                    depthwise_conv_s8_only::<{ depthwise_path::RUNS }>(p, &input, f, bi, m, s, &packed, &mut c)
                }
                depthwise_path::BLOCKS => {
                    depthwise_conv_s8_only::<{ depthwise_path::BLOCKS }>(p, &input, f, bi, m, s, &packed, &mut c)
                }
                _ => depthwise_conv_s8_only::<{ depthwise_path::ALL }>(p, &input, f, bi, m, s, &packed, &mut c),
            }
            prop_assert_eq!(&a, &c, "depthwise_conv_s8_only::<{}>, layer path {}", mask, path);
        }
    }
    Ok(())
}

/// The table the compiler emits for a depthwise convolution, as words.
fn depthwise_packed(p: &DepthwiseConvParams, filter: &[i8], bias: &[i32], mult: &[i32], shift: &[i32]) -> Vec<i32> {
    let mut table = vec![Group16::default(); depthwise_conv_s8_packed_groups(p)];
    depthwise_conv_s8_pack(p, filter, bias, mult, shift, &mut table);
    let mut packed = words(&table).to_vec();
    let groups = packed.len();
    packed.resize(groups + depthwise_conv::depthwise_conv_s8_layer_words(p), 0);
    depthwise_conv::depthwise_conv_s8_pack_layer(p, &mut packed[groups..]);
    packed
}

/// The path sets of `conv_s8_only` the tests call: each path alone, the narrow path with
/// each path a narrow layer takes without Helium, and all.
const ONLY_MASKS: [u8; 7] = [
    conv_path::NARROW,
    conv_path::POINTWISE,
    conv_path::GENERAL,
    conv_path::IN_PLACE,
    conv_path::NARROW | conv_path::GENERAL,
    conv_path::NARROW | conv_path::IN_PLACE,
    conv_path::ALL,
];

/// `conv_s8_only::<mask>` for a mask of [`ONLY_MASKS`].
#[allow(clippy::too_many_arguments)]
fn conv_only(
    mask: u8,
    p: &ConvParams,
    input: &[i8],
    filter: &[i8],
    bias: &[i32],
    mult: &[i32],
    shift: &[i32],
    packed: &[i32],
    scratch: &mut [u8],
    out: &mut [i8],
) {
    macro_rules! only {
        ($($paths:expr),*) => {
            match mask {
                $(m if m == $paths => conv_s8_only::<{ $paths }>(p, input, filter, bias, mult, shift, packed, scratch, out),)*
                _ => unreachable!("mask {mask} is not in ONLY_MASKS"),
            }
        };
    }
    only!(
        conv_path::NARROW,
        conv_path::POINTWISE,
        conv_path::GENERAL,
        conv_path::IN_PLACE,
        conv_path::NARROW | conv_path::GENERAL,
        conv_path::NARROW | conv_path::IN_PLACE,
        conv_path::ALL
    )
}

/// A path-specific entry called for a layer that takes another path (a wrong choice at
/// compile time) panics in a debug build, where the firmware the oracle tests run is
/// built (`cargo tinyml run`), and in a release build computes the layer with the
/// reference kernel: never garbage.
#[test]
#[cfg_attr(debug_assertions, should_panic(expected = "conv_s8_only::<4> called for a layer taking paths 8"))]
fn a_path_the_layer_does_not_take_is_caught() {
    // A 3x3 window over 8 channels (72 bytes: not narrow) without scratch: read in place.
    let p = ConvParams {
        input_offset: 3,
        output_offset: -2,
        stride_w: 1,
        stride_h: 1,
        dilation_w: 1,
        dilation_h: 1,
        pad_w: 1,
        pad_h: 1,
        activation_min: -128,
        activation_max: 127,
        batches: 1,
        input_h: 5,
        input_w: 6,
        input_depth: 8,
        filter_h: 3,
        filter_w: 3,
        output_h: 5,
        output_w: 6,
        output_depth: 5,
    };
    assert_eq!(conv_s8_paths(&p, 0), conv_path::IN_PLACE);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (input, filter) = (rng.bytes(5 * 6 * 8), rng.bytes(5 * 9 * 8));
    let bias = rng.i32s(5, 1 << 12);
    let (mult, shift) = rng.requant(5);
    let packed = conv_packed(&p, &filter, &bias, &mult, &shift);
    let mut want = vec![0i8; 5 * 6 * 5];
    conv_s8_reference(&p, &input, &filter, &bias, &mult, &shift, &mut want);
    let mut got = vec![0i8; want.len()];
    conv_s8_only::<{ conv_path::GENERAL }>(&p, &input, &filter, &bias, &mult, &shift, &packed, &mut [], &mut got);
    assert_eq!(got, want);
}

/// A larger layer under every scratch size from none to the preferred one: the stack
/// column, the scratch column with per-tap bounds logic (the padded copy does not fit
/// until the preferred size), and the padded copy must all agree with the reference.
#[test]
fn conv_under_every_scratch_size_matches_reference() {
    let (ih, iw, id, od) = (24usize, 20usize, 6usize, 13usize);
    let p = ConvParams {
        input_offset: 37,
        output_offset: -5,
        stride_w: 2,
        stride_h: 1,
        dilation_w: 1,
        dilation_h: 1,
        pad_w: 1,
        pad_h: 1,
        activation_min: -128,
        activation_max: 127,
        batches: 1,
        input_h: ih,
        input_w: iw,
        input_depth: id,
        filter_h: 3,
        filter_w: 3,
        output_h: ih,
        output_w: iw / 2,
        output_depth: od,
    };
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let input = rng.bytes(ih * iw * id);
    let filter = rng.bytes(od * 9 * id);
    let bias: Vec<i32> = (0..od as i32).map(|c| c * 1000 - 6000).collect();
    let mult = vec![1_300_000_000; od];
    let shift: Vec<i32> = (0..od as i32).map(|c| -(c % 9)).collect();
    let packed = conv_packed(&p, &filter, &bias, &mult, &shift);
    let mut want = vec![0i8; ih * (iw / 2) * od];
    conv_s8_reference(&p, &input, &filter, &bias, &mult, &shift, &mut want);
    let (k, preferred) = (9 * id, conv_s8_scratch(&p).preferred);
    assert_eq!(preferred, k + (ih + 2) * (iw + 1) * id);
    for size in [0, k - 1, k, k + 1, preferred - 1, preferred, preferred + 100] {
        let mut got = vec![0i8; want.len()];
        let mut scratch = vec![0xa5u8; size];
        assert!(conv::optimized::conv_s8(&p, &input, &filter, &bias, &mult, &shift, &packed, &mut scratch, &mut got));
        assert_eq!(got, want, "scratch {size} B");
    }
}

/// One input channel and a depth multiplier of 8 (micro_speech's first layer): the model
/// compiler lowers it to a convolution on the filter transposed to OHWI, which must give
/// the depthwise reference's bytes with and without scratch.
#[test]
fn depthwise_one_channel_as_transposed_conv_matches_reference() {
    let (ih, iw, m, taps) = (49usize, 40usize, 8usize, 80usize);
    let p = DepthwiseConvParams {
        input_offset: 128,
        output_offset: -128,
        stride_w: 2,
        stride_h: 2,
        dilation_w: 1,
        dilation_h: 1,
        pad_w: 3,
        pad_h: 4,
        depth_multiplier: m,
        activation_min: -128,
        activation_max: 127,
        batches: 1,
        input_h: ih,
        input_w: iw,
        input_depth: 1,
        filter_h: 10,
        filter_w: 8,
        output_h: 25,
        output_w: 20,
    };
    let cp = ConvParams {
        input_offset: p.input_offset,
        output_offset: p.output_offset,
        stride_w: 2,
        stride_h: 2,
        dilation_w: 1,
        dilation_h: 1,
        pad_w: 3,
        pad_h: 4,
        activation_min: -128,
        activation_max: 127,
        batches: 1,
        input_h: ih,
        input_w: iw,
        input_depth: 1,
        filter_h: 10,
        filter_w: 8,
        output_h: 25,
        output_w: 20,
        output_depth: m,
    };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let input = rng.bytes(ih * iw);
    let filter = rng.bytes(taps * m);
    let transposed: Vec<i8> = (0..m * taps).map(|i| filter[(i % taps) * m + i / taps]).collect();
    let bias: Vec<i32> = (0..m as i32).map(|c| c * 700 - 3000).collect();
    let mult = vec![1_500_000_000; m];
    let shift: Vec<i32> = (0..m as i32).map(|c| -(c % 10)).collect();
    let mut want = vec![0i8; 25 * 20 * m];
    depthwise_conv_s8_reference(&p, &input, &filter, &bias, &mult, &shift, &mut want);
    let packed = conv_packed(&cp, &transposed, &bias, &mult, &shift);
    for size in [0, conv_s8_scratch(&cp).preferred] {
        let mut got = vec![0i8; want.len()];
        conv_s8(&cp, &input, &transposed, &bias, &mult, &shift, &packed, &mut vec![0; size], &mut got);
        assert_eq!(got, want, "scratch {size} B");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    /// Windows of 6x6 to 11x11 (36 to 121 taps): the runs take any filter, their
    /// border pixels walking the window's rectangle of inside taps whatever its size.
    #[test]
    fn depthwise_large_windows_match_reference(
        (ih, fh, sh, same_h) in (1usize..20, 1usize..12, 1usize..3, any::<bool>()),
        (iw, fw, sw, same_w) in (1usize..20, 6usize..12, 1usize..3, any::<bool>()),
        dh in prop_oneof![Just(1usize), 1usize..3],
        batches in prop_oneof![Just(1usize), 1usize..3],
        in_c in prop_oneof![1usize..21, 1usize..40, Just(16usize), Just(8usize)],
        mult_ in prop_oneof![Just(1usize), 1usize..5],
        in_zp in -128i32..128,
        out_zp in -128i32..128,
        (amin, amax) in activation(),
        seed in any::<u64>(),
    ) {
        let out = |i: usize, f: usize, s: usize, d: usize, same: bool| {
            let eff = (f - 1) * d + 1;
            let o = if same { i.div_ceil(s) } else { (i + s).checked_sub(eff)? / s };
            (o > 0).then(|| (o, ((o - 1) * s + eff).saturating_sub(i) / 2))
        };
        let (Some((oh, ph)), Some((ow, pw))) = (out(ih, fh, sh, dh, same_h), out(iw, fw, sw, 1, same_w)) else {
            return Ok(());
        };
        let p = DepthwiseConvParams {
            input_offset: -in_zp, output_offset: out_zp,
            stride_w: sw, stride_h: sh, dilation_w: 1, dilation_h: dh, pad_w: pw, pad_h: ph,
            depth_multiplier: mult_, activation_min: amin, activation_max: amax, batches,
            input_h: ih, input_w: iw, input_depth: in_c, filter_h: fh, filter_w: fw,
            output_h: oh, output_w: ow,
        };
        optimized_depthwise_is_reference(&p, seed)?;
    }
}
