//! A compiled program: the lowered steps of a graph and their memory plan. This is what
//! both the host executor and the code generators consume.

use crate::error::CompileError;
use crate::graph::{DType, Graph, TensorId};
use crate::kernel::Step;
use crate::ops;
use crate::plan::{self, MemoryMode, MemoryPlan, PlannerKind};

/// Choices that change what the compiler produces.
#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// Memory planning strategy.
    pub planner: PlannerKind,
    /// Arena bytes against instructions: which layers run in place.
    pub memory: MemoryMode,
    /// The memory regions the arena may use, fastest first, with the bytes it may take in
    /// each. Empty (the default): one arena, wherever the firmware puts it. Otherwise an
    /// arena that does not fit the first region is split across them
    /// ([`crate::plan::regions`]), and the generated code takes one arena per region.
    pub regions: Vec<crate::plan::regions::Region>,
    /// The region of `regions` where the stack and the statics also link (a board's `ram`
    /// region): its capacity is taken less the program's stack estimate
    /// ([`crate::stack::stack_estimate`]), as `cargo tinyml analyze --board` takes it,
    /// so a build script can pass the board's region lengths whatever model it compiles.
    pub stack_region: Option<String>,
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
        (0..self.steps.len()).map(|i| self.step_const_bytes(i)).sum()
    }

    /// Constant bytes of step `i` as the generated Rust calls it: a step run whole takes
    /// the tables of its kernel's whole-layer call (`Kernel::emit_whole`), one by rows,
    /// in place or in a fused pair those of its other calls.
    pub fn step_const_bytes(&self, i: usize) -> usize {
        let kernel = &self.steps[i].kernel;
        if self.plan.runs_whole(i) {
            kernel.whole_const_bytes()
        } else {
            kernel.const_bytes()
        }
    }

    /// The variable tensors (recurrent state) with their initial fill, as TFLM's
    /// `ResetVariableTensors` sets them: `(arena offset, bytes, byte value)`; an int8
    /// tensor holds its zero point, any other type zero bytes.
    pub fn variable_fills(&self) -> Vec<(usize, usize, u8)> {
        let g = &self.graph;
        (0..g.tensors.len())
            .filter(|&t| g.tensors[t].is_variable)
            .filter_map(|t| {
                let tensor = &g.tensors[t];
                let offset = self.plan.tensor_offsets[t]?;
                let value = match tensor.dtype {
                    DType::I8 => tensor.scale_zp().map_or(0, |(_, zp)| zp as i8 as u8),
                    _ => 0,
                };
                Some((offset, tensor.bytes(), value))
            })
            .collect()
    }

    /// Where step `i`'s NPU region lies in the arena, `(offset, bytes)`, if it is an NPU
    /// step: its first input less that input's offset in the region.
    pub fn npu_region(&self, i: usize) -> Option<(usize, usize)> {
        let step = &self.steps[i];
        let region = step.kernel.npu_region()?;
        let first = self.plan.tensor_offsets[*step.inputs.first()?]?;
        Some((first - region.at[0], region.bytes))
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
    let steps = lower_steps(&graph)?;
    plan_steps(graph, steps, options)
}

/// Checks the model's inputs and outputs and lowers every operator to a step.
pub fn lower_steps(graph: &Graph) -> Result<Vec<Step>, CompileError> {
    check_io(graph)?;
    let mut steps = Vec::with_capacity(graph.operators.len());
    for op in &graph.operators {
        steps.push(lower_step(graph, op)?);
    }
    Ok(steps)
}

/// Lowers one operator to its step.
pub fn lower_step(graph: &Graph, op: &crate::graph::Operator) -> Result<Step, CompileError> {
    let lowered = ops::lower(graph, op)?;
    Ok(Step { op_index: op.index, kernel: lowered.kernel, inputs: lowered.inputs, outputs: lowered.outputs })
}

/// The model has inputs and outputs, none of them constant.
pub fn check_io(graph: &Graph) -> Result<(), CompileError> {
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
    Ok(())
}

