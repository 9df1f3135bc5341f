//! `cargo tinyml analyze`: compile a model on the host and report, per layer, the op,
//! shapes, MACs, parameter and activation bytes and arena offset, with totals and
//! whether the model fits a board.

use crate::boards::Catalog;
use crate::common::{compile_model, MemoryArgs};
pub use crate::fit::{fit, Fit};
use crate::fit::{fit_for, WORDS};
use crate::model_io::{inputs_outputs, TensorIo};
use crate::placement::{placement, Placement};

use anyhow::bail;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use tinyml_compiler::analysis::Report;

/// Arguments of `cargo tinyml analyze`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  cargo tinyml analyze model.tflite
  cargo tinyml analyze model.tflite --board stm32n6570-dk --json
  cargo tinyml analyze model.tflite --npu ethos-u55-128
  cargo tinyml analyze model.tflite --npu neural-art     # ST's stedgeai, if installed
  cargo tinyml analyze model.tflite --npu neutron --npu-compiler sdk/bin/neutron-converter

The arena is planned exactly; code size and stack are estimates (`cargo tinyml profile`
measures them on the target). Exit codes: 0 fits (or no --board), 1 error, 3 does not fit,
127 the --npu vendor compiler is not installed.")]
pub struct Cmd {
    /// The .tflite model.
    pub model: PathBuf,
    /// Arena bytes against instructions.
    #[command(flatten)]
    pub memory: MemoryArgs,
    /// Check the fit against this board's flash and RAM (see `cargo tinyml boards`).
    #[arg(long, short)]
    pub board: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Also place the layers on an NPU. An Ethos-U configuration runs Arm's Vela (PyPI
    /// ethos-u-vela; `doctor` says how to install it): per layer NPU or CPU (and why),
    /// Vela's cycles and SRAM. `neural-art` runs ST's stedgeai (per epoch, NPU or CPU),
    /// `neutron` NXP's neutron-converter (per operator of the converted model, NPU or CPU);
    /// both are the vendors' own tools, installed by the user (exit 127 when missing).
    #[arg(long, value_name = "CONFIG", value_parser = clap::builder::PossibleValuesParser::new(crate::npu::targets()))]
    pub npu: Option<String>,
    /// The vendor compiler for `--npu neural-art|neutron` (default: `stedgeai` or
    /// `neutron-converter` on PATH).
    #[arg(long, value_name = "PATH", requires = "npu")]
    pub npu_compiler: Option<PathBuf>,
    /// stedgeai's Neural-ART profile for `--npu neural-art`, as `PROFILE@FILE.json`
    /// (passed to `--st-neural-art`; default: none, stedgeai's own).
    #[arg(long, value_name = "PROFILE@FILE", requires = "npu")]
    pub npu_profile: Option<String>,
}

#[derive(Serialize)]
struct JsonOut<'a> {
    model: String,
    #[serde(flatten)]
    report: &'a Report,
    inputs: Vec<TensorIo>,
    outputs: Vec<TensorIo>,
    fit: Option<Fit>,
    /// Which of the board's regions holds which buffers of the arena.
    #[serde(skip_serializing_if = "Option::is_none")]
    placement: Option<Placement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    npu: Option<crate::npu::NpuReport>,
}

impl Cmd {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        // The board first: a typo in its name is cheaper to report than the model.
        let board = match &self.board {
            Some(name) => Some(Catalog::load()?.get(name)?.clone()),
            None => None,
        };
        let program = compile_model(&self.model, &self.memory)?;
        let report = Report::of(&program);
        let fit = board.as_ref().map(|b| fit_for(&program, &report, b));
        let placement = board.as_ref().and_then(|b| placement(&program, &report, b));
        let (inputs, outputs) = inputs_outputs(&program.graph);
        let npu = match &self.npu {
            Some(target) => {
                let vendor = crate::npu::vendor::Vendor::from_npu_value(target);
                if vendor.is_none() && self.npu_compiler.is_some() {
                    bail!(
                        "--npu-compiler is for --npu neural-art or neutron; Vela is found through the project's Python"
                    );
                }
                if vendor != Some(crate::npu::vendor::Vendor::NeuralArt) && self.npu_profile.is_some() {
                    bail!("--npu-profile is stedgeai's Neural-ART profile: it goes with --npu neural-art");
                }
                let compiler = self.npu_compiler.as_deref();
                Some(crate::npu::analyze_for(&self.model, target, compiler, self.npu_profile.as_deref())?)
            }
            None => None,
        };
        if self.json {
            let out = JsonOut {
                model: self.model.display().to_string(),
                report: &report,
                inputs,
                outputs,
                fit: fit.clone(),
                placement,
                npu,
            };
            println!("{}", serde_json::to_string_pretty(&out)?);
        } else {
            println!("{}\n", self.model.display());
            print!("{}", report.to_table());
            for (i, t) in inputs.iter().enumerate() {
                println!("{}", t.line("input ", i));
            }
            for (i, t) in outputs.iter().enumerate() {
                println!("{}", t.line("output", i));
            }
            if let Some(f) = &fit {
                if f.unit == WORDS {
                    println!(
                        "{} counts in 16-bit words: its C compiler has no 8-bit type, so int8 data lives in 16-bit containers (the C export's unit); code and stack are estimates",
                        f.board
                    );
                }
                for line in f.lines() {
                    println!("{line}");
                }
            }
            if let Some(p) = &placement {
                print!("{}", p.render());
            }
            if let Some(n) = &npu {
                print!("\n{}", crate::npu::render_report(n, Some(&report)));
            }
        }
        Ok(match fit {
            Some(f) if !f.fits => ExitCode::from(crate::fit::EXIT_DOES_NOT_FIT),
            _ => ExitCode::SUCCESS,
        })
    }
}
