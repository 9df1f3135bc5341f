//! `cargo tinyml convert`: compile a model on the host and write it out in another form.
//! Today the only form is portable C99 (`--emit c`), for C toolchains (Zephyr, vendor
//! SDKs, TI Code Composer Studio for C2000, which Rust cannot target).

use crate::common::{compile_model, MemoryArgs};
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use tinyml_compiler::codegen::c::{self, COptions, Container};

/// Compile an int8 TFLite model to portable C99 (kernels, weights, planned arena).
///
/// Examples:
///
///   cargo tinyml convert model.tflite --emit c --out model_c
///
///   cargo tinyml convert model.tflite --emit c --out model_c28x --int8-container 16
///
/// DIR gets model.h (`int tinyml_invoke(const void *input, void *output)`, sizes, quantization),
/// model.c (weights as const arrays, the static arena, the layer calls), the C kernels the
/// model uses and a README. Use `--int8-container 16` for cores without 8-bit memory
/// units (TI C28x, where CHAR_BIT is 16): int8 values then live in int16_t and the arena
/// is planned in 16-bit words.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Cmd {
    /// The .tflite model.
    pub model: PathBuf,
    /// Arena bytes against instructions.
    #[command(flatten)]
    pub memory: MemoryArgs,
    /// What to emit.
    #[arg(long, value_enum, default_value = "c")]
    pub emit: Emit,
    /// Output directory; must not exist or be empty unless --force.
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// Bits per int8 value in memory: 8, or 16 for C28x (no 8-bit type there).
    #[arg(long, value_name = "BITS", default_value = "8", value_parser = ["8", "16"])]
    pub int8_container: String,
    /// Embed the deterministic test input and the host-computed output, so firmware can
    /// check itself (`tinyml_test_input`, `tinyml_test_expected`).
    #[arg(long)]
    pub test_vector: bool,
    /// Replace a non-empty DIR.
    #[arg(long)]
    pub force: bool,
}

/// Output forms of `convert`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Emit {
    /// Portable C99.
    C,
}

impl Cmd {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let program = compile_model(&self.model, &self.memory)?;
        let container = if self.int8_container == "16" { Container::Bits16 } else { Container::Bits8 };
        let source = self.model.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let opts = COptions { source, container, embed_test_vector: self.test_vector, ..Default::default() };
        let export =
            c::generate(&program, &opts).with_context(|| format!("cannot export {} to C", self.model.display()))?;
        c::write_dir(&self.out, &export.files, self.force)?;
        println!(
            "wrote {} ({} files): {} layers, {} MACs, arena {} {}, kernels: {}",
            self.out.display(),
            export.files.len(),
            program.steps.len(),
            program.macs(),
            export.arena_units,
            container.unit(),
            export.functions.join(", ")
        );
        Ok(ExitCode::SUCCESS)
    }
}
