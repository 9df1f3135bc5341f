//! `cargo tinyml validate`: run the compiled model on the host and compare it with a
//! reference (the TFLM interpreter, or saved outputs).

use crate::common::{compile_model, MemoryArgs};
use crate::python;
use anyhow::{bail, Context};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use tinyml_compiler::formats::npy::{self, NpyArray};
use tinyml_compiler::graph::{DType, Tensor};
use tinyml_compiler::Program;

/// Arguments of `cargo tinyml validate`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  cargo tinyml validate model.tflite                       # TFLM on the deterministic test input
  cargo tinyml validate model.tflite --inputs x.npy        # x: one input, or [N, ...] for N samples
  cargo tinyml validate model.tflite --reference out.npy   # saved expected outputs
  cargo tinyml validate model.tflite --save-outputs y.npy --json

Metrics are computed on dequantized values; `identical` compares bytes. The TFLM reference
needs Python with `tflite-micro` (set TINYML_PYTHON, or create .venv as scripts/test does).
Exit codes: 0 within the thresholds, 1 outside them or an error, 2 usage.")]
pub struct Cmd {
    /// The .tflite model.
    pub model: PathBuf,
    /// Arena bytes against instructions.
    #[command(flatten)]
    pub memory: MemoryArgs,
    /// Where to run the compiled model (only `host` for now; emulated boards run through
    /// `cargo tinyml run`).
    #[arg(long, default_value = "host")]
    pub board: String,
    /// Input .npy files, one per model input, of the input's type (float32 is quantized
    /// with the input's scale and zero point); a leading extra dimension holds several
    /// samples. Default: the deterministic test input.
    #[arg(long = "inputs", num_args = 1..)]
    pub inputs: Vec<PathBuf>,
    /// `tflite-micro` (run the TFLM reference interpreter) or a .npy of expected outputs
    /// (output 0, with the samples' leading dimension).
    #[arg(long, default_value = "tflite-micro")]
    pub reference: String,
    /// Save the compiled model's output 0 (all samples) to this .npy file.
    #[arg(long)]
    pub save_outputs: Option<PathBuf>,
    /// Largest accepted absolute error, in quantization steps (0: bit-exact).
    #[arg(long, default_value_t = 0)]
    pub tolerance: u32,
    /// Smallest accepted cosine similarity.
    #[arg(long, default_value_t = 0.999)]
    pub min_cosine: f64,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// Agreement between the compiled model and the reference, over all samples.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Metrics {
    /// Samples compared.
    pub samples: usize,
    /// Largest absolute difference in quantization steps.
    pub max_abs_error_steps: u64,
    /// Largest absolute difference, dequantized.
    pub max_abs_error: f64,
    /// Mean absolute difference, dequantized.
    pub mean_abs_error: f64,
    /// ||ours - ref|| / ||ref||.
    pub relative_l2_error: f64,
    /// cos(ours, ref).
    pub cosine_similarity: f64,
    /// Fraction of samples whose argmax agrees.
    pub top1_agreement: f64,
    /// Whether every byte is equal.
    pub identical: bool,
}

/// Values of a raw tensor as (integer steps, dequantized).
fn values(t: &Tensor, bytes: &[u8]) -> Vec<(f64, f64)> {
    let (scale, zp) = t.scale_zp().map(|(s, z)| (s as f64, z as f64)).unwrap_or((1.0, 0.0));
    let scale = if scale == 0.0 { 1.0 } else { scale };
    let raw: Vec<f64> = match t.dtype {
        DType::I8 => bytes.iter().map(|&b| b as i8 as f64).collect(),
        DType::U8 | DType::Bool => bytes.iter().map(|&b| b as f64).collect(),
        DType::I16 => bytes.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]]) as f64).collect(),
        DType::I32 => bytes.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect(),
        DType::U32 => bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect(),
        DType::F32 => {
            return bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64)
                .map(|v| (v, v))
                .collect()
        }
        DType::I64 | DType::U64 => {
            bytes.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap()) as f64).collect()
        }
    };
    raw.into_iter().map(|q| (q, scale * (q - zp))).collect()
}

