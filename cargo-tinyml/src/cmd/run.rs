//! `cargo tinyml run`: build the project and run it (in QEMU for emulated boards).

use crate::boards::Flow;
use crate::common::{self, ProjectArgs};
use crate::project::{self, cargo, top1, Project, ProjectError};
use crate::target::qemu;
use anyhow::bail;
use std::process::ExitCode;

/// Build the project in the current directory and run it.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Emulated boards run in QEMU (-icount shift=0, deterministic) with semihosting: the firmware's
output appears here and its exit code becomes this command's exit code. After the firmware's
raw output vector (`tinyml: output0 = [...]`), the top-1 class is printed: its index, and its
label from model/labels.txt (one label per line, in class order) when the project has one.
Hardware boards are run with `cargo tinyml flash`.

Exit codes: the firmware's own (0 = success, 101 = panic); 1 if the build or QEMU failed;
3 if the firmware does not fit the board's memory; 124 if the firmware did not exit within
--timeout; 130 on Ctrl-C.

Example:
  cargo tinyml new demo && cd demo && cargo tinyml run --release")]
pub struct Cmd {
    /// Board to run on; default: `[package.metadata.tinyml] board` of the project.
    #[arg(long, short)]
    pub board: Option<String>,
    /// Build with the release profile.
    #[arg(long, short)]
    pub release: bool,
    /// Stop the emulator after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub timeout: f64,
    /// Where the project is and where cargo builds it.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Arena bytes against instructions.
    #[command(flatten)]
    pub memory: crate::common::MemoryArgs,
}

impl Cmd {
    /// Runs the command; the exit code is the firmware's.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let project = Project::find(&self.project.dir()?)?;
        let board = project::resolve_board(&project, self.board.as_deref())?;
        let Flow::Qemu(emu) = board.flow() else {
            bail!(ProjectError::NotEmulated { board: board.name.clone() });
        };
        let timeout = common::timeout(self.timeout)?;
        // Ctrl-C stops QEMU and exits 130 with a message (not QEMU's status).
        crate::interrupt::install();
        let elf = cargo::build_elf(
            &project,
            &cargo::BuildOptions {
                memory: Some(self.memory.mode()),
                ..self.project.build_options(self.release, false)
            },
        )?;
        eprintln!("     Running `{}`", qemu::command_line(emu, &elf).join(" "));
        let outcome = qemu::run(emu, &elf, timeout, true)?;
        if let Some(top1) = top1::of_run(&outcome.stdout, &project.root) {
            println!("{top1}");
        }
        Ok(ExitCode::from(u8::try_from(outcome.code).unwrap_or(1)))
    }
}
