//! The audio pipelines of `tinyml-audio` end to end on the host, against TFLM.
//!
//! - KWS: each WAV plus 500 ms of silence streamed in 10 ms chunks through
//!   `KwsPipeline` (micro_speech front end, 49-frame window, micro_speech compiled by
//!   tinyml-compiler, RecognizeCommands) gives TFLM's features and scores byte for byte
//!   and the same keyword events: yes -> "yes", no -> "no", silence and noise -> none.
//! - AD: `AnomalyDetector` with ad01_int8 compiled by tinyml-compiler gives TFLM's int8
//!   outputs byte for byte and its scores (float32 sums; 1e-5 relative) on the 40
//!   windows of `normal_id_01_00000000_hist_librosa.bin`.
//!
//! References come from `tools/audio/reference_pipeline.py` at test time; Python and
//! models are found as in `frontend.rs`, and the tests skip (or fail under `CI`)
//! without them.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tinyml_audio::{
    AnomalyDetector, AnomalyError, KwsConfig, KwsEvent, KwsPipeline, NonFinite, Quantization, AD_INPUT,
};

mod support;

use support::{python, workspace_root as workspace};

fn models() -> PathBuf {
    support::shared_models()
}

const INSTALL: &str = "python3 -m venv .venv && .venv/bin/pip install tflite-micro numpy tflite";
const EXIT_MISSING_DEPS: i32 = 3;
const CATEGORIES: [&str; 4] = ["silence", "unknown", "yes", "no"];
/// Silence appended to each 1 s clip so the recognizer sees enough inferences.
const PAD_MS: usize = 500;

fn skip(what: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{what} (install with: {INSTALL})");
    }
    eprintln!("skipping: {what} (install with: {INSTALL})");
}

