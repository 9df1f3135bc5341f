//! Depth multiplier 1 (and 2 or 4 in whole groups) in runs of output pixels
//! (`kernels::simd::depthwise`): per output row, the pixels whose window lies inside the
//! image are one run sharing one list of tap offsets; each pixel whose window crosses the
//! border is a run of its own, its padded taps pointed at a buffer of input zero points.
//! The channels are swept in parts: groups of sixteen (blocks of [`CHANNEL_BLOCK`]
//! channels, so the zero-point buffer covers a part's reads), then, when the count is
//! not a multiple of 16, the last eight or sixteen channels (rewriting identical bytes),
//! or one narrow group below sixteen channels.
//!
//! The lists are the layer's, read in place from its table in flash (`layer.rs`): the
//! interior runs' offsets and the lanes' taps. Only a border pixel's list is written,
//! since its padded taps' offsets depend on the pixel (the zero points' distance from
//! its base): it takes as many entries as the window has taps, on the stack
//! ([`on_stack`]: the frame of a 3x3, a 5x5 window or [`MAX_WRITTEN`] taps, the fewest
//! that hold the layer's), and a layer of more taps computes its border pixels one at a
//! time with scalar loops ([`scalar_pixel`]; its interior runs and lanes as any other).
//! The tiles of sixteen channels' sums and constants of `lanes_groups` (and the
//! routines' accumulators) stay on the stack: they are a group's registers' worth, the
//! same for every layer, not lists of the layer's.

use super::layer::{by_runs, outputs_inside, taps_inside, LayerTable};
use super::params::DepthwiseConvParams;
use crate::fixedpoint::multiply_by_quantized_multiplier;
use crate::kernels::packed::{Group16, CHANNEL_BLOCK};
use crate::kernels::simd::depthwise::{
    depthwise_lanes, depthwise_narrow, depthwise_wide, ChannelConsts, Run, Tap, TapOffset, Written, LANES_MIN_PIXELS,
};
use crate::kernels::simd::OutQuant;
use core::mem::MaybeUninit;
use core::ops::Range;

// Most taps of a border pixel's written list (`on_stack`'s largest frame, 256 B on the
// 32-bit targets); a layer of more takes `scalar_pixel` for those pixels.
use super::layer::MAX_WRITTEN;

/// Whether runs may take `depthwise_lanes`: on Helium, where one pixel per lane pays;
/// not on the other cores, where its portable version costs more than the routines per
/// pixel (the M33's 1-channel cells went from 0.33 to 0.45 of the reference), except
/// with one channel ([`lanes_for`]); the host takes it too, so that the tests check the
/// path against the reference.
const LANES: bool = cfg!(any(tinyml_mve, not(target_os = "none")));

/// Whether `part`'s runs may take `depthwise_lanes`: as [`LANES`], and on every core for
/// one channel, which its portable version runs four pixels per pass over the taps
/// (`simd::depthwise_one`; the routines per pixel pay a pass per pixel).
fn lanes_for(part: Part) -> bool {
    LANES || matches!(part, Part::Narrow(_, _, 1))
}

/// Estimated Helium instructions of `depthwise_lanes` for `n` pixels, `taps` taps and
/// `channels` channels (`mve_depthwise::lanes`: per channel and pass of `v` vectors of
/// four pixels, `3 + 3v` per tap and about `19 + 12v` besides).
fn lanes_cost(n: usize, taps: usize, channels: usize) -> usize {
    let pass = |v: usize| taps * (3 + 3 * v) + 19 + 12 * v;
    let rest = n % 16;
    let last = if rest == 0 { 0 } else { pass(rest.div_ceil(4)) };
    channels * (n / 16 * pass(4) + last)
}

/// Estimated Helium instructions of an interior run of `n` pixels with `depthwise_narrow`:
/// per step, `pair` (up to eight channels, two pixels) 18 per tap and about 76 besides,
/// `tail` (one pixel) 17 per tap and about 70.
fn narrow_cost(n: usize, taps: usize, channels: usize) -> usize {
    match channels {
        ..=8 => n.div_ceil(2) * (18 * taps + 76),
        _ => n * (17 * taps + 70),
    }
}

/// The first `n` entries of `storage`, each set to `value(i)` before the slice is
/// formed: the kernel's lists on the stack are written, never zeroed first (zeroing the
/// whole tap and lane lists cost about 450 instructions per call on the M55, paid per
/// band when a layer runs by rows).
fn written<T>(storage: &mut [MaybeUninit<T>], n: usize, value: impl Fn(usize) -> T) -> &mut [T] {
    let part = &mut storage[..n];
    for (i, e) in part.iter_mut().enumerate() {
        e.write(value(i));
    }
    // SAFETY: every one of the `n` entries was written above; `MaybeUninit<T>` has the
    // layout of `T`.
    unsafe { core::slice::from_raw_parts_mut(part.as_mut_ptr() as *mut T, n) }
}

