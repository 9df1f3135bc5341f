//! `analyze` and `validate` through the real binary: JSON keys a CI reads, exit codes,
//! the board fit, bit-exactness against TFLM, and clear errors on bad models.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn shared_model(rel: &str) -> PathBuf {
    let dir =
        std::env::var_os("TINYML_SHARED_MODELS").map(PathBuf::from).unwrap_or_else(|| workspace().join("tests/data"));
    let p = dir.join(rel);
    assert!(p.exists(), "{} not found (set TINYML_SHARED_MODELS)", p.display());
    p
}

fn tinyml(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-tinyml")).arg("tinyml").args(args).output().expect("run cargo-tinyml")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn analyze_json_has_the_keys_ci_reads() {
    let kws = shared_model("mlperf-tiny/kws_ref_model.tflite");
    let o = tinyml(&["analyze", kws.to_str().unwrap(), "--board", "mps3-an547", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    assert_eq!(v["arena_bytes"], 16_000);
    // The planner's floor: KWS is planned at its layer-wise bound; its RESHAPE aliases.
    assert_eq!(v["layer_bound_bytes"], 16_000);
    assert_eq!(v["live_floor_bytes"], 16_000);
    assert_eq!(v["arena_breakdown"]["placement_bytes"], 0);
    assert_eq!(v["macs"], 2_656_768, "NOTES.md: 2.66 M MACs");
    assert!(v["flash_bytes"].as_u64().unwrap() > 24_400, "at least the 24.4 KB of parameters");
    let layers = v["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 13);
    assert_eq!(layers.iter().filter(|l| l["op"] == "CONV_2D").count(), 5);
    assert_eq!(
        layers.iter().filter(|l| l["in_place"] == true).map(|l| l["op"].as_str().unwrap()).collect::<Vec<_>>(),
        ["RESHAPE"]
    );
    let sum: u64 = layers.iter().map(|l| l["macs"].as_u64().unwrap()).sum();
    assert_eq!(sum, v["macs"].as_u64().unwrap());
    assert_eq!(v["fit"]["fits"], true);
}

#[test]
fn analyze_says_by_how_much_a_model_does_not_fit() {
    // A user board with 64 KiB of flash: ad01's 271 KB of weights cannot fit.
    let dir = std::env::temp_dir().join(format!("tinyml-small-board-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let an547 = std::fs::read_to_string(workspace().join("boards/mps3-an547.toml")).unwrap();
    let small = an547.replace("name = \"mps3-an547\"", "name = \"tiny-test-board\"").replacen(
        "length = 0x0008_0000",
        "length = 0x0001_0000",
        1,
    );
    assert_ne!(small, an547, "the board file layout changed; update this test");
    std::fs::write(dir.join("tiny.toml"), small).unwrap();
    let ad = shared_model("mlperf-tiny/ad01_int8.tflite");
    let o = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"))
        .env("TINYML_BOARDS_DIR", &dir)
        .args(["tinyml", "analyze", ad.to_str().unwrap(), "--board", "tiny-test-board"])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(o.status.code(), Some(3), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("DOES NOT FIT"), "{}", stdout(&o));
    assert!(stdout(&o).contains("B over the 65536 B available"), "{}", stdout(&o));
}

#[test]
fn analyze_says_which_region_holds_what() {
    let kws = shared_model("mlperf-tiny/kws_ref_model.tflite");
    // On the real board the arena fits the DTCM whole.
    let o = tinyml(&["analyze", kws.to_str().unwrap(), "--board", "mps3-an547", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON on stdout");
    let p = &v["placement"];
    assert_eq!((p["split"].as_bool(), p["fits"].as_bool()), (Some(false), Some(true)));
    let names: Vec<&str> = p["regions"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["DTCM", "SRAM", "ISRAM"]);
    assert_eq!(p["regions"][0]["arena_bytes"], 16_000);
    assert_eq!(p["regions"][0]["speed"], "tcm");

    // A user board with 12 KiB of DTCM: the arena splits into SRAM.
    let dir = std::env::temp_dir().join(format!("tinyml-split-board-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let an547 = std::fs::read_to_string(workspace().join("boards/mps3-an547.toml")).unwrap();
    let small = an547
        .replace("name = \"mps3-an547\"", "name = \"split-test-board\"")
        .replace("origin = 0x2000_0000\nlength = 0x0008_0000", "origin = 0x2000_0000\nlength = 0x0000_3000");
    assert_ne!(small, an547, "the board file layout changed; update this test");
    std::fs::write(dir.join("split.toml"), small).unwrap();
    let run = |json: bool| {
        let mut args = vec!["tinyml", "analyze", kws.to_str().unwrap(), "--board", "split-test-board"];
        args.extend(json.then_some("--json"));
        Command::new(env!("CARGO_BIN_EXE_cargo-tinyml")).env("TINYML_BOARDS_DIR", &dir).args(args).output().unwrap()
    };
    let (text, json) = (run(false), run(true));
    let _ = std::fs::remove_dir_all(&dir);
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON on stdout");
    let p = &v["placement"];
    assert_eq!((p["split"].as_bool(), p["fits"].as_bool()), (Some(true), Some(true)), "{p}");
    let bytes = |i: usize| p["regions"][i]["arena_bytes"].as_u64().unwrap();
    assert!(bytes(0) <= p["regions"][0]["capacity"].as_u64().unwrap());
    assert!(bytes(0) > 0 && bytes(1) > 0, "{p}");
    let held: usize = p["regions"].as_array().unwrap().iter().map(|r| r["buffers"].as_array().unwrap().len()).sum();
    assert_eq!(held, 14, "every buffer of the plan in one region");
    let out = stdout(&text);
    assert!(out.contains("arena in split-test-board's regions, fastest first:"), "{out}");
    assert!(out.contains("the arena is split"), "{out}");
}

#[test]
fn analyze_names_the_unsupported_operator() {
    let m = workspace().join("compiler/tests/data/unsupported_reverse.tflite");
    let o = tinyml(&["analyze", m.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("REVERSE_V2") && e.contains("operator #1"), "{e}");
}

#[test]
fn analyze_refuses_a_file_that_is_not_a_model() {
    let wav = shared_model("tflite-micro/yes_1000ms.wav");
    let o = tinyml(&["analyze", wav.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("cannot compile"), "{}", stderr(&o));
}

fn python_with_tflm() -> Option<String> {
    let py = std::env::var("TINYML_PYTHON").ok().unwrap_or_else(|| {
        let venv = workspace().join(".venv/bin/python");
        if venv.exists() {
            venv.display().to_string()
        } else {
            "python3".into()
        }
    });
    let ok = Command::new(&py)
        .args(["-c", "from tflite_micro.python.tflite_micro import runtime"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(py);
    }
    assert!(std::env::var_os("CI").is_none(), "CI needs tflite-micro: pip install -r tools/oracle/requirements.txt");
    eprintln!("SKIPPED: no Python with tflite-micro (pip install -r tools/oracle/requirements.txt)");
    None
}

#[test]
fn validate_is_bit_exact_against_tflm_and_fails_on_a_wrong_reference() {
    let Some(py) = python_with_tflm() else { return };
    let model = shared_model("tflite-micro/micro_speech_quantized.tflite");
    let m = model.to_str().unwrap();
    let out_npy = std::env::temp_dir().join(format!("tinyml-validate-{}.npy", std::process::id()));
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"))
            .env("TINYML_PYTHON", &py)
            .arg("tinyml")
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&["validate", m, "--json", "--save-outputs", out_npy.to_str().unwrap()]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["passed"], true);
    assert_eq!(v["outputs"][0]["identical"], true);
    // Our own saved outputs as the reference agree too.
    let o = run(&["validate", m, "--reference", out_npy.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stdout(&o));
    // Corrupt one byte of the saved reference: validate must fail with exit 1.
    let mut bytes = std::fs::read(&out_npy).unwrap();
    let last = bytes.len() - 1;
    bytes[last] = bytes[last].wrapping_add(3);
    std::fs::write(&out_npy, bytes).unwrap();
    let o = run(&["validate", m, "--reference", out_npy.to_str().unwrap()]);
    let _ = std::fs::remove_file(&out_npy);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("FAIL"), "{}", stdout(&o));
}
