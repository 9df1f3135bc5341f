//! Pairs of convolutions fused by rows (`tinyml_runtime::kernels::fused_rows`): which
//! pairs may, and their shift and scratch.
//!
//! Step `i` and step `i + 1` form a chain when both have a row window
//! ([`Kernel::row_window`]), the second reads only the first's output, that tensor is read
//! by no other step and kept by nothing (no model output, no alias), and the first's
//! input dies at step `i` (the rule of [`super::rows`]). The chain then runs as one layer
//! by rows from the first's input to the second's output: the tensor between them lives
//! only as a window of a few rows in the step's scratch, and the chain's output writes
//! over its input as a single layer's does. The planner takes a chain only in `ram` mode
//! and only where it makes the arena smaller ([`super::plan_program`]): the rows the
//! window moves and the kernel calls split into bands cost instructions
//! ([`super::rows::InPlaceCost::fused`]).
//!
//! [`Kernel::row_window`]: crate::kernel::Kernel::row_window

use super::rows::{smallest_shift, RowsInPlace, BAND};
use super::union::{find, kept_tensors, last_uses, roots_with_in_place};
use crate::graph::Graph;
use crate::kernel::{Scratch, Step};
use tinyml_runtime::kernels::fused_rows::{scratch_bytes, Chain};

/// The chain of step `i` and step `i + 1`, if their windows compose
/// ([`Chain::fits`]) and the second reads exactly the first's one output.
pub fn chain(steps: &[Step], i: usize) -> Option<Chain> {
    let (a, b) = (steps.get(i)?, steps.get(i + 1)?);
    let one = |s: &Step| s.inputs.len() == 1 && s.outputs.len() == 1;
    if !one(a) || !one(b) || b.inputs[0] != a.output() {
        return None;
    }
    let c = Chain { first: a.kernel.row_window()?, second: b.kernel.row_window()? };
    c.fits().then_some(c)
}

/// The scratch of the chain at step `i` run as `rows` says: ring, window, then the larger
/// kernel scratch of any band (minimum and preferred).
pub fn scratch(steps: &[Step], i: usize, c: &Chain, rows: RowsInPlace) -> Scratch {
    let (a, b) = (steps[i].kernel.as_ref(), steps[i + 1].kernel.as_ref());
    let with = |pick: fn(Scratch) -> usize| {
        scratch_bytes(c, rows.shift, rows.band, |band| pick(a.band_scratch(band)), |band| pick(b.band_scratch(band)))
    };
    Scratch { min: with(|s| s.min), preferred: with(|s| s.preferred) }
}

/// The shift that makes the chain's buffer plus its minimum scratch smallest, with that
/// size ([`super::rows::best_shift`] for a chain).
fn best_shift(steps: &[Step], i: usize, c: &Chain) -> (usize, usize) {
    smallest_shift(&c.window(), |shift| scratch(steps, i, c, RowsInPlace { shift, band: BAND }).min)
}

/// Every step that may start a chain, with the chain's shift (one band per output row),
/// given the elementwise in-place layers and the layers by rows already chosen.
pub fn candidates(
    graph: &Graph,
    steps: &[Step],
    in_place: &[Option<usize>],
    rows: &[Option<RowsInPlace>],
    consume_inputs: bool,
) -> Vec<(usize, RowsInPlace)> {
    let n = graph.tensors.len();
    let mut root = roots_with_in_place(n, steps, in_place);
    let last = last_uses(n, steps);
    let keep = kept_tensors(graph, consume_inputs);
    let mut found = Vec::new();
    for i in 0..steps.len() {
        if let Some(c) = chain(steps, i) {
            let (a, m) = (find(&mut root, steps[i].inputs[0]), steps[i].output());
            let alone = (0..n).all(|t| (find(&mut root, t) == m) == (t == m));
            let dies = (0..n).all(|t| find(&mut root, t) != a || (!keep[t] && last[t] <= i));
            if alone && dies && !keep[m] && last[m] == i + 1 && in_place[i].is_none() && in_place[i + 1].is_none() {
                let (shift, _) = best_shift(steps, i, &c);
                found.push((i, RowsInPlace { shift, band: BAND }));
            }
        }
        // A layer by rows joins its output to its input's buffer, as `buffers_of` will.
        if rows[i].is_some() {
            let r = find(&mut root, steps[i].inputs[0]);
            let o = find(&mut root, steps[i].output());
            root[o] = r;
        }
    }
    found
}
