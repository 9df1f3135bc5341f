//! The measured report of `cargo tinyml profile` (not the compiler's static estimate that
//! `analyze` prints): assembled from the decoded records, the compiled model's layer list
//! and the ELF; rendered as a terminal table or JSON (compared with a baseline by `super::baseline`).

use super::record::{Recording, Timer};
use crate::boards::Emulator;
use crate::format::grouped;
use crate::target::elf::MemoryUse;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// What the time figures count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Emulated instructions (QEMU `-icount shift=0`): deterministic, not real time.
    Instructions,
    /// Core cycles (DWT CYCCNT on hardware).
    Cycles,
}

impl Unit {
    /// `instructions` or `cycles`.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Instructions => "instructions",
            Unit::Cycles => "cycles",
        }
    }
}

/// One layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerReport {
    /// Position in execution order.
    pub index: usize,
    /// TFLite operator (`FULLY_CONNECTED`).
    pub op: String,
    /// Multiply-accumulates.
    pub macs: u64,
    /// Median over runs, emulated instructions (emulated boards).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub instructions: Option<u64>,
    /// Median over runs, core cycles (hardware).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cycles: Option<u64>,
    /// Fastest run.
    pub min: u64,
    /// Slowest run.
    pub max: u64,
    /// Microseconds at the board clock (hardware only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub us: Option<f64>,
    /// Fraction of the sum of layers.
    pub share: f64,
}

impl LayerReport {
    /// The median, in the report's unit.
    pub fn value(&self) -> u64 {
        self.instructions.or(self.cycles).unwrap_or(0)
    }
}

/// The whole inference (`invoke`, hooks included).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Total {
    /// Median over runs, emulated instructions.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub instructions: Option<u64>,
    /// Median over runs, core cycles.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cycles: Option<u64>,
    /// Microseconds at the board clock (hardware only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub us: Option<f64>,
    /// Multiply-accumulates per inference.
    pub macs: u64,
}

impl Total {
    /// The median, in the report's unit.
    pub fn value(&self) -> u64 {
        self.instructions.or(self.cycles).unwrap_or(0)
    }
}

/// Memory figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memory {
    /// Tensor arena planned by the compiler.
    pub arena_bytes: u64,
    /// Stack high-water measured on the target by painting.
    pub stack_bytes: u64,
    /// Image bytes (code, constants, `.data` initializers).
    pub flash_bytes: u64,
    /// `.data` + `.bss` + `.uninit` (the arena included).
    pub static_ram_bytes: u64,
    /// The same figures for the profiling build (what the profiler itself adds).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub profiling_build: Option<ImageSize>,
}

/// Sizes of one firmware image, from its ELF.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageSize {
    /// Image bytes.
    pub flash_bytes: u64,
    /// Static RAM bytes.
    pub static_ram_bytes: u64,
    /// Executable bytes (`.text`).
    pub text_bytes: u64,
}

/// A complete measured report (the `--json` document of `cargo tinyml profile`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasuredReport {
    /// Board name.
    pub board: String,
    /// Whether the figures come from an emulator.
    pub emulated: bool,
    /// `instructions` or `cycles`.
    pub unit: Unit,
    /// Timer the firmware read (`SysTick`, `DWT`).
    pub timer: String,
    /// Inferences measured.
    pub runs: usize,
    /// Core clock used for `us` (hardware).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub clock_hz: Option<u64>,
    /// Per layer.
    pub layers: Vec<LayerReport>,
    /// Per inference.
    pub total: Total,
    /// Memory.
    pub memory: Memory,
    /// FNV-1a 32 of the output after the first run (`0x…`).
    pub checksum: String,
    /// Whether every run produced the same output.
    pub checksums_agree: bool,
    /// The model the firmware was built from (`fnv1a64:…` of model/model.tflite), so a
    /// baseline of another model is refused; absent in reports of older versions.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub model_hash: Option<String>,
}

