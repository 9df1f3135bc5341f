//! The micro_speech front end of `tinyml-audio` against TFLM, byte for byte.
//!
//! Reference features come from the TFLM interpreter running
//! `audio_preprocessor_int8.tflite` frame by frame on each WAV (one interpreter per
//! file, so the noise estimate carries over), generated at test time by
//! `tools/audio/reference_features.py`. Python is `$TINYML_PYTHON`, else
//! `.venv/bin/python` in the workspace, else `python3`; models are in
//! `$TINYML_MODELS_DIR`, else `tests/data` in the workspace. Without Python's
//! `tflite_micro` the tests skip with a message, or fail with the install command when
//! `CI` is set.

use std::path::{Path, PathBuf};
use std::process::Command;

use tinyml_audio::{tables, MicroFrontend, StreamingFrontend, FEATURES, FRAME_SAMPLES, HOP_SAMPLES};
use tinyml_compiler::formats::npy;

mod support;

use support::{python, workspace_root as workspace};

fn models() -> PathBuf {
    support::shared_models().join("tflite-micro")
}

const WAVS: [&str; 4] = ["yes", "no", "noise", "silence"];
const INSTALL: &str = "python3 -m venv .venv && .venv/bin/pip install tflite-micro numpy tflite";
const EXIT_MISSING_DEPS: i32 = 3;

/// Skips (returns false) or fails under CI when a prerequisite is missing.
fn prerequisite(ok: bool, what: &str) -> bool {
    if !ok {
        let hint = if what.contains("pip install") { String::new() } else { format!(" (install with: {INSTALL})") };
        if std::env::var_os("CI").is_some() {
            panic!("{what}{hint}");
        }
        eprintln!("skipping: {what}{hint}");
    }
    ok
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tinyml-audio-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the reference script; `None` when it is to be skipped.
fn reference(args: &[&Path]) -> Option<()> {
    let script = workspace().join("tools/audio/reference_features.py");
    let out = Command::new(python()).arg(script).args(args).output();
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            prerequisite(false, &format!("cannot run {}: {e}", python().display()));
            return None;
        }
    };
    if out.status.code() == Some(EXIT_MISSING_DEPS) {
        prerequisite(false, String::from_utf8_lossy(&out.stderr).trim());
        return None;
    }
    assert!(out.status.success(), "reference_features.py failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(())
}

fn preprocessor() -> Option<PathBuf> {
    let p = models().join("audio_preprocessor_int8.tflite");
    prerequisite(p.exists(), &format!("{} not found", p.display())).then_some(p)
}

fn tinyml_features(samples: &[i16]) -> Vec<[i8; FEATURES]> {
    let mut fe = MicroFrontend::new();
    let mut frames = Vec::new();
    let mut start = 0;
    while start + FRAME_SAMPLES <= samples.len() {
        let mut out = [0i8; FEATURES];
        fe.process_frame(samples[start..start + FRAME_SAMPLES].try_into().unwrap(), &mut out);
        frames.push(out);
        start += HOP_SAMPLES;
    }
    frames
}

fn read_i8_npy(path: &Path) -> (Vec<usize>, Vec<i8>) {
    let a = npy::read(&std::fs::read(path).unwrap()).unwrap();
    (a.shape.clone(), a.data.iter().map(|&b| b as i8).collect())
}

