//! The MFCC front end of `tinyml-audio` (float and fixed point) against the float64
//! numpy reference `tools/audio/mfcc_reference.py`, written from the published
//! algorithm. Tolerances and their derivation: `docs/audio.md` ("MFCC accuracy").

use std::path::{Path, PathBuf};

use serde_json::Value;
use tinyml_audio::mfcc::{fixed_to_f32, MfccF32, MfccFixed, MEL_BANDS, MFCC_COEFFS, MFCC_FRAME, MFCC_HOP};

mod support;

use support::{run_python_script, skip};

fn models() -> PathBuf {
    support::shared_models().join("tflite-micro")
}

fn reference(wav: &Path) -> Option<Value> {
    let out = run_python_script("tools/audio/mfcc_reference.py", &[wav.as_os_str()])?;
    Some(serde_json::from_slice(&out).unwrap())
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// Synthetic clips beside the WAVs: a full-scale chirp, a quiet tone under loud DC,
/// and pseudo-random noise at -60 dBFS.
fn synthetic(dir: &Path) -> Vec<PathBuf> {
    let clips: [(&str, Vec<i16>); 3] =
        [("chirp", support::chirp()), ("dc_tone", support::dc_tone()), ("quiet_noise", support::quiet_noise())];
    clips
        .iter()
        .map(|(name, samples)| {
            let p = dir.join(format!("{name}.wav"));
            std::fs::write(&p, tinyml_compiler::formats::wav::write(16_000, 1, samples)).unwrap();
            p
        })
        .collect()
}

#[test]
fn mfcc_matches_the_float64_reference_within_the_stated_bounds() {
    let dir = std::env::temp_dir().join(format!("tinyml-mfcc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut wavs: Vec<PathBuf> =
        ["yes", "no", "silence", "noise"].iter().map(|n| models().join(format!("{n}_1000ms.wav"))).collect();
    if !wavs[0].exists() {
        return skip(&format!("{} not found", wavs[0].display()));
    }
    wavs.extend(synthetic(&dir));
    let (mut worst_f, mut worst_q, mut worst_cf, mut worst_cq) = (0f64, 0f64, 0f64, 0f64);
    let (mut loud_f, mut loud_q) = (0f64, 0f64);
    for wav in &wavs {
        let Some(want) = reference(wav) else { return };
        let samples = tinyml_compiler::formats::wav::read_mono(wav, 16_000).unwrap();
        let weights = floats(&want["band_weight_sums"]);
        let (mut f, mut q) = (MfccF32::new(), MfccFixed::new());
        for (t, start) in (0..=samples.len() - MFCC_FRAME).step_by(MFCC_HOP).enumerate() {
            let frame: &[i16; MFCC_FRAME] = samples[start..start + MFCC_FRAME].try_into().unwrap();
            let (mut lf, mut cf) = ([0f32; MEL_BANDS], [0f32; MFCC_COEFFS]);
            f.process_frame(frame, &mut lf, &mut cf);
            let (mut lq, mut cq) = ([0i32; MEL_BANDS], [0i32; MFCC_COEFFS]);
            q.process_frame(frame, &mut lq, &mut cq);
            // The frame's windowed L1 norm bounds every |X_k|.
            let l1: f64 = frame.iter().map(|&s| f64::from(s).abs() / 32768.0).sum();
            let mel = floats(&want["mel"][t]);
            let log_mel = floats(&want["log_mel"][t]);
            let mfcc = floats(&want["mfcc"][t]);
            let (mut sum_bf, mut sum_bq) = (0.0, 0.0);
            for m in 0..MEL_BANDS {
                let denom = mel[m] + 1e-6;
                // float: FFT rounding <= 2 * 9 steps * eps32 * L1 per bin (microfft's real FFT:
                // 8 radix-2 stages on 256 complex points and one recombination step).
                let bf = weights[m] * 18.0 * f64::from(f32::EPSILON) * l1 / denom + 1e-6 * (1.0 + log_mel[m].abs());
                // fixed: <= 3 LSB of Q30 x 512 per bin (FFT) + 1 (sqrt); relative 2^-24 (weights),
                // 2e-6 (log table), 2^-20 (Q20 output), 1e-6 (Q24 log2 before the ln 2 product).
                let bq = weights[m] * 4.0 * 512.0 / f64::from(1u32 << 30) / denom + 1e-7 + 2e-6 + 1e-6 + 1e-6;
                let ef = (f64::from(lf[m]) - log_mel[m]).abs();
                let eq = (f64::from(fixed_to_f32(lq[m])) - log_mel[m]).abs();
                assert!(
                    ef <= bf,
                    "{}: frame {t} band {m}: float {} vs {} (bound {bf:e})",
                    wav.display(),
                    lf[m],
                    log_mel[m]
                );
                assert!(
                    eq <= bq,
                    "{}: frame {t} band {m}: fixed {} vs {} (bound {bq:e})",
                    wav.display(),
                    fixed_to_f32(lq[m]),
                    log_mel[m]
                );
                worst_f = worst_f.max(ef);
                worst_q = worst_q.max(eq);
                if mel[m] >= 1e-3 {
                    loud_f = loud_f.max(ef);
                    loud_q = loud_q.max(eq);
                }
                sum_bf += bf;
                sum_bq += bq;
            }
            // DCT rows are bounded by sqrt(2/40) per band, plus rounding.
            let s = (2.0f64 / 40.0).sqrt();
            for k in 0..MFCC_COEFFS {
                let ef = (f64::from(cf[k]) - mfcc[k]).abs();
                let eq = (f64::from(fixed_to_f32(cq[k])) - mfcc[k]).abs();
                assert!(
                    ef <= s * sum_bf + 1e-5 * (1.0 + mfcc[k].abs()),
                    "{}: frame {t} c{k}: float {} vs {}",
                    wav.display(),
                    cf[k],
                    mfcc[k]
                );
                assert!(
                    eq <= s * sum_bq + 2e-6,
                    "{}: frame {t} c{k}: fixed {} vs {}",
                    wav.display(),
                    fixed_to_f32(cq[k]),
                    mfcc[k]
                );
                worst_cf = worst_cf.max(ef);
                worst_cq = worst_cq.max(eq);
            }
        }
    }
    println!(
        "worst |error|: log-mel float {worst_f:e}, fixed {worst_q:e}; mfcc float {worst_cf:e}, fixed {worst_cq:e}"
    );
    println!("worst |error| of log-mel where mel >= 1e-3: float {loud_f:e}, fixed {loud_q:e}");
    let _ = std::fs::remove_dir_all(&dir);
}
