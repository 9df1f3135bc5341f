//! Bit-exactness in QEMU: the shared models and the oracle op cases compiled into
//! firmware for the Cortex-M55 of `mps3-an547` (thumbv8m.main-none-eabihf, Helium), run
//! in `qemu-system-arm`, their output bytes compared with TFLite Micro's.
//!
//! Many models go into one firmware image: the test writes a throwaway crate whose
//! `build.rs` calls `tinyml_compiler::build::Builder` once per model (module `c<i>`, the
//! case's input through `test_input_npy`) and whose `main.rs` runs every model on its
//! input and prints `case <i> <hex of output 0> <hex of output 1> ...`, then exits over
//! semihosting. Cases are packed into as few images as the 512 KiB ITCM allows; all
//! images share one target directory (`<target>/qemu-oracle/target`), so only the first
//! run pays for the dependencies.
//!
//! - The shared models (`kws_ref_model`, `ad01_int8`, `micro_speech_quantized`,
//!   `hello_world_int8`) run on the deterministic test input of
//!   `tinyml_compiler::build::test_input_for`; TFLM's outputs come from
//!   `tools/oracle/tflm_reference.py` at test time.
//! - The op cases are those of `oracle_ops.rs` (`tools/oracle/gen_op_cases.py`, same
//!   cache): the quick subset in CI, all of them otherwise, or as `TINYML_ORACLE_QUICK`
//!   says; `TINYML_ORACLE_OPS` / `TINYML_ORACLE_CASES` filter them.
//!
//! Needs the `thumbv8m.main-none-eabihf` Rust target, `qemu-system-arm` and the oracle
//! (`TINYML_PYTHON`); without them the test fails in CI and is skipped elsewhere.

mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{diff, read_npy, skip, table, INSTALL_HINT};
use tinyml_compiler::formats::npy::NpyArray;
use tinyml_compiler::plan::MemoryMode;

const TARGET: &str = "thumbv8m.main-none-eabihf";

/// Constant bytes (weights, tables, test inputs) per image. The ITCM holds 512 KiB;
/// the rest is left for code (kernels, the straight-line `invoke` of every model).
const IMAGE_CONST_BUDGET: usize = 360 * 1024;

/// Code and small tables per model beyond its constants, for packing.
const PER_CASE_OVERHEAD: usize = 3 * 1024;

/// How long one image may run in QEMU.
const QEMU_TIMEOUT: Duration = Duration::from_secs(600);

/// The memory map of `boards/mps3-an547.toml`: code and constants in the ITCM (the
/// vector table is read at 0x0), data and stack in the DTCM.
const MEMORY_X: &str = "MEMORY
{
  FLASH : ORIGIN = 0x00000000, LENGTH = 512K
  RAM : ORIGIN = 0x20000000, LENGTH = 512K
}
";

/// One model to run in QEMU.
struct Case {
    /// Shown in the report (`op/case` or the model's name).
    label: String,
    model: PathBuf,
    /// `.npy` file per model input.
    inputs: Vec<PathBuf>,
    /// TFLM's bytes per model output (all invocations, stacked).
    expected: Vec<NpyArray>,
    /// Invocations in a row on one arena (recurrent state carried over); every input
    /// file holds one input per invocation.
    invokes: usize,
    /// Bytes in flash, for packing.
    size: usize,
    /// The Ethos-U configuration whose NPU steps the case runs simulated
    /// (`tinyml_compiler::npu`), if any.
    npu: Option<&'static str>,
    /// The memory mode the case is compiled with: `None` for the test run's
    /// ([`support::memory_mode`]).
    memory: Option<MemoryMode>,
}

/// Why a case did not pass.
struct Failure {
    label: String,
    result: String,
    max_abs: String,
    first: String,
}

