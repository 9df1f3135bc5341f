//! Conformance with what TFLM tolerates: `tools/oracle/quirks.py` writes variants of the
//! real models in `tests/data`, each with one quirk older converters and tool chains write
//! (a per-tensor `quantized_dimension` past the rank, codes only in
//! `deprecated_builtin_code`, `shape_signature` with -1, absent optional biases, an empty
//! buffer per tensor, bias scale counts of 1 or one per channel, no or empty quantization
//! outside the int8 path), and asks TFLM whether it runs each one.
//!
//! Rule: a variant TFLM runs compiles and is bit-exact against TFLM on the same variant.
//! (A refusal would have to name an unsupported op, type or op version; none of these
//! quirks is one, so every variant TFLM runs must compile.) Variants TFLM itself refuses or
//! crashes on are listed, and must not make the compiler panic.

mod support;

use std::path::Path;
use std::process::Command;

use support::run::{check, random_inputs};
use support::{skip, table, INSTALL_HINT};

const MODELS: &[&str] = &[
    "tflite-micro/hello_world_int8.tflite",
    "tflite-micro/micro_speech_quantized.tflite",
    "mlperf-tiny/kws_ref_model.tflite",
    "mlperf-tiny/ad01_int8.tflite",
    "mlperf-tiny/ic_resnet8_int8.tflite",
    "mlperf-tiny/vww_96_int8.tflite",
    "mlperf-tiny/streaming_wakeword/str_ww_ref_model.tflite",
];

/// Random inputs per variant.
const RUNS: usize = 2;

#[test]
fn every_quirk_tflm_tolerates_compiles_bit_exact() {
    let models = support::shared_models();
    let py = match support::check_oracle() {
        Ok(py) => py,
        Err(why) => return skip("import_quirks", &why, INSTALL_HINT),
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-quirks");
    let _ = std::fs::remove_dir_all(&dir);
    let mut cmd = Command::new(&py);
    cmd.arg(support::oracle_dir().join("quirks.py")).arg("--out").arg(&dir);
    for m in MODELS {
        let p = models.join(m);
        assert!(p.is_file(), "{} is missing (tests/data is part of the repository)", p.display());
        cmd.arg(p);
    }
    let out = cmd.output().expect("run quirks.py");
    assert!(out.status.success(), "quirks.py failed: {}", String::from_utf8_lossy(&out.stderr));

    let mut rows = Vec::new();
    let mut quirks = std::collections::BTreeSet::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("quirks.py prints JSON lines");
        let (quirk, path, verdict) =
            (v["quirk"].as_str().unwrap(), v["path"].as_str().unwrap(), v["tflm"].as_str().unwrap());
        let path = Path::new(path);
        let label = path.file_stem().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(path).expect("read variant");
        let compiled = tinyml_compiler::compile(&bytes, &Default::default());
        if verdict != "runs" {
            // TFLM does not run it: whatever we do, it is an answer, not a panic.
            rows.push(vec![
                label,
                "-".into(),
                format!("TFLM {verdict}; ours: {}", compiled.map_or_else(|e| e.to_string(), |_| "compiles".into())),
                "-".into(),
                "-".into(),
            ]);
            continue;
        }
        quirks.insert(quirk.to_string());
        match compiled {
            Err(e) => rows.push(vec![label, "-".into(), format!("REFUSED: {e}"), "-".into(), "-".into()]),
            Ok(program) => {
                let inputs = random_inputs(&program, RUNS, 0x0_9_1_1 + rows.len() as u64);
                rows.push(check(&py, path, &program, &label, &inputs, &dir.join("scratch").join(&label)));
            }
        }
    }
    eprintln!("{}", table(&["variant", "runs", "result", "max |diff|", "first difference"], &rows));
    let failed: Vec<&String> = rows
        .iter()
        .filter(|r| r[1] != "-" && r[2] != "bit-exact" || r[2].starts_with("REFUSED"))
        .map(|r| &r[0])
        .collect();
    assert!(failed.is_empty(), "variants TFLM runs that we refuse or differ on: {failed:?} (table above)");
    // Every quirk the script knows must have been exercised on at least one model.
    for q in [
        "per_tensor_quantized_dimension",
        "deprecated_builtin_code",
        "shape_signature",
        "absent_bias",
        "empty_buffers",
        "bias_scale_single",
        "bias_scale_per_channel",
        "no_quantization_non_int8",
        "empty_quantization_non_int8",
    ] {
        assert!(quirks.contains(q), "no model exercised quirk {q} with TFLM running it");
    }
}