#[test]
fn features_equal_tflm_byte_for_byte() {
    let Some(model) = preprocessor() else { return };
    let dir = scratch_dir("features");
    for name in WAVS {
        let wav = models().join(format!("{name}_1000ms.wav"));
        let npy_path = dir.join(format!("{name}.npy"));
        if reference(&[&model, &wav, &npy_path]).is_none() {
            return;
        }
        let (shape, want) = read_i8_npy(&npy_path);
        assert_eq!(shape, [49, FEATURES], "{name}: reference shape");

        let samples = tinyml_compiler::formats::wav::read_mono(&wav, 16_000).unwrap();
        let got = tinyml_features(&samples);
        assert_eq!(got.len(), 49, "{name}: frames");
        for (f, frame) in got.iter().enumerate() {
            let expected = &want[f * FEATURES..(f + 1) * FEATURES];
            assert_eq!(&frame[..], expected, "{name}_1000ms.wav: frame {f} differs from TFLM");
        }
        // The streaming API, fed in chunks that straddle frame boundaries, gives the
        // same bytes.
        for chunk in [1, 100, 320, 999] {
            let mut stream = StreamingFrontend::new();
            let mut streamed: Vec<i8> = Vec::new();
            for c in samples.chunks(chunk) {
                stream.push(c, |f| streamed.extend_from_slice(f));
            }
            assert_eq!(streamed, want, "{name}_1000ms.wav streamed in chunks of {chunk}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Stress the wrap-around and saturation paths against TFLM: full-scale square waves,
/// -32768 runs (MaxAbs16's int16 quirk), impulses, silence between loud bursts and
/// pseudo-random noise, 3 s in all.
#[test]
fn synthetic_extremes_equal_tflm() {
    let Some(model) = preprocessor() else { return };
    let mut samples: Vec<i16> = Vec::new();
    let mut seed = 0x2545_f491u32;
    for i in 0..48_000usize {
        let v = match i / 4000 {
            0 => {
                if (i / 8) % 2 == 0 {
                    i16::MAX
                } else {
                    i16::MIN
                }
            }
            1 => i16::MIN,
            2 => {
                if i % 480 == 17 {
                    i16::MIN
                } else {
                    0
                }
            }
            3 => 0,
            4 => {
                if i % 2 == 0 {
                    i16::MIN
                } else {
                    i16::MAX
                }
            }
            5 | 9 => {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (seed >> 16) as i16
            }
            6 => 1,
            7 => ((i as f64 * 0.3).sin() * 32767.0) as i16,
            8 => {
                if i % 97 < 3 {
                    -1
                } else {
                    0
                }
            }
            _ => ((i as f64 * 0.01).sin() * 300.0) as i16,
        };
        samples.push(v);
    }
    let dir = scratch_dir("extremes");
    let wav = dir.join("extremes.wav");
    std::fs::write(&wav, tinyml_compiler::formats::wav::write(16_000, 1, &samples)).unwrap();
    let npy_path = dir.join("extremes.npy");
    if reference(&[&model, &wav, &npy_path]).is_none() {
        return;
    }
    let (shape, want) = read_i8_npy(&npy_path);
    let got = tinyml_features(&samples);
    assert_eq!(shape, [got.len(), FEATURES]);
    for (f, frame) in got.iter().enumerate() {
        assert_eq!(&frame[..], &want[f * FEATURES..(f + 1) * FEATURES], "synthetic frame {f} differs from TFLM");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The tables compiled into the crate are the model's constants and options.
#[test]
fn tables_match_the_model() {
    let Some(model) = preprocessor() else { return };
    let dir = scratch_dir("params");
    let json_path = dir.join("params.json");
    if reference(&[&model, Path::new("--params"), &json_path]).is_none() {
        return;
    }
    let p: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    let ints =
        |v: &serde_json::Value| -> Vec<i64> { v.as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect() };
    let widen = |t: &[i16]| -> Vec<i64> { t.iter().map(|&x| i64::from(x)).collect() };
    let opt = |op: &str, key: &str| p[op]["options"][key].as_i64().unwrap_or_else(|| panic!("{op}.{key} missing"));

    assert_eq!(ints(&p["SignalWindow"]["constants"][0]), widen(&tables::WINDOW));
    assert_eq!(opt("SignalWindow", "shift"), i64::from(tables::WINDOW_SHIFT));
    assert_eq!(opt("SignalRfft", "fft_length"), tables::FFT_LENGTH as i64);
    assert_eq!(opt("SignalEnergy", "start_index"), tables::ENERGY_START as i64);
    assert_eq!(opt("SignalEnergy", "end_index"), tables::ENERGY_END as i64);
    assert_eq!(opt("SignalFilterBank", "num_channels"), tables::NUM_CHANNELS as i64);
    let fb = &p["SignalFilterBank"]["constants"];
    assert_eq!(ints(&fb[0]), widen(&tables::FILTERBANK_WEIGHTS));
    assert_eq!(ints(&fb[1]), widen(&tables::FILTERBANK_UNWEIGHTS));
    assert_eq!(ints(&fb[2]), widen(&tables::FILTERBANK_FREQ_STARTS));
    assert_eq!(ints(&fb[3]), widen(&tables::FILTERBANK_WEIGHT_STARTS));
    assert_eq!(ints(&fb[4]), widen(&tables::FILTERBANK_WIDTHS));
    let ss = tables::SPECTRAL_SUBTRACTION;
    let s = "SignalFilterBankSpectralSubtraction";
    assert_eq!(opt(s, "smoothing"), i64::from(ss.smoothing));
    assert_eq!(opt(s, "one_minus_smoothing"), i64::from(ss.one_minus_smoothing));
    assert_eq!(opt(s, "alternate_smoothing"), i64::from(ss.alternate_smoothing));
    assert_eq!(opt(s, "alternate_one_minus_smoothing"), i64::from(ss.alternate_one_minus_smoothing));
    assert_eq!(opt(s, "min_signal_remaining"), i64::from(ss.min_signal_remaining));
    assert_eq!(opt(s, "smoothing_bits"), i64::from(ss.smoothing_bits));
    assert_eq!(opt(s, "spectral_subtraction_bits"), i64::from(ss.spectral_subtraction_bits));
    assert_eq!(opt(s, "clamping") != 0, ss.clamping);
    assert_eq!(opt(s, "num_channels"), tables::NUM_CHANNELS as i64);
    assert_eq!(ints(&p["SignalPCAN"]["constants"][0]), widen(&tables::PCAN_GAIN_LUT));
    assert_eq!(opt("SignalPCAN", "snr_shift"), i64::from(tables::PCAN_SNR_SHIFT));
    assert_eq!(opt("SignalFilterBankLog", "input_correction_bits"), i64::from(tables::LOG_INPUT_CORRECTION_BITS));
    assert_eq!(opt("SignalFilterBankLog", "output_scale"), i64::from(tables::LOG_OUTPUT_SCALE));
    let tail: Vec<(String, i64)> = p["Tail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e[0].as_str().unwrap().to_string(), e[1].as_i64().unwrap()))
        .collect();
    let want: Vec<(String, i64)> = [
        ("MUL", tables::TAIL_MUL),
        ("ADD", tables::TAIL_ADD),
        ("DIV", tables::TAIL_DIV),
        ("ADD", tables::TAIL_OFFSET),
        ("MINIMUM", tables::TAIL_MIN),
        ("MAXIMUM", tables::TAIL_MAX),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), i64::from(*v)))
    .collect();
    assert_eq!(tail, want);
    let _ = std::fs::remove_dir_all(&dir);
}

/// End to end on the host: tinyml-audio features through micro_speech compiled by
/// tinyml-compiler give TFLM's logits and the right keyword. Skips while the model
/// compiler cannot compile micro_speech yet.
#[test]
fn micro_speech_recognizes_the_wavs() {
    let Some(model) = preprocessor() else { return };
    let classifier = models().join("micro_speech_quantized.tflite");
    let program = match tinyml_compiler::compile(&std::fs::read(&classifier).unwrap(), &Default::default()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("skipping end to end: the model compiler cannot compile micro_speech yet: {e}");
            assert!(std::env::var_os("CI").is_none(), "under CI a skipped test is a failure (see the message above)");
            return;
        }
    };
    let dir = scratch_dir("e2e");
    for name in WAVS {
        let wav = models().join(format!("{name}_1000ms.wav"));
        let feats = dir.join(format!("{name}.npy"));
        let logits = dir.join(format!("{name}_logits.npy"));
        if reference(&[&model, &wav, &feats, Path::new("--classify"), &classifier, &logits]).is_none() {
            return;
        }
        let (_, want) = read_i8_npy(&logits);
        let samples = tinyml_compiler::formats::wav::read_mono(&wav, 16_000).unwrap();
        let input: Vec<u8> = tinyml_features(&samples).iter().flatten().map(|&v| v as u8).collect();
        let out = match program.run(&[&input]) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("skipping end to end: micro_speech does not run on the host yet: {e}");
                assert!(
                    std::env::var_os("CI").is_none(),
                    "under CI a skipped test is a failure (see the message above)"
                );
                return;
            }
        };
        let got: Vec<i8> = out[0].iter().map(|&b| b as i8).collect();
        assert_eq!(got, want, "{name}: logits differ from TFLM's micro_speech on TFLM features");
        let class = (0..got.len()).max_by_key(|&i| (got[i], std::cmp::Reverse(i))).unwrap();
        match name {
            "yes" => assert_eq!(class, 2, "yes_1000ms.wav -> {got:?}"),
            "no" => assert_eq!(class, 3, "no_1000ms.wav -> {got:?}"),
            _ => assert!(class < 2, "{name}_1000ms.wav detected a keyword: {got:?}"),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
