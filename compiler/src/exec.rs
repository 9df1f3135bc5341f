//! Host execution of a compiled [`Program`]: the same kernels the device runs, over an
//! arena laid out by the same plan, so a host run checks lowering, planning and kernels
//! together.

pub use crate::kernel::io::AlignedBuf;
use crate::kernel::io::OpIo;
use crate::program::Program;

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
    /// Runs one inference on the host. Inputs and outputs are raw little-endian bytes in
    /// the model's input and output types.
    pub fn run(&self, inputs: &[&[u8]]) -> Result<Vec<Vec<u8>>, ExecError> {
        let mut arena = AlignedBuf::new(self.plan.arena_bytes);
        self.run_in(&mut arena, inputs)
    }

    /// Like [`Program::run`] with a caller-kept arena (state carried between runs).
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
        for (i, step) in self.steps.iter().enumerate() {
            if step.kernel.is_reinterpretation() {
                continue;
            }
            let place = |t: usize| (self.offset(t), g.tensors[t].elements());
            let mut io = OpIo::new(
                arena.bytes_mut(),
                step.inputs.iter().map(|&t| place(t)).collect(),
                place(step.output),
                self.plan.scratch[i],
            );
            step.kernel.execute(&mut io).map_err(|error| ExecError::Kernel {
                op_index: step.op_index,
                op: step.kernel.op_name(),
                error,
            })?;
        }
        Ok(g.outputs
            .iter()
            .map(|&t| {
                let off = self.offset(t);
                arena.bytes()[off..off + g.tensors[t].bytes()].to_vec()
            })
            .collect())
    }
}
