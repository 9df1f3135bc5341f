//! Which tensors share a buffer, as a union-find over tensor ids, and the liveness facts
//! the in-place choices read: shared by the planner (`buffers_of`) and the in-place
//! candidates (elementwise here in `plan`, convolutions by rows in `plan::rows`).

use crate::graph::{Graph, TensorId};
use crate::kernel::Step;

/// Reinterpretations (RESHAPE) unioned with their source: `root[t]` after [`find`]
/// names the buffer of tensor `t`.
pub(super) fn reinterpretation_roots(n: usize, steps: &[Step]) -> Vec<TensorId> {
    let mut root: Vec<TensorId> = (0..n).collect();
    for s in steps {
        if s.kernel.is_reinterpretation() {
            let a = find(&mut root, s.inputs[0]);
            let b = find(&mut root, s.output());
            root[b] = a;
        }
    }
    root
}

/// [`reinterpretation_roots`] with the outputs of elementwise in-place steps unioned with
/// the input they write over.
pub(super) fn roots_with_in_place(n: usize, steps: &[Step], in_place: &[Option<usize>]) -> Vec<TensorId> {
    let mut root = reinterpretation_roots(n, steps);
    for (s, k) in steps.iter().zip(in_place) {
        if let Some(k) = *k {
            let a = find(&mut root, s.inputs[k]);
            let b = find(&mut root, s.output());
            root[b] = a;
        }
    }
    root
}

/// Per tensor, the last step that reads or writes it.
pub(super) fn last_uses(n: usize, steps: &[Step]) -> Vec<usize> {
    let mut last = vec![0usize; n];
    for (i, s) in steps.iter().enumerate() {
        for &t in s.inputs.iter().chain(&s.outputs) {
            last[t] = i;
        }
    }
    last
}

/// Per tensor, whether no layer may write over it: model outputs, variable tensors and
/// constants, and model inputs unless `consume_inputs`.
pub(super) fn kept_tensors(graph: &Graph, consume_inputs: bool) -> Vec<bool> {
    let mut keep: Vec<bool> = graph.tensors.iter().map(|t| t.is_variable || t.is_const()).collect();
    for &t in &graph.outputs {
        keep[t] = true;
    }
    if !consume_inputs {
        for &t in &graph.inputs {
            keep[t] = true;
        }
    }
    keep
}

pub(super) fn find(root: &mut [TensorId], mut t: TensorId) -> TensorId {
    while root[t] != t {
        root[t] = root[root[t]];
        t = root[t];
    }
    t
}
