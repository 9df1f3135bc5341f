//! Example applications for `cargo tinyml new --example`: a complete program (its own
//! `src/main.rs`, `build.rs`, README) with the model and the data it runs on, laid over
//! the files of the plain project template. Embedded from `templates/examples/`.

use super::scaffold::render;
use crate::boards::Board;
use std::path::PathBuf;

/// An example application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Example {
    /// Keyword spotting: the micro_speech front end and model on `yes_1000ms.wav`,
    /// streamed, with TFLM's recognizer; prints detections.
    Kws,
    /// Anomaly detection: MLPerf Tiny's ad01 autoencoder on log-mel windows of a machine
    /// recording; prints reconstruction-error scores.
    Anomaly,
    /// Streaming wakeword: MLPerf Tiny's str_ww_ref_model with the reference front end on
    /// `short_wav_easy10s.wav`, one inference per 32 ms stride, threshold and debounce;
    /// prints the detections of "marvin" with their times and the duty cycle per stride.
    Wakeword,
}

/// (path in the project, contents, whether it is a template to render).
type File = (&'static str, &'static [u8], bool);

const KWS: &[File] = &[
    ("src/main.rs", include_bytes!("../../templates/examples/kws/src/main.rs.tmpl"), true),
    ("build.rs", include_bytes!("../../templates/examples/kws/build.rs.tmpl"), true),
    ("README.md", include_bytes!("../../templates/examples/kws/README.md.tmpl"), true),
    ("model/model.tflite", include_bytes!("../../templates/examples/kws/model/micro_speech_quantized.tflite"), false),
    ("model/LICENSE", include_bytes!("../../templates/examples/kws/model/LICENSE"), false),
    ("model/PROVENANCE.md", include_bytes!("../../templates/examples/kws/PROVENANCE.md"), false),
    ("audio/yes_1000ms.wav", include_bytes!("../../templates/examples/kws/audio/yes_1000ms.wav"), false),
];

const ANOMALY: &[File] = &[
    ("src/main.rs", include_bytes!("../../templates/examples/anomaly/src/main.rs.tmpl"), true),
    ("build.rs", include_bytes!("../../templates/examples/anomaly/build.rs.tmpl"), true),
    ("README.md", include_bytes!("../../templates/examples/anomaly/README.md.tmpl"), true),
    ("model/model.tflite", include_bytes!("../../templates/examples/anomaly/model/ad01_int8.tflite"), false),
    ("model/LICENSE.md", include_bytes!("../../templates/examples/anomaly/model/LICENSE.md"), false),
    ("model/PROVENANCE.md", include_bytes!("../../templates/examples/anomaly/PROVENANCE.md"), false),
    (
        "data/normal_id_01_00000000_hist_librosa_windows0-3.bin",
        include_bytes!("../../templates/examples/anomaly/data/normal_id_01_00000000_hist_librosa_windows0-3.bin"),
        false,
    ),
];

const WAKEWORD: &[File] = &[
    ("src/main.rs", include_bytes!("../../templates/examples/wakeword/src/main.rs.tmpl"), true),
    ("build.rs", include_bytes!("../../templates/examples/wakeword/build.rs.tmpl"), true),
    ("README.md", include_bytes!("../../templates/examples/wakeword/README.md.tmpl"), true),
    ("model/model.tflite", include_bytes!("../../templates/examples/wakeword/model/str_ww_ref_model.tflite"), false),
    ("model/LICENSE.md", include_bytes!("../../templates/examples/wakeword/model/LICENSE.md"), false),
    ("model/PROVENANCE.md", include_bytes!("../../templates/examples/wakeword/PROVENANCE.md"), false),
    (
        "audio/short_wav_easy10s.wav",
        include_bytes!("../../templates/examples/wakeword/audio/short_wav_easy10s.wav"),
        false,
    ),
];

