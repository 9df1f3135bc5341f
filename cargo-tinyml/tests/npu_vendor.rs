//! `analyze --npu neural-art|neutron` and `new --npu` on the ST and NXP boards, through
//! the real binary, without the vendors' tools: `tests/data/npu-standins/` holds
//! stand-in scripts that accept only the command lines cargo-tinyml documents (any other
//! exits 2) and write files in the vendors' documented layout (see the scripts and
//! docs/boards.md). What this proves: the command line, finding the tool, reading that
//! layout, the table and JSON, and the errors. Not what the real compilers place.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn standin(tool: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/npu-standins").join(tool)
}

fn model() -> PathBuf {
    workspace().join("tests/data/tflite-micro/hello_world_int8.tflite")
}

/// `cargo tinyml ARGS` with `path` as PATH (the stand-ins are never on the real PATH).
fn tinyml(args: &[&str], path: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-tinyml")).env("PATH", path).arg("tinyml").args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

#[test]
fn neural_art_placement_is_read_from_the_stedgeai_report() {
    let m = model();
    let compiler = standin("stedgeai");
    let args = ["analyze", m.to_str().unwrap(), "--npu", "neural-art", "--npu-compiler", compiler.to_str().unwrap()];
    let o = tinyml(&args, "/usr/bin:/bin");
    let table = text(&o.stdout);
    assert!(o.status.success(), "{table}{}", text(&o.stderr));
    assert!(table.contains("NPU Neural-ART"), "{table}");
    assert!(table.contains("    3  CPU   Softmax"), "{table}");
    assert!(table.contains("4 of 5 epochs on the NPU, 1 in software"), "{table}");
    assert!(table.contains("weights 12,288 B, activations 4,096 B"), "{table}");
    assert!(table.contains("CPU (this compiler, every layer on the Cortex-M): 3 layers"), "{table}");

    let v = json(&tinyml(&[&args[..], &["--json"]].concat(), "/usr/bin:/bin"));
    let npu = &v["npu"];
    assert_eq!(npu["compiler"], "stedgeai");
    assert_eq!(npu["npu_epochs"], 4);
    assert_eq!(npu["cpu_epochs"], 1);
    assert_eq!(npu["counts_match_report"], true);
    let on: Vec<&str> = npu["epochs"].as_array().unwrap().iter().map(|e| e["on"].as_str().unwrap()).collect();
    assert_eq!(on, ["HW", "HW", "SW", "EC", "HW"]);
    assert_eq!(npu["epochs"][2]["operation"], "Softmax");
    let command: Vec<&str> = npu["command"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(&command[1..7], ["analyze", "--model", m.to_str().unwrap(), "--target", "stm32n6", "--st-neural-art"]);
    assert_eq!(&command[7..10], ["--name", "network", "--workspace"]);
    assert_eq!(command[11], "--output");
    assert_eq!(command.len(), 13);
}

#[test]
fn neural_art_profile_is_passed_to_st_neural_art() {
    let m = model();
    let compiler = standin("stedgeai");
    let args = [
        "analyze",
        m.to_str().unwrap(),
        "--npu",
        "neural-art",
        "--npu-compiler",
        compiler.to_str().unwrap(),
        "--npu-profile",
        "default@user_neuralart.json",
        "--json",
    ];
    let v = json(&tinyml(&args, "/usr/bin:/bin"));
    assert_eq!(v["npu"]["command"][7], "default@user_neuralart.json");
    assert!(v["npu"]["version"].as_str().unwrap().contains("profile default@user_neuralart.json"));
}

#[test]
fn stedgeai_is_found_on_path() {
    let dir = standin("stedgeai").parent().unwrap().display().to_string();
    let o = tinyml(&["analyze", model().to_str().unwrap(), "--npu", "neural-art"], &format!("{dir}:/usr/bin:/bin"));
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("NPU total: 4 of 5 epochs"));
}

#[test]
fn neutron_placement_is_read_from_the_converted_model() {
    let m = model();
    let compiler = standin("neutron-converter");
    let args = ["analyze", m.to_str().unwrap(), "--npu", "neutron", "--npu-compiler", compiler.to_str().unwrap()];
    let o = tinyml(&args, "/usr/bin:/bin");
    let table = text(&o.stdout);
    assert!(o.status.success(), "{table}{}", text(&o.stderr));
    assert!(table.contains("  0  NeutronGraph             NPU"), "{table}");
    assert!(table.contains("  1  FULLY_CONNECTED          CPU"), "{table}");
    assert!(table.contains("from 3 operators in the input model"), "{table}");
    assert!(table.contains("total data 1,040 B, total weights 448 B"), "{table}");

    let v = json(&tinyml(&[&args[..], &["--json"]].concat(), "/usr/bin:/bin"));
    let npu = &v["npu"];
    assert_eq!(npu["compiler"], "neutron-converter");
    assert_eq!(npu["target"], "mcxn94x");
    assert_eq!((npu["npu_operators"].as_u64(), npu["cpu_operators"].as_u64()), (Some(1), Some(1)));
    assert_eq!(npu["input_operators"], 3);
    assert_eq!(npu["operators"][0]["op"], "NeutronGraph");
    assert_eq!(npu["operators"][0]["target"], "npu");
    let command: Vec<&str> = npu["command"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(command[1..3], ["--input", m.to_str().unwrap()]);
    assert_eq!(command[3], "--output");
    assert!(command[4].ends_with("hello_world_int8_mcxn94x.tflite"), "{command:?}");
    assert_eq!(command[5..], ["--target", "mcxn94x", "--dump-header-file-output"]);
}

#[test]
fn a_missing_vendor_compiler_says_what_to_install_and_exits_127() {
    for (npu, tool, from) in [("neural-art", "stedgeai", "st.com"), ("neutron", "neutron-converter", "nxp.com")] {
        let o = tinyml(&["analyze", model().to_str().unwrap(), "--npu", npu], "/usr/bin:/bin");
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(127), "{err}");
        assert!(err.contains(&format!("`{tool}` is not installed")), "{err}");
        assert!(err.contains("hint: install") && err.contains(from) && err.contains("--npu-compiler"), "{err}");

        let o = tinyml(
            &["analyze", model().to_str().unwrap(), "--npu", npu, "--npu-compiler", "/nonexistent/tool", "--json"],
            "/usr/bin:/bin",
        );
        assert_eq!(o.status.code(), Some(127));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("the error as JSON");
        assert_eq!(v["error"]["exit_code"], 127);
    }
}

#[test]
fn a_stand_in_refuses_another_command_line_and_the_failure_is_reported() {
    // The stand-ins check their arguments: called otherwise, they fail, and so does analyze.
    let o = Command::new(standin("neutron-converter"))
        .args(["--input", "x.tflite", "--target", "mcxn94x"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = Command::new(standin("stedgeai")).args(["generate", "--model", "x.tflite"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    // A report missing from --output is a layout error (exit 1), not a missing tool.
    let compiler = standin("stedgeai");
    let o = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"))
        .env("STANDIN_NO_REPORT", "1")
        .args(["tinyml", "analyze", model().to_str().unwrap(), "--npu", "neural-art", "--npu-compiler"])
        .arg(&compiler)
        .output()
        .unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("not in the documented layout") && err.contains("network_analyze_report.txt"), "{err}");
}

#[test]
fn npu_compiler_options_belong_to_the_vendor_targets() {
    let m = model();
    let o = tinyml(
        &["analyze", m.to_str().unwrap(), "--npu", "ethos-u55-128", "--npu-compiler", "/bin/true"],
        "/usr/bin:/bin",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("--npu-compiler is for --npu neural-art or neutron"));
    let o = tinyml(&["analyze", m.to_str().unwrap(), "--npu", "neutron", "--npu-profile", "a@b.json"], "/usr/bin:/bin");
    assert!(text(&o.stderr).contains("--npu-profile is stedgeai's Neural-ART profile"));
    let o = tinyml(&["analyze", m.to_str().unwrap(), "--npu", "hexagon"], "/usr/bin:/bin");
    assert_eq!(o.status.code(), Some(2), "clap refuses an unknown --npu");
    assert!(text(&o.stderr).contains("neural-art") && text(&o.stderr).contains("neutron"));
}

#[test]
fn new_npu_on_the_st_and_nxp_boards_is_refused_and_writes_nothing() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("npu-vendor-new");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (board, npu, runtime) in
        [("stm32n6570-dk", "neural-art", "LL_ATON"), ("frdm-mcxn947", "neutron", "libNeutronDriver.a")]
    {
        let dest = dir.join(board);
        let o = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"))
            .args(["tinyml", "new", "p", "--board", board, "--npu", "--path"])
            .arg(&dest)
            .output()
            .unwrap();
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains("`new --npu` writes nothing"), "{err}");
        assert!(err.contains(&format!("cargo tinyml analyze MODEL --npu {npu}")), "{err}");
        assert!(err.contains(runtime), "{err}");
        assert!(!dest.exists(), "{} was written", dest.display());
    }
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}
