//! `cargo tinyml flash`: build, check the fit, put the firmware on the board and show its
//! output until it exits. Also the runner of `cargo run` in hardware projects.

use crate::boards::{Board, Catalog, Flow};
use crate::common::{self, ProjectArgs, EXIT_INTERRUPTED};
use crate::project::{self, c_project, cargo, Located, Project};
use crate::target::elf::{Elf, FitError, Region};
use crate::target::monitor::{self, Outcome, SessionBoard, Stop};
use crate::target::{fit, probe, qemu};
use anyhow::bail;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use probe_rs::flashing::{ProgressEvent, ProgressOperation};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Exit code of `--dry-run` when the image does not fit (as `analyze`'s DOES NOT FIT).
pub const EXIT_DOES_NOT_FIT: u8 = 3;

/// Build the project and put it on the board.
///
/// Hardware boards: the probe is looked for before building; the ELF is checked against
/// the chip's memory map (host check, then a probe-rs dry run), flashed through probe-rs
/// with erase/program/verify progress, and the core is reset; RAM-loaded boards (STM32N6
/// development flow) are written to RAM and started at their vector table. Then the
/// firmware's RTT output is shown until it exits (semihosting exit, whose code becomes
/// flash's), stops at a breakpoint, or Ctrl-C (exit 130; the firmware keeps running), as
/// `probe-rs run` does. `--dry-run` needs no probe: it checks the image against the
/// chip's memory map from probe-rs' target database and prints where the bytes go.
/// Emulated boards start in QEMU, like `cargo tinyml run`.
///
/// Given an ELF (as `cargo run` does with the runner `cargo tinyml flash` that `new`
/// writes into hardware projects), that image is flashed and nothing is built.
///
/// Exit codes: 0 = flashed, and the firmware exited with 0 (or --detach); the firmware's
/// exit code; 1 = failed; 3 = --dry-run: does not fit; 130 = interrupted.
#[derive(Debug, clap::Args)]
pub struct Cmd {
    /// Flash this ELF instead of building the project (how `cargo run` calls the runner).
    #[arg(value_name = "ELF")]
    pub elf: Option<PathBuf>,
    /// Board; default: `[package.metadata.tinyml] board` of the project.
    #[arg(long, short)]
    pub board: Option<String>,
    /// Debug probe to use when several are connected (VID:PID[:SERIAL], hex).
    #[arg(long, value_name = "VID:PID[:SERIAL]")]
    pub probe: Option<String>,
    /// Build with the release profile.
    #[arg(long, short)]
    pub release: bool,
    /// Check that the image fits the chip's memory map, without a probe and without
    /// writing; prints the regions and bytes used.
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run: print the report as JSON.
    #[arg(long, requires = "dry_run")]
    pub json: bool,
    /// Flash and start the firmware, then return without showing its output.
    #[arg(long, conflicts_with = "dry_run")]
    pub detach: bool,
    /// Where the project is and where cargo builds it.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Arena bytes against instructions.
    #[command(flatten)]
    pub memory: crate::common::MemoryArgs,
}

impl Cmd {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let dir = self.project.dir()?;
        let (project, board) = match &self.elf {
            // The runner of `cargo run`: the board from --board (the project's runner line
            // names it), else from the project around the current directory.
            Some(_) => (None, self.runner_board(&dir)?),
            None => match project::locate(&dir, self.board.as_deref())? {
                Located::CProject(board) => {
                    // A core probe-rs cannot drive (C28x): TI's loader, or the manual steps.
                    c_project::flash_command(&board, &dir, self.dry_run)?;
                    return Ok(ExitCode::SUCCESS);
                }
                Located::Firmware(project, board) => (Some(project), board),
            },
        };
        let selector = self.probe.as_deref().map(probe::parse_selector).transpose()?;
        if let (Flow::Probe { .. }, false) = (board.flow(), self.dry_run) {
            // Before the (long) build: a missing probe fails at once.
            probe::find_probe(&probe_rs::probe::list::Lister::new(), selector.as_ref())?;
        }
        let elf_path = match (&self.elf, &project) {
            (Some(path), _) => path.clone(),
            (None, Some(project)) => cargo::build_elf(
                project,
                &cargo::BuildOptions {
                    memory: Some(self.memory.mode()),
                    ..self.project.build_options(self.release, false)
                },
            )?,
            (None, None) => unreachable!("a project is located whenever no ELF is given"),
        };
        let elf = Elf::read(&elf_path)?;
        let board_fit = elf.check_fit(&format!("board {}", board.name), &board_regions(&board));
        if let (Flow::Probe { chip, .. }, true) = (board.flow(), self.dry_run) {
            return self.dry_run_report(&elf, chip, board_fit.err());
        }
        board_fit?;
        match board.flow() {
            Flow::Qemu(emu) => {
                if self.dry_run {
                    if self.json {
                        let v = serde_json::json!({
                            "elf": elf_path.display().to_string(), "board": board.name, "fits": true, "emulated": true,
                        });
                        println!("{}", serde_json::to_string_pretty(&v)?);
                    } else {
                        println!("{} fits {} (emulated: nothing to flash)", elf_path.display(), board.name);
                    }
                    return Ok(ExitCode::SUCCESS);
                }
                let out = qemu::run(emu, &elf_path, Duration::from_secs(3600), true)?;
                Ok(ExitCode::from(out.code.clamp(0, 255) as u8))
            }
            Flow::Probe { chip, ram } => self.flash_with_probe(&elf, chip, ram, selector),
            Flow::VendorTool | Flow::CProject => bail!(
                "board `{}` is not supported by probe-rs: load {} with the vendor tool",
                board.name,
                elf_path.display()
            ),
        }
    }

    fn runner_board(&self, dir: &std::path::Path) -> anyhow::Result<Board> {
        match &self.board {
            Some(name) => Ok(Catalog::load()?.get(name)?.clone()),
            None => project::resolve_board(&Project::find(dir)?, None),
        }
    }

    /// The dry run's report; a section outside the board file's map (which the project's
    /// memory.x comes from) fails it too.
    fn dry_run_report(&self, elf: &Elf, chip: &str, board_fit: Option<FitError>) -> anyhow::Result<ExitCode> {
        let mut report = fit::dry_run(elf, chip)?;
        if let (Some(e), true) = (board_fit, report.fits) {
            report.fits = false;
            report.problem = Some(e.to_string());
        }
        if self.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print!("{}", fit::render(&report));
        }
        Ok(if report.fits { ExitCode::SUCCESS } else { ExitCode::from(EXIT_DOES_NOT_FIT) })
    }

    fn flash_with_probe(
        &self,
        elf: &Elf,
        chip: &str,
        ram: bool,
        selector: Option<probe_rs::probe::DebugProbeSelector>,
    ) -> anyhow::Result<ExitCode> {
        probe::check_fit(elf, chip)?;
        let lister = probe_rs::probe::list::Lister::new();
        let open = || probe::select_probe(&lister, selector.as_ref());
        let mut session = probe::attach_checked(open, chip, probe::detect_chip)?;
        probe::dry_run(&mut session, elf, chip)?;
        let mut bars = Bars::new();
        probe::flash(&mut session, elf, chip, |e| bars.event(e))?;
        if ram {
            probe::start_from_ram(&mut session, elf)?;
            eprintln!("loaded {} into RAM of {chip} and started it", elf.path.display());
        } else {
            probe::reset_and_run(&mut session)?;
            eprintln!("flashed {} to {chip}; reset and running", elf.path.display());
        }
        if self.detach {
            return Ok(ExitCode::SUCCESS);
        }
        let interrupted = common::interrupted();
        let mut board = SessionBoard::attach(&mut session, elf, Duration::from_secs(5))?;
        if board.has_rtt() {
            eprintln!("firmware output (RTT) follows; Ctrl-C stops watching");
        } else {
            eprintln!("the firmware has no RTT (`_SEGGER_RTT`): waiting for it to exit; Ctrl-C stops watching");
        }
        let outcome =
            monitor::monitor(&mut board, &mut std::io::stdout().lock(), interrupted, Duration::from_millis(10))?;
        finish(outcome)
    }
}

