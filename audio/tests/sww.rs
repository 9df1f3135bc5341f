//! The streaming-wakeword front end of `tinyml-audio` (`sww`) against the reference
//! submission's arrays (`tests/data/mlperf-tiny/streaming_wakeword/reference_data`) and the
//! float64 numpy implementation `tools/oracle/sww_frontend.py`. Tolerances and why:
//! `docs/audio.md` ("Streaming wakeword").

use std::path::{Path, PathBuf};

use serde_json::Value;
use tinyml_audio::sww::tables::{HAMMING_1024, MEL_LENS, MEL_PACKED, MEL_STARTS};
use tinyml_audio::sww::{quantize, SwwFrontend, SWW_BANDS, SWW_STRIDE};
use tinyml_compiler::formats::npy::{self, NpyArray};
use tinyml_compiler::graph::DType;

mod support;

use support::{run_python_script, wav_samples, write_i16_npy};

/// str_ww_ref_model.tflite's input scale (zero point -128).
const INPUT_SCALE: f32 = 0.003_701_042_6;
/// Largest |feature - float64 feature| allowed (features are in [0, 1]; one int8 step of
/// the model input is 0.0037; measured worst 1.6e-6, docs/audio.md).
const FEATURE_TOLERANCE: f64 = 1e-5;

fn data() -> PathBuf {
    support::shared_models().join("mlperf-tiny/streaming_wakeword")
}

fn read_npy(path: &Path) -> NpyArray {
    npy::read(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

fn f32s(a: &NpyArray) -> Vec<f32> {
    assert_eq!(a.dtype, DType::F32);
    a.data.chunks(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect()
}

fn i32s(a: &NpyArray) -> Vec<i32> {
    assert_eq!(a.dtype, DType::I32);
    a.data.chunks(4).map(|b| i32::from_le_bytes(b.try_into().unwrap())).collect()
}

fn i16s(a: &NpyArray) -> Vec<i16> {
    assert_eq!(a.dtype, DType::I16);
    a.data.chunks(2).map(|b| i16::from_le_bytes(b.try_into().unwrap())).collect()
}

/// Features of `samples`, stride by stride from a fresh front end: (floats, int8).
fn features(samples: &[i16]) -> (Vec<f32>, Vec<i8>) {
    let mut fe = SwwFrontend::new();
    let (mut f, mut q) = (Vec::new(), Vec::new());
    for stride in samples.chunks_exact(SWW_STRIDE) {
        let (mut out, mut qo) = ([0.0; SWW_BANDS], [0; SWW_BANDS]);
        fe.process_stride(stride.try_into().unwrap(), &mut out);
        quantize(&out, INPUT_SCALE, &mut qo);
        f.extend_from_slice(&out);
        q.extend_from_slice(&qo);
    }
    (f, q)
}

fn oracle(audio: &Path) -> Option<Value> {
    let out = run_python_script("tools/oracle/sww_frontend.py", &["features".as_ref(), audio.as_os_str()])?;
    Some(serde_json::from_slice(&out).unwrap())
}

#[test]
fn tables_are_the_reference_arrays_bit_for_bit() {
    let r = data().join("reference_data");
    let win = f32s(&read_npy(&r.join("hamm_win_1024.npy")));
    assert!(win.iter().zip(HAMMING_1024.iter()).all(|(a, b)| a.to_bits() == b.to_bits()));
    let packed = f32s(&read_npy(&r.join("lin2mel_packed_513x40.npy")));
    assert_eq!(packed.len(), MEL_PACKED.len());
    assert!(packed.iter().zip(MEL_PACKED.iter()).all(|(a, b)| a.to_bits() == b.to_bits()));
    let starts = i32s(&read_npy(&r.join("lin2mel_513x40_filter_starts.npy")));
    let lens = i32s(&read_npy(&r.join("lin2mel_513x40_filter_lens.npy")));
    assert_eq!(starts, MEL_STARTS.map(i32::from));
    assert_eq!(lens, MEL_LENS.map(i32::from));
}

/// Clips: the reference's `test_wav_marvin`, the two MLPerf WAVs, and synthetic ones
/// (full-scale chirp, -60 dBFS noise, a quiet tone on loud DC).
fn clips(dir: &Path) -> Vec<(String, PathBuf, Vec<i16>)> {
    let mut out = Vec::new();
    let marvin = data().join("reference_data/test_wav_marvin.npy");
    out.push(("test_wav_marvin".into(), marvin.clone(), i16s(&read_npy(&marvin))));
    for name in ["short_wav_easy10s", "marvin_617de221_0"] {
        let p = data().join(format!("{name}.wav"));
        let s = wav_samples(&p);
        out.push((name.into(), p, s));
    }
    let synthetic: [(&str, Vec<i16>); 3] =
        [("chirp", support::chirp()), ("quiet_noise", support::quiet_noise()), ("dc_tone", support::dc_tone())];
    for (name, s) in synthetic {
        let p = dir.join(format!("{name}.npy"));
        write_i16_npy(&p, &s);
        out.push((name.into(), p, s));
    }
    out
}

/// Float features within [`FEATURE_TOLERANCE`] of float64 numpy on every band of every
/// frame; int8 inputs equal except where the float64 value lies within that tolerance of
/// a truncation boundary (there, one step apart).
#[test]
fn features_match_the_float64_reference() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sww");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, path, samples) in clips(&dir) {
        let Some(want) = oracle(&path) else { return };
        let (f, q) = features(&samples);
        let frames = want["frames"].as_u64().unwrap() as usize;
        assert_eq!(frames * SWW_BANDS, f.len(), "{name}: frames");
        let wf: Vec<f64> = want["features"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap().clone())
            .map(|v| v.as_f64().unwrap())
            .collect();
        let wq: Vec<i64> = want["quantized"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap().clone())
            .map(|v| v.as_i64().unwrap())
            .collect();
        let (mut worst, mut at, mut off_by_one) = (0.0f64, 0, 0);
        for i in 0..f.len() {
            let e = (f64::from(f[i]) - wf[i]).abs();
            if e > worst {
                (worst, at) = (e, i);
            }
            let d = i64::from(q[i]) - wq[i];
            if d != 0 {
                // Only where float64's value / scale is within the tolerance of an integer.
                let x = wf[i] / f64::from(INPUT_SCALE);
                let near = (x - x.round()).abs() <= FEATURE_TOLERANCE / f64::from(INPUT_SCALE);
                assert!(d.abs() == 1 && near, "{name}: int8 {} vs {} at frame {} band {}", q[i], wq[i], i / 40, i % 40);
                off_by_one += 1;
            }
        }
        println!(
            "{name}: {frames} frames, max |feature error| {worst:.2e} (frame {}, band {}), int8 off by one: {off_by_one} of {}",
            at / SWW_BANDS,
            at % SWW_BANDS,
            f.len()
        );
        assert!(worst <= FEATURE_TOLERANCE, "{name}: feature error {worst} at frame {} band {}", at / 40, at % 40);
    }
}