/// Compares per-sample outputs of one tensor.
pub fn compare(t: &Tensor, ours: &[Vec<u8>], reference: &[Vec<u8>]) -> Metrics {
    let mut m = Metrics { samples: ours.len(), identical: true, ..Default::default() };
    let (mut sum_abs, mut n, mut diff2, mut ref2, mut our2, mut dot, mut top1) =
        (0.0, 0usize, 0.0, 0.0, 0.0, 0.0, 0usize);
    for (a, b) in ours.iter().zip(reference) {
        m.identical &= a == b;
        let (va, vb) = (values(t, a), values(t, b));
        let argmax = |v: &[(f64, f64)]| {
            v.iter().enumerate().fold((0, f64::MIN), |best, (i, x)| if x.0 > best.1 { (i, x.0) } else { best }).0
        };
        top1 += (argmax(&va) == argmax(&vb)) as usize;
        for (x, y) in va.iter().zip(&vb) {
            m.max_abs_error_steps = m.max_abs_error_steps.max((x.0 - y.0).abs() as u64);
            let d = (x.1 - y.1).abs();
            m.max_abs_error = m.max_abs_error.max(d);
            sum_abs += d;
            n += 1;
            diff2 += d * d;
            ref2 += y.1 * y.1;
            our2 += x.1 * x.1;
            dot += x.1 * y.1;
        }
    }
    m.mean_abs_error = if n > 0 { sum_abs / n as f64 } else { 0.0 };
    m.relative_l2_error = if ref2 > 0.0 { (diff2 / ref2).sqrt() } else { diff2.sqrt() };
    m.cosine_similarity = if ref2 > 0.0 && our2 > 0.0 {
        dot / (ref2.sqrt() * our2.sqrt())
    } else if diff2 == 0.0 {
        1.0
    } else {
        0.0
    };
    m.top1_agreement = if ours.is_empty() { 1.0 } else { top1 as f64 / ours.len() as f64 };
    m
}

/// Splits an .npy array into samples of `t`: the array is one sample of `t`'s shape or
/// several along a leading dimension. float32 data for a quantized tensor is quantized
/// with the tensor's scale and zero point.
pub fn samples_of(arr: &NpyArray, t: &Tensor, what: &str) -> anyhow::Result<Vec<Vec<u8>>> {
    if arr.dtype == DType::F32 && t.dtype != DType::F32 {
        // Float data for a quantized tensor: quantize it with the tensor's own scale and
        // zero point, as the converter does.
        let values: Vec<f32> =
            arr.data.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes"))).collect();
        let data = crate::model_io::quantize(&values, t).ok_or_else(|| {
            anyhow::anyhow!(
                "{what} holds float32 values and the model's tensor '{}' is {} without one scale and zero point to quantize them with",
                t.name,
                t.dtype.tflite_name()
            )
        })?;
        let quantized = NpyArray { dtype: t.dtype, shape: arr.shape.clone(), data };
        return samples_of(&quantized, t, what);
    }
    if arr.dtype != t.dtype {
        bail!(
            "{what} has type {}, the model's tensor '{}' is {}",
            arr.dtype.tflite_name(),
            t.name,
            t.dtype.tflite_name()
        );
    }
    let one = t.bytes();
    if one == 0 || !arr.data.len().is_multiple_of(one) {
        bail!("{what} has shape {:?}, which is not a whole number of the model's {:?}", arr.shape, t.shape);
    }
    Ok(arr.data.chunks(one).map(<[u8]>::to_vec).collect())
}

fn run_host(program: &Program, samples: &[Vec<Vec<u8>>]) -> anyhow::Result<Vec<Vec<Vec<u8>>>> {
    // A bar for many samples (one sample takes well under a second).
    let bar =
        (samples.len() > 1).then(|| crate::progress::bar("Running the compiled model", samples.len() as u64)).flatten();
    let out = samples
        .iter()
        .map(|s| {
            let refs: Vec<&[u8]> = s.iter().map(Vec::as_slice).collect();
            let out = program.run(&refs).map_err(anyhow::Error::from);
            if let Some(pb) = &bar {
                pb.inc(1);
            }
            out
        })
        .collect();
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    out
}

#[derive(Serialize)]
struct JsonOut {
    model: String,
    board: String,
    reference: String,
    outputs: Vec<Metrics>,
    passed: bool,
}

