//! The audio commands and examples end to end:
//! - `features`: the micro_speech features of each WAV equal TFLM's byte for byte
//!   (`tools/audio/reference_features.py`), and bad WAVs get clear errors;
//! - `new --example kws` with all four WAVs in `audio/`, built and run in QEMU
//!   (mps3-an547): frames, features, scores and detections equal TFLM's
//!   (`tools/audio/reference_pipeline.py kws`): yes -> "yes", no -> "no", silence and
//!   noise -> no keyword;
//! - `features --frontend ad` and `new --example anomaly` on the synthetic machine pair:
//!   every window of the normal motor below the threshold, of the faulty one above; the
//!   QEMU firmware equal to the host run (features, scores, verdicts);
//! - `new --example anomaly` with all 40 windows in `data/`: TFLM's int8 outputs and
//!   scores (`tools/audio/reference_pipeline.py anomaly`);
//! - `features --frontend sww` and `new --example wakeword` on the MLPerf Tiny streaming
//!   wakeword file: exactly the three "marvin" inside the benchmark's windows, model scores
//!   equal to TFLM's on every stride, and the QEMU firmware (mps3-an547, mps2-an505) equal to
//!   the host run.
//!
//! Needs `qemu-system-arm`, the thumb target and Python with tflite_micro; where one is
//! missing the test says so and skips, except under CI where it fails.

use cargo_tinyml::boards::Catalog;
use cargo_tinyml::cmd::features::{self, Frontend};
use cargo_tinyml::cmd::new::Cmd;
use cargo_tinyml::project::cargo::{self, BuildOptions};
use cargo_tinyml::project::examples::Example;
use cargo_tinyml::project::Project;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use tinyml_compiler::formats::npy::{self, NpyArray};
use tinyml_compiler::graph::DType;

const WAVS: [&str; 4] = ["yes", "no", "silence", "noise"];
const BOARD: &str = "mps3-an547";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn models() -> PathBuf {
    match std::env::var_os("TINYML_MODELS_DIR") {
        Some(d) => PathBuf::from(d),
        None => workspace().join("tests/data"),
    }
}

fn missing(what: &str) -> bool {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is missing; scripts/test installs it");
    }
    eprintln!("SKIPPED: {what} is missing (run scripts/test to install it)");
    true
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("audio").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a script of `tools/audio`; `None` (skip) when Python lacks its packages.
fn python_script(script: &str, args: &[&Path]) -> Option<std::process::Output> {
    let python = cargo_tinyml::python::interpreter();
    let out = Command::new(&python).arg(workspace().join("tools/audio").join(script)).args(args).output();
    match out {
        Ok(o) if o.status.code() == Some(3) => {
            missing(&format!("Python packages for {script} ({})", String::from_utf8_lossy(&o.stderr).trim()));
            None
        }
        Ok(o) => {
            assert!(o.status.success(), "{script} failed: {}", String::from_utf8_lossy(&o.stderr));
            Some(o)
        }
        Err(e) => {
            missing(&format!("{} ({e})", python.display()));
            None
        }
    }
}

fn features_cmd(wav: &Path) -> features::Cmd {
    features::Cmd { wav: wav.to_owned(), frontend: Frontend::MicroSpeech, out: None, json: false, model: None }
}

#[test]
fn features_equal_tflm_byte_for_byte() {
    let dir = scratch("features");
    let pre = models().join("tflite-micro/audio_preprocessor_int8.tflite");
    for name in WAVS {
        let wav = models().join(format!("tflite-micro/{name}_1000ms.wav"));
        let want = dir.join(format!("{name}.npy"));
        if python_script("reference_features.py", &[&pre, &wav, &want]).is_none() {
            return;
        }
        let got = dir.join(format!("{name}-tinyml.npy"));
        let cmd = features::Cmd { out: Some(got.clone()), ..features_cmd(&wav) };
        cmd.run().unwrap();
        assert_eq!(std::fs::read(&got).unwrap(), std::fs::read(&want).unwrap(), "{name}: .npy differs from TFLM's");
    }
}