impl Example {
    fn files(self) -> &'static [File] {
        match self {
            Example::Kws => KWS,
            Example::Anomaly => ANOMALY,
            Example::Wakeword => WAKEWORD,
        }
    }

    /// The example's model (what `model/model.tflite` of the project will be).
    pub fn model(self) -> &'static [u8] {
        self.files().iter().find(|f| f.0 == "model/model.tflite").map(|f| f.1).unwrap_or_default()
    }
}

/// Lays `example` over `files` (the plain project for `name` on `board`): its program,
/// build script and README replace the template's, the plain project's model files
/// give way to the example's model and data, and `Cargo.toml` gains the `tinyml-audio`
/// dependency (every example uses the audio front ends).
pub fn apply(example: Example, name: &str, board: &Board, files: Vec<(PathBuf, Vec<u8>)>) -> Vec<(PathBuf, Vec<u8>)> {
    let timing_note = if board.is_emulated() { " (emulated by QEMU -icount: not real-chip time)" } else { "" };
    let run_how = if board.is_emulated() {
        "run it in QEMU (output over semihosting)"
    } else {
        "flash it with `cargo tinyml flash` (output over RTT)"
    };
    let vars = [
        ("name", name.to_owned()),
        ("board", board.name.clone()),
        ("board_description", board.description.clone()),
        ("timing_note", timing_note.to_owned()),
        ("run_how", run_how.to_owned()),
        ("clock_hz", board.clock_hz.to_string()),
        ("emulated", board.is_emulated().to_string()),
    ];
    let ours = example.files();
    let mut out: Vec<(PathBuf, Vec<u8>)> = files
        .into_iter()
        .filter(|(path, _)| !path.starts_with("model") && !ours.iter().any(|f| path == &PathBuf::from(f.0)))
        .map(|(path, bytes)| {
            if path.as_path() == std::path::Path::new("Cargo.toml") {
                let toml = with_audio_dependency(std::str::from_utf8(&bytes).expect("templates are UTF-8"));
                (path, toml.into_bytes())
            } else {
                (path, bytes)
            }
        })
        .collect();
    for &(path, bytes, template) in ours {
        let contents = if template {
            render(std::str::from_utf8(bytes).expect("templates are UTF-8"), &vars).into_bytes()
        } else {
            bytes.to_vec()
        };
        out.push((PathBuf::from(path), contents));
    }
    out
}

/// Adds `tinyml-audio` below the `tinyml-runtime` line of a generated `Cargo.toml`,
/// pointing the same way (the checkout's `audio/` beside its `runtime/`, or the same
/// published version), so the example builds against the runtime it was made with.
fn with_audio_dependency(cargo_toml: &str) -> String {
    let mut out = String::with_capacity(cargo_toml.len() + 80);
    for line in cargo_toml.lines() {
        out.push_str(line);
        out.push('\n');
        if let Some(spec) = line.strip_prefix("tinyml-runtime = ") {
            out.push_str(&format!("tinyml-audio = {}\n", spec.replace("/runtime\"", "/audio\"")));
        }
    }
    assert!(out.contains("\ntinyml-audio = "), "the project template has no `tinyml-runtime = ` line");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_models_are_tflite() {
        for ex in [Example::Kws, Example::Anomaly, Example::Wakeword] {
            assert_eq!(&ex.model()[4..8], b"TFL3", "{ex:?}");
        }
    }

    #[test]
    fn the_audio_dependency_follows_the_runtime_one() {
        let by_path = "[dependencies]\ntinyml-runtime = { path = \"/src/runtime\", version = \"0.1.0\" }\nx = 1\n";
        assert_eq!(
            with_audio_dependency(by_path),
            "[dependencies]\ntinyml-runtime = { path = \"/src/runtime\", version = \"0.1.0\" }\n\
             tinyml-audio = { path = \"/src/audio\", version = \"0.1.0\" }\nx = 1\n"
        );
        let by_version = "tinyml-runtime = \"0.1.0\"\n";
        assert_eq!(with_audio_dependency(by_version), "tinyml-runtime = \"0.1.0\"\ntinyml-audio = \"0.1.0\"\n");
    }
}
