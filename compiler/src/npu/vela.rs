//! Running Arm's Vela (PyPI `ethos-u-vela`) on a model, as `python -m ethosu.vela`, for
//! its output model: what [`super::compile_offloaded`] reads. Vela is a Python tool the
//! user installs (`cargo tinyml doctor` says how); build scripts find the interpreter
//! through `TINYML_PYTHON`, which `cargo tinyml` sets to the one it found.

use crate::error::CompileError;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Python interpreter for Vela: `$TINYML_PYTHON`, else `python3`.
pub fn python() -> PathBuf {
    std::env::var_os("TINYML_PYTHON").filter(|p| !p.is_empty()).map(PathBuf::from).unwrap_or_else(|| "python3".into())
}

/// The command that runs Vela with `python` on `model` for `accelerator`
/// (`ethos-u55-128`, ...), writing into `out_dir` (`analyze --npu` adds its report flags).
pub fn command(python: &Path, model: &Path, accelerator: &str, out_dir: &Path) -> Command {
    let mut cmd = Command::new(python);
    cmd.args(["-m", "ethosu.vela"]).arg(model).args(["--accelerator-config", accelerator, "--output-dir"]).arg(out_dir);
    cmd
}

/// Runs Vela with `python` on `model` for `accelerator` (`ethos-u55-128`, ...), writing
/// into `out_dir`; returns the bytes of its output model.
pub fn compile(python: &Path, model: &Path, accelerator: &str, out_dir: &Path) -> Result<Vec<u8>, CompileError> {
    std::fs::create_dir_all(out_dir)
        .map_err(|e| CompileError::Vela(format!("cannot create {}: {e}", out_dir.display())))?;
    let out = command(python, model, accelerator, out_dir)
        .output()
        .map_err(|e| {
            CompileError::Vela(format!(
                "cannot run {} -m ethosu.vela: {e}; install it with `pip install ethos-u-vela==5.2.0` (cargo tinyml doctor)",
                python.display()
            ))
        })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let hint = if err.contains("No module named ethosu") {
            format!("; install it with `{} -m pip install ethos-u-vela==5.2.0` (cargo tinyml doctor)", python.display())
        } else {
            String::new()
        };
        return Err(CompileError::Vela(format!("failed on {}:\n{}{hint}", model.display(), err.trim())));
    }
    let stem = model.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let path = out_dir.join(format!("{stem}_vela.tflite"));
    std::fs::read(&path).map_err(|e| CompileError::Vela(format!("did not write {}: {e}", path.display())))
}
