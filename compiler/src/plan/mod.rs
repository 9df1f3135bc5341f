//! Offline memory planning: every arena tensor (model inputs, intermediate results,
//! outputs) and every kernel scratch buffer gets a fixed byte offset in one arena.
//!
//! Planning is an interface ([`MemoryPlanner`]) with interchangeable strategies, as in
//! TFLM's `micro_memory_planner.h`: [`greedy::GreedyBySize`] reuses memory between
//! tensors whose lifetimes do not overlap; [`best::BestOfGreedy`] (the default) keeps the
//! smallest of several greedy orders, greedy by size first; [`linear::Linear`] gives
//! each buffer its own bytes (the baseline, and a debugging aid).

pub mod best;
pub mod bound;
mod buffer;
pub mod containers;
pub mod fused;
pub mod greedy;
pub mod linear;
pub mod regions;
pub mod rows;
mod union;

use crate::error::CompileError;
use crate::graph::{Graph, TensorId};
use crate::kernel::{RowWindow, Scratch, Step};
pub use buffer::{align_up, Buffer, BufferKind, MemoryPlanner, Part};
pub use rows::RowsInPlace;
use tinyml_runtime::arena::ALIGN;
use union::{find, kept_tensors, last_uses, reinterpretation_roots, roots_with_in_place};

/// The strategies, for options and the CLI.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlannerKind {
    /// The smallest of several greedy placements (greedy by size, execution order,
    /// breadth, lifetime), greedy by size winning ties: never larger than it.
    #[default]
    BestOfGreedy,
    /// Largest buffer first, each at the lowest offset free during its lifetime (TFLM's).
    GreedyBySize,
    /// No reuse: every buffer after the previous one.
    Linear,
}

impl PlannerKind {
    fn planner(self) -> Box<dyn MemoryPlanner> {
        match self {
            PlannerKind::BestOfGreedy => Box::new(best::BestOfGreedy),
            PlannerKind::GreedyBySize => Box::new(greedy::GreedyBySize),
            PlannerKind::Linear => Box::new(linear::Linear),
        }
    }
}

/// What the plan trades between arena bytes and instructions (`--memory`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MemoryMode {
    /// The smallest arena: elementwise layers in place ([`in_place_candidates`]),
    /// convolutions writing over their input a band of rows at a time ([`rows`]) and pairs
    /// of them fused where that shrinks the arena ([`fused`]), model inputs included (`invoke` then consumes its input: refill it before each call, as
    /// with any plan that reuses the input's bytes). Costs about 2% more instructions on
    /// the shared models of larger layers (VWW, IC ResNet-8), 10% on those of small ones
    /// (KWS, micro_speech), 30-80% on held-out models of 1-D layers, whose one-pixel rows
    /// make bands of a pixel or two (docs/benchmarks.md, "Memory modes", "Held-out
    /// models").
    Ram,
    /// Elementwise layers in place where that makes the arena smaller, never over a
    /// model input: each writes its output element by element over its input, at no
    /// cost in instructions.
    #[default]
    Balanced,
    /// No in-place layers: every layer's output has bytes of its own (the plan of the
    /// layer-wise bound, and the fewest instructions).
    Speed,
}

impl MemoryMode {
    /// Every mode, in the order of `--memory`'s values.
    pub const ALL: [MemoryMode; 3] = [MemoryMode::Ram, MemoryMode::Balanced, MemoryMode::Speed];

