//! `cargo tinyml doctor`: the checks of the tinyml crates projects depend on (a missing
//! `TINYML_SOURCE_DIR`, a project whose path dependency moved) and of the runner of
//! hardware projects.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn doctor(cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"));
    cmd.current_dir(cwd).args(["tinyml", "doctor"]).env_remove("TINYML_SOURCE_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run cargo-tinyml")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("doctor-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The lines of `doctor`'s report about `check`, with the fix line below it (spaces
/// collapsed: the column width depends on the other checks).
fn lines_of(report: &str, check: &str) -> String {
    let lines: Vec<&str> = report.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.contains(check) {
            out.push(*l);
            if let Some(next) = lines.get(i + 1).filter(|n| n.trim_start().starts_with("fix:")) {
                out.push(next);
            }
        }
    }
    out.iter().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join("\n")
}

#[test]
fn a_missing_source_dir_is_reported() {
    let dir = scratch("source");
    let out = doctor(&dir, &[("TINYML_SOURCE_DIR", "/nonexistent")]);
    assert_eq!(out.status.code(), Some(1), "a missing source dir is MISSING");
    let report = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("doctor_source_dir_missing", lines_of(&report, "tinyml crates for new projects"));
}

#[test]
fn a_project_whose_checkout_moved_is_reported() {
    let dir = scratch("moved");
    let project = dir.join("proj");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("Cargo.toml"),
        "[package]\nname = \"proj\"\nversion = \"0.1.0\"\n\n[package.metadata.tinyml]\nboard = \"mps3-an547\"\n\n\
         [dependencies]\ntinyml-runtime = { path = \"/moved/away/runtime\", version = \"0.1.0\" }\n",
    )
    .unwrap();
    let out = doctor(&project, &[]);
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8(out.stdout).unwrap();
    let lines = lines_of(&report, "proj dependency").replace(&project.display().to_string(), "[PROJECT]");
    insta::assert_snapshot!("doctor_project_dependency_moved", lines);
}

#[test]
fn the_runner_of_hardware_projects_is_checked() {
    let dir = scratch("runner");
    // cargo-tinyml on PATH: the runner is there.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cargo-tinyml")).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let report = String::from_utf8(doctor(&dir, &[("PATH", &path)]).stdout).unwrap();
    let line = lines_of(&report, "runner of hardware projects");
    assert!(
        line.starts_with("ok") && line.contains("`cargo tinyml flash`") && line.contains("no probe-rs CLI needed"),
        "{line}"
    );
    // Not on PATH: a warning with the install command.
    let report = String::from_utf8(doctor(&dir, &[("PATH", "/usr/bin:/bin")]).stdout).unwrap();
    let line = lines_of(&report, "runner of hardware projects");
    assert!(line.starts_with("warn") && line.contains("fix: cargo install --locked"), "{line}");
}
