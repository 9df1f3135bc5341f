//! Running a compiled model on the host against TFLM: seeded random inputs and the
//! byte-for-byte comparison, one table row per check.

use std::path::Path;

use super::{diff, run_slices, tflm_batch, Rng};
use tinyml_compiler::formats::npy::NpyArray;
use tinyml_compiler::graph::DType;
use tinyml_compiler::Program;

/// `runs` inputs for model input `k`, stacked along a leading axis.
pub fn random_inputs(program: &Program, runs: usize, seed: u64) -> Vec<NpyArray> {
    let g = &program.graph;
    g.inputs
        .iter()
        .enumerate()
        .map(|(k, &t)| {
            let tensor = &g.tensors[t];
            let mut rng = Rng(seed ^ ((k as u64) << 32));
            let mut data = rng.bytes(runs * tensor.bytes());
            if tensor.dtype == DType::F32 {
                // Random bit patterns would include NaNs and huge values; use [-8, 8).
                for c in data.chunks_exact_mut(4) {
                    let v = (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * 16.0 - 8.0;
                    c.copy_from_slice(&v.to_le_bytes());
                }
            }
            let mut shape = vec![runs];
            shape.extend(&tensor.shape);
            NpyArray::new(tensor.dtype, shape, data).expect("sizes agree")
        })
        .collect()
}

/// Runs every run of `inputs` on the host and through TFLM; the row for the table.
pub fn check(
    py: &Path,
    model: &Path,
    program: &Program,
    label: &str,
    inputs: &[NpyArray],
    scratch: &Path,
) -> Vec<String> {
    let runs = inputs[0].shape[0];
    let row =
        |result: String, max: String, first: String| vec![label.to_string(), runs.to_string(), result, max, first];
    let expected = match tflm_batch(py, model, inputs, scratch) {
        Ok(e) => e,
        Err(e) => return row(format!("TFLM: {e}"), "-".into(), "-".into()),
    };
    let mut differing_runs = 0;
    let mut worst: f64 = 0.0;
    let mut first = None;
    for r in 0..runs {
        let slices = run_slices(inputs, r, runs);
        let ours = match program.run(&slices) {
            Ok(o) => o,
            Err(e) => return row(format!("run error (run {r}): {e}"), "-".into(), "-".into()),
        };
        if ours.len() != expected.len() {
            return row(format!("{} outputs, TFLM has {}", ours.len(), expected.len()), "-".into(), "-".into());
        }
        let mut differs = false;
        for (k, (got, want)) in ours.iter().zip(&expected).enumerate() {
            let per = want.data.len() / runs;
            let want_run = &want.data[r * per..(r + 1) * per];
            if got.len() != want_run.len() || got.is_empty() {
                return row(
                    format!("output {k} has {} bytes, TFLM {}", got.len(), want_run.len()),
                    "-".into(),
                    "-".into(),
                );
            }
            if let Some(d) = diff(want.dtype, want_run, got) {
                differs = true;
                worst = worst.max(d.max_abs);
                if first.is_none() {
                    let (i, e, a) = d.first.unwrap_or_default();
                    first = Some(format!("run {r} output {k} [{i}] want {e} got {a} ({}/{} differ)", d.count, d.total));
                }
            }
        }
        differing_runs += differs as usize;
    }
    match first {
        None => row("bit-exact".into(), "0".into(), "-".into()),
        Some(f) => row(format!("MISMATCH in {differing_runs}/{runs} runs"), worst.to_string(), f),
    }
}
