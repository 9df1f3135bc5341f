//! `features --frontend sww`: the streaming-wakeword pipeline of tinyml-audio on the host,
//! with the model run by the compiler's host executor (the device's kernels), so that
//! its detections are the firmware's.

use anyhow::Context as _;
use tinyml_audio::sww::{SwwConfig, SwwDetector, SwwPipeline, SWW_BANDS, SWW_CLASSES};
use tinyml_compiler::Program;

/// One detection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detection {
    /// Stride index (from 0).
    pub hop: u32,
    /// Stream time at the end of that stride, milliseconds.
    pub time_ms: u32,
    /// The wakeword's int8 score.
    pub score: i8,
}

/// The whole stream: features, scores and detections per 32 ms stride.
#[derive(Clone, Debug, PartialEq)]
pub struct Stream {
    /// int8 features, [strides, 40].
    pub features: Vec<i8>,
    /// int8 scores, one per stride: wakeword, silence, other.
    pub scores: Vec<[i8; SWW_CLASSES]>,
    /// New detections (threshold and debounce of [`SwwConfig::DEFAULT`]).
    pub detections: Vec<Detection>,
    /// The int8 score a stride must exceed.
    pub threshold_q: i32,
}

fn scalar_quant(program: &Program, t: usize, what: &str) -> anyhow::Result<(f32, i32)> {
    match program.graph.tensors[t].quant.as_ref().map(|q| (q.scale.as_slice(), q.zero_point.as_slice())) {
        Some(([s], [z])) => Ok((*s, i32::try_from(*z)?)),
        _ => anyhow::bail!("the model's {what} is not quantized per tensor"),
    }
}

/// Streams `samples` through the pipeline and `model` (a streaming-wakeword model: int8
/// input [1, 30, 1, 40], int8 output [1, 3]).
pub fn run(samples: &[i16], model: &[u8]) -> anyhow::Result<Stream> {
    let program = tinyml_compiler::compile(model, &Default::default()).context("cannot compile the wakeword model")?;
    let (input, output) = (program.graph.inputs[0], program.graph.outputs[0]);
    let (in_bytes, out_bytes) = (program.graph.tensors[input].bytes(), program.graph.tensors[output].bytes());
    anyhow::ensure!(
        in_bytes == tinyml_audio::sww::SWW_INPUT && out_bytes == SWW_CLASSES,
        "the model takes {in_bytes} bytes and gives {out_bytes}; the sww pipeline needs 1200 (30 x 40 int8) and 3"
    );
    let (in_scale, in_zp) = scalar_quant(&program, input, "input")?;
    anyhow::ensure!(in_zp == -128, "the model's input zero point is {in_zp}; the sww front end quantizes with -128");
    let (out_scale, out_zp) = scalar_quant(&program, output, "output")?;
    let detector = SwwDetector::new(SwwConfig::DEFAULT, out_scale, out_zp);
    let threshold_q = detector.threshold_q();
    let mut pipeline = SwwPipeline::new(in_scale, detector);
    let mut arena = tinyml_compiler::exec::AlignedBuf::new(program.plan.arena_bytes);
    let mut stream = Stream { features: Vec::new(), scores: Vec::new(), detections: Vec::new(), threshold_q };
    pipeline.push(
        samples,
        |window, scores| {
            let out = program.run_in(&mut arena, &[&window.map(|v| v as u8)])?;
            for (s, &b) in scores.iter_mut().zip(&out[0]) {
                *s = b as i8;
            }
            Ok::<(), tinyml_compiler::exec::ExecError>(())
        },
        |hop| {
            stream.features.extend_from_slice(hop.features);
            stream.scores.push(hop.scores);
            if hop.detected {
                stream.detections.push(Detection { hop: hop.hop, time_ms: hop.time_ms, score: hop.scores[0] });
            }
        },
    )?;
    debug_assert_eq!(stream.features.len(), stream.scores.len() * SWW_BANDS);
    Ok(stream)
}
