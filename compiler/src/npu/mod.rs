//! Layers on an NPU: a model compiled with the operators Arm's Vela put on an Ethos-U
//! as NPU steps, and the rest as the usual CPU steps ([`compile_offloaded`]).
//!
//! Vela (`ethos-u-vela`) turns a model into another `.tflite` in which each run of
//! operators it places on the NPU is one `ethos-u` custom operator carrying a command
//! stream ([`vela_model`]). This module maps each back onto the operators of the input
//! model ([`partition`]) and puts one [`step::EthosUStep`] in their place. The step's
//! region (the scratch Vela planned, with the step's inputs and outputs at Vela's
//! offsets) becomes part of the one arena the CPU steps use too ([`crate::plan`]).
//!
//! [`NpuMode::Simulated`] replaces each command stream by the operators it stands for,
//! run by this compiler's kernels in the step's scratch, from and to the places of the
//! device's plan: the program then runs on a CPU alone (the host, QEMU), which tests the
//! partition, the embedding into one program and the arena plan around the NPU steps
//! against the TFLM reference, without an NPU. What it cannot test is the command
//! stream itself: that needs the NPU.

pub mod neutron_model;
mod output_model;
pub mod partition;
pub mod step;
pub mod vela;
pub mod vela_model;

use crate::error::CompileError;
use crate::graph::Graph;
use crate::kernel::{NpuRegion, Step};
use crate::ops;
use crate::plan::MemoryMode;
use crate::program::{check_io, compile_graph, lower_step, plan_steps, CompileOptions, Program};
use partition::NpuRun;
use step::EthosUStep;
use vela_model::EthosUOp;

/// How NPU steps run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NpuMode {
    /// On the NPU: the generated code passes each step's command stream to the driver.
    #[default]
    Device,
    /// On the CPU: each step runs the operators it stands for ([`step::EthosUStep`]).
    Simulated,
}

impl NpuMode {
    /// The mode's name (`device`, `simulated`), as `TINYML_NPU` takes it.
    pub fn name(self) -> &'static str {
        match self {
            NpuMode::Device => "device",
            NpuMode::Simulated => "simulated",
        }
    }

    /// The mode named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        [NpuMode::Device, NpuMode::Simulated].into_iter().find(|m| m.name() == name)
    }
}

/// Compiles `graph` with the operators that Vela's output model `vela` (Vela run on the
/// same model) places on the NPU as NPU steps.
pub fn compile_offloaded(
    graph: Graph,
    vela: &[u8],
    mode: NpuMode,
    options: &CompileOptions,
) -> Result<Program, CompileError> {
    check_io(&graph)?;
    let ethos_u = vela_model::ethos_u_ops(vela)?;
    let runs = partition::runs(&graph, &ethos_u)?;
    let mut run_of = vec![None; graph.operators.len()];
    for (r, run) in runs.iter().enumerate() {
        for &i in &run.operators {
            run_of[i] = Some(r);
        }
    }
    check_order(&graph, &runs, &run_of)?;
    // The CPU steps: the operators outside every run (those inside need no CPU kernel on
    // a device, so an operator only the NPU supports is no error there).
    let mut steps = Vec::with_capacity(graph.operators.len());
    for op in &graph.operators {
        match run_of[op.index] {
            None => steps.push(lower_step(&graph, op)?),
            Some(r) if runs[r].operators.last() == Some(&op.index) => {
                let run = &runs[r];
                let kernel = npu_step(&graph, run, &ethos_u[r], mode, options)?;
                steps.push(Step {
                    op_index: op.index,
                    kernel: Box::new(kernel),
                    inputs: run.inputs.clone(),
                    outputs: run.outputs.clone(),
                });
            }
            Some(_) => {}
        }
    }
    plan_steps(graph, steps, options)
}

/// An NPU step stands where the last operator of its run was: every operator outside
/// the run that reads one of its outputs must come after that.
fn check_order(graph: &Graph, runs: &[NpuRun], run_of: &[Option<usize>]) -> Result<(), CompileError> {
    for (r, run) in runs.iter().enumerate() {
        let Some(&last) = run.operators.last() else { continue };
        for op in graph.operators.iter().filter(|o| run_of[o.index] != Some(r) && o.index < last) {
            if let Some(&t) = op.inputs.iter().flatten().find(|t| run.outputs.contains(t)) {
                return Err(CompileError::Model(format!(
                    "Vela's command stream {}: operator #{} reads its output '{}' before the stream's last operator #{last}",
                    run.stream + 1,
                    op.index,
                    graph.tensors[t].name
                )));
            }
        }
    }
    Ok(())
}

fn npu_step(
    graph: &Graph,
    run: &NpuRun,
    op: &EthosUOp,
    mode: NpuMode,
    options: &CompileOptions,
) -> Result<EthosUStep, CompileError> {
    let stream = run.stream;
    if !op.fast_is_scratch {
        return Err(CompileError::Model(format!(
            "Vela's command stream {}: a fast scratch apart from the scratch ({} B) is not supported yet; \
             compile with a memory mode that shares them (Vela's --memory-mode Shared_Sram or Sram_Only)",
            stream + 1,
            op.fast_scratch_bytes
        )));
    }
    let ops_of_run = || run.operators.iter().map(|&i| &graph.operators[i]);
    let at = op.inputs.iter().chain(&op.outputs).map(|m| m.offset).collect();
    let simulation = match mode {
        NpuMode::Device => None,
        NpuMode::Simulated => {
            // The run alone as a model of its own, planned for the fewest instructions;
            // the step copies its inputs in and its outputs out.
            let sub = Graph {
                tensors: graph.tensors.clone(),
                operators: ops_of_run().cloned().collect(),
                inputs: run.inputs.clone(),
                outputs: run.outputs.clone(),
                description: graph.description.clone(),
            };
            Some(Box::new(compile_graph(sub, &CompileOptions { memory: MemoryMode::Speed, ..options.clone() })?))
        }
    };
    // MACs as this compiler counts them: the simulation's, else of the operators it can
    // lower (a device build needs no CPU kernel for them).
    let macs = match &simulation {
        Some(sim) => sim.macs(),
        None => ops_of_run().filter_map(|o| ops::lower(graph, o).ok()).map(|l| l.kernel.macs()).sum(),
    };
    Ok(EthosUStep {
        stream,
        operators: run.operators.clone(),
        macs,
        region: NpuRegion { bytes: op.scratch_bytes, at },
        payload: op.payload.clone(),
        weights: op.weights.clone(),
        simulation,
    })
}