impl Cmd {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        if self.board != "host" {
            bail!(
                "validate runs on `host` for now; to check `{}`, use `cargo tinyml run` in a project for that board",
                self.board
            );
        }
        let program = compile_model(&self.model, &self.memory)?;
        let g = &program.graph;
        // samples[s][k] = bytes of model input k for sample s.
        let samples: Vec<Vec<Vec<u8>>> = if self.inputs.is_empty() {
            let t = &g.tensors[g.inputs[0]];
            if g.inputs.len() != 1 {
                bail!("the model has {} inputs: pass one --inputs file per input", g.inputs.len());
            }
            vec![vec![tinyml_compiler::build::test_input_for(t.dtype, t.elements())]]
        } else {
            if self.inputs.len() != g.inputs.len() {
                bail!("the model has {} inputs, {} --inputs files given", g.inputs.len(), self.inputs.len());
            }
            let mut per_input = Vec::new();
            for (path, &t) in self.inputs.iter().zip(&g.inputs) {
                let raw = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
                let arr = npy::read(&raw).with_context(|| format!("{} is not a readable .npy file", path.display()))?;
                per_input.push(samples_of(&arr, &g.tensors[t], &path.display().to_string())?);
            }
            let n = per_input[0].len();
            if per_input.iter().any(|v| v.len() != n) {
                bail!("the --inputs files hold different numbers of samples");
            }
            (0..n).map(|s| per_input.iter().map(|v| v[s].clone()).collect()).collect()
        };
        let ours = run_host(&program, &samples)?;
        let out_t = &g.tensors[g.outputs[0]];
        if let Some(path) = &self.save_outputs {
            let data: Vec<u8> = ours.iter().flat_map(|o| o[0].clone()).collect();
            let mut shape = vec![ours.len()];
            shape.extend(&out_t.shape);
            std::fs::write(path, npy::write(&NpyArray { dtype: out_t.dtype, shape, data }))
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        // reference[s][k]
        let reference: Vec<Vec<Vec<u8>>> = if self.reference == "tflite-micro" {
            // One interpreter run for all samples: each input gets a leading axis of runs.
            let n = samples.len();
            let arrays: Vec<NpyArray> = g
                .inputs
                .iter()
                .enumerate()
                .map(|(k, &t)| {
                    let mut shape = vec![n];
                    shape.extend(&g.tensors[t].shape);
                    let data = samples.iter().flat_map(|s| s[k].iter().copied()).collect();
                    NpyArray { dtype: g.tensors[t].dtype, shape, data }
                })
                .collect();
            let spinner = crate::progress::spinner(&format!("Running the TFLM reference on {n} sample(s)"));
            let outs = python::reference_outputs(&self.model, &arrays, g.outputs.len(), true);
            if let Some(pb) = spinner {
                pb.finish_and_clear();
            }
            let outs = outs?;
            for (a, &t) in outs.iter().zip(&g.outputs) {
                if a.data.len() != n * g.tensors[t].bytes() {
                    bail!(
                        "the TFLM reference returned {:?} for output '{}', expected {n} samples",
                        a.shape,
                        g.tensors[t].name
                    );
                }
            }
            (0..n)
                .map(|s| {
                    outs.iter()
                        .zip(&g.outputs)
                        .map(|(a, &t)| {
                            let b = g.tensors[t].bytes();
                            a.data[s * b..(s + 1) * b].to_vec()
                        })
                        .collect()
                })
                .collect()
        } else {
            let path = PathBuf::from(&self.reference);
            let raw = std::fs::read(&path).with_context(|| format!("cannot read reference {}", path.display()))?;
            let arr = npy::read(&raw).with_context(|| format!("{} is not a readable .npy file", path.display()))?;
            let per = samples_of(&arr, out_t, &path.display().to_string())?;
            if per.len() != samples.len() {
                bail!("{} holds {} samples, {} were run", path.display(), per.len(), samples.len());
            }
            per.into_iter().map(|o| vec![o]).collect()
        };
        let n_out = if self.reference == "tflite-micro" { g.outputs.len() } else { 1 };
        let metrics: Vec<Metrics> = (0..n_out)
            .map(|k| {
                let t = &g.tensors[g.outputs[k]];
                let a: Vec<Vec<u8>> = ours.iter().map(|o| o[k].clone()).collect();
                let b: Vec<Vec<u8>> = reference.iter().map(|o| o[k].clone()).collect();
                compare(t, &a, &b)
            })
            .collect();
        let passed = metrics
            .iter()
            .all(|m| m.max_abs_error_steps <= self.tolerance as u64 && m.cosine_similarity >= self.min_cosine);
        if self.json {
            let out = JsonOut {
                model: self.model.display().to_string(),
                board: self.board.clone(),
                reference: self.reference.clone(),
                outputs: metrics,
                passed,
            };
            println!("{}", serde_json::to_string_pretty(&out)?);
        } else {
            println!("{} on {} vs {}: {} sample(s)", self.model.display(), self.board, self.reference, samples.len());
            for (k, m) in metrics.iter().enumerate() {
                println!(
                    "output {k}: identical={} max_abs={} steps ({:.6}) mean_abs={:.6} rel_l2={:.3e} cosine={:.6} top1={:.3}",
                    m.identical, m.max_abs_error_steps, m.max_abs_error, m.mean_abs_error, m.relative_l2_error, m.cosine_similarity, m.top1_agreement
                );
            }
            println!("{}", if passed { "PASS" } else { "FAIL: outside the thresholds (--tolerance, --min-cosine)" });
        }
        Ok(if passed { ExitCode::SUCCESS } else { ExitCode::from(1) })
    }
}
