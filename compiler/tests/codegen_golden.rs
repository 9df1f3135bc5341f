//! Golden tests of the generated code: the Rust module and the C export (8-bit
//! containers: `model.h`, `model.c`, `README.md`) of four shared models, as insta
//! snapshots. The numbers of constant tables are pinned by a hash per block (the
//! snapshot would otherwise hold megabytes of weights), the code around them verbatim.
//!
//! A change to code generation shows up here as a readable diff; accept it with
//! `cargo insta review` only when the change is meant.

mod support;

use tinyml_compiler::codegen::c::{self, COptions, Container};
use tinyml_compiler::codegen::rust::{generate_with, GenOptions};

/// FNV-1a, 64 bits: a stable digest without a dependency.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// Whether `line` is one row of a table's numbers (`    -3, 12, INT32_MIN,`).
fn is_number_row(line: &str) -> bool {
    let t = line.trim_start();
    line.starts_with("    ") && t.ends_with(',') && t.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == 'I')
}

/// `text` with every run of number rows replaced by one line naming its size and hash.
fn digest_tables(text: &str) -> String {
    let mut out = String::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        if is_number_row(lines[i]) {
            let start = i;
            while i < lines.len() && is_number_row(lines[i]) {
                i += 1;
            }
            let block = lines[start..i].join("\n");
            out.push_str(&format!("    /* {} rows, fnv1a {:016x} */\n", i - start, fnv1a(&block)));
        } else {
            out.push_str(lines[i]);
            out.push('\n');
            i += 1;
        }
    }
    out
}

fn golden(name: &str, rel: &str) {
    let path = support::shared_models().join(rel);
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read {} (set TINYML_SHARED_MODELS): {e}", path.display()));
    let program = tinyml_compiler::compile(&bytes, &Default::default()).expect("compiles");
    let t = &program.graph.tensors[program.graph.inputs[0]];
    let input = tinyml_compiler::build::test_input_for(t.dtype, t.elements());
    let source = path.file_name().unwrap().to_string_lossy().into_owned();
    let rust =
        generate_with(&program, &GenOptions { source: source.clone(), test_input: Some(input), ..Default::default() });
    insta::assert_snapshot!(format!("{name}_rust"), digest_tables(&rust));
    let opts = COptions { source, container: Container::Bits8, ..Default::default() };
    let export = c::generate(&program, &opts).expect("C export");
    for file in ["model.h", "model.c", "README.md"] {
        let text = export.file(file).unwrap_or_else(|| panic!("{name}: no {file}"));
        insta::assert_snapshot!(format!("{name}_c_{}", file.replace('.', "_")), digest_tables(text));
    }
}

#[test]
fn hello_world() {
    golden("hello_world", "tflite-micro/hello_world_int8.tflite");
}

#[test]
fn kws() {
    golden("kws", "mlperf-tiny/kws_ref_model.tflite");
}

#[test]
fn ad01() {
    golden("ad01", "mlperf-tiny/ad01_int8.tflite");
}

#[test]
fn micro_speech() {
    golden("micro_speech", "tflite-micro/micro_speech_quantized.tflite");
}
