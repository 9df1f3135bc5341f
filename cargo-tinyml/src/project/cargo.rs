//! Building a firmware project with cargo: `cargo build --message-format=json-render-diagnostics`,
//! taking the ELF from the `CompilerArtifact` messages (as cargo-flash does).

use super::Project;
use anyhow::{bail, Context as _};
use cargo_metadata::Message;
use std::io::BufReader;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// cargo did not produce the firmware.
#[derive(Debug, thiserror::Error)]
pub enum CargoError {
    /// cargo built no executable.
    #[error("cargo built no executable for package `{package}`")]
    NoExecutable {
        /// The package.
        package: String,
    },
    /// cargo failed (compile error: the user's code or model).
    #[error("cargo build failed ({status})")]
    BuildFailed {
        /// cargo's exit status.
        status: std::process::ExitStatus,
        /// The cause, when cargo's output tells it.
        #[source]
        cause: Option<super::build_log::BuildCause>,
    },
}

/// Options of [`build_elf`].
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// `--release`.
    pub release: bool,
    /// `--target-dir`; default: cargo's (`CARGO_TARGET_DIR` or `target/`).
    pub target_dir: Option<PathBuf>,
    /// Suppress cargo's progress and diagnostics on stderr (`--quiet`).
    pub quiet: bool,
    /// The memory mode for the model's build script (`TINYML_MEMORY`, read by
    /// `tinyml_compiler::build::Builder`); `None`: the build script's own.
    pub memory: Option<tinyml_compiler::plan::MemoryMode>,
}

/// Builds the project's binary and returns the path of the ELF.
pub fn build_elf(project: &Project, options: &BuildOptions) -> anyhow::Result<PathBuf> {
    build_elf_with(project, options, &[], &[])
}

/// [`build_elf`] with cargo features of the project turned on and extra environment variables
/// for the build (read by `option_env!` in the firmware, e.g. `TINYML_PROFILE_RUNS`).
pub fn build_elf_with(
    project: &Project,
    options: &BuildOptions,
    features: &[&str],
    env: &[(&str, &str)],
) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&project.root)
        .args(["build", "--bin", &project.name, "--message-format=json-render-diagnostics"])
        .stdout(Stdio::piped())
        .stdin(Stdio::null());
    if options.release {
        cmd.arg("--release");
    }
    if options.quiet {
        cmd.arg("--quiet");
    }
    if !features.is_empty() {
        cmd.arg("--features").arg(features.join(","));
    }
    cmd.envs(env.iter().copied());
    if let Some(mode) = options.memory {
        cmd.env("TINYML_MEMORY", mode.name());
    }
    if let Some(dir) = &options.target_dir {
        cmd.arg("--target-dir").arg(dir);
    }
    // The project's own .cargo/config.toml picks the target; variables of an enclosing
    // cargo invocation (tests, `cargo run -p cargo-tinyml`) must not leak into it.
    for var in ["CARGO_BUILD_TARGET", "CARGO_TARGET_DIR", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_MANIFEST_DIR"]
    {
        if var != "CARGO_TARGET_DIR" || options.target_dir.is_some() {
            cmd.env_remove(var);
        }
    }
    // stderr passes through us: kept to tell the cause of a failure, under a spinner.
    cmd.stderr(Stdio::piped());
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        cmd.arg("--color=always");
    }
    let mut child = cmd.spawn().context("cannot start cargo")?;
    let log = super::build_log::tee(child.stderr.take().expect("piped stderr"));
    let stdout = child.stdout.take().expect("piped stdout");
    let mut elf = None;
    for message in Message::parse_stream(BufReader::new(stdout)) {
        if let Message::CompilerArtifact(artifact) = message.context("reading cargo's JSON messages")? {
            if artifact.target.name == project.name && artifact.target.is_bin() {
                elf = artifact.executable.map(PathBuf::from).or(elf);
            }
        }
    }
    let status = child.wait().context("waiting for cargo")?;
    let log = log.finish();
    if !status.success() {
        bail!(CargoError::BuildFailed { status, cause: super::build_log::classify(&log, &project.root) });
    }
    elf.ok_or_else(|| CargoError::NoExecutable { package: project.name.clone() }.into())
}
