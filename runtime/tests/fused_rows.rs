//! Pairs of int8 convolutions fused by rows (`kernels::fused_rows`) against the two
//! whole layers, with the kernels the generated code calls: pointwise and 3x3
//! convolutions into depthwise layers and depthwise into pointwise, SAME and VALID, strides
//! 1 and 2, several heights, shifts and band heights, byte for byte.

use tinyml_runtime::kernels::conv::{
    conv_s8, conv_s8_narrow_words, conv_s8_pack, conv_s8_pack_narrow, conv_s8_packed_groups, conv_s8_scratch,
    ConvParams,
};
use tinyml_runtime::kernels::depthwise_conv::{
    depthwise_conv_s8, depthwise_conv_s8_layer_words, depthwise_conv_s8_pack, depthwise_conv_s8_pack_layer,
    depthwise_conv_s8_packed_groups, DepthwiseConvParams,
};
use tinyml_runtime::kernels::fused_rows::{run, scratch_bytes, Chain};
use tinyml_runtime::kernels::packed::{words, Group16, Group4};
use tinyml_runtime::kernels::rows_in_place::{buffer_len, conv_band, depthwise_band, Band, RowWindow};

/// Output extent and leading padding of a SAME or VALID layer.
fn extent(input: usize, filter: usize, stride: usize, same: bool) -> (usize, usize) {
    if same {
        let out = input.div_ceil(stride);
        (out, ((out - 1) * stride + filter).saturating_sub(input) / 2)
    } else {
        ((input - filter) / stride + 1, 0)
    }
}

/// Values that vary by position, so a misplaced row shows.
fn values(n: usize, seed: usize) -> Vec<i8> {
    (0..n).map(|i| ((i * 37 + seed * 11) % 251) as i8).collect()
}

/// One layer with its tables: a convolution or a depthwise convolution.
enum Layer {
    Conv {
        p: ConvParams,
        filter: Vec<i8>,
        bias: Vec<i32>,
        mult: Vec<i32>,
        shifts: Vec<i32>,
        packed: Vec<i32>,
    },
    Depthwise {
        p: DepthwiseConvParams,
        filter: Vec<i8>,
        bias: Vec<i32>,
        mult: Vec<i32>,
        shifts: Vec<i32>,
        packed: Vec<i32>,
    },
}

impl Layer {
    fn conv(h: usize, w: usize, depth: usize, out_depth: usize, filter: usize, stride: usize, same: bool) -> Layer {
        let (oh, ph) = extent(h, filter, stride, same);
        let (ow, pw) = extent(w, filter, stride, same);
        let p = ConvParams {
            input_offset: 3,
            output_offset: -2,
            stride_w: stride,
            stride_h: stride,
            dilation_w: 1,
            dilation_h: 1,
            pad_w: pw,
            pad_h: ph,
            activation_min: -128,
            activation_max: 127,
            batches: 1,
            input_h: h,
            input_w: w,
            input_depth: depth,
            filter_h: filter,
            filter_w: filter,
            output_h: oh,
            output_w: ow,
            output_depth: out_depth,
        };
        let filter = values(out_depth * filter * filter * depth, 1);
        let bias: Vec<i32> = (0..out_depth as i32).map(|c| c * 50 - 100).collect();
        let mult = vec![1_300_000_000; out_depth];
        let shifts: Vec<i32> = (0..out_depth as i32).map(|c| -6 - c % 3).collect();
        let mut table = vec![Group4::default(); conv_s8_packed_groups(&p)];
        conv_s8_pack(&p, &filter, &bias, &mult, &shifts, &mut table);
        let mut packed = words(&table).to_vec();
        let groups = packed.len();
        packed.resize(groups + conv_s8_narrow_words(&p), 0);
        conv_s8_pack_narrow(&p, &filter, &mut packed[groups..]);
        Layer::Conv { p, filter, bias, mult, shifts, packed }
    }

    fn depthwise(h: usize, w: usize, depth: usize, filter: usize, stride: usize, same: bool) -> Layer {
        let (oh, ph) = extent(h, filter, stride, same);
        let (ow, pw) = extent(w, filter, stride, same);
        let p = DepthwiseConvParams {
            input_offset: -5,
            output_offset: 4,
            stride_w: stride,
            stride_h: stride,
            dilation_w: 1,
            dilation_h: 1,
            pad_w: pw,
            pad_h: ph,
            depth_multiplier: 1,
            activation_min: -100,
            activation_max: 127,
            batches: 1,
            input_h: h,
            input_w: w,
            input_depth: depth,
            filter_h: filter,
            filter_w: filter,
            output_h: oh,
            output_w: ow,
        };
        let filter = values(filter * filter * depth, 2);
        let bias: Vec<i32> = (0..depth as i32).map(|c| 30 - c * 7).collect();
        let mult = vec![1_500_000_000; depth];
        let shifts = vec![-5; depth];
        let mut table = vec![Group16::default(); depthwise_conv_s8_packed_groups(&p)];
        depthwise_conv_s8_pack(&p, &filter, &bias, &mult, &shifts, &mut table);
        let mut packed = words(&table).to_vec();
        let groups = packed.len();
        packed.resize(groups + depthwise_conv_s8_layer_words(&p), 0);
        depthwise_conv_s8_pack_layer(&p, &mut packed[groups..]);
        Layer::Depthwise { p, filter, bias, mult, shifts, packed }
    }

