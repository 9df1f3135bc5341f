//! Convolutions that write over their own input, a band of output rows at a time.
//!
//! A convolution's output row `r` reads a window of input rows that only moves down as
//! `r` grows, so once a band of output rows is computed, the input rows above the next
//! band's window are dead. The model compiler plans the layer's output and input in one
//! buffer, the output at element 0 and the input `shift` elements further on, and
//! [`run`] computes each band into a small ring (the *carry*) and copies a row out of it
//! as soon as the bytes it lands on hold only dead input. The arena then holds the
//! larger of the two tensors plus the ring, where it held both tensors whole.
//!
//! A band whose output rows already land on dead input, all of them below the first input
//! row it reads itself, may be written in place directly (`direct`; [`Event::Band`]):
//! no ring, no copy. The planner asks for that per layer, and can move the input further
//! on so that every band is (a pointwise layer with its input one row on, a 3x3
//! depthwise two rows on): a larger buffer for no ring, fewer instructions.
//!
//! Each band is an ordinary kernel call on a sub-view: the input rows the band reads and
//! the band's own parameters ([`RowWindow::band`]: its output height, the rows given and
//! the padding above them), so the results are the kernel's byte for byte. The schedule
//! ([`schedule`]) is one function, run by the compiler to size the ring
//! ([`carry_rows`]) and by [`run`] on the device, so the two always agree.

use super::conv::{conv_path, conv_s8_bands_only, ConvParams};
use super::depthwise_conv::{depthwise_conv_s8_bands_only, depthwise_path, DepthwiseConvParams};
use crate::Error;

/// The vertical geometry of a layer that reads a window of input rows per output row,
/// with the row lengths in elements (width times channels).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowWindow {
    /// Input rows.
    pub input_h: usize,
    /// Output rows.
    pub output_h: usize,
    /// Vertical stride.
    pub stride: usize,
    /// Zero padding above the input.
    pub pad: usize,
    /// Filter height.
    pub filter: usize,
    /// Vertical dilation.
    pub dilation: usize,
    /// Elements of one input row.
    pub input_row: usize,
    /// Elements of one output row.
    pub output_row: usize,
}

impl RowWindow {
    /// The geometry of a convolution (one batch).
    pub fn of_conv(p: &ConvParams) -> Self {
        RowWindow {
            input_h: p.input_h,
            output_h: p.output_h,
            stride: p.stride_h,
            pad: p.pad_h,
            filter: p.filter_h,
            dilation: p.dilation_h,
            input_row: p.input_w * p.input_depth,
            output_row: p.output_w * p.output_depth,
        }
    }

    /// The geometry of a depthwise convolution (one batch).
    pub fn of_depthwise(p: &DepthwiseConvParams) -> Self {
        RowWindow {
            input_h: p.input_h,
            output_h: p.output_h,
            stride: p.stride_h,
            pad: p.pad_h,
            filter: p.filter_h,
            dilation: p.dilation_h,
            input_row: p.input_w * p.input_depth,
            output_row: p.output_w * p.input_depth * p.depth_multiplier,
        }
    }

    /// The first input row that output rows from `r` on read (the input's height when
    /// they read none).
    pub fn first_input(&self, r: usize) -> usize {
        (r * self.stride).saturating_sub(self.pad).min(self.input_h)
    }

    /// One past the last input row that output rows below `end` read.
    pub fn end_input(&self, end: usize) -> usize {
        if end == 0 {
            return 0;
        }
        let reach = (end - 1) * self.stride + (self.filter.max(1) - 1) * self.dilation + 1;
        reach.saturating_sub(self.pad).min(self.input_h)
    }

    /// The band of output rows `r0..r0 + rows` as a layer of its own: the input rows it
    /// reads (`first..end`) and its padding above them.
    pub fn band(&self, r0: usize, rows: usize) -> Band {
        let first = self.first_input(r0);
        let end = self.end_input(r0 + rows).max(first);
        Band { r0, rows, first, end, pad: self.pad.saturating_sub(r0 * self.stride) }
    }
}