/// Calls `f` with at least `n <= MAX_WRITTEN` entries on the stack, not initialized: as
/// many as a 3x3 or a 5x5 window has taps, or [`MAX_WRITTEN`], the fewest that hold `n`.
/// A layer's lists then take the stack its filter needs, where lists sized for the
/// largest filter made every depthwise call's frame about 1.1 KB. A 3x3 window's are in
/// the caller's frame, `f` called directly (through a frame of their own, the calls per
/// band of a layer by rows cost about 1.5% more of its instructions on the M55); `f`
/// should be a call of a function that is not inlined, or its body is compiled twice.
#[inline(always)]
fn on_stack<T>(n: usize, f: &mut dyn FnMut(&mut [MaybeUninit<T>])) {
    match n {
        0..=9 => f(&mut [const { MaybeUninit::uninit() }; 9]),
        10..=25 => entries::<T, 25>(f),
        _ => entries::<T, MAX_WRITTEN>(f),
    }
}

/// [`on_stack`]'s frame of `N` entries (a function of its own, so that only the size
/// taken is on the stack).
#[inline(never)]
fn entries<T, const N: usize>(f: &mut dyn FnMut(&mut [MaybeUninit<T>])) {
    f(&mut [const { MaybeUninit::uninit() }; N])
}

/// The channels one sweep over the pixels computes.
#[derive(Clone, Copy)]
enum Part<'a> {
    /// Sixteen channels per group.
    Wide(&'a [Group16]),
    /// Fewer than sixteen channels: the group, whether they are its slots 8 to 15 (at
    /// most eight), their count.
    Narrow(&'a Group16, bool, usize),
}

/// The layer's tensors and constants for a sweep.
struct Layer<'a> {
    p: &'a DepthwiseConvParams,
    input: &'a [i8],
    filter: &'a [i8],
    /// The layer's values from its table.
    table: LayerTable<'a>,
    /// Whether [`inner_rows`] may take the border columns' padded taps from `table`.
    listed: bool,
    q: OutQuant,
}

/// Whether [`depthwise_runs`] takes the layer: depth multiplier 1, or 2 or 4 with at
/// least sixteen output channels (whole groups, each half reading whole input channels;
/// the last group may overlap the one before), any filter.
pub fn takes(p: &DepthwiseConvParams) -> bool {
    by_runs(p)
}

/// The optimized depthwise convolution of the layers [`takes`] accepts, its per-channel
/// constants from `table` (`depthwise_conv_s8_pack`) and its other values from `layer`
/// (`depthwise_conv_s8_pack_layer`: `p` may be a band of the layer's rows, which shares
/// them). `by_rows`: `p` is such a band, whose border columns may take their listed
/// padded taps ([`inner_rows`]; a whole layer's take `sweep`'s passes).
pub fn depthwise_runs(
    p: &DepthwiseConvParams,
    layer: LayerTable,
    by_rows: bool,
    input: &[i8],
    filter: &[i8],
    table: &[Group16],
    output: &mut [i8],
) {
    runs(p, layer, by_rows, None, input, filter, table, output)
}

/// [`depthwise_runs`] for the bands of a layer by rows (`kernels::rows_in_place`): `run`
/// gets the kernel of one band. A 3x3 window's list for its border pixels (or smaller)
/// stays in this frame from one band to the next, set once, for the bands [`inner_rows`]
/// takes: written per band it cost about 40 instructions each on the M55 (KWS in `ram`:
/// 100 one-row bands, 4.2k). A layer whose channels are one part (at most [`CHANNEL_BLOCK`] in whole
/// groups, or fewer than sixteen) goes to `inner_rows` from here, its part and bounds
/// checked once per layer rather than per band by `depthwise_runs` (KWS: 12k less).
pub fn depthwise_bands<R>(
    p: &DepthwiseConvParams,
    layer: LayerTable,
    filter: &[i8],
    table: &[Group16],
    run: impl FnOnce(&mut dyn FnMut(&DepthwiseConvParams, &[i8], &mut [i8])) -> R,
) -> R {
    let (taps, full) = (p.filter_h * p.filter_w, layer.full());
    let od = p.input_depth * p.depth_multiplier;
    if taps > 9 || full.len() < taps || !takes(p) || table.len() != od.div_ceil(16) || filter.len() < taps * od {
        return run(&mut |b, input, output| depthwise_runs(b, layer, true, input, filter, table, output));
    }
    let filter = &filter[..taps * od];
    let part = match od {
        ..16 => Some(Part::Narrow(&table[0], false, od)),
        _ if od <= CHANNEL_BLOCK && od.is_multiple_of(16) => Some(Part::Wide(table)),
        _ => None,
    };
    let q = OutQuant { offset: p.output_offset, min: p.activation_min, max: p.activation_max };
    let shared = Bands { layer, filter, table, part, q, od };
    let mut storage = [const { MaybeUninit::<Written>::uninit() }; 9];
    let offs = written(&mut storage, taps, |i| full[i] as Written);
    run(&mut |b, input, output| band(&shared, offs, b, input, output))
}

/// What every band of a layer of [`depthwise_bands`] shares.
struct Bands<'a> {
    layer: LayerTable<'a>,
    filter: &'a [i8],
    table: &'a [Group16],
    /// The layer's one part, if its channels are one.
    part: Option<Part<'a>>,
    q: OutQuant,
    od: usize,
}

