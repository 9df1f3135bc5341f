//! Arm's Vela compiler (PyPI `ethos-u-vela`) as an optional tool, found like the TFLM
//! reference (`crate::python::interpreter`, the project's `.venv`), run as
//! `python -m ethosu.vela`, and read back from its machine-readable outputs:
//!
//! - `<model>_per-layer.csv` (`--verbose-performance`): one row per operator after Vela's
//!   lowering, with `Target` (NPU or CPU), `Staging Usage` (SRAM bytes), `Op Cycles`;
//! - `<model>_debug.xml` (`--enable-debug-db`): the same rows in the same order in table
//!   `perf`, with `source_id`, and table `source` mapping it to `ext_key`, the index of
//!   the operator in the input model — how a lowered row finds its layer;
//! - `<model>_summary_<system config>.csv`: the network totals (`cycles_total` is the
//!   sum of the per-layer `Op Cycles`, checked by [`VelaReport::consistent`]).
//!
//! Only the reason an operator stays on the CPU has no file: Vela prints it, so it is
//! read from the console output ([`cpu_reasons`]), keyed by the operator's output tensor.

use super::vela_outputs::read_outputs;
pub use super::vela_report::{partition, Segment, Target, VelaLayer, VelaReport, VelaSummary};
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The accelerator configurations Vela 5.2 accepts (`vela --help`, `--accelerator-config`).
pub const ACCELERATORS: &[&str] = &[
    "ethos-u55-32",
    "ethos-u55-64",
    "ethos-u55-128",
    "ethos-u55-256",
    "ethos-u65-256",
    "ethos-u65-512",
    "ethos-u85-128",
    "ethos-u85-256",
    "ethos-u85-512",
    "ethos-u85-1024",
    "ethos-u85-2048",
];

/// The Vela release the parsing was checked against (`tools/npu/requirements.txt`).
pub const VELA_VERSION: &str = "5.2.0";

/// What to install when Vela is missing for the interpreter `python`: into it when it is a
/// venv's, else a venv in the checkout with both requirement files (as `scripts/test` makes it).
pub fn install_hint(python: &Path) -> String {
    let in_venv = python.parent().and_then(Path::parent).is_some_and(|v| v.join("pyvenv.cfg").is_file());
    let root = crate::project::scaffold::source_dir();
    match (in_venv, root) {
        (true, Some(root)) => format!("{} -m pip install -r {}/tools/npu/requirements.txt", python.display(), root.display()),
        (true, None) => format!("{} -m pip install ethos-u-vela=={VELA_VERSION}", python.display()),
        (false, Some(root)) => format!(
            "python3 -m venv {0}/.venv && {0}/.venv/bin/pip install -r {0}/tools/oracle/requirements.txt -r {0}/tools/npu/requirements.txt{1}",
            root.display(),
            if std::env::var_os("TINYML_PYTHON").is_some() {
                format!(", then set TINYML_PYTHON={}/.venv/bin/python", root.display())
            } else {
                String::new()
            }
        ),
        (false, None) => format!(
            "python3 -m venv .venv && .venv/bin/pip install ethos-u-vela=={VELA_VERSION} && export TINYML_PYTHON=$PWD/.venv/bin/python"
        ),
    }
}

/// Vela's version as `python -m ethosu.vela --version` prints it, if it runs.
pub fn version(python: &Path) -> Option<String> {
    let out = Command::new(python).args(["-m", "ethosu.vela", "--version"]).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
/// Runs Vela on `model` for `accelerator` with `python`, in a temporary output directory,
/// and reads its outputs back.
pub fn run(python: &Path, model: &Path, accelerator: &str) -> anyhow::Result<VelaReport> {
    if !ACCELERATORS.contains(&accelerator) {
        bail!("unknown Ethos-U configuration {accelerator:?}: one of {}", ACCELERATORS.join(", "));
    }
    let Some(vela_version) = version(python) else {
        bail!("Vela (ethos-u-vela) is not installed for {}: {}", python.display(), install_hint(python));
    };
    let dir = out_dir()?;
    let out = tinyml_compiler::npu::vela::command(python, model, accelerator, &dir)
        .args(["--enable-debug-db", "--verbose-performance"])
        .output()
        .with_context(|| format!("cannot run {} -m ethosu.vela", python.display()))?;
    let console = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let result = if out.status.success() {
        read_outputs(&dir, model, accelerator, &vela_version, &console)
    } else {
        Err(anyhow::anyhow!("Vela failed on {}:\n{}", model.display(), console.trim()))
    };
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// A new temporary directory for Vela's outputs (the caller removes it).
pub fn out_dir() -> anyhow::Result<PathBuf> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("cargo-tinyml-vela-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}