/// One band of output rows, as [`RowWindow::band`] derives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Band {
    /// The first output row.
    pub r0: usize,
    /// Output rows.
    pub rows: usize,
    /// First input row read.
    pub first: usize,
    /// One past the last input row read.
    pub end: usize,
    /// Zero padding above `first`.
    pub pad: usize,
}

/// One step of the schedule ([`schedule`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A band is computed: into the ring, or, `direct`, straight to its place in the
    /// buffer (its rows land on input that neither it nor a later band reads, and the
    /// ring is empty).
    Band {
        /// Its first output row.
        r0: usize,
        /// Its output rows.
        rows: usize,
        /// Whether it is written in place directly.
        direct: bool,
    },
    /// Output rows leave the ring for their place in the buffer.
    Flush {
        /// The first row.
        from: usize,
        /// One past the last row.
        to: usize,
    },
}

/// The schedule of [`run`], the one both the planner (ring size, [`carry_rows`]) and the
/// device follow: `on(event)` for every band computed and every run of rows that leaves
/// the ring. Returns the most rows the ring holds at once (the band being computed
/// included).
///
/// Output row `q` may leave the ring once its bytes (`q * output_row..(q + 1) *
/// output_row` of the buffer) lie below the first input element a later band reads
/// (`shift + first_input(next) * input_row`); after the last band every row may. A band
/// whose rows all lie below the first input element it reads itself skips the ring
/// when `direct` allows (every row before it has left the ring by then, since their
/// bytes lie lower).
pub fn schedule(w: &RowWindow, shift: usize, band: usize, direct: bool, mut on: impl FnMut(Event)) -> usize {
    let band = band.max(1);
    let (mut r0, mut flushed, mut most) = (0, 0, 0);
    while r0 < w.output_h {
        let rows = band.min(w.output_h - r0);
        let computed = r0 + rows;
        if direct && flushed == r0 && computed * w.output_row <= shift + w.first_input(r0) * w.input_row {
            on(Event::Band { r0, rows, direct: true });
            (flushed, r0) = (computed, computed);
            continue;
        }
        on(Event::Band { r0, rows, direct: false });
        most = most.max(computed - flushed);
        // The rows whose last byte lies at or below `dead` (a division is one instruction
        // on the cores with a ring worth having; a loop row by row cost more per band).
        let to = if computed == w.output_h || w.output_row == 0 {
            computed
        } else {
            computed.min((shift + w.first_input(computed) * w.input_row) / w.output_row)
        };
        if to > flushed {
            on(Event::Flush { from: flushed, to });
            flushed = to;
        }
        r0 = computed;
    }
    most
}

/// Rows of ring [`run`] needs: the most the schedule holds at once, rounded up to whole
/// bands so that every band lands in one piece.
pub fn carry_rows(w: &RowWindow, shift: usize, band: usize, direct: bool) -> usize {
    let band = band.max(1);
    schedule(w, shift, band, direct, |_| {}).div_ceil(band) * band
}

/// Elements of the buffer that holds the output at 0 and the input at `shift`.
pub fn buffer_len(w: &RowWindow, shift: usize) -> usize {
    (w.output_h * w.output_row).max(shift + w.input_h * w.input_row)
}

/// Runs a layer over `buf`: its input at element `shift`, its output written from
/// element 0, computing `band` output rows at a time into `carry` ([`carry_rows`] rows or
/// more), or straight into place where `direct` allows ([`schedule`]).
/// `kernel(band, input_rows, output_rows)` computes one band from the input rows it
/// reads; `copy(dst, src)` moves a row out of the ring (the vector copy on Helium: a
/// plain `copy_from_slice` costs about 4 instructions per byte there). Fails, touching
/// nothing, when `buf` or `carry` is shorter than the plan needs (a generated call for
/// another layout).
#[allow(clippy::too_many_arguments)]
pub fn run<T: Copy>(
    w: &RowWindow,
    buf: &mut [T],
    shift: usize,
    band: usize,
    direct: bool,
    carry: &mut [T],
    kernel: impl FnMut(&Band, &[T], &mut [T]),
    copy: impl Fn(&mut [T], &[T]),
) -> Result<(), Error> {
    run_in(w, buf, shift, band, direct, carry_rows(w, shift, band, direct), carry, kernel, copy)
}

