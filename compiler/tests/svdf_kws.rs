//! End to end, a streaming keyword-spotting network of SVDF layers (SVDF -> SVDF ->
//! FULLY_CONNECTED -> SOFTMAX, int8 features in, int16 probabilities out, built by
//! `tools/oracle/svdf_kws.py`): compiled, then run on the host frame after frame on one
//! arena, so the two activation states carry over as in TFLM, whose streamed outputs
//! (one interpreter, no reset) every frame must equal byte for byte. Resetting the arena
//! must start the stream over: the first frames then give TFLM's first outputs again.

mod support;

use std::path::Path;
use std::process::Command;

use support::{check_oracle, oracle_dir, read_npy, skip, INSTALL_HINT};

/// Frames streamed: more than either layer's memory (10 and 6), so both states wrap.
const FRAMES: usize = 30;

fn generate(py: &Path, dir: &Path) -> Result<(), String> {
    let out = Command::new(py)
        .arg(oracle_dir().join("svdf_kws.py"))
        .arg(dir)
        .args(["--frames", &FRAMES.to_string()])
        .output()
        .map_err(|e| format!("cannot run svdf_kws.py: {e}"))?;
    if !out.status.success() {
        return Err(format!("svdf_kws.py failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(())
}

#[test]
fn svdf_kws_stream_matches_tflm_frame_by_frame() {
    let py = match check_oracle() {
        Ok(py) => py,
        Err(why) => return skip("svdf_kws", &why, INSTALL_HINT),
    };
    let dir = std::env::temp_dir().join(format!("tinyml-svdf-kws-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    generate(&py, &dir).unwrap();
    let model = std::fs::read(dir.join("model.tflite")).unwrap();
    let frames = read_npy(&dir.join("input_0.npy")).unwrap();
    let expected = read_npy(&dir.join("expected_0.npy")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    let program = tinyml_compiler::compile(&model, &Default::default()).expect("the SVDF KWS model compiles");
    let ops: Vec<&str> = program.steps.iter().map(|s| s.kernel.op_name()).collect();
    assert_eq!(ops, ["SVDF", "SVDF", "FULLY_CONNECTED", "SOFTMAX"]);
    assert_eq!(frames.shape[0], FRAMES);
    let (in_len, out_len) = (frames.data.len() / FRAMES, expected.data.len() / FRAMES);

    let mut arena = program.new_arena();
    let mut differ = Vec::new();
    for k in 0..FRAMES {
        let out = program.run_in(&mut arena, &[&frames.data[k * in_len..(k + 1) * in_len]]).expect("runs");
        if out[0] != expected.data[k * out_len..(k + 1) * out_len] {
            differ.push(k);
        }
    }
    assert!(differ.is_empty(), "frames {differ:?} of {FRAMES} differ from TFLM's streamed outputs");

    // The state matters: a frame run from the initial state (Program::run resets) gives
    // other outputs than the same frame late in the stream.
    let stateless = (1..FRAMES).filter(|&k| {
        let out = program.run(&[&frames.data[k * in_len..(k + 1) * in_len]]).expect("runs");
        out[0] != expected.data[k * out_len..(k + 1) * out_len]
    });
    assert!(stateless.count() > FRAMES / 2, "most frames should depend on the frames before them");

    program.reset(&mut arena);
    for k in 0..5 {
        let out = program.run_in(&mut arena, &[&frames.data[k * in_len..(k + 1) * in_len]]).expect("runs");
        assert_eq!(out[0], expected.data[k * out_len..(k + 1) * out_len], "frame {k} after reset");
    }
}
