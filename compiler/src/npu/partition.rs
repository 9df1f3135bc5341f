//! Which operators of the input model each `ethos-u` operator of Vela's output model
//! stands for. Vela keeps the input model's tensor names for the feature maps an
//! `ethos-u` operator reads and writes, so its operators are found from the model's own
//! graph: every operator on a path from those inputs to those outputs. The run is then
//! checked to be a closed piece of the graph (it reads nothing else, and nothing outside
//! it reads its intermediate tensors), so that one step can take the place of all of it.

use super::vela_model::{EthosUOp, FeatureMap};
use crate::error::CompileError;
use crate::graph::{Graph, TensorId};

/// The operators of the input model that one `ethos-u` operator runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NpuRun {
    /// The `ethos-u` operator's position among Vela's (0 for the first command stream).
    pub stream: usize,
    /// Operator indices of the input model, in execution order.
    pub operators: Vec<usize>,
    /// The tensors it reads, in the `ethos-u` operator's input order.
    pub inputs: Vec<TensorId>,
    /// The tensors it writes.
    pub outputs: Vec<TensorId>,
}

fn model_error(stream: usize, what: impl std::fmt::Display) -> CompileError {
    CompileError::Model(format!("Vela's command stream {}: {what}", stream + 1))
}

/// The tensor of `graph` that Vela's feature map `map` is: same name, not constant, same
/// element count.
fn tensor_named(graph: &Graph, stream: usize, map: &FeatureMap) -> Result<TensorId, CompileError> {
    let found: Vec<TensorId> = (0..graph.tensors.len())
        .filter(|&t| graph.tensors[t].name == map.name && !graph.tensors[t].is_const())
        .collect();
    match found.as_slice() {
        [t] if graph.tensors[*t].elements() == map.elements => Ok(*t),
        [t] => Err(model_error(
            stream,
            format!(
                "tensor '{}' has {} elements in Vela's model and {} in this one: was Vela run on another model?",
                map.name,
                map.elements,
                graph.tensors[*t].elements()
            ),
        )),
        [] => Err(model_error(
            stream,
            format!(
                "reads or writes tensor '{}', which this model does not have: was Vela run on another model?",
                map.name
            ),
        )),
        _ => Err(model_error(stream, format!("several tensors of this model are named '{}'", map.name))),
    }
}

/// The run of each operator of `ops` (Vela's, in order) in `graph`, the model Vela compiled.
pub fn runs(graph: &Graph, ops: &[EthosUOp]) -> Result<Vec<NpuRun>, CompileError> {
    let n = graph.tensors.len();
    let mut producer: Vec<Option<usize>> = vec![None; n];
    for op in &graph.operators {
        for &t in &op.outputs {
            producer[t] = Some(op.index);
        }
    }
    let mut taken = vec![false; graph.operators.len()];
    let mut runs = Vec::with_capacity(ops.len());
    for (stream, e) in ops.iter().enumerate() {
        let inputs: Vec<TensorId> =
            e.inputs.iter().map(|m| tensor_named(graph, stream, m)).collect::<Result<_, _>>()?;
        let outputs: Vec<TensorId> =
            e.outputs.iter().map(|m| tensor_named(graph, stream, m)).collect::<Result<_, _>>()?;
        // Back from the outputs to the inputs: every operator met is in the run.
        let mut in_run = vec![false; graph.operators.len()];
        let mut todo: Vec<TensorId> = outputs.clone();
        while let Some(t) = todo.pop() {
            if inputs.contains(&t) {
                continue;
            }
            let Some(p) = producer[t] else {
                return Err(model_error(
                    stream,
                    format!(
                        "needs tensor '{}', which is neither among its inputs nor computed by it",
                        graph.tensors[t].name
                    ),
                ));
            };
            if std::mem::replace(&mut in_run[p], true) {
                continue;
            }
            todo.extend(graph.operators[p].inputs.iter().flatten().filter(|&&u| !graph.tensors[u].is_const()));
        }
        let operators: Vec<usize> = (0..graph.operators.len()).filter(|&i| in_run[i]).collect();
        // Closed: what the run computes is read outside it only through its outputs.
        for op in graph.operators.iter().filter(|o| !in_run[o.index]) {
            for &t in op.inputs.iter().flatten() {
                if producer[t].is_some_and(|p| in_run[p]) && !outputs.contains(&t) {
                    return Err(model_error(
                        stream,
                        format!(
                            "operator #{} reads tensor '{}', which Vela computes on the NPU but does not output",
                            op.index, graph.tensors[t].name
                        ),
                    ));
                }
            }
        }
        for &t in &graph.outputs {
            if producer[t].is_some_and(|p| in_run[p]) && !outputs.contains(&t) {
                return Err(model_error(
                    stream,
                    format!("model output '{}' stays inside the NPU run", graph.tensors[t].name),
                ));
            }
        }
        for &i in &operators {
            if std::mem::replace(&mut taken[i], true) {
                return Err(model_error(stream, format!("operator #{i} belongs to two command streams")));
            }
        }
        runs.push(NpuRun { stream, operators, inputs, outputs });
    }
    Ok(runs)
}
