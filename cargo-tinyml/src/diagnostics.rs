//! Renders a failed command: the error chain, then a hint that says how to fix it. The
//! errors come from the library modules that own them; no command module is imported.
//!
//! Exit codes: 1 = the command failed on user input or environment, 2 = usage (clap),
//! 124 = the firmware did not finish within `--timeout`, 101 = internal bug (panic).
//! `run` otherwise exits with the firmware's own exit code.

use crate::boards::BoardError;
use crate::common::apt_install;
use crate::project::cargo::CargoError;
use crate::project::scaffold::{NewError, SourceError};
use crate::project::ProjectError;
use crate::target::elf::FitError;
use crate::target::probe::ProbeError;
use crate::target::qemu::QemuError;
use std::process::ExitCode;

/// Exit code when the firmware timed out (as `timeout(1)`).
pub const EXIT_TIMEOUT: u8 = 124;

/// Prints `err` with its causes and a fix hint, and returns the exit code.
pub fn render(err: &anyhow::Error) -> ExitCode {
    eprintln!("error: {err}");
    for cause in err.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
    if let Some(hint) = hint(err) {
        eprintln!("hint: {hint}");
    }
    ExitCode::from(exit_code(err))
}

/// The exit code for `err`.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    match err.downcast_ref::<QemuError>() {
        Some(QemuError::Timeout { .. }) => EXIT_TIMEOUT,
        _ => 1,
    }
}

fn find<E: std::error::Error + Send + Sync + 'static>(err: &anyhow::Error) -> Option<&E> {
    err.chain().find_map(|e| e.downcast_ref::<E>())
}

/// A fix hint for the errors we know how to fix.
pub fn hint(err: &anyhow::Error) -> Option<String> {
    if let Some(e) = find::<NewError>(err) {
        return Some(match e {
            NewError::BadName { .. } => "choose a name like `kws-demo`: ASCII letters, digits, `-`, `_`, starting with a letter".into(),
            NewError::Exists { path } => format!(
                "choose another name or --path, or remove `{}` first; `new` never writes into a non-empty directory",
                path.display()
            ),
            NewError::ModelUnreadable { .. } => "check the path given to --model (relative paths start at the current directory)".into(),
            NewError::NotTflite { .. } => "pass an int8 .tflite flatbuffer (convert with the TFLite converter and full-integer quantization)".into(),
            NewError::Compile { .. } => "the model is valid TFLite but uses something cargo-tinyml cannot compile yet; see the message above for the operator and tensor".into(),
        });
    }
    if let Some(e) = find::<BoardError>(err) {
        return Some(match e {
            BoardError::Unknown { .. } => {
                "run `cargo tinyml boards` to list the boards, or add a board file to the user boards directory".into()
            }
            BoardError::Parse { .. } | BoardError::Invalid { .. } => {
                "fix the board file; the files in the repository's boards/ folder show every field".into()
            }
            BoardError::Io { .. } => "check the permissions of the user boards directory ($TINYML_BOARDS_DIR)".into(),
        });
    }
    if let Some(e) = find::<QemuError>(err) {
        return match e {
            QemuError::NotInstalled { .. } => Some(format!("install it: {}", apt_install("qemu-system-arm"))),
            QemuError::Timeout { .. } => {
                Some("raise --timeout for large models, or check that main ends with tinyml_firmware::exit".into())
            }
            QemuError::Failed(_) => {
                Some("run `cargo tinyml doctor`; QEMU 7.2 or newer is needed for mps3-an547".into())
            }
        };
    }
    if let Some(e) = find::<ProjectError>(err) {
        return Some(match e {
            ProjectError::NotFound { .. } | ProjectError::Manifest { .. } => {
                "run this in a project made by `cargo tinyml new`, or pass --path DIR".into()
            }
            ProjectError::NoBoard => "pass --board, or add `[package.metadata.tinyml] board = \"mps3-an547\"` to Cargo.toml".into(),
            ProjectError::BoardMismatch { asked, .. } => format!(
                "memory.x and .cargo/config.toml come from the board: create a project for it with `cargo tinyml new NAME --board {asked}`"
            ),
            ProjectError::NotEmulated { .. } => "flash it and see its output with `cargo tinyml flash` (also what plain `cargo run` calls); `cargo tinyml flash --dry-run` checks it without a board".into(),
        });
    }
    if let Some(e) = find::<CargoError>(err) {
        return match e {
            CargoError::BuildFailed { .. } => Some(
                "see cargo's errors above; a missing target is fixed by `rustup target add`, see `cargo tinyml doctor`"
                    .into(),
            ),
            CargoError::NoExecutable { .. } => None,
        };
    }
    if let Some(e) = find::<SourceError>(err) {
        return Some(match e {
            SourceError::Missing { .. } => "point TINYML_SOURCE_DIR at a cargo-tinyml checkout (the directory holding runtime/, firmware/, compiler/), or unset it: projects then depend on the published crates by version".into(),
            SourceError::NoCheckout => "drop --local to depend on the published crates, or set TINYML_SOURCE_DIR to a cargo-tinyml checkout".into(),
        });
    }
    if let Some(hint) = probe_hint(err) {
        return Some(hint);
    }
    None
}

/// Hints for the hardware path (`flash`, `profile` on a board).
fn probe_hint(err: &anyhow::Error) -> Option<String> {
    const SHRINK: &str = "the image is linked for the board's memory.x: check --board (a project is made for one board by `cargo tinyml new --board`), or shrink the model; `cargo tinyml analyze` shows where the bytes go";
    if find::<FitError>(err).is_some() {
        return Some(SHRINK.into());
    }
    Some(match find::<ProbeError>(err)? {
        ProbeError::NoProbe => "plug the USB cable into the board's debug port (not the user port); in a container or VM, pass the USB device through; `probe-rs list` shows what the OS sees".into(),
        ProbeError::SeveralProbes { .. } | ProbeError::NoMatch { .. } | ProbeError::BadSelector { .. } => "pass --probe VID:PID:SERIAL with one of the probes listed above".into(),
        ProbeError::PermissionDenied { .. } => "install the udev rule above, then unplug and replug the probe (or run once with sudo to confirm)".into(),
        ProbeError::WrongChip { .. } => "plug in the board this project is for, or make a project for the connected board (`cargo tinyml boards` lists each board's chip)".into(),
        ProbeError::Attach { .. } => "check the board's power and the debug cable; hold the board's reset button while starting, or lower the probe speed; `probe-rs info` tells whether the chip answers at all".into(),
        ProbeError::DoesNotFit(_) | ProbeError::Refused { .. } => SHRINK.into(),
        ProbeError::UnknownChip { .. } => "fix `probe_rs_chip` in the board file; `probe-rs chip list` lists the names probe-rs knows".into(),
        ProbeError::NoRtt { .. } => "the firmware must use tinyml-firmware with its `rtt` feature (projects made by `cargo tinyml new` for hardware boards do)".into(),
        ProbeError::Timeout { .. } => "raise --timeout for large models; check that the firmware starts (RAM-loaded boards need the boot switches in development mode)".into(),
        ProbeError::Open { .. } | ProbeError::Flash { .. } | ProbeError::Core { .. } | ProbeError::Elf(_) => return None,
    })
}
