//! What planners place: [`Buffer`]s with lifetimes, and the [`MemoryPlanner`] interface
//! the strategies implement.

use crate::graph::TensorId;
use tinyml_runtime::arena::ALIGN;

/// A block of arena memory to place: its size and the steps during which it is live
/// (inclusive; a model input is live from step 0, an output until the last step).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Buffer {
    /// Size in bytes.
    pub bytes: usize,
    /// First step at which it is live.
    pub first: usize,
    /// Last step at which it is live.
    pub last: usize,
    /// What it holds.
    pub kind: BufferKind,
    /// Per tensor of [`BufferKind::Tensors`], its offset in the buffer: 0, but for the
    /// input of a layer that writes over it by rows (`plan::rows`). Empty for scratch.
    pub shifts: Vec<usize>,
    /// Whether it holds a variable tensor (recurrent state): live across invocations, so
    /// it gets bytes of its own in the arena's persistent region, apart from the planned
    /// part.
    pub persistent: bool,
    /// Its parts, where they are live at different times: its tensors at their shifts
    /// (a layer by rows, an NPU step's inputs and outputs) and an NPU step's region. The
    /// planners keep other buffers off each part only while that part is live, so the
    /// input chain of a layer by rows does not hold its bytes past its last use. Empty:
    /// the whole buffer is live from `first` to `last` (every other buffer).
    pub parts: Vec<Part>,
}

/// Bytes of a [`Buffer`] live over steps of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    /// Offset in the buffer.
    pub shift: usize,
    /// Size in bytes.
    pub bytes: usize,
    /// First step at which it is live.
    pub first: usize,
    /// Last step at which it is live.
    pub last: usize,
}

impl Part {
    /// Whether two parts are live at the same time.
    pub fn overlaps_in_time(&self, other: &Part) -> bool {
        self.first <= other.last && other.first <= self.last
    }
}

/// What a planned buffer holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BufferKind {
    /// One or more arena tensors sharing bytes (a tensor and its reinterpretations).
    Tensors(Vec<TensorId>),
    /// Scratch memory of one step.
    Scratch(usize),
}

impl Buffer {
    /// Whether two buffers are live at the same time.
    pub fn overlaps_in_time(&self, other: &Buffer) -> bool {
        self.first <= other.last && other.first <= self.last
    }

    /// Its parts: [`Buffer::parts`], or the whole buffer as one.
    pub fn live_parts(&self) -> Vec<Part> {
        if self.parts.is_empty() {
            vec![Part { shift: 0, bytes: self.bytes, first: self.first, last: self.last }]
        } else {
            self.parts.clone()
        }
    }
}

/// A placement strategy.
pub trait MemoryPlanner {
    /// Returns an offset per buffer (aligned to [`ALIGN`]); buffers live at the same time
    /// must not overlap.
    fn place(&self, buffers: &[Buffer]) -> Vec<usize>;
}

/// Rounds `n` up to the arena alignment.
pub fn align_up(n: usize) -> usize {
    n.div_ceil(ALIGN) * ALIGN
}

/// A buffer of `bytes` live from step `first` to `last`, for the planners' tests.
#[cfg(test)]
pub(super) fn test_buffer(bytes: usize, first: usize, last: usize) -> Buffer {
    Buffer {
        bytes,
        first,
        last,
        kind: BufferKind::Scratch(0),
        shifts: Vec::new(),
        persistent: false,
        parts: Vec::new(),
    }
}
