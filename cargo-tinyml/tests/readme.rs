//! The figures in README.md are what the commands print (issue 12: ticks, KWS flash and the
//! boards table had drifted). Each block between `<!-- generated: NAME -->` and
//! `<!-- end: NAME -->` is produced here; the test fails when the README differs, and
//! `TINYML_BLESS_README=1 cargo test -p cargo-tinyml --test readme` writes the new blocks.

use cargo_tinyml::boards::{Catalog, Flow};
use cargo_tinyml::cmd::new::Cmd;
use cargo_tinyml::project::cargo::{self, BuildOptions};
use cargo_tinyml::project::Project;
use cargo_tinyml::target::qemu;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// Replaces the generated block `name` of `text` with `body`; panics if the markers are
/// missing.
fn replace_block(text: &str, name: &str, body: &str) -> String {
    let start = format!("<!-- generated: {name} -->\n");
    let end = format!("<!-- end: {name} -->");
    let a = text.find(&start).unwrap_or_else(|| panic!("README.md has no block {name}")) + start.len();
    let b = a + text[a..].find(&end).unwrap_or_else(|| panic!("README.md block {name} is not closed"));
    format!("{}{body}{}", &text[..a], &text[b..])
}

/// Checks the README against `blocks`, or writes them with `TINYML_BLESS_README=1`.
fn check(blocks: &[(&str, String)]) {
    let path = workspace().join("README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut new = text.clone();
    for (name, body) in blocks {
        new = replace_block(&new, name, body);
    }
    if new == text {
        return;
    }
    if std::env::var_os("TINYML_BLESS_README").is_some() {
        std::fs::write(&path, new).unwrap();
        return;
    }
    let diff: Vec<String> =
        text.lines().zip(new.lines()).filter(|(a, b)| a != b).map(|(a, b)| format!("- {a}\n+ {b}")).take(20).collect();
    panic!("README.md differs from what the commands print (TINYML_BLESS_README=1 rewrites it):\n{}", diff.join("\n"));
}

fn fenced(lines: &str) -> String {
    format!("```\n{}```\n", lines)
}

/// `cargo tinyml boards` as the README shows it, and `analyze` of KWS: no build needed.
#[test]
fn readme_boards_and_analyze_are_what_the_commands_print() {
    // The user boards directory as most users have it, not this machine's.
    let boards = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"))
        .env("TINYML_BOARDS_DIR", "~/.config/cargo-tinyml/boards")
        .args(["tinyml", "boards"])
        .output()
        .unwrap();
    assert!(boards.status.success());
    let boards = String::from_utf8(boards.stdout).unwrap();
    let catalog = Catalog::builtin().unwrap();
    for b in &catalog.boards {
        assert!(boards.contains(&b.name), "`boards` must list {}", b.name);
    }
    let kws_dir = workspace().join("tests/data/mlperf-tiny");
    let analyze = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"))
        .current_dir(&kws_dir)
        .args(["tinyml", "analyze", "kws_ref_model.tflite", "--board", "mps3-an547"])
        .output()
        .unwrap();
    assert!(analyze.status.success());
    let analyze = String::from_utf8(analyze.stdout).unwrap();
    check(&[
        ("boards", fenced(&format!("$ cargo tinyml boards\n{boards}"))),
        ("analyze-kws", fenced(&format!("$ cargo tinyml analyze kws_ref_model.tflite --board mps3-an547\n{analyze}"))),
    ]);
}

/// The output of the project `new` writes, run in QEMU (deterministic under -icount).
#[test]
fn readme_run_output_is_what_the_firmware_prints() {
    let qemu_ok = Command::new("qemu-system-arm").arg("--version").output().is_ok_and(|o| o.status.success());
    if !qemu_ok {
        eprintln!("SKIPPED: qemu-system-arm is missing");
        assert!(std::env::var_os("CI").is_none(), "under CI a skipped test is a failure");
        return;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme-demo");
    let _ = std::fs::remove_dir_all(&dir);
    let cmd = Cmd {
        name: "demo".into(),
        board: "mps3-an547".into(),
        model: None,
        path: Some(dir.clone()),
        example: None,
        force: false,
        local: false,
        npu: None,
        weights_in_ram: 0,
    };
    cmd.create().unwrap();
    let target = std::env::var_os("TINYML_FIRMWARE_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("firmware"));
    let project = Project::find(&dir).unwrap();
    let elf = cargo::build_elf(
        &project,
        &BuildOptions { release: false, target_dir: Some(target), quiet: true, memory: None },
    )
    .unwrap();
    let catalog = Catalog::builtin().unwrap();
    let Flow::Qemu(emu) = catalog.get("mps3-an547").unwrap().flow() else { panic!("mps3-an547 is emulated") };
    let out = qemu::run(emu, &elf, Duration::from_secs(60), false).unwrap();
    assert_eq!(out.code, 0);
    let top1 = cargo_tinyml::project::top1::of_run(&out.stdout, &dir).map(|t| format!("{t}\n")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    check(&[("run-demo", fenced(&format!("{}{top1}", out.stdout)))]);
}
