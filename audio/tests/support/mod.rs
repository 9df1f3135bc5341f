//! What the audio tests need to find the reference tools: the workspace, the shared
//! models and the Python interpreter with `tflite_micro` (the same conventions as
//! `compiler/tests/support`, of which this is the part the audio tests use).
//!
//! Include with `mod support;`.

use std::path::{Path, PathBuf};

/// The workspace root (the parent of the `audio` crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("audio/ has a parent").to_path_buf()
}

/// The Python interpreter: `$TINYML_PYTHON`, else `<workspace>/.venv/bin/python`, else
/// `python3` from `PATH`.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("TINYML_PYTHON").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let venv = workspace_root().join(".venv/bin/python");
    if venv.exists() {
        return venv;
    }
    PathBuf::from("python3")
}

/// The shared models: `$TINYML_SHARED_MODELS`, `$TINYML_MODELS_DIR`, else
/// `<workspace>/tests/data` (the models, audio and reference arrays kept in the repository).
pub fn shared_models() -> PathBuf {
    for var in ["TINYML_SHARED_MODELS", "TINYML_MODELS_DIR"] {
        if let Some(p) = std::env::var_os(var).filter(|p| !p.is_empty()) {
            return PathBuf::from(p);
        }
    }
    workspace_root().join("tests/data")
}
