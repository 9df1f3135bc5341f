//! `cargo tinyml features`: run an audio front end of the runtime on a WAV file on the
//! host, for inspection and for checking against a reference.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use tinyml_compiler::graph::DType;
use tinyml_compiler::npy::{self, NpyArray};
use tinyml_runtime::audio::{MicroFrontend, FEATURES, FRAME_SAMPLES, HOP_SAMPLES};

/// Compute an audio front end's features for a WAV file (host).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The WAV must be 16 kHz, mono, 16-bit integer PCM (what the front ends take). Anything else
is refused with what the file holds; convert with sox:
  sox in.wav -r 16000 -c 1 -b 16 -e signed-integer out.wav

Frames are 30 ms (480 samples) every 20 ms (320 samples), as TFLM's micro_speech does; the
features are the bytes tinyml-runtime computes on the device, equal to TFLM's
audio_preprocessor_int8.tflite byte for byte.

Examples:
  cargo tinyml features yes.wav --frontend micro-speech --out yes.npy   # int8 [frames, 40]
  cargo tinyml features yes.wav --json | jq '.frames'")]
pub struct Cmd {
    /// The WAV file.
    pub wav: PathBuf,
    /// The front end.
    #[arg(long, value_enum, default_value = "micro-speech")]
    pub frontend: Frontend,
    /// Write the features as .npy (int8 [frames, 40] for micro-speech).
    #[arg(long, value_name = "FEATS.npy")]
    pub out: Option<PathBuf>,
    /// Print the features as JSON on stdout instead of a summary.
    #[arg(long)]
    pub json: bool,
}

/// An audio front end of tinyml-runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Frontend {
    /// TFLM micro_speech: 40 int8 features per 20 ms hop (`tinyml_runtime::audio`).
    MicroSpeech,
}

/// Features of a whole file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Features {
    /// One row per frame.
    pub frames: Vec<[i8; FEATURES]>,
    /// Samples in the file.
    pub samples: usize,
}

impl Features {
    /// FNV-1a 32 over all feature bytes in frame order (what the kws example prints).
    pub fn fnv1a(&self) -> u32 {
        self.frames.iter().flatten().fold(0x811c_9dc5, |h, &b| (h ^ u32::from(b as u8)).wrapping_mul(0x0100_0193))
    }
}

/// Runs the micro_speech front end over `samples` (one front end for the whole file, so
/// the noise estimate carries from frame to frame); a tail shorter than a hop is dropped.
pub fn micro_speech(samples: &[i16]) -> Features {
    let mut fe = MicroFrontend::new();
    let mut frames = Vec::new();
    let mut start = 0;
    while start + FRAME_SAMPLES <= samples.len() {
        let mut out = [0i8; FEATURES];
        let frame: &[i16; FRAME_SAMPLES] = samples[start..start + FRAME_SAMPLES].try_into().expect("480 samples");
        fe.process_frame(frame, &mut out);
        frames.push(out);
        start += HOP_SAMPLES;
    }
    Features { frames, samples: samples.len() }
}

impl Cmd {
    /// Reads the WAV and computes the features; errors say what is wrong with the file.
    pub fn compute(&self) -> anyhow::Result<Features> {
        let samples = tinyml_compiler::wav::read_mono(&self.wav, 16_000)
            .with_context(|| format!("cannot use `{}` as audio input", self.wav.display()))?;
        if samples.len() < FRAME_SAMPLES {
            anyhow::bail!(
                "`{}` holds {} samples ({:.1} ms); the front end needs at least {FRAME_SAMPLES} (30 ms) for one frame",
                self.wav.display(),
                samples.len(),
                samples.len() as f64 / 16.0
            );
        }
        Ok(match self.frontend {
            Frontend::MicroSpeech => micro_speech(&samples),
        })
    }

    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let f = self.compute()?;
        if let Some(out) = &self.out {
            let data: Vec<u8> = f.frames.iter().flatten().map(|&v| v as u8).collect();
            let array = NpyArray::new(DType::I8, vec![f.frames.len(), FEATURES], data)?;
            std::fs::write(out, npy::write(&array)).with_context(|| format!("cannot write `{}`", out.display()))?;
        }
        if self.json {
            let value = serde_json::json!({
                "wav": self.wav.display().to_string(),
                "frontend": "micro-speech",
                "sample_rate": 16_000,
                "samples": f.samples,
                "frame_samples": FRAME_SAMPLES,
                "hop_samples": HOP_SAMPLES,
                "frames": f.frames.len(),
                "features_per_frame": FEATURES,
                "dtype": "int8",
                "fnv1a": f.fnv1a(),
                "features": f.frames.iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
            });
            println!("{value}");
        } else {
            print!("{}", summary(&self, &f));
        }
        Ok(ExitCode::SUCCESS)
    }
}

fn summary(cmd: &Cmd, f: &Features) -> String {
    let mut s = String::new();
    let (min, max) = f.frames.iter().flatten().fold((i8::MAX, i8::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let _ = writeln!(
        s,
        "{}: {} samples ({:.0} ms) -> {} frames x {FEATURES} int8 features (micro-speech), range {min}..={max}, fnv1a {:#010x}",
        cmd.wav.display(),
        f.samples,
        f.samples as f64 / 16.0,
        f.frames.len(),
        f.fnv1a()
    );
    for (i, row) in f.frames.iter().take(3).enumerate() {
        let _ = writeln!(s, "frame {i}: {row:?}");
    }
    if let Some(out) = &cmd.out {
        let _ = writeln!(s, "wrote {}", out.display());
    }
    s
}