/// [`run`] with a ring of `rows` rows, [`carry_rows`] as the caller computed it (each
/// pass over the schedule costs about 20 instructions per band).
#[allow(clippy::too_many_arguments)]
fn run_in<T: Copy>(
    w: &RowWindow,
    buf: &mut [T],
    shift: usize,
    band: usize,
    direct: bool,
    rows: usize,
    carry: &mut [T],
    mut kernel: impl FnMut(&Band, &[T], &mut [T]),
    copy: impl Fn(&mut [T], &[T]),
) -> Result<(), Error> {
    let (ring, need) = (rows * w.output_row, buffer_len(w, shift));
    if buf.len() < need {
        return Err(Error::BufferLength { expected: need, actual: buf.len() });
    }
    if carry.len() < ring {
        return Err(Error::BufferLength { expected: ring, actual: carry.len() });
    }
    if w.output_row == 0 {
        return Ok(());
    }
    let slot = |q: usize| (q % rows) * w.output_row;
    schedule(w, shift, band, direct, |event| match event {
        Event::Band { r0, rows: n, direct } => {
            let b = w.band(r0, n);
            let (from, rows_in) = (shift + b.first * w.input_row, (b.end - b.first) * w.input_row);
            // One call site for both, so the kernel's closure is inlined once.
            let (input, output) = if direct {
                // The band's output ends at or before its input starts (`schedule`).
                let (out, input) = buf.split_at_mut(from);
                (&input[..rows_in], &mut out[r0 * w.output_row..(r0 + n) * w.output_row])
            } else {
                let at = slot(r0);
                (&buf[from..from + rows_in], &mut carry[at..at + n * w.output_row])
            };
            kernel(&b, input, output);
        }
        Event::Flush { from, to } => {
            for q in from..to {
                let at = slot(q);
                copy(&mut buf[q * w.output_row..(q + 1) * w.output_row], &carry[at..at + w.output_row]);
            }
        }
    });
    Ok(())
}

/// Copies a row out of the ring: the vector copy where the optimized kernels are built.
#[inline]
pub fn copy_row(dst: &mut [i8], src: &[i8]) {
    #[cfg(not(feature = "reference-kernels"))]
    super::simd::copy_i8(dst, src);
    #[cfg(feature = "reference-kernels")]
    dst.copy_from_slice(src);
}

/// The parameters of one band of a convolution.
pub fn conv_band(p: &ConvParams, b: &Band) -> ConvParams {
    ConvParams { input_h: b.end - b.first, output_h: b.rows, pad_h: b.pad, batches: 1, ..*p }
}

/// The parameters of one band of a depthwise convolution.
pub fn depthwise_band(p: &DepthwiseConvParams, b: &Band) -> DepthwiseConvParams {
    DepthwiseConvParams { input_h: b.end - b.first, output_h: b.rows, pad_h: b.pad, batches: 1, ..*p }
}

/// Splits the step's scratch into the ring (`rows` output rows, rounded up to
/// [`crate::arena::ALIGN`] bytes so the kernel's part stays aligned) and the kernel's
/// scratch.
pub fn split_scratch(scratch: &mut [u8], ring_bytes: usize) -> Result<(&mut [i8], &mut [u8]), Error> {
    let at = ring_bytes.div_ceil(crate::arena::ALIGN) * crate::arena::ALIGN;
    if scratch.len() < at {
        return Err(Error::BufferLength { expected: at, actual: scratch.len() });
    }
    let (ring, rest) = scratch.split_at_mut(at);
    // SAFETY: i8 and u8 have one size and alignment, and every bit pattern is valid.
    let ring = unsafe { core::slice::from_raw_parts_mut(ring.as_mut_ptr() as *mut i8, ring_bytes) };
    Ok((ring, rest))
}

