//! `cargo tinyml run`: build the project and run it (in QEMU for emulated boards).

use crate::boards::Catalog;
use crate::cargo::{self, BuildOptions, Project};
use crate::qemu;
use anyhow::bail;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Build the project in the current directory and run it.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Emulated boards run in QEMU (-icount shift=0, deterministic) with semihosting: the firmware's
output appears here and its exit code becomes this command's exit code. Hardware boards are
run with `cargo tinyml flash`.

Exit codes: the firmware's own (0 = success, 101 = panic); 1 if the build or QEMU failed;
124 if the firmware did not exit within --timeout.

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
    /// Project directory (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
    /// Cargo's target directory (default: cargo's).
    #[arg(long, value_name = "DIR")]
    pub target_dir: Option<PathBuf>,
}

/// Why `run` cannot run this project on this board.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Neither `--board` nor the project names a board.
    #[error("no board: the project's Cargo.toml has no [package.metadata.tinyml] board and no --board was given")]
    NoBoard,
    /// `--board` differs from the board the project was generated for.
    #[error("the project was generated for board `{project}`, not `{asked}`")]
    BoardMismatch {
        /// The project's board.
        project: String,
        /// The board asked for.
        asked: String,
    },
    /// The board is real hardware.
    #[error("board `{board}` is hardware, not emulated: `cargo tinyml run` only runs emulated boards")]
    Hardware {
        /// The board.
        board: String,
    },
}

impl Cmd {
    /// Runs the command; the exit code is the firmware's.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let dir = match &self.path {
            Some(p) => p.clone(),
            None => std::env::current_dir()?,
        };
        let project = Project::find(&dir)?;
        let board_name = match (&self.board, &project.board) {
            (Some(asked), Some(generated)) if asked != generated => {
                bail!(RunError::BoardMismatch { project: generated.clone(), asked: asked.clone() })
            }
            (Some(b), _) | (None, Some(b)) => b.clone(),
            (None, None) => bail!(RunError::NoBoard),
        };
        let catalog = Catalog::load()?;
        let board = catalog.get(&board_name)?;
        let Some(emu) = &board.emulator else {
            bail!(RunError::Hardware { board: board.name.clone() });
        };
        if !self.timeout.is_finite() || self.timeout <= 0.0 {
            bail!("--timeout must be a positive number of seconds");
        }
        let options = BuildOptions { release: self.release, target_dir: self.target_dir.clone(), quiet: false };
        let elf = cargo::build(&project, &options)?;
        eprintln!("     Running `{}`", qemu::command_line(emu, &elf).join(" "));
        let outcome = qemu::run(emu, &elf, Duration::from_secs_f64(self.timeout), true)?;
        Ok(ExitCode::from(u8::try_from(outcome.code).unwrap_or(1)))
    }
}