/// `--frontend mfcc` and `mfcc-fixed` give float32 [frames, 10] .npy files.
#[test]
fn mfcc_frontends_write_float_npy() {
    let dir = scratch("mfcc");
    let wav = models().join("tflite-micro/yes_1000ms.wav");
    if !wav.exists() {
        missing(&wav.display().to_string());
        return;
    }
    for frontend in [Frontend::Mfcc, Frontend::MfccFixed] {
        let out = dir.join(format!("{}.npy", frontend.name()));
        features::Cmd { frontend, out: Some(out.clone()), ..features_cmd(&wav) }.run().unwrap();
        let a = tinyml_compiler::formats::npy::read(&std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(a.shape, [49, 10]);
        assert_eq!(a.dtype, tinyml_compiler::graph::DType::F32);
    }
}

#[test]
fn bad_wavs_are_refused_with_the_reason() {
    let dir = scratch("bad-wavs");
    let write = |name: &str, bytes: Vec<u8>| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let tone: Vec<i16> = (0..16_000).map(|i| ((i % 40) * 800 - 16_000) as i16).collect();
    let good = tinyml_compiler::formats::wav::write(16_000, 1, &tone);
    let cases = [
        (write("8k.wav", tinyml_compiler::formats::wav::write(8_000, 1, &tone)), "8000"),
        (write("stereo.wav", tinyml_compiler::formats::wav::write(16_000, 2, &tone)), "channel"),
        (write("empty.wav", Vec::new()), "empty"),
        (write("truncated.wav", good[..good.len() / 2].to_vec()), "truncated"),
        (write("short.wav", tinyml_compiler::formats::wav::write(16_000, 1, &tone[..400])), "at least 480"),
        (write("text.wav", b"hello, not audio".to_vec()), "not a WAV"),
    ];
    for (path, needle) in &cases {
        let err = format!("{:#}", features_cmd(path).compute().unwrap_err());
        assert!(err.contains(needle), "{}: {err}", path.display());
    }
    // 8-bit and float WAVs: the header says so; the error names the format and sox.
    let mut eight_bit = good.clone();
    eight_bit[34] = 8; // bits per sample
    let err = format!("{:#}", features_cmd(&write("8bit.wav", eight_bit)).compute().unwrap_err());
    assert!(err.contains("sox") || err.contains("16"), "{err}");
    assert_eq!(features_cmd(&write("good.wav", good)).compute().unwrap().frames, 49);
}

fn have_qemu() -> bool {
    cargo_tinyml::target::qemu::which("qemu-system-arm").is_some() || !missing("qemu-system-arm")
}

/// Creates the example project, lets `prepare` adjust it, builds it (release: the
/// firmware's cost figures are for optimized code) and runs it in QEMU.
fn run_example(example: Example, prepare: impl FnOnce(&Path)) -> String {
    run_example_as(example, BOARD, "prepared", prepare)
}

/// [`run_example`] on `board` (an emulated board), unchanged.
fn run_example_on(example: Example, board: &str) -> String {
    run_example_as(example, board, "as-written", |_| {})
}

/// [`run_example`] on `board`, in a project named after `tag` too: tests run in parallel,
/// and two of them building the same example differently must not share a directory or
/// a binary name in the shared target directory.
fn run_example_as(example: Example, board: &str, tag: &str, prepare: impl FnOnce(&Path)) -> String {
    let dir = scratch(&format!("{example:?}-{board}-{tag}"));
    std::fs::remove_dir(&dir).unwrap();
    let name = format!("audio-{example:?}-{tag}").to_lowercase();
    Cmd {
        name,
        board: board.into(),
        model: None,
        path: Some(dir.clone()),
        example: Some(example),
        local: false,
        force: false,
        npu: None,
        weights_in_ram: 0,
    }
    .create()
    .unwrap();
    prepare(&dir);
    let target = std::env::var_os("TINYML_FIRMWARE_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("firmware"));
    let options = BuildOptions { release: true, target_dir: Some(target), quiet: true, memory: None };
    let elf = cargo::build_elf(&Project::find(&dir).unwrap(), &options)
        .unwrap_or_else(|e| panic!("build of {} failed: {e:#}", dir.display()));
    let catalog = Catalog::load().unwrap();
    let emu = catalog.get(board).unwrap().emulator.clone().unwrap();
    let out = cargo_tinyml::target::qemu::run(&emu, &elf, Duration::from_secs(300), false).unwrap();
    assert_eq!(out.code, 0, "{}", out.stdout);
    println!("{}", out.stdout);
    out.stdout
}

#[test]
fn kws_example_in_qemu_equals_tflm() {
    if !have_qemu() {
        return;
    }
    let tm = models().join("tflite-micro");
    let pre = tm.join("audio_preprocessor_int8.tflite");
    let classifier = tm.join("micro_speech_quantized.tflite");
    let mut want = Vec::new();
    for name in WAVS {
        let wav = tm.join(format!("{name}_1000ms.wav"));
        let Some(out) = python_script("reference_pipeline.py", &[Path::new("kws"), &pre, &classifier, &wav]) else {
            return;
        };
        want.push(serde_json::from_slice::<Value>(&out.stdout).unwrap());
    }
    let stdout = run_example(Example::Kws, |dir| {
        for name in WAVS {
            let file = format!("{name}_1000ms.wav");
            std::fs::copy(tm.join(&file), dir.join("audio").join(&file)).unwrap();
        }
    });
    for (name, want) in WAVS.iter().zip(&want) {
        let clip = format!("{name}_1000ms");
        let summary = format!(
            "kws: {clip}: {} frames, features fnv1a {:#010x}, {} inferences, scores fnv1a {:#010x}",
            want["frames"],
            want["features_fnv1a"].as_u64().unwrap(),
            want["inferences"].as_array().unwrap().len(),
            want["scores_fnv1a"].as_u64().unwrap()
        );
        assert!(stdout.lines().any(|l| l == summary), "{clip}: expected `{summary}` in\n{stdout}");
        let first: Vec<String> =
            want["first_frame"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap().to_string()).collect();
        let first = format!("kws: {clip}: frame 0 = [{}]", first.join(", "));
        assert!(stdout.lines().any(|l| l == first), "{clip}: expected `{first}`");
        let detected: Vec<&str> = stdout.lines().filter(|l| l.starts_with(&format!("kws: {clip}: detected"))).collect();
        let expected: Vec<String> = want["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "kws: {clip}: detected \"{}\" at {} ms (score {})",
                    e["category"].as_str().unwrap(),
                    e["time_ms"],
                    e["score"]
                )
            })
            .collect();
        assert_eq!(detected, expected, "{clip}: detections");
        let keywords: Vec<&&str> = detected.iter().filter(|l| l.contains("\"yes\"") || l.contains("\"no\"")).collect();
        match *name {
            "yes" | "no" => {
                assert_eq!(keywords.len(), 1, "{clip}: {detected:?}");
                assert!(keywords[0].contains(&format!("\"{name}\"")), "{clip}: {detected:?}");
            }
            _ => assert!(keywords.is_empty(), "{clip}: {detected:?}"),
        }
    }
    assert!(stdout.contains("kws: cost: front end "), "{stdout}");
}

