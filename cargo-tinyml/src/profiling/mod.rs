//! Measuring a project on its board: build it with the firmware's `profile` feature, run
//! N inferences (QEMU, or hardware through probe-rs), decode the records the firmware
//! prints ([`record`]) and assemble the measured report ([`measured`]) with the compiled
//! model's layer list and the ELF sizes. `cmd::profile` is the command over this.

pub mod baseline;
pub mod measured;
pub mod record;

use crate::boards::Flow;
use crate::project::c_project;
use crate::project::cargo::{self, BuildOptions};
use crate::project::{self, Located};
use crate::target::elf::Elf;
use crate::target::{probe, qemu};
use anyhow::{bail, Context as _};
use measured::{HostFacts, MeasuredReport, Scale};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tinyml_compiler::plan::MemoryMode;

/// Compiles the project's model on the host for its layer list and planned arena (the
/// firmware's build script compiles the same file the same way, in memory mode `memory`).
pub fn model_layers(project_root: &Path, memory: MemoryMode) -> anyhow::Result<(Vec<(String, u64)>, u64)> {
    let path = project_root.join("model/model.tflite");
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let options = tinyml_compiler::CompileOptions { memory, ..Default::default() };
    let program =
        tinyml_compiler::compile(&bytes, &options).with_context(|| format!("cannot compile {}", path.display()))?;
    let layers = program.steps.iter().map(|s| (s.kernel.op_name().to_owned(), s.kernel.macs())).collect();
    Ok((layers, program.plan.arena_bytes as u64))
}

/// Options of [`measure`].
#[derive(Clone, Debug)]
pub struct MeasureOptions {
    /// `--board`.
    pub board: Option<String>,
    /// `--runs`.
    pub runs: u16,
    /// `--probe`.
    pub probe: Option<String>,
    /// Wait limit.
    pub timeout: Duration,
    /// Cargo target directory.
    pub target_dir: Option<PathBuf>,
    /// Silence cargo.
    pub quiet: bool,
    /// `--memory`: the plan the firmware is built with.
    pub memory: MemoryMode,
}

/// Builds, runs and measures the project in `dir`: the library entry point of
/// `cargo tinyml profile` (integration tests call it).
pub fn measure(dir: &Path, o: &MeasureOptions) -> anyhow::Result<MeasuredReport> {
    let (project, board) = match project::locate(dir, o.board.as_deref())? {
        // A core probe-rs cannot drive (C28x): say so, with the steps that do measure it.
        Located::CProject(board) => bail!(c_project::profile_unsupported(&board, dir)),
        Located::Firmware(project, board) => (project, board),
    };
    if let Flow::Probe { .. } = board.flow() {
        // Before the (long) build: a missing probe fails at once.
        let selector = o.probe.as_deref().map(probe::parse_selector).transpose()?;
        probe::find_probe(&probe_rs::probe::list::Lister::new(), selector.as_ref())?;
    }
    let runs = o.runs.to_string();
    let build =
        BuildOptions { release: true, target_dir: o.target_dir.clone(), quiet: o.quiet, memory: Some(o.memory) };
    let elf_path = cargo::build_elf_with(&project, &build, &["profile"], &[("TINYML_PROFILE_RUNS", &runs)])?;
    let elf = Elf::read(&elf_path)?;
    let (text, scale) = match board.flow() {
        Flow::Qemu(emu) => {
            let spinner = crate::progress::spinner(&format!("Profiling {runs} run(s) in QEMU"));
            let out = qemu::run(emu, &elf_path, o.timeout, false);
            if let Some(pb) = spinner {
                pb.finish_and_clear();
            }
            let out = out?;
            if out.code != 0 {
                bail!(
                    "the profiling firmware exited with code {} in QEMU; its output:\n{}",
                    out.code,
                    strip_records(&out.stdout)
                );
            }
            (out.stdout, Scale::emulated(emu))
        }
        Flow::Probe { chip, ram } => {
            // Up to --timeout on the board with nothing to print until the records arrive.
            let spinner = crate::progress::spinner(&format!("Profiling {runs} run(s) on the {chip}"));
            let text = run_on_hardware(chip, ram, &elf, o);
            if let Some(pb) = spinner {
                pb.finish_and_clear();
            }
            (text?, Scale::hardware(board.clock_hz))
        }
        Flow::VendorTool | Flow::CProject => bail!(
            "board `{}` has neither an emulator nor a probe-rs chip: load the firmware with the vendor tool",
            board.name
        ),
    };
    let recording = record::decode_text(&text).context("cannot decode the firmware's profile records")?;
    let (layers, arena_bytes) = model_layers(&project.root, o.memory)?;
    // Flash and static RAM of the firmware as shipped (no `profile` feature): the profiler's
    // own buffer and code must not count against the model.
    let shipped = Elf::read(&cargo::build_elf(&project, &build)?)?.memory_use();
    let facts = HostFacts {
        board: &board.name,
        emulated: board.is_emulated(),
        scale,
        layers: &layers,
        arena_bytes,
        elf: shipped,
        profiling_elf: elf.memory_use(),
    };
    let mut report = measured::assemble(&recording, &facts)?;
    report.model_hash = std::fs::read(project.root.join("model/model.tflite")).ok().map(|b| baseline::model_hash(&b));
    Ok(report)
}

fn strip_records(text: &str) -> String {
    text.lines().filter(|l| !l.starts_with(record::LINE_PREFIX)).collect::<Vec<_>>().join("\n")
}

fn run_on_hardware(chip: &str, ram: bool, elf: &Elf, o: &MeasureOptions) -> anyhow::Result<String> {
    let selector = o.probe.as_deref().map(probe::parse_selector).transpose()?;
    let lister = probe_rs::probe::list::Lister::new();
    let open = || probe::select_probe(&lister, selector.as_ref());
    let mut session = probe::attach_checked(open, chip, probe::detect_chip)?;
    probe::load_and_start(&mut session, elf, chip, ram, |_| {})?;
    probe::enable_cycle_counter(&mut session)?;
    let text = probe::read_rtt(&mut session, elf, o.timeout, |s| {
        !matches!(
            record::decode_text(s),
            Err(record::DecodeError::NoRecords
                | record::DecodeError::Truncated { .. }
                | record::DecodeError::MissingEnd { .. })
        )
    })?;
    Ok(text)
}
