//! The driver as the NPU of a generated model ([`tinyml_runtime::npu::Npu`]): the
//! compiler's NPU steps pass Vela's payload, weights and their arena region, and
//! [`Steps`] checks the payload against the hardware, submits the command stream with
//! Vela's region convention (0 the weights, 1 the scratch, 2 the fast scratch, which
//! the compiler only plans shared with the scratch) and waits for the end by polling.
//!
//! Addresses go to the NPU through [`Steps::to_bus`]: the identity where the NPU sees
//! memory as the core does, a remapping where it does not (a core's TCM has another
//! address on the system bus). The region must be in memory the NPU can reach (on the
//! PSOC Edge, Infineon's examples keep the arena in SoCMEM), and with a data cache the
//! region must be cleaned before and invalidated after each step; neither is done here.

use crate::payload::{self, PayloadError};
use crate::{Error, EthosU, Registers};
use tinyml_runtime::npu::Npu;

/// An [`EthosU`] that runs a generated model's NPU steps.
pub struct Steps<R> {
    /// The driver.
    pub npu: EthosU<R>,
    /// STATUS polls per step before it counts as hung.
    pub max_polls: u32,
    /// The NPU's (bus) address of a core address.
    pub to_bus: fn(usize) -> u64,
}

impl<R: Registers> Steps<R> {
    /// `npu` with addresses passed unchanged and `max_polls` polls per step.
    pub fn new(npu: EthosU<R>, max_polls: u32) -> Self {
        Steps { npu, max_polls, to_bus: |a| a as u64 }
    }
}

/// The [`tinyml_runtime::Error::Npu`] codes of [`Steps`]: a payload problem, a mismatch,
/// or [`Error::code`] of the driver's error.
pub mod code {
    /// The payload is not 4-byte aligned in memory.
    pub const PAYLOAD_MISALIGNED: u32 = 0x100;
    /// The payload is not a `COP1` block with a command stream (`payload::parse`).
    pub const PAYLOAD_INVALID: u32 = 0x101;
    /// The payload was compiled for another Ethos-U configuration than this one.
    pub const CONFIG_MISMATCH: u32 = 0x102;
}

impl Error {
    /// A number for the error, for [`tinyml_runtime::Error::Npu`]: 1 + the variant's
    /// position in [`Error`].
    pub fn code(&self) -> u32 {
        match self {
            Error::UnknownProduct { .. } => 1,
            Error::ResetTimeout => 2,
            Error::AccessState { .. } => 3,
            Error::Busy => 4,
            Error::NeedsReset => 5,
            Error::Misaligned => 6,
            Error::OutOfRange => 7,
            Error::TooManyRegions => 8,
            Error::BusFault { .. } => 9,
            Error::CommandStream { .. } => 10,
            Error::WeightDecoder { .. } => 11,
            Error::Ecc { .. } => 12,
            Error::NotFinished { .. } => 13,
            Error::Timeout { .. } => 14,
        }
    }
}

fn fail(code: u32) -> tinyml_runtime::Error {
    tinyml_runtime::Error::Npu { code }
}

impl<R: Registers> Npu for Steps<R> {
    fn invoke(&mut self, payload: &[u8], weights: &[u8], region: &mut [u8]) -> Result<(), tinyml_runtime::Error> {
        // SAFETY: u32 has no invalid bit patterns; align_to only splits off what is not aligned.
        let (head, words, _) = unsafe { payload.align_to::<u32>() };
        if !head.is_empty() {
            return Err(fail(code::PAYLOAD_MISALIGNED));
        }
        let parsed = payload::parse(words).map_err(|_: PayloadError| fail(code::PAYLOAD_INVALID))?;
        let (config, id) = self.npu.config_and_id();
        if parsed.check_hardware(config, id).is_err() {
            return Err(fail(code::CONFIG_MISMATCH));
        }
        let stream = parsed.command_stream;
        let bus = self.to_bus;
        let region_base = bus(region.as_mut_ptr() as usize);
        let bases = [bus(weights.as_ptr() as usize), region_base, region_base];
        self.npu
            .run(bus(stream.as_ptr() as usize), (stream.len() * 4) as u32, &bases, self.max_polls)
            .map_err(|e| fail(e.code()))
    }
}
