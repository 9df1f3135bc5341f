//! The entry point for build scripts: compile a `.tflite` file into a Rust module in
//! `OUT_DIR`, rebuilt whenever the model file changes (the prost-build pattern).
//!
//! In a firmware project's `build.rs`, `fn main()` calls:
//! ```no_run
//! tinyml_compiler::build::Builder::new("model/model.tflite").compile_or_exit();
//! ```
//! and in the firmware: `mod model { include!(concat!(env!("OUT_DIR"), "/model.rs")); }`.

use crate::codegen::rust::{generate_with, GenOptions};
use crate::error::CompileError;
use crate::graph::DType;
use crate::npu::NpuMode;
use crate::program::{compile, CompileOptions, Program};
use std::path::{Path, PathBuf};

/// Configures the compilation of one model for a build script.
#[derive(Clone, Debug)]
pub struct Builder {
    model: PathBuf,
    module: String,
    out_dir: Option<PathBuf>,
    test_input: Option<PathBuf>,
    options: CompileOptions,
    npu: Option<String>,
    npu_mode: NpuMode,
    weights_in_ram: usize,
}

/// What a build produced.
#[derive(Debug)]
pub struct Built {
    /// The generated Rust file.
    pub rust_file: PathBuf,
    /// The compiled program (for reports).
    pub program: Program,
}

impl Builder {
    /// Compiles `model` (relative paths are taken from the build script's working
    /// directory, the package root).
    pub fn new(model: impl Into<PathBuf>) -> Self {
        Builder {
            model: model.into(),
            module: "model".into(),
            out_dir: None,
            test_input: None,
            options: CompileOptions::default(),
            npu: None,
            npu_mode: NpuMode::Device,
            weights_in_ram: 0,
        }
    }

    /// Name of the generated file (`{name}.rs`); default `model`.
    pub fn module_name(mut self, name: &str) -> Self {
        self.module = name.to_owned();
        self
    }

    /// Where to write; default `$OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// A `.npy` file whose contents become `TEST_INPUT0`; default: [`test_input`].
    pub fn test_input_npy(mut self, path: impl Into<PathBuf>) -> Self {
        self.test_input = Some(path.into());
        self
    }

    /// Compiler options (memory planner).
    pub fn options(mut self, options: CompileOptions) -> Self {
        self.options = options;
        self
    }

    /// Links up to `bytes` of the model's constant tables into RAM, the tables its layers
    /// read most per byte first ([`crate::codegen::rust::tables_in_ram`]): cortex-m-rt
    /// copies them from flash with `.data` at start-up, so flash still holds them and RAM
    /// grows by `WEIGHTS_IN_RAM_BYTES`. Worth it where flash reads cost wait states; the
    /// default, 0, leaves every table in flash.
    pub fn weights_in_ram(mut self, bytes: usize) -> Self {
        self.weights_in_ram = bytes;
        self
    }

    /// Runs the layers that Arm's Vela places on an Ethos-U `accelerator`
    /// (`ethos-u55-128`, as Vela's `--accelerator-config` names it) on the NPU: Vela runs
    /// here, at build time, with `$TINYML_PYTHON` (else `python3`), and the generated
    /// `invoke` takes the NPU driver (`invoke(arena, npu)`); see [`crate::npu`]. The
    /// build script then sets the cfg `tinyml_npu_device`, so the firmware can tell.
    pub fn npu(mut self, accelerator: &str) -> Self {
        self.npu = Some(accelerator.to_owned());
        self
    }

    /// How the NPU steps of [`Builder::npu`] run; default [`NpuMode::Device`].
    /// `TINYML_NPU` (`device`, `simulated`), when set, overrides it: a project built with
    /// `TINYML_NPU=simulated` runs its NPU steps on the CPU (in QEMU, say).
    pub fn npu_mode(mut self, mode: NpuMode) -> Self {
        self.npu_mode = mode;
        self
    }

