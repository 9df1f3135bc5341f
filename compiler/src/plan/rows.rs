//! Convolutions that write over their own input a band of output rows at a time
//! (`tinyml_runtime::kernels::rows_in_place`): which layers may, and where in their
//! shared buffer the input goes.
//!
//! A layer qualifies when its kernel has a row window ([`Kernel::row_window`]) and its
//! one arena input dies there, under the same rules as the elementwise in-place layers
//! ([`super::in_place_candidates`]). Its output then starts the buffer and its input
//! sits `shift` bytes in; the ring of output rows waiting for their bytes to free up is
//! part of the layer's scratch. The shift is chosen to make buffer plus ring smallest:
//! an output larger than its input (a first convolution widening 1 channel to 64) puts
//! the input near the buffer's end, so rows are written behind the window as it moves
//! down; an output no larger starts with the input (`shift` 0) and needs a ring of about
//! the window's height.
//!
//! [`Kernel::row_window`]: crate::kernel::Kernel::row_window

use super::buffer::align_up;
use super::union::{find, kept_tensors, last_uses, roots_with_in_place};
use crate::graph::Graph;
use crate::kernel::{Kernel, RowWindow, Scratch, Step};
use tinyml_runtime::arena::ALIGN;
use tinyml_runtime::kernels::fused_rows::Chain;
use tinyml_runtime::kernels::rows_in_place::{buffer_len, carry_rows, schedule, scratch_bytes, Event};

/// How one layer runs over its own input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RowsInPlace {
    /// Bytes from the output's start to the input's, in their shared buffer.
    pub shift: usize,
    /// Output rows computed per kernel call.
    pub band: usize,
    /// Whether bands whose rows land on dead input are written there directly, without
    /// the ring (`rows_in_place::schedule`): set by the planner's last pass, which keeps
    /// the arena of the plan made without.
    pub direct: bool,
}

/// Output rows per kernel call when choosing layers and shifts: one, the least memory.
/// (Each call costs its setup, about 1,600 instructions on Helium; `plan_program` then gives each
/// layer the tallest band that keeps the arena as small.)
pub const BAND: usize = 1;

/// The scratch of a layer run by rows at `shift`: the ring, then its kernel's scratch
/// for the largest band (minimum and preferred).
pub fn scratch(kernel: &dyn Kernel, w: &RowWindow, rows: RowsInPlace) -> Scratch {
    let with = |pick: fn(Scratch) -> usize| {
        scratch_bytes(w, rows.shift, rows.band, rows.direct, |b| pick(kernel.band_scratch(b)))
    };
    Scratch { min: with(|s| s.min), preferred: with(|s| s.preferred) }
}

/// The shift that makes the buffer plus its ring and minimum scratch smallest, with that
/// size; shifts are whole arena alignments, so the input stays aligned.
pub fn best_shift(kernel: &dyn Kernel, w: &RowWindow) -> (usize, usize) {
    smallest_shift(w, |shift| scratch(kernel, w, RowsInPlace { shift, band: BAND, direct: false }).min)
}

/// The shift of window `w`'s input in its buffer that makes the buffer plus
/// `min_scratch(shift)` (ring and kernel scratch) smallest, with that size (the first
/// of shifts as small: in a chain of layers by rows the shifts add up;
/// [`direct_options`] moves inputs further on afterwards where the arena allows).
pub fn smallest_shift(w: &RowWindow, min_scratch: impl Fn(usize) -> usize) -> (usize, usize) {
    let mut best = (0, usize::MAX);
    for shift in (0..=last_shift(w)).step_by(ALIGN) {
        let cost = align_up(buffer_len(w, shift)) + min_scratch(shift);
        if cost < best.1 {
            best = (shift, cost);
        }
    }
    best
}

/// The largest shift worth trying for window `w`: past it the input lies wholly after
/// the output, so they no longer overlap (nothing further is smaller) and every band
/// can be direct.
fn last_shift(w: &RowWindow) -> usize {
    (w.input_h * w.input_row).max(w.output_h * w.output_row)
}

/// Rows of `w`'s output that go through the ring at `r` (the others are written in
/// place directly).
pub fn ring_rows(w: &RowWindow, r: RowsInPlace) -> usize {
    let mut ringed = 0;
    schedule(w, r.shift, r.band, r.direct, |event| {
        if let Event::Band { rows, direct: false, .. } = event {
            ringed += rows;
        }
    });
    ringed
}

