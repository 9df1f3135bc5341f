//! Depth multiplier 1 (and 2 or 4 in whole groups) in runs of output pixels (`kernels::simd::depthwise`): per output
//! row, the pixels whose window lies inside the image are one run sharing one list of tap
//! offsets; each pixel whose window crosses the border is a run of its own, its padded
//! taps pointed at a buffer of input zero points. The channels are swept in parts: groups
//! of sixteen (blocks of [`CHANNEL_BLOCK`] channels, so the zero-point buffer covers a
//! part's reads), then, when the count is not a multiple of 16, the last eight or
//! sixteen channels (rewriting identical bytes), or one narrow group below sixteen
//! channels.

use super::layer::{by_runs, outputs_inside, taps_inside, LayerTable, MAX_TAPS};
use super::params::DepthwiseConvParams;
use crate::kernels::packed::{Group16, CHANNEL_BLOCK};
use crate::kernels::simd::depthwise::{
    depthwise_lanes, depthwise_narrow, depthwise_wide, ChannelConsts, Run, Tap, LANES_MIN_PIXELS,
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

/// Calls `f` with at least `n <= MAX_TAPS` entries on the stack, not initialized: as
/// many as a 3x3 or a 5x5 window has taps, or [`MAX_TAPS`], the fewest that hold `n`.
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
        _ => entries::<T, MAX_TAPS>(f),
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

/// Whether [`depthwise_runs`] takes the layer: at most [`MAX_TAPS`] taps, depth
/// multiplier 1, or 2 or 4 with at least sixteen output channels (whole groups, each
/// half reading whole input channels; the last group may overlap the one before).
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
/// gets the kernel of one band. A 3x3 window's offsets (or smaller) stay in this frame
/// from one band to the next, set once, for the bands [`inner_rows`] takes: written per
/// band they cost about 40 instructions each on the M55 (KWS in `ram`: 100 one-row
/// bands, 4.2k). A layer whose channels are one part (at most [`CHANNEL_BLOCK`] in whole
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
    let listed = layer.listed();
    let mut storage = [const { MaybeUninit::<isize>::uninit() }; 9];
    let offs = written(&mut storage, taps, |i| full[i] as isize);
    run(&mut |b, input, output| {
        // A band of the layer: its own heights and padding, the layer's width and channels.
        let (rows_in, pixels) = (b.input_h * b.input_w * b.input_depth, b.output_h * b.output_w * od);
        if let Some(part) = part.filter(|_| b.batches == 1 && input.len() >= rows_in && output.len() >= pixels) {
            let l = Layer { p: b, input: &input[..rows_in], filter, table: layer, listed, q };
            if takes_inner_rows(b, &l, part) {
                return inner_rows_set(&l, &mut output[..pixels], 0, part, offs);
            }
        }
        runs(b, layer, true, Some(&mut *offs), input, filter, table, output)
    })
}

/// [`depthwise_runs`], with `offs` the layer's offsets already set for [`inner_rows`]
/// (which leaves them so).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn runs(
    p: &DepthwiseConvParams,
    layer: LayerTable,
    by_rows: bool,
    mut offs: Option<&mut [isize]>,
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
/// pixels get a list each, a padded tap pointing at the zero points.
#[inline(always)]
fn sweep(l: &Layer, output: &mut [i8], cs: usize, part: Part, offs: &mut Option<&mut [isize]>) {
    if takes_inner_rows(l.p, l, part) {
        return match offs {
            Some(offs) => inner_rows_set(l, output, cs, part, offs),
            None => inner_rows(l, output, cs, part),
        };
    }
    // Not through `on_stack`: as a function of its own (not inlined into the caller's
    // loop over the parts), the passes cost about 1.6% more of a KWS depthwise layer's
    // instructions on the M55.
    let mut storage = [const { MaybeUninit::<isize>::uninit() }; MAX_TAPS];
    passes(l, output, cs, part, &mut storage)
}