/// What is missing to run firmware, if anything.
fn missing_tools() -> Option<String> {
    let qemu = Command::new("qemu-system-arm").arg("--version").output().is_ok_and(|o| o.status.success());
    if !qemu {
        return Some("qemu-system-arm is not installed".into());
    }
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(rustc).args(["--print", "sysroot"]).output().ok()?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if !sysroot.join("lib/rustlib").join(TARGET).exists() {
        return Some(format!("the Rust target {TARGET} is not installed"));
    }
    None
}

const TOOLS_HINT: &str = "apt-get install qemu-system-arm && rustup target add thumbv8m.main-none-eabihf";

/// Greedy packing of cases into images by flash size, in order.
fn pack(cases: &[Case]) -> Vec<Vec<usize>> {
    let mut images: Vec<Vec<usize>> = Vec::new();
    let mut used = 0;
    for (i, c) in cases.iter().enumerate() {
        let size = c.size + PER_CASE_OVERHEAD;
        if images.is_empty() || used + size > IMAGE_CONST_BUDGET {
            images.push(Vec::new());
            used = 0;
        }
        images.last_mut().expect("pushed").push(i);
        used += size;
    }
    images
}

fn lit(p: &Path) -> String {
    format!("{:?}", p.display().to_string())
}

/// Writes the firmware crate for `cases[ids]` into `dir`.
fn write_crate(dir: &Path, name: &str, cases: &[Case], ids: &[usize]) -> std::io::Result<()> {
    let root = support::workspace_root();
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::create_dir_all(dir.join(".cargo"))?;
    std::fs::create_dir_all(dir.join("inputs"))?;
    let dep = |p: &str| lit(&root.join(p));
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            r#"# Generated by compiler/tests/qemu_oracle.rs; rewritten on every run.
[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
tinyml-runtime = {{ path = {}{runtime_features} }}
tinyml-firmware = {{ path = {}, features = ["semihosting"] }}
cortex-m = {{ version = "0.7", features = ["critical-section-single-core"] }}
cortex-m-rt = "0.7"

[build-dependencies]
tinyml-compiler = {{ path = {} }}

[profile.release]
# Small and quick to build; fast enough under QEMU.
opt-level = "s"
debug = false
incremental = false

[workspace]
"#,
            dep("runtime"),
            dep("firmware"),
            dep("compiler"),
            // An image of simulated NPU steps runs them with the reference kernels, apart
            // from the optimized ones the CPU steps of other images use.
            runtime_features =
                if ids.iter().any(|&i| cases[i].npu.is_some()) { ", features = [\"reference-kernels\"]" } else { "" }
        ),
    )?;
    std::fs::write(
        dir.join(".cargo/config.toml"),
        format!(
            "[build]\ntarget = \"{TARGET}\"\n\n[target.{TARGET}]\nrustflags = [\"-C\", \"target-cpu=cortex-m55\", \"-C\", \"link-arg=-Tlink.x\"]\n"
        ),
    )?;
    // The workspace's lock file pins the same dependency versions offline.
    let _ = std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"));
    std::fs::write(dir.join("memory.x"), MEMORY_X)?;

    let mut build = String::from(
        "// Generated by compiler/tests/qemu_oracle.rs.\nuse tinyml_compiler::build::Builder;\nuse tinyml_compiler::plan::MemoryMode;\nuse tinyml_compiler::CompileOptions;\n\nfn main() {\n",
    );
    let mut mods = String::new();
    let mut runs = String::new();
    let mut calls = String::new();
    for &i in ids {
        let c = &cases[i];
        let npu = match c.npu {
            Some(accelerator) => format!(".npu({accelerator:?}).npu_mode(tinyml_compiler::npu::NpuMode::Simulated)"),
            None => String::new(),
        };
        let _ = writeln!(
            build,
            "    Builder::new({}).module_name(\"c{i}\").options(CompileOptions {{ memory: MemoryMode::{:?}, ..Default::default() }}){npu}.compile_or_exit();",
            lit(&c.model),
            c.memory.unwrap_or_else(support::memory_mode)
        );
        let _ = writeln!(
            mods,
            "#[allow(dead_code)]\nmod c{i} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/c{i}.rs\"));\n}}"
        );
        // Every input as raw bytes, one slice per invocation.
        let mut fill = String::new();
        for (k, input) in c.inputs.iter().enumerate() {
            let data = read_npy(input).map_err(std::io::Error::other)?.data;
            let bin = dir.join("inputs").join(format!("c{i}_{k}.bin"));
            std::fs::write(&bin, data)?;
            let _ = writeln!(
                fill,
                "        put(arena.bytes_mut(), c{i}::INPUT{k}, core::mem::size_of::<c{i}::INPUT{k}Type>(), include_bytes!({}), n);",
                lit(&bin)
            );
        }
        let mut outs = String::new();
        for k in 0..c.expected.len() {
            let _ = writeln!(
                outs,
                "        hex(get(arena.bytes(), c{i}::OUTPUT{k}, core::mem::size_of::<c{i}::OUTPUT{k}Type>()));"
            );
        }
        let invokes = c.invokes;
        let _ = writeln!(
            runs,
            "#[inline(never)]\nfn run_c{i}() {{\n    let mut arena = c{i}::ModelArena::new();\n    c{i}::reset(&mut arena);\n    print!(\"case {i}\");\n    for n in 0..{invokes} {{\n{fill}        if let Err(e) = c{i}::invoke(&mut arena) {{\n            println!(\" error {{}}\", e);\n            return;\n        }}\n{outs}    }}\n    println!();\n}}\n"
        );
        let _ = writeln!(calls, "    run_c{i}();");
    }
    build.push_str(
        "    let out = std::path::PathBuf::from(std::env::var_os(\"OUT_DIR\").expect(\"OUT_DIR\"));\n    std::fs::copy(\"memory.x\", out.join(\"memory.x\")).expect(\"memory.x\");\n    println!(\"cargo:rustc-link-search={}\", out.display());\n    println!(\"cargo:rerun-if-changed=memory.x\");\n}\n",
    );
    std::fs::write(dir.join("build.rs"), build)?;
    let main = format!(
        r#"//! Generated by compiler/tests/qemu_oracle.rs: runs every model (once, or several
//! times in a row for recurrent state) and prints its output bytes in hex.
#![no_std]
#![no_main]

use tinyml_firmware::{{print, println}};

{mods}
/// Copies invocation `n`'s slice of `data` into the arena at `place` (byte offset,
/// elements of `size` bytes).
fn put(arena: &mut [u8], place: (usize, usize), size: usize, data: &[u8], n: usize) {{
    let len = place.1 * size;
    arena[place.0..place.0 + len].copy_from_slice(&data[n * len..(n + 1) * len]);
}}

/// The bytes at `place`.
fn get(arena: &[u8], place: (usize, usize), size: usize) -> &[u8] {{
    &arena[place.0..place.0 + place.1 * size]
}}

/// Prints ` ` and `bytes` in hex, in chunks (one semihosting call per chunk).
fn hex(bytes: &[u8]) {{
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 257];
    buf[0] = b' ';
    let mut n = 1;
    for &b in bytes {{
        buf[n] = DIGITS[(b >> 4) as usize];
        buf[n + 1] = DIGITS[(b & 15) as usize];
        n += 2;
        if n + 2 > buf.len() {{
            tinyml_firmware::io::write_bytes(&buf[..n]);
            n = 0;
        }}
    }}
    tinyml_firmware::io::write_bytes(&buf[..n]);
}}