    /// Compiles and writes the module. `TINYML_MEMORY` (`ram`, `balanced`, `speed`), when
    /// set, overrides the memory mode of [`Builder::options`]: `cargo tinyml run
    /// --memory` and the benchmark harness pass the mode to the project's build script
    /// this way.
    pub fn compile(mut self) -> Result<Built, CompileError> {
        println!("cargo:rerun-if-changed={}", self.model.display());
        println!("cargo:rerun-if-env-changed=TINYML_MEMORY");
        if let Ok(name) = std::env::var("TINYML_MEMORY") {
            match crate::plan::MemoryMode::from_name(&name) {
                Some(mode) => self.options.memory = mode,
                None if name.is_empty() => {}
                None => println!("cargo:warning=TINYML_MEMORY={name} is not ram, balanced or speed; ignored"),
            }
        }
        let bytes = std::fs::read(&self.model).map_err(io(&self.model))?;
        let out_dir = match self.out_dir {
            Some(d) => d,
            None => PathBuf::from(std::env::var_os("OUT_DIR").ok_or_else(|| {
                CompileError::Model(
                    "OUT_DIR is not set: call Builder::compile from a build script or set out_dir".into(),
                )
            })?),
        };
        let program = match &self.npu {
            None => compile(&bytes, &self.options)?,
            Some(accelerator) => {
                println!("cargo:rerun-if-env-changed=TINYML_NPU");
                println!("cargo:rerun-if-env-changed=TINYML_PYTHON");
                let mut mode = self.npu_mode;
                if let Ok(name) = std::env::var("TINYML_NPU") {
                    match NpuMode::from_name(&name) {
                        Some(m) => mode = m,
                        None if name.is_empty() => {}
                        None => println!("cargo:warning=TINYML_NPU={name} is not device or simulated; ignored"),
                    }
                }
                let vela_dir = out_dir.join(format!("{}-vela", self.module));
                let vela = crate::npu::vela::compile(&crate::npu::vela::python(), &self.model, accelerator, &vela_dir)?;
                let graph = crate::tflite::import(&bytes)?;
                crate::npu::compile_offloaded(graph, &vela, mode, &self.options)?
            }
        };
        println!("cargo:rustc-check-cfg=cfg(tinyml_npu_device)");
        if program.steps.iter().any(|s| s.kernel.npu_stream().is_some()) {
            println!("cargo:rustc-cfg=tinyml_npu_device");
        }
        let input_t = &program.graph.tensors[program.graph.inputs[0]];
        let test_input = match &self.test_input {
            Some(path) => {
                println!("cargo:rerun-if-changed={}", path.display());
                let raw = std::fs::read(path).map_err(io(path))?;
                let arr = crate::formats::npy::read(&raw)
                    .map_err(|e| CompileError::Model(format!("{}: {e}", path.display())))?;
                if arr.dtype != input_t.dtype || arr.data.len() != input_t.bytes() {
                    return Err(CompileError::Model(format!(
                        "{}: test input is {:?} of {}, the model's input is {:?} of {}",
                        path.display(),
                        arr.shape,
                        arr.dtype.tflite_name(),
                        input_t.shape,
                        input_t.dtype.tflite_name()
                    )));
                }
                arr.data
            }
            None => test_input_for(input_t.dtype, input_t.elements()),
        };
        let source = self.model.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let code = generate_with(
            &program,
            &GenOptions { source, test_input: Some(test_input), weights_in_ram: self.weights_in_ram },
        );
        let rust_file = out_dir.join(format!("{}.rs", self.module));
        std::fs::write(&rust_file, code).map_err(io(&rust_file))?;
        Ok(Built { rust_file, program })
    }

    /// [`Builder::compile`] for build scripts: on error, prints it so cargo shows it and
    /// exits with status 1.
    pub fn compile_or_exit(self) -> Built {
        let model = self.model.clone();
        match self.compile() {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: cannot compile {}: {e}", model.display());
                println!("cargo:warning=tinyml: cannot compile {}: {e}", model.display());
                std::process::exit(1)
            }
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CompileError + '_ {
    move |source| CompileError::Io { path: path.to_owned(), source }
}

/// The deterministic test input of `len` bytes that generated firmware embeds as
/// `TEST_INPUT0` when no input file is given: xorshift32 from seed 0x2545F491, one byte
/// per step. Host tests use it to give the TFLM reference the same input.
pub fn test_input(len: usize) -> Vec<u8> {
    let mut s: u32 = 0x2545_F491;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 24) as u8
        })
        .collect()
}

/// A test input for `n` elements of `dtype`: [`test_input`] bytes for integer types,
/// and for floats values in [-1, 1) derived from the same bytes.
pub fn test_input_for(dtype: DType, n: usize) -> Vec<u8> {
    match dtype {
        DType::F32 => test_input(n).iter().flat_map(|&b| ((b as i8) as f32 / 128.0).to_le_bytes()).collect(),
        _ => test_input(n * dtype.size()),
    }
}