/// One band of a layer of [`depthwise_bands`]: its own heights and padding, the layer's
/// width and channels. Not generic and not inlined, so that every caller of
/// `depthwise_bands` (the layers by rows, and each fused pair's generated loop, whose
/// closures differ in type) shares one copy of the runs' code (about 15 KB on the M55),
/// for a call per band.
#[inline(never)]
fn band(s: &Bands, offs: &mut [Written], b: &DepthwiseConvParams, input: &[i8], output: &mut [i8]) {
    let (rows_in, pixels) = (b.input_h * b.input_w * b.input_depth, b.output_h * b.output_w * s.od);
    if let Some(part) = s.part.filter(|_| b.batches == 1 && input.len() >= rows_in && output.len() >= pixels) {
        let listed = s.layer.listed();
        let l = Layer { p: b, input: &input[..rows_in], filter: s.filter, table: s.layer, listed, q: s.q };
        if takes_inner_rows(b, &l, part) {
            return inner_rows_set(&l, &mut output[..pixels], 0, part, offs);
        }
    }
    runs(b, s.layer, true, Some(offs), input, s.filter, s.table, output)
}

/// [`depthwise_runs`], with `offs` a list of the layer's offsets already written for
/// [`inner_rows`]' border pixels (which leaves them so).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn runs(
    p: &DepthwiseConvParams,
    layer: LayerTable,
    by_rows: bool,
    mut offs: Option<&mut [Written]>,
    input: &[i8],
    filter: &[i8],
    table: &[Group16],
    output: &mut [i8],
) {
    let od = p.input_depth * p.depth_multiplier;
    let taps = p.filter_h * p.filter_w;
    // Bounds checked once here; the runs' pointer arithmetic stays inside them.
    let input = &input[..p.batches * p.input_h * p.input_w * p.input_depth];
    let filter = &filter[..taps * od];
    let output = &mut output[..p.batches * p.output_h * p.output_w * od];
    assert!(takes(p) && table.len() == od.div_ceil(16));
    let q = OutQuant { offset: p.output_offset, min: p.activation_min, max: p.activation_max };
    let layer = Layer { p, input, filter, table: layer, listed: by_rows && layer.listed(), q };
    let offs = &mut offs;
    if od < 16 {
        return sweep(&layer, output, 0, Part::Narrow(&table[0], false, od), offs);
    }
    for c0 in (0..od).step_by(CHANNEL_BLOCK) {
        let full = CHANNEL_BLOCK.min(od - c0) / 16;
        if full > 0 {
            sweep(&layer, output, c0, Part::Wide(&table[c0 / 16..c0 / 16 + full]), offs);
        }
    }
    // The table's last group holds the last sixteen channels: up to eight more are
    // its high half, two pixels per step; more, the whole group.
    let last = &table[table.len() - 1..];
    match od % 16 {
        0 => {}
        1..=8 if p.depth_multiplier == 1 => sweep(&layer, output, od - 8, Part::Narrow(&last[0], true, 8), offs),
        _ => sweep(&layer, output, od - 16, Part::Wide(last), offs),
    }
}

/// Channels `cs..` of `part` for every output pixel, in three passes: the runs of
/// interior pixels (one list of tap offsets for all), the border columns of the rows
/// whose window is inside the image's height, then the rows whose window crosses the
/// top or bottom. With depth multiplier 1, runs of at least [`LANES_MIN_PIXELS`] pixels
/// that see the same taps inside the image (the border columns down the inner rows, the
/// inner columns of a top or bottom row, and the interior runs of fewer than sixteen
/// channels) take [`depthwise_lanes`], their padded taps left out. The other border
/// pixels get a list each, a padded tap pointing at the zero points ([`pixels`]).
#[inline(always)]
fn sweep(l: &Layer, output: &mut [i8], cs: usize, part: Part, offs: &mut Option<&mut [Written]>) {
    if takes_inner_rows(l.p, l, part) {
        return match offs {
            Some(offs) => inner_rows_set(l, output, cs, part, offs),
            None => inner_rows(l, output, cs, part),
        };
    }
    let s = Sweep::new(l, part);
    // SAFETY (every call below): every offset addresses an input pixel (`cs` plus the
    // part's channels stay below `od`) or the zero points (a part reads at most
    // `CHANNEL_BLOCK` bytes from its first channel); the weights and the output pixels
    // are inside the slices checked in `depthwise_runs`.
    let (p, cols, rows) = (l.p, &s.cols, &s.rows);
    let (fh, fw) = (p.filter_h, p.filter_w);
    let taps = fh * fw;
    let full = l.table.full();
    let w = l.filter[cs..].as_ptr();
    let mut pending = false;
    for b in 0..p.batches {
        let at = s.at(output, cs, b);
        if !cols.is_empty() {
            // Interior runs of a narrow part take whichever routine is estimated cheaper.
            let cheaper = |c| lanes_cost(cols.len(), taps, c) < narrow_cost(cols.len(), taps, c);
            if matches!(part, Part::Narrow(_, _, c) if cheaper(c)) && s.lanes(cols.len(), &(0..fh), &(0..fw)) {
                unsafe { lanes_runs(l, cs, part, [0..fh, 0..fw], rows.clone().map(|oy| at.row(oy))) };
            } else {
                for oy in rows.clone() {
                    unsafe { row_run(l, full, w, part, at.row(oy)) };
                }
            }
        }
        for ox in s.border_cols() {
            let inside = taps_inside(at.x0(ox), p.dilation_w, fw, p.input_w);
            if !s.lanes(rows.len(), &(0..fh), &inside) {
                pending = true;
                continue;
            }
            // The column down the inner rows.
            let run = Run {
                x: at.origin(at.y0(rows.start), at.x0(ox)) as *const i8,
                xstep: (p.stride_h * p.input_w * p.input_depth) as isize,
                out: at.out(rows.start, ox),
                ostep: (p.output_w * p.input_depth * p.depth_multiplier) as isize,
                npix: rows.len(),
            };
            unsafe { lanes_runs(l, cs, part, [0..fh, inside], core::iter::once(run)) };
        }
        for oy in (0..rows.start).chain(rows.end..p.output_h) {
            let rows_in = taps_inside(at.y0(oy), p.dilation_h, fh, p.input_h);
            if s.lanes(cols.len(), &rows_in, &(0..fw)) {
                unsafe { lanes_runs(l, cs, part, [rows_in, 0..fw], core::iter::once(at.row(oy))) };
                pending |= cols.start > 0 || cols.end < p.output_w;
            } else {
                pending = true;
            }
        }
    }
    if !pending {
        return;
    }
    // A 3x3 window's list (or smaller) in this frame, the pixels' loops inlined here:
    // through [`pixels`]' frame of its own, KWS's border pixels cost about 1.7 times as
    // many instructions on the M55 (spilled values reloaded after every routine's call).
    if taps <= 9 {
        let mut storage = [const { MaybeUninit::<Written>::uninit() }; 9];
        return pixels_with(&s, output, cs, written(&mut storage, taps, |i| full[i] as Written));
    }
    pixels(l, output, cs, part)
}

