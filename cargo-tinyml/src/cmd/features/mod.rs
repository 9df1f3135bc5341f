//! `cargo tinyml features`: run an audio front end of tinyml-audio on a WAV file on the
//! host, for inspection and for checking against a reference; for the streaming
//! wakeword front end also the model and the detector (`sww`).

pub mod sww;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use tinyml_audio::mfcc::{fixed_to_f32, MfccF32, MfccFixed, MEL_BANDS, MFCC_COEFFS};
use tinyml_audio::{MicroFrontend, FEATURES, FRAME_SAMPLES, HOP_SAMPLES};
use tinyml_compiler::formats::npy::{self, NpyArray};
use tinyml_compiler::graph::DType;

/// Compute an audio front end's features for a WAV file (host).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The WAV must be 16 kHz, 16-bit integer PCM, mono or with all channels equal (the MLPerf
Tiny wakeword files have two equal channels; the first is taken). Anything else is refused
with what the file holds; convert with sox:
  sox in.wav -r 16000 -c 1 -b 16 -e signed-integer out.wav

Frames are 30 ms (480 samples) every 20 ms (320 samples), as TFLM's micro_speech does; the
micro-speech features are the bytes tinyml-audio computes on the device, equal to TFLM's
audio_preprocessor_int8.tflite byte for byte. mfcc and mfcc-fixed are tinyml-audio's MFCC
front ends (MLPerf Tiny KWS: 10 coefficients per frame, float32 in the .npy; see
docs/audio.md). sww is the MLPerf Tiny streaming-wakeword front end (64 ms windows every
32 ms, 40 int8 log-mel features per stride); it also streams them through the wakeword model
(the `--example wakeword` model, str_ww_ref_model.tflite, or --model) on the host with the
device's kernels and prints the detections of marvin (score above 0.5, 1 s debounce).

Examples:
  cargo tinyml features yes.wav --frontend micro-speech --out yes.npy   # int8 [frames, 40]
  cargo tinyml features yes.wav --json | jq '.frames'
  cargo tinyml features short_wav_easy10s.wav --frontend sww   # detections with times")]
pub struct Cmd {
    /// The WAV file.
    pub wav: PathBuf,
    /// The front end.
    #[arg(long, value_enum, default_value = "micro-speech")]
    pub frontend: Frontend,
    /// Write the features as .npy (int8 [frames, 40] for micro-speech, float32 [frames, 10]
    /// for mfcc and mfcc-fixed).
    #[arg(long, value_name = "FEATS.npy")]
    pub out: Option<PathBuf>,
    /// Print the features as JSON on stdout instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// sww only: the wakeword model (default: the `--example wakeword` model,
    /// MLPerf Tiny's str_ww_ref_model.tflite).
    #[arg(long, value_name = "MODEL.tflite")]
    pub model: Option<PathBuf>,
}

/// An audio front end of tinyml-audio.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Frontend {
    /// TFLM micro_speech: 40 int8 features per 20 ms hop (`tinyml_audio`).
    MicroSpeech,
    /// MFCC, f32 (`MfccF32`): 10 coefficients per 20 ms hop.
    Mfcc,
    /// MFCC, fixed point (`MfccFixed`, Q20 shown as float32): 10 coefficients per hop.
    MfccFixed,
    /// MLPerf Tiny streaming wakeword (`tinyml_audio::sww`): 40 int8 features per 32 ms
    /// stride, then the wakeword model and detector.
    Sww,
}

impl Frontend {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Frontend::MicroSpeech => "micro-speech",
            Frontend::Mfcc => "mfcc",
            Frontend::MfccFixed => "mfcc-fixed",
            Frontend::Sww => "sww",
        }
    }

    /// (samples per frame, samples per hop).
    pub fn framing(self) -> (usize, usize) {
        match self {
            Frontend::Sww => (tinyml_audio::sww::SWW_WINDOW, tinyml_audio::sww::SWW_STRIDE),
            _ => (FRAME_SAMPLES, HOP_SAMPLES),
        }
    }
}

/// Feature values, row-major [frames, width].
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// micro-speech.
    I8(Vec<i8>),
    /// MFCC.
    F32(Vec<f32>),
}