/// [`sweep`]'s passes, its offsets in `storage`.
#[inline(always)]
fn passes(l: &Layer, output: &mut [i8], cs: usize, part: Part, storage: &mut [MaybeUninit<isize>]) {
    let p = l.p;
    let (ih, iw, id) = (p.input_h as isize, p.input_w as isize, p.input_depth as isize);
    let (m, od) = (p.depth_multiplier, p.input_depth * p.depth_multiplier);
    let (fh, fw) = (p.filter_h, p.filter_w);
    let taps = fh * fw;
    let w = l.filter[cs..].as_ptr();
    // Pixel bases hold the part's first channel (`cs / m` of the input: parts start at
    // multiples of 16 when `m > 1`); the offsets address whole pixels.
    let x = l.input.as_ptr().wrapping_add(cs / m);
    let out = output.as_mut_ptr().wrapping_add(cs);
    let zp = l.table.zero_points() as isize;
    let (sw, dw) = (p.stride_w as isize, p.dilation_w as isize);
    let (tap_y, tap_x) = (p.dilation_h as isize * iw * id, dw * id);
    // The offsets of a window inside the image, as the interior runs read them; the
    // border passes set them per pixel and restore them.
    let full = l.table.full();
    let offs = written(storage, taps, |i| full[i] as isize);
    let rows = outputs_inside(p.input_h, p.output_h, p.stride_h, p.pad_h, (fh - 1) * p.dilation_h + 1);
    let cols = l.table.cols();
    let border_cols = || (0..cols.start).chain(cols.end..p.output_w);
    // Whether a run of `n` border pixels, with taps `rows_in` x `cols_in` inside, takes
    // the lanes. A call per pixel of sixteen-channel groups shares its setup (about 90
    // instructions) between the groups, so the lanes pay from more pixels the more
    // groups there are: 4 plus 2 per group (on the M55, runs of 8 pixels paid with one
    // or two groups, not with four).
    let min = match part {
        Part::Wide(groups) => 4 + 2 * groups.len(),
        Part::Narrow(..) => LANES_MIN_PIXELS,
    };
    // Decided outside the closure: on Helium a constant, so the closure does not
    // capture `part` (capturing it changed the M55's code of this function).
    let may_lanes = lanes_for(part);
    let lanes = |n: usize, rows_in: &Range<usize>, cols_in: &Range<usize>| {
        may_lanes && m == 1 && n >= min && !rows_in.is_empty() && !cols_in.is_empty()
    };
    for b in 0..p.batches {
        if b > 0 {
            restore(offs, full);
        }
        // Input pixel (y0, x0) of this batch, as an address (possibly outside the image:
        // only the offsets of taps inside it are added to it), and output pixel (oy, ox).
        let origin = |y0: isize, x0: isize| (x as isize).wrapping_add(((b as isize * ih + y0) * iw + x0) * id);
        let out_at = |oy: usize, ox: usize| out.wrapping_add(((b * p.output_h + oy) * p.output_w + ox) * od);
        let y0 = |oy: usize| (oy * p.stride_h) as isize - p.pad_h as isize;
        let x0 = |ox: usize| ox as isize * sw - p.pad_w as isize;
        // The run of columns `cols` of row `oy`.
        let row_of = |oy: usize| Run {
            x: origin(y0(oy), x0(cols.start)) as *const i8,
            xstep: sw * id,
            out: out_at(oy, cols.start),
            ostep: od as isize,
            npix: cols.len(),
        };
        // SAFETY (every call below): every offset addresses an input pixel (`cs` plus the
        // part's channels stay below `od`) or the zero points (a part reads at most
        // `CHANNEL_BLOCK` bytes from its first channel); the weights and the output
        // pixels are inside the slices checked in `depthwise_runs`.
        if !cols.is_empty() {
            // Interior runs of a narrow part take whichever routine is estimated cheaper.
            let cheaper = |c| lanes_cost(cols.len(), taps, c) < narrow_cost(cols.len(), taps, c);
            if matches!(part, Part::Narrow(_, _, c) if cheaper(c)) && lanes(cols.len(), &(0..fh), &(0..fw)) {
                unsafe { lanes_runs(l, cs, part, [0..fh, 0..fw], rows.clone().map(row_of)) };
            } else {
                for oy in rows.clone() {
                    unsafe { row_run(l, offs, w, part, row_of(oy)) };
                }
            }
        }
        for ox in border_cols() {
            let inside = taps_inside(x0(ox), p.dilation_w, fw, p.input_w);
            if lanes(rows.len(), &(0..fh), &inside) {
                // The column down the inner rows.
                let run = Run {
                    x: origin(y0(rows.start), x0(ox)) as *const i8,
                    xstep: p.stride_h as isize * iw * id,
                    out: out_at(rows.start, ox),
                    ostep: (p.output_w * od) as isize,
                    npix: rows.len(),
                };
                unsafe { lanes_runs(l, cs, part, [0..fh, inside], core::iter::once(run)) };
                continue;
            }
            // The same taps are padded for every row of the pass: only their offsets
            // (relative to each pixel) change.
            restore(offs, full);
            for oy in rows.clone() {
                let base = origin(y0(oy), x0(ox));
                let pad = zp.wrapping_sub(base);
                for row in offs.chunks_exact_mut(fw) {
                    row[..inside.start].fill(pad);
                    row[inside.end..].fill(pad);
                }
                let run = Run { x: base as *const i8, xstep: 0, out: out_at(oy, ox), ostep: 0, npix: 1 };
                unsafe { call(l, offs, w, part, [0, 0], run) };
            }
        }
        for oy in (0..rows.start).chain(rows.end..p.output_h) {
            let rows_in = taps_inside(y0(oy), p.dilation_h, fh, p.input_h);
            let inner = lanes(cols.len(), &rows_in, &(0..fw));
            if inner {
                unsafe { lanes_runs(l, cs, part, [rows_in.clone(), 0..fw], core::iter::once(row_of(oy))) };
            }
            // The pixels left: the border columns, or the whole row.
            let (left, right) = if inner { (0..cols.start, cols.end..p.output_w) } else { (0..p.output_w, 0..0) };
            for ox in left.chain(right) {
                let base = origin(y0(oy), x0(ox));
                let pad = zp.wrapping_sub(base);
                let cols_in = taps_inside(x0(ox), p.dilation_w, fw, p.input_w);
                offs.fill(pad);
                for ky in rows_in.clone() {
                    let mut at = ky as isize * tap_y + cols_in.start as isize * tap_x;
                    for o in &mut offs[ky * fw + cols_in.start..ky * fw + cols_in.end] {
                        *o = at;
                        at += tap_x;
                    }
                }
                let run = Run { x: base as *const i8, xstep: 0, out: out_at(oy, ox), ostep: 0, npix: 1 };
                unsafe { call(l, offs, w, part, [0, 0], run) };
            }
        }
    }
}

