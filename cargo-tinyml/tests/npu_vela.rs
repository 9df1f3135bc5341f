//! `analyze --npu` through the real binary with Arm's Vela (tools/npu/requirements.txt):
//! on every shared model the per-layer placement covers every operator and the per-layer
//! cycles add up to Vela's own summary CSV, read independently here. Without Vela the
//! test says so and skips, except under CI where it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn python() -> String {
    std::env::var("TINYML_PYTHON").ok().unwrap_or_else(|| {
        let venv = workspace().join(".venv/bin/python");
        if venv.exists() {
            venv.display().to_string()
        } else {
            "python3".into()
        }
    })
}

fn python_with_vela() -> Option<String> {
    let py = python();
    let ok = Command::new(&py).args(["-m", "ethosu.vela", "--version"]).output().is_ok_and(|o| o.status.success());
    if ok {
        return Some(py);
    }
    assert!(std::env::var_os("CI").is_none(), "CI needs Vela: pip install -r tools/npu/requirements.txt");
    eprintln!("SKIPPED: no Python with Vela (pip install -r tools/npu/requirements.txt)");
    None
}

/// Runs Vela directly, as a user would, and returns `cycles_total` from its summary CSV.
fn vela_summary_cycles(py: &str, model: &Path, config: &str) -> u64 {
    let dir = std::env::temp_dir().join(format!(
        "tinyml-vela-test-{}-{}",
        std::process::id(),
        model.file_stem().unwrap().to_string_lossy()
    ));
    let o = Command::new(py)
        .args(["-m", "ethosu.vela"])
        .arg(model)
        .args(["--accelerator-config", config, "--output-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("_summary_"))
        .expect("summary CSV");
    let text = std::fs::read_to_string(csv).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let k = header.iter().position(|h| *h == "cycles_total").expect("cycles_total column");
    row[k].parse().unwrap()
}

fn analyze_npu(py: &str, model: &Path, config: &str) -> serde_json::Value {
    let o = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"))
        .env("TINYML_PYTHON", py)
        .args(["tinyml", "analyze"])
        .arg(model)
        .args(["--npu", config, "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

#[test]
fn per_layer_cycles_equal_velas_summary_on_the_shared_models() {
    let Some(py) = python_with_vela() else { return };
    let models = [
        "mlperf-tiny/kws_ref_model.tflite",
        "mlperf-tiny/vww_96_int8.tflite",
        "mlperf-tiny/ad01_int8.tflite",
        "mlperf-tiny/ic_resnet8_int8.tflite",
        "tflite-micro/micro_speech_quantized.tflite",
        "tflite-micro/hello_world_int8.tflite",
    ];
    for rel in models {
        let model = workspace().join("tests/data").join(rel);
        let v = analyze_npu(&py, &model, "ethos-u55-128");
        let npu = &v["npu"];
        let layers = npu["layers"].as_array().unwrap();
        // One entry per operator of the model, in order, as this compiler numbers them.
        assert_eq!(layers.len(), v["layers"].as_array().unwrap().len(), "{rel}");
        for (k, l) in layers.iter().enumerate() {
            assert_eq!(l["index"], k, "{rel}");
            assert!(l["target"] == "npu" || l["target"] == "cpu", "{rel}: {l}");
        }
        let sum: u64 = layers.iter().map(|l| l["cycles"].as_u64().unwrap()).sum();
        let total = vela_summary_cycles(&py, &model, "ethos-u55-128");
        assert_eq!(sum, total, "{rel}: per-layer cycles vs Vela's summary CSV");
        assert_eq!(npu["summary"]["cycles_total"], total, "{rel}");
        assert_eq!(npu["cycles_match_summary"], true, "{rel}");
        assert_eq!(npu["segments_match_output_model"], true, "{rel}");
        assert!(npu["summary"]["sram_bytes"].as_u64().unwrap() > 0, "{rel}");
    }
}

#[test]
fn kws_runs_entirely_on_an_ethos_u55_128() {
    let Some(py) = python_with_vela() else { return };
    let model = workspace().join("tests/data/mlperf-tiny/kws_ref_model.tflite");
    let v = analyze_npu(&py, &model, "ethos-u55-128");
    assert_eq!(v["npu"]["npu_layers"], 13);
    assert_eq!(v["npu"]["cpu_layers"], 0);
    // Vela 5.2.0's estimate (the figure); pinned with tools/npu/requirements.txt.
    assert_eq!(v["npu"]["summary"]["cycles_total"], 89_900);
    assert_eq!(v["npu"]["summary"]["accelerator"], "Ethos_U55_128");
    // One NPU subgraph: the whole model is one command stream (the RESHAPE Vela removed included).
    let segments = v["npu"]["segments"].as_array().unwrap();
    assert_eq!(segments.len(), 1, "{segments:?}");
    assert_eq!((segments[0]["first"].as_u64(), segments[0]["last"].as_u64()), (Some(0), Some(12)));
    assert_eq!(segments[0]["command_stream"], 1);
    assert_eq!(v["npu"]["segments_match_output_model"], true);
    assert_eq!(v["npu"]["ethos_u"][0]["weights_bytes"], 31_104);
}

#[test]
fn an_operator_left_on_the_cpu_carries_velas_reason() {
    // The audio preprocessor has TFLM signal-library custom ops and int32 tensors that the
    // NPU cannot take; this compiler does not import it, so the library is called directly.
    let Some(py) = python_with_vela() else { return };
    let model = workspace().join("tests/data/tflite-micro/audio_preprocessor_int8.tflite");
    let r = cargo_tinyml::npu::vela::run(Path::new(&py), &model, "ethos-u55-128").unwrap();
    assert!(r.consistent());
    let cpu: Vec<_> = r.layers.iter().filter(|l| l.target == cargo_tinyml::npu::vela::Target::Cpu).collect();
    assert!(!cpu.is_empty());
    let cast = cpu.iter().find(|l| l.op == "Cast").expect("a CAST on the CPU");
    assert_eq!(cast.reason.as_deref(), Some("Unsupported opType"));
    assert!(cpu.iter().any(|l| l.reason.as_deref().is_some_and(|r| r.contains("32-bit feature-maps"))));
    assert!(r.layers.iter().any(|l| l.target == cargo_tinyml::npu::vela::Target::Npu), "its ADD/MUL go to the NPU");
    // MUL and ADD (#15, #16) form one command stream, the ADD after the CPU's DIV another.
    let npu: Vec<_> = cargo_tinyml::npu::vela::partition(&r.layers)
        .into_iter()
        .filter(|s| s.target == cargo_tinyml::npu::vela::Target::Npu)
        .map(|s| (s.first, s.last, s.command_stream))
        .collect();
    assert_eq!(npu, [(15, 16, Some(1)), (18, 18, Some(2))]);
}

#[test]
fn an_unknown_configuration_is_a_usage_error() {
    let model = workspace().join("tests/data/mlperf-tiny/kws_ref_model.tflite");
    let o = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"))
        .args(["tinyml", "analyze"])
        .arg(&model)
        .args(["--npu", "ethos-u99"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ethos-u55-128"));
}

/// Runs Vela into `dir` and `tools/npu/vela_payload.py` on its output model: the
/// `ethos-u` operators Vela made, with their payload, flash and scratch sizes.
fn ethos_u_operators(py: &str, model: &Path, dir: &Path) -> Vec<serde_json::Value> {
    let o = Command::new(py)
        .args(["-m", "ethosu.vela"])
        .arg(model)
        .args(["--accelerator-config", "ethos-u55-128", "--output-dir"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let vela_model = dir.join(format!("{}_vela.tflite", model.file_stem().unwrap().to_string_lossy()));
    let o = Command::new(py)
        .arg(workspace().join("tools/npu/vela_payload.py"))
        .arg(&vela_model)
        .arg("--out-dir")
        .arg(dir.join("payload"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["ethos_u"].as_array().unwrap().clone()
}

#[test]
fn the_partition_matches_the_ethos_u_operators_of_velas_output_model() {
    let Some(py) = python_with_vela() else { return };
    let dir = std::env::temp_dir().join(format!("tinyml-vela-partition-{}", std::process::id()));
    use cargo_tinyml::npu::vela::{partition, run, Target};
    for rel in ["mlperf-tiny/kws_ref_model.tflite", "tflite-micro/audio_preprocessor_int8.tflite"] {
        let model = workspace().join("tests/data").join(rel);
        let ops = ethos_u_operators(&py, &model, &dir);
        let r = run(Path::new(&py), &model, "ethos-u55-128").unwrap();
        let npu_runs = partition(&r.layers).into_iter().filter(|s| s.target == Target::Npu).count();
        assert_eq!(npu_runs, ops.len(), "{rel}: one ethos-u operator per NPU run");
        // The Rust reader of Vela's output model gets the same bytes as the Python one.
        assert_eq!(r.ethos_u.len(), ops.len(), "{rel}");
        let stem = format!("{}_vela", model.file_stem().unwrap().to_string_lossy());
        for (k, (e, o)) in r.ethos_u.iter().zip(&ops).enumerate() {
            let read = |what: &str| std::fs::read(dir.join("payload").join(format!("{stem}_{what}_{k}.bin"))).unwrap();
            assert_eq!(e.payload, read("cop1"), "{rel}: payload {k}");
            assert_eq!(e.weights, read("flash"), "{rel}: weights {k}");
            assert_eq!(Some(e.operator as u64), o["operator"].as_u64(), "{rel}");
            assert_eq!(Some(e.scratch_bytes as u64), o["scratch_bytes"].as_u64(), "{rel}");
            assert_eq!(Some(e.fast_scratch_bytes as u64), o["fast_scratch_bytes"].as_u64(), "{rel}");
            // The driver accepts it: COP1 framing, a command stream ending with STOP.
            let words: Vec<u32> =
                e.payload.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
            let p = tinyml_ethos_u::payload::parse(&words).unwrap();
            assert!(tinyml_ethos_u::payload::check_stream(p.command_stream).unwrap() > 0, "{rel}");
        }
        if rel.contains("kws") {
            // The driver's test fixture is this very payload (ethos-u/tests/data/PROVENANCE.md).
            let fixture = std::fs::read(workspace().join("ethos-u/tests/data/kws_ref_model_u55_128.cop1")).unwrap();
            assert_eq!(r.ethos_u[0].payload, fixture, "Vela's KWS payload changed: regenerate the fixture");
        }
        if rel.contains("kws") {
            // What a generated ethos-u step would embed and plan, against Vela's summary.
            assert_eq!(ops[0]["flash_bytes"].as_u64(), Some(r.summary.off_chip_flash_bytes), "{rel}: weights");
            assert_eq!(ops[0]["scratch_bytes"].as_u64(), Some(r.summary.sram_bytes), "{rel}: scratch");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