/// Features of a whole file.
#[derive(Clone, Debug, PartialEq)]
pub struct Features {
    /// Frames.
    pub frames: usize,
    /// Values per frame.
    pub width: usize,
    /// The values, [frames, width].
    pub values: Values,
    /// Samples in the file.
    pub samples: usize,
    /// sww only: the model's scores and the detections.
    pub stream: Option<sww::Stream>,
}

impl Features {
    /// Little-endian bytes of the values (as in the .npy).
    pub fn bytes(&self) -> Vec<u8> {
        match &self.values {
            Values::I8(v) => v.iter().map(|&b| b as u8).collect(),
            Values::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }

    /// FNV-1a 32 over [`Features::bytes`] (for micro-speech, what the kws example prints).
    pub fn fnv1a(&self) -> u32 {
        self.bytes().iter().fold(0x811c_9dc5, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
    }
}

/// Starts of the frames of `len` samples (a tail shorter than a hop is dropped).
fn frame_starts(len: usize) -> impl Iterator<Item = usize> {
    (0..(len + 1).saturating_sub(FRAME_SAMPLES)).step_by(HOP_SAMPLES)
}

fn frame(samples: &[i16], start: usize) -> &[i16; FRAME_SAMPLES] {
    samples[start..start + FRAME_SAMPLES].try_into().expect("frame_starts keeps frames inside")
}

/// The MFCCs of `samples` (f32 or fixed point shown as f32).
pub fn mfcc(samples: &[i16], fixed: bool) -> Features {
    let (mut f, mut q) = (MfccF32::new(), MfccFixed::new());
    let mut values = Vec::new();
    for start in frame_starts(samples.len()) {
        if fixed {
            let (mut lm, mut c) = ([0i32; MEL_BANDS], [0i32; MFCC_COEFFS]);
            q.process_frame(frame(samples, start), &mut lm, &mut c);
            values.extend(c.iter().map(|&v| fixed_to_f32(v)));
        } else {
            let (mut lm, mut c) = ([0f32; MEL_BANDS], [0f32; MFCC_COEFFS]);
            f.process_frame(frame(samples, start), &mut lm, &mut c);
            values.extend_from_slice(&c);
        }
    }
    Features {
        frames: values.len() / MFCC_COEFFS,
        width: MFCC_COEFFS,
        values: Values::F32(values),
        samples: samples.len(),
        stream: None,
    }
}

/// Runs the micro_speech front end over `samples` (one front end for the whole file, so
/// the noise estimate carries from frame to frame); a tail shorter than a hop is dropped.
pub fn micro_speech(samples: &[i16]) -> Features {
    let mut fe = MicroFrontend::new();
    let mut values = Vec::new();
    for start in frame_starts(samples.len()) {
        let mut out = [0i8; FEATURES];
        fe.process_frame(frame(samples, start), &mut out);
        values.extend_from_slice(&out);
    }
    Features {
        frames: values.len() / FEATURES,
        width: FEATURES,
        values: Values::I8(values),
        samples: samples.len(),
        stream: None,
    }
}

/// The streaming-wakeword features of `samples` (stride by stride from zero history, as
/// the reference; a tail shorter than a stride is dropped) and the model's scores and
/// detections on them.
pub fn sww(samples: &[i16], model: &[u8]) -> anyhow::Result<Features> {
    let stream = sww::run(samples, model)?;
    Ok(Features {
        frames: stream.scores.len(),
        width: tinyml_audio::sww::SWW_BANDS,
        values: Values::I8(stream.features.clone()),
        samples: samples.len(),
        stream: Some(stream),
    })
}

/// The samples of a 16 kHz 16-bit WAV that is mono or has all channels equal (the first is
/// taken); other files get `read_mono`'s error, which says what to do.
pub fn read_samples(path: &Path) -> anyhow::Result<Vec<i16>> {
    use tinyml_compiler::formats::wav;
    match wav::read_mono(path, 16_000) {
        Err(wav::WavError::Channels { found }) => {
            let w = wav::parse(&std::fs::read(path)?)?;
            let c = usize::from(found);
            let frames = w.samples.chunks_exact(c);
            if frames.clone().all(|f| f.iter().all(|&s| s == f[0])) {
                Ok(frames.map(|f| f[0]).collect())
            } else {
                Err(wav::WavError::Channels { found }.into())
            }
        }
        other => Ok(other?),
    }
}

impl Cmd {
    /// Reads the WAV and computes the features; errors say what is wrong with the file.
    pub fn compute(&self) -> anyhow::Result<Features> {
        let samples =
            read_samples(&self.wav).with_context(|| format!("cannot use `{}` as audio input", self.wav.display()))?;
        let (frame, hop) = self.frontend.framing();
        // sww starts from zero history, so one stride gives a frame.
        let needed = if self.frontend == Frontend::Sww { hop } else { frame };
        if samples.len() < needed {
            anyhow::bail!(
                "`{}` holds {} samples ({:.1} ms); the front end needs at least {needed} ({} ms) for one frame",
                self.wav.display(),
                samples.len(),
                samples.len() as f64 / 16.0,
                needed / 16
            );
        }
        Ok(match self.frontend {
            Frontend::MicroSpeech => micro_speech(&samples),
            Frontend::Mfcc => mfcc(&samples, false),
            Frontend::MfccFixed => mfcc(&samples, true),
            Frontend::Sww => {
                let model = match &self.model {
                    Some(p) => std::fs::read(p).with_context(|| format!("cannot read model `{}`", p.display()))?,
                    None => crate::project::examples::Example::Wakeword.model().to_vec(),
                };
                sww(&samples, &model)?
            }
        })
    }

    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let f = self.compute()?;
        if let Some(out) = &self.out {
            let dtype = if matches!(f.values, Values::I8(_)) { DType::I8 } else { DType::F32 };
            let array = NpyArray::new(dtype, vec![f.frames, f.width], f.bytes())?;
            std::fs::write(out, npy::write(&array)).with_context(|| format!("cannot write `{}`", out.display()))?;
        }
        if self.json {
            let (frame, hop) = self.frontend.framing();
            let mut value = serde_json::json!({
                "wav": self.wav.display().to_string(),
                "frontend": self.frontend.name(),
                "sample_rate": 16_000,
                "samples": f.samples,
                "frame_samples": frame,
                "hop_samples": hop,
                "frames": f.frames,
                "features_per_frame": f.width,
                "dtype": if matches!(f.values, Values::I8(_)) { "int8" } else { "float32" },
                "fnv1a": f.fnv1a(),
                "features": rows(&f),
            });
            if let Some(s) = &f.stream {
                value["threshold_q"] = serde_json::json!(s.threshold_q);
                value["scores"] = serde_json::json!(s.scores);
                value["detections"] = s
                    .detections
                    .iter()
                    .map(|d| serde_json::json!({"hop": d.hop, "time_ms": d.time_ms, "score": d.score}))
                    .collect();
            }
            println!("{value}");
        } else {
            print!("{}", summary(&self, &f));
        }
        Ok(ExitCode::SUCCESS)
    }
}

fn rows(f: &Features) -> Vec<serde_json::Value> {
    match &f.values {
        Values::I8(v) => v.chunks(f.width).map(|r| serde_json::json!(r)).collect(),
        Values::F32(v) => v.chunks(f.width).map(|r| serde_json::json!(r)).collect(),
    }
}

fn summary(cmd: &Cmd, f: &Features) -> String {
    let mut s = String::new();
    let kind = match f.values {
        Values::I8(_) => "int8",
        Values::F32(_) => "float32",
    };
    let _ = writeln!(
        s,
        "{}: {} samples ({:.0} ms) -> {} frames x {} {kind} features ({}), fnv1a {:#010x}",
        cmd.wav.display(),
        f.samples,
        f.samples as f64 / 16.0,
        f.frames,
        f.width,
        cmd.frontend.name(),
        f.fnv1a()
    );
    for (i, row) in rows(f).iter().take(3).enumerate() {
        let _ = writeln!(s, "frame {i}: {row}");
    }
    if let Some(stream) = &f.stream {
        for d in &stream.detections {
            let _ = writeln!(
                s,
                "detected \"marvin\" at {}.{:03} s (stride {}, score {} > {})",
                d.time_ms / 1000,
                d.time_ms % 1000,
                d.hop,
                d.score,
                stream.threshold_q
            );
        }
        let _ = writeln!(s, "{} detections in {} strides", stream.detections.len(), stream.scores.len());
    }
    if let Some(out) = &cmd.out {
        let _ = writeln!(s, "wrote {}", out.display());
    }
    s
}
