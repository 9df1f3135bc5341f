//! The C2000 (C28x) board: `cargo tinyml new --board launchxl-f28p55x` generates a C
//! project for TI's compiler. Snapshots pin the generated files; the project's C is built
//! with host gcc in the 16-bit container mode (as C28x needs) and must reproduce the
//! host run's output, which the C export tests tie to TFLite Micro.

use cargo_tinyml::boards::Catalog;
use cargo_tinyml::project::c_project;
use cargo_tinyml::project::scaffold::DEFAULT_MODEL;
use std::path::{Path, PathBuf};
use std::process::Command;

const BOARD: &str = "launchxl-f28p55x";

fn board() -> cargo_tinyml::boards::Board {
    Catalog::builtin().unwrap().get(BOARD).unwrap().clone()
}

fn text(files: &[(PathBuf, Vec<u8>)], path: &str) -> String {
    let (_, bytes) = files.iter().find(|(p, _)| p == Path::new(path)).unwrap_or_else(|| panic!("no {path}"));
    String::from_utf8(bytes.clone()).unwrap()
}

fn write(dir: &Path, files: &[(PathBuf, Vec<u8>)]) {
    let _ = std::fs::remove_dir_all(dir);
    for (p, bytes) in files {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// Builds the project's C like its `make host-check` and runs it; returns stdout.
fn host_check(dir: &Path) -> Option<String> {
    if !Command::new("gcc").arg("--version").output().is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED host check of the C2000 project: gcc not found");
        assert!(std::env::var_os("CI").is_none(), "under CI a skipped test is a failure (see the message above)");
        return None;
    }
    let sources: Vec<PathBuf> = std::fs::read_dir(dir.join("src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();
    let exe = dir.join("host-check");
    let out = Command::new("gcc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-O1", "-DTINYML_I8_CONTAINER_16", "-I"])
        .arg(dir.join("src"))
        .args(&sources)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(out.status.success(), "gcc failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let run = Command::new(&exe).output().unwrap();
    let stdout = String::from_utf8(run.stdout).unwrap();
    assert!(run.status.success(), "host check failed: {stdout}");
    Some(stdout)
}

#[test]
fn board_file_loads_without_a_rust_target() {
    let b = board();
    assert!(b.target.is_none() && b.flow() == cargo_tinyml::boards::Flow::CProject);
    assert_eq!(b.timer.as_str(), "cpu-timer");
    assert!(b.npu.as_ref().is_some_and(|n| !n.supported));
}

#[test]
fn generated_project_snapshot() {
    let files = c_project::project_files("demo", &board(), DEFAULT_MODEL, "hello_world_int8.tflite").unwrap();
    let listing: Vec<String> = files.iter().map(|(p, b)| format!("{} ({} bytes)", p.display(), b.len())).collect();
    insta::assert_snapshot!("c2000_listing", listing.join("\n"));
    for file in
        ["linker.cmd", "src/main.c", "src/codestart.asm", "Makefile", "README.md", "src/model.h", "src/tinyml_config.h"]
    {
        insta::assert_snapshot!(format!("c2000_{}", file.replace(['/', '.'], "_")), text(&files, file));
    }
    insta::assert_snapshot!("c2000_ccxml", text(&files, "targetConfigs/TMS320F28P550SJ9.ccxml"));
}

#[test]
fn generated_c_passes_in_the_16_bit_container_mode() {
    let files = c_project::project_files("demo", &board(), DEFAULT_MODEL, "hello_world_int8.tflite").unwrap();
    let dir = std::env::temp_dir().join(format!("tinyml-c2000-{}", std::process::id()));
    write(&dir, &files);
    if let Some(out) = host_check(&dir) {
        assert!(out.starts_with("PASS"), "{out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The larger shared models too (conv, depthwise, pooling, softmax), when available.
#[test]
fn shared_models_pass_in_the_16_bit_container_mode() {
    let models = std::env::var_os("TINYML_SHARED_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data"));
    for rel in ["mlperf-tiny/kws_ref_model.tflite", "tflite-micro/micro_speech_quantized.tflite"] {
        let bytes = std::fs::read(models.join(rel))
            .unwrap_or_else(|e| panic!("{rel} under {}: {e} (tests/data is part of the repository)", models.display()));
        let name = Path::new(rel).file_name().unwrap().to_str().unwrap();
        let files = c_project::project_files("demo", &board(), &bytes, name).unwrap();
        let dir = std::env::temp_dir().join(format!("tinyml-c2000-{}-{name}", std::process::id()));
        write(&dir, &files);
        if let Some(out) = host_check(&dir) {
            assert!(out.starts_with("PASS"), "{rel}: {out}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn new_writes_the_c_project() {
    let dir = std::env::temp_dir().join(format!("tinyml-c2000-new-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cmd = cargo_tinyml::cmd::new::Cmd {
        name: "demo".into(),
        board: BOARD.into(),
        model: None,
        path: Some(dir.clone()),
        example: None,
        local: false,
        force: false,
        npu: None,
        weights_in_ram: 0,
    };
    let dest = cmd.create().unwrap();
    for f in ["linker.cmd", "Makefile", "src/main.c", "src/model.c", "targetConfigs/TMS320F28P550SJ9.ccxml"] {
        assert!(dest.join(f).is_file(), "{f} missing");
    }
    assert!(!dest.join("Cargo.toml").exists(), "a C28x board must not get a Rust project");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flash_says_probe_rs_cannot_drive_c28x() {
    let steps = c_project::flash_instructions(&board(), Path::new("demo"));
    assert!(steps.contains("probe-rs cannot drive the c28x core"), "{steps}");
    assert!(steps.contains("dslite --mode flash --config=demo/targetConfigs/TMS320F28P550SJ9.ccxml"), "{steps}");
    assert!(steps.contains("None of these steps has been verified"), "{steps}");
}
