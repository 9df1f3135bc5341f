//! The first end-to-end check: hello_world_int8 (three FULLY_CONNECTED layers) imported,
//! lowered, planned and run on the host must give TFLM's output byte for byte, for every
//! one of the 256 int8 inputs. `tests/data/hello_world_tflm.json` holds TFLM's outputs,
//! written by `tests/data/hello_world_tflm.py` (the reference interpreter from PyPI
//! `tflite-micro`).

use std::path::PathBuf;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn models_dir() -> PathBuf {
    std::env::var_os("TINYML_MODELS_DIR").map(PathBuf::from).unwrap_or_else(|| manifest().join("../tests/data"))
}

#[test]
fn hello_world_matches_tflm_for_every_input() {
    let path = models_dir().join("tflite-micro/hello_world_int8.tflite");
    let bytes =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {} (set TINYML_MODELS_DIR): {e}", path.display()));
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(manifest().join("tests/data/hello_world_tflm.json")).unwrap())
            .unwrap();
    let inputs = golden["input"].as_array().unwrap();
    let outputs = golden["output"].as_array().unwrap();
    assert_eq!(inputs.len(), 256);

    let program = tinyml_compiler::compile(&bytes, &Default::default()).expect("hello_world compiles");
    let mut mismatches = Vec::new();
    for (x, want) in inputs.iter().zip(outputs) {
        let (x, want) = (x.as_i64().unwrap() as i8, want.as_i64().unwrap() as i8);
        let out = program.run(&[&[x as u8]]).expect("runs");
        let got = out[0][0] as i8;
        if got != want {
            mismatches.push((x, got, want));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of 256 inputs differ from TFLM (input, ours, TFLM): {mismatches:?}",
        mismatches.len()
    );
}
