//! A model's inputs and outputs as a user meets them (issue 12): `analyze` shows their
//! quantization, and `validate` quantizes float32 `.npy` inputs with the input's scale and
//! zero point, exactly as the same data quantized by hand.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tinyml_compiler::formats::npy::{self, NpyArray};
use tinyml_compiler::graph::DType;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn tinyml(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-tinyml")).arg("tinyml").args(args).output().unwrap()
}

#[test]
fn analyze_shows_input_and_output_quantization() {
    let kws = workspace().join("tests/data/mlperf-tiny/kws_ref_model.tflite");
    let o = tinyml(&["analyze", kws.to_str().unwrap()]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    let io: Vec<&str> = text.lines().filter(|l| l.starts_with("input ") || l.starts_with("output ")).collect();
    insta::assert_snapshot!("analyze_kws_io", io.join("\n"));
    let o = tinyml(&["analyze", kws.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["inputs"][0]["zero_point"], 83);
    assert_eq!(v["outputs"][0]["dtype"], "INT8");
}

#[test]
fn validate_quantizes_float_inputs_with_the_input_scale() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("model-io-validate");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let ad = workspace().join("tests/data/mlperf-tiny/ad01_int8.tflite");
    let program = tinyml_compiler::compile(&std::fs::read(&ad).unwrap(), &Default::default()).unwrap();
    let input = &program.graph.tensors[program.graph.inputs[0]];
    let q = input.quant.as_ref().unwrap();
    // 40 windows of 640 log-mel values (NOTES.md), float32.
    let raw = std::fs::read(workspace().join("tests/data/mlperf-tiny/normal_id_01_00000000_hist_librosa.bin")).unwrap();
    let floats: Vec<f32> = raw.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
    let n = floats.len() / 640;
    let float_npy = dir.join("float.npy");
    let data = floats.iter().flat_map(|f| f.to_le_bytes()).collect();
    std::fs::write(&float_npy, npy::write(&NpyArray::new(DType::F32, vec![n, 1, 640], data).unwrap())).unwrap();
    // The same data quantized here, by the TFLite rule.
    let int8: Vec<u8> = floats
        .iter()
        .map(|&x| ((x / q.scale[0]).round() + q.zero_point[0] as f32).clamp(-128.0, 127.0) as i8 as u8)
        .collect();
    let int8_npy = dir.join("int8.npy");
    std::fs::write(&int8_npy, npy::write(&NpyArray::new(DType::I8, vec![n, 1, 640], int8).unwrap())).unwrap();
    // Outputs from the float input, saved and used as the reference of the int8 run.
    let out = dir.join("out.npy");
    let (m, f, o8, r) =
        (ad.to_str().unwrap(), float_npy.to_str().unwrap(), int8_npy.to_str().unwrap(), out.to_str().unwrap());
    let o = tinyml(&["validate", m, "--inputs", f, "--save-outputs", r, "--reference", r]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = tinyml(&["validate", m, "--inputs", o8, "--reference", r, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["outputs"][0]["identical"], true, "{v}");
    assert_eq!(v["outputs"][0]["samples"], n);
    // Without a terminal (here: pipes), no progress is drawn.
    assert!(!String::from_utf8_lossy(&o.stderr).contains("Running the compiled model"));

    // On a terminal (`script` gives the command a pty), a bar over the samples; with
    // --json, none.
    let script_ok = Command::new("script").arg("--version").output().is_ok_and(|o| o.status.success());
    if script_ok {
        let bin = env!("CARGO_BIN_EXE_cargo-tinyml");
        let on_tty = |extra: &str| {
            let line = format!("{bin} tinyml validate {m} --inputs {f} --reference {r}{extra}");
            let o = Command::new("script").args(["-qec", &line, "/dev/null"]).output().unwrap();
            String::from_utf8_lossy(&o.stdout).into_owned()
        };
        let drawn = on_tty("");
        assert!(drawn.contains("Running the compiled model [") && drawn.contains("PASS"), "{drawn}");
        assert!(!on_tty(" --json").contains("Running the compiled model"), "no progress with --json");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// launchxl-f28p55x (C28x, no 8-bit type): the fit is in 16-bit words, as the C export
/// counts, and says so; the arena is the export's own.
#[test]
fn analyze_counts_c28x_in_16_bit_words() {
    let m = workspace().join("tests/data/tflite-micro/micro_speech_quantized.tflite");
    let o = tinyml(&["analyze", m.to_str().unwrap(), "-b", "launchxl-f28p55x"]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    let tail: Vec<&str> = text.lines().skip_while(|l| !l.starts_with("launchxl-f28p55x counts")).collect();
    insta::assert_snapshot!("analyze_c28x_words", tail.join("\n"));
    let o = tinyml(&["analyze", m.to_str().unwrap(), "-b", "launchxl-f28p55x", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let fit = &v["fit"];
    assert_eq!(fit["unit"], "16-bit words");
    assert_eq!(fit["ram_capacity"], 32 * 1024, "32K words of GS RAM");
    let program = tinyml_compiler::compile(&std::fs::read(&m).unwrap(), &Default::default()).unwrap();
    let options = tinyml_compiler::codegen::c::COptions {
        container: tinyml_compiler::codegen::c::Container::Bits16,
        ..Default::default()
    };
    let export = tinyml_compiler::codegen::c::generate(&program, &options).unwrap();
    let used = fit["ram_capacity"].as_i64().unwrap() - fit["ram_margin"].as_i64().unwrap();
    let stack_words = v["stack_bytes_estimate"].as_i64().unwrap().div_euclid(2);
    assert_eq!(used - stack_words, export.arena_units as i64, "the arena in the export's words");
}
