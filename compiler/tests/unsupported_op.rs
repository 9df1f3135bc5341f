//! An operator cargo-tinyml does not implement: the error names the operator, its index
//! in the graph and its tensors (index, name, type, shape), and lists what is supported.
//! The models are built by `tests/data/gen_unsupported.py` with `tools/oracle/tflbuild.py`.

use std::path::Path;

use tinyml_compiler::ops::SUPPORTED;
use tinyml_compiler::CompileError;

fn compile_err(file: &str) -> CompileError {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    match tinyml_compiler::compile(&bytes, &Default::default()) {
        Ok(_) => panic!("{file} compiled, but its second operator is not supported"),
        Err(e) => e,
    }
}

/// Checks the structured error and that its message carries every piece.
fn check(file: &str, op: &str, index: usize, tensors: &[&str]) {
    let err = compile_err(file);
    let msg = err.to_string();
    match &err {
        CompileError::UnsupportedOp { site, tensors: t, supported } => {
            assert_eq!((site.index, site.op.as_str()), (index, op), "{msg}");
            for want in tensors {
                assert!(t.contains(want), "tensor list {t:?} lacks {want:?}");
            }
            assert_eq!(supported, &SUPPORTED.join(", "));
        }
        other => panic!("{file}: expected UnsupportedOp, got {other:?}"),
    }
    assert!(msg.contains(&format!("operator #{index} ({op})")), "{msg}");
    for want in tensors {
        assert!(msg.contains(want), "message lacks {want:?}: {msg}");
    }
    for supported in ["CONV_2D", "FULLY_CONNECTED", "SOFTMAX", "TANH"] {
        assert!(msg.contains(supported), "message does not list {supported}: {msg}");
    }
}

#[test]
fn reverse_is_named_with_index_and_tensors() {
    check(
        "unsupported_reverse.tflite",
        "REVERSE_V2",
        1,
        &[
            "inputs: #1 'requantized' INT8 [1, 2, 3, 4]",
            "'axis' INT32 [1], constant",
            "outputs: #3 'reversed' INT8 [1, 2, 3, 4]",
        ],
    );
}

#[test]
fn local_response_normalization_is_named_with_index_and_tensors() {
    check(
        "unsupported_local_response_normalization.tflite",
        "LOCAL_RESPONSE_NORMALIZATION",
        1,
        &["inputs: #2 'hidden' INT8 [1, 4]", "outputs: #3 'normalized' INT8 [1, 4]"],
    );
}

/// The message a user sees, in full, for the record.
#[test]
fn message_reads_well() {
    let msg = compile_err("unsupported_reverse.tflite").to_string();
    let expected = format!(
        "operator #1 (REVERSE_V2) is not supported (inputs: #1 'requantized' INT8 [1, 2, 3, 4], #2 'axis' INT32 [1], \
         constant; outputs: #3 'reversed' INT8 [1, 2, 3, 4]); supported operators: {}",
        SUPPORTED.join(", ")
    );
    assert_eq!(msg, expected);
}