/// Ring bytes plus the kernel scratch of the largest band: what a layer run by
/// [`conv_s8_rows_in_place`] needs as scratch, given its kernel's scratch per band.
pub fn scratch_bytes(
    w: &RowWindow,
    shift: usize,
    band: usize,
    direct: bool,
    kernel_scratch: impl Fn(&Band) -> usize,
) -> usize {
    let ring = carry_rows(w, shift, band, direct) * w.output_row;
    let mut most = 0;
    schedule(w, shift, band, direct, |event| {
        if let Event::Band { r0, rows, .. } = event {
            most = most.max(kernel_scratch(&w.band(r0, rows)));
        }
    });
    ring.div_ceil(crate::arena::ALIGN) * crate::arena::ALIGN + most
}

/// [`conv_s8`](super::conv::conv_s8) over `buf` (output at 0, input at `shift`), `band`
/// rows at a time ([`run`], `direct` as there); the scratch holds the ring, then the
/// kernel's own scratch ([`scratch_bytes`], [`kernel_scratch_len`]).
#[allow(clippy::too_many_arguments)]
pub fn conv_s8_rows_in_place(
    p: &ConvParams,
    buf: &mut [i8],
    shift: usize,
    band: usize,
    direct: bool,
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    scratch: &mut [u8],
) -> Result<(), Error> {
    conv_s8_rows_in_place_only::<{ conv_path::ALL }>(
        p,
        buf,
        shift,
        band,
        direct,
        filter,
        bias,
        multipliers,
        shifts,
        packed,
        scratch,
    )
}

/// [`conv_s8_rows_in_place`] with only the convolution's paths in `PATHS` compiled in
/// ([`conv_s8_only`](super::conv::conv_s8_only)); the bands take the paths of the
/// kernel's part of the scratch ([`kernel_scratch_len`]).
#[allow(clippy::too_many_arguments)]
pub fn conv_s8_rows_in_place_only<const PATHS: u8>(
    p: &ConvParams,
    buf: &mut [i8],
    shift: usize,
    band: usize,
    direct: bool,
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    scratch: &mut [u8],
) -> Result<(), Error> {
    let w = RowWindow::of_conv(p);
    let rows = carry_rows(&w, shift, band, direct);
    let (ring, rest) = split_scratch(scratch, rows * w.output_row)?;
    let bands = Bands { w: &w, shift, band, direct, rows };
    conv_s8_bands_only::<PATHS, _>(p, filter, bias, multipliers, shifts, packed, rest, |kernel| {
        bands.run(buf, ring, |b| conv_band(p, b), kernel)
    })
}

/// Bytes of a step's `scratch` that a layer run by rows in place leaves its kernel, after
/// the ring (as [`conv_s8_rows_in_place`] splits it): what the model compiler chooses the
/// layer's paths with.
pub fn kernel_scratch_len(w: &RowWindow, shift: usize, band: usize, direct: bool, scratch: usize) -> usize {
    let ring = carry_rows(w, shift, band, direct) * w.output_row;
    scratch.saturating_sub(ring.div_ceil(crate::arena::ALIGN) * crate::arena::ALIGN)
}

/// [`depthwise_conv_s8`](super::depthwise_conv::depthwise_conv_s8) over `buf` (output at
/// 0, input at `shift`), `band` rows at a time ([`run`], `direct` as there); the scratch
/// is the ring.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_s8_rows_in_place(
    p: &DepthwiseConvParams,
    buf: &mut [i8],
    shift: usize,
    band: usize,
    direct: bool,
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    scratch: &mut [u8],
) -> Result<(), Error> {
    depthwise_conv_s8_rows_in_place_only::<{ depthwise_path::ALL }>(
        p,
        buf,
        shift,
        band,
        direct,
        filter,
        bias,
        multipliers,
        shifts,
        packed,
        scratch,
    )
}

