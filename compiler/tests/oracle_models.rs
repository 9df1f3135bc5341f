//! The shared models compiled and run on the host, bit-exact against TFLite Micro:
//! several seeded random inputs each, and for the anomaly detector the 40 real log-mel
//! windows of `normal_id_01_00000000_hist_librosa.bin`, quantized as TFLite does
//! (`round(x / scale) + zero_point`, clamped).
//!
//! The reference outputs come from `tools/oracle/tflm_reference.py --batch`. Models are
//! found through `TINYML_SHARED_MODELS` (or `TINYML_MODELS_DIR`), else
//! `<workspace>/tests/data`; Python through `TINYML_PYTHON`, else
//! `.venv/bin/python`, else `python3`. A missing model or oracle fails in CI and is
//! skipped elsewhere.

mod support;

use std::path::Path;

use support::run::{check, random_inputs};
use support::{skip, table, INSTALL_HINT};
use tinyml_compiler::formats::npy::NpyArray;
use tinyml_compiler::graph::DType;
use tinyml_compiler::Program;

/// Random inputs per model.
const RANDOM_RUNS: usize = 8;

const MODELS: &[&str] = &[
    "tflite-micro/hello_world_int8.tflite",
    "mlperf-tiny/kws_ref_model.tflite",
    "mlperf-tiny/ad01_int8.tflite",
    "tflite-micro/micro_speech_quantized.tflite",
];

/// The real AD input: 40 windows of 640 float32 log-mel values.
const AD_WINDOWS: &str = "mlperf-tiny/normal_id_01_00000000_hist_librosa.bin";

/// The AD windows quantized with the model's input scale and zero point.
fn ad_real_inputs(program: &Program, raw: &[u8]) -> Result<NpyArray, String> {
    let g = &program.graph;
    let input = &g.tensors[g.inputs[0]];
    let (scale, zp) = input.scale_zp().ok_or("the AD input is not quantized")?;
    let n = input.elements();
    if input.dtype != DType::I8 || !raw.len().is_multiple_of(4 * n) {
        return Err(format!(
            "{AD_WINDOWS} ({} bytes) does not fit input {:?} {:?}",
            raw.len(),
            input.dtype,
            input.shape
        ));
    }
    let data: Vec<u8> = raw
        .chunks_exact(4)
        .map(|c| {
            let x = f32::from_le_bytes(c.try_into().unwrap());
            // TFLite's Quantize: float division, round half away from zero, clamp.
            let q = (x / scale).round() as i64 + zp;
            q.clamp(-128, 127) as i8 as u8
        })
        .collect();
    let mut shape = vec![raw.len() / (4 * n)];
    shape.extend(&input.shape);
    NpyArray::new(DType::I8, shape, data).map_err(|e| e.to_string())
}

#[test]
fn shared_models_match_tflm() {
    let models = support::shared_models();
    if !models.join(MODELS[0]).exists() {
        return skip(
            "oracle_models",
            &format!("the shared models are not at {}", models.display()),
            "restore tests/data from git, or set TINYML_SHARED_MODELS=/path/to/models",
        );
    }
    let py = match support::check_oracle() {
        Ok(py) => py,
        Err(why) => return skip("oracle_models", &why, INSTALL_HINT),
    };
    let tmpdir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("oracle-models");
    let mut rows = Vec::new();
    for (i, rel) in MODELS.iter().enumerate() {
        let path = models.join(rel);
        let name = Path::new(rel).file_stem().unwrap().to_string_lossy().to_string();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                rows.push(vec![
                    name,
                    "-".into(),
                    format!("cannot read {}: {e}", path.display()),
                    "-".into(),
                    "-".into(),
                ]);
                continue;
            }
        };
        let program = match tinyml_compiler::compile(&bytes, &support::compile_options()) {
            Ok(p) => p,
            Err(e) => {
                rows.push(vec![name, "-".into(), format!("compile error: {e}"), "-".into(), "-".into()]);
                continue;
            }
        };
        let inputs = random_inputs(&program, RANDOM_RUNS, 0x5EED_0000 + i as u64);
        rows.push(check(&py, &path, &program, &format!("{name} (random)"), &inputs, &tmpdir.join(&name)));
        if *rel == "mlperf-tiny/ad01_int8.tflite" {
            let real = std::fs::read(models.join(AD_WINDOWS))
                .map_err(|e| format!("cannot read {AD_WINDOWS}: {e}"))
                .and_then(|raw| ad_real_inputs(&program, &raw));
            rows.push(match real {
                Ok(x) => {
                    check(&py, &path, &program, &format!("{name} (real windows)"), &[x], &tmpdir.join("ad01_real"))
                }
                Err(e) => vec![format!("{name} (real windows)"), "-".into(), e, "-".into(), "-".into()],
            });
        }
    }
    let report = table(&["model", "runs", "result", "max |diff|", "first difference"], &rows);
    eprintln!("{report}");
    let failed = rows.iter().filter(|r| r[2] != "bit-exact").count();
    assert_eq!(failed, 0, "{failed} model checks differ from TFLM (table above)");
}