    /// The mode's name on the command line (`ram`, `balanced`, `speed`).
    pub fn name(self) -> &'static str {
        match self {
            MemoryMode::Ram => "ram",
            MemoryMode::Balanced => "balanced",
            MemoryMode::Speed => "speed",
        }
    }

    /// The mode named `name` (see [`MemoryMode::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// The result of planning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryPlan {
    /// Arena size in bytes (a multiple of [`ALIGN`]), the persistent region included.
    pub arena_bytes: usize,
    /// Bytes at the start of the arena that hold variable tensors (recurrent state kept
    /// between invocations, never shared); the planned part follows them.
    pub persistent_bytes: usize,
    /// Offset per graph tensor (`None` for constants and unused tensors).
    pub tensor_offsets: Vec<Option<usize>>,
    /// Scratch offset and size per step (size 0 when none).
    pub scratch: Vec<(usize, usize)>,
    /// The buffers that were placed, with their offsets (for reports and tests).
    pub buffers: Vec<(Buffer, usize)>,
    /// Per step, the arena input whose bytes its output takes (in-place execution).
    pub in_place: Vec<Option<usize>>,
    /// Per step, whether it writes over its input a band of rows at a time, and how
    /// ([`rows`]).
    pub rows: Vec<Option<RowsInPlace>>,
    /// Per step, whether it runs fused with the next step ([`fused`]): the pair as one
    /// layer by rows (its shift and band in [`MemoryPlan::rows`]), the tensor between
    /// them never in the arena, the next step without code of its own.
    pub fused: Vec<bool>,
    /// The memory mode that chose [`MemoryPlan::in_place`].
    pub memory: MemoryMode,
    /// When the arena is split across memory regions ([`regions`]): each region's name
    /// and arena bytes, fastest first. Offsets then count region 0's bytes, then region
    /// 1's, and so on ([`MemoryPlan::arena_bytes`] is their sum); empty for one arena.
    pub regions: Vec<(String, usize)>,
}

impl MemoryPlan {
    /// Whether step `i` is either layer of a fused pair.
    pub fn in_fused_pair(&self, i: usize) -> bool {
        let fused = |k: usize| self.fused.get(k).copied().unwrap_or(false);
        fused(i) || (i > 0 && fused(i - 1))
    }

    /// The scratch bytes step `i`'s call gets as planned: `None` in a fused pair, whose
    /// loop splits the step's scratch between the pair's ring, window and kernels.
    pub fn granted_scratch(&self, i: usize) -> Option<usize> {
        (!self.in_fused_pair(i)).then(|| self.scratch[i].1)
    }

    /// Whether step `i` runs whole: not in place, not by rows, not in a fused pair. Such
    /// a step takes its kernel's whole-layer call (`Kernel::emit_whole`).
    pub fn runs_whole(&self, i: usize) -> bool {
        !matches!(self.in_place.get(i), Some(Some(_)))
            && !matches!(self.rows.get(i), Some(Some(_)))
            && !self.in_fused_pair(i)
    }
}

/// Per step, the arena input its output may write over: one its kernel offers
/// ([`crate::kernel::Kernel::in_place_inputs`]) of the output's type and size, whose
/// buffer (with its reinterpretations) no later step reads, which is no model output or
/// variable tensor (nor a model input unless `consume_inputs`), and which the step reads
/// through no other input.
/// Candidates are taken in execution order, so a chain of elementwise layers can run in
/// one buffer.
pub fn in_place_candidates(graph: &Graph, steps: &[Step], consume_inputs: bool) -> Vec<Option<usize>> {
    let n = graph.tensors.len();
    let mut root = reinterpretation_roots(n, steps);
    let last = last_uses(n, steps);
    let keep = kept_tensors(graph, consume_inputs);
    let mut members: Vec<Vec<TensorId>> = vec![Vec::new(); n];
    for t in 0..n {
        let r = find(&mut root, t);
        members[r].push(t);
    }
    let mut chosen = vec![None; steps.len()];
    for (i, s) in steps.iter().enumerate() {
        if s.kernel.is_reinterpretation() || s.outputs.len() != 1 {
            continue;
        }
        let out = &graph.tensors[s.output()];
        for k in s.kernel.in_place_inputs() {
            let Some(&t) = s.inputs.get(k) else { continue };
            let input = &graph.tensors[t];
            let r = find(&mut root, t);
            let shared = s.inputs.iter().enumerate().any(|(j, &u)| j != k && find(&mut root, u) == r);
            let dies = members[r].iter().all(|&m| !keep[m] && last[m] <= i);
            if input.dtype != out.dtype || input.elements() != out.elements() || shared || !dies {
                continue;
            }
            chosen[i] = Some(k);
            let o = find(&mut root, s.output());
            let moved = std::mem::take(&mut members[o]);
            members[r].extend(moved);
            root[o] = r;
            break;
        }
    }
    chosen
}

