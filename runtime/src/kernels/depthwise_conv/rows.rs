//! Depth multiplier 1 (and 2 or 4 in whole groups) in runs of output pixels
//! (`kernels::simd::depthwise`): per output row, the pixels whose window lies inside the
//! image are one run sharing one list of tap offsets; each pixel whose window crosses the
//! border is computed alone, its padded taps reading a buffer of input zero points.
//! The channels are swept in parts: groups of sixteen (blocks of [`CHANNEL_BLOCK`]
//! channels, so the zero-point buffer covers a part's reads), then, when the count is
//! not a multiple of 16, the last eight or sixteen channels (rewriting identical bytes),
//! or one narrow group below sixteen channels.
//!
//! No list is written: they are the layer's, read in place from its table in flash
//! (`layer.rs`): the interior runs' offsets and the lanes' taps, and a border pixel's
//! taps too ([`window`]): its window clipped to the image is a rectangle of taps, which
//! the layer's list of taps by columns (a window crossing only a side), by rows (only the
//! top or bottom) or by rows a row at a time (a corner) holds as stretches, the padded
//! taps between them; the routines walk those stretches (`simd::depthwise::Window`),
//! a padded tap reading the zero points, for any window size. The tiles of sixteen
//! channels' sums and constants of `lanes_groups` (and the routines' accumulators and
//! contexts) stay on the stack: they are a group's registers' worth, the same for every
//! layer, not lists of the layer's.

