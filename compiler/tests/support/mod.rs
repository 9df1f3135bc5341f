//! Helpers shared by the integration tests that compare against TFLite Micro: finding
//! the workspace, the shared models and the Python interpreter with `tflite_micro`,
//! running the oracle scripts of `tools/oracle`, and comparing outputs byte for byte.
//!
//! Include with `mod support;` (each test binary compiles its own copy, so helpers one
//! test does not use are allowed to be dead).
#![allow(dead_code)]

pub mod run;

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

use tinyml_compiler::formats::npy::{self, NpyArray};
use tinyml_compiler::graph::DType;

/// The command that installs what the oracle needs.
pub const INSTALL_HINT: &str = "python3 -m venv .venv && .venv/bin/pip install -r tools/oracle/requirements.txt";

/// Exit code of the oracle scripts when tflite_micro, numpy or tflite is missing.
pub const EXIT_MISSING_DEPS: i32 = 3;

/// The workspace root (the parent of the `compiler` crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("compiler/ has a parent").to_path_buf()
}

/// `tools/oracle` in the workspace.
pub fn oracle_dir() -> PathBuf {
    workspace_root().join("tools/oracle")
}

/// Whether this is a CI run, where a missing oracle is a failure rather than a skip.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Ends a test whose prerequisites are missing: a failure in CI, a visible skip
/// elsewhere. Returns so the caller can `return` right after.
pub fn skip(what: &str, why: &str, fix: &str) {
    if in_ci() {
        panic!("{what}: {why}\nCI must run it; fix with:\n  {fix}");
    }
    eprintln!("SKIPPED {what}: {why}\n  to run it: {fix}");
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

/// Checks that the Python interpreter can import what the oracle needs; the error says
/// what is missing.
pub fn check_oracle() -> Result<PathBuf, String> {
    let py = python();
    let out = Command::new(&py)
        .args(["-c", "import numpy, tflite, flatbuffers\nfrom tflite_micro.python.tflite_micro import runtime"])
        .output()
        .map_err(|e| format!("cannot run Python interpreter {}: {e}", py.display()))?;
    if out.status.success() {
        Ok(py)
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").trim().to_string();
        Err(format!("{} cannot import the TFLM oracle ({last})", py.display()))
    }
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

/// Reads a `.npy` file, with the path in any error.
pub fn read_npy(path: &Path) -> Result<NpyArray, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    npy::read(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Run `r` of `runs`: each array's data split into `runs` equal parts along its leading
/// axis (a batch of runs, or invocations in a row), part `r` of each.
pub fn run_slices(arrays: &[NpyArray], r: usize, runs: usize) -> Vec<&[u8]> {
    arrays
        .iter()
        .map(|x| {
            let per = x.data.len() / runs;
            &x.data[r * per..(r + 1) * per]
        })
        .collect()
}

/// Writes a `.npy` file.
pub fn write_npy(path: &Path, array: &NpyArray) -> Result<(), String> {
    std::fs::write(path, npy::write(array)).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Runs `tools/oracle/tflm_reference.py --batch` on a model: `inputs[k]` holds model
/// input k for every run along a leading axis; returns the outputs the same way.
pub fn tflm_batch(py: &Path, model: &Path, inputs: &[NpyArray], scratch: &Path) -> Result<Vec<NpyArray>, String> {
    std::fs::create_dir_all(scratch).map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let mut cmd = Command::new(py);
    cmd.arg(oracle_dir().join("tflm_reference.py")).arg(model).arg("--batch");
    for (k, x) in inputs.iter().enumerate() {
        let p = scratch.join(format!("input_{k}.npy"));
        write_npy(&p, x)?;
        cmd.arg("--input").arg(p);
    }
    // One --output per model output; the script refuses more than the model has, so
    // ask it for the count first.
    let describe = Command::new(py)
        .arg(oracle_dir().join("tflm_reference.py"))
        .arg(model)
        .arg("--describe")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", py.display()))?;
    if !describe.status.success() {
        return Err(format!("tflm_reference.py --describe failed: {}", String::from_utf8_lossy(&describe.stderr)));
    }
    let info: serde_json::Value =
        serde_json::from_slice(&describe.stdout).map_err(|e| format!("--describe output: {e}"))?;
    let n_out = info["outputs"].as_array().map_or(0, |a| a.len());
    let outs: Vec<PathBuf> = (0..n_out).map(|k| scratch.join(format!("output_{k}.npy"))).collect();
    for p in &outs {
        cmd.arg("--output").arg(p);
    }
    let out = cmd.output().map_err(|e| format!("cannot run {}: {e}", py.display()))?;
    if !out.status.success() {
        return Err(format!(
            "tflm_reference.py exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    outs.iter().map(|p| read_npy(p)).collect()
}

/// How an output differs from the expected one.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    /// Elements that differ.
    pub count: usize,
    /// Total elements.
    pub total: usize,
    /// Largest absolute difference (as f64; bit differences of equal floats, e.g. NaN
    /// payloads, count as 0).
    pub max_abs: f64,
    /// First differing element: (flat index, expected, actual).
    pub first: Option<(usize, f64, f64)>,
}

/// One element of little-endian bytes of `dtype` as f64.
fn element(dtype: DType, b: &[u8]) -> f64 {
    match dtype {
        DType::I8 => b[0] as i8 as f64,
        DType::U8 | DType::Bool => b[0] as f64,
        DType::I16 => i16::from_le_bytes([b[0], b[1]]) as f64,
        DType::I32 => i32::from_le_bytes(b[..4].try_into().unwrap()) as f64,
        DType::U32 => u32::from_le_bytes(b[..4].try_into().unwrap()) as f64,
        DType::F32 => f32::from_le_bytes(b[..4].try_into().unwrap()) as f64,
        DType::I64 => i64::from_le_bytes(b[..8].try_into().unwrap()) as f64,
        DType::U64 => u64::from_le_bytes(b[..8].try_into().unwrap()) as f64,
    }
}

/// Compares bytes element by element; `None` when they are identical. Lengths must
/// match (the caller reports a size difference separately).
pub fn diff(dtype: DType, expected: &[u8], actual: &[u8]) -> Option<Diff> {
    if expected == actual {
        return None;
    }
    let size = dtype.size();
    let mut d = Diff { count: 0, total: expected.len() / size, max_abs: 0.0, first: None };
    for (i, (e, a)) in expected.chunks_exact(size).zip(actual.chunks_exact(size)).enumerate() {
        if e != a {
            let (ev, av) = (element(dtype, e), element(dtype, a));
            d.count += 1;
            let delta = (ev - av).abs();
            if delta > d.max_abs || delta.is_nan() {
                d.max_abs = delta;
            }
            d.first.get_or_insert((i, ev, av));
        }
    }
    Some(d)
}

/// A small deterministic generator (SplitMix64) for test inputs, so runs are
/// reproducible without a dependency.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// Renders rows as a left-aligned text table with a header.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == widths.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  "));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    out += &line(widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().iter().map(|s| s.as_str()).collect());
    for r in rows {
        out += &line(r.iter().map(|s| s.as_str()).collect());
    }
    out
}

/// Hash of everything that determines the generated cases.
pub fn cache_key(seed: u64, quick: bool) -> String {
    let mut files: Vec<PathBuf> = std::fs::read_dir(oracle_dir())
        .expect("tools/oracle exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "py" || x == "txt"))
        .collect();
    files.sort();
    // FNV-1a: stable across Rust versions, unlike DefaultHasher's keys.
    struct Fnv(u64);
    impl Hasher for Fnv {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            for &b in bytes {
                self.0 = (self.0 ^ b as u64).wrapping_mul(0x100_0000_01b3);
            }
        }
    }
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    for f in &files {
        f.file_name().hash(&mut h);
        std::fs::read(f).expect("read generator source").hash(&mut h);
    }
    (seed, quick).hash(&mut h);
    format!("{:016x}-seed{seed}{}", h.finish(), if quick { "-quick" } else { "" })
}

pub fn env_flag(name: &str) -> Option<bool> {
    std::env::var(name).ok().map(|v| !matches!(v.trim(), "" | "0" | "false" | "no"))
}

pub fn env_list(name: &str) -> Option<Vec<String>> {
    let v = std::env::var(name).ok()?;
    let items: Vec<String> = v.split(',').map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()).collect();
    (!items.is_empty()).then_some(items)
}

/// Generates the oracle op cases of `tools/oracle/gen_op_cases.py` (or reuses the cache in
/// `<target>/oracle-cases/<hash of generator sources, seed, subset>`); `Err` carries a
/// skip reason when the oracle is not installed. `TINYML_ORACLE_QUICK` and
/// `TINYML_ORACLE_SEED` choose the set (see `oracle_ops.rs`).
pub fn cases_dir(py: &Path) -> Result<PathBuf, String> {
    let quick = env_flag("TINYML_ORACLE_QUICK").unwrap_or_else(in_ci);
    let seed: u64 = std::env::var("TINYML_ORACLE_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    // CARGO_TARGET_TMPDIR is `<target>/tmp`; the cache sits beside it.
    let tmpdir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let root = tmpdir.parent().unwrap_or(tmpdir).join("oracle-cases");
    let dir = root.join(cache_key(seed, quick));
    if dir.join("manifest.json").exists() {
        return Ok(dir);
    }
    // Generate into a private directory and rename, so a concurrent or interrupted run
    // never leaves a half-written cache behind.
    let tmp = root.join(format!("tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let mut cmd = Command::new(py);
    cmd.arg(oracle_dir().join("gen_op_cases.py")).arg(&tmp).arg("--seed").arg(seed.to_string());
    if quick {
        cmd.arg("--quick");
    }
    eprintln!("generating oracle cases into {} ...", dir.display());
    let out = cmd.output().map_err(|e| format!("cannot run {}: {e}", py.display()))?;
    if out.status.code() == Some(EXIT_MISSING_DEPS) {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    assert!(out.status.success(), "gen_op_cases.py failed ({}):\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    if std::fs::rename(&tmp, &dir).is_err() {
        // Another run got there first; its cases are the same.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(dir)
}

/// The memory mode the oracle tests compile with: `TINYML_MEMORY` (`ram`, `balanced`,
/// `speed`), by default the compiler's. Run them with `TINYML_MEMORY=ram` too, so every
/// layer that can run in place does, and is checked bit-exact.
pub fn memory_mode() -> tinyml_compiler::plan::MemoryMode {
    match std::env::var("TINYML_MEMORY") {
        Ok(name) if !name.is_empty() => tinyml_compiler::plan::MemoryMode::from_name(&name)
            .unwrap_or_else(|| panic!("TINYML_MEMORY={name}: expected ram, balanced or speed")),
        _ => Default::default(),
    }
}

/// Compile options of the oracle tests: the default planner, [`memory_mode`].
pub fn compile_options() -> tinyml_compiler::CompileOptions {
    tinyml_compiler::CompileOptions { memory: memory_mode(), ..Default::default() }
}
