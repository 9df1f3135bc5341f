//! `cargo tinyml flash` and `profile` on a board whose core probe-rs cannot drive (C28x):
//! both say so; `flash` hands the image to TI UniFlash's `dslite` when it is on the PATH
//! (a stand-in script here, which records its arguments) and otherwise fails with the
//! exact manual steps. Runs the real binary so that each case has its own PATH.

use cargo_tinyml::boards::Catalog;
use cargo_tinyml::project::scaffold::DEFAULT_MODEL;
use cargo_tinyml::project::{self, c_project};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BOARD: &str = "launchxl-f28p55x";

fn board() -> cargo_tinyml::boards::Board {
    Catalog::builtin().unwrap().get(BOARD).unwrap().clone()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tinyml-c2000-flash-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A generated C2000 project (as `cargo tinyml new --board launchxl-f28p55x` writes it).
fn project(name: &str) -> PathBuf {
    let dir = scratch(name).join("demo");
    for (p, bytes) in c_project::project_files("demo", &board(), DEFAULT_MODEL, "model.tflite").unwrap() {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

/// Runs `cargo tinyml ARGS` with `extra_path` in front of PATH (or with a PATH of
/// system directories only, where no dslite lives).
fn tinyml(args: &[&str], extra_path: Option<&Path>) -> Output {
    let path = match extra_path {
        Some(p) => format!("{}:{}", p.display(), std::env::var("PATH").unwrap_or_default()),
        None => "/usr/bin:/bin".to_owned(),
    };
    Command::new(env!("CARGO_BIN_EXE_cargo-tinyml")).arg("tinyml").args(args).env("PATH", path).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn generated_project_names_its_board() {
    let dir = project("board");
    assert_eq!(c_project::project_board(&dir).as_deref(), Some(BOARD));
    assert_eq!(project::c_project_board(&dir, None).unwrap().map(|b| b.name), Some(BOARD.to_owned()));
    // A Rust board given with --board takes the usual path.
    assert!(project::c_project_board(&dir, Some("mps2-an386")).unwrap().is_none());
    assert!(project::c_project_board(&std::env::temp_dir(), None).unwrap().is_none());
}

#[test]
fn flash_without_dslite_fails_with_the_manual_steps() {
    let dir = project("nodslite");
    let out = tinyml(&["flash", "--path", dir.to_str().unwrap()], None);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("probe-rs cannot drive the c28x core"), "{err}");
    assert!(err.contains("`dslite` is not on the PATH"), "{err}");
    assert!(err.contains("dslite --mode flash --config="), "{err}");
    assert!(err.contains("tinyml_cycles"), "{err}");
}

#[test]
fn flash_dry_run_prints_the_steps() {
    let dir = project("dry");
    let out = tinyml(&["flash", "--dry-run", "--path", dir.to_str().unwrap()], None);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("probe-rs cannot drive the c28x core") && err.contains("Code Composer Studio"), "{err}");
}

#[test]
fn flash_with_dslite_on_the_path_calls_it() {
    let dir = project("dslite");
    let bin = scratch("bin");
    let log = bin.join("dslite.log");
    let script = bin.join("dslite");
    std::fs::write(&script, format!("#!/bin/sh\necho \"$@\" >> '{}'\nexit 0\n", log.display())).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = tinyml(&["flash", "--board", BOARD, "--path", dir.to_str().unwrap()], Some(&bin));
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("probe-rs cannot drive the c28x core") && err.contains("with TI UniFlash's dslite"), "{err}");
    let calls = std::fs::read_to_string(&log).unwrap();
    let last = calls.lines().last().unwrap();
    let ccxml = dir.join("targetConfigs/TMS320F28P550SJ9.ccxml");
    let want = c_project::dslite_command(&ccxml, &dir.join("demo.out"));
    assert_eq!(last, want[1..].join(" "), "dslite calls:\n{calls}");
}

#[test]
fn profile_says_it_cannot_measure_c28x() {
    let dir = project("profile");
    let out = tinyml(&["profile", "--path", dir.to_str().unwrap()], None);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot measure board `launchxl-f28p55x`"), "{err}");
    assert!(err.contains("probe-rs cannot drive the c28x core"), "{err}");
}

#[test]
fn board_option_routes_an_empty_directory_too() {
    let dir = scratch("empty");
    let out = tinyml(&["flash", "--board", BOARD, "--path", dir.to_str().unwrap()], None);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("probe-rs cannot drive the c28x core"), "{err}");
}
