//! The C export of every operator: each oracle op case (`tools/oracle/gen_op_cases.py`)
//! is exported to C, compiled with host gcc (`-std=c99 -Wall -Wextra -Werror -O1`) in
//! the 8-bit and in the 16-bit int8 container mode, run, and its output bytes compared
//! with TFLite Micro's. Failures are collected into one table before the test fails.
//!
//! To stay fast, all cases of one mode are linked into one executable: the kernel
//! library is compiled once (every export ships the same kernel files), each case's
//! `model.c` becomes `caseN.c` with `tinyml_invoke` renamed `caseN_invoke`, and a
//! generated `main.c` runs every case over one input file and writes one output file.
//!
//! Environment: the quick subset by default; `TINYML_ORACLE_QUICK=0` for every case.
//! `TINYML_ORACLE_OPS` / `TINYML_ORACLE_CASES` filter as in `oracle_ops.rs`.

mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::{cases_dir, env_list, read_npy, skip, table, INSTALL_HINT};
use tinyml_compiler::codegen::c::{self, COptions, Container, KERNELS_HEADER, KERNEL_SOURCES};
use tinyml_compiler::graph::DType;

/// One case ready to run: its name, inputs and TFLM's output, all as stored bytes.
struct Case {
    op: String,
    name: String,
    /// The export's files.
    files: Vec<(String, String)>,
    /// Dtypes and bytes of the inputs, and of TFLM's outputs (every invocation's, one
    /// after the other).
    inputs: Vec<(DType, Vec<u8>)>,
    expected: Vec<(DType, Vec<u8>)>,
    /// Invocations in a row (recurrent state carried over).
    invokes: usize,
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tinyml-c-export-ops-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Elements stored as the C export stores them: int8/uint8 widen to 16 bits in the
/// 16-bit container mode, everything else keeps its bytes.
fn to_container(dtype: DType, bytes: &[u8], container: Container) -> Vec<u8> {
    match (container, dtype) {
        (Container::Bits16, DType::I8) => bytes.iter().flat_map(|&b| (b as i8 as i16).to_le_bytes()).collect(),
        (Container::Bits16, DType::U8 | DType::Bool) => bytes.iter().flat_map(|&b| [b, 0]).collect(),
        _ => bytes.to_vec(),
    }
}

/// The inverse of [`to_container`] (values are in range, so the low byte is the value).
fn from_container(dtype: DType, bytes: &[u8], container: Container) -> Vec<u8> {
    match (container, dtype) {
        (Container::Bits16, DType::I8 | DType::U8 | DType::Bool) => bytes.chunks_exact(2).map(|c| c[0]).collect(),
        _ => bytes.to_vec(),
    }
}

fn stored_len(dtype: DType, n_bytes: usize, container: Container) -> usize {
    match (container, dtype) {
        (Container::Bits16, DType::I8 | DType::U8 | DType::Bool) => n_bytes * 2,
        _ => n_bytes,
    }
}

/// Rounds up to 8 so every buffer of the runner is aligned for any element type.
fn align8(n: usize) -> usize {
    n.div_ceil(8) * 8
}

/// Loads, compiles and exports one case; `Err` is the table entry of a failure.
fn prepare(dir: &Path, op: &str, name: &str, io: (usize, usize, usize), container: Container) -> Result<Case, String> {
    let (n_in, n_out, invokes) = io;
    let model = std::fs::read(dir.join("model.tflite")).map_err(|e| format!("cannot read model: {e}"))?;
    let program = tinyml_compiler::compile(&model, &support::compile_options()).map_err(|e| format!("compile: {e}"))?;
    let opts = COptions { source: format!("{op}/{name}"), container, ..Default::default() };
    let export = c::generate(&program, &opts).map_err(|e| format!("export: {e}"))?;
    let mut inputs = Vec::new();
    for k in 0..n_in {
        let a = read_npy(&dir.join(format!("input_{k}.npy")))?;
        inputs.push((a.dtype, a.data));
    }
    let mut expected = Vec::new();
    for k in 0..n_out {
        let want = read_npy(&dir.join(format!("expected_{k}.npy")))?;
        expected.push((want.dtype, want.data));
    }
    Ok(Case { op: op.to_owned(), name: name.to_owned(), files: export.files, inputs, expected, invokes })
}

/// Runs `commands` two at a time (the CI machines have two cores); panics on a failure.
fn run_parallel(mut commands: Vec<(Command, String)>) {
    while !commands.is_empty() {
        let batch: Vec<(Command, String)> = commands.drain(..commands.len().min(2)).collect();
        let children: Vec<_> = batch
            .into_iter()
            .map(|(mut c, what)| {
                let child = c
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
                (child, what)
            })
            .collect();
        for (child, what) in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{what} failed ({}):\n{}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// Builds and runs every case of one container mode; returns the failures.
fn run_mode(cases: &[Case], container: Container) -> Vec<Vec<String>> {
    let bits = container.bits();
    let root = scratch(&format!("c{bits}"));
    let lib = root.join("lib");
    std::fs::create_dir_all(&lib).unwrap();
    // The kernel library: the same files in every export; the config of this mode.
    let config = cases[0].files.iter().find(|(n, _)| n == "tinyml_config.h").expect("tinyml_config.h");
    std::fs::write(lib.join(&config.0), &config.1).unwrap();
    std::fs::write(lib.join(KERNELS_HEADER.0), KERNELS_HEADER.1).unwrap();
    for s in KERNEL_SOURCES {
        std::fs::write(lib.join(s.file), s.text).unwrap();
    }
    let gcc = |dir: &Path| {
        let mut c = Command::new("gcc");
        c.args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-O1", "-c"]).current_dir(dir);
        c
    };
    let mut compiles = Vec::new();
    let mut lib_cmd = gcc(&lib);
    lib_cmd.args(KERNEL_SOURCES.iter().map(|s| s.file));
    compiles.push((lib_cmd, format!("gcc of the kernel library ({bits}-bit containers)")));

    // Every case in its own directory (its model.h), compiled in two halves.
    let objects = root.join("obj");
    std::fs::create_dir_all(&objects).unwrap();
    let mut main = String::from(
        "#include <stdio.h>\n#include <stdlib.h>\n\n/* Generated by c_export_ops.rs: runs every case. */\n",
    );
    let mut table_rows = String::new();
    let (mut in_at, mut out_at) = (0usize, 0usize);
    let mut input_file = Vec::new();
    let mut layout = Vec::new();
    let mut sources: Vec<PathBuf> = Vec::new();
    for (k, case) in cases.iter().enumerate() {
        let dir = root.join(format!("case{k}"));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in &case.files {
            let renamed = text
                .replace("tinyml_invoke", &format!("case{k}_invoke"))
                .replace("tinyml_reset", &format!("case{k}_reset"));
            let file = if name == "model.c" { format!("case{k}.c") } else { name.clone() };
            if name == "model.c" || name.ends_with(".h") {
                std::fs::write(dir.join(&file), renamed).unwrap();
            }
        }
        sources.push(dir.join(format!("case{k}.c")));
        let single = case.inputs.len() == 1 && case.expected.len() == 1;
        let inv = case.invokes;
        // Input j of invocation n at `in + at_j + n * stride_j`, likewise the outputs.
        let mut ins = Vec::new();
        for (dtype, bytes) in &case.inputs {
            let stored = to_container(*dtype, bytes, container);
            input_file.resize(in_at, 0);
            ins.push(format!("in + {in_at} + n * {}", stored.len() / inv));
            in_at = align8(in_at + stored.len());
            input_file.extend(stored);
        }
        let mut outs = Vec::new();
        let mut places = Vec::new();
        for (dtype, bytes) in &case.expected {
            let len = stored_len(*dtype, bytes.len(), container);
            outs.push(format!("out + {out_at} + n * {}", len / inv));
            places.push((out_at, len));
            out_at = align8(out_at + len);
        }
        layout.push(places);
        let call = if single {
            let _ = writeln!(main, "int case{k}_invoke(const void *input, void *output);");
            format!("case{k}_invoke({}, {})", ins[0], outs[0])
        } else {
            let _ = writeln!(main, "int case{k}_invoke_n(const void *const inputs[], void *const outputs[]);");
            format!(
                "case{k}_invoke_n((const void *const[]){{{}}}, (void *const[]){{{}}})",
                ins.join(", "),
                outs.join(", ")
            )
        };
        let _ = writeln!(
            main,
            "static int run{k}(const unsigned char *in, unsigned char *out) {{\n    size_t n;\n    for (n = 0; n < {inv}; ++n) {{\n        if ({call} != 0) {{\n            return -1;\n        }}\n    }}\n    return 0;\n}}"
        );
        let _ = writeln!(table_rows, "    run{k},");
    }
    input_file.resize(in_at.max(8), 0);
    let in_path = root.join("inputs.bin");
    let out_path = root.join("outputs.bin");
    std::fs::write(&in_path, &input_file).unwrap();
    let _ = write!(
        main,
        "\nstatic int (*const cases[])(const unsigned char *, unsigned char *) = {{\n{table_rows}}};\n\n\
int main(int argc, char **argv) {{\n\
    /* double: aligned for every element type. */\n\
    static double in_words[{in_words}], out_words[{out_words}];\n\
    unsigned char *in = (unsigned char *)in_words, *out = (unsigned char *)out_words;\n\
    size_t k;\n\
    FILE *f;\n\
    if (argc != 3 || (f = fopen(argv[1], \"rb\")) == NULL || fread(in, 1, {in_bytes}, f) != {in_bytes}) {{\n\
        return 2;\n\
    }}\n\
    fclose(f);\n\
    for (k = 0; k < sizeof cases / sizeof cases[0]; ++k) {{\n\
        if (cases[k](in, out) != 0) {{\n\
            fprintf(stderr, \"case %u returned an error\\n\", (unsigned)k);\n\
            return 1;\n\
        }}\n\
    }}\n\
    if ((f = fopen(argv[2], \"wb\")) == NULL || fwrite(out, 1, {out_bytes}, f) != {out_bytes}) {{\n\
        return 2;\n\
    }}\n\
    fclose(f);\n\
    return 0;\n\
}}\n",
        in_words = input_file.len() / 8,
        out_words = out_at.max(8) / 8,
        in_bytes = input_file.len(),
        out_bytes = out_at.max(8),
    );
    std::fs::write(root.join("main.c"), main).unwrap();
    // Each case includes its own model.h, so it is compiled from its own directory
    // (quoted includes resolve beside the source); objects land in `obj/`.
    for half in sources.chunks(sources.len().div_ceil(2).max(1)) {
        let mut cmd = gcc(&objects);
        cmd.args(half);
        compiles.push((cmd, format!("gcc of {} case sources ({bits}-bit containers)", half.len())));
    }
    run_parallel(compiles);

    let exe = root.join("runner");
    let mut link = Command::new("gcc");
    link.args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-O1", "-I"])
        .arg(&lib)
        .arg(root.join("main.c"))
        .args(KERNEL_SOURCES.iter().map(|s| lib.join(s.file.replace(".c", ".o"))))
        .args((0..cases.len()).map(|k| objects.join(format!("case{k}.o"))))
        .arg("-o")
        .arg(&exe);
    run_parallel(vec![(link, format!("link of the runner ({bits}-bit containers)"))]);
    let out = Command::new(&exe).arg(&in_path).arg(&out_path).output().unwrap();
    assert!(out.status.success(), "runner ({bits}-bit containers) failed: {}", String::from_utf8_lossy(&out.stderr));
    let got = std::fs::read(&out_path).unwrap();

    let mut failures = Vec::new();
    for (case, places) in cases.iter().zip(&layout) {
        for ((dtype, want), &(at, len)) in case.expected.iter().zip(places) {
            let ours = from_container(*dtype, &got[at..at + len], container);
            if &ours != want {
                let d = support::diff(*dtype, want, &ours);
                let (count, first) = match d {
                    Some(d) => {
                        let (i, e, a) = d.first.unwrap_or_default();
                        (format!("{}/{}", d.count, d.total), format!("[{i}] want {e} got {a}"))
                    }
                    None => ("?".into(), "-".into()),
                };
                failures.push(vec![
                    format!("{bits}"),
                    case.op.clone(),
                    case.name.clone(),
                    format!("MISMATCH {count} differ"),
                    first,
                ]);
                break;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    failures
}

#[test]
fn every_op_case_exported_to_c_matches_tflm() {
    if std::env::var_os("TINYML_ORACLE_QUICK").is_none() {
        // The quick subset unless asked otherwise (this test binary has this one test,
        // so nothing reads the environment concurrently).
        std::env::set_var("TINYML_ORACLE_QUICK", "1");
    }
    let py = match support::check_oracle() {
        Ok(py) => py,
        Err(why) => return skip("c_export_ops", &why, INSTALL_HINT),
    };
    let dir = match cases_dir(&py) {
        Ok(d) => d,
        Err(why) => return skip("c_export_ops", &why, INSTALL_HINT),
    };
    if !Command::new("gcc").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return skip("c_export_ops", "gcc not found", "apt-get install gcc");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json"))
            .expect("manifest.json is JSON");
    let ops = env_list("TINYML_ORACLE_OPS");
    let case_filter = env_list("TINYML_ORACLE_CASES");

    let mut failures = Vec::new();
    let mut total = 0;
    for container in [Container::Bits8, Container::Bits16] {
        let mut cases = Vec::new();
        for c in manifest["cases"].as_array().expect("cases") {
            let op = c["op"].as_str().unwrap_or("?").to_lowercase();
            let name = c["case"].as_str().unwrap_or("?").to_string();
            if ops.as_ref().is_some_and(|o| !o.contains(&op)) {
                continue;
            }
            if case_filter.as_ref().is_some_and(|f| !f.iter().any(|s| name.to_lowercase().contains(s))) {
                continue;
            }
            total += 1;
            let n_in = c["inputs"].as_u64().unwrap_or(1) as usize;
            let n_out = c["outputs"].as_u64().unwrap_or(1) as usize;
            let invokes = c["invokes"].as_u64().unwrap_or(1) as usize;
            let case_dir = dir.join(c["dir"].as_str().expect("dir"));
            match prepare(&case_dir, &op, &name, (n_in, n_out, invokes), container) {
                Ok(case) => cases.push(case),
                Err(e) => {
                    // Long errors (the kernel list of KernelNotPorted) would drown the table.
                    let e: String =
                        if e.chars().count() > 160 { e.chars().take(160).chain("...".chars()).collect() } else { e };
                    failures.push(vec![container.bits().to_string(), op, name, e, "-".into()])
                }
            }
        }
        if !cases.is_empty() {
            failures.extend(run_mode(&cases, container));
        }
    }
    assert!(total > 0, "no case matches TINYML_ORACLE_OPS / TINYML_ORACLE_CASES");
    eprintln!("C export: {} of {total} case runs (both container modes) bit-exact with TFLM", total - failures.len());
    if !failures.is_empty() {
        eprintln!("{}", table(&["container", "op", "case", "result", "first difference"], &failures));
        panic!("{} of {total} C export case runs differ from TFLM (table above)", failures.len());
    }
}
