//! Renders a failed command: the error chain, then a hint that says how to fix it. The
//! errors come from the library modules that own them; no command module is imported.
//!
//! Exit codes: 1 = the command failed on user input or environment, 2 = usage (clap),
//! 3 = the model or firmware does not fit the board, 124 = the firmware did not finish
//! within `--timeout`, 127 = a vendor NPU compiler `analyze --npu` needs is not
//! installed (`stedgeai`, `neutron-converter`; the shell's "command not found"),
//! 130 = interrupted (Ctrl-C), 101 = internal bug (panic). `run`
//! otherwise exits with the firmware's own exit code. With `--json`, the error is
//! rendered as JSON on stdout ([`json`]).

pub mod json;

use crate::boards::BoardError;
use crate::common::apt_install;
use crate::fit::{DoesNotFit, EXIT_DOES_NOT_FIT};
use crate::interrupt::{Interrupted, EXIT_INTERRUPTED};
use crate::model_check::ModelError;
use crate::npu::vendor::{ToolError, EXIT_MISSING_TOOL};
use crate::project::build_log::BuildCause;
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
    eprint!("{}", text(err));
    ExitCode::from(exit_code(err))
}

/// The message of `err` as [`render`] prints it: `error:`, each cause that adds
/// something, `hint:`.
pub fn text(err: &anyhow::Error) -> String {
    let mut out = format!("error: {err}\n");
    for cause in causes(err) {
        out.push_str(&format!("  caused by: {cause}\n"));
    }
    if let Some(hint) = hint(err) {
        out.push_str(&format!("hint: {hint}\n"));
    }
    out
}

/// The causes of `err` worth printing: a cause whose text an earlier message already
/// contains (an error that quotes its source) is left out, so nothing is said twice.
pub fn causes(err: &anyhow::Error) -> Vec<String> {
    let mut said = vec![err.to_string()];
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !said.iter().any(|s| s.contains(&text)) {
            said.push(text);
        }
    }
    said.split_off(1)
}

/// Whether `err` says the user interrupted the command.
pub fn is_interrupted(err: &anyhow::Error) -> bool {
    find::<Interrupted>(err).is_some() || matches!(find::<QemuError>(err), Some(QemuError::Interrupted(_)))
}

/// The exit code for `err`.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if is_interrupted(err) {
        return EXIT_INTERRUPTED;
    }
    if does_not_fit(err).is_some() {
        return EXIT_DOES_NOT_FIT;
    }
    if find::<ToolError>(err).is_some_and(ToolError::is_missing) {
        return EXIT_MISSING_TOOL;
    }
    match find::<QemuError>(err) {
        Some(QemuError::Timeout { .. }) => EXIT_TIMEOUT,
        _ => 1,
    }
}

/// The refused model behind `err`: itself, or inside `new`'s or a build's error.
pub fn model_error(err: &anyhow::Error) -> Option<&ModelError> {
    if let Some(e) = find::<ModelError>(err) {
        return Some(e);
    }
    if let Some(NewError::Compile(e)) = find::<NewError>(err) {
        return Some(e);
    }
    match build_cause(err) {
        Some(BuildCause::Model(e)) => Some(e),
        _ => None,
    }
}

/// Whether `err` is a fit failure, and which.
pub fn does_not_fit(err: &anyhow::Error) -> Option<&DoesNotFit> {
    find::<DoesNotFit>(err).or(match build_cause(err) {
        Some(BuildCause::DoesNotFit(e)) => Some(e),
        _ => None,
    })
}

/// The cause of a failed firmware build, when cargo's output told it.
fn build_cause(err: &anyhow::Error) -> Option<&BuildCause> {
    match find::<CargoError>(err)? {
        CargoError::BuildFailed { cause, .. } => cause.as_ref(),
        CargoError::NoExecutable { .. } => None,
    }
}

const FIT_HINT: &str = "choose a board with more memory (`cargo tinyml boards -v` lists each board's flash and RAM), or shrink the model; `cargo tinyml analyze MODEL --board BOARD` shows where the bytes go";

/// The first error of type `E` in the chain of `err`.
fn find<E: std::error::Error + Send + Sync + 'static>(err: &anyhow::Error) -> Option<&E> {
    err.chain().find_map(|e| e.downcast_ref::<E>())
}

/// A fix hint for the errors we know how to fix.
pub fn hint(err: &anyhow::Error) -> Option<String> {
    if is_interrupted(err) {
        return None;
    }
    if let Some(e) = does_not_fit(err) {
        return Some(match e {
            DoesNotFit::Estimate { .. } => format!("{FIT_HINT}; `new --force` writes the project anyway"),
            DoesNotFit::Linked { .. } => FIT_HINT.into(),
        });
    }
    if let Some(e) = model_error(err) {
        return Some(e.hint());
    }
    if let Some(e) = find::<NewError>(err) {
        return Some(match e {
            NewError::BadName { .. } => {
                "choose a name like `kws-demo`: ASCII letters, digits, `-`, `_`, starting with a letter".into()
            }
            NewError::Exists { path } => format!(
                "choose another name or --path, or remove `{}` first; `new` never writes into a non-empty directory",
                path.display()
            ),
            NewError::ModelUnreadable { .. } => {
                "check the path given to --model (relative paths start at the current directory)".into()
            }
            NewError::NotTflite { .. } => {
                "pass an int8 .tflite flatbuffer (convert with the TFLite converter and full-integer quantization)"
                    .into()
            }
            NewError::Compile(e) => e.hint(),
            NewError::ParentIsFile { file, .. } => format!(
                "`{}` is a file: pass a --path inside a directory (or remove or rename the file)",
                file.display()
            ),
            NewError::NeedsRustTarget { option, .. } => {
                format!("drop {option}, or choose a board with a Rust target (`cargo tinyml boards` lists them)")
            }
        });
    }
    if let Some(e) = find::<crate::project::npu::NpuError>(err) {
        return Some(e.hint());
    }
    if let Some(e) = find::<ToolError>(err) {
        return Some(e.hint());
    }
    if let Some(e) = find::<BoardError>(err) {
        return Some(match e {
            BoardError::Unknown { name, known } => match crate::boards::closest(name, known) {
                Some(k) => format!("did you mean `--board {k}`? `cargo tinyml boards` lists the boards"),
                None => {
                    "run `cargo tinyml boards` to list the boards, or add a board file to the user boards directory"
                        .into()
                }
            },
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
            QemuError::Interrupted(_) => None,
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
    if find::<CargoError>(err).is_some() {
        // Only a cause the build log shows gets a hint; a guess would mislead.
        return build_cause(err).map(build_hint);
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

/// The fix for a build failure whose cause is known.
fn build_hint(cause: &BuildCause) -> String {
    match cause {
        BuildCause::Model(e) => e.hint(),
        BuildCause::Wav { path, .. } => format!(
            "convert it to 16 kHz mono 16-bit PCM in place: `sox {0} -r 16000 -c 1 -b 16 -e signed fixed.wav && mv fixed.wav {0}` (or remove it from audio/)",
            path.display()
        ),
        BuildCause::DoesNotFit(_) => unreachable!("fit failures are hinted first"),
        BuildCause::MissingTarget { target } => {
            format!("install it: `rustup target add {target}` (`cargo tinyml doctor` checks every board's target)")
        }
        BuildCause::MissingSource { path } => format!(
            "the project depends on a cargo-tinyml checkout by path and `{}` is gone: point the path dependencies in Cargo.toml at a checkout, or create the project again",
            path.display()
        ),
    }
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