/// A sweep's geometry and choices of lanes, shared by its passes ([`sweep`]) and its
/// border pixels ([`pixels`]).
struct Sweep<'a, 'l> {
    l: &'a Layer<'l>,
    part: Part<'a>,
    /// The output rows whose window is inside the input vertically.
    rows: Range<usize>,
    /// The output columns whose window is inside the input horizontally.
    cols: Range<usize>,
    /// Whether the part may take the lanes at all, and from how many pixels.
    may_lanes: bool,
    min: usize,
}

impl<'a, 'l> Sweep<'a, 'l> {
    #[inline(always)]
    fn new(l: &'a Layer<'l>, part: Part<'a>) -> Self {
        let p = l.p;
        let rows = outputs_inside(p.input_h, p.output_h, p.stride_h, p.pad_h, (p.filter_h - 1) * p.dilation_h + 1);
        // Whether a run of `n` border pixels takes the lanes. A call per pixel of
        // sixteen-channel groups shares its setup (about 90 instructions) between the
        // groups, so the lanes pay from more pixels the more groups there are: 4 plus 2
        // per group (on the M55, runs of 8 pixels paid with one or two groups, not with
        // four).
        let min = match part {
            Part::Wide(groups) => 4 + 2 * groups.len(),
            Part::Narrow(..) => LANES_MIN_PIXELS,
        };
        // Decided here: on Helium a constant, so that the passes do not test `part`.
        let may_lanes = lanes_for(part) && p.depth_multiplier == 1;
        Sweep { l, part, rows, cols: l.table.cols(), may_lanes, min }
    }

    /// Whether a run of `n` border pixels, with taps `rows_in` x `cols_in` inside, takes
    /// the lanes.
    #[inline(always)]
    fn lanes(&self, n: usize, rows_in: &Range<usize>, cols_in: &Range<usize>) -> bool {
        self.may_lanes && n >= self.min && !rows_in.is_empty() && !cols_in.is_empty()
    }

    /// The output columns whose window crosses the left or right border.
    #[inline(always)]
    fn border_cols(&self) -> core::iter::Chain<Range<usize>, Range<usize>> {
        (0..self.cols.start).chain(self.cols.end..self.l.p.output_w)
    }

    /// Where batch `b` of the part reads and writes.
    #[inline(always)]
    fn at(&self, output: &mut [i8], cs: usize, b: usize) -> At {
        let p = self.l.p;
        let (id, od) = (p.input_depth, p.input_depth * p.depth_multiplier);
        // Pixel bases hold the part's first channel (`cs / m` of the input: parts start
        // at multiples of 16 when `m > 1`); the offsets address whole pixels.
        let x = self.l.input.as_ptr().wrapping_add(cs / p.depth_multiplier + b * p.input_h * p.input_w * id);
        let out = output.as_mut_ptr().wrapping_add(cs + b * p.output_h * p.output_w * od);
        At {
            x: x as isize,
            out,
            x_row: (p.input_w * id) as isize,
            x_pixel: id as isize,
            o_row: p.output_w * od,
            o_pixel: od,
            stride: [p.stride_h as isize, p.stride_w as isize],
            pad: [p.pad_h as isize, p.pad_w as isize],
            cols: self.cols.clone(),
            b,
        }
    }
}

/// Where a batch of a sweep's part reads and writes ([`Sweep::at`]), its values copied
/// out of the parameters: read there, they are loaded again after every routine's call.
struct At {
    /// The batch's first input pixel, as an address.
    x: isize,
    /// The batch's first output pixel.
    out: *mut i8,
    /// Input bytes per row and per pixel.
    x_row: isize,
    x_pixel: isize,
    /// Output bytes per row and per pixel.
    o_row: usize,
    o_pixel: usize,
    /// Vertical and horizontal strides and paddings.
    stride: [isize; 2],
    pad: [isize; 2],
    cols: Range<usize>,
    /// The batch.
    b: usize,
}