/// Derives the buffers to place from the lowered steps: tensor lifetimes, aliases of
/// reinterpreting steps, and `scratch[i]` bytes of scratch for step `i` (none when 0).
/// `rows` (empty, or one entry per step) names the steps that write over their input by
/// rows: their output and input share a buffer, the input `shift` bytes in. `fused`
/// (empty, or one entry per step) names the steps that run fused with the next: the pair
/// reads the first's input and writes the second's output at the first step, and the
/// tensor between them gets no buffer.
pub fn buffers_of(
    graph: &Graph,
    steps: &[Step],
    scratch: &[usize],
    in_place: &[Option<usize>],
    rows: &[Option<RowsInPlace>],
    fused: &[bool],
) -> Result<Vec<Buffer>, CompileError> {
    let fused_at = |i: usize| fused.get(i).copied().unwrap_or(false);
    // Each step's arena tensors: a fused pair's at its first step, none at its second.
    let io = |i: usize| -> (&[TensorId], &[TensorId]) {
        if i > 0 && fused_at(i - 1) {
            (&[], &[])
        } else if fused_at(i) {
            (&steps[i].inputs, &steps[i + 1].outputs)
        } else {
            (&steps[i].inputs, &steps[i].outputs)
        }
    };
    let n = graph.tensors.len();
    // Union reinterpretations with their source so they share one buffer, and the
    // outputs of in-place steps with the input they write over.
    let mut root = roots_with_in_place(n, steps, in_place);
    // Then the steps by rows, where the two tensors sit apart in their buffer: `at[t]`
    // is tensor `t`'s offset in its root's buffer.
    let mut at = vec![0usize; n];
    let mut by_rows = vec![false; n];
    for (i, r) in rows.iter().enumerate() {
        let Some(r) = r else { continue };
        // The output goes `shift` bytes before the input (nothing to do if they already
        // share a buffer).
        let (inputs, outputs) = io(i);
        join(&mut root, &mut at, inputs[0], outputs[0], -(r.shift as isize));
        (by_rows[inputs[0]], by_rows[outputs[0]]) = (true, true);
    }
    // Then the NPU steps, whose inputs and outputs sit in their region at the offsets
    // the command stream was compiled with.
    let regions = npu_regions(graph, steps, &mut root, &mut at)?;
    let last_step = steps.len().saturating_sub(1);
    let mut first = vec![usize::MAX; n];
    let mut last = vec![0usize; n];
    let mut bytes = vec![0usize; n];
    // Each tensor's own lifetime too, for the parts of buffers whose tensors sit apart.
    let (mut first_t, mut last_t) = (vec![usize::MAX; n], vec![0usize; n]);
    let mut touch = |root: &mut Vec<TensorId>, t: TensorId, step: usize| {
        let r = find(root, t);
        first[r] = first[r].min(step);
        last[r] = last[r].max(step);
        bytes[r] = bytes[r].max(at[t] + graph.tensors[t].bytes());
        first_t[t] = first_t[t].min(step);
        last_t[t] = last_t[t].max(step);
    };
    for &t in &graph.inputs {
        touch(&mut root, t, 0);
    }
    for i in 0..steps.len() {
        let (inputs, outputs) = io(i);
        for &t in inputs.iter().chain(outputs) {
            touch(&mut root, t, i);
        }
    }
    for &t in &graph.outputs {
        touch(&mut root, t, last_step);
    }
    let mut region_parts: Vec<Vec<Part>> = vec![Vec::new(); n];
    for (anchor, part) in regions {
        let r = find(&mut root, anchor);
        bytes[r] = bytes[r].max(part.shift + part.bytes);
        region_parts[r].push(part);
    }
    let mut members: Vec<Vec<TensorId>> = vec![Vec::new(); n];
    for t in 0..n {
        let r = find(&mut root, t);
        if first[r] != usize::MAX {
            members[r].push(t);
        }
    }
    let mut buffers = Vec::new();
    for r in 0..n {
        if first[r] != usize::MAX && find(&mut root, r) == r {
            if let Some(&c) = members[r].iter().find(|&&t| graph.tensors[t].is_const()) {
                return Err(CompileError::Model(format!(
                    "constant tensor #{c} '{}' is used where an activation is expected",
                    graph.tensors[c].name
                )));
            }
            // State outlives every invocation: live over the whole program.
            let persistent = members[r].iter().any(|&t| graph.tensors[t].is_variable);
            // Tensors apart in their buffer are placed as parts, each live as long as it is;
            // so are those of a buffer that layers by rows share even at one offset, where
            // a chain of them would otherwise hold its first input's bytes to the end.
            let apart = members[r].iter().any(|&t| at[t] != 0 || by_rows[t]) || !region_parts[r].is_empty();
            let parts = if apart && !persistent {
                let tensors = members[r].iter().filter(|&&t| first_t[t] != usize::MAX).map(|&t| Part {
                    shift: at[t],
                    bytes: graph.tensors[t].bytes(),
                    first: first_t[t],
                    last: last_t[t],
                });
                tensors.chain(region_parts[r].iter().copied()).collect()
            } else {
                Vec::new()
            };
            buffers.push(Buffer {
                bytes: bytes[r],
                first: if persistent { 0 } else { first[r] },
                last: if persistent { last_step } else { last[r] },
                shifts: members[r].iter().map(|&t| at[t]).collect(),
                kind: BufferKind::Tensors(members[r].clone()),
                persistent,
                parts,
            });
        }
    }
    for (i, &sb) in scratch.iter().enumerate().take(steps.len()) {
        if sb > 0 {
            buffers.push(Buffer {
                bytes: sb,
                first: i,
                last: i,
                kind: BufferKind::Scratch(i),
                shifts: Vec::new(),
                persistent: false,
                parts: Vec::new(),
            });
        }
    }
    Ok(buffers)
}

