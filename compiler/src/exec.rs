//! Host execution of a compiled [`Program`]: the same kernels the device runs, over an
//! arena laid out by the same plan, so a host run checks lowering, planning and kernels
//! together.

pub use crate::kernel::io::AlignedBuf;
use crate::kernel::io::OpIo;
use crate::kernel::Step;
use crate::plan::{align_up, fused, RowsInPlace};
use crate::program::Program;
use tinyml_runtime::arena::Views;
use tinyml_runtime::kernels::fused_rows;
use tinyml_runtime::kernels::rows_in_place::buffer_len;

/// Why a host run failed.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// Wrong number of inputs.
    #[error("the model has {expected} inputs, {actual} given")]
    InputCount {
        /// Inputs the model has.
        expected: usize,
        /// Inputs given.
        actual: usize,
    },
    /// An input of the wrong size.
    #[error("input {index} has {actual} bytes, the model expects {expected} ({shape:?} of {dtype})")]
    InputSize {
        /// Which input.
        index: usize,
        /// Bytes given.
        actual: usize,
        /// Bytes expected.
        expected: usize,
        /// Its shape.
        shape: Vec<usize>,
        /// Its element type.
        dtype: &'static str,
    },
    /// The program has NPU steps compiled for the device, which the host cannot run.
    #[error(
        "operator #{op_index} runs on the NPU, which the host does not have; compile with the NPU simulated \
         (`tinyml_compiler::npu::NpuMode::Simulated`, TINYML_NPU=simulated) to run it here"
    )]
    NpuOnHost {
        /// The NPU step's operator index.
        op_index: usize,
    },
    /// A kernel reported an error (an internal bug: plans are checked at compile time).
    #[error("internal error in operator #{op_index} ({op}): {error}")]
    Kernel {
        /// Operator index.
        op_index: usize,
        /// Operator name.
        op: &'static str,
        /// The runtime error.
        error: tinyml_runtime::Error,
    },
}

impl Program {
    /// Runs one inference on the host from the initial state. Inputs and outputs are raw
    /// little-endian bytes in the model's input and output types.
    pub fn run(&self, inputs: &[&[u8]]) -> Result<Vec<Vec<u8>>, ExecError> {
        let mut arena = self.new_arena();
        self.run_in(&mut arena, inputs)
    }

    /// A host arena for this program with its variable tensors in their initial state.
    pub fn new_arena(&self) -> AlignedBuf {
        let mut arena = AlignedBuf::new(self.plan.arena_bytes);
        self.reset(&mut arena);
        arena
    }

    /// Puts every variable tensor (recurrent state) back in its initial state, as TFLM's
    /// `ResetVariableTensors`: see [`Program::variable_fills`].
    pub fn reset(&self, arena: &mut AlignedBuf) {
        for (offset, bytes, value) in self.variable_fills() {
            arena.bytes_mut()[offset..offset + bytes].fill(value);
        }
    }

    /// Like [`Program::run`] with a caller-kept arena: variable tensors carry their state
    /// from one call to the next (start from [`Program::new_arena`]).
    pub fn run_in(&self, arena: &mut AlignedBuf, inputs: &[&[u8]]) -> Result<Vec<Vec<u8>>, ExecError> {
        let g = &self.graph;
        if inputs.len() != g.inputs.len() {
            return Err(ExecError::InputCount { expected: g.inputs.len(), actual: inputs.len() });
        }
        for (index, (&t, data)) in g.inputs.iter().zip(inputs).enumerate() {
            let tensor = &g.tensors[t];
            if data.len() != tensor.bytes() {
                return Err(ExecError::InputSize {
                    index,
                    actual: data.len(),
                    expected: tensor.bytes(),
                    shape: tensor.shape.clone(),
                    dtype: tensor.dtype.tflite_name(),
                });
            }
            let off = self.offset(t);
            arena.bytes_mut()[off..off + data.len()].copy_from_slice(data);
        }
        self.run_steps(arena)?;
        Ok(g.outputs
            .iter()
            .map(|&t| {
                let off = self.offset(t);
                arena.bytes()[off..off + g.tensors[t].bytes()].to_vec()
            })
            .collect())
    }

