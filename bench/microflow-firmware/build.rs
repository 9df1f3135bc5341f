//! Generates `$OUT_DIR/microflow_model.rs` for the model named by `TINYML_BENCH_MODEL`:
//! the struct carrying microflow's `#[model]` attribute, the test input and the expected
//! output as `i8` arrays, the input/output tensor types and the glue between microflow's
//! nalgebra tensors and flat NHWC bytes. Also copies the board's `memory.x`
//! (`TINYML_BENCH_MEMORY_X`) where the linker finds it.
//!
//! The input is `tinyml_compiler::build::test_input_for` (what `../firmware` embeds as
//! `TEST_INPUT0`); the expected output is cargo-tinyml's host run with the reference
//! kernels on it (bit-exact with TFLM), so all three bench variants are checked against
//! the same bytes.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use tinyml_compiler::graph::{DType, Tensor};

fn main() {
    println!("cargo:rerun-if-env-changed=TINYML_BENCH_MODEL");
    println!("cargo:rerun-if-env-changed=TINYML_BENCH_MEMORY_X");
    let model = std::env::var("TINYML_BENCH_MODEL").expect("TINYML_BENCH_MODEL: the .tflite to benchmark");
    let memory_x = std::env::var("TINYML_BENCH_MEMORY_X").expect("TINYML_BENCH_MEMORY_X: the board's memory.x");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed={model}");

    // microflow's macro reads the file relative to rustc's working directory: give it an
    // absolute path.
    let model = std::fs::canonicalize(&model).unwrap_or_else(|e| panic!("{model}: {e}"));
    std::fs::write(out.join("microflow_model.rs"), generate(&model)).expect("write microflow_model.rs");

    std::fs::copy(&memory_x, out.join("memory.x")).expect("copy memory.x");
    println!("cargo:rerun-if-changed={memory_x}");
    println!("cargo:rustc-link-search={}", out.display());
}

/// The generated module, or a module holding one `compile_error!` when the model's input
/// or output cannot be fed to microflow at all (so the runner records one clear line).
fn generate(model: &Path) -> String {
    let bytes = std::fs::read(model).unwrap_or_else(|e| panic!("{}: {e}", model.display()));
    let program = match tinyml_compiler::compile(&bytes, &Default::default()) {
        Ok(p) => p,
        Err(e) => return format!("compile_error!({:?});\n", format!("cargo-tinyml cannot compile the model: {e}")),
    };
    let g = &program.graph;
    let (input_t, output_t) = (&g.tensors[g.inputs[0]], &g.tensors[g.outputs[0]]);
    let (input_shape, output_shape) = match (Shape::of(input_t), Shape::of(output_t)) {
        (Ok(i), Ok(o)) => (i, o),
        (Err(e), _) | (_, Err(e)) => return format!("compile_error!({e:?});\n"),
    };
    let input = tinyml_compiler::build::test_input_for(input_t.dtype, input_t.elements());
    let expected = program.run(&[&input]).expect("host run of the model");
    let (scale, zero_point) = match &input_t.quant {
        Some(q) if q.scale.len() == 1 => (q.scale[0], q.zero_point[0]),
        _ => return "compile_error!(\"the model's input is not quantized per tensor\");\n".into(),
    };

    let mut code = String::new();
    let _ = writeln!(code, "/// The model, compiled by microflow's proc macro.");
    let _ = writeln!(code, "#[microflow::model({:?})]", model.display().to_string());
    let _ = writeln!(code, "pub struct Model;\n");
    let _ = writeln!(code, "/// microflow's input tensor for this model.");
    let _ = writeln!(code, "pub type Input = {};", input_shape.tensor_type());
    let _ = writeln!(code, "/// microflow's output tensor for this model.");
    let _ = writeln!(code, "pub type Output = {};\n", output_shape.tensor_type());
    let _ = writeln!(code, "/// Multiply-accumulates per inference (cargo-tinyml's count).");
    let _ = writeln!(code, "pub const MACS: u64 = {};", program.macs());
    let _ = writeln!(code, "/// `TEST_INPUT0` of the other variants, as int8.");
    let _ = writeln!(code, "pub static TEST_INPUT: [i8; {}] = {:?};", input.len(), as_i8(&input));
    let _ = writeln!(code, "/// Output 0 of the host run (reference kernels) on `TEST_INPUT`.");
    let _ = writeln!(code, "pub static EXPECTED: [i8; {}] = {:?};\n", expected[0].len(), as_i8(&expected[0]));
    // The int8 values go into the tensor as they are, with the model's own input scale
    // and zero point (what `predict_quantized` does): no float round trip on the input.
    let _ = writeln!(
        code,
        "/// `TEST_INPUT` as microflow's input tensor.\npub fn input() -> Input {{\n    \
         microflow::tensor::{}::new({}, [{scale:?}], [{zero_point}])\n}}\n",
        input_shape.kind(),
        input_shape.build_from("TEST_INPUT")
    );
    // `predict_inner` is the int8 graph without `predict`'s quantize/dequantize steps;
    // it is private to the macro's impl, hence this wrapper in the same module.
    let _ = writeln!(
        code,
        "/// One inference, int8 in and out.\n#[inline(never)]\npub fn predict(input: Input) -> Output {{\n    \
         Model::predict_inner(input)\n}}\n"
    );
    let _ = writeln!(
        code,
        "/// The output tensor as flat NHWC bytes.\npub fn output_bytes(y: &Output) -> [i8; {}] {{\n    \
         let mut out = [0i8; {}];\n{}    out\n}}",
        output_shape.elements(),
        output_shape.elements(),
        output_shape.copy_to("y.buffer", "out")
    );
    code
}