impl At {
    /// Input pixel (y0, x0) of the batch, as an address (possibly outside the image:
    /// only the offsets of taps inside it are added to it).
    #[inline(always)]
    fn origin(&self, y0: isize, x0: isize) -> isize {
        self.x.wrapping_add(y0 * self.x_row + x0 * self.x_pixel)
    }

    /// Output pixel (oy, ox) of the batch.
    #[inline(always)]
    fn out(&self, oy: usize, ox: usize) -> *mut i8 {
        self.out.wrapping_add(oy * self.o_row + ox * self.o_pixel)
    }

    /// The first input row of output row `oy`'s window.
    #[inline(always)]
    fn y0(&self, oy: usize) -> isize {
        oy as isize * self.stride[0] - self.pad[0]
    }

    /// The first input column of output column `ox`'s window.
    #[inline(always)]
    fn x0(&self, ox: usize) -> isize {
        ox as isize * self.stride[1] - self.pad[1]
    }

    /// The run of the inner columns of row `oy`.
    #[inline(always)]
    fn row(&self, oy: usize) -> Run {
        Run {
            x: self.origin(self.y0(oy), self.x0(self.cols.start)) as *const i8,
            xstep: self.stride[1] * self.x_pixel,
            out: self.out(oy, self.cols.start),
            ostep: self.o_pixel as isize,
            npix: self.cols.len(),
        }
    }
}

/// The border pixels of a [`sweep`] that its passes left (those no lanes take), each
/// with a list of its own: on the stack, as many entries as the window has taps, or
/// without a list ([`scalar_pixel`]) for more than [`MAX_WRITTEN`].
#[inline(never)]
fn pixels(l: &Layer, output: &mut [i8], cs: usize, part: Part) {
    // A sweep of its own: its caller's, passed by reference, would be reloaded after
    // each routine's call there.
    let s = &Sweep::new(l, part);
    let p = s.l.p;
    let taps = p.filter_h * p.filter_w;
    if taps > MAX_WRITTEN {
        return border_pixels(s, output, cs, |output, at, oy, ox| scalar_pixel(s, output, cs, at, oy, ox));
    }
    let full = s.l.table.full();
    on_stack(taps, &mut |storage| {
        let offs = written(storage, taps, |i| full[i] as Written);
        pixels_with(s, output, cs, offs)
    });
}

/// [`pixels`] with a list of `taps` entries, set to the layer's offsets (the loops of
/// [`border_pixels`], written out: through a closure per pixel, KWS's border pixels
/// cost about a quarter more on the M55).
#[inline(always)]
fn pixels_with(s: &Sweep, output: &mut [i8], cs: usize, offs: &mut [Written]) {
    let (l, part) = (s.l, s.part);
    let p = l.p;
    let (fh, fw, id) = (p.filter_h, p.filter_w, p.input_depth as isize);
    let (tap_y, tap_x) = (p.dilation_h as isize * p.input_w as isize * id, p.dilation_w as isize * id);
    let full = l.table.full();
    let zp = l.table.zero_points() as isize;
    let w = l.filter[cs..].as_ptr();
    let (rows, cols) = (&s.rows, &s.cols);
    for b in 0..p.batches {
        let at = s.at(output, cs, b);
        // SAFETY (every call below): as in `sweep`, whose pixels these are.
        for ox in s.border_cols() {
            let inside = taps_inside(at.x0(ox), p.dilation_w, fw, p.input_w);
            if s.lanes(rows.len(), &(0..fh), &inside) {
                continue;
            }
            // The same taps are padded for every row of the pass: only their offsets
            // (relative to each pixel) change.
            restore(offs, full);
            for oy in rows.clone() {
                let base = at.origin(at.y0(oy), at.x0(ox));
                let pad = zp.wrapping_sub(base) as Written;
                for row in offs.chunks_exact_mut(fw) {
                    row[..inside.start].fill(pad);
                    row[inside.end..].fill(pad);
                }
                let run = Run { x: base as *const i8, xstep: 0, out: at.out(oy, ox), ostep: 0, npix: 1 };
                unsafe { call(l, offs, w, part, [0, 0], run) };
            }
        }
        for oy in (0..rows.start).chain(rows.end..p.output_h) {
            let rows_in = taps_inside(at.y0(oy), p.dilation_h, fh, p.input_h);
            // The pixels left: the border columns, or the whole row.
            let inner = s.lanes(cols.len(), &rows_in, &(0..fw));
            let (left, right) = if inner { (0..cols.start, cols.end..p.output_w) } else { (0..p.output_w, 0..0) };
            for ox in left.chain(right) {
                let base = at.origin(at.y0(oy), at.x0(ox));
                let pad = zp.wrapping_sub(base) as Written;
                let cols_in = taps_inside(at.x0(ox), p.dilation_w, fw, p.input_w);
                offs.fill(pad);
                for ky in rows_in.clone() {
                    let mut o = ky as isize * tap_y + cols_in.start as isize * tap_x;
                    for e in &mut offs[ky * fw + cols_in.start..ky * fw + cols_in.end] {
                        *e = o as Written;
                        o += tap_x;
                    }
                }
                let run = Run { x: base as *const i8, xstep: 0, out: at.out(oy, ox), ostep: 0, npix: 1 };
                unsafe { call(l, offs, w, part, [0, 0], run) };
            }
        }
    }
}