/// Puts tensor `b`'s buffer into tensor `a`'s so that `b` sits `delta` bytes after `a`
/// (`at[t]`: tensor `t`'s offset in its root's buffer); if that is before the buffer's
/// start, the members of `a`'s buffer move up to make room. False when both are already in
/// one buffer at another distance.
fn join(root: &mut [TensorId], at: &mut [usize], a: TensorId, b: TensorId, delta: isize) -> bool {
    let (ra, rb) = (find(root, a), find(root, b));
    if ra == rb {
        return at[b] as isize - at[a] as isize == delta;
    }
    let n = root.len();
    let moved: Vec<TensorId> = (0..n).filter(|&t| find(root, t) == rb).collect();
    let shift = at[a] as isize + delta - at[b] as isize;
    let lift = moved.iter().map(|&t| -(at[t] as isize + shift)).max().unwrap_or(0).max(0);
    lift_members(root, at, ra, lift as usize);
    for &t in &moved {
        at[t] = (at[t] as isize + shift + lift) as usize;
    }
    root[rb] = ra;
    true
}

/// Moves every tensor of buffer `r` up by `by` bytes.
fn lift_members(root: &mut [TensorId], at: &mut [usize], r: TensorId, by: usize) {
    for (t, a) in at.iter_mut().enumerate() {
        if find(root, t) == r {
            *a += by;
        }
    }
}

/// Joins each NPU step's inputs and outputs into one buffer at their offsets in its
/// region ([`crate::kernel::Kernel::npu_region`]), lifting the buffer's members so the
/// region starts at or after the buffer's start. Returns, per NPU step, its first input
/// (the anchor) and its region as a part of the anchor's buffer, live at that step.
fn npu_regions(
    graph: &Graph,
    steps: &[Step],
    root: &mut [TensorId],
    at: &mut [usize],
) -> Result<Vec<(TensorId, Part)>, CompileError> {
    let mut anchors = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let Some(region) = s.kernel.npu_region() else { continue };
        let tensors: Vec<TensorId> = s.inputs.iter().chain(&s.outputs).copied().collect();
        let (Some(&anchor), true) = (tensors.first(), tensors.len() == region.at.len()) else {
            return Err(CompileError::Model(format!("internal: NPU step #{} has no region layout", s.op_index)));
        };
        for (&t, &off) in tensors.iter().zip(&region.at).skip(1) {
            if !join(root, at, anchor, t, off as isize - region.at[0] as isize) {
                return Err(CompileError::Model(format!(
                    "tensor '{}' would sit at two places relative to the NPU step at operator #{}",
                    graph.tensors[t].name, s.op_index
                )));
            }
        }
        anchors.push((anchor, region.at[0], region.bytes, i));
    }
    // The region starts `at[anchor] - region.at[0]` into the buffer: lift buffers where
    // that is negative, then record where each region lies.
    for &(anchor, off, _, _) in &anchors {
        let lift = off.saturating_sub(at[anchor]);
        if lift > 0 {
            let r = find(root, anchor);
            lift_members(root, at, r, lift);
        }
    }
    Ok(anchors
        .into_iter()
        .map(|(anchor, off, bytes, step)| (anchor, Part { shift: at[anchor] - off, bytes, first: step, last: step }))
        .collect())
}