/// [`depthwise_conv_s8_rows_in_place`] with only the paths in `PATHS` compiled in
/// ([`depthwise_conv_s8_only`](super::depthwise_conv::depthwise_conv_s8_only)).
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_s8_rows_in_place_only<const PATHS: u8>(
    p: &DepthwiseConvParams,
    buf: &mut [i8],
    shift: usize,
    band: usize,
    direct: bool,
    filter: &[i8],
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    packed: &[i32],
    scratch: &mut [u8],
) -> Result<(), Error> {
    let w = RowWindow::of_depthwise(p);
    let rows = carry_rows(&w, shift, band, direct);
    let (ring, _) = split_scratch(scratch, rows * w.output_row)?;
    let bands = Bands { w: &w, shift, band, direct, rows };
    depthwise_conv_s8_bands_only::<PATHS, _>(p, filter, bias, multipliers, shifts, packed, |kernel| {
        bands.run(buf, ring, |b| depthwise_band(p, b), kernel)
    })
}

/// One band's kernel call: its parameters, input rows and output rows.
type BandKernel<'k, P> = dyn FnMut(&P, &[i8], &mut [i8]) + 'k;

/// A layer's schedule for the `*_rows_in_place` kernels: its window, shift, band height,
/// `direct` and the ring's rows ([`carry_rows`]).
struct Bands<'a> {
    w: &'a RowWindow,
    shift: usize,
    band: usize,
    direct: bool,
    rows: usize,
}