/// Calls `f` with every border pixel of a [`sweep`] that no lanes take (those
/// [`pixels_with`] computes): its batch's [`At`], its row and column.
#[inline(always)]
fn border_pixels(s: &Sweep, output: &mut [i8], cs: usize, mut f: impl FnMut(&mut [i8], &At, usize, usize)) {
    let p = s.l.p;
    let (fh, fw) = (p.filter_h, p.filter_w);
    let (rows, cols) = (&s.rows, &s.cols);
    for b in 0..p.batches {
        let at = s.at(output, cs, b);
        for ox in s.border_cols() {
            let inside = taps_inside(at.x0(ox), p.dilation_w, fw, p.input_w);
            if !s.lanes(rows.len(), &(0..fh), &inside) {
                for oy in rows.clone() {
                    f(output, &at, oy, ox);
                }
            }
        }
        for oy in (0..rows.start).chain(rows.end..p.output_h) {
            let rows_in = taps_inside(at.y0(oy), p.dilation_h, fh, p.input_h);
            // The pixels left: the border columns, or the whole row.
            let inner = s.lanes(cols.len(), &rows_in, &(0..fw));
            let (left, right) = if inner { (0..cols.start, cols.end..p.output_w) } else { (0..p.output_w, 0..0) };
            for ox in left.chain(right) {
                f(output, &at, oy, ox);
            }
        }
    }
}

/// One border pixel of a [`sweep`] without a list (a window of more than
/// [`MAX_WRITTEN`] taps), sixteen channels at a time: per tap, the input's products
/// summed or, for a padded tap, its folded offset term taken back out (as the reference
/// kernel does). The sixteen sums are a register tile, the same for every layer.
fn scalar_pixel(s: &Sweep, output: &mut [i8], cs: usize, at: &At, oy: usize, ox: usize) {
    let (l, p) = (s.l, s.l.p);
    let (m, od, fw) = (p.depth_multiplier, p.input_depth * p.depth_multiplier, p.filter_w);
    let (groups, slot0, count) = match s.part {
        Part::Wide(groups) => (groups, 0, 16),
        Part::Narrow(group, high, c) => (core::slice::from_ref(group), 8 * usize::from(high), c),
    };
    let rows_in = taps_inside(at.y0(oy), p.dilation_h, p.filter_h, p.input_h);
    let cols_in = taps_inside(at.x0(ox), p.dilation_w, fw, p.input_w);
    let o = ((at.b * p.output_h + oy) * p.output_w + ox) * od + cs;
    for (i, g) in groups.iter().enumerate() {
        let c0 = cs + 16 * i;
        let mut acc = [0i32; 16];
        let acc = &mut acc[..count];
        for (j, a) in acc.iter_mut().enumerate() {
            let (quad, lane) = Group16::slot(slot0 + j);
            *a = g.bias[4 * quad + lane];
        }
        for t in 0..p.filter_h * fw {
            let (ky, kx) = (t / fw, t % fw);
            let w = &l.filter[t * od + c0..][..count];
            if rows_in.contains(&ky) && cols_in.contains(&kx) {
                let (y, x) = (
                    (at.y0(oy) + (ky * p.dilation_h) as isize) as usize,
                    (at.x0(ox) + (kx * p.dilation_w) as isize) as usize,
                );
                let xs = &l.input[((at.b * p.input_h + y) * p.input_w + x) * p.input_depth + c0 / m..];
                if m == 1 {
                    for ((a, &wv), &xv) in acc.iter_mut().zip(w).zip(xs) {
                        *a = a.wrapping_add(xv as i32 * wv as i32);
                    }
                } else {
                    for ((a, wv), &xv) in acc.chunks_exact_mut(m).zip(w.chunks_exact(m)).zip(xs) {
                        for (a, &wv) in a.iter_mut().zip(wv) {
                            *a = a.wrapping_add(xv as i32 * wv as i32);
                        }
                    }
                }
            } else {
                for (a, &wv) in acc.iter_mut().zip(w) {
                    *a = a.wrapping_sub(p.input_offset.wrapping_mul(wv as i32));
                }
            }
        }
        for (j, (out, &a)) in output[o + 16 * i..][..count].iter_mut().zip(acc.iter()).enumerate() {
            let (quad, lane) = Group16::slot(slot0 + j);
            let qd = &g.quant[quad];
            let v = multiply_by_quantized_multiplier(a, qd.mult[lane], qd.left[lane] + qd.right[lane]) + l.q.offset;
            *out = v.clamp(l.q.min, l.q.max) as i8;
        }
    }
}

/// Whether [`inner_rows`] computes the layer as [`sweep`] would: one batch, every window
/// inside the input vertically, and no run long enough to take the lanes (a band of a
/// few rows of a layer by rows, `kernels::rows_in_place`); a layer whose border columns
/// are listed has at most [`MAX_WRITTEN`] taps, so a list of its border pixels fits
/// [`on_stack`]. Inlined: called, it cost KWS 5.5k instructions in `ram` on the M55
/// (its constants not folded in per band).
#[inline(always)]
fn takes_inner_rows(p: &DepthwiseConvParams, l: &Layer, part: Part) -> bool {
    if !l.listed {
        return false;
    }
    let cols = l.table.cols();
    let rows = outputs_inside(p.input_h, p.output_h, p.stride_h, p.pad_h, (p.filter_h - 1) * p.dilation_h + 1);
    // As `sweep` chooses: border columns down the inner rows and a narrow part's inner
    // runs may take the lanes. (Rows crossing the top or bottom, per pixel here too,
    // measured no cheaper than `sweep`'s pass for them.)
    let may_lanes = lanes_for(part);
    let lanes = |n: usize, min: usize| may_lanes && p.depth_multiplier == 1 && n >= min;
    p.batches == 1
        && rows == (0..p.output_h)
        && match part {
            Part::Wide(groups) => !lanes(p.output_h, 4 + 2 * groups.len()),
            Part::Narrow(..) => !lanes(p.output_h, LANES_MIN_PIXELS) && !lanes(cols.len(), LANES_MIN_PIXELS),
        }
}