/// Plans the arena of `steps`: every kernel's minimum scratch first, then, step by step
/// in execution order, its preferred scratch wherever that leaves the arena no larger
/// (a faster kernel path for free: the scratch fits beside the tensors live at that step).
///
/// `mode` picks the in-place steps first, with the minimum scratch: none for
/// [`MemoryMode::Speed`]; for [`MemoryMode::Ram`] every candidate (elementwise, then
/// convolutions by rows, [`rows`]), model inputs included, less each whose removal
/// shrinks the arena; for [`MemoryMode::Balanced`] the elementwise candidates over
/// inputs that are not the model's, less each whose removal leaves the arena as small.
/// `ram` first fuses pairs of layers by rows ([`fused`]) while one shrinks the arena,
/// and after the drops splits again each pair whose removal leaves the arena as small.
/// Neither mode keeps a layer in place if the plan without any is smaller (`balanced`: as
/// small). Layers by rows (and fused pairs) then take the tallest band that keeps the
/// arena as small, and each layer by rows whose removal leaves it as small is dropped.
/// Last, at the same arena: a layer that runs whole without room for its preferred
/// scratch runs by rows with it per band, and each layer by rows takes the cheapest band
/// height and shift with bands written straight into place ([`rows::direct_options`]).
pub fn plan_program(
    graph: &Graph,
    steps: &[Step],
    kind: PlannerKind,
    mode: MemoryMode,
) -> Result<MemoryPlan, CompileError> {
    let n = steps.len();
    let (mut in_place, mut rows) = match mode {
        MemoryMode::Speed => (vec![None; n], vec![None; n]),
        // Convolutions by rows cost each layer's setup once per band (about 1,600
        // instructions on Helium, `rows::InPlaceCost`) and a copy of its output: `ram` only.
        MemoryMode::Balanced => (in_place_candidates(graph, steps, false), vec![None; n]),
        MemoryMode::Ram => {
            let in_place = in_place_candidates(graph, steps, true);
            let rows = rows::candidates(graph, steps, &in_place, true);
            (in_place, rows)
        }
    };
    let mut fused = vec![false; n];
    // An NPU step's tensors sit where its command stream expects them: no CPU layer
    // writes over them in place.
    let npu: Vec<TensorId> = steps
        .iter()
        .filter(|s| s.kernel.npu_region().is_some())
        .flat_map(|s| s.inputs.iter().chain(&s.outputs).copied())
        .collect();
    for (i, s) in steps.iter().enumerate() {
        if s.inputs.iter().chain(&s.outputs).any(|t| npu.contains(t)) {
            (in_place[i], rows[i]) = (None, None);
        }
    }
    if mode != MemoryMode::Speed {
        // Each candidate dropped again where the arena does not grow without it
        // (`balanced`: the fewest in-place layers for the smallest arena; one layer alone
        // rarely shrinks it, a chain of them does) or where it shrinks without it (`ram`:
        // a layer in place can crowd the placement of the others). Then the plan without
        // any, if that is smaller still.
        // The arena with every step's minimum scratch, but step `preferring`'s preferred
        // one (a padded copy of its input) where given.
        let arena_preferring = |ip: &[Option<usize>], r: &[Option<RowsInPlace>], f: &[bool], preferring| {
            let scratch = step_scratch(steps, r, f);
            let sizes: Vec<usize> = scratch
                .iter()
                .enumerate()
                .map(|(j, w)| if Some(j) == preferring { w.preferred } else { w.min })
                .collect();
            Ok::<_, CompileError>(plan(graph, steps, &buffers_of(graph, steps, &sizes, ip, r, f)?, kind).arena_bytes)
        };
        let arena = |ip: &[Option<usize>], r: &[Option<RowsInPlace>], f: &[bool]| arena_preferring(ip, r, f, None);
        let better = |new: usize, old: usize| if mode == MemoryMode::Ram { new < old } else { new <= old };
        let mut smallest = arena(&in_place, &rows, &fused)?;
        let single = rows.clone();
        if mode == MemoryMode::Ram {
            smallest = fuse_pairs(graph, steps, &in_place, &mut rows, &mut fused, smallest, &arena)?;
        }
        for i in 0..n {
            // A fused pair stays: it was taken only where it shrank the arena.
            let in_pair = fused[i] || (i > 0 && fused[i - 1]);
            if let Some(r) = rows[i].take_if(|_| !in_pair) {
                match arena(&in_place, &rows, &fused)? {
                    a if better(a, smallest) => smallest = a,
                    _ => rows[i] = Some(r),
                }
            }
            if let Some(k) = in_place[i].take() {
                match arena(&in_place, &rows, &fused)? {
                    a if better(a, smallest) => smallest = a,
                    _ => in_place[i] = Some(k),
                }
            }
        }
        // Then each pair fused apart again where the arena stays as small without it (a
        // pair taken while another layer set the arena may no longer be needed): the
        // fewest pairs, each of which costs instructions.
        for i in 0..n {
            if !fused[i] {
                continue;
            }
            let pair = (rows[i], rows[i + 1]);
            (rows[i], rows[i + 1], fused[i]) = (single[i], single[i + 1], false);
            if arena(&in_place, &rows, &fused)? > smallest {
                (rows[i], rows[i + 1], fused[i]) = (pair.0, pair.1, true);
            }
        }
        if better(arena(&vec![None; n], &vec![None; n], &vec![false; n])?, smallest) {
            (in_place, rows, fused) = (vec![None; n], vec![None; n], vec![false; n]);
        }
        // Then each layer by rows takes the tallest band that keeps the arena as small:
        // fewer kernel calls, each of which repeats the kernel's setup, for no bytes.
        for i in 0..n {
            let (Some(r), Some(w)) = (rows[i], rows_window(steps, &fused, i)) else { continue };
            for band in (r.band + 1..=w.output_h).rev() {
                rows[i] = Some(RowsInPlace { band, ..r });
                if arena(&in_place, &rows, &fused)? <= smallest {
                    break;
                }
                rows[i] = Some(r);
            }
        }
        // Then each layer by rows dropped where the arena stays as small without it: a
        // layer away from the arena's peak takes its whole height as one band, its ring
        // the whole output, and only pays the copy out of it (VWW's layers 5 to 26, about
        // 58,000 instructions for no byte).
        for i in 0..n {
            let in_pair = fused[i] || (i > 0 && fused[i - 1]);
            if let Some(r) = rows[i].take_if(|_| !in_pair) {
                if arena(&in_place, &rows, &fused)? > smallest {
                    rows[i] = Some(r);
                }
            }
        }
        // Then a layer that runs whole where the arena has no room for its preferred
        // scratch (a padded copy of its input, without which every pixel at the border
        // clips its window: KWS's first layer, 10x4 over one channel, 13k instructions
        // more) runs by rows instead, if the tallest band whose own padded copy then
        // fits keeps the arena as small, its bands written straight into place.
        for i in 0..n {
            let (Some(r), Some(w)) = (single[i], steps[i].kernel.row_window()) else { continue };
            let own = steps[i].kernel.scratch();
            let taken = rows[i].is_some() || fused[i] || (i > 0 && fused[i - 1]);
            if taken || own.preferred <= own.min || arena_preferring(&in_place, &rows, &fused, Some(i))? <= smallest {
                continue;
            }
            for band in (1..=w.output_h).rev() {
                let Some(shift) = rows::fewest_ring_shift(&w, RowsInPlace { band, direct: true, ..r }) else {
                    continue;
                };
                rows[i] = Some(RowsInPlace { shift, band, direct: true });
                if arena_preferring(&in_place, &rows, &fused, Some(i))? <= smallest {
                    break;
                }
                rows[i] = None;
            }
        }
        // Last, each layer by rows (and pair) writes straight into place the bands whose
        // rows land on dead input, at the band height and shift of the fewest estimated
        // instructions that keep the arena as small (`rows::direct_options`; micro_speech:
        // two-row bands, every one direct, at the same arena). After the choices above,
        // which weighed the ring as it was: planned with direct bands from the start, the
        // greedy passes settled on larger arenas (VWW: 36,864 B against 28,032 B).
        for i in 0..n {
            let (Some(r), Some(w)) = (rows[i], rows_window(steps, &fused, i)) else { continue };
            let chain = fused[i].then(|| fused::chain(steps, i)).flatten();
            let cost = |r: RowsInPlace| match &chain {
                Some(c) => rows::InPlaceCost::MPS3_AN547.fused(c, r),
                None => rows::InPlaceCost::MPS3_AN547.rows(&w, r),
            };
            for option in rows::direct_options(&w, r, cost) {
                rows[i] = Some(option);
                if arena(&in_place, &rows, &fused)? <= smallest {
                    break;
                }
                rows[i] = Some(r);
            }
        }
    }
    let wanted = step_scratch(steps, &rows, &fused);
    let mut sizes: Vec<usize> = wanted.iter().map(|w| w.min).collect();
    let mut best = plan(graph, steps, &buffers_of(graph, steps, &sizes, &in_place, &rows, &fused)?, kind);
    for (i, w) in wanted.iter().enumerate() {
        if w.preferred <= sizes[i] {
            continue;
        }
        let min = std::mem::replace(&mut sizes[i], w.preferred);
        let candidate = plan(graph, steps, &buffers_of(graph, steps, &sizes, &in_place, &rows, &fused)?, kind);
        if candidate.arena_bytes <= best.arena_bytes {
            best = candidate;
        } else {
            sizes[i] = min;
        }
    }
    best.in_place = in_place;
    best.rows = rows;
    best.fused = fused;
    best.memory = mode;
    Ok(best)
}

