//! Every operator against TFLite Micro on generated models covering its parameter space
//! (`tools/oracle/gen_op_cases.py`): each case is compiled, run on the host and its
//! output bytes compared with TFLM's. All cases run; failures are collected into one
//! table (op, case, what went wrong, max |diff|, first differing element) before the
//! test fails.
//!
//! Environment:
//! - `TINYML_ORACLE_OPS=conv_2d,softmax`: only these ops (directory names, i.e. the
//!   lowercase TFLite names); `TINYML_ORACLE_CASES=k3x3`: only cases whose name
//!   contains one of these comma-separated substrings.
//! - `TINYML_ORACLE_QUICK=1` / `0`: the representative subset or every case (default:
//!   the subset when `CI` is set, everything otherwise).
//! - `TINYML_ORACLE_SEED`: the generator seed (default 1).
//! - `TINYML_PYTHON`: the Python with `tflite_micro` (default `.venv/bin/python`, then
//!   `python3`). Without it the test fails in CI and is skipped elsewhere.
//!
//! Cases are cached in `<target>/oracle-cases/<hash of generator sources, seed, subset>`.

mod support;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use support::{cases_dir, diff, env_list, read_npy, skip, table, INSTALL_HINT};
use tinyml_compiler::CompileError;

/// The outcome of one case.
enum Outcome {
    Pass,
    Fail { result: String, max_abs: String, first: String },
}

/// Cases whose program runs a layer in place (over a dying input; `TINYML_MEMORY=ram`).
static IN_PLACE_CASES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn fail(result: impl Into<String>) -> Outcome {
    Outcome::Fail { result: result.into(), max_abs: "-".into(), first: "-".into() }
}

/// Runs a case: `invokes` invocations in a row on one arena (recurrent state carried
/// over), whose outputs, concatenated, match TFLM's stacked along a leading axis.
fn run_case(dir: &Path, n_inputs: usize, n_outputs: usize, invokes: usize) -> Outcome {
    let model = match std::fs::read(dir.join("model.tflite")) {
        Ok(m) => m,
        Err(e) => return fail(format!("cannot read model: {e}")),
    };
    let program = match tinyml_compiler::compile(&model, &support::compile_options()) {
        Ok(p) => p,
        Err(CompileError::Unsupported { reason, site }) if reason.contains("not implemented yet") => {
            return fail(format!("NOT IMPLEMENTED ({site})"))
        }
        Err(e) => return fail(format!("compile error: {e}")),
    };
    if program.plan.in_place.iter().any(Option::is_some) || program.plan.rows.iter().any(Option::is_some) {
        IN_PLACE_CASES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let mut inputs = Vec::new();
    for k in 0..n_inputs {
        match read_npy(&dir.join(format!("input_{k}.npy"))) {
            Ok(a) => inputs.push(a),
            Err(e) => return fail(e),
        }
    }
    let mut arena = program.new_arena();
    let mut outputs = vec![Vec::new(); n_outputs];
    for i in 0..invokes {
        match program.run_in(&mut arena, &support::run_slices(&inputs, i, invokes)) {
            Ok(o) if o.len() != n_outputs => return fail(format!("{} outputs, TFLM has {n_outputs}", o.len())),
            Ok(o) => outputs.iter_mut().zip(o).for_each(|(all, one)| all.extend(one)),
            Err(e) => return fail(format!("run error (invocation {i}): {e}")),
        }
    }
    for (k, got) in outputs.iter().enumerate() {
        let want = match read_npy(&dir.join(format!("expected_{k}.npy"))) {
            Ok(a) => a,
            Err(e) => return fail(e),
        };
        let ours = program.graph.tensors[program.graph.outputs[k]].dtype;
        if ours != want.dtype || got.len() != want.data.len() {
            return fail(format!(
                "output {k}: {} bytes of {}, TFLM gives {} bytes of {} {:?}",
                got.len(),
                ours.tflite_name(),
                want.data.len(),
                want.dtype.tflite_name(),
                want.shape
            ));
        }
        if let Some(d) = diff(want.dtype, &want.data, got) {
            let (i, e, a) = d.first.unwrap_or_default();
            return Outcome::Fail {
                result: format!("MISMATCH output {k}: {}/{} differ", d.count, d.total),
                max_abs: format!("{}", d.max_abs),
                first: format!("[{i}] want {e} got {a}"),
            };
        }
    }
    Outcome::Pass
}

#[test]
fn every_op_case_matches_tflm() {
    let py = match support::check_oracle() {
        Ok(py) => py,
        Err(why) => return skip("oracle_ops", &why, INSTALL_HINT),
    };
    let dir = match cases_dir(&py) {
        Ok(d) => d,
        Err(why) => return skip("oracle_ops", &why, INSTALL_HINT),
    };
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json"))
            .expect("manifest.json is JSON");
    let ops = env_list("TINYML_ORACLE_OPS");
    let case_filter = env_list("TINYML_ORACLE_CASES");
    let known: HashSet<String> = manifest["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["op"].as_str())
        .map(|s| s.to_lowercase())
        .collect();
    if let Some(ops) = &ops {
        let unknown: Vec<&String> = ops.iter().filter(|o| !known.contains(*o)).collect();
        assert!(unknown.is_empty(), "TINYML_ORACLE_OPS names unknown ops {unknown:?}; known: {known:?}");
    }

    let mut failures = Vec::new();
    let mut per_op: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut total = 0;
    for c in manifest["cases"].as_array().expect("cases") {
        let op = c["op"].as_str().unwrap_or("?").to_string();
        let name = c["case"].as_str().unwrap_or("?").to_string();
        if ops.as_ref().is_some_and(|o| !o.contains(&op.to_lowercase())) {
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
        let entry = per_op.entry(op.clone()).or_default();
        match run_case(&case_dir, n_in, n_out, invokes) {
            Outcome::Pass => entry.0 += 1,
            Outcome::Fail { result, max_abs, first } => {
                if result.starts_with("NOT IMPLEMENTED") {
                    entry.2 += 1;
                } else {
                    entry.1 += 1;
                }
                failures.push(vec![op, name, result, max_abs, first]);
            }
        }
    }
    assert!(total > 0, "no case matches TINYML_ORACLE_OPS / TINYML_ORACLE_CASES");

    let skipped: BTreeSet<String> = manifest["skipped"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| format!("{}/{}", s["op"].as_str().unwrap_or("?").to_lowercase(), s["case"].as_str().unwrap_or("?")))
        .collect();
    let summary: Vec<Vec<String>> = per_op
        .iter()
        .map(|(op, (pass, fail, ni))| vec![op.clone(), pass.to_string(), fail.to_string(), ni.to_string()])
        .collect();
    let passed: usize = per_op.values().map(|v| v.0).sum();
    let report = format!(
        "oracle cases: {}\n{}\n{passed} of {total} cases bit-exact with TFLM ({} cases TFLM itself rejects are listed in manifest.json)\n\
         memory mode {}: {} cases ran a layer in place\n",
        dir.display(),
        table(&["op", "pass", "mismatch/error", "not implemented"], &summary),
        skipped.len(),
        support::memory_mode().name(),
        IN_PLACE_CASES.load(std::sync::atomic::Ordering::Relaxed),
    );
    eprintln!("{report}");
    if !failures.is_empty() {
        eprintln!("{}", table(&["op", "case", "result", "max |diff|", "first difference"], &failures));
        panic!(
            "{} of {total} oracle cases differ from TFLM (table above; case files under {}; \
             filter with TINYML_ORACLE_OPS=op1,op2 and TINYML_ORACLE_CASES=substring)",
            failures.len(),
            dir.display()
        );
    }
}
