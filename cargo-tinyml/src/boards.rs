//! Boards as data: one TOML file per board under `boards/` in the repository, embedded
//! in the binary so an installed `cargo tinyml` works anywhere, plus user boards from
//! `~/.config/cargo-tinyml/boards/*.toml` (or `$TINYML_BOARDS_DIR`).
//!
//! Files are deserialized with `deny_unknown_fields` and validated (regions in range and
//! disjoint, a flash and a RAM region, known timer), so a typo in a board file is an
//! error, not a silently ignored field.

use serde::{Deserialize, Serialize};

/// A board: everything the toolchain needs to build for it, run it and measure it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Board {
    /// Short name used on the command line (`mps3-an547`).
    pub name: String,
    /// One-line human description.
    pub description: String,
    /// Microcontroller part number (`STM32N657X0H3Q`).
    pub mcu: String,
    /// CPU core (`cortex-m55`); also passed as `-C target-cpu` when `target_cpu` is absent.
    pub core: String,
    /// Rust target triple (`thumbv8m.main-none-eabihf`); absent for cores Rust cannot
    /// target (C28x), which get a C project instead.
    pub target: Option<String>,
    /// LLVM target CPU (`cortex-m55`).
    pub target_cpu: Option<String>,
    /// Core clock in Hz.
    pub clock_hz: u64,
    /// Cycle timer used by `profile`.
    pub timer: Timer,
    /// probe-rs chip name, if probe-rs can drive the chip.
    pub probe_rs_chip: Option<String>,
    /// How firmware is loaded on this board (see [`LoadFlow`]).
    pub load: LoadFlow,
    /// QEMU machine, for emulated boards.
    pub emulator: Option<Emulator>,
    /// Neural accelerator, if any.
    pub npu: Option<Npu>,
    /// Memory regions.
    pub memory: Vec<MemoryRegion>,
    /// Documents the numbers above come from.
    pub sources: Vec<String>,
    /// Free-form notes shown by `cargo tinyml boards --verbose` and in the docs.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// The cycle timer `profile` reads.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Timer {
    /// DWT CYCCNT (real hardware with a DWT unit).
    Dwt,
    /// SysTick (QEMU, where CYCCNT reads 0; with `-icount shift=0` it counts emulated
    /// instructions).
    Systick,
    /// A CPU timer of a non-Arm core (C2000).
    CpuTimer,
}

/// How a firmware image reaches the board.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LoadFlow {
    /// Programmed into on-chip flash through probe-rs.
    Flash,
    /// Loaded into RAM through the debugger and started there (STM32N6 development
    /// flow: the chip has no internal flash).
    Ram,
    /// Started by QEMU from the ELF.
    Emulator,
    /// Loaded by a vendor tool (TI UniFlash for C2000).
    Vendor,
}

/// An emulated machine.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Emulator {
    /// QEMU system binary (`qemu-system-arm`).
    pub qemu: String,
    /// `-machine` value (`mps3-an547`).
    pub machine: String,
    /// SysTick reference clock in Hz under QEMU.
    pub systick_hz: u64,
}

/// A neural processing unit on the chip.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Npu {
    /// Name (`Neural-ART`).
    pub name: String,
    /// Whether cargo-tinyml drives it (it does not yet: layers run on the CPU).
    pub supported: bool,
}

/// A memory region of the board.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MemoryRegion {
    /// Region name (`ITCM`, `FLASH`).
    pub name: String,
    /// What the linker puts there.
    pub kind: RegionKind,
    /// Start address.
    pub origin: u64,
    /// Length in bytes.
    pub length: u64,
}

/// Role of a memory region in the generated `memory.x`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RegionKind {
    /// Code and constants (`FLASH` in `memory.x`).
    Flash,
    /// Data, stack and the arena (`RAM` in `memory.x`).
    Ram,
    /// Present but not used by the default link.
    Other,
}
