//! The step loop both back ends share: every step of a program with its one-line summary
//! and, unless it is a reinterpretation, its [`Call`] (constants added to the emitter in
//! step order, so both back ends name them alike).

use crate::kernel::{Call, Emitter, Step};
use crate::program::Program;

/// One step as the back ends render it.
pub struct Layer<'p> {
    /// Step index.
    pub index: usize,
    /// The step.
    pub step: &'p Step,
    /// `CONV_2D: [1, 49, 40, 1] -> [1, 25, 20, 8]; 640000 MACs`, for a comment.
    pub summary: String,
    /// The kernel call; `None` for a reinterpretation, which has no code.
    pub call: Option<Call>,
}

/// The layers of `p`, their constants collected in `e`. With `in_place`, a step the
/// plan runs in place gets its in-place call ([`crate::kernel::Kernel::emit_in_place`],
/// [`crate::kernel::Kernel::emit_rows`]; the two steps of a fused pair each their
/// ordinary call, which the back end runs band by band);
/// without, its ordinary call, for back ends whose kernels read each element before
/// they write it, so that the same pointer can be both input and output (C).
pub fn layers<'p>(p: &'p Program, e: &mut Emitter, in_place: bool) -> Vec<Layer<'p>> {
    let g = &p.graph;
    p.steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            e.set_layer(index);
            let shapes: Vec<String> = step.inputs.iter().map(|&t| format!("{:?}", g.tensors[t].shape)).collect();
            let summary = format!(
                "{}: {} -> {}; {} MACs",
                step.kernel.op_name(),
                shapes.join(", "),
                step.outputs.iter().map(|&t| format!("{:?}", g.tensors[t].shape)).collect::<Vec<_>>().join(", "),
                step.kernel.macs()
            );
            // A fused pair keeps both plain calls: the back end runs each on bands.
            let in_pair = p.plan.in_fused_pair(index);
            e.set_scratch(p.plan.granted_scratch(index));
            let call =
                (!step.kernel.is_reinterpretation()).then(|| match (p.plan.in_place[index], p.plan.rows[index]) {
                    _ if in_pair => step.kernel.emit(e),
                    (Some(k), _) if in_place => step.kernel.emit_in_place(e, k),
                    (_, Some(r)) if in_place => step.kernel.emit_rows(e, r.shift, r.band, r.direct),
                    _ => step.kernel.emit_whole(e),
                });
            Layer { index, step, summary, call }
        })
        .collect()
}