/// Whether [`inner_rows`] computes the layer as [`sweep`] would: one batch, every window
/// inside the input vertically, and no run long enough to take the lanes (a band of a
/// few rows of a layer by rows, `kernels::rows_in_place`).
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

/// [`inner_rows`], its offsets in `storage`.
#[inline(always)]
fn inner_rows_with(l: &Layer, output: &mut [i8], cs: usize, part: Part, storage: &mut [MaybeUninit<isize>]) {
    let taps = l.p.filter_h * l.p.filter_w;
    let full = l.table.full();
    inner_rows_set(l, output, cs, part, written(storage, taps, |i| full[i] as isize))
}

/// [`inner_rows`] with `offs` holding the layer's offsets (`full`), as it leaves them.
#[inline(never)]
fn inner_rows_set(l: &Layer, output: &mut [i8], cs: usize, part: Part, offs: &mut [isize]) {
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
    let pixel = |offs: &mut [isize], base: isize, out: *mut i8, padded: &[u8]| unsafe {
        padded_pixel(
            l,
            offs,
            full,
            w,
            part,
            zp.wrapping_sub(base),
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
            unsafe { row_run(l, offs, w, part, run) };
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
    offs: &mut [isize],
    full: &[i32],
    w: *const i8,
    part: Part,
    pad: isize,
    padded: &[u8],
    run: Run,
) {
    for &i in padded {
        offs[i as usize] = pad;
    }
    // SAFETY: the caller's contract.
    unsafe { call(l, offs, w, part, [0, 0], run) };
    for &i in padded {
        offs[i as usize] = full[i as usize] as isize;
    }
}

/// `offs` set to `full` (the layer's offsets of a window inside the image).
#[inline(always)]
fn restore(offs: &mut [isize], full: &[i32]) {
    for (o, &f) in offs.iter_mut().zip(full) {
        *o = f as isize;
    }
}

/// `runs` of pixels whose filter taps `inside[0]` x `inside[1]` (rows, columns) lie
/// inside the image and the others in the padding, with [`depthwise_lanes`] (depth
/// multiplier 1): the list holds the inside taps only, and each channel's bias gets the
/// terms of the padded ones back (the zero point times their weights: the folded bias
/// had taken them out).
///
/// # Safety
/// As [`call`], for every run, each of at least [`LANES_MIN_PIXELS`] pixels; `inside`
/// not empty.
unsafe fn lanes_runs(
    l: &Layer,
    cs: usize,
    part: Part,
    inside: [Range<usize>; 2],
    runs: impl Iterator<Item = Run> + Clone,
) {
    let p = l.p;
    let (fw, od) = (p.filter_w, p.input_depth);
    let (tap_y, tap_x) = ((p.dilation_h * p.input_w * od) as isize, (p.dilation_w * od) as isize);
    let [rows_in, cols_in] = inside;
    let cw = cols_in.len();
    let n = rows_in.len() * cw;
    // The lists, written before they are read: the inside taps (input and weight
    // offsets) on the stack `on_stack` sizes, each channel's weights of the padded taps
    // summed, and each channel's constants (its bias with the padded taps' terms).
    on_stack(n, &mut |storage: &mut [MaybeUninit<Tap>]| {
        let taps: &[Tap] = written(storage, n, |i| {
            let (ky, kx) = (rows_in.start + i / cw, cols_in.start + i % cw);
            [ky as isize * tap_y + kx as isize * tap_x, ((ky * fw + kx) * od) as isize]
        });
        // SAFETY: the caller's contract.
        unsafe { lanes_groups(l, cs, part, [&rows_in, &cols_in], taps, runs.clone()) };
    });
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
unsafe fn row_run(l: &Layer, offs: &[isize], w: *const i8, part: Part, run: Run) {
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
unsafe fn call(l: &Layer, offs: &[isize], w: *const i8, part: Part, halves: [isize; 2], run: Run) {
    let od = l.p.input_depth * l.p.depth_multiplier;
    // SAFETY: the caller's contract.
    unsafe {
        match part {
            Part::Wide(groups) => depthwise_wide(offs, w, od, groups, l.q, l.p.depth_multiplier, run),
            Part::Narrow(group, high, c) => depthwise_narrow(offs, w, od, group, l.q, c, high, halves, run),
        }
    }
}
