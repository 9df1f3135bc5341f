//! `cargo tinyml features`: run an audio front end of tinyml-audio on a WAV file on the
//! host, for inspection and for checking against a reference.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use tinyml_audio::mfcc::{fixed_to_f32, MfccF32, MfccFixed, MEL_BANDS, MFCC_COEFFS};
use tinyml_audio::{MicroFrontend, FEATURES, FRAME_SAMPLES, HOP_SAMPLES};
use tinyml_compiler::formats::npy::{self, NpyArray};
use tinyml_compiler::graph::DType;

/// Compute an audio front end's features for a WAV file (host).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The WAV must be 16 kHz, mono, 16-bit integer PCM (what the front ends take). Anything else
is refused with what the file holds; convert with sox:
  sox in.wav -r 16000 -c 1 -b 16 -e signed-integer out.wav

Frames are 30 ms (480 samples) every 20 ms (320 samples), as TFLM's micro_speech does; the
micro-speech features are the bytes tinyml-audio computes on the device, equal to TFLM's
audio_preprocessor_int8.tflite byte for byte. mfcc and mfcc-fixed are tinyml-audio's MFCC
front ends (MLPerf Tiny KWS: 10 coefficients per frame, float32 in the .npy; see
docs/audio.md).

Examples:
  cargo tinyml features yes.wav --frontend micro-speech --out yes.npy   # int8 [frames, 40]
  cargo tinyml features yes.wav --json | jq '.frames'")]
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
}

impl Frontend {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Frontend::MicroSpeech => "micro-speech",
            Frontend::Mfcc => "mfcc",
            Frontend::MfccFixed => "mfcc-fixed",
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
    Features { frames: values.len() / FEATURES, width: FEATURES, values: Values::I8(values), samples: samples.len() }
}

impl Cmd {
    /// Reads the WAV and computes the features; errors say what is wrong with the file.
    pub fn compute(&self) -> anyhow::Result<Features> {
        let samples = tinyml_compiler::formats::wav::read_mono(&self.wav, 16_000)
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
            Frontend::Mfcc => mfcc(&samples, false),
            Frontend::MfccFixed => mfcc(&samples, true),
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
            let value = serde_json::json!({
                "wav": self.wav.display().to_string(),
                "frontend": self.frontend.name(),
                "sample_rate": 16_000,
                "samples": f.samples,
                "frame_samples": FRAME_SAMPLES,
                "hop_samples": HOP_SAMPLES,
                "frames": f.frames,
                "features_per_frame": f.width,
                "dtype": if matches!(f.values, Values::I8(_)) { "int8" } else { "float32" },
                "fnv1a": f.fnv1a(),
                "features": rows(&f),
            });
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
    if let Some(out) = &cmd.out {
        let _ = writeln!(s, "wrote {}", out.display());
    }
    s
}
