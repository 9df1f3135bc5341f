//! Two row-window layers fused: the second layer's output computed a band of rows at a
//! time from the first layer's input, so the tensor between them never exists whole.
//!
//! For each band of the second layer's output rows, the first layer computes just the
//! rows of its output that the band reads, into a small *window* in the step's scratch;
//! rows the previous band already computed and this one reads again move to the window's
//! front rather than being computed twice (moving a row costs less than any convolution
//! computing it). The second layer then runs its band on the window. Both are ordinary
//! kernel calls on sub-views, so the results are the kernels' byte for byte.
//!
//! The pair, seen from the first layer's input rows to the second layer's output rows,
//! is itself a row window ([`Chain::window`]), so [`rows_in_place::run`] drives it over
//! one buffer exactly as it drives a single layer: the chain's output written over its
//! dying input, a ring of output rows waiting for their bytes to free up. One schedule
//! ([`rows_in_place::schedule`]) serves the planner ([`scratch_bytes`]) and the device.

use super::rows_in_place::{self, copy_row, split_scratch, Band, RowWindow};
use crate::Error;

/// Two layers, the second reading only the first's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chain {
    /// The first layer's window.
    pub first: RowWindow,
    /// The second layer's window: its input rows are the first layer's output rows.
    pub second: RowWindow,
}

impl Chain {
    /// Whether the pair can run fused: the second layer's input is the first's output,
    /// and in both every output row's window starts inside the input (true of every SAME
    /// and VALID convolution), so that the composite window's bands are exactly the
    /// nested ones.
    pub fn fits(&self) -> bool {
        let starts_inside = |w: &RowWindow| w.output_h == 0 || (w.output_h - 1) * w.stride < w.input_h + w.pad;
        self.first.output_h == self.second.input_h
            && self.first.output_row == self.second.input_row
            && starts_inside(&self.first)
            && starts_inside(&self.second)
    }

    /// The pair as one window, from the first layer's input rows to the second layer's
    /// output rows: output row `r` reads the first layer's input rows under the second
    /// layer's window of first-layer output rows.
    pub fn window(&self) -> RowWindow {
        let (a, b) = (&self.first, &self.second);
        RowWindow {
            input_h: a.input_h,
            output_h: b.output_h,
            stride: a.stride * b.stride,
            pad: b.pad * a.stride + a.pad,
            filter: (b.filter.max(1) - 1) * b.dilation * a.stride + (a.filter.max(1) - 1) * a.dilation + 1,
            dilation: 1,
            input_row: a.input_row,
            output_row: b.output_row,
        }
    }

    /// The first layer's output rows (`first..end` of [`Band`]) that the second layer's
    /// band `r0..r0 + rows` reads.
    pub fn window_band(&self, r0: usize, rows: usize) -> Band {
        self.second.band(r0, rows)
    }

    /// Rows of the window: the most first-layer output rows one band of `band` output
    /// rows reads.
    pub fn window_rows(&self, band: usize) -> usize {
        let mut most = 0;
        rows_in_place::schedule(&self.window(), 0, band, false, |event| {
            if let rows_in_place::Event::Band { r0, rows, .. } = event {
                let b = self.window_band(r0, rows);
                most = most.max(b.end - b.first);
            }
        });
        most
    }
}

/// Scratch bytes of a chain run by [`run`] at `shift`, `band` rows at a time: the ring,
/// the window, then the larger of the two kernels' scratch for any band
/// (`first_scratch`, `second_scratch` per band of each layer).
pub fn scratch_bytes(
    c: &Chain,
    shift: usize,
    band: usize,
    direct: bool,
    first_scratch: impl Fn(&Band) -> usize,
    second_scratch: impl Fn(&Band) -> usize,
) -> usize {
    let w = c.window();
    let ring = rows_in_place::carry_rows(&w, shift, band, direct) * w.output_row;
    let window = c.window_rows(band) * c.first.output_row;
    let mut most = 0;
    rows_in_place::schedule(&w, shift, band, direct, |event| {
        if let rows_in_place::Event::Band { r0, rows, .. } = event {
            let b = c.window_band(r0, rows);
            let a = c.first.band(b.first, b.end - b.first);
            most = most.max(first_scratch(&a)).max(second_scratch(&b));
        }
    });
    align(ring) + align(window) + most
}

