//! What several subcommands share: option groups flattened into their `Cmd` structs, and
//! helpers for the CLI edge (reading and compiling a model with context, checking
//! `--timeout`, the `apt-get` command a hint or `doctor` prints).

use crate::project::cargo::BuildOptions;
use anyhow::bail;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Where the project is and where cargo builds it (`run`, `flash`, `profile`).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ProjectArgs {
    /// Project directory (default: the current directory).
    #[arg(long, value_name = "DIR", conflicts_with = "manifest_path")]
    pub path: Option<PathBuf>,
    /// Path to the project's Cargo.toml, as cargo takes it.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Cargo's target directory (default: cargo's).
    #[arg(long, value_name = "DIR")]
    pub target_dir: Option<PathBuf>,
}

impl ProjectArgs {
    /// `--path`, else the directory of `--manifest-path`, else the current directory.
    pub fn dir(&self) -> anyhow::Result<PathBuf> {
        if let Some(m) = &self.manifest_path {
            // As cargo: the path must name a Cargo.toml that exists.
            if m.file_name().is_none_or(|n| n != "Cargo.toml") {
                bail!("--manifest-path must be a path to a Cargo.toml file, not `{}`", m.display());
            }
            if !m.is_file() {
                bail!("manifest path `{}` does not exist", m.display());
            }
            return Ok(match m.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
                _ => PathBuf::from("."),
            });
        }
        Ok(match &self.path {
            Some(p) => p.clone(),
            None => std::env::current_dir()?,
        })
    }

    /// cargo options for these arguments.
    pub fn build_options(&self, release: bool, quiet: bool) -> BuildOptions {
        BuildOptions { release, target_dir: self.target_dir.clone(), quiet, memory: None }
    }
}

/// `--memory`: arena bytes against instructions (`analyze`, `convert`, `validate`,
/// `run`, `flash`).
#[derive(Clone, Copy, Debug, Default, clap::Args)]
pub struct MemoryArgs {
    /// Arena bytes against instructions. An elementwise layer (ADD, SUB, MUL without
    /// broadcast, RELU, RELU6, LEAKY_RELU, HARD_SWISH, LOGISTIC, TANH, int8-to-int8
    /// QUANTIZE) can write its output over an input that dies there, element by element:
    /// one buffer where there were two, at no cost in instructions. With `ram`, int8
    /// convolutions also write over their input a band of rows at a time, and a pair of
    /// them runs fused where the tensor between them would be the largest (KWS: 16,000 B
    /// to 8,640 B, for about 10% more instructions; VWW: 55,296 B to 28,032 B, 2% more;
    /// models of 1-D layers, one pixel per row, pay more: 1.3-1.8x on held-out audio
    /// models, docs/benchmarks.md).
    /// `analyze` lists the layers in place and estimates what they cost.
    #[arg(long, value_enum, value_name = "MODE", default_value = "balanced")]
    pub memory: Memory,
}

/// The values of `--memory`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Memory {
    /// The smallest arena: elementwise layers and convolutions (by rows) in place;
    /// `invoke` may consume the model's input (refill it before each call)
    Ram,
    /// Elementwise layers in place only where the arena shrinks, never over the model's
    /// input
    #[default]
    Balanced,
    /// Nothing in place: every layer's output has its own bytes, the fewest instructions
    Speed,
}

impl MemoryArgs {
    /// The compiler's memory mode.
    pub fn mode(&self) -> tinyml_compiler::plan::MemoryMode {
        use tinyml_compiler::plan::MemoryMode;
        match self.memory {
            Memory::Ram => MemoryMode::Ram,
            Memory::Balanced => MemoryMode::Balanced,
            Memory::Speed => MemoryMode::Speed,
        }
    }
}

/// `--timeout SECONDS` as a duration; refuses zero, negative and non-finite values.
pub fn timeout(seconds: f64) -> anyhow::Result<Duration> {
    if !seconds.is_finite() || seconds <= 0.0 {
        bail!("--timeout must be a positive number of seconds");
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Reads and compiles a model with the default planner and `memory` (`analyze`,
/// `convert`, `validate`); a refusal names its cause ([`crate::model_check`]).
pub fn compile_model(model: &Path, memory: &MemoryArgs) -> anyhow::Result<tinyml_compiler::Program> {
    let options = tinyml_compiler::CompileOptions { memory: memory.mode(), ..Default::default() };
    crate::model_check::compile_file_with(model, &options).map_err(|e| match e {
        // The model error itself, so diagnostics finds its cause and hint.
        crate::model_check::CompileFileError::Model(m) => anyhow::Error::new(m),
        other => anyhow::Error::new(other),
    })
}

/// The standard output of `program args`, if it ran and succeeded.
pub fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).stdin(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether we run as root (then fix commands need no `sudo`).
pub fn is_root() -> bool {
    command_output("id", &["-u"]).is_some_and(|s| s.trim() == "0")
}

/// `apt-get install` of `packages`, with `sudo` unless we run as root.
pub fn apt_install(packages: &str) -> String {
    let sudo = if is_root() { "" } else { "sudo " };
    format!("{sudo}apt-get update && {sudo}apt-get install -y --no-install-recommends {packages}")
}

/// Set once Ctrl-C (SIGINT) arrives; the handler is installed on first use, so only
/// commands that poll this flag (`flash` streaming the firmware's output) catch Ctrl-C.
pub fn interrupted() -> &'static AtomicBool {
    static FLAG: AtomicBool = AtomicBool::new(false);
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        // Another handler already installed (a library user's) leaves Ctrl-C to it.
        let _ = ctrlc::set_handler(|| FLAG.store(true, Ordering::Relaxed));
    });
    &FLAG
}

/// Exit code after Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;