{runs}
#[cortex_m_rt::entry]
fn main() -> ! {{
    tinyml_firmware::init();
{calls}    println!("done");
    tinyml_firmware::exit(0)
}}
"#
    );
    std::fs::write(dir.join("src/main.rs"), main)
}

/// Builds the crate in `dir`; returns the ELF.
fn build(dir: &Path, name: &str, target_dir: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(dir).args(["build", "--release", "--quiet"]).arg("--target-dir").arg(target_dir);
    // Variables of the enclosing `cargo test` must not reach the firmware build.
    for var in ["CARGO_BUILD_TARGET", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_MANIFEST_DIR", "CARGO_TARGET_DIR"]
    {
        cmd.env_remove(var);
    }
    // The build scripts of NPU cases run Vela with this Python.
    cmd.env("TINYML_PYTHON", support::python());
    let out = cmd.stdin(Stdio::null()).output().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(40).collect();
        return Err(format!(
            "cargo build of {} failed ({}):\n{}",
            dir.display(),
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ));
    }
    Ok(target_dir.join(TARGET).join("release").join(name))
}

/// Runs `elf` in QEMU; returns everything it printed (QEMU 7.2 sends semihosting
/// output to stderr, later versions to stdout).
fn run_qemu(elf: &Path) -> Result<String, String> {
    let mut child = Command::new("qemu-system-arm")
        .args(["-machine", "mps3-an547", "-nographic", "-semihosting-config", "enable=on,target=native", "-kernel"])
        .arg(elf)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start qemu-system-arm: {e}"))?;
    // Drain both pipes while QEMU runs: a full pipe would stall it or, worse, its
    // non-blocking console writes would drop output.
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("piped")));
    let err = drain(Box::new(child.stderr.take().expect("piped")));
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > QEMU_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("QEMU did not finish within {} s", QEMU_TIMEOUT.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for QEMU: {e}")),
        }
    };
    let (out, err) = (out.join().unwrap_or_default(), err.join().unwrap_or_default());
    let text = format!("{}{}", String::from_utf8_lossy(&out), String::from_utf8_lossy(&err));
    if !status.success() {
        return Err(format!("the firmware exited with {status}:\n{}", tail(&text)));
    }
    Ok(text)
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

