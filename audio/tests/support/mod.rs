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

// Not every test file uses every helper below (each includes this module on its own).

/// A check that cannot run here: under CI (`$CI` set) a failure, elsewhere a message.
#[allow(dead_code)]
pub fn skip(what: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{what}");
    }
    eprintln!("skipping: {what}");
}

/// The standard output of `python <workspace>/<script> args...`; `None`, after [`skip`],
/// when Python cannot be run or the script exits 3 (its dependencies are missing); any
/// other failure panics with the script's error output.
#[allow(dead_code)]
pub fn run_python_script(script: &str, args: &[&std::ffi::OsStr]) -> Option<Vec<u8>> {
    match std::process::Command::new(python()).arg(workspace_root().join(script)).args(args).output() {
        Ok(o) if o.status.success() => Some(o.stdout),
        Ok(o) if o.status.code() == Some(3) => {
            skip(String::from_utf8_lossy(&o.stderr).trim());
            None
        }
        Ok(o) => panic!("{script} failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => {
            skip(&format!("cannot run {}: {e}", python().display()));
            None
        }
    }
}

/// The samples of a 16 kHz WAV whose channels are all equal (the MLPerf files have two).
#[allow(dead_code)]
pub fn wav_samples(path: &Path) -> Vec<i16> {
    let wav = tinyml_compiler::formats::wav::parse(&std::fs::read(path).unwrap()).unwrap();
    assert_eq!(wav.sample_rate, 16_000);
    let c = usize::from(wav.channels);
    let frames: Vec<&[i16]> = wav.samples.chunks(c).collect();
    assert!(frames.iter().all(|f| f.iter().all(|&s| s == f[0])), "{}: channels differ", path.display());
    frames.iter().map(|f| f[0]).collect()
}

/// Writes `samples` to `path` as a one-dimensional int16 `.npy` (the Python oracles' input).
#[allow(dead_code)]
pub fn write_i16_npy(path: &Path, samples: &[i16]) {
    use tinyml_compiler::formats::npy::{self, NpyArray};
    let bytes = samples.iter().flat_map(|v| v.to_le_bytes()).collect();
    let array = NpyArray::new(tinyml_compiler::graph::DType::I16, vec![samples.len()], bytes).unwrap();
    std::fs::write(path, npy::write(&array)).unwrap();
}

/// One second at 16 kHz of a full-scale chirp (every band, loud).
#[allow(dead_code)]
pub fn chirp() -> Vec<i16> {
    (0..16_000).map(|i| (32767.0 * (i as f64 * i as f64 * 2e-5).sin()) as i16).collect()
}

/// One second of a large DC offset with a faint tone (the pre-emphasis and DC paths).
#[allow(dead_code)]
pub fn dc_tone() -> Vec<i16> {
    (0..16_000).map(|i| (20_000.0 + 30.0 * (i as f64 * 0.7).sin()) as i16).collect()
}

/// One second of quiet xorshift noise (about -60 dBFS: the log's low end), the same
/// samples on every call.
#[allow(dead_code)]
pub fn quiet_noise() -> Vec<i16> {
    let mut seed = 0x2545_f491u32;
    (0..16_000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            ((seed >> 16) as i16) / 1000
        })
        .collect()
}