    fn window(&self) -> RowWindow {
        match self {
            Layer::Conv { p, .. } => RowWindow::of_conv(p),
            Layer::Depthwise { p, .. } => RowWindow::of_depthwise(p),
        }
    }

    /// Output height, width and depth.
    fn output(&self) -> (usize, usize, usize) {
        match self {
            Layer::Conv { p, .. } => (p.output_h, p.output_w, p.output_depth),
            Layer::Depthwise { p, .. } => (p.output_h, p.output_w, p.input_depth),
        }
    }

    fn band_scratch(&self, b: &Band) -> usize {
        match self {
            Layer::Conv { p, .. } => conv_s8_scratch(&conv_band(p, b)).preferred,
            Layer::Depthwise { .. } => 0,
        }
    }

    /// One band (or, with `None`, the whole layer).
    fn run(&self, band: Option<&Band>, input: &[i8], output: &mut [i8], scratch: &mut [u8]) {
        match self {
            Layer::Conv { p, filter, bias, mult, shifts, packed } => {
                let p = band.map_or(*p, |b| conv_band(p, b));
                conv_s8(&p, input, filter, bias, mult, shifts, packed, scratch, output)
            }
            Layer::Depthwise { p, filter, bias, mult, shifts, packed } => {
                let p = band.map_or(*p, |b| depthwise_band(p, b));
                depthwise_conv_s8(&p, input, filter, bias, mult, shifts, packed, output)
            }
        }
    }
}

/// The pair fused in place over one buffer equals the two whole layers, for every shift
/// from the tightest up and band heights 1 to 3.
fn check(a: &Layer, b: &Layer, input: &[i8]) -> usize {
    let c = Chain { first: a.window(), second: b.window() };
    assert!(c.fits(), "{c:?}");
    let (ah, aw, ad) = a.output();
    let mut middle = vec![0; ah * aw * ad];
    let mut whole_scratch = vec![0u8; 1 << 16];
    a.run(None, input, &mut middle, &mut whole_scratch);
    let (bh, bw, bd) = b.output();
    let mut want = vec![0; bh * bw * bd];
    b.run(None, &middle, &mut want, &mut whole_scratch);
    let w = c.window();
    let base = (w.output_h * w.output_row).saturating_sub(input.len()).next_multiple_of(16);
    let mut cases = 0;
    for shift in [base, base + 16, base + 16 * w.input_row] {
        for (band, direct) in (1..4).flat_map(|b| [(b, false), (b, true)]) {
            let mut buf = vec![-7; buffer_len(&w, shift)];
            buf[shift..shift + input.len()].copy_from_slice(input);
            let bytes = scratch_bytes(&c, shift, band, direct, |x| a.band_scratch(x), |x| b.band_scratch(x));
            let mut scratch = vec![0u8; bytes];
            run(
                &c,
                &mut buf,
                shift,
                band,
                direct,
                &mut scratch,
                |x, i, o, s| a.run(Some(x), i, o, s),
                |x, i, o, s| b.run(Some(x), i, o, s),
            )
            .unwrap();
            assert_eq!(&buf[..want.len()], &want[..], "{c:?} shift {shift} band {band} direct {direct}");
            cases += 1;
        }
    }
    cases
}

#[test]
fn fused_pairs_of_real_kernels_match_the_whole_layers() {
    let mut cases = 0;
    for h in [1, 2, 3, 5, 8, 9] {
        let w = 5;
        for same in [true, false] {
            for (fa, sa) in [(1, 1), (3, 1), (3, 2)] {
                for (fb, sb) in [(3, 1), (3, 2), (1, 1)] {
                    if !same && (h < fa || extent(h, fa, sa, same).0 < fb || w < fa || extent(w, fa, sa, same).0 < fb) {
                        continue;
                    }
                    let input = values(h * w * 3, 3);
                    // Convolution (pointwise or 3x3, widening 3 -> 8) into a depthwise layer.
                    let a = Layer::conv(h, w, 3, 8, fa, sa, same);
                    let (ah, aw, _) = a.output();
                    let b = Layer::depthwise(ah, aw, 8, fb, sb, same);
                    cases += check(&a, &b, &input);
                    // Depthwise into a convolution (narrowing 3 -> 2).
                    let a = Layer::depthwise(h, w, 3, fa, sa, same);
                    let (ah, aw, _) = a.output();
                    let b = Layer::conv(ah, aw, 3, 2, fb, sb, same);
                    cases += check(&a, &b, &input);
                }
            }
        }
    }
    assert!(cases > 500, "{cases}");
}