/// Compares one case's printed line (without `case <i>`) with TFLM.
fn compare(c: &Case, line: Option<&str>) -> Option<Failure> {
    let fail = |result: String| Failure { label: c.label.clone(), result, max_abs: "-".into(), first: "-".into() };
    let Some(line) = line else { return Some(fail("no output (the firmware stopped before this case)".into())) };
    if let Some(at) = line.find("error ") {
        return Some(fail(format!("invoke failed: {}", &line[at + 6..])));
    }
    // Outputs of invocation 0, then of invocation 1, ...
    let outs: Vec<&str> = line.split(' ').filter(|s| !s.is_empty()).collect();
    let n_out = c.expected.len();
    if outs.len() != n_out * c.invokes {
        return Some(fail(format!("{} outputs printed, TFLM has {n_out} x {} invocations", outs.len(), c.invokes)));
    }
    for (k, want) in c.expected.iter().enumerate() {
        let Some(got) = (0..c.invokes).map(|n| unhex(outs[n * n_out + k])).collect::<Option<Vec<_>>>() else {
            return Some(fail(format!("output {k}: malformed hex")));
        };
        let got = got.concat();
        if got.len() != want.data.len() {
            return Some(fail(format!("output {k}: {} bytes, TFLM {}", got.len(), want.data.len())));
        }
        if let Some(d) = diff(want.dtype, &want.data, &got) {
            let (i, e, a) = d.first.unwrap_or_default();
            return Some(Failure {
                label: c.label.clone(),
                result: format!("MISMATCH output {k}: {}/{} differ", d.count, d.total),
                max_abs: d.max_abs.to_string(),
                first: format!("[{i}] want {e} got {a}"),
            });
        }
    }
    None
}