/// The arena of a plan with the given in-place layers, layers by rows and fused pairs.
type ArenaOf<'a> = dyn Fn(&[Option<usize>], &[Option<RowsInPlace>], &[bool]) -> Result<usize, CompileError> + 'a;

/// Fuses pairs of layers ([`fused`]) while one makes the arena (`smallest` now)
/// smaller, the pair that shrinks it most first: a pair replaces its two layers' rows
/// forms. Returns the arena then.
fn fuse_pairs(
    graph: &Graph,
    steps: &[Step],
    in_place: &[Option<usize>],
    rows: &mut [Option<RowsInPlace>],
    fused: &mut [bool],
    mut smallest: usize,
    arena: &ArenaOf<'_>,
) -> Result<usize, CompileError> {
    let pairs = fused::candidates(graph, steps, in_place, rows, true);
    loop {
        let mut best: Option<(usize, RowsInPlace, usize)> = None;
        for &(i, r) in &pairs {
            let taken = |j: usize| fused.get(j).copied().unwrap_or(false);
            if taken(i) || taken(i + 1) || (i > 0 && taken(i - 1)) {
                continue;
            }
            let saved = (rows[i], rows[i + 1]);
            (rows[i], rows[i + 1], fused[i]) = (Some(r), None, true);
            let a = arena(in_place, rows, fused)?;
            (rows[i], rows[i + 1], fused[i]) = (saved.0, saved.1, false);
            if a < best.map_or(smallest, |b| b.2) {
                best = Some((i, r, a));
            }
        }
        let Some((i, r, a)) = best else { return Ok(smallest) };
        (rows[i], rows[i + 1], fused[i]) = (Some(r), None, true);
        smallest = a;
    }
}

