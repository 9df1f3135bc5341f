//! The Python side of validation: finding an interpreter with TFLM's reference
//! interpreter (PyPI `tflite-micro`) and running a model through it.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::Command;
use tinyml_compiler::formats::npy::{self, NpyArray};

/// The TFLM reference runner, embedded so an installed `cargo tinyml` has it.
const REFERENCE_SCRIPT: &str = include_str!("../python/tflm_reference.py");

/// What to install when the reference interpreter is missing.
pub const INSTALL_HINT: &str = "python3 -m venv .venv && .venv/bin/pip install -r tools/oracle/requirements.txt \
     (or: pip install tflite-micro numpy), then set TINYML_PYTHON=.venv/bin/python";

/// The Python interpreter for the TFLM reference tools (`tools/oracle/`):
/// `$TINYML_PYTHON`, else `.venv/bin/python` in the current directory or in the
/// cargo-tinyml checkout (made by `scripts/test`), else `python3`.
pub fn interpreter() -> PathBuf {
    if let Some(p) = std::env::var_os("TINYML_PYTHON") {
        return PathBuf::from(p);
    }
    let dirs = std::iter::once(PathBuf::from(".")).chain(crate::project::scaffold::source_dir());
    for dir in dirs {
        let venv = dir.join(".venv/bin/python");
        if venv.is_file() {
            return venv;
        }
    }
    PathBuf::from("python3")
}

/// Whether `python` can import the TFLM interpreter.
pub fn has_tflite_micro(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "from tflite_micro.python.tflite_micro import runtime"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Runs `model` in the TFLM reference interpreter on one set of inputs (one array per
/// model input) and returns its outputs. With `batch`, every input carries a leading
/// axis of independent runs, and so does every output.
pub fn reference_outputs(
    model: &Path,
    inputs: &[NpyArray],
    n_outputs: usize,
    batch: bool,
) -> anyhow::Result<Vec<NpyArray>> {
    let python = interpreter();
    if !has_tflite_micro(&python) {
        bail!("the TFLM reference interpreter is not installed for {}: {INSTALL_HINT}", python.display());
    }
    let dir = tempdir()?;
    let script = dir.join("tflm_reference.py");
    std::fs::write(&script, REFERENCE_SCRIPT)?;
    let mut cmd = Command::new(&python);
    cmd.arg(&script).arg(model);
    if batch {
        cmd.arg("--batch");
    }
    for (k, a) in inputs.iter().enumerate() {
        let p = dir.join(format!("input_{k}.npy"));
        std::fs::write(&p, npy::write(a))?;
        cmd.arg("--input").arg(p);
    }
    let outs: Vec<PathBuf> = (0..n_outputs).map(|k| dir.join(format!("output_{k}.npy"))).collect();
    for p in &outs {
        cmd.arg("--output").arg(p);
    }
    let out = cmd.output().with_context(|| format!("cannot run {}", python.display()))?;
    if !out.status.success() {
        let _ = std::fs::remove_dir_all(&dir);
        bail!(
            "the TFLM reference interpreter failed on {}:\n{}",
            model.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let result = outs
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).with_context(|| format!("reference output {} missing", p.display()))?;
            npy::read(&bytes).map_err(anyhow::Error::from)
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn tempdir() -> anyhow::Result<PathBuf> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("cargo-tinyml-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}