/// Builds, runs and checks every case; panics with a table of the failures.
fn run_all(what: &str, cases: Vec<Case>, mut failures: Vec<Failure>) {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("qemu-oracle");
    let target_dir = base.join("target");
    let images = pack(&cases);
    let mut passed = 0;
    for (n, ids) in images.iter().enumerate() {
        let name = format!("qemu-oracle-{what}-{n}");
        let dir = base.join(&name);
        let t0 = Instant::now();
        if let Err(e) = write_crate(&dir, &name, &cases, ids) {
            panic!("cannot write the firmware crate {}: {e}", dir.display());
        }
        let elf = build(&dir, &name, &target_dir).unwrap_or_else(|e| panic!("{e}"));
        let built = t0.elapsed();
        let printed = match run_qemu(&elf) {
            Ok(t) => t,
            Err(e) => {
                for &i in ids {
                    failures.push(Failure {
                        label: cases[i].label.clone(),
                        result: format!("image {n}: {}", e.lines().next().unwrap_or("")),
                        max_abs: "-".into(),
                        first: "-".into(),
                    });
                }
                eprintln!("image {n}: {e}");
                continue;
            }
        };
        let lines: std::collections::HashMap<usize, &str> = printed
            .lines()
            .filter_map(|l| {
                let rest = l.strip_prefix("case ")?;
                let (i, rest) = rest.split_once(' ').unwrap_or((rest, ""));
                Some((i.parse().ok()?, rest))
            })
            .collect();
        for &i in ids {
            match compare(&cases[i], lines.get(&i).copied()) {
                None => passed += 1,
                Some(f) => failures.push(f),
            }
        }
        eprintln!(
            "{what} image {n}: {} cases, built in {:.1} s, ran in QEMU in {:.1} s",
            ids.len(),
            built.as_secs_f64(),
            (t0.elapsed() - built).as_secs_f64()
        );
    }
    let total = passed + failures.len();
    eprintln!("{what}: {passed} of {total} bit-exact with TFLM in QEMU mps3-an547 ({} images)", images.len());
    if !failures.is_empty() {
        let rows: Vec<Vec<String>> =
            failures.into_iter().map(|f| vec![f.label, f.result, f.max_abs, f.first]).collect();
        eprintln!("{}", table(&["case", "result", "max |diff|", "first difference"], &rows));
        panic!("{} of {total} {what} differ from TFLM in QEMU (table above)", rows.len());
    }
}

/// Flash bytes of a compiled model with its inputs, or the compile error.
fn flash_size(model: &Path) -> Result<(usize, tinyml_compiler::Program), String> {
    let bytes = std::fs::read(model).map_err(|e| format!("cannot read {}: {e}", model.display()))?;
    let program =
        tinyml_compiler::compile(&bytes, &support::compile_options()).map_err(|e| format!("compile error: {e}"))?;
    let inputs: usize = program.graph.inputs.iter().map(|&t| program.graph.tensors[t].bytes()).sum();
    Ok((program.const_bytes() + inputs, program))
}

/// A model run once on the compiler's test input, against TFLM's run of it.
fn model_case(py: &Path, model: &Path, scratch: &Path, npu: Option<&'static str>) -> Case {
    let stem = model.file_stem().unwrap().to_string_lossy().to_string();
    let (size, program) = flash_size(model).unwrap_or_else(|e| panic!("{stem}: {e}"));
    let t = &program.graph.tensors[program.graph.inputs[0]];
    assert_eq!(program.graph.inputs.len(), 1, "{stem}: one input expected");
    let input = NpyArray::new(t.dtype, t.shape.clone(), tinyml_compiler::build::test_input_for(t.dtype, t.elements()))
        .expect("sizes agree");
    let dir = scratch.join(&stem);
    std::fs::create_dir_all(&dir).unwrap();
    let input_path = dir.join("input_0.npy");
    support::write_npy(&input_path, &input).unwrap();
    // TFLM with a batch of one run; strip the batch axis again.
    let mut batch = input.clone();
    batch.shape.insert(0, 1);
    let expected = support::tflm_batch(py, model, &[batch], &dir.join("tflm"))
        .unwrap_or_else(|e| panic!("{stem}: TFLM: {e}"))
        .into_iter()
        .map(|mut a| {
            a.shape.remove(0);
            a
        })
        .collect();
    let label = match npu {
        Some(a) => format!("{stem} ({a} simulated)"),
        None => stem,
    };
    Case { label, model: model.to_owned(), inputs: vec![input_path], expected, invokes: 1, size, npu, memory: None }
}