/// The smallest shift from `r.shift` on at which the fewest of `w`'s output rows go
/// through the ring, `r`'s band height and `direct` as they are (`None`: no band
/// direct at any).
pub fn fewest_ring_shift(w: &RowWindow, r: RowsInPlace) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for shift in (r.shift..=align_up(last_shift(w)).max(r.shift)).step_by(ALIGN) {
        let ringed = ring_rows(w, RowsInPlace { shift, ..r });
        if best.is_none_or(|(_, fewest)| ringed < fewest) {
            best = Some((shift, ringed));
        }
        if ringed == 0 {
            break;
        }
    }
    best.filter(|&(_, ringed)| ringed < w.output_h).map(|(shift, _)| shift)
}

/// What a layer by rows at `r` may take instead with bands written in place directly:
/// for each band height, the smallest shift at which the fewest rows go through the
/// ring, and `r`'s own shift; those `cost` (instructions added) estimates below `r`'s,
/// the cheapest first. The planner takes the first that keeps the arena as small.
pub fn direct_options(w: &RowWindow, r: RowsInPlace, cost: impl Fn(RowsInPlace) -> u64) -> Vec<RowsInPlace> {
    let mut options = Vec::new();
    for band in 1..=w.output_h {
        let direct = RowsInPlace { band, direct: true, ..r };
        options.extend(fewest_ring_shift(w, direct).map(|shift| RowsInPlace { shift, ..direct }));
        options.push(direct);
    }
    // `direct` only where some band is (the flag costs the band loop a test).
    for o in &mut options {
        o.direct = ring_rows(w, *o) < w.output_h;
    }
    // Buffer plus ring no larger than now (a layer off the arena's peak could take
    // more, but each option tried is a plan; kernel scratch per band aside).
    let footprint = |o: RowsInPlace| {
        align_up(buffer_len(w, o.shift)) + align_up(carry_rows(w, o.shift, o.band, o.direct) * w.output_row)
    };
    let (now, room) = (cost(r), footprint(r));
    options.retain(|&o| cost(o) < now && footprint(o) <= room);
    options.sort_by_cached_key(|&o| (cost(o), o.shift, o.band));
    options.dedup();
    // Each is a plan to try: the cheapest few.
    options.truncate(12);
    options
}

/// Per step, whether it runs by rows over its input, given the elementwise in-place
/// layers already chosen: every layer that qualifies and needs fewer bytes that way
/// than its input, output and scratch apart. Layers are taken in execution order, so a
/// chain of convolutions can run in one buffer.
pub fn candidates(
    graph: &Graph,
    steps: &[Step],
    in_place: &[Option<usize>],
    consume_inputs: bool,
) -> Vec<Option<RowsInPlace>> {
    let n = graph.tensors.len();
    let mut root = roots_with_in_place(n, steps, in_place);
    let last = last_uses(n, steps);
    let keep = kept_tensors(graph, consume_inputs);
    let mut chosen = vec![None; steps.len()];
    for (i, s) in steps.iter().enumerate() {
        let Some(w) = s.kernel.row_window() else { continue };
        if s.inputs.len() != 1 || s.outputs.len() != 1 {
            continue;
        }
        let r = find(&mut root, s.inputs[0]);
        let dies = (0..n).all(|t| find(&mut root, t) != r || (!keep[t] && last[t] <= i));
        if !dies {
            continue;
        }
        let (shift, cost) = best_shift(s.kernel.as_ref(), &w);
        let apart = align_up(w.input_h * w.input_row) + align_up(w.output_h * w.output_row) + s.kernel.scratch().min;
        if cost >= apart {
            continue;
        }
        chosen[i] = Some(RowsInPlace { shift, band: BAND, direct: false });
        let o = find(&mut root, s.output());
        root[o] = r;
    }
    chosen
}

/// What running layers by rows costs, in instructions per inference: a model for the
/// report (`analyze`) and for choosing, calibrated against QEMU's instruction counts. An
/// elementwise layer in place costs nothing: the runtime's in-place kernels read each
/// element before they write over it, with no copy (`kernels::in_place`); IC ResNet-8's
/// three ADDs took 32,937 instructions in place and 32,938 out of place (mps3-an547,
/// `cargo tinyml profile`, 2026-12-07), where the copy through a 256-element stack chunk
/// they had before cost 78,344 (1.5 instructions per byte).
#[derive(Clone, Copy, Debug)]
pub struct InPlaceCost {
    /// Per output byte a layer by rows copies out of its ring.
    pub rows_per_byte: f64,
    /// Per kernel call a layer by rows makes beyond the one it replaces.
    pub rows_per_call: f64,
}

