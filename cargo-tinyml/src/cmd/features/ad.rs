//! `features --frontend ad`: the MLPerf Tiny AD front end of tinyml-audio (`admel`) on the
//! host, then the autoencoder (run by the compiler's host executor, the device's kernels)
//! on every 5-frame window and the anomaly score, as the `anomaly` example does on the
//! device.

use anyhow::Context as _;
use tinyml_audio::admel::{AdFrontend, AD_HOP};
use tinyml_audio::{AnomalyDetector, Quantization, AD_BANDS, AD_INPUT};
use tinyml_compiler::Program;

/// Scores above this are anomalies, per window and for a file's mean score: between the
/// shipped synthetic pair (normal windows 13.1 to 17.8, abnormal 21.6 to 36.2 with ad01)
/// and above MLPerf's ToyCar test windows (8.3 to 12.0). docs/audio.md.
pub const THRESHOLD: f32 = 20.0;

/// The anomaly scores of a whole file.
#[derive(Clone, Debug, PartialEq)]
pub struct Scores {
    /// One score per window of 5 frames (hop one frame), from the fifth frame on.
    pub windows: Vec<f32>,
    /// Mean of the window scores (MLPerf's per-file score).
    pub mean: f32,
    /// The threshold used.
    pub threshold: f32,
}

impl Scores {
    /// The file's verdict: its mean score is above the threshold.
    pub fn is_anomaly(&self) -> bool {
        self.mean > self.threshold
    }
}

fn scalar_quant(program: &Program, t: usize, what: &str) -> anyhow::Result<Quantization> {
    match program.graph.tensors[t].quant.as_ref().map(|q| (q.scale.as_slice(), q.zero_point.as_slice())) {
        Some(([s], [z])) => Ok(Quantization { scale: *s, zero_point: i32::try_from(*z)? }),
        _ => anyhow::bail!("the model's {what} is not quantized per tensor"),
    }
}

/// Log-mel frames of `samples` ([frames, 128] dB, hop by hop from zero history; a tail
/// shorter than a hop is dropped).
pub fn features(samples: &[i16]) -> Vec<f32> {
    let mut fe = AdFrontend::new();
    let mut values = Vec::with_capacity(samples.len() / AD_HOP * AD_BANDS);
    for hop in samples.chunks_exact(AD_HOP) {
        let mut out = [0.0; AD_BANDS];
        fe.process_hop(hop.try_into().expect("chunks_exact"), &mut out);
        values.extend_from_slice(&out);
    }
    values
}

/// Scores the 5-frame windows of `frames` ([frames, 128]) with `model` (an AD autoencoder:
/// int8 640 in, int8 640 out).
pub fn score(frames: &[f32], model: &[u8], threshold: f32) -> anyhow::Result<Scores> {
    let program = tinyml_compiler::compile(model, &Default::default()).context("cannot compile the AD model")?;
    let (input, output) = (program.graph.inputs[0], program.graph.outputs[0]);
    let (in_bytes, out_bytes) = (program.graph.tensors[input].bytes(), program.graph.tensors[output].bytes());
    anyhow::ensure!(
        in_bytes == AD_INPUT && out_bytes == AD_INPUT,
        "the model takes {in_bytes} bytes and gives {out_bytes}; the AD front end makes {AD_INPUT} (5 x 128 int8)"
    );
    let mut detector = AnomalyDetector::new(
        scalar_quant(&program, input, "input")?,
        scalar_quant(&program, output, "output")?,
        threshold,
    );
    let mut arena = tinyml_compiler::exec::AlignedBuf::new(program.plan.arena_bytes);
    let mut windows = Vec::new();
    for frame in frames.chunks_exact(AD_BANDS) {
        let got = detector
            .push_frame(frame.try_into().expect("chunks_exact"), |i, o| {
                let out = program.run_in(&mut arena, &[&i.map(|v| v as u8)])?;
                for (o, &b) in o.iter_mut().zip(&out[0]) {
                    *o = b as i8;
                }
                Ok::<(), tinyml_compiler::exec::ExecError>(())
            })
            .map_err(|e| anyhow::anyhow!("window {}: {e:?}", windows.len()))?;
        if let Some(s) = got {
            windows.push(s.score);
        }
    }
    // Summed in f32 in window order, as the example does on the device.
    let mean = if windows.is_empty() { 0.0 } else { windows.iter().sum::<f32>() / windows.len() as f32 };
    Ok(Scores { windows, mean, threshold })
}