/// Plans the arena of lowered `steps` of `graph`.
pub fn plan_steps(graph: Graph, steps: Vec<Step>, options: &CompileOptions) -> Result<Program, CompileError> {
    let mut plan = plan::plan_program(&graph, &steps, options.planner, options.memory)?;
    if !options.regions.is_empty() {
        let stack = crate::stack::steps_stack_estimate(&steps);
        let regions: Vec<_> = options
            .regions
            .iter()
            .map(|r| match &options.stack_region {
                Some(name) if *name == r.name => {
                    plan::regions::Region { name: r.name.clone(), capacity: r.capacity.saturating_sub(stack) }
                }
                _ => r.clone(),
            })
            .collect();
        plan = plan::regions::split_plan(&graph, &steps, plan, &regions, options.planner);
    }
    Ok(Program { graph, steps, plan })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{opcode, OpCode, Operator, Options, Quant, Tensor};
    use crate::plan::MemoryMode;

    fn tensor(name: &str, zero_point: i64, is_variable: bool) -> Tensor {
        Tensor {
            name: name.into(),
            shape: vec![1, 40],
            dtype: DType::I8,
            quant: Some(Quant { scale: vec![0.05], zero_point: vec![zero_point], axis: 0 }),
            data: None,
            is_variable,
        }
    }

    /// `y = x + v` with `v` a variable tensor (state that the model only reads).
    fn stateful() -> Program {
        let graph = Graph {
            tensors: vec![tensor("x", 3, false), tensor("v", -5, true), tensor("y", 1, false)],
            operators: vec![Operator {
                index: 0,
                opcode: OpCode::Builtin(opcode::ADD),
                inputs: vec![Some(0), Some(1)],
                outputs: vec![2],
                options: Options::None,
                custom_options: vec![],
            }],
            inputs: vec![0],
            outputs: vec![2],
            description: String::new(),
        };
        compile_graph(graph, &CompileOptions::default()).expect("compiles")
    }

    #[test]
    fn variable_tensors_live_apart_in_the_persistent_region() {
        let p = stateful();
        assert_eq!(p.plan.persistent_bytes, 48, "40 bytes, aligned");
        assert_eq!(p.plan.tensor_offsets[1], Some(0));
        for t in [0, 2] {
            assert!(p.offset(t) >= 48, "tensor {t} at {} overlaps the state", p.offset(t));
        }
        // TFLM's ResetVariableTensors: an int8 variable holds its zero point.
        assert_eq!(p.variable_fills(), vec![(0, 40, (-5i8) as u8)]);
        let arena = p.new_arena();
        assert!(arena.bytes()[..40].iter().all(|&b| b == (-5i8) as u8));
    }

    #[test]
    fn state_starts_at_its_zero_point_in_every_back_end() {
        let p = stateful();
        let rust = crate::codegen::rust::generate_with(&p, &Default::default());
        assert!(rust.contains("pub const PERSISTENT_BYTES: usize = 48;"), "{rust}");
        assert!(rust.contains("a[0..40].fill(251);"), "{rust}");
        let c = crate::codegen::c::generate(&p, &Default::default()).expect("C export");
        let model_c = &c.files.iter().find(|(n, _)| n == "model.c").expect("model.c").1;
        assert!(model_c.contains("void tinyml_reset(void)") && model_c.contains("s[i] = -5;"), "{model_c}");
        assert!(model_c.contains("if (!tinyml_state_ready)"), "{model_c}");
        // The input (zero point 3) plus the state (zero point -5) at real value 0 each: y
        // is real 0 too, its zero point.
        let out = p.run(&[&[3u8; 40]]).expect("runs");
        assert_eq!(out[0], vec![1u8; 40]);
    }

    /// `x [1, 1]` broadcast-added to a constant `[1, 40]`, then two RELUs: the RELUs may
    /// write over their dying inputs, which shrinks the arena from two 40-byte tensors
    /// (48 B each, aligned) to the ADD's 16 + 48 B.
    fn chain(memory: MemoryMode) -> Program {
        let mut c = tensor("c", 0, false);
        c.data = Some(vec![1; 40]);
        let mut x = tensor("x", 0, false);
        x.shape = vec![1, 1];
        let op = |index, opcode, inputs: Vec<Option<usize>>, output| Operator {
            index,
            opcode: OpCode::Builtin(opcode),
            inputs,
            outputs: vec![output],
            options: Options::None,
            custom_options: vec![],
        };
        let graph = Graph {
            tensors: vec![x, c, tensor("a", 0, false), tensor("b", 0, false), tensor("y", 0, false)],
            operators: vec![
                op(0, opcode::ADD, vec![Some(0), Some(1)], 2),
                op(1, opcode::RELU, vec![Some(2)], 3),
                op(2, opcode::RELU, vec![Some(3)], 4),
            ],
            inputs: vec![0],
            outputs: vec![4],
            description: String::new(),
        };
        compile_graph(graph, &CompileOptions { memory, ..Default::default() }).expect("compiles")
    }

    #[test]
    fn memory_modes_run_elementwise_layers_in_place() {
        let speed = chain(MemoryMode::Speed);
        assert_eq!(speed.plan.arena_bytes, 96);
        assert_eq!(speed.plan.in_place, vec![None; 3]);
        for mode in [MemoryMode::Balanced, MemoryMode::Ram] {
            let p = chain(mode);
            assert_eq!(p.plan.arena_bytes, 64, "{mode:?}");
            // The broadcast ADD cannot run in place; both RELUs do, in one buffer.
            assert_eq!(p.plan.in_place, vec![None, Some(0), Some(0)], "{mode:?}");
            assert_eq!(p.offset(2), p.offset(4));
            let input = [200u8];
            assert_eq!(p.run(&[&input]).expect("runs"), speed.run(&[&input]).expect("runs"), "{mode:?}");
            let rust = crate::codegen::rust::generate_with(&p, &Default::default());
            assert!(rust.contains("relu_s8_in_place(&L1_PARAMS, st0, &L1_TABLE.0)"), "{rust}");
        }
    }
}
