//! `cargo tinyml flash`: build, check the fit, and put the firmware on the board.

use crate::boards::{Board, Flow};
use crate::common::ProjectArgs;
use crate::project::{self, c_project, cargo, Located};
use crate::target::elf::{Elf, Region};
use crate::target::{probe, qemu};
use anyhow::bail;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use probe_rs::flashing::{ProgressEvent, ProgressOperation};
use std::collections::HashMap;
use std::io::IsTerminal;
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
    /// Where the project is and where cargo builds it.
    #[command(flatten)]
    pub project: ProjectArgs,
}

impl Cmd {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let dir = self.project.dir()?;
        let (project, board) = match project::locate(&dir, self.board.as_deref())? {
            Located::CProject(board) => {
                // A core probe-rs cannot drive (C28x): TI's loader, or the manual steps.
                c_project::flash_command(&board, &dir, self.dry_run)?;
                return Ok(ExitCode::SUCCESS);
            }
            Located::Firmware(project, board) => (project, board),
        };
        let elf_path = cargo::build_elf(&project, &self.project.build_options(self.release, false))?;
        let elf = Elf::read(&elf_path)?;
        elf.check_fit(&format!("board {}", board.name), &board_regions(&board))?;
        match board.flow() {
            Flow::Qemu(emu) => {
                if self.dry_run {
                    eprintln!("{} fits {} (emulated: nothing to flash)", elf_path.display(), board.name);
                    return Ok(ExitCode::SUCCESS);
                }
                let out = qemu::run(emu, &elf_path, Duration::from_secs(3600), true)?;
                Ok(ExitCode::from(out.code.clamp(0, 255) as u8))
            }
            Flow::Probe { chip, ram } => self.flash_with_probe(&elf, chip, ram),
            Flow::VendorTool | Flow::CProject => bail!(
                "board `{}` is not supported by probe-rs: load {} with the vendor tool",
                board.name,
                elf_path.display()
            ),
        }
    }

    fn flash_with_probe(&self, elf: &Elf, chip: &str, ram: bool) -> anyhow::Result<ExitCode> {
        probe::check_fit(elf, chip)?;
        let selector = self.probe.as_deref().map(probe::parse_selector).transpose()?;
        let lister = probe_rs::probe::list::Lister::new();
        let open = || probe::select_probe(&lister, selector.as_ref());
        let mut session = probe::attach_checked(open, chip, probe::detect_chip)?;
        probe::dry_run(&mut session, elf, chip)?;
        if self.dry_run {
            eprintln!("{} fits {chip} (probe-rs dry run passed)", elf.path.display());
            return Ok(ExitCode::SUCCESS);
        }
        let mut bars = Bars::new();
        probe::flash(&mut session, elf, chip, |e| bars.event(e))?;
        if ram {
            probe::start_from_ram(&mut session, elf)?;
            eprintln!("loaded {} into RAM of {chip} and started it", elf.path.display());
        } else {
            probe::reset_and_run(&mut session)?;
            eprintln!("flashed {} to {chip}; reset and running", elf.path.display());
        }
        Ok(ExitCode::SUCCESS)
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