    /// Runs every step over `arena`, which holds the inputs.
    fn run_steps(&self, arena: &mut AlignedBuf) -> Result<(), ExecError> {
        let g = &self.graph;
        for (i, step) in self.steps.iter().enumerate() {
            if step.kernel.is_reinterpretation() {
                continue;
            }
            let fail = |error| ExecError::Kernel { op_index: step.op_index, op: step.kernel.op_name(), error };
            if step.kernel.npu_region().is_some() {
                self.run_npu(arena, step, self.plan.scratch[i])?;
                continue;
            }
            if i > 0 && self.plan.fused[i - 1] {
                // Run with the previous step, as one pair.
                continue;
            }
            if let Some(rows) = self.plan.rows[i] {
                if self.plan.fused[i] {
                    self.run_fused(arena, i, rows).map_err(fail)?;
                } else {
                    self.run_rows(arena, step, rows, self.plan.scratch[i]).map_err(fail)?;
                }
                continue;
            }
            let place = |t: usize| (self.offset(t), g.tensors[t].elements());
            let mut inputs: Vec<_> = step.inputs.iter().map(|&t| place(t)).collect();
            let outputs = step.outputs.iter().map(|&t| place(t)).collect();
            match self.plan.in_place[i] {
                None => {
                    let mut io = OpIo::new(arena.bytes_mut(), inputs, outputs, self.plan.scratch[i]);
                    step.kernel.execute(&mut io).map_err(fail)?;
                }
                Some(k) => {
                    // The output writes over input k. The device kernels copy the input
                    // through a stack chunk first (`kernels::in_place`); the host copies
                    // it whole past the arena and runs the ordinary kernel, so the step
                    // reads what it would have read and the bytes of input k end up
                    // overwritten, as on the device.
                    let len = arena.bytes().len();
                    let (off, bytes) = (self.offset(step.inputs[k]), g.tensors[step.inputs[k]].bytes());
                    let side_at = align_up(len);
                    let mut side = AlignedBuf::new(side_at + bytes);
                    side.bytes_mut()[..len].copy_from_slice(arena.bytes());
                    side.bytes_mut()[side_at..].copy_from_slice(&arena.bytes()[off..off + bytes]);
                    inputs[k].0 = side_at;
                    let mut io = OpIo::new(side.bytes_mut(), inputs, outputs, self.plan.scratch[i]);
                    step.kernel.execute(&mut io).map_err(fail)?;
                    arena.bytes_mut().copy_from_slice(&side.bytes()[..len]);
                }
            }
        }
        Ok(())
    }

    /// Runs a simulated NPU step: its inputs copied into its scratch where its simulation
    /// has them, the simulation run there, its outputs copied back.
    fn run_npu(&self, arena: &mut AlignedBuf, step: &Step, (_, len): (usize, usize)) -> Result<(), ExecError> {
        let Some(sim) = step.kernel.npu_simulation().and_then(|s| s.downcast_ref::<Program>()) else {
            return Err(ExecError::NpuOnHost { op_index: step.op_index });
        };
        let g = &self.graph;
        let mut scratch = AlignedBuf::new(len);
        for &t in &step.inputs {
            let (from, to, n) = (self.offset(t), sim.offset(t), g.tensors[t].bytes());
            scratch.bytes_mut()[to..to + n].copy_from_slice(&arena.bytes()[from..from + n]);
        }
        sim.run_steps(&mut scratch)?;
        for &t in &step.outputs {
            let (from, to, n) = (sim.offset(t), self.offset(t), g.tensors[t].bytes());
            arena.bytes_mut()[to..to + n].copy_from_slice(&scratch.bytes()[from..from + n]);
        }
        Ok(())
    }

    /// Runs a step that writes over its input by rows, through the runtime's own rows
    /// form (`kernels::rows_in_place`), over the buffer its output and input share.
    fn run_rows(
        &self,
        arena: &mut AlignedBuf,
        step: &Step,
        rows: RowsInPlace,
        scratch: (usize, usize),
    ) -> Result<(), tinyml_runtime::Error> {
        let w = step.kernel.row_window().ok_or(tinyml_runtime::Error::BufferLength { expected: 0, actual: 0 })?;
        let at = self.offset(step.output());
        let len = buffer_len(&w, rows.shift);
        let mut views = Views::new(arena.bytes_mut());
        let buf = views.output::<i8>((at, len))?;
        let scratch = views.output::<u8>(scratch)?;
        step.kernel.execute_rows(buf, rows.shift, rows.band, rows.direct, scratch)
    }

    /// Runs steps `i` and `i + 1` fused by rows through the runtime's own loop
    /// (`kernels::fused_rows`), each band an ordinary kernel call on a sub-view.
    fn run_fused(&self, arena: &mut AlignedBuf, i: usize, rows: RowsInPlace) -> Result<(), tinyml_runtime::Error> {
        let c = fused::chain(&self.steps, i).ok_or(tinyml_runtime::Error::BufferLength { expected: 0, actual: 0 })?;
        let (a, b) = (self.steps[i].kernel.as_ref(), self.steps[i + 1].kernel.as_ref());
        let at = self.offset(self.steps[i + 1].output());
        let len = buffer_len(&c.window(), rows.shift);
        let mut views = Views::new(arena.bytes_mut());
        let buf = views.output::<i8>((at, len))?;
        let scratch = views.output::<u8>(self.plan.scratch[i])?;
        // The band closures return nothing: a kernel's error is kept for after the loop.
        let (mut first_failed, mut second_failed) = (Ok(()), Ok(()));
        fused_rows::run(
            &c,
            buf,
            rows.shift,
            rows.band,
            rows.direct,
            scratch,
            |band, input, output, scratch| {
                if let Err(e) = a.execute_band(band, input, output, scratch) {
                    first_failed = Err(e);
                }
            },
            |band, input, output, scratch| {
                if let Err(e) = b.execute_band(band, input, output, scratch) {
                    second_failed = Err(e);
                }
            },
        )?;
        first_failed.and(second_failed)
    }
}