/// What [`sweep`] computes where [`takes_inner_rows`] holds, per output row: the inner
/// columns as one run, then each border pixel with its padded taps pointed at the zero
/// points. Without `sweep`'s set-up of the passes it does not take (about 260
/// instructions per call on the M55, paid per band by a layer by rows).
fn inner_rows(l: &Layer, output: &mut [i8], cs: usize, part: Part) {
    on_stack(l.p.filter_h * l.p.filter_w, &mut |storage| inner_rows_with(l, output, cs, part, storage));
}

/// [`inner_rows`], its border pixels' list in `storage`.
#[inline(always)]
fn inner_rows_with(l: &Layer, output: &mut [i8], cs: usize, part: Part, storage: &mut [MaybeUninit<Written>]) {
    let taps = l.p.filter_h * l.p.filter_w;
    let full = l.table.full();
    inner_rows_set(l, output, cs, part, written(storage, taps, |i| full[i] as Written))
}

/// [`inner_rows`] with `offs`, the border pixels' list, holding the layer's offsets
/// (`full`), as it leaves them; the inner runs read `full` in place.
#[inline(never)]
fn inner_rows_set(l: &Layer, output: &mut [i8], cs: usize, part: Part, offs: &mut [Written]) {
    let p = l.p;
    let (iw, id) = (p.input_w as isize, p.input_depth as isize);
    let (m, od) = (p.depth_multiplier, p.input_depth * p.depth_multiplier);
    let w = l.filter[cs..].as_ptr();
    // As in `sweep`: pixel bases hold the part's first channel.
    let x = l.input.as_ptr().wrapping_add(cs / m);
    let out = output.as_mut_ptr().wrapping_add(cs);
    let zp = l.table.zero_points() as isize;
    let cols = l.table.cols();
    let full = l.table.full();
    let sw = p.stride_w as isize * id;
    // SAFETY (every call below): as in `sweep`, whose passes these are.
    let pixel = |offs: &mut [Written], base: isize, out: *mut i8, padded: &[u8]| unsafe {
        padded_pixel(
            l,
            offs,
            full,
            w,
            part,
            zp.wrapping_sub(base) as Written,
            padded,
            Run { x: base as *const i8, xstep: 0, out, ostep: 0, npix: 1 },
        )
    };
    for oy in 0..p.output_h {
        // Every window of the row starts inside the input vertically.
        let y0 = (oy * p.stride_h - p.pad_h) as isize;
        let at = |ox: usize| (x as isize).wrapping_add((y0 * iw - p.pad_w as isize) * id + ox as isize * sw);
        let o = out.wrapping_add(oy * p.output_w * od);
        if !cols.is_empty() {
            // SAFETY: as in `sweep`, whose inner runs these are.
            let run = Run {
                x: at(cols.start) as *const i8,
                xstep: sw,
                out: o.wrapping_add(cols.start * od),
                ostep: od as isize,
                npix: cols.len(),
            };
            unsafe { row_run(l, full, w, part, run) };
        }
        for (ox, b) in (0..cols.start).chain(cols.end..p.output_w).zip(l.table.borders()) {
            pixel(offs, at(ox), o.wrapping_add(ox * od), b);
        }
    }
}

/// One pixel (`run`) whose taps `padded` fall in the padding: their offsets `pad` (to
/// the zero points) in `offs`, which holds `full`'s offsets before and after.
///
/// # Safety
/// As [`call`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn padded_pixel(
    l: &Layer,
    offs: &mut [Written],
    full: &[i32],
    w: *const i8,
    part: Part,
    pad: Written,
    padded: &[u8],
    run: Run,
) {
    for &i in padded {
        offs[i as usize] = pad;
    }
    // SAFETY: the caller's contract.
    unsafe { call(l, offs, w, part, [0, 0], run) };
    for &i in padded {
        offs[i as usize] = full[i as usize] as Written;
    }
}

/// `offs` set to `full` (the layer's offsets of a window inside the image).
#[inline(always)]
fn restore(offs: &mut [Written], full: &[i32]) {
    for (o, &f) in offs.iter_mut().zip(full) {
        *o = f as Written;
    }
}