/// KWS and VWW compiled with the layers Vela puts on an Ethos-U55-128 as NPU steps,
/// simulated: each NPU step runs its operators on the Cortex-M55 with the reference
/// kernels, from and to the places of the device's arena plan (`tinyml_compiler::npu`).
/// Needs Vela besides the oracle.
#[test]
fn npu_simulated_models_bit_exact_in_qemu() {
    if let Some(why) = missing_tools() {
        return skip("qemu_oracle (NPU simulated)", &why, TOOLS_HINT);
    }
    let py = match support::check_oracle() {
        Ok(py) => py,
        Err(why) => return skip("qemu_oracle (NPU simulated)", &why, INSTALL_HINT),
    };
    let vela = Command::new(&py).args(["-c", "import ethosu.vela"]).output();
    if !vela.is_ok_and(|o| o.status.success()) {
        return skip(
            "qemu_oracle (NPU simulated)",
            &format!("{} cannot import ethosu.vela", py.display()),
            &format!("{} -m pip install -r tools/npu/requirements.txt", py.display()),
        );
    }
    let models = support::shared_models();
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("qemu-oracle/npu");
    let cases = ["mlperf-tiny/kws_ref_model.tflite", "mlperf-tiny/vww_96_int8.tflite"]
        .iter()
        .map(|rel| model_case(&py, &models.join(rel), &scratch, Some("ethos-u55-128")))
        .collect();
    run_all("npu-simulated", cases, Vec::new());
}

#[test]
fn shared_models_bit_exact_in_qemu() {
    if let Some(why) = missing_tools() {
        return skip("qemu_oracle (models)", &why, TOOLS_HINT);
    }
    let models = support::shared_models();
    let names = [
        "mlperf-tiny/ad01_int8.tflite",
        "mlperf-tiny/kws_ref_model.tflite",
        "tflite-micro/micro_speech_quantized.tflite",
        "tflite-micro/hello_world_int8.tflite",
    ];
    if !models.join(names[0]).exists() {
        return skip(
            "qemu_oracle (models)",
            &format!("the shared models are not at {}", models.display()),
            "restore tests/data from git, or set TINYML_SHARED_MODELS=/path/to/models",
        );
    }
    let py = match support::check_oracle() {
        Ok(py) => py,
        Err(why) => return skip("qemu_oracle (models)", &why, INSTALL_HINT),
    };
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("qemu-oracle/models");
    let mut cases = Vec::new();
    for rel in names {
        let case = model_case(&py, &models.join(rel), &scratch, None);
        // Also in `ram` mode (layers by rows and fused pairs) unless the run is already.
        if support::memory_mode() != MemoryMode::Ram {
            let label = format!("{} (Ram)", case.label);
            cases.push(Case {
                label,
                memory: Some(MemoryMode::Ram),
                ..model_case(&py, &models.join(rel), &scratch, None)
            });
        }
        cases.push(case);
    }
    run_all("models", cases, Vec::new());
}

