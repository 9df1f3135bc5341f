//! The NPU behind a generated model's NPU steps. A model compiled with some of its
//! layers on an NPU (`tinyml_compiler::npu`) gets an `invoke(arena, npu)` that calls
//! [`Npu::invoke`] once per NPU step, with the step's command stream and weights from
//! flash and its region of the arena; the driver crate implements the trait (for the Arm
//! Ethos-U: `tinyml-ethos-u`). Keeping only the trait here leaves the runtime free of
//! any one vendor's driver.

use crate::Error;

/// An NPU that runs compiled command streams.
pub trait Npu {
    /// Runs one command stream to completion.
    ///
    /// - `payload`: the compiler's driver payload for the step (for the Ethos-U, Vela's
    ///   `COP1` block: the configuration it was compiled for and the command stream);
    /// - `weights`: the constant data the command stream reads;
    /// - `region`: the arena bytes the command stream works in, holding the step's inputs
    ///   on entry and its outputs on return, at the offsets it was compiled with.
    ///
    /// Failures are [`Error::Npu`] with a code the implementation documents.
    fn invoke(&mut self, payload: &[u8], weights: &[u8], region: &mut [u8]) -> Result<(), Error>;
}
