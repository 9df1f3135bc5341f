//! Host execution of a compiled [`Program`]: the same kernels the device runs, over an
//! arena laid out by the same plan, so a host run checks lowering, planning and kernels
//! together.

use crate::program::Program;
use tinyml_runtime::arena::{self, Element, Place, ALIGN};

/// The arena tensors one step reads and writes, handed to [`crate::ops::Kernel::execute`].
pub struct OpIo<'a> {
    arena: &'a mut [u8],
    inputs: Vec<Place>,
    output: Place,
    scratch: Place,
}

type R<T> = Result<T, tinyml_runtime::Error>;

impl<'a> OpIo<'a> {
    /// One input and the output.
    pub fn io1<I: Element, O: Element>(&mut self) -> R<(&[I], &mut [O])> {
        let ([a], o) = arena::io::<I, O, 1>(self.arena, [self.inputs[0]], self.output)?;
        Ok((a, o))
    }

    /// Two inputs and the output.
    pub fn io2<I: Element, O: Element>(&mut self) -> R<(&[I], &[I], &mut [O])> {
        let ([a, b], o) = arena::io::<I, O, 2>(self.arena, [self.inputs[0], self.inputs[1]], self.output)?;
        Ok((a, b, o))
    }

    /// One input, the output and the step's scratch buffer.
    pub fn io1_scratch<I: Element, O: Element>(&mut self) -> R<(&[I], &mut [O], &mut [u8])> {
        let ([a], o, s) = arena::io_scratch::<I, O, 1>(self.arena, [self.inputs[0]], self.output, self.scratch)?;
        Ok((a, o, s))
    }

    /// All inputs (any number, same type) and the output, for ops such as CONCATENATION.
    pub fn io_n<I: Element, O: Element>(&mut self) -> R<(Vec<&[I]>, &mut [O])> {
        // The checked API validates each input against the output (range, alignment,
        // no overlap); inputs may alias each other since they are only read.
        for &p in &self.inputs {
            arena::io::<I, O, 1>(self.arena, [p], self.output)?;
        }
        let ptr = self.arena.as_mut_ptr();
        // SAFETY: every range was checked above, and the output overlaps no input; all
        // views borrow `self` mutably, so nothing else touches the arena meanwhile.
        let views = self
            .inputs
            .iter()
            .map(|&(off, n)| unsafe { std::slice::from_raw_parts(ptr.add(off) as *const I, n) })
            .collect();
        // SAFETY: as above.
        let out = unsafe { std::slice::from_raw_parts_mut(ptr.add(self.output.0) as *mut O, self.output.1) };
        Ok((views, out))
    }
}

/// A heap buffer whose start is aligned to [`ALIGN`], standing in for the device's
/// statically aligned arena.
pub struct AlignedBuf {
    raw: Vec<u8>,
    start: usize,
    len: usize,
}

impl AlignedBuf {
    /// A zeroed buffer of `len` bytes.
    pub fn new(len: usize) -> Self {
        let raw = vec![0u8; len + ALIGN];
        let start = raw.as_ptr().align_offset(ALIGN);
        AlignedBuf { raw, start, len }
    }

    /// The aligned bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.raw[self.start..self.start + self.len]
    }

    /// The aligned bytes, mutable.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.raw[self.start..self.start + self.len]
    }
}

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
            let mut io = OpIo {
                arena: arena.bytes_mut(),
                inputs: step.inputs.iter().map(|&t| place(t)).collect(),
                output: place(step.output),
                scratch: self.plan.scratch[i],
            };
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
