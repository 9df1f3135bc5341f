//! What a user meets when something is wrong (issue 12): each bad input through the real
//! binary, with its exit code, its message as a snapshot, and no files left behind.
//! Models of `tests/data/` are written by `tests/data/gen_bad_models.py`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

/// A fresh directory for one test, removed by [`Scratch`]'s drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diagnostics-tests").join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// The binary with `args`, run in this directory.
    fn tinyml(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run cargo-tinyml")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"));
        c.current_dir(&self.0).arg("tinyml").args(args).env_remove("TINYML_BOARDS_DIR");
        c
    }

    fn listing(&self) -> Vec<String> {
        let mut v: Vec<String> =
            walk(&self.0).iter().map(|p| p.strip_prefix(&self.0).unwrap().display().to_string()).collect();
        v.sort();
        v
    }

    /// A user board directory with `tiny-test-board`: mps3-an547 with `flash` bytes of
    /// code memory.
    fn tiny_board(&self, flash: u32) -> PathBuf {
        let dir = self.0.join("boards");
        std::fs::create_dir_all(&dir).unwrap();
        let an547 = std::fs::read_to_string(workspace().join("boards/mps3-an547.toml")).unwrap();
        let small = an547.replace("name = \"mps3-an547\"", "name = \"tiny-test-board\"").replacen(
            "length = 0x0008_0000",
            &format!("length = {flash:#x}"),
            1,
        );
        assert_ne!(small, an547, "the board file layout changed; update this test");
        std::fs::write(dir.join("tiny.toml"), small).unwrap();
        dir
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Copies a test model into the scratch directory, so messages name it relatively.
fn model_in(s: &Scratch, from: &Path, name: &str) {
    std::fs::copy(from, s.0.join(name)).unwrap();
}

#[test]
fn new_refuses_a_model_that_does_not_fit_and_force_writes_it() {
    let s = Scratch::new("fit");
    // 64 KiB of flash: ad01's 271 KB of weights cannot fit.
    let boards = s.tiny_board(0x1_0000);
    model_in(&s, &workspace().join("tests/data/mlperf-tiny/ad01_int8.tflite"), "ad01.tflite");
    let before = s.listing();
    let new = |extra: &[&str]| {
        let mut args = vec!["new", "ad", "--board", "tiny-test-board", "--model", "ad01.tflite"];
        args.extend(extra);
        s.command(&args).env("TINYML_BOARDS_DIR", &boards).output().unwrap()
    };
    let o = new(&[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(s.listing(), before, "nothing may be written");
    insta::assert_snapshot!("new_does_not_fit", stderr(&o));
    // The same verdict as analyze --board.
    let a = s
        .command(&["analyze", "ad01.tflite", "-b", "tiny-test-board"])
        .env("TINYML_BOARDS_DIR", &boards)
        .output()
        .unwrap();
    assert_eq!(a.status.code(), Some(3));
    let verdict = stdout(&a).lines().find(|l| l.starts_with("flash on")).unwrap().to_owned();
    assert!(stderr(&o).contains(&verdict), "new and analyze disagree:\n{}\n{verdict}", stderr(&o));
    // --force writes it anyway, with a warning.
    let o = new(&["--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: writing it anyway (--force)"), "{}", stderr(&o));
    assert!(s.0.join("ad/model/model.tflite").is_file());
}

#[test]
fn a_truncated_model_is_named_once_as_truncated() {
    let s = Scratch::new("truncated");
    let bytes = std::fs::read(workspace().join("tests/data/mlperf-tiny/kws_ref_model.tflite")).unwrap();
    std::fs::write(s.0.join("kws.tflite"), &bytes[..3000]).unwrap();
    let o = s.tinyml(&["analyze", "kws.tflite"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert_eq!(e.matches("truncated / not a TFLite file").count(), 1, "{e}");
    assert_eq!(e.matches("outside the file").count(), 1, "{e}");
    insta::assert_snapshot!("truncated_model", e);
    // `new` says the same and writes nothing.
    let before = s.listing();
    let o = s.tinyml(&["new", "demo", "--model", "kws.tflite"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(s.listing(), before);
    assert_eq!(stderr(&o), e, "new and analyze report a bad model alike");
}

#[test]
fn a_float_model_gets_the_int8_converter_settings() {
    let s = Scratch::new("float");
    model_in(&s, &data("float32_fc.tflite"), "float.tflite");
    let o = s.tinyml(&["analyze", "float.tflite"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("float model: convert with full-integer (int8) quantization"), "{e}");
    assert!(e.contains("TFLITE_BUILTINS_INT8") && e.contains("inference_input_type = tf.int8"), "{e}");
    insta::assert_snapshot!("float_model", e);
}

#[test]
fn every_unsupported_operator_is_listed_with_its_count() {
    let s = Scratch::new("unsupported");
    model_in(&s, &data("unsupported_many.tflite"), "many.tflite");
    let o = s.tinyml(&["analyze", "many.tflite"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("REVERSE_V2 x7, LOCAL_RESPONSE_NORMALIZATION x2"), "{e}");
    insta::assert_snapshot!("unsupported_ops", e);
}

#[test]
fn json_mode_errors_are_json_with_the_same_fields() {
    let s = Scratch::new("json");
    model_in(&s, &data("unsupported_many.tflite"), "many.tflite");
    let text = s.tinyml(&["analyze", "many.tflite"]);
    let o = s.tinyml(&["analyze", "many.tflite", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "", "nothing but JSON");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    let e = &v["error"];
    assert_eq!(e["exit_code"], 1);
    assert_eq!(e["problem"], "unsupported_ops");
    assert_eq!(
        e["unsupported_ops"],
        serde_json::json!([{"op": "REVERSE_V2", "count": 7}, {"op": "LOCAL_RESPONSE_NORMALIZATION", "count": 2}])
    );
    // The same message, causes and hint as the text form.
    let t = stderr(&text);
    assert!(t.starts_with(&format!("error: {}\n", e["message"].as_str().unwrap())), "{t}");
    assert!(t.contains(&format!("  caused by: {}\n", e["causes"][0].as_str().unwrap())));
    assert!(t.ends_with(&format!("hint: {}\n", e["hint"].as_str().unwrap())));
    insta::assert_snapshot!("json_error", stdout(&o));

    // A bad board name: JSON too, with the suggestion in the hint.
    let o = s.tinyml(&["analyze", "many.tflite", "--json", "--board", "mps3_an547"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert!(v["error"]["hint"].as_str().unwrap().contains("did you mean `--board mps3-an547`?"), "{v}");
}

#[test]
fn new_under_a_file_and_near_miss_board_names() {
    let s = Scratch::new("paths");
    std::fs::write(s.0.join("file.wav"), b"RIFF").unwrap();
    let before = s.listing();
    let o = s.tinyml(&["new", "demo", "--path", "file.wav/sub"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(s.listing(), before);
    insta::assert_snapshot!("new_parent_is_a_file", stderr(&o));

    let o = s.tinyml(&["new", "demo", "--board", "mps3_an547"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(s.listing(), before);
    let e = stderr(&o);
    assert!(e.contains("did you mean `mps3-an547`?"), "{e}");
    insta::assert_snapshot!("near_miss_board", e);
    let o = s.tinyml(&["analyze", "x.tflite", "--board", "stm32n6570dk"]);
    assert!(stderr(&o).contains("did you mean `--board stm32n6570-dk`?"), "{}", stderr(&o));
    // Far from every name: no suggestion.
    let o = s.tinyml(&["new", "demo", "--board", "esp32"]);
    assert!(!stderr(&o).contains("did you mean"), "{}", stderr(&o));
}

/// The reader closes the pipe before the command writes (`| head -1`): exit 0, nothing on
/// stderr, no panic.
#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let kws = workspace().join("tests/data/mlperf-tiny/kws_ref_model.tflite");
    let wav = workspace().join("tests/data/tflite-micro/yes_1000ms.wav");
    let cases: [&[&str]; 3] =
        [&["analyze", kws.to_str().unwrap()], &["boards", "-v"], &["features", "--json", wav.to_str().unwrap()]];
    for args in cases {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"))
            .arg("tinyml")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}

/// A project whose "cargo" hands back an ELF at once and whose "QEMU" is `qemu_script`
/// (sh): `run` without a build or an emulator. Returns the project directory and the
/// user boards directory.
fn fake_project(s: &Scratch, qemu_script: &str) -> (PathBuf, PathBuf) {
    let fake_qemu = s.0.join("fake-qemu");
    std::fs::write(&fake_qemu, format!("#!/bin/sh\n{qemu_script}\n")).unwrap();
    let elf = s.0.join("demo.elf");
    std::fs::write(&elf, b"\x7fELF").unwrap();
    let artifact = serde_json::json!({
        "reason": "compiler-artifact", "package_id": "path+file:///demo#0.1.0", "manifest_path": "/demo/Cargo.toml",
        "target": {"kind": ["bin"], "crate_types": ["bin"], "name": "demo", "src_path": "/demo/src/main.rs",
                   "edition": "2021", "doc": true, "doctest": false, "test": true},
        "profile": {"opt_level": "0", "debuginfo": 2, "debug_assertions": true, "overflow_checks": true, "test": false},
        "features": [], "filenames": [elf], "executable": elf, "fresh": true
    });
    let fake_cargo = s.0.join("fake-cargo");
    std::fs::write(&fake_cargo, format!("#!/bin/sh\necho '{artifact}'\n")).unwrap();
    for f in [&fake_qemu, &fake_cargo] {
        Command::new("chmod").arg("+x").arg(f).status().unwrap();
    }
    let boards = s.tiny_board(0x8_0000);
    let board = std::fs::read_to_string(boards.join("tiny.toml")).unwrap();
    let board = board.replace("qemu = \"qemu-system-arm\"", &format!("qemu = {:?}", fake_qemu.display().to_string()));
    std::fs::write(boards.join("tiny.toml"), board).unwrap();
    let project = s.0.join("demo");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("Cargo.toml"),
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n\n[package.metadata.tinyml]\nboard = \"tiny-test-board\"\n",
    )
    .unwrap();
    (project, boards)
}

fn run_in(project: &Path, boards: &Path, s: &Scratch) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"));
    c.current_dir(project)
        .args(["tinyml", "run"])
        .env("TINYML_BOARDS_DIR", boards)
        .env("CARGO", s.0.join("fake-cargo"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

#[test]
fn run_prints_the_top1_class_with_its_label() {
    let s = Scratch::new("top1");
    let (project, boards) = fake_project(&s, "echo 'tinyml: output0 = [-128, -128, 127, -128]'");
    let o = run_in(&project, &boards, &s).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).ends_with("tinyml: output0 = [-128, -128, 127, -128]\ntinyml: top-1 = class 2 (output 127)\n"),
        "{}",
        stdout(&o)
    );
    std::fs::create_dir_all(project.join("model")).unwrap();
    std::fs::write(project.join("model/labels.txt"), "silence\nunknown\nyes\nno\n").unwrap();
    let o = run_in(&project, &boards, &s).output().unwrap();
    insta::assert_snapshot!("run_top1_labelled", stdout(&o));
}

#[test]
fn ctrl_c_during_run_exits_130_with_a_message() {
    let s = Scratch::new("ctrlc");
    // "QEMU" never ends: the interrupt, not the firmware, decides the exit.
    let (project, boards) = fake_project(&s, "exec sleep 30");
    let child = run_in(&project, &boards, &s).spawn().unwrap();
    // Wait until QEMU runs, then press Ctrl-C.
    let start = std::time::Instant::now();
    let pid = child.id().to_string();
    while !Command::new("pgrep").args(["-P", &pid]).output().unwrap().status.success() {
        assert!(start.elapsed().as_secs() < 20, "the fake QEMU never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(start.elapsed().as_secs() < 20, "the interrupt must stop the run at once");
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.ends_with("error: interrupted (Ctrl-C): QEMU was stopped\n"), "{e}");
}

#[test]
fn progress_is_off_with_json() {
    cargo_tinyml::progress::disable();
    assert!(!cargo_tinyml::progress::enabled());
    assert!(cargo_tinyml::progress::spinner("x").is_none() && cargo_tinyml::progress::bar("x", 9).is_none());
}

#[test]
fn manifest_path_like_cargo() {
    let s = Scratch::new("manifest-path");
    let (project, boards) = fake_project(&s, "echo 'tinyml: output0 = [1, 3, 2]'");
    let run = |manifest: &str| {
        let mut c = run_in(&project, &boards, &s);
        c.current_dir(&s.0).args(["--manifest-path", manifest]);
        c.output().unwrap()
    };
    let o = run("demo/Cargo.toml");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).ends_with("tinyml: top-1 = class 1 (output 3)\n"), "{}", stdout(&o));
    let o = run("demo");
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!("manifest_path_not_a_manifest", stderr(&o));
    let o = run("nowhere/Cargo.toml");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("manifest path `nowhere/Cargo.toml` does not exist"), "{}", stderr(&o));
}
