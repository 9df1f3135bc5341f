//! The host side of a step's memory: [`OpIo`], the checked arena views a kernel runs
//! over, and [`AlignedBuf`], the heap arena aligned like the device's.

use tinyml_runtime::arena::{self, Element, Place, Views, ALIGN};

/// The arena tensors one step reads and writes, handed to [`super::Kernel::execute`].
pub struct OpIo<'a> {
    arena: &'a mut [u8],
    inputs: Vec<Place>,
    outputs: Vec<Place>,
    output: Place,
    scratch: Place,
}

type R<T> = Result<T, tinyml_runtime::Error>;

impl<'a> OpIo<'a> {
    /// The view of one step: `inputs` and `outputs` as (offset, elements) in `arena`,
    /// `scratch` as (offset, bytes).
    pub fn new(arena: &'a mut [u8], inputs: Vec<Place>, outputs: Vec<Place>, scratch: Place) -> Self {
        let output = outputs.first().copied().unwrap_or((0, 0));
        OpIo { arena, inputs, outputs, output, scratch }
    }

    /// Views taken one by one, for steps with inputs of different types, several outputs
    /// or variable tensors (see [`StepViews`]).
    pub fn views(&mut self) -> StepViews<'_> {
        StepViews { views: Views::new(self.arena), inputs: &self.inputs, outputs: &self.outputs, scratch: self.scratch }
    }

    /// One input and the output.
    pub fn io1<I: Element, O: Element>(&mut self) -> R<(&[I], &mut [O])> {
        let ([a], o) = arena::io::<I, O, 1>(self.arena, [self.inputs[0]], self.output)?;
        Ok((a, o))
    }

    /// Runs `kernel` over input 0 and the output.
    pub fn run1<I: Element, O: Element>(&mut self, kernel: impl FnOnce(&[I], &mut [O])) -> R<()> {
        let (i, o) = self.io1::<I, O>()?;
        kernel(i, o);
        Ok(())
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

/// The tensors of one step as [`Views`], by position: input `k`, output `k`, state (a
/// variable input updated in place) `k`, the scratch buffer.
pub struct StepViews<'a> {
    views: Views<'a>,
    inputs: &'a [Place],
    outputs: &'a [Place],
    scratch: Place,
}

impl<'a> StepViews<'a> {
    /// Input `k`, read only.
    pub fn input<T: Element>(&mut self, k: usize) -> R<&'a [T]> {
        self.views.input(self.inputs[k])
    }

    /// Input `k` as a variable tensor the kernel updates in place.
    pub fn state<T: Element>(&mut self, k: usize) -> R<&'a mut [T]> {
        self.views.output(self.inputs[k])
    }

    /// Output `k`.
    pub fn output<T: Element>(&mut self, k: usize) -> R<&'a mut [T]> {
        self.views.output(self.outputs[k])
    }

    /// The step's scratch bytes.
    pub fn scratch(&mut self) -> R<&'a mut [u8]> {
        self.views.output(self.scratch)
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