impl InPlaceCost {
    /// Measured on mps3-an547 (Cortex-M55 with Helium) under QEMU `-icount`
    /// (docs/benchmarks.md, "Memory modes"), per layer from `cargo tinyml profile` of the
    /// `ram` and `speed` plans: a layer by rows in one call costs about 0.45 instructions
    /// per output byte over its whole-layer call (the ring copy; VWW's layer 7, 4,608 B,
    /// +2.0k), and each further call about 750 since the kernels prepare what the bands
    /// share once per layer (`conv_s8_bands`, `depthwise_conv_s8_bands`; was 1,600): KWS
    /// 133k over `speed` for 144 further calls and 64,000 B copied, micro_speech 19.5k
    /// for 24 calls and 4,000 B (a one-row depthwise band still runs its two border
    /// pixels through 9-tap calls where the whole layer takes 6-tap lane runs, about
    /// 180 instructions each).
    pub const MPS3_AN547: InPlaceCost = InPlaceCost { rows_per_byte: 0.45, rows_per_call: 750.0 };

    /// A pair fused by rows ([`super::fused`]) as `r` says: the chain's output copied
    /// out of its ring as a layer by rows copies, both layers' kernel calls split into
    /// bands, and the rows the window keeps between bands moved to its front.
    pub fn fused(&self, c: &Chain, r: RowsInPlace) -> u64 {
        let w = c.window();
        let band = r.band.max(1);
        let (mut calls, mut moved, mut hi, mut ringed) = (0usize, 0usize, 0usize, 0usize);
        schedule(&w, r.shift, band, r.direct, |event| {
            if let Event::Band { r0, rows, direct } = event {
                let b = c.window_band(r0, rows);
                moved += hi.saturating_sub(b.first);
                hi = b.end;
                calls += 2;
                ringed += if direct { 0 } else { rows };
            }
        });
        let copied = ringed * w.output_row + moved * c.first.output_row;
        (copied as f64 * self.rows_per_byte + calls.saturating_sub(2) as f64 * self.rows_per_call) as u64
    }

    /// A layer of window `w` by rows as `r` says: the rows of the bands through the ring
    /// copied out of it (a band written in place directly copies nothing).
    pub fn rows(&self, w: &RowWindow, r: RowsInPlace) -> u64 {
        let calls = w.output_h.div_ceil(r.band.max(1)).saturating_sub(1);
        let copied = ring_rows(w, r) * w.output_row;
        (copied as f64 * self.rows_per_byte + calls as f64 * self.rows_per_call) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3x3 SAME window over rows of 64 bytes in and out (a depthwise layer).
    fn same3(rows: usize) -> RowWindow {
        RowWindow {
            input_h: rows,
            output_h: rows,
            stride: 1,
            pad: 1,
            filter: 3,
            dilation: 1,
            input_row: 64,
            output_row: 64,
        }
    }

    #[test]
    fn the_fewest_ring_shift_puts_the_input_past_the_window() {
        let w = same3(10);
        let at = |shift, band, direct| RowsInPlace { shift, band, direct };
        // One-row bands are all direct with the input two rows on; not without `direct`.
        assert_eq!(fewest_ring_shift(&w, at(0, 1, true)), Some(128));
        assert_eq!(ring_rows(&w, at(128, 1, true)), 0);
        assert_eq!(ring_rows(&w, at(128, 1, false)), 10);
        assert_eq!(fewest_ring_shift(&w, at(0, 1, false)), None);
        // Two-row bands need three rows.
        assert_eq!(fewest_ring_shift(&w, at(0, 2, true)), Some(192));
    }

    #[test]
    fn direct_options_cost_less_and_take_no_more_bytes() {
        let w = RowWindow { pad: 0, filter: 1, ..same3(10) };
        let cost = InPlaceCost::MPS3_AN547;
        let now = RowsInPlace { shift: 0, band: 1, direct: false };
        let options = direct_options(&w, now, |r| cost.rows(&w, r));
        // A pointwise layer with its input a row on: no ring, one row more of buffer.
        assert_eq!(options.first(), Some(&RowsInPlace { shift: 64, band: 1, direct: true }));
        let bytes = |r: RowsInPlace| buffer_len(&w, r.shift) + carry_rows(&w, r.shift, r.band, r.direct) * 64;
        for o in &options {
            assert!(cost.rows(&w, *o) < cost.rows(&w, now) && bytes(*o) <= bytes(now), "{o:?}");
        }
    }
}