fn as_i8(bytes: &[u8]) -> Vec<i8> {
    bytes.iter().map(|&b| b as i8).collect()
}

/// A tensor shape as microflow sees it: 2-D (`Tensor2D`, a rank-1 shape gets a leading 1
/// as in microflow's macro) or 4-D NHWC (`Tensor4D`).
enum Shape {
    D2 { rows: usize, cols: usize },
    D4 { batches: usize, rows: usize, cols: usize, chans: usize },
}

impl Shape {
    fn of(t: &Tensor) -> Result<Shape, String> {
        if t.dtype != DType::I8 {
            return Err(format!("the benchmark feeds int8 tensors; `{}` is {:?}", t.name, t.dtype));
        }
        match t.shape[..] {
            [cols] => Ok(Shape::D2 { rows: 1, cols }),
            [rows, cols] => Ok(Shape::D2 { rows, cols }),
            [batches, rows, cols, chans] => Ok(Shape::D4 { batches, rows, cols, chans }),
            ref s => Err(format!("microflow takes 2-D or 4-D inputs and outputs; `{}` is {s:?}", t.name)),
        }
    }

    fn elements(&self) -> usize {
        match *self {
            Shape::D2 { rows, cols } => rows * cols,
            Shape::D4 { batches, rows, cols, chans } => batches * rows * cols * chans,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Shape::D2 { .. } => "Tensor2D",
            Shape::D4 { .. } => "Tensor4D",
        }
    }

    /// The tensor type, with one quantization parameter set (per-tensor activations).
    fn tensor_type(&self) -> String {
        match *self {
            Shape::D2 { rows, cols } => format!("microflow::tensor::Tensor2D<i8, {rows}, {cols}, 1>"),
            Shape::D4 { batches, rows, cols, chans } => {
                format!("microflow::tensor::Tensor4D<i8, {batches}, {rows}, {cols}, {chans}, 1>")
            }
        }
    }

    /// An expression building the tensor's buffer from the flat NHWC array `src`.
    fn build_from(&self, src: &str) -> String {
        match *self {
            Shape::D2 { cols, .. } => format!("microflow::buffer::Buffer2D::from_fn(|i, j| {src}[i * {cols} + j])"),
            Shape::D4 { rows, cols, chans, .. } => format!(
                "core::array::from_fn(|b| microflow::buffer::Buffer2D::from_fn(|h, w| \
                 core::array::from_fn(|c| {src}[((b * {rows} + h) * {cols} + w) * {chans} + c])))"
            ),
        }
    }

    /// Statements copying the tensor buffer `buf` into the flat NHWC array `dst`.
    fn copy_to(&self, buf: &str, dst: &str) -> String {
        match *self {
            Shape::D2 { rows, cols } => format!(
                "    for i in 0..{rows} {{\n        for j in 0..{cols} {{\n            \
                 {dst}[i * {cols} + j] = {buf}[(i, j)];\n        }}\n    }}\n"
            ),
            Shape::D4 { batches, rows, cols, chans } => format!(
                "    for b in 0..{batches} {{\n        for h in 0..{rows} {{\n            for w in 0..{cols} {{\n                \
                 for c in 0..{chans} {{\n                    \
                 {dst}[((b * {rows} + h) * {cols} + w) * {chans} + c] = {buf}[b][(h, w)][c];\n                \
                 }}\n            }}\n        }}\n    }}\n"
            ),
        }
    }
}