/// Models nobody tuned the compiler for: small CNNs of random shape from
/// `tools/oracle/heldout.py` (1-D audio and 2-D image layouts, channel counts 3-100,
/// depthwise-separable blocks, residual ADDs), each compiled in `ram` mode (layers by
/// rows, fused pairs, direct bands) and in `speed` mode, against TFLM.
#[test]
fn held_out_models_bit_exact_in_qemu() {
    if let Some(why) = missing_tools() {
        return skip("qemu_oracle (held-out models)", &why, TOOLS_HINT);
    }
    let py = match support::check_oracle() {
        Ok(py) => py,
        Err(why) => return skip("qemu_oracle (held-out models)", &why, INSTALL_HINT),
    };
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("qemu-oracle/held-out");
    let dir = scratch.join("models");
    let generator = support::workspace_root().join("tools/oracle/heldout.py");
    let out = Command::new(&py)
        .arg(&generator)
        .arg(&dir)
        .args(["--count", &HELD_OUT_MODELS.to_string(), "--seed", "1000"])
        .output()
        .expect("run tools/oracle/heldout.py");
    assert!(out.status.success(), "heldout.py failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut cases = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let (path, about) = line.split_once(": ").expect("heldout.py prints `path: layers`");
        eprintln!("{line}");
        for memory in [MemoryMode::Ram, MemoryMode::Speed] {
            let case = model_case(&py, Path::new(path), &scratch.join(format!("{memory:?}")), None);
            let label = format!("{} ({memory:?}; {})", case.label, about.split(':').next().unwrap_or(""));
            cases.push(Case { label, memory: Some(memory), ..case });
        }
    }
    assert_eq!(cases.len(), 2 * HELD_OUT_MODELS, "heldout.py wrote {HELD_OUT_MODELS} models");
    run_all("held-out", cases, Vec::new());
}

/// How many held-out models the test draws (seeds 1000 on).
const HELD_OUT_MODELS: usize = 8;

#[test]
fn op_cases_bit_exact_in_qemu() {
    if let Some(why) = missing_tools() {
        return skip("qemu_oracle (op cases)", &why, TOOLS_HINT);
    }
    let py = match support::check_oracle() {
        Ok(py) => py,
        Err(why) => return skip("qemu_oracle (op cases)", &why, INSTALL_HINT),
    };
    let dir = match support::cases_dir(&py) {
        Ok(d) => d,
        Err(why) => return skip("qemu_oracle (op cases)", &why, INSTALL_HINT),
    };
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json"))
            .expect("manifest.json is JSON");
    let ops = support::env_list("TINYML_ORACLE_OPS");
    let case_filter = support::env_list("TINYML_ORACLE_CASES");
    let mut cases = Vec::new();
    let mut failures = Vec::new();
    for c in manifest["cases"].as_array().expect("cases") {
        let op = c["op"].as_str().unwrap_or("?").to_string();
        let name = c["case"].as_str().unwrap_or("?").to_string();
        if ops.as_ref().is_some_and(|o| !o.contains(&op.to_lowercase())) {
            continue;
        }
        if case_filter.as_ref().is_some_and(|f| !f.iter().any(|s| name.to_lowercase().contains(s))) {
            continue;
        }
        let label = format!("{op}/{name}");
        let case_dir = dir.join(c["dir"].as_str().expect("dir"));
        let n_in = c["inputs"].as_u64().unwrap_or(1) as usize;
        let n_out = c["outputs"].as_u64().unwrap_or(1) as usize;
        let invokes = c["invokes"].as_u64().unwrap_or(1) as usize;
        let model = case_dir.join("model.tflite");
        // A case the compiler rejects is oracle_ops' failure to report; it would only
        // break the firmware build here.
        let size = match flash_size(&model) {
            Ok((size, _)) => size,
            Err(e) => {
                failures.push(Failure { label, result: e, max_abs: "-".into(), first: "-".into() });
                continue;
            }
        };
        let expected: Result<Vec<NpyArray>, String> =
            (0..n_out).map(|k| read_npy(&case_dir.join(format!("expected_{k}.npy")))).collect();
        let expected = match expected {
            Ok(e) => e,
            Err(e) => {
                failures.push(Failure { label, result: e, max_abs: "-".into(), first: "-".into() });
                continue;
            }
        };
        let inputs = (0..n_in).map(|k| case_dir.join(format!("input_{k}.npy"))).collect();
        cases.push(Case { label, model, inputs, expected, invokes, size, npu: None, memory: None });
    }
    assert!(!cases.is_empty() || !failures.is_empty(), "no case matches TINYML_ORACLE_OPS / TINYML_ORACLE_CASES");
    run_all("ops", cases, failures);
}
