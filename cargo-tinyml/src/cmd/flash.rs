//! `cargo tinyml flash`: build, check the fit, and put the firmware on the board.

use crate::boards::LoadFlow;
use crate::cargo::{self, BuildOptions, Project};
use crate::cmd::profile::resolve_board;
use crate::elf::Elf;
use crate::{probe, qemu};
use anyhow::bail;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use probe_rs::flashing::{ProgressEvent, ProgressOperation};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Build the project and put it on the board.
///
/// Hardware boards: the ELF is checked against the chip's memory map (host check, then a
/// probe-rs dry run), then flashed through probe-rs with erase/program/verify progress,
/// and the core is reset and left running. RAM-loaded boards (STM32N6 development flow)
/// are written to RAM and started at their vector table (VTOR, SP, PC). Emulated boards
/// start in QEMU, like `cargo tinyml run`.
///
/// Exit codes: 0 = flashed and started (emulated: the firmware's exit code); 1 = failed.
#[derive(Debug, clap::Args)]
pub struct Cmd {
    /// Board; default: `[package.metadata.tinyml] board` of the project.
    #[arg(long, short)]
    pub board: Option<String>,
    /// Debug probe to use when several are connected (VID:PID[:SERIAL], hex).
    #[arg(long, value_name = "VID:PID[:SERIAL]")]
    pub probe: Option<String>,
    /// Build with the release profile.
    #[arg(long, short)]
    pub release: bool,
    /// Check that the image fits (host check and probe-rs dry run) without writing.
    #[arg(long)]
    pub dry_run: bool,
    /// Project directory (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
    /// Cargo's target directory (default: cargo's).
    #[arg(long, value_name = "DIR")]
    pub target_dir: Option<PathBuf>,
}

impl Cmd {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let dir = match &self.path {
            Some(p) => p.clone(),
            None => std::env::current_dir()?,
        };
        if let Some(board) = crate::c2000::c_board_for(&dir, self.board.as_deref())? {
            // A core probe-rs cannot drive (C28x): TI's loader, or the manual steps.
            crate::c2000::flash_command(&board, &dir, self.dry_run)?;
            return Ok(ExitCode::SUCCESS);
        }
        let project = Project::find(&dir)?;
        let board = resolve_board(&project, self.board.as_deref())?;
        let build = BuildOptions { release: self.release, target_dir: self.target_dir.clone(), quiet: false };
        let elf_path = cargo::build(&project, &build)?;
        let elf = Elf::read(&elf_path)?;
        let regions: Vec<crate::elf::Region> = board
            .memory
            .iter()
            .map(|r| crate::elf::Region { name: r.name.clone(), range: r.origin..r.origin + r.length })
            .collect();
        elf.check_fit(&format!("board {}", board.name), &regions)?;
        if let Some(emu) = &board.emulator {
            if self.dry_run {
                eprintln!("{} fits {} (emulated: nothing to flash)", elf_path.display(), board.name);
                return Ok(ExitCode::SUCCESS);
            }
            let out = qemu::run(emu, &elf_path, Duration::from_secs(3600), true)?;
            return Ok(ExitCode::from(out.code.clamp(0, 255) as u8));
        }
        let Some(chip) = board.probe_rs_chip.clone() else {
            bail!(
                "board `{}` is not supported by probe-rs: load {} with the vendor tool",
                board.name,
                elf_path.display()
            );
        };
        probe::check_fit(&elf, &chip)?;
        let selector = self.probe.as_deref().map(probe::parse_selector).transpose()?;
        let lister = probe_rs::probe::list::Lister::new();
        let open = || probe::select_probe(&lister, selector.as_ref());
        let mut session = probe::attach_checked(open, &chip, probe::detect_chip)?;
        probe::dry_run(&mut session, &elf, &chip)?;
        if self.dry_run {
            eprintln!("{} fits {chip} (probe-rs dry run passed)", elf_path.display());
            return Ok(ExitCode::SUCCESS);
        }
        let mut bars = Bars::new();
        probe::flash(&mut session, &elf, &chip, |e| bars.event(e))?;
        if board.load == LoadFlow::Ram {
            probe::start_from_ram(&mut session, &elf)?;
            eprintln!("loaded {} into RAM of {chip} and started it", elf_path.display());
        } else {
            probe::reset_and_run(&mut session)?;
            eprintln!("flashed {} to {chip}; reset and running", elf_path.display());
        }
        Ok(ExitCode::SUCCESS)
    }
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