/// The row window step `i` runs by: its own, or its pair's when it is fused with the
/// next step.
pub fn rows_window(steps: &[Step], fused: &[bool], i: usize) -> Option<RowWindow> {
    if fused.get(i).copied().unwrap_or(false) {
        fused::chain(steps, i).map(|c| c.window())
    } else {
        steps[i].kernel.row_window()
    }
}

/// Each step's scratch: its kernel's; for a step by rows its ring and band scratch; for a
/// pair fused, the pair's at its first step and none at its second.
pub fn step_scratch(steps: &[Step], rows: &[Option<RowsInPlace>], fused: &[bool]) -> Vec<Scratch> {
    let fused_at = |i: usize| fused.get(i).copied().unwrap_or(false);
    (0..steps.len())
        .map(|i| {
            let s = &steps[i];
            if i > 0 && fused_at(i - 1) {
                return Scratch::NONE;
            }
            match (rows[i], s.kernel.row_window(), fused::chain(steps, i).filter(|_| fused_at(i))) {
                (Some(r), _, Some(c)) => fused::scratch(steps, i, &c, r),
                (Some(r), Some(w), None) => rows::scratch(s.kernel.as_ref(), &w, r),
                _ => s.kernel.scratch(),
            }
        })
        .collect()
}

/// Places `buffers` with the chosen strategy and records every tensor's offset. Variable
/// tensors come first, one after another (the persistent region, as TFLM allocates them
/// apart from the planned arena); the strategy places the rest after them.
pub fn plan(graph: &Graph, steps: &[Step], buffers: &[Buffer], kind: PlannerKind) -> MemoryPlan {
    let (offsets, persistent_bytes) = place(buffers, kind);
    let (tensor_offsets, scratch) = tensor_and_scratch_offsets(buffers, &offsets, graph.tensors.len(), steps.len());
    let arena_bytes = buffers.iter().zip(&offsets).map(|(b, off)| off + b.bytes).max().unwrap_or(0);
    MemoryPlan {
        arena_bytes: align_up(arena_bytes),
        persistent_bytes,
        tensor_offsets,
        scratch,
        buffers: buffers.iter().cloned().zip(offsets).collect(),
        in_place: vec![None; steps.len()],
        rows: vec![None; steps.len()],
        fused: vec![false; steps.len()],
        memory: MemoryMode::Speed,
        regions: Vec::new(),
    }
}