/// `runs` of pixels whose filter taps `inside[0]` x `inside[1]` (rows, columns) lie
/// inside the image and the others in the padding, with [`depthwise_lanes`] (depth
/// multiplier 1): the list holds the inside taps only, and each channel's bias gets the
/// terms of the padded ones back (the zero point times their weights: the folded bias
/// had taken them out). The list is a slice of the layer's in flash: every row of the
/// window or every column (`LayerTable::rows_taps`, `cols_taps`).
///
/// # Safety
/// As [`call`], for every run, each of at least [`LANES_MIN_PIXELS`] pixels; `inside`
/// not empty, and every row or every column of the window.
#[inline(always)]
unsafe fn lanes_runs(
    l: &Layer,
    cs: usize,
    part: Part,
    inside: [Range<usize>; 2],
    runs: impl Iterator<Item = Run> + Clone,
) {
    let p = l.p;
    let [rows_in, cols_in] = inside;
    let taps = if cols_in == (0..p.filter_w) {
        l.table.rows_taps(rows_in.clone(), p.filter_w)
    } else {
        debug_assert!(rows_in == (0..p.filter_h));
        l.table.cols_taps(cols_in.clone(), p.filter_h)
    };
    // SAFETY: the caller's contract.
    unsafe { lanes_groups(l, cs, part, [&rows_in, &cols_in], taps, runs) };
}

/// [`lanes_runs`] over the part's groups, with the list of `taps`.
///
/// # Safety
/// As [`lanes_runs`].
#[allow(clippy::too_many_arguments)]
#[inline(never)]
unsafe fn lanes_groups(
    l: &Layer,
    cs: usize,
    part: Part,
    [rows_in, cols_in]: [&Range<usize>; 2],
    taps: &[Tap],
    runs: impl Iterator<Item = Run> + Clone,
) {
    // Arrays of a known length: as slices, the sums and constants per channel below
    // cost about 1.3% more of a KWS depthwise layer's instructions on the M55.
    let mut padded = [const { MaybeUninit::<i32>::uninit() }; 16];
    let mut consts = [const { MaybeUninit::<ChannelConsts>::uninit() }; 16];
    let p = l.p;
    let (fh, fw, od) = (p.filter_h, p.filter_w, p.input_depth);
    let zp = -p.input_offset;
    let (groups, narrow) = match part {
        Part::Wide(groups) => (groups, None),
        Part::Narrow(group, high, c) => (core::slice::from_ref(group), Some((8 * usize::from(high), c))),
    };
    for (i, g) in groups.iter().enumerate() {
        let (slot0, count) = narrow.unwrap_or((0, 16));
        let c0 = cs + 16 * i;
        // The padded taps' weights, summed per channel (contiguous, so the loop vectorizes).
        let padded = written(&mut padded, count, |_| 0);
        for ky in 0..fh {
            for kx in 0..fw {
                if rows_in.contains(&ky) && cols_in.contains(&kx) {
                    continue;
                }
                let at = (ky * fw + kx) * od + c0;
                for (s, &wv) in padded.iter_mut().zip(&l.filter[at..at + count]) {
                    *s += wv as i32;
                }
            }
        }
        let consts = written(&mut consts, count, |j| {
            let (quad, lane) = Group16::slot(slot0 + j);
            let qd = &g.quant[quad];
            let bias = g.bias[4 * quad + lane].wrapping_add(zp.wrapping_mul(padded[j]));
            [bias, qd.left[lane], qd.mult[lane], qd.right[lane]]
        });
        let w = l.filter[c0..].as_ptr();
        for run in runs.clone() {
            let run = Run { x: run.x.wrapping_add(16 * i), out: run.out.wrapping_add(16 * i), ..run };
            // SAFETY: the caller's contract; the inside taps address input pixels.
            unsafe { depthwise_lanes(taps, w, consts, l.q, run) };
        }
    }
}

/// A run of interior pixels: with eight channels or fewer, two pixels per step (and a
/// last step of one pixel when the count is odd).
///
/// # Safety
/// As [`call`].
#[inline(always)]
unsafe fn row_run<O: TapOffset>(l: &Layer, offs: &[O], w: *const i8, part: Part, run: Run) {
    match part {
        Part::Narrow(_, _, c) if c <= 8 => {
            let pairs = run.npix / 2;
            // SAFETY: the caller's contract, pixel by pixel.
            unsafe {
                if pairs > 0 {
                    let steps = Run { xstep: 2 * run.xstep, ostep: 2 * run.ostep, npix: pairs, ..run };
                    call(l, offs, w, part, [run.xstep, run.ostep], steps);
                }
                if run.npix % 2 == 1 {
                    let last = (run.npix - 1) as isize;
                    let one = Run {
                        x: run.x.wrapping_offset(last * run.xstep),
                        out: run.out.wrapping_offset(last * run.ostep),
                        xstep: 0,
                        ostep: 0,
                        npix: 1,
                    };
                    call(l, offs, w, part, [0, 0], one);
                }
            }
        }
        // SAFETY: the caller's contract.
        _ => unsafe { call(l, offs, w, part, [0, 0], run) },
    }
}

/// # Safety
/// Every pixel of `run` with every offset addresses `part`'s channels of an input pixel
/// or the zero points; its output the part's channels of an output pixel.
#[inline(always)]
unsafe fn call<O: TapOffset>(l: &Layer, offs: &[O], w: *const i8, part: Part, halves: [isize; 2], run: Run) {
    let od = l.p.input_depth * l.p.depth_multiplier;
    // SAFETY: the caller's contract.
    unsafe {
        match part {
            Part::Wide(groups) => depthwise_wide(offs, w, od, groups, l.q, l.p.depth_multiplier, run),
            Part::Narrow(group, high, c) => depthwise_narrow(offs, w, od, group, l.q, c, high, halves, run),
        }
    }
}
