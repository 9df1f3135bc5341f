//! The library behind `cargo tinyml`. One module per subcommand under [`cmd`], each a
//! clap `Cmd` struct with a `run` method; what several commands share is in [`common`].
//! The logic lives in modules of its own, so integration tests (and `tinyml-bench`) can
//! call it: [`boards`] (boards as data), [`project`] (finding, generating and building
//! projects), [`target`] (QEMU, probe-rs, ELF images), [`profiling`] (measuring on the
//! board), [`format`] (numbers for tables), [`python`] (the TFLM reference), [`npu`] (Ethos-U
//! placement with Arm's Vela).

pub mod boards;
pub mod cmd;
pub mod common;
pub mod diagnostics;
pub mod fit;
pub mod format;
pub mod interrupt;
pub mod model_check;
pub mod model_io;
pub mod npu;
pub mod placement;
pub mod profiling;
pub mod progress;
pub mod project;
pub mod python;
pub mod target;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// TinyML on microcontrollers: from an int8 TFLite model to measured firmware.
///
/// Typical session:
///
///   cargo tinyml new kws --board mps3-an547 --model kws.tflite
///   cd kws && cargo tinyml run
///   cargo tinyml analyze model/model.tflite --board mps3-an547
///
/// Boards without hardware (mps3-an547, mps2-an505, mps2-an386) run in QEMU.
#[derive(Debug, Parser)]
#[command(
    name = "cargo tinyml",
    bin_name = "cargo tinyml",
    version,
    about,
    long_about,
    verbatim_doc_comment,
    propagate_version = true
)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scaffold a firmware project for a board, with a model compiled at build time.
    New(cmd::new::Cmd),
    /// List the known boards.
    Boards(cmd::boards::Cmd),
    /// Build the project and run it (in QEMU for emulated boards).
    Run(cmd::run::Cmd),
    /// Check the toolchain, QEMU and probe access, with the command that fixes each gap.
    Doctor(cmd::doctor::Cmd),
    /// Compile a model to portable C99 (any C toolchain; C2000 with --int8-container 16).
    Convert(cmd::convert::Cmd),
    /// Build and put the firmware on the board: probe-rs flash or RAM load, or QEMU.
    Flash(cmd::flash::Cmd),
    /// Build with profiling, run N inferences, report time and memory per layer.
    Profile(cmd::profile::Cmd),
    /// Report RAM, flash and MACs per layer of a model, and whether it fits a board.
    Analyze(cmd::analyze::Cmd),
    /// Run the compiled model and compare it with the TFLM reference, bit for bit.
    Validate(cmd::validate::Cmd),
    /// Compute an audio front end's features for a WAV file (host), for inspection.
    Features(cmd::features::Cmd),
}

impl Cli {
    /// Runs the parsed command; the exit code is the command's (e.g. the firmware's).
    pub fn run(self) -> anyhow::Result<ExitCode> {
        match self.command {
            Command::New(c) => c.run(),
            Command::Boards(c) => c.run(),
            Command::Run(c) => c.run(),
            Command::Doctor(c) => c.run(),
            Command::Convert(c) => c.run(),
            Command::Flash(c) => c.run(),
            Command::Profile(c) => c.run(),
            Command::Analyze(c) => c.run(),
            Command::Validate(c) => c.run(),
            Command::Features(c) => c.run(),
        }
    }
}