#[test]
fn anomaly_example_in_qemu_equals_tflm() {
    if !have_qemu() {
        return;
    }
    let ml = models().join("mlperf-tiny");
    let bin = ml.join("normal_id_01_00000000_hist_librosa.bin");
    let model = ml.join("ad01_int8.tflite");
    let Some(out) = python_script("reference_pipeline.py", &[Path::new("anomaly"), &model, &bin]) else {
        return;
    };
    let want: Value = serde_json::from_slice(&out.stdout).unwrap();
    let stdout = run_example(Example::Anomaly, |dir| {
        for e in std::fs::read_dir(dir.join("data")).unwrap() {
            std::fs::remove_file(e.unwrap().path()).unwrap();
        }
        std::fs::copy(&bin, dir.join("data/all.bin")).unwrap();
        // The 40 windows alone: with the example's clips they would not fit the flash.
        std::fs::remove_dir_all(dir.join("audio")).unwrap();
    });
    let windows = want["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 40);
    for (i, w) in windows.iter().enumerate() {
        let prefix = format!("anomaly: window {i}: score ");
        let line = stdout.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no {prefix}\n{stdout}"));
        let score: f64 = line[prefix.len()..].split(' ').next().unwrap().parse().unwrap();
        let want_score = w["score"].as_f64().unwrap();
        assert!((score - want_score).abs() <= 1e-5 * want_score, "window {i}: {score} vs TFLM {want_score}");
        let hash = format!("(output fnv1a {:#010x})", w["output_fnv1a"].as_u64().unwrap());
        assert!(line.ends_with(&hash), "window {i}: int8 output differs from TFLM's: {line} vs {hash}");
    }
}

fn sww_data() -> PathBuf {
    models().join("mlperf-tiny/streaming_wakeword")
}

/// The wakeword windows of `short_wav_easy10s.wav`, in seconds, as the benchmark's
/// `short_wav_easy10s_ww_windows.json` gives them (mlcommons/tiny,
/// benchmark/training/streaming_wakeword/).
const EASY10S_WINDOWS: [(f64, f64); 3] = [(1.0, 1.647_625), (4.0, 4.761_75), (7.0, 7.358_625)];

/// str_ww_util.py's `get_true_and_false_detections`: a wakeword counts as found when a
/// detection falls in [start, stop + 0.5 s]; a detection is false outside every
/// [start, stop + 1 s].
fn check_easy10s(times_ms: &[u32]) {
    assert_eq!(times_ms.len(), 3, "detections at {times_ms:?} ms");
    for (&(start, stop), &t) in EASY10S_WINDOWS.iter().zip(times_ms) {
        let t = f64::from(t) / 1000.0;
        assert!(t >= start && t <= stop + 0.5, "detection at {t} s is outside [{start}, {stop} + 0.5]");
    }
}

fn sww_features(wav: &Path) -> features::Features {
    features::Cmd { frontend: Frontend::Sww, ..features_cmd(wav) }.compute().unwrap()
}

/// Host: three detections in the benchmark's windows, and the scores of all 312 strides
/// equal TFLM's on the same 30-frame windows (the reference's shift, zeros at the start).
#[test]
fn sww_detects_the_three_wakewords_and_scores_equal_tflm() {
    let wav = sww_data().join("short_wav_easy10s.wav");
    let f = sww_features(&wav);
    let stream = f.stream.as_ref().unwrap();
    assert_eq!(f.frames, 312);
    let times: Vec<u32> = stream.detections.iter().map(|d| d.time_ms).collect();
    check_easy10s(&times);
    let features::Values::I8(values) = &f.values else { panic!("int8 features") };
    let mut windows = Vec::with_capacity(f.frames * 1200);
    let mut window = [0i8; 1200];
    for frame in values.chunks(40) {
        window.copy_within(40.., 0);
        window[1160..].copy_from_slice(frame);
        windows.extend(window.iter().map(|&v| v as u8));
    }
    let dir = scratch("sww-tflm");
    let (input, output) = (dir.join("windows.npy"), dir.join("scores.npy"));
    let array = NpyArray::new(DType::I8, vec![f.frames, 1, 30, 1, 40], windows).unwrap();
    std::fs::write(&input, npy::write(&array)).unwrap();
    let model = sww_data().join("str_ww_ref_model.tflite");
    let script = workspace().join("tools/oracle/tflm_reference.py");
    let python = cargo_tinyml::python::interpreter();
    let out = Command::new(&python)
        .arg(&script)
        .arg(&model)
        .arg("--batch")
        .args(["--input".as_ref(), input.as_os_str(), "--output".as_ref(), output.as_os_str()])
        .output();
    match out {
        Ok(o) if o.status.code() == Some(3) => {
            missing("tflite_micro");
            return;
        }
        Ok(o) => assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => {
            missing(&format!("{} ({e})", python.display()));
            return;
        }
    }
    let want = npy::read(&std::fs::read(&output).unwrap()).unwrap();
    let got: Vec<u8> = stream.scores.iter().flatten().map(|&v| v as u8).collect();
    assert_eq!(got, want.data, "host scores differ from TFLM's");
}

/// The reference submission's model inputs `test_input_class0..2`: the host program's
/// outputs equal TFLM's (checked in `sww_detects...` for the stream); 1 and 2 come out as
/// their classes. Class 0's input comes out as class 2 in TFLM as here (scores
/// [-72, -128, 72]), so only its bytes are pinned: see docs/audio.md.
#[test]
fn sww_reference_inputs_give_their_classes() {
    let model = std::fs::read(sww_data().join("str_ww_ref_model.tflite")).unwrap();
    let program = tinyml_compiler::compile(&model, &Default::default()).unwrap();
    let expected: [[i8; 3]; 3] = [[-72, -128, 72], [-128, 127, -128], [-128, -128, 127]];
    for (class, want) in expected.iter().enumerate() {
        let input =
            npy::read(&std::fs::read(sww_data().join(format!("reference_data/test_input_class{class}.npy"))).unwrap())
                .unwrap();
        let out = program.run(&[&input.data]).unwrap();
        let got: Vec<i8> = out[0].iter().map(|&b| b as i8).collect();
        assert_eq!(got, want, "test_input_class{class}");
        if class > 0 {
            let argmax = (0..3).max_by_key(|&k| got[k]).unwrap();
            assert_eq!(argmax, class);
        }
    }
}

/// `--example wakeword` in QEMU on the Helium (M55) and DSP (M33) boards: the same
/// detections, features and scores as the host.
#[test]
fn wakeword_example_in_qemu_equals_the_host() {
    if !have_qemu() {
        return;
    }
    let f = sww_features(&sww_data().join("short_wav_easy10s.wav"));
    for board in [BOARD, "mps2-an505"] {
        wakeword_example_on(board, &f);
    }
}

fn wakeword_example_on(board: &str, f: &features::Features) {
    let stream = f.stream.as_ref().unwrap();
    let stdout = run_example_on(Example::Wakeword, board);
    let detected: Vec<&str> = stdout.lines().filter(|l| l.contains("detected")).collect();
    let want: Vec<String> = stream
        .detections
        .iter()
        .map(|d| {
            format!(
                "wakeword: short_wav_easy10s: detected \"marvin\" at {}.{:03} s (stride {}, score {})",
                d.time_ms / 1000,
                d.time_ms % 1000,
                d.hop,
                d.score
            )
        })
        .collect();
    assert_eq!(detected, want, "{board}");
    let scores =
        stream.scores.iter().flatten().fold(0x811c_9dc5u32, |h, &b| (h ^ u32::from(b as u8)).wrapping_mul(0x0100_0193));
    let summary = format!(
        "wakeword: short_wav_easy10s: 312 strides, 3 detections, features fnv1a {:#010x}, scores fnv1a {scores:#010x}",
        f.fnv1a()
    );
    assert!(stdout.lines().any(|l| l == summary), "{board}: expected `{summary}` in\n{stdout}");
    assert!(stdout.contains("duty cycle"), "{stdout}");
}

/// The example's synthetic machine pair.
fn machine_wavs() -> [(&'static str, PathBuf); 2] {
    let dir = workspace().join("templates/examples/anomaly/audio");
    [("machine_normal", dir.join("machine_normal.wav")), ("machine_abnormal", dir.join("machine_abnormal.wav"))]
}

fn ad_features(wav: &Path) -> features::Features {
    features::Cmd { frontend: Frontend::Ad, ..features_cmd(wav) }.compute().unwrap()
}

/// Host (`features --frontend ad`): every window of the normal motor scores below the
/// threshold and every window of the faulty one above it; the file verdicts follow.
#[test]
fn ad_separates_the_synthetic_machine_pair() {
    let [(_, normal), (_, abnormal)] = machine_wavs();
    let (n, a) = (ad_features(&normal), ad_features(&abnormal));
    let (n, a) = (n.anomaly.unwrap(), a.anomaly.unwrap());
    assert_eq!((n.windows.len(), a.windows.len()), (58, 58), "2 s: 62 frames, 58 windows");
    let max_normal = n.windows.iter().copied().fold(f32::MIN, f32::max);
    let min_abnormal = a.windows.iter().copied().fold(f32::MAX, f32::min);
    println!("normal: max window {max_normal}, mean {}; abnormal: min window {min_abnormal}, mean {}", n.mean, a.mean);
    assert!(max_normal < features::ad::THRESHOLD && min_abnormal > features::ad::THRESHOLD);
    assert!(!n.is_anomaly() && a.is_anomaly());
}

/// The example in QEMU (mps3-an547 with Helium, mps2-an505 without): per clip the host's
/// features (FNV-1a of every f32), every window's score and the verdict; the normal clip
/// is normal, the faulty one an anomaly.
#[test]
fn anomaly_example_from_audio_in_qemu_equals_the_host() {
    if !have_qemu() {
        return;
    }
    for board in [BOARD, "mps2-an505"] {
        anomaly_example_on(board);
    }
}

fn anomaly_example_on(board: &str) {
    let stdout = run_example_on(Example::Anomaly, board);
    for (name, wav) in machine_wavs() {
        let f = ad_features(&wav);
        let a = f.anomaly.as_ref().unwrap();
        for (i, s) in a.windows.iter().enumerate() {
            let line = format!(
                "anomaly: {name}: window {i} (frames {i}..{}): score {s:.3}{}",
                i + 4,
                if *s > a.threshold { " ANOMALY" } else { "" }
            );
            assert!(stdout.lines().any(|l| l == line), "{board}: expected `{line}` in\n{stdout}");
        }
        let verdict = if a.is_anomaly() { "ANOMALY" } else { "normal" };
        assert_eq!(verdict, if name == "machine_normal" { "normal" } else { "ANOMALY" });
        let summary = format!(
            "anomaly: {name}: {} hops, {} windows, mean score {:.3}: {verdict} (threshold 20), features fnv1a {:#010x}",
            f.frames,
            a.windows.len(),
            a.mean,
            f.fnv1a()
        );
        assert!(stdout.lines().any(|l| l == summary), "{board}: expected `{summary}` in\n{stdout}");
    }
    assert!(stdout.contains("anomaly: cost per 32 ms hop: front end "), "{stdout}");
}
