//! Compiles the model named by `TINYML_BENCH_MODEL` into `$OUT_DIR/model.rs`, runs it once
//! on the host (reference kernels) on the same test input to produce `$OUT_DIR/expected.rs`,
//! and copies the board's `memory.x` (`TINYML_BENCH_MEMORY_X`, generated from the board
//! file by the bench runner) where the linker finds it.

use std::fmt::Write;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=TINYML_BENCH_MODEL");
    println!("cargo:rerun-if-env-changed=TINYML_BENCH_MEMORY_X");
    let model = std::env::var("TINYML_BENCH_MODEL").expect("TINYML_BENCH_MODEL: the .tflite to benchmark");
    let memory_x = std::env::var("TINYML_BENCH_MEMORY_X").expect("TINYML_BENCH_MEMORY_X: the board's memory.x");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    let built = tinyml_compiler::build::Builder::new(&model).compile_or_exit();
    let program = &built.program;
    let input_t = &program.graph.tensors[program.graph.inputs[0]];
    let input = tinyml_compiler::build::test_input_for(input_t.dtype, input_t.elements());
    let outputs = program.run(&[&input]).expect("host run of the model");
    let out_t = &program.graph.tensors[program.graph.outputs[0]];
    let mut code = String::from("/// Output 0 of the host run on `TEST_INPUT0`, as raw bytes.\n");
    let _ = writeln!(code, "pub static EXPECTED0: [u8; {}] = {:?};", outputs[0].len(), outputs[0]);
    let _ = writeln!(
        code,
        "/// Bytes per element of output 0.\npub const OUTPUT0_ELEM_BYTES: usize = {};",
        out_t.dtype.size()
    );
    std::fs::write(out.join("expected.rs"), code).expect("write expected.rs");

    std::fs::copy(&memory_x, out.join("memory.x")).expect("copy memory.x");
    println!("cargo:rerun-if-changed={memory_x}");
    println!("cargo:rustc-link-search={}", out.display());
}
