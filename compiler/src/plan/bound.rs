//! The floors a plan is measured against (`cargo tinyml analyze` reports them):
//!
//! - the **layer-wise bound**: the largest sum, over the layers that run, of the bytes of
//!   a layer's distinct arena inputs plus its output. A plan that gives every tensor its
//!   own bytes while its layer runs (no in-place execution, no tiling) cannot be smaller.
//! - the **live floor** of a plan's buffers: the bytes live at the busiest step (every
//!   tensor live across it, such as a skip connection, and the scratch the step was
//!   granted), rounded up to the arena alignment. No placement of those buffers is
//!   smaller; the gap between a plan's arena and its live floor is placement alone.
//!
//! [`Breakdown`] says what lies between the two at the busiest step.

use super::buffer::{align_up, Buffer, BufferKind};
use crate::graph::{Graph, TensorId};
use crate::kernel::Step;
use serde::Serialize;

/// Bytes of a step's distinct arena inputs plus its outputs; 0 for reinterpretations,
/// which run no code and share their input's bytes.
pub fn layer_bytes(graph: &Graph, step: &Step) -> usize {
    if step.kernel.is_reinterpretation() {
        return 0;
    }
    let mut ts: Vec<TensorId> = step.inputs.iter().chain(&step.outputs).copied().collect();
    ts.sort_unstable();
    ts.dedup();
    ts.iter().map(|&t| graph.tensors[t].bytes()).sum()
}

/// The layer-wise bound and the first layer that sets it (`None` without layers).
pub fn layer_bound(graph: &Graph, steps: &[Step]) -> (usize, Option<usize>) {
    steps.iter().enumerate().map(|(i, s)| (layer_bytes(graph, s), i)).fold((0, None), |(best, at), (b, i)| {
        if b > best {
            (b, Some(i))
        } else {
            (best, at)
        }
    })
}

/// Bytes of the buffers live at each of `steps` steps.
pub fn live_bytes(buffers: &[Buffer], steps: usize) -> Vec<usize> {
    (0..steps).map(|s| buffers.iter().filter(|b| b.first <= s && s <= b.last).map(|b| live_at(b, s)).sum()).collect()
}

/// The bytes of `b` live at step `s`: all of it, or for a buffer of parts the union of
/// the parts live then.
fn live_at(b: &Buffer, s: usize) -> usize {
    if b.parts.is_empty() {
        return b.bytes;
    }
    let mut spans: Vec<(usize, usize)> =
        b.parts.iter().filter(|p| p.first <= s && s <= p.last).map(|p| (p.shift, p.shift + p.bytes)).collect();
    spans.sort_unstable();
    let (mut total, mut end) = (0, 0);
    for (start, stop) in spans {
        total += stop.saturating_sub(start.max(end));
        end = end.max(stop);
    }
    total
}

/// The live floor of `buffers` (see the module documentation).
pub fn live_floor(buffers: &[Buffer]) -> usize {
    let steps = buffers.iter().map(|b| b.last + 1).max().unwrap_or(0);
    align_up(live_bytes(buffers, steps).into_iter().max().unwrap_or(0))
}

/// What the busiest step of a plan holds, from the layer-wise bound up to the arena.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    /// The step with the most live bytes (the first of equals).
    pub step: usize,
    /// Its distinct arena inputs plus output.
    pub layer_bytes: usize,
    /// Tensors live across it that it neither reads nor writes (skip connections, model
    /// inputs or outputs kept).
    pub other_tensor_bytes: usize,
    /// Its granted scratch.
    pub scratch_bytes: usize,
    /// Rounding of the live bytes up to the arena alignment.
    pub alignment_bytes: usize,
    /// Arena above the live floor: what the placement loses to fragmentation.
    pub placement_bytes: usize,
}

/// The breakdown of a plan's arena of `arena_bytes` over `buffers`.
pub fn breakdown(steps: &[Step], buffers: &[Buffer], arena_bytes: usize) -> Breakdown {
    let live = live_bytes(buffers, steps.len());
    let busiest = live.iter().copied().max().unwrap_or(0);
    let step = live.iter().position(|&b| b == busiest).unwrap_or(0);
    let mut own: Vec<TensorId> =
        steps.get(step).map(|s| s.inputs.iter().chain(&s.outputs).copied().collect()).unwrap_or_default();
    own.sort_unstable();
    let (mut mine, mut other, mut scratch) = (0, 0, 0);
    for b in buffers.iter().filter(|b| b.first <= step && step <= b.last) {
        match &b.kind {
            BufferKind::Scratch(_) => scratch += b.bytes,
            BufferKind::Tensors(ts) if ts.iter().any(|t| own.binary_search(t).is_ok()) => mine += b.bytes,
            BufferKind::Tensors(_) => other += b.bytes,
        }
    }
    let floor = align_up(busiest);
    Breakdown {
        step,
        layer_bytes: mine,
        other_tensor_bytes: other,
        scratch_bytes: scratch,
        alignment_bytes: floor - busiest,
        placement_bytes: arena_bytes.saturating_sub(floor),
    }
}

/// Whether step `i`'s output shares the bytes of one of its inputs in the plan (a
/// reinterpretation such as RESHAPE, or a layer that writes over its input).
pub fn in_place(step: &Step, buffers: &[(Buffer, usize)]) -> bool {
    buffers.iter().any(|(b, _)| match &b.kind {
        BufferKind::Tensors(ts) => {
            step.outputs.iter().any(|t| ts.contains(t)) && step.inputs.iter().any(|t| ts.contains(t))
        }
        BufferKind::Scratch(_) => false,
    })
}
