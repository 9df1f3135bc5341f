//! A compiled program: the lowered steps of a graph and their memory plan. This is what
//! both the host executor and the code generators consume.

use crate::error::CompileError;
use crate::graph::{Graph, TensorId};
use crate::kernel::Step;
use crate::ops;
use crate::plan::{self, MemoryPlan, PlannerKind};

/// Choices that change what the compiler produces.
#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// Memory planning strategy.
    pub planner: PlannerKind,
}

/// A graph lowered to kernel calls with a memory plan.
#[derive(Debug)]
pub struct Program {
    /// The imported graph (tensors keep their shapes, types and quantization).
    pub graph: Graph,
    /// Steps in execution order.
    pub steps: Vec<Step>,
    /// Where every arena tensor and scratch buffer lives.
    pub plan: MemoryPlan,
}

impl Program {
    /// Byte offset of an arena tensor.
    pub fn offset(&self, t: TensorId) -> usize {
        self.plan.tensor_offsets[t].expect("planned tensor")
    }

    /// Total constant bytes (weights, biases, per-channel tables) kept in flash.
    pub fn const_bytes(&self) -> usize {
        self.steps.iter().map(|s| s.kernel.const_bytes()).sum()
    }

    /// Total multiply-accumulates per inference.
    pub fn macs(&self) -> u64 {
        self.steps.iter().map(|s| s.kernel.macs()).sum()
    }
}

/// Imports, lowers and plans a `.tflite` model.
pub fn compile(bytes: &[u8], options: &CompileOptions) -> Result<Program, CompileError> {
    let graph = crate::tflite::import(bytes)?;
    compile_graph(graph, options)
}

/// Lowers and plans an already imported graph.
pub fn compile_graph(graph: Graph, options: &CompileOptions) -> Result<Program, CompileError> {
    if graph.inputs.is_empty() || graph.outputs.is_empty() {
        return Err(CompileError::Model("the model has no inputs or no outputs".into()));
    }
    for &t in graph.inputs.iter().chain(&graph.outputs) {
        if graph.tensors[t].is_const() {
            return Err(CompileError::Model(format!(
                "model input/output tensor #{t} '{}' is constant",
                graph.tensors[t].name
            )));
        }
    }
    let mut steps = Vec::with_capacity(graph.operators.len());
    for op in &graph.operators {
        let lowered = ops::lower(&graph, op)?;
        steps.push(Step { op_index: op.index, kernel: lowered.kernel, inputs: lowered.inputs, output: lowered.output });
    }
    let plan = plan::plan_program(&graph, &steps, options.planner)?;
    Ok(Program { graph, steps, plan })
}