/// The exit code and message for how the firmware's run ended.
pub fn finish(outcome: Outcome) -> anyhow::Result<ExitCode> {
    match outcome {
        Outcome::Stopped(Stop::Exit(0)) => Ok(ExitCode::SUCCESS),
        Outcome::Stopped(Stop::Exit(code)) => {
            eprintln!("the firmware exited with code {code}");
            Ok(ExitCode::from(code.clamp(1, 255) as u8))
        }
        Outcome::Stopped(Stop::Halted(why)) => bail!("the firmware stopped: {why}"),
        Outcome::Interrupted => {
            eprintln!("interrupted: stopped watching; the firmware keeps running on the board");
            Ok(ExitCode::from(EXIT_INTERRUPTED))
        }
    }
}

/// The board's memory regions as a memory map for [`Elf::check_fit`].
fn board_regions(board: &Board) -> Vec<Region> {
    board.memory.iter().map(|r| Region { name: r.name.clone(), range: r.origin..r.origin + r.length }).collect()
}

/// Progress bars for probe-rs' flash events: one per operation, drawn only when stderr
/// is a terminal; otherwise one line per finished operation.
struct Bars {
    multi: Option<MultiProgress>,
    bars: HashMap<&'static str, ProgressBar>,
}

fn op_name(op: ProgressOperation) -> &'static str {
    match op {
        ProgressOperation::Fill => "read back",
        ProgressOperation::Erase => "erase",
        ProgressOperation::Program => "program",
        ProgressOperation::Verify => "verify",
    }
}

impl Bars {
    fn new() -> Bars {
        let multi = std::io::stderr().is_terminal().then(MultiProgress::new);
        Bars { multi, bars: HashMap::new() }
    }

    fn event(&mut self, e: ProgressEvent) {
        match e {
            ProgressEvent::AddProgressBar { operation, total } => {
                if let Some(multi) = &self.multi {
                    let bar = multi.add(ProgressBar::new(total.unwrap_or(0)));
                    bar.set_style(
                        ProgressStyle::with_template("{prefix:>9} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec}")
                            .expect("valid template")
                            .progress_chars("=> "),
                    );
                    bar.set_prefix(op_name(operation));
                    self.bars.insert(op_name(operation), bar);
                }
            }
            ProgressEvent::Progress { operation, size, .. } => {
                if let Some(bar) = self.bars.get(op_name(operation)) {
                    bar.inc(size);
                }
            }
            ProgressEvent::Finished(operation) => match self.bars.get(op_name(operation)) {
                Some(bar) => bar.finish(),
                None => eprintln!("{}: done", op_name(operation)),
            },
            ProgressEvent::Failed(operation) => {
                if let Some(bar) = self.bars.get(op_name(operation)) {
                    bar.abandon();
                }
            }
            _ => {}
        }
    }
}