use super::layer::{by_runs, outputs_inside, taps_inside, LayerTable};
use super::params::DepthwiseConvParams;
use crate::kernels::packed::{Group16, CHANNEL_BLOCK};
use crate::kernels::simd::depthwise::{
    depthwise_lanes, depthwise_narrow, depthwise_narrow_window, depthwise_wide, depthwise_wide_window, ChannelConsts,
    Run, Tap, Window, LANES_MIN_PIXELS,
};
use crate::kernels::simd::OutQuant;
use core::mem::MaybeUninit;
use core::ops::Range;

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
/// formed: the tiles of `lanes_groups` are written, never zeroed first (zeroing the
/// kernel's lists on the stack, when it had some, cost about 450 instructions per call
/// on the M55, paid per band when a layer runs by rows).
fn written<T>(storage: &mut [MaybeUninit<T>], n: usize, value: impl Fn(usize) -> T) -> &mut [T] {
    let part = &mut storage[..n];
    for (i, e) in part.iter_mut().enumerate() {
        e.write(value(i));
    }
    // SAFETY: every one of the `n` entries was written above; `MaybeUninit<T>` has the
    // layout of `T`.
    unsafe { core::slice::from_raw_parts_mut(part.as_mut_ptr() as *mut T, n) }
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
    /// Whether `p` is a band of a layer by rows, which [`inner_rows`] may take.
    by_rows: bool,
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
/// them). `by_rows`: `p` is such a band, which may take [`inner_rows`] (a whole layer's
/// take `sweep`'s passes).
pub fn depthwise_runs(
    p: &DepthwiseConvParams,
    layer: LayerTable,
    by_rows: bool,
    input: &[i8],
    filter: &[i8],
    table: &[Group16],
    output: &mut [i8],
) {
    runs(p, layer, by_rows, input, filter, table, output)
}

/// [`depthwise_runs`] for the bands of a layer by rows (`kernels::rows_in_place`): `run`
/// gets the kernel of one band. A layer whose channels are one part (at most
/// [`CHANNEL_BLOCK`] in whole groups, or fewer than sixteen) goes to [`inner_rows`] from
/// here, its part and bounds checked once per layer rather than per band by
/// `depthwise_runs` (KWS: 12k less).
pub fn depthwise_bands<R>(
    p: &DepthwiseConvParams,
    layer: LayerTable,
    filter: &[i8],
    table: &[Group16],
    run: impl FnOnce(&mut dyn FnMut(&DepthwiseConvParams, &[i8], &mut [i8])) -> R,
) -> R {
    let (taps, full) = (p.filter_h * p.filter_w, layer.full());
    let od = p.input_depth * p.depth_multiplier;
    if full.len() < taps || !takes(p) || table.len() != od.div_ceil(16) || filter.len() < taps * od {
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
    run(&mut |b, input, output| band(&shared, b, input, output))
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
fn band(s: &Bands, b: &DepthwiseConvParams, input: &[i8], output: &mut [i8]) {
    let (rows_in, pixels) = (b.input_h * b.input_w * b.input_depth, b.output_h * b.output_w * s.od);
    if let Some(part) = s.part.filter(|_| b.batches == 1 && input.len() >= rows_in && output.len() >= pixels) {
        let l = Layer { p: b, input: &input[..rows_in], filter: s.filter, table: s.layer, by_rows: true, q: s.q };
        if takes_inner_rows(b, &l, part) {
            return inner_rows(&l, &mut output[..pixels], 0, part);
        }
    }
    runs(b, s.layer, true, input, s.filter, s.table, output)
}

/// [`depthwise_runs`], inlined into it and [`band`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn runs(
    p: &DepthwiseConvParams,
    layer: LayerTable,
    by_rows: bool,
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
    let layer = Layer { p, input, filter, table: layer, by_rows, q };
    if od < 16 {
        return sweep(&layer, output, 0, Part::Narrow(&table[0], false, od));
    }
    for c0 in (0..od).step_by(CHANNEL_BLOCK) {
        let full = CHANNEL_BLOCK.min(od - c0) / 16;
        if full > 0 {
            sweep(&layer, output, c0, Part::Wide(&table[c0 / 16..c0 / 16 + full]));
        }
    }
    // The table's last group holds the last sixteen channels: up to eight more are
    // its high half, two pixels per step; more, the whole group.
    let last = &table[table.len() - 1..];
    match od % 16 {
        0 => {}
        1..=8 if p.depth_multiplier == 1 => sweep(&layer, output, od - 8, Part::Narrow(&last[0], true, 8)),
        _ => sweep(&layer, output, od - 16, Part::Wide(last)),
    }
}

/// Channels `cs..` of `part` for every output pixel, in three passes: the runs of
/// interior pixels (one list of tap offsets for all), the border columns of the rows
/// whose window is inside the image's height, then the rows whose window crosses the
/// top or bottom. With depth multiplier 1, runs of at least [`LANES_MIN_PIXELS`] pixels
/// that see the same taps inside the image (the border columns down the inner rows, the
/// inner columns of a top or bottom row, and the interior runs of fewer than sixteen
/// channels) take [`depthwise_lanes`], their padded taps left out. The other border
/// pixels are computed alone, their padded taps reading the zero points ([`pixels`]).
#[inline(always)]
fn sweep(l: &Layer, output: &mut [i8], cs: usize, part: Part) {
    if takes_inner_rows(l.p, l, part) {
        return inner_rows(l, output, cs, part);
    }
    let s = Sweep::new(l, part);
    // SAFETY (every call below): every inside tap's offset addresses an input pixel (`cs`
    // plus the part's channels stay below `od`), padded taps the zero points (a part
    // reads at most `CHANNEL_BLOCK` bytes from its first channel); the weights and the
    // output pixels are inside the slices checked in `depthwise_runs`.
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
    if pending {
        pixels(&s, output, cs);
    }
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
/// alone ([`border`]). Inlined into `sweep`: through a frame of its own, KWS's border
/// pixels cost about 1.7 times as many instructions on the M55 (spilled values reloaded
/// after every routine's call).
#[inline(always)]
fn pixels(s: &Sweep, output: &mut [i8], cs: usize) {
    let (l, part) = (s.l, s.part);
    let p = l.p;
    let (fh, fw) = (p.filter_h, p.filter_w);
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
            // The same taps are inside for every row of the pass.
            let win = window(l, 0..fh, inside);
            for oy in rows.clone() {
                unsafe { border(l, &win, w, part, at.origin(at.y0(oy), at.x0(ox)), at.out(oy, ox)) };
            }
        }
        for oy in (0..rows.start).chain(rows.end..p.output_h) {
            let rows_in = taps_inside(at.y0(oy), p.dilation_h, fh, p.input_h);
            // The pixels left: the border columns, or the whole row.
            let inner = s.lanes(cols.len(), &rows_in, &(0..fw));
            let (left, right) = if inner { (0..cols.start, cols.end..p.output_w) } else { (0..p.output_w, 0..0) };
            for ox in left.chain(right) {
                let cols_in = taps_inside(at.x0(ox), p.dilation_w, fw, p.input_w);
                let win = window(l, rows_in.clone(), cols_in);
                unsafe { border(l, &win, w, part, at.origin(at.y0(oy), at.x0(ox)), at.out(oy, ox)) };
            }
        }
    }
}

/// The walk of a border pixel whose taps `rows_in` x `cols_in` lie inside the image,
/// over a list of the layer's taps (`LayerTable::cols_taps`, `rows_taps`) in flash: the
/// inside taps of a window crossing only a side are consecutive columns of the list by
/// columns, of one crossing only the top or bottom consecutive rows of the list by rows,
/// those of a corner a stretch of each inside row of the list by rows; the padded taps
/// are the stretches between.
#[inline(always)]
fn window(l: &Layer, rows_in: Range<usize>, cols_in: Range<usize>) -> Window {
    let (fh, fw) = (l.p.filter_h, l.p.filter_w);
    let zp = l.table.zero_points();
    let by_rows = l.table.rows_taps(0..fh, fw).as_ptr();
    let walk = |taps, first: usize, rows: usize, inside: usize, between: usize, after: usize| Window {
        taps,
        first: first as u32,
        rows: rows as u32,
        inside: inside as u32,
        between: between as u32,
        after: after as u32,
        zp,
    };
    if rows_in.is_empty() || cols_in.is_empty() {
        walk(by_rows, fh * fw, 1, 0, 0, 0)
    } else if rows_in == (0..fh) {
        let by_cols = l.table.cols_taps(0..fw, fh).as_ptr();
        walk(by_cols, cols_in.start * fh, 1, cols_in.len() * fh, 0, (fw - cols_in.end) * fh)
    } else if cols_in == (0..fw) {
        walk(by_rows, rows_in.start * fw, 1, rows_in.len() * fw, 0, (fh - rows_in.end) * fw)
    } else {
        let first = rows_in.start * fw + cols_in.start;
        let after = (fh - rows_in.end) * fw + fw - cols_in.end;
        walk(by_rows, first, rows_in.len(), cols_in.len(), fw - cols_in.len(), after)
    }
}

/// One border pixel of `part`, its taps walked as `win` from its base `x` (an address,
/// possibly outside the input: only inside taps' offsets are added to it).
///
/// # Safety
/// Every inside tap of `win` addresses `part`'s channels of an input pixel; `out` the
/// part's channels of an output pixel.
#[inline(always)]
unsafe fn border(l: &Layer, win: &Window, w: *const i8, part: Part, x: isize, out: *mut i8) {
    let od = l.p.input_depth * l.p.depth_multiplier;
    let x = x as *const i8;
    // SAFETY: the caller's contract; the window's taps and the zero points are the
    // layer's table's.
    unsafe {
        match part {
            Part::Wide(groups) => depthwise_wide_window(win, w, od, groups, l.q, l.p.depth_multiplier, x, out),
            Part::Narrow(group, high, c) => depthwise_narrow_window(win, w, od, group, l.q, c, high, x, out),
        }
    }
}

/// Whether [`inner_rows`] computes the layer as [`sweep`] would: one batch, every window
/// inside the input vertically, and no run long enough to take the lanes (a band of a
/// few rows of a layer by rows, `kernels::rows_in_place`). Inlined: called, it cost KWS 5.5k instructions in `ram` on the M55
/// (its constants not folded in per band).
#[inline(always)]
fn takes_inner_rows(p: &DepthwiseConvParams, l: &Layer, part: Part) -> bool {
    if !l.by_rows {
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
/// columns as one run, then each border pixel ([`border`]; every row of its window is
/// inside). Without `sweep`'s set-up of the passes it does not take (about 260
/// instructions per call on the M55, paid per band by a layer by rows).
#[inline(never)]
fn inner_rows(l: &Layer, output: &mut [i8], cs: usize, part: Part) {
    let p = l.p;
    let (iw, id) = (p.input_w as isize, p.input_depth as isize);
    let (m, od) = (p.depth_multiplier, p.input_depth * p.depth_multiplier);
    let w = l.filter[cs..].as_ptr();
    // As in `sweep`: pixel bases hold the part's first channel.
    let x = l.input.as_ptr().wrapping_add(cs / m);
    let out = output.as_mut_ptr().wrapping_add(cs);
    let cols = l.table.cols();
    let full = l.table.full();
    let sw = p.stride_w as isize * id;
    let x0 = |ox: usize| ox as isize * p.stride_w as isize - p.pad_w as isize;
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
        for ox in (0..cols.start).chain(cols.end..p.output_w) {
            let win = window(l, 0..p.filter_h, taps_inside(x0(ox), p.dilation_w, p.filter_w, p.input_w));
            // SAFETY: as in `sweep`, whose border pixels these are.
            unsafe { border(l, &win, w, part, at(ox), o.wrapping_add(ox * od)) };
        }
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
unsafe fn row_run(l: &Layer, offs: &[i32], w: *const i8, part: Part, run: Run) {
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
unsafe fn call(l: &Layer, offs: &[i32], w: *const i8, part: Part, halves: [isize; 2], run: Run) {
    let od = l.p.input_depth * l.p.depth_multiplier;
    // SAFETY: the caller's contract.
    unsafe {
        match part {
            Part::Wide(groups) => depthwise_wide(offs, w, od, groups, l.q, l.p.depth_multiplier, run),
            Part::Narrow(group, high, c) => depthwise_narrow(offs, w, od, group, l.q, c, high, halves, run),
        }
    }
}
