//! What is wrong with a model the compiler refused, said in the user's terms: a file that
//! is truncated or not TFLite at all, a float model that needs int8 quantization, or the
//! operators cargo-tinyml does not implement, every one with its count. The compiler
//! stops at the first problem; this looks at the whole graph to name them all.

use std::path::{Path, PathBuf};
use tinyml_compiler::graph::{DType, Graph};
use tinyml_compiler::tflite::ImportError;
use tinyml_compiler::CompileError;

/// The TFLite converter settings for a full-integer (int8) model, quoted in hints.
pub const INT8_CONVERTER_FLAGS: &str = "converter.optimizations = [tf.lite.Optimize.DEFAULT]; \
converter.representative_dataset = representative_data; \
converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]; \
converter.inference_input_type = tf.int8; converter.inference_output_type = tf.int8";

/// The cause of a refused model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The file ends early, is corrupt, or is another format.
    NotTflite,
    /// Float32 tensors feed the model's operators: it was converted without int8
    /// quantization.
    Float {
        /// The first float32 tensor an operator computes with.
        tensor: String,
    },
    /// Operators cargo-tinyml does not lower: (name, count) in the order first met.
    UnsupportedOps(Vec<(String, usize)>),
    /// Something else (unsupported parameters, an invalid model): the compiler's message
    /// says what.
    Other,
}

/// A model the compiler refused, with its cause.
#[derive(Debug, thiserror::Error)]
#[error("cannot compile model `{}`: {}", path.display(), self.summary())]
pub struct ModelError {
    /// The model file.
    pub path: PathBuf,
    /// The cause.
    pub problem: Problem,
    /// The compiler's error (the detail: operator, tensor, bytes); boxed, it is large.
    #[source]
    pub source: Box<CompileError>,
}

impl ModelError {
    /// The cause in a few words.
    pub fn summary(&self) -> String {
        match &self.problem {
            Problem::NotTflite => "truncated / not a TFLite file".into(),
            Problem::Float { tensor } => format!("float model (tensor `{tensor}` is float32)"),
            Problem::UnsupportedOps(ops) => {
                format!("it uses operators cargo-tinyml does not support: {}", list_ops(ops))
            }
            Problem::Other => "the compiler refused it".into(),
        }
    }

    /// How to fix it.
    pub fn hint(&self) -> String {
        match &self.problem {
            Problem::NotTflite => "the file ends early or is not a .tflite flatbuffer: export it again from the converter (or download it again and compare its checksum)".into(),
            Problem::Float { .. } => format!("float model: convert with full-integer (int8) quantization: {INT8_CONVERTER_FLAGS}"),
            Problem::UnsupportedOps(_) => "export the model with supported operators only (listed above), or cut these operators out of the exported graph".into(),
            Problem::Other => "the model is valid TFLite but uses something cargo-tinyml cannot compile yet; the message above names the operator and tensor".into(),
        }
    }
}

/// `op xN, op2 xM`.
pub fn list_ops(ops: &[(String, usize)]) -> String {
    ops.iter().map(|(op, n)| format!("{op} x{n}")).collect::<Vec<_>>().join(", ")
}

/// Diagnoses why `bytes` (read from `path`) failed to compile with `error`.
pub fn diagnose(path: &Path, bytes: &[u8], error: CompileError) -> ModelError {
    let problem = match &error {
        CompileError::Import(e) => match e {
            ImportError::TooShort { .. }
            | ImportError::NotTflite { .. }
            | ImportError::Malformed { .. }
            | ImportError::OutsideFile { .. }
            | ImportError::TooMuchData { .. }
            | ImportError::NoSubgraphs => Problem::NotTflite,
            _ => Problem::Other,
        },
        _ => match tinyml_compiler::tflite::import(bytes) {
            Ok(graph) => graph_problem(&graph),
            Err(_) => Problem::Other,
        },
    };
    ModelError { path: path.to_owned(), problem, source: Box::new(error) }
}

/// Reads and compiles a model file; a refusal is a [`ModelError`] with its cause.
pub fn compile_file(path: &Path) -> Result<tinyml_compiler::Program, CompileFileError> {
    compile_file_with(path, &Default::default())
}

/// [`compile_file`] with compile options.
pub fn compile_file_with(
    path: &Path,
    options: &tinyml_compiler::CompileOptions,
) -> Result<tinyml_compiler::Program, CompileFileError> {
    let bytes = std::fs::read(path).map_err(|source| CompileFileError::Read { path: path.to_owned(), source })?;
    tinyml_compiler::compile(&bytes, options).map_err(|e| CompileFileError::Model(diagnose(path, &bytes, e)))
}

/// [`compile_file`] failed.
#[derive(Debug, thiserror::Error)]
pub enum CompileFileError {
    /// The file could not be read.
    #[error("cannot read model `{}`: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The compiler refused it.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// Unsupported operators first (all of them), else float32 compute.
fn graph_problem(graph: &Graph) -> Problem {
    let mut unsupported: Vec<(String, usize)> = Vec::new();
    for op in &graph.operators {
        let name = op.opcode.name();
        if tinyml_compiler::ops::SUPPORTED.contains(&name.as_str()) {
            continue;
        }
        match unsupported.iter_mut().find(|(n, _)| *n == name) {
            Some((_, count)) => *count += 1,
            None => unsupported.push((name, 1)),
        }
    }
    if !unsupported.is_empty() {
        return Problem::UnsupportedOps(unsupported);
    }
    // QUANTIZE and DEQUANTIZE at the edges of an int8 model take and give float32; any
    // other operator on float32 data means the model itself is float.
    let float = graph
        .operators
        .iter()
        .filter(|op| !matches!(op.opcode.name().as_str(), "QUANTIZE" | "DEQUANTIZE"))
        .find_map(|op| {
            op.inputs.iter().flatten().chain(&op.outputs).map(|&t| &graph.tensors[t]).find(|t| t.dtype == DType::F32)
        });
    match float {
        Some(t) => Problem::Float { tensor: t.name.clone() },
        None => Problem::Other,
    }
}
