//! `profile --baseline` (issue 12): the JSON report carries the deltas and the verdict, a
//! baseline of another model is refused, a changed output checksum fails (exit 3) unless
//! `--allow-output-change`, and the rows stay aligned. Through the binary on hello_world
//! in QEMU, and on the library with a recorded report.
//!
//! Skipped (with a message) when `qemu-system-arm` or the thumbv8m target is missing.

use cargo_tinyml::profiling::baseline::{self, BaselineError, Verdict};
use cargo_tinyml::profiling::measured::MeasuredReport;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// The KWS report recorded by `profile.rs`'s snapshot (13 layers).
fn recorded_report() -> MeasuredReport {
    let snap = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/profile__kws_an547_profile_json.snap"),
    )
    .unwrap();
    let json = &snap[snap.find("\n---\n").expect("insta header") + 5..];
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
    // The snapshot redacts the figures: give them fixed values of every width.
    let mut n = 7u64;
    unredact(&mut v, &mut n);
    let mut report: MeasuredReport = serde_json::from_value(v).unwrap();
    // As a report of a version without the model hash.
    report.model_hash = None;
    report
}

fn unredact(v: &mut serde_json::Value, n: &mut u64) {
    match v {
        serde_json::Value::String(s) if s == "[u64]" => {
            *n = *n * 13 % 1_000_003;
            *v = (*n).into();
        }
        serde_json::Value::String(s) if s == "[number]" => *v = 0.5.into(),
        serde_json::Value::String(s) if s == "[string]" => *v = "0x0badcafe".into(),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| unredact(x, n)),
        serde_json::Value::Object(o) => o.values_mut().for_each(|x| unredact(x, n)),
        _ => {}
    }
}

#[test]
fn baseline_verdicts_and_aligned_rows() {
    let old = recorded_report();
    let mut new = old.clone();
    new.model_hash = Some(baseline::model_hash(b"model"));
    // No hash in the old report (older versions): compared.
    let same = baseline::compare(&new, &old, 5.0, false).unwrap();
    assert_eq!(same.verdict, Verdict::Pass, "{}", same.text);
    // Every row's columns line up.
    let arrows: Vec<usize> = same.text.lines().filter_map(|l| l.find(" -> ")).collect();
    assert_eq!(arrows.len(), 5 + old.layers.len(), "{}", same.text);
    assert!(arrows.iter().all(|&c| c == arrows[0]), "columns not aligned:\n{}", same.text);
    insta::assert_snapshot!("baseline_rows", same.text);
    // JSON: deltas, per-layer deltas and verdict.
    let j = serde_json::to_value(&same).unwrap();
    assert_eq!(j["verdict"], "pass");
    assert_eq!(j["deltas"][0]["name"], "total instructions");
    assert_eq!(j["layers"].as_array().unwrap().len(), old.layers.len());

    // Another model: refused.
    let mut other = old.clone();
    other.model_hash = Some(baseline::model_hash(b"another model"));
    let err = baseline::compare(&new, &other, 5.0, false).unwrap_err();
    assert!(matches!(err, BaselineError::OtherModel { .. }), "{err}");

    // A changed output: a failure unless allowed.
    let mut changed = new.clone();
    changed.checksum = "0x12345678".into();
    let cmp = baseline::compare(&changed, &old, 5.0, false).unwrap();
    assert_eq!(cmp.verdict, Verdict::OutputChanged);
    assert_eq!(baseline::compare(&changed, &old, 5.0, true).unwrap().verdict, Verdict::Pass);

    // 10% slower: a regression, flagged in the row.
    let mut slower = new.clone();
    slower.total.instructions = Some(old.total.value() * 110 / 100);
    let cmp = baseline::compare(&slower, &old, 5.0, false).unwrap();
    assert_eq!(cmp.verdict, Verdict::Regression);
    assert!(cmp.text.lines().next().is_some_and(|l| l.starts_with("against")));
    assert!(cmp.text.lines().nth(1).unwrap().ends_with("REGRESSION"), "{}", cmp.text);
}

fn have_tools() -> bool {
    let qemu = Command::new("qemu-system-arm").arg("--version").output().is_ok_and(|o| o.status.success());
    if !qemu {
        eprintln!("skipped: needs qemu-system-arm");
        assert!(std::env::var_os("CI").is_none(), "under CI a skipped test is a failure");
    }
    qemu
}

fn profile(project: &Path, args: &[&str]) -> Output {
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("profile-e2e-target");
    Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"))
        .current_dir(project)
        .args(["tinyml", "profile", "--runs", "2", "--target-dir", target.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn profile_baseline_through_the_binary() {
    if !have_tools() {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("profile-baseline");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"))
        .current_dir(&dir)
        .env("TINYML_SOURCE_DIR", workspace())
        .args(["tinyml", "new", "hello"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let project = dir.join("hello");
    let o = profile(&project, &["--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(report["model_hash"].as_str().unwrap().starts_with("fnv1a64:"));
    let base = dir.join("base.json");
    let write = |v: &serde_json::Value| std::fs::write(&base, serde_json::to_string(v).unwrap()).unwrap();

    // Itself as the baseline: pass, and the JSON carries the comparison.
    write(&report);
    let o = profile(&project, &["--json", "--baseline", base.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["baseline"]["verdict"], "pass");
    assert_eq!(v["baseline"]["deltas"][0]["percent"], 0.0);

    // Another output: exit 3 with the reason, unless allowed.
    let mut changed = report.clone();
    changed["checksum"] = "0x12345678".into();
    write(&changed);
    let o = profile(&project, &["--baseline", base.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("error: the output checksum changed against") && e.contains("--allow-output-change"), "{e}");
    let o = profile(&project, &["--baseline", base.to_str().unwrap(), "--allow-output-change"]);
    assert!(o.status.success(), "{}", stderr(&o));

    // Another model: refused, exit 1.
    let mut other = report.clone();
    other["model_hash"] = "fnv1a64:0000000000000000".into();
    write(&other);
    let o = profile(&project, &["--baseline", base.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("the baseline was measured on another model"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}
