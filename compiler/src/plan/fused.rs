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
        scratch_bytes(
            c,
            rows.shift,
            rows.band,
            rows.direct,
            |band| pick(a.band_scratch(band)),
            |band| pick(b.band_scratch(band)),
        )
    };
    Scratch { min: with(|s| s.min), preferred: with(|s| s.preferred) }
}

/// The shift that makes the chain's buffer plus its minimum scratch smallest, with that
/// size ([`super::rows::best_shift`] for a chain).
fn best_shift(steps: &[Step], i: usize, c: &Chain) -> (usize, usize) {
    smallest_shift(&c.window(), |shift| scratch(steps, i, c, RowsInPlace { shift, band: BAND, direct: false }).min)
}

/// Every step that may start a chain, with the chain's shift (one band per output row),
/// given the elementwise in-place layers and the layers by rows already chosen; none
/// whose input or output an NPU step reads or writes.
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
    // An NPU step's tensors sit where its command stream expects them.
    let npu: Vec<usize> = steps
        .iter()
        .filter(|s| s.kernel.npu_region().is_some())
        .flat_map(|s| s.inputs.iter().chain(&s.outputs).copied())
        .collect();
    let mut found = Vec::new();
    for i in 0..steps.len() {
        if let Some(c) =
            chain(steps, i).filter(|_| !npu.contains(&steps[i].inputs[0]) && !npu.contains(&steps[i + 1].output()))
        {
            let (a, m) = (find(&mut root, steps[i].inputs[0]), steps[i].output());
            let alone = (0..n).all(|t| (find(&mut root, t) == m) == (t == m));
            let dies = (0..n).all(|t| find(&mut root, t) != a || (!keep[t] && last[t] <= i));
            if alone && dies && !keep[m] && last[m] == i + 1 && in_place[i].is_none() && in_place[i + 1].is_none() {
                let (shift, _) = best_shift(steps, i, &c);
                found.push((i, RowsInPlace { shift, band: BAND, direct: false }));
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

#[cfg(test)]
mod tests {
    use crate::graph::{opcode, Activation, DType, Graph, OpCode, Operator, Options, Padding, Quant, Tensor};
    use crate::plan::MemoryMode;
    use crate::program::{compile_graph, CompileOptions};

    fn tensor(name: &str, shape: &[usize], data: Option<Vec<u8>>) -> Tensor {
        // Weights are symmetric (zero point 0), as TFLM's per-channel kernels require.
        let zero_point = if data.is_some() { 0 } else { -3 };
        Tensor {
            name: name.to_owned(),
            shape: shape.to_vec(),
            dtype: DType::I8,
            quant: Some(Quant { scale: vec![0.05], zero_point: vec![zero_point], axis: 0 }),
            data,
            is_variable: false,
        }
    }

    /// A pointwise layer widening 2 to 16 channels at 12 x 12, then a 3x3 depthwise layer
    /// of stride 2: the 2,304 B tensor between them is the model's largest. With
    /// `also_output`, that tensor is a model output too.
    fn pointwise_then_depthwise(also_output: bool) -> Graph {
        let weights = |n: usize| Some((0..n).map(|i| (i * 7 % 13) as u8).collect());
        let op = |index, code, inputs: Vec<usize>, output, options| Operator {
            index,
            opcode: OpCode::Builtin(code),
            inputs: inputs.into_iter().map(Some).collect(),
            outputs: vec![output],
            options,
            custom_options: Vec::new(),
        };
        let conv = Options::Conv2D {
            padding: Padding::Same,
            stride_w: 1,
            stride_h: 1,
            dilation_w: 1,
            dilation_h: 1,
            activation: Activation::Relu,
        };
        let depthwise = Options::DepthwiseConv2D {
            padding: Padding::Same,
            stride_w: 2,
            stride_h: 2,
            dilation_w: 1,
            dilation_h: 1,
            depth_multiplier: 1,
            activation: Activation::None,
        };
        Graph {
            tensors: vec![
                tensor("in", &[1, 12, 12, 2], None),
                tensor("pw", &[16, 1, 1, 2], weights(32)),
                tensor("mid", &[1, 12, 12, 16], None),
                tensor("dw", &[1, 3, 3, 16], weights(144)),
                tensor("out", &[1, 6, 6, 16], None),
            ],
            operators: vec![
                op(0, opcode::CONV_2D, vec![0, 1], 2, conv),
                op(1, opcode::DEPTHWISE_CONV_2D, vec![2, 3], 4, depthwise),
            ],
            inputs: vec![0],
            outputs: if also_output { vec![4, 2] } else { vec![4] },
            description: String::new(),
        }
    }

    fn compile(g: Graph, memory: MemoryMode) -> crate::Program {
        compile_graph(g, &CompileOptions { memory, ..Default::default() }).expect("compiles")
    }

    #[test]
    fn ram_fuses_the_pair_and_computes_what_speed_does() {
        let input: Vec<u8> = (0..288).map(|i| (i * 31 % 256) as u8).collect();
        let ram = compile(pointwise_then_depthwise(false), MemoryMode::Ram);
        let speed = compile(pointwise_then_depthwise(false), MemoryMode::Speed);
        assert_eq!(ram.plan.fused, vec![true, false]);
        assert_eq!(ram.plan.tensor_offsets[2], None, "the tensor between them has no arena bytes");
        assert!(ram.plan.arena_bytes < 2_304, "{} B", ram.plan.arena_bytes);
        assert_eq!(ram.run(&[&input]).unwrap(), speed.run(&[&input]).unwrap());
        assert!(speed.plan.fused.iter().all(|f| !f));
        // The generated code runs the pair as one loop and gives the second layer no code.
        let code = crate::codegen::rust::generate_with(&ram, &Default::default());
        assert!(code.contains("fused_rows::run(") && code.contains("(fused into #0"), "{code}");
        let balanced = compile(pointwise_then_depthwise(false), MemoryMode::Balanced);
        assert!(balanced.plan.fused.iter().all(|f| !f));
    }

    #[test]
    fn a_tensor_that_is_kept_is_never_fused_away() {
        let ram = compile(pointwise_then_depthwise(true), MemoryMode::Ram);
        assert!(ram.plan.fused.iter().all(|f| !f));
    }
}