impl Bands<'_> {
    /// [`run_in`] with `kernel` (a band kernel of `conv_s8_bands` or
    /// `depthwise_conv_s8_bands`) on each band's parameters, `params(band)`.
    fn run<P>(
        &self,
        buf: &mut [i8],
        ring: &mut [i8],
        params: impl Fn(&Band) -> P,
        kernel: &mut BandKernel<'_, P>,
    ) -> Result<(), Error> {
        let Bands { w, shift, band, direct, rows } = *self;
        run_in(w, buf, shift, band, direct, rows, ring, |b, input, output| kernel(&params(b), input, output), copy_row)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::{vec, vec::Vec};

    /// A layer whose output row `r` is the sum of its window's rows (padding reads 0),
    /// row elements mixed so that any misplaced row shows.
    fn reference(w: &RowWindow, input: &[i32]) -> Vec<i32> {
        let mut out = vec![0; w.output_h * w.output_row];
        for r in 0..w.output_h {
            for t in 0..w.filter {
                let y = (r * w.stride + t * w.dilation) as isize - w.pad as isize;
                if y < 0 || y as usize >= w.input_h {
                    continue;
                }
                for x in 0..w.output_row {
                    out[r * w.output_row + x] += input[y as usize * w.input_row + x % w.input_row] * (t as i32 + 1);
                }
            }
        }
        out
    }

    fn band_kernel(w: &RowWindow) -> impl FnMut(&Band, &[i32], &mut [i32]) + '_ {
        move |b, input, output| {
            let sub = RowWindow { input_h: b.end - b.first, output_h: b.rows, pad: b.pad, ..*w };
            output.copy_from_slice(&reference(&sub, input));
        }
    }

    #[test]
    fn every_geometry_matches_the_whole_layer() {
        let mut cases = 0;
        for input_h in 1usize..9 {
            for filter in 1..5 {
                for stride in 1..4 {
                    for dilation in 1..3 {
                        for pad in 0..filter {
                            let reach = (filter - 1) * dilation + 1;
                            let Some(span) = (input_h + 2 * pad).checked_sub(reach) else { continue };
                            let output_h = span / stride + 1;
                            for (input_row, output_row) in [(3, 3), (2, 5), (6, 2)] {
                                let w = RowWindow {
                                    input_h,
                                    output_h,
                                    stride,
                                    pad,
                                    filter,
                                    dilation,
                                    input_row,
                                    output_row,
                                };
                                let input: Vec<i32> = (0..input_h * input_row).map(|i| i as i32 * 7 + 1).collect();
                                let want = reference(&w, &input);
                                let base = (w.output_h * output_row).saturating_sub(input_h * input_row);
                                // Every shift up to a ring-free one (`direct` bands, from
                                // about the window's height of rows on).
                                for shift in base..=base + (filter * dilation + 1) * output_row.max(input_row) {
                                    for (band, direct) in (1..4).flat_map(|b| [(b, false), (b, true)]) {
                                        let mut buf = vec![-1; buffer_len(&w, shift)];
                                        buf[shift..shift + input.len()].copy_from_slice(&input);
                                        let mut carry = vec![0; carry_rows(&w, shift, band, direct) * output_row];
                                        run(
                                            &w,
                                            &mut buf,
                                            shift,
                                            band,
                                            direct,
                                            &mut carry,
                                            band_kernel(&w),
                                            <[i32]>::copy_from_slice,
                                        )
                                        .unwrap();
                                        assert_eq!(
                                            &buf[..want.len()],
                                            &want[..],
                                            "{w:?} shift {shift} band {band} {direct}"
                                        );
                                        cases += 1;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(cases > 1000);
    }

    #[test]
    fn a_shift_past_the_window_needs_no_ring() {
        // A 3x3 SAME window: with the input two rows on, every band writes where the
        // input is dead, straight to its place.
        let w = RowWindow {
            input_h: 6,
            output_h: 6,
            stride: 1,
            pad: 1,
            filter: 3,
            dilation: 1,
            input_row: 4,
            output_row: 4,
        };
        assert_eq!(carry_rows(&w, 0, 1, true), 2);
        assert_eq!(carry_rows(&w, 4, 1, true), 1);
        assert_eq!(carry_rows(&w, 8, 1, true), 0);
        assert_eq!(carry_rows(&w, 8, 1, false), 1, "without `direct` every band takes the ring");
        let mut direct = 0;
        schedule(&w, 8, 1, true, |e| direct += usize::from(matches!(e, Event::Band { direct: true, .. })));
        assert_eq!(direct, 6);
        // A pointwise window needs the input one row on.
        let pointwise = RowWindow { pad: 0, filter: 1, ..w };
        assert_eq!((carry_rows(&pointwise, 0, 1, true), carry_rows(&pointwise, 4, 1, true)), (1, 0));
        let input: Vec<i32> = (0..24).collect();
        let mut buf = vec![-1; buffer_len(&w, 8)];
        buf[8..].copy_from_slice(&input);
        run(&w, &mut buf, 8, 1, true, &mut [], band_kernel(&w), <[i32]>::copy_from_slice).unwrap();
        assert_eq!(&buf[..24], &reference(&w, &input)[..]);
    }

    #[test]
    fn a_short_ring_or_buffer_is_refused() {
        let w = RowWindow {
            input_h: 4,
            output_h: 4,
            stride: 1,
            pad: 1,
            filter: 3,
            dilation: 1,
            input_row: 2,
            output_row: 2,
        };
        let rows = carry_rows(&w, 0, 1, false);
        assert_eq!(rows, 2, "a 3-row window one row ahead keeps two rows");
        let mut buf = vec![0; 8];
        let mut short = vec![0; rows * 2 - 1];
        assert!(run(&w, &mut buf, 0, 1, false, &mut short, |_, _, _| {}, <[i32]>::copy_from_slice).is_err());
        let mut carry = vec![0; rows * 2];
        assert!(run(&w, &mut buf[..7], 0, 1, false, &mut carry, |_, _, _| {}, <[i32]>::copy_from_slice).is_err());
    }
}
