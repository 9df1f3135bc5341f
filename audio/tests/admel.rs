//! The MLPerf Tiny AD front end of `tinyml-audio` (`admel`) against the float64 numpy
//! port of librosa in `tools/oracle/ad_frontend.py`, and its tables against that script's
//! output. Tolerance and why: `docs/audio.md` ("Anomaly detection from raw audio").

use std::path::{Path, PathBuf};

use serde_json::Value;
use tinyml_audio::admel::{AdFrontend, AD_HOP};
use tinyml_audio::anomaly::{quantize, Quantization};
use tinyml_audio::AD_BANDS;

mod support;

use support::{run_python_script, wav_samples, workspace_root as workspace, write_i16_npy};

/// Largest |log-mel error| allowed, in dB, against float64, for bands at most
/// [`RANGE_DB`] below the loudest band of their frame (ad01's input step is 0.391 dB;
/// measured worst in docs/audio.md).
const TOLERANCE_DB: f64 = 0.01;
/// Below this distance from the frame's loudest band, [`TOLERANCE_DB`] holds.
const RANGE_DB: f64 = 90.0;
/// Largest error allowed further down: the f32 FFT's rounding noise, about 2^-24 of the
/// frame's amplitude spread over every bin, is no longer small against such a band (a
/// full-scale chirp reaches 0.12 dB 130 dB below its peak); librosa's float64 FFT does
/// not have it.
const DEEP_TOLERANCE_DB: f64 = 0.5;
/// ad01_int8.tflite's input quantization.
const AD01_INPUT: Quantization = Quantization { scale: 0.391_015_23, zero_point: 89 };

/// Log-mel frames of `samples`, hop by hop from a fresh front end.
fn features(samples: &[i16]) -> Vec<f32> {
    let mut fe = AdFrontend::new();
    let mut f = Vec::new();
    for hop in samples.chunks_exact(AD_HOP) {
        let mut out = [0.0; AD_BANDS];
        fe.process_hop(hop.try_into().unwrap(), &mut out);
        f.extend_from_slice(&out);
    }
    f
}

/// The committed tables are what `ad_frontend.py tables` writes (after `cargo fmt`, which
/// only moves line breaks: compared without whitespace).
#[test]
fn tables_are_the_scripts_output() {
    let Some(out) = run_python_script("tools/oracle/ad_frontend.py", &["tables".as_ref()]) else { return };
    // rustfmt adds a trailing comma where it breaks an array into lines.
    let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>().replace(",]", "]");
    let committed = std::fs::read_to_string(workspace().join("audio/src/admel/tables.rs")).unwrap();
    assert!(strip(&committed) == strip(&String::from_utf8(out).unwrap()), "regenerate audio/src/admel/tables.rs");
}

/// Clips: the example's synthetic machine pair, two speech/music recordings, and
/// synthetic ones (full-scale chirp, -60 dBFS noise).
fn clips(dir: &Path) -> Vec<(String, PathBuf, Vec<i16>)> {
    let mut out = Vec::new();
    let models = support::shared_models();
    for p in [
        workspace().join("templates/examples/anomaly/audio/machine_normal.wav"),
        workspace().join("templates/examples/anomaly/audio/machine_abnormal.wav"),
        models.join("mlperf-tiny/streaming_wakeword/short_wav_easy10s.wav"),
        models.join("tflite-micro/yes_1000ms.wav"),
    ] {
        let s = wav_samples(&p);
        out.push((p.file_stem().unwrap().to_string_lossy().into_owned(), p, s));
    }
    let synthetic: [(&str, Vec<i16>); 2] = [("chirp", support::chirp()), ("quiet_noise", support::quiet_noise())];
    for (name, s) in synthetic {
        let p = dir.join(format!("{name}.npy"));
        write_i16_npy(&p, &s);
        out.push((name.into(), p, s));
    }
    out
}

/// Every band of every frame within [`TOLERANCE_DB`] of float64 (deep bands within
/// [`DEEP_TOLERANCE_DB`]); the model's int8 inputs
/// equal except where the float64 value lies within the tolerance of a rounding boundary.
#[test]
fn features_match_the_float64_librosa_port() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("admel");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, path, samples) in clips(&dir) {
        let Some(out) = run_python_script("tools/oracle/ad_frontend.py", &["features".as_ref(), path.as_os_str()])
        else {
            return;
        };
        let want: Value = serde_json::from_slice(&out).unwrap();
        let f = features(&samples);
        let frames = want["frames"].as_u64().unwrap() as usize;
        assert_eq!(frames * AD_BANDS, f.len(), "{name}: frames");
        let wf: Vec<f64> = want["features"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap().clone())
            .map(|v| v.as_f64().unwrap())
            .collect();
        // Per band its allowed error: the frame's loudest band sets the range.
        let allowed: Vec<f64> = wf
            .chunks(AD_BANDS)
            .flat_map(|frame| {
                let peak = frame.iter().copied().fold(f64::MIN, f64::max);
                frame.iter().map(move |&v| if peak - v <= RANGE_DB { TOLERANCE_DB } else { DEEP_TOLERANCE_DB })
            })
            .collect();
        let (mut worst, mut at, mut worst_deep, mut at_deep) = (0.0f64, 0, 0.0f64, 0);
        for (i, (&got, &w)) in f.iter().zip(&wf).enumerate() {
            let e = (f64::from(got) - w).abs();
            assert!(e <= allowed[i], "{name}: error {e} dB at frame {} band {} ({w} dB)", i / AD_BANDS, i % AD_BANDS);
            if allowed[i] == TOLERANCE_DB && e > worst {
                (worst, at) = (e, i);
            } else if allowed[i] != TOLERANCE_DB && e > worst_deep {
                (worst_deep, at_deep) = (e, i);
            }
        }
        println!(
            "{name}: {frames} frames, max |log-mel error| {worst:.2e} dB (frame {}, band {}, {:.1} dB)",
            at / AD_BANDS,
            at % AD_BANDS,
            wf[at],
        );
        if worst_deep > 0.0 {
            println!(
                "{name}: more than {RANGE_DB} dB below the frame's peak: max error {worst_deep:.2e} dB (frame {}, band {}, {:.1} dB)",
                at_deep / AD_BANDS,
                at_deep % AD_BANDS,
                wf[at_deep]
            );
        }
        let (mut q, mut wq) = (vec![0i8; f.len()], vec![0i8; f.len()]);
        quantize(&f, AD01_INPUT, &mut q).unwrap();
        let wf32: Vec<f32> = wf.iter().map(|&v| v as f32).collect();
        quantize(&wf32, AD01_INPUT, &mut wq).unwrap();
        let mut off_by_one = 0;
        for i in 0..f.len() {
            if q[i] != wq[i] {
                let x = wf[i] / f64::from(AD01_INPUT.scale);
                let near = ((x - x.floor()) - 0.5).abs() <= allowed[i] / f64::from(AD01_INPUT.scale);
                assert!(
                    (i32::from(q[i]) - i32::from(wq[i])).abs() == 1 && near,
                    "{name}: int8 {} vs {} at frame {} band {}",
                    q[i],
                    wq[i],
                    i / AD_BANDS,
                    i % AD_BANDS
                );
                off_by_one += 1;
            }
        }
        println!("{name}: ad01 int8 inputs off by one: {off_by_one} of {}", f.len());
    }
}