/// Why records and model do not make a report.
#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    /// The firmware timed a different number of layers than the model has.
    #[error("the firmware reports {firmware} layers but model/model.tflite compiles to {model}: rebuild (the firmware is stale) or check that build.rs compiles model/model.tflite")]
    LayerMismatch {
        /// Layers in the records.
        firmware: usize,
        /// Layers of the compiled model.
        model: usize,
    },
    /// No run completed.
    #[error("the profile holds no runs")]
    NoRuns,
}

/// How to turn timer ticks into the report's unit.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    /// Report unit.
    pub unit: Unit,
    /// Unit per tick (31.25 for SysTick at 32 MHz under `-icount shift=0`; 1 for DWT).
    pub per_tick: f64,
    /// Core clock for microseconds (hardware).
    pub clock_hz: Option<u64>,
}

impl Scale {
    /// SysTick under QEMU `-icount shift=0`: [`Emulator::instructions_per_tick`].
    pub fn emulated(emulator: &Emulator) -> Scale {
        Scale { unit: Unit::Instructions, per_tick: emulator.instructions_per_tick(), clock_hz: None }
    }

    /// DWT cycles on hardware at `clock_hz`.
    pub fn hardware(clock_hz: u64) -> Scale {
        Scale { unit: Unit::Cycles, per_tick: 1.0, clock_hz: Some(clock_hz) }
    }

    fn apply(&self, ticks: u64) -> u64 {
        (ticks as f64 * self.per_tick).round() as u64
    }

    fn us(&self, v: u64) -> Option<f64> {
        self.clock_hz.map(|hz| v as f64 * 1e6 / hz as f64)
    }

    fn pair(&self, v: u64) -> (Option<u64>, Option<u64>) {
        match self.unit {
            Unit::Instructions => (Some(v), None),
            Unit::Cycles => (None, Some(v)),
        }
    }
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

/// Inputs of [`assemble`] that come from the host side.
pub struct HostFacts<'a> {
    /// Board name.
    pub board: &'a str,
    /// Emulated or not.
    pub emulated: bool,
    /// Tick conversion.
    pub scale: Scale,
    /// `(op, macs)` per layer of the compiled model.
    pub layers: &'a [(String, u64)],
    /// Planned arena.
    pub arena_bytes: u64,
    /// From the ELF of the normal (shipping) build.
    pub elf: MemoryUse,
    /// From the ELF of the profiling build.
    pub profiling_elf: MemoryUse,
}

/// Assembles the report: per layer and total, the median over runs (min and max beside).
pub fn assemble(p: &Recording, cx: &HostFacts<'_>) -> Result<MeasuredReport, AssembleError> {
    if p.runs.is_empty() {
        return Err(AssembleError::NoRuns);
    }
    if p.layers as usize != cx.layers.len() {
        return Err(AssembleError::LayerMismatch { firmware: p.layers as usize, model: cx.layers.len() });
    }
    let s = cx.scale;
    let mut layers = Vec::new();
    for (i, (op, macs)) in cx.layers.iter().enumerate() {
        let vals: Vec<u64> = p.runs.iter().map(|r| s.apply(u64::from(r.layer_ticks[i]))).collect();
        let m = median(vals.clone());
        let (instructions, cycles) = s.pair(m);
        layers.push(LayerReport {
            index: i,
            op: op.clone(),
            macs: *macs,
            instructions,
            cycles,
            min: *vals.iter().min().expect("runs"),
            max: *vals.iter().max().expect("runs"),
            us: s.us(m),
            share: 0.0,
        });
    }
    let sum: u64 = layers.iter().map(|l| l.value()).sum();
    for l in &mut layers {
        l.share = if sum == 0 { 0.0 } else { l.value() as f64 / sum as f64 };
    }
    let total = median(p.runs.iter().map(|r| s.apply(u64::from(r.total_ticks))).collect());
    let (instructions, cycles) = s.pair(total);
    let first = p.runs[0].checksum;
    Ok(MeasuredReport {
        board: cx.board.to_owned(),
        emulated: cx.emulated,
        unit: s.unit,
        timer: match p.timer {
            Timer::SysTick => "SysTick",
            Timer::Dwt => "DWT",
            Timer::Other => "other",
        }
        .to_owned(),
        runs: p.runs.len(),
        clock_hz: s.clock_hz,
        layers,
        total: Total { instructions, cycles, us: s.us(total), macs: cx.layers.iter().map(|l| l.1).sum() },
        memory: Memory {
            arena_bytes: cx.arena_bytes,
            stack_bytes: u64::from(p.stack_bytes.unwrap_or(0)),
            flash_bytes: cx.elf.flash_bytes,
            static_ram_bytes: cx.elf.static_ram_bytes,
            profiling_build: Some(ImageSize {
                flash_bytes: cx.profiling_elf.flash_bytes,
                static_ram_bytes: cx.profiling_elf.static_ram_bytes,
                text_bytes: cx.profiling_elf.text_bytes,
            }),
        },
        checksum: first.map_or_else(|| "none".to_owned(), |c| format!("{c:#010x}")),
        checksums_agree: p.runs.iter().all(|r| r.checksum == first),
        model_hash: None,
    })
}

