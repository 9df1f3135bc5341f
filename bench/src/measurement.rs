//! What one benchmark configuration measured: the kernel variant, the figures, or why it
//! could not be measured.

use anyhow::{bail, Result};

/// Which kernels the firmware uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// `tinyml-runtime/reference-kernels`: the portable, readable baseline.
    Reference,
    /// The kernels the target's features select (Helium on M55, DSP on M33/M4).
    Optimized,
    /// The Rust peer `microflow` (crates.io), through its `#[model]` macro.
    Microflow,
}

impl Variant {
    /// Every variant, in table order.
    pub const ALL: [Variant; 3] = [Variant::Reference, Variant::Optimized, Variant::Microflow];

    /// Short name for tables, file names and `--variant`.
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Reference => "ref",
            Variant::Optimized => "opt",
            Variant::Microflow => "microflow",
        }
    }

    /// The firmware crate (relative to the repository root) and its binary.
    pub(crate) fn firmware(self) -> (&'static str, &'static str) {
        match self {
            Variant::Reference | Variant::Optimized => ("bench/firmware", "tinyml-bench-firmware"),
            Variant::Microflow => ("bench/microflow-firmware", "tinyml-bench-microflow"),
        }
    }
}

impl std::str::FromStr for Variant {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Variant> {
        match Variant::ALL.iter().find(|v| v.as_str() == s) {
            Some(&v) => Ok(v),
            None => bail!("unknown variant {s} (ref, opt or microflow)"),
        }
    }
}

/// One measured configuration.
#[derive(Clone, Debug)]
pub struct Measurement {
    /// Board name.
    pub board: String,
    /// Model file stem.
    pub model: String,
    /// Kernel variant.
    pub variant: Variant,
    /// SysTick ticks around one `invoke` (microflow: one `predict`).
    pub ticks: u64,
    /// Emulated instructions per inference (ticks times instructions per tick).
    pub instructions: u64,
    /// MACs per inference (from the model compiler).
    pub macs: u64,
    /// Planned arena bytes (0 for microflow, which has no arena).
    pub arena: u64,
    /// Stack high-water of the whole program, by painting (microflow only: its tensors
    /// live on the stack, so this is where its activations are).
    pub stack: Option<u64>,
    /// `.data` + `.bss` bytes of the whole firmware ELF (the tinyml arena is in `.bss`).
    pub static_ram: u64,
    /// `.text` + `.rodata` bytes of the whole firmware ELF.
    pub flash: u64,
    /// Output equal to the host run (reference kernels), byte for byte.
    pub check_ok: bool,
    /// Largest difference from the host run's output, in int8 steps (microflow only).
    pub max_abs_diff: Option<u64>,
}

/// A configuration that could not be built or run (microflow rows: recorded, not fatal).
#[derive(Clone, Debug)]
pub struct Unmeasured {
    /// Board name.
    pub board: String,
    /// Model file stem.
    pub model: String,
    /// Variant.
    pub variant: Variant,
    /// The error, on one line.
    pub error: String,
}

impl Measurement {
    /// Emulated instructions per MAC.
    pub fn per_mac(&self) -> f64 {
        self.instructions as f64 / self.macs.max(1) as f64
    }
}