/// Splits `scratch` as [`run`] lays it out: the chain's own part (ring and window), for
/// `run`, and the kernels' scratch after it. Generated code prepares each kernel once for
/// all bands (`conv_s8_bands`, `depthwise_conv_s8_bands`: per-layer tables and
/// dispatch, which cost a kernel call on a band of one output row as much as its
/// products): the prepared kernel holds the kernels' part, and `run` gets the chain's
/// (its own kernel scratch is then empty). Fails as `run` does when `scratch` is short.
pub fn split_kernel_scratch<'a>(
    c: &Chain,
    scratch: &'a mut [u8],
    shift: usize,
    band: usize,
    direct: bool,
) -> Result<(&'a mut [u8], &'a mut [u8]), Error> {
    let (band, w) = (band.max(1), c.window());
    let own = align(rows_in_place::carry_rows(&w, shift, band, direct) * w.output_row)
        + align(c.window_rows(band) * c.first.output_row);
    if scratch.len() < own {
        return Err(Error::BufferLength { expected: own, actual: scratch.len() });
    }
    Ok(scratch.split_at_mut(own))
}

fn align(bytes: usize) -> usize {
    bytes.div_ceil(crate::arena::ALIGN) * crate::arena::ALIGN
}

/// Runs the chain over `buf`: its input (the first layer's) at element `shift`, its
/// output (the second layer's) written from element 0, `band` output rows at a time
/// (`direct` as [`rows_in_place::run`] takes it).
/// `scratch` holds the ring, the window and the kernels' scratch ([`scratch_bytes`]).
/// `first(band, input_rows, output_rows, scratch)` computes a band of the first layer,
/// `second(...)` one of the second. Fails, touching nothing, when a buffer is shorter
/// than the plan needs or the pair does not fit ([`Chain::fits`]).
#[allow(clippy::too_many_arguments)]
pub fn run(
    c: &Chain,
    buf: &mut [i8],
    shift: usize,
    band: usize,
    direct: bool,
    scratch: &mut [u8],
    mut first: impl FnMut(&Band, &[i8], &mut [i8], &mut [u8]),
    mut second: impl FnMut(&Band, &[i8], &mut [i8], &mut [u8]),
) -> Result<(), Error> {
    if !c.fits() {
        return Err(Error::BufferLength { expected: c.second.input_h, actual: c.first.output_h });
    }
    let band = band.max(1);
    let w = c.window();
    let (ring, rest) = split_scratch(scratch, rows_in_place::carry_rows(&w, shift, band, direct) * w.output_row)?;
    let (window, kernel_scratch) = split_scratch(rest, c.window_rows(band) * c.first.output_row)?;
    let (a, row) = (&c.first, c.first.output_row);
    // The first-layer output rows the window holds: `lo..hi`, from its start.
    let (mut lo, mut hi) = (0, 0);
    rows_in_place::run(
        &w,
        buf,
        shift,
        band,
        direct,
        ring,
        |outer, input, output| {
            let b = c.window_band(outer.r0, outer.rows);
            // Rows the previous band computed and this one reads move to the front.
            let kept = if b.first < hi { hi - b.first.max(lo) } else { 0 };
            if kept > 0 {
                let from = (hi - kept - lo) * row;
                window.copy_within(from..from + kept * row, 0);
            }
            let start = b.first + kept;
            if start < b.end {
                let ab = a.band(start, b.end - start);
                // `input` starts at the composite band's first row, which is the first
                // row the first layer reads for the band (`Chain::fits`).
                let at = (ab.first - outer.first) * a.input_row;
                let rows_in = &input[at..at + (ab.end - ab.first) * a.input_row];
                first(&ab, rows_in, &mut window[kept * row..(b.end - b.first) * row], &mut *kernel_scratch);
            }
            (lo, hi) = (b.first, b.end);
            second(&b, &window[..(b.end - b.first) * row], output, &mut *kernel_scratch);
        },
        copy_row,
    )
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::kernels::rows_in_place::buffer_len;
    use std::{vec, vec::Vec};

    /// A layer whose output row `r` mixes its window's rows (padding reads 0), weighted
    /// by tap so that a misplaced or missing row shows; results wrap into i8.
    fn reference(w: &RowWindow, input: &[i8]) -> Vec<i8> {
        let mut out = vec![0i8; w.output_h * w.output_row];
        for r in 0..w.output_h {
            for x in 0..w.output_row {
                let mut acc = x as i32;
                for t in 0..w.filter {
                    let y = (r * w.stride + t * w.dilation) as isize - w.pad as isize;
                    if y < 0 || y as usize >= w.input_h {
                        continue;
                    }
                    acc = acc * 3 + input[y as usize * w.input_row + x % w.input_row] as i32 * (t as i32 + 1);
                }
                out[r * w.output_row + x] = acc as i8;
            }
        }
        out
    }

    fn band_of(w: &RowWindow) -> impl FnMut(&Band, &[i8], &mut [i8], &mut [u8]) + '_ {
        move |b, input, output, _| {
            let sub = RowWindow { input_h: b.end - b.first, output_h: b.rows, pad: b.pad, ..*w };
            output.copy_from_slice(&reference(&sub, input));
        }
    }

    /// A layer of SAME or VALID padding, as TFLite derives it.
    fn layer(
        input_h: usize,
        filter: usize,
        stride: usize,
        dilation: usize,
        same: bool,
        rows: (usize, usize),
    ) -> RowWindow {
        let reach = (filter - 1) * dilation + 1;
        let (output_h, pad) = if same {
            let out = input_h.div_ceil(stride);
            (out, ((out - 1) * stride + reach).saturating_sub(input_h) / 2)
        } else {
            ((input_h.max(reach) - reach) / stride + 1, 0)
        };
        RowWindow { input_h, output_h, stride, pad, filter, dilation, input_row: rows.0, output_row: rows.1 }
    }

    #[test]
    fn every_chain_matches_the_two_whole_layers() {
        let mut cases = 0;
        for input_h in 1usize..10 {
            for (fa, sa, da) in [(1, 1, 1), (3, 2, 1), (3, 1, 1), (2, 2, 1), (3, 1, 2), (1, 2, 1)] {
                for (fb, sb, db) in [(3, 2, 1), (3, 1, 1), (1, 1, 1), (5, 2, 1), (2, 1, 2)] {
                    for same in [true, false] {
                        // Row lengths: pointwise widening, narrowing, depthwise keeping.
                        for (ra, rb, rc) in [(3, 6, 6), (6, 4, 2), (4, 4, 4)] {
                            let a = layer(input_h, fa, sa, da, same, (ra, rb));
                            if a.input_h < (a.filter - 1) * a.dilation + 1 && !same {
                                continue;
                            }
                            let b = layer(a.output_h, fb, sb, db, same, (rb, rc));
                            if b.input_h < (b.filter - 1) * b.dilation + 1 && !same {
                                continue;
                            }
                            let c = Chain { first: a, second: b };
                            assert!(c.fits(), "{c:?}");
                            let input: Vec<i8> = (0..a.input_h * ra).map(|i| (i * 37 + 5) as i8).collect();
                            let want = reference(&b, &reference(&a, &input));
                            let w = c.window();
                            let base = (w.output_h * rc).saturating_sub(a.input_h * ra);
                            // Up to a shift past the window, where every band is direct.
                            for shift in [base, base + ra, base + 2 * rc, base + (w.filter + 1) * ra.max(rc)] {
                                for (band, direct) in (1..4).flat_map(|b| [(b, false), (b, true)]) {
                                    let mut buf = vec![-1; buffer_len(&w, shift)];
                                    buf[shift..shift + input.len()].copy_from_slice(&input);
                                    let bytes = scratch_bytes(&c, shift, band, direct, |_| 0, |_| 0);
                                    let mut scratch = vec![0u8; bytes];
                                    run(&c, &mut buf, shift, band, direct, &mut scratch, band_of(&a), band_of(&b))
                                        .unwrap();
                                    let at = std::format!("shift {shift} band {band} direct {direct}");
                                    assert_eq!(&buf[..want.len()], &want[..], "{c:?} {at}");
                                    cases += 1;
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(cases > 1000, "{cases}");
    }

    #[test]
    fn a_chain_that_does_not_fit_is_refused() {
        let a = layer(8, 3, 1, 1, true, (2, 2));
        let c = Chain { first: a, second: layer(7, 3, 1, 1, true, (2, 2)) };
        assert!(!c.fits());
        let mut buf = vec![0; 64];
        let mut scratch = vec![0u8; 256];
        assert!(run(&c, &mut buf, 0, 1, false, &mut scratch, |_, _, _, _| {}, |_, _, _, _| {}).is_err());
    }
}