const BAR: usize = 24;

/// The terminal table: one line per layer with a bar of its share, then the total,
/// memory and checksum.
pub fn render(r: &MeasuredReport) -> String {
    let mut out = String::new();
    let unit = r.unit.name();
    let what = if r.emulated {
        "emulated instructions (QEMU -icount shift=0), not real-chip time".to_owned()
    } else {
        format!("core cycles ({}), µs at {} MHz", r.timer, r.clock_hz.unwrap_or(0) as f64 / 1e6)
    };
    let _ = writeln!(out, "profile of {} layers on {}: {what}; median of {} runs", r.layers.len(), r.board, r.runs);
    let op_w = r.layers.iter().map(|l| l.op.len()).max().unwrap_or(2).max(2);
    let _ = write!(
        out,
        "{:>3}  {:<op_w$}  {:>13}  {:>6}  {:>10}  {:>9}",
        "#",
        "op",
        unit,
        "share",
        "MACs",
        format!("{}/MAC", &unit[..5])
    );
    if !r.emulated {
        let _ = write!(out, "  {:>10}", "µs");
    }
    out.push('\n');
    let max_share = r.layers.iter().map(|l| l.share).fold(0.0, f64::max);
    for l in &r.layers {
        let per_mac = if l.macs > 0 { format!("{:.2}", l.value() as f64 / l.macs as f64) } else { "-".to_owned() };
        let _ = write!(
            out,
            "{:>3}  {:<op_w$}  {:>13}  {:>5.1}%  {:>10}  {:>9}",
            l.index,
            l.op,
            grouped(l.value()),
            l.share * 100.0,
            grouped(l.macs),
            per_mac
        );
        if let Some(us) = l.us {
            let _ = write!(out, "  {us:>10.1}");
        }
        let filled = if max_share > 0.0 { ((l.share / max_share) * BAR as f64).round() as usize } else { 0 };
        let _ = writeln!(out, "  {}", "█".repeat(filled));
    }
    let per_mac =
        if r.total.macs > 0 { format!("{:.2}", r.total.value() as f64 / r.total.macs as f64) } else { "-".into() };
    let _ = write!(
        out,
        "{:>3}  {:<op_w$}  {:>13}  {:>6}  {:>10}  {:>9}",
        "",
        "total",
        grouped(r.total.value()),
        "",
        grouped(r.total.macs),
        per_mac
    );
    if let Some(us) = r.total.us {
        let _ = write!(out, "  {us:>10.1}");
    }
    out.push('\n');
    let m = &r.memory;
    let _ = writeln!(
        out,
        "memory: arena {} B, stack high-water {} B, flash {} B, static RAM {} B",
        grouped(m.arena_bytes),
        grouped(m.stack_bytes),
        grouped(m.flash_bytes),
        grouped(m.static_ram_bytes)
    );
    if let Some(p) = &m.profiling_build {
        let _ = writeln!(
            out,
            "        (flash and static RAM of the normal build; the profiling build takes {} B and {} B)",
            grouped(p.flash_bytes),
            grouped(p.static_ram_bytes)
        );
    }
    let agree = if r.checksums_agree { format!("same in all {} runs", r.runs) } else { "DIFFERS between runs".into() };
    let _ = writeln!(out, "output checksum: {} ({agree})", r.checksum);
    out
}
