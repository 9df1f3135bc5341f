//! Building a generated project with cargo: find the project and its board, run
//! `cargo build --message-format=json-render-diagnostics` and take the ELF from the
//! `CompilerArtifact` messages (as cargo-flash does).

use anyhow::{bail, Context as _};
use cargo_metadata::Message;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A firmware project: a package with `[package.metadata.tinyml]`.
#[derive(Clone, Debug)]
pub struct Project {
    /// Directory holding its `Cargo.toml`.
    pub root: PathBuf,
    /// Package name (the binary's name).
    pub name: String,
    /// `board` from `[package.metadata.tinyml]`, if set.
    pub board: Option<String>,
}

/// The project is not one `cargo tinyml` can build.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// No `Cargo.toml` in `dir` or above it.
    #[error("no Cargo.toml in {} or any parent directory", dir.display())]
    NotFound {
        /// Where the search started.
        dir: PathBuf,
    },
    /// The `Cargo.toml` is not readable or has no package name.
    #[error("{}: {reason}", path.display())]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
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
    },
}

impl Project {
    /// Finds the project whose `Cargo.toml` is in `dir` or the nearest parent.
    pub fn find(dir: &Path) -> Result<Project, ProjectError> {
        let manifest = dir
            .ancestors()
            .map(|d| d.join("Cargo.toml"))
            .find(|m| m.is_file())
            .ok_or_else(|| ProjectError::NotFound { dir: dir.to_owned() })?;
        let err = |reason: String| ProjectError::Manifest { path: manifest.clone(), reason };
        let text = std::fs::read_to_string(&manifest).map_err(|e| err(e.to_string()))?;
        let doc: toml::Table = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        let package = doc.get("package").and_then(|p| p.as_table()).ok_or_else(|| err("no [package] table".into()))?;
        let name = package.get("name").and_then(|n| n.as_str()).ok_or_else(|| err("no package name".into()))?;
        let board = package
            .get("metadata")
            .and_then(|m| m.get("tinyml"))
            .and_then(|t| t.get("board"))
            .and_then(|b| b.as_str())
            .map(str::to_owned);
        let root = manifest.parent().expect("manifest has a parent").to_owned();
        Ok(Project { root, name: name.to_owned(), board })
    }
}

/// Options of [`build`].
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// `--release`.
    pub release: bool,
    /// `--target-dir`; default: cargo's (`CARGO_TARGET_DIR` or `target/`).
    pub target_dir: Option<PathBuf>,
    /// Suppress cargo's progress and diagnostics on stderr (`--quiet`).
    pub quiet: bool,
}

/// Builds the project's binary and returns the path of the ELF.
pub fn build(project: &Project, options: &BuildOptions) -> anyhow::Result<PathBuf> {
    build_with(project, options, &[], &[])
}

/// [`build`] with cargo features of the project turned on and extra environment variables
/// for the build (read by `option_env!` in the firmware, e.g. `TINYML_PROFILE_RUNS`).
pub fn build_with(
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
    let mut child = cmd.spawn().context("cannot start cargo")?;
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
    if !status.success() {
        bail!(ProjectError::BuildFailed { status });
    }
    elf.ok_or_else(|| ProjectError::NoExecutable { package: project.name.clone() }.into())
}