/// Runs the reference script; `None` when the test is to be skipped.
fn reference(args: &[&str]) -> Option<Value> {
    let script = workspace().join("tools/audio/reference_pipeline.py");
    let out = match Command::new(python()).arg(script).args(args).output() {
        Ok(o) => o,
        Err(e) => {
            skip(&format!("cannot run {}: {e}", python().display()));
            return None;
        }
    };
    if out.status.code() == Some(EXIT_MISSING_DEPS) {
        skip(String::from_utf8_lossy(&out.stderr).trim());
        return None;
    }
    assert!(out.status.success(), "reference_pipeline.py failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice(&out.stdout).expect("reference JSON"))
}

fn fnv1a32(h: &mut u32, bytes: impl IntoIterator<Item = u8>) {
    for b in bytes {
        *h = (*h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
}

fn compiled(path: &Path) -> Option<tinyml_compiler::Program> {
    if !path.exists() {
        skip(&format!("{} not found", path.display()));
        return None;
    }
    Some(tinyml_compiler::compile(&std::fs::read(path).unwrap(), &Default::default()).expect("model compiles"))
}

#[test]
fn kws_pipeline_equals_tflm_and_detects_the_keyword() {
    let dir = models().join("tflite-micro");
    let pre = dir.join("audio_preprocessor_int8.tflite");
    let classifier_path = dir.join("micro_speech_quantized.tflite");
    let Some(classifier) = compiled(&classifier_path) else { return };
    for name in ["yes", "no", "silence", "noise"] {
        let wav = dir.join(format!("{name}_1000ms.wav"));
        let args = [pre.to_str().unwrap(), classifier_path.to_str().unwrap(), wav.to_str().unwrap()];
        let Some(want) = reference(&[&["kws"][..], &args, &["--pad-ms", &PAD_MS.to_string()]].concat()) else {
            return;
        };

        let mut samples = tinyml_compiler::formats::wav::read_mono(&wav, 16_000).unwrap();
        samples.resize(samples.len() + PAD_MS * 16, 0);
        let mut pipeline = KwsPipeline::<4>::new(KwsConfig::default());
        let (mut frames, mut features, mut scores) = (0u64, 0x811c_9dc5u32, 0x811c_9dc5u32);
        let mut first_frame = None;
        let mut inferences = 0;
        let mut events = Vec::new();
        for chunk in samples.chunks(160) {
            pipeline
                .push(
                    chunk,
                    |window, out| {
                        let input: Vec<u8> = window.iter().map(|&v| v as u8).collect();
                        let got = classifier.run(&[&input])?;
                        for (o, &b) in out.iter_mut().zip(&got[0]) {
                            *o = b as i8;
                        }
                        Ok::<_, tinyml_compiler::exec::ExecError>(())
                    },
                    |event| match event {
                        KwsEvent::Frame(f) => {
                            frames += 1;
                            first_frame.get_or_insert(*f);
                            fnv1a32(&mut features, f.iter().map(|&v| v as u8));
                        }
                        KwsEvent::Inference(i) => {
                            let w = &want["inferences"][inferences];
                            assert_eq!(i64::from(i.frame), w["frame"].as_i64().unwrap(), "{name}: inference frame");
                            let ws: Vec<i8> =
                                w["scores"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap() as i8).collect();
                            assert_eq!(&i.scores[..], &ws[..], "{name}: scores at frame {}", i.frame);
                            inferences += 1;
                            fnv1a32(&mut scores, i.scores.iter().map(|&v| v as u8));
                            if i.recognition.is_new_command {
                                events.push((i.time_ms, CATEGORIES[i.recognition.category], i.recognition.score));
                            }
                        }
                    },
                )
                .unwrap();
        }
        let wf: Vec<i8> = want["first_frame"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap() as i8).collect();
        assert_eq!(&first_frame.unwrap()[..], &wf[..], "{name}: first frame");
        assert_eq!(frames, want["frames"].as_u64().unwrap(), "{name}: frames");
        assert_eq!(u64::from(features), want["features_fnv1a"].as_u64().unwrap(), "{name}: features differ from TFLM");
        assert_eq!(u64::from(scores), want["scores_fnv1a"].as_u64().unwrap(), "{name}: scores differ from TFLM");
        assert_eq!(inferences, want["inferences"].as_array().unwrap().len());
        let want_events: Vec<(i32, &str, u8)> = want["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["time_ms"].as_i64().unwrap() as i32,
                    e["category"].as_str().unwrap(),
                    e["score"].as_u64().unwrap() as u8,
                )
            })
            .collect();
        assert_eq!(events, want_events, "{name}: events");
        let keywords: Vec<&str> = events.iter().map(|e| e.1).filter(|c| *c == "yes" || *c == "no").collect();
        match name {
            "yes" => assert_eq!(keywords, ["yes"], "{name}"),
            "no" => assert_eq!(keywords, ["no"], "{name}"),
            _ => assert!(keywords.is_empty(), "{name}_1000ms.wav detected {keywords:?}"),
        }
    }
}

fn read_windows(path: &Path) -> Vec<[f32; AD_INPUT]> {
    let bytes = std::fs::read(path).unwrap();
    bytes
        .chunks_exact(AD_INPUT * 4)
        .map(|w| core::array::from_fn(|i| f32::from_le_bytes(w[i * 4..i * 4 + 4].try_into().unwrap())))
        .collect()
}

#[test]
fn anomaly_scores_equal_tflm() {
    let dir = models().join("mlperf-tiny");
    let model_path = dir.join("ad01_int8.tflite");
    let bin = dir.join("normal_id_01_00000000_hist_librosa.bin");
    let Some(model) = compiled(&model_path) else { return };
    let Some(want) = reference(&["anomaly", model_path.to_str().unwrap(), bin.to_str().unwrap()]) else { return };
    let q = |s: &str, z: &str| Quantization {
        scale: want[s].as_f64().unwrap() as f32,
        zero_point: want[z].as_i64().unwrap() as i32,
    };
    let mut detector =
        AnomalyDetector::new(q("input_scale", "input_zero_point"), q("output_scale", "output_zero_point"), 1e9);
    let windows = read_windows(&bin);
    assert_eq!(windows.len(), 40);
    for (i, w) in windows.iter().enumerate() {
        let got = detector
            .score(w, |input, output| {
                let bytes: Vec<u8> = input.iter().map(|&v| v as u8).collect();
                let out = model.run(&[&bytes])?;
                for (o, &b) in output.iter_mut().zip(&out[0]) {
                    *o = b as i8;
                }
                Ok::<_, tinyml_compiler::exec::ExecError>(())
            })
            .unwrap();
        let mut h = 0x811c_9dc5u32;
        fnv1a32(&mut h, detector.output().iter().map(|&v| v as u8));
        let ww = &want["windows"][i];
        assert_eq!(u64::from(h), ww["output_fnv1a"].as_u64().unwrap(), "window {i}: int8 output differs from TFLM");
        let ws = ww["score"].as_f64().unwrap();
        let rel = (f64::from(got.score) - ws).abs() / ws.abs().max(1e-12);
        assert!(rel < 1e-5, "window {i}: score {} vs TFLM reference {ws} (relative {rel:e})", got.score);
    }
}

/// NaN or infinity in float features is an error on both sides, never a score.
#[test]
fn anomaly_rejects_non_finite_features() {
    let dir = models().join("mlperf-tiny");
    let bin = dir.join("normal_id_01_00000000_hist_librosa.bin");
    if !bin.exists() {
        return skip(&format!("{} not found", bin.display()));
    }
    let mut w = read_windows(&bin)[0];
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        w[123] = bad;
        let q = Quantization { scale: 0.39, zero_point: 89 };
        let mut d = AnomalyDetector::new(q, q, 1.0);
        let got = d.score(&w, |_, _| -> Result<(), ()> { panic!("the model must not run on non-finite input") });
        match got {
            Err(AnomalyError::NonFinite(NonFinite { index: 123, value })) => {
                assert_eq!(value.is_nan(), bad.is_nan())
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    // The reference script refuses such a file too (exit 4, "not finite").
    let tmp = std::env::temp_dir().join(format!("tinyml-ad-nan-{}.bin", std::process::id()));
    let bytes: Vec<u8> = w.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&tmp, bytes).unwrap();
    let out = Command::new(python())
        .arg(workspace().join("tools/audio/reference_pipeline.py"))
        .args(["anomaly", dir.join("ad01_int8.tflite").to_str().unwrap(), tmp.to_str().unwrap()])
        .output();
    let _ = std::fs::remove_file(&tmp);
    if let Ok(out) = out {
        if out.status.code() != Some(EXIT_MISSING_DEPS) {
            assert_eq!(out.status.code(), Some(4));
            assert!(String::from_utf8_lossy(&out.stderr).contains("not finite"));
        }
    }
}