/// Per tensor its offset, per step its scratch (offset, bytes), from the buffers placed
/// at `offsets` (`tensors` tensors, `steps` steps).
fn tensor_and_scratch_offsets(
    buffers: &[Buffer],
    offsets: &[usize],
    tensors: usize,
    steps: usize,
) -> (Vec<Option<usize>>, Vec<(usize, usize)>) {
    let mut tensor_offsets = vec![None; tensors];
    let mut scratch = vec![(0, 0); steps];
    for (b, &off) in buffers.iter().zip(offsets) {
        match &b.kind {
            BufferKind::Tensors(ts) => {
                for (&t, &shift) in ts.iter().zip(&b.shifts) {
                    tensor_offsets[t] = Some(off + shift);
                }
            }
            BufferKind::Scratch(step) => scratch[*step] = (off, b.bytes),
        }
    }
    (tensor_offsets, scratch)
}

/// Offsets of `buffers` in one arena: the variable tensors first, one after another (the
/// persistent region, whose size comes second), then the rest by the strategy.
pub fn place(buffers: &[Buffer], kind: PlannerKind) -> (Vec<usize>, usize) {
    let mut offsets = vec![0; buffers.len()];
    let mut persistent_bytes = 0;
    for (b, off) in buffers.iter().zip(&mut offsets).filter(|(b, _)| b.persistent) {
        *off = persistent_bytes;
        persistent_bytes += align_up(b.bytes);
    }
    let planned: Vec<Buffer> = buffers.iter().filter(|b| !b.persistent).cloned().collect();
    let mut placed = kind.planner().place(&planned).into_iter();
    for (b, off) in buffers.iter().zip(&mut offsets) {
        if !b.persistent {
            *off = persistent_bytes + placed.next().expect("an offset per planned buffer");
        }
    }
    (offsets, persistent_bytes)
}

/// Checks a placement: aligned, and no two buffers' parts live at the same time share
/// bytes.
pub fn check_placement(buffers: &[Buffer], offsets: &[usize]) -> Result<(), String> {
    for (i, (a, &oa)) in buffers.iter().zip(offsets).enumerate() {
        if oa % ALIGN != 0 {
            return Err(format!("buffer {i} at {oa} is not aligned"));
        }
        for (j, (b, &ob)) in buffers.iter().zip(offsets).enumerate().skip(i + 1) {
            for p in a.live_parts() {
                for q in b.live_parts() {
                    let (pa, qb) = (oa + p.shift, ob + q.shift);
                    let disjoint = pa + p.bytes <= qb || qb + q.bytes <= pa || p.bytes == 0 || q.bytes == 0;
                    if p.overlaps_in_time(&q) && !disjoint {
                        return Err(format!("buffers {i} and {j} overlap while both live"));
                    }
                }
            }
        }
    }
    Ok(())
}
