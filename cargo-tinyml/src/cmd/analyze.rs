//! `cargo tinyml analyze`: compile a model on the host and report, per layer, the op,
//! shapes, MACs, parameter and activation bytes and arena offset, with totals and
//! whether the model fits a board.

use crate::boards::{Board, Catalog, RegionKind};
use crate::common::compile_model;

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

The arena is planned exactly; code size and stack are estimates (`cargo tinyml profile`
measures them on the target). Exit codes: 0 fits (or no --board), 1 error, 3 does not fit.")]
pub struct Cmd {
    /// The .tflite model.
    pub model: PathBuf,
    /// Check the fit against this board's flash and RAM (see `cargo tinyml boards`).
    #[arg(long)]
    pub board: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Also place the layers on an Arm Ethos-U with Vela (PyPI ethos-u-vela; `doctor` says
    /// how to install it): per layer NPU or CPU (and why), Vela's cycles and SRAM.
    #[arg(long, value_name = "CONFIG", value_parser = clap::builder::PossibleValuesParser::new(crate::npu::vela::ACCELERATORS))]
    pub npu: Option<String>,
}

/// How a model fits a board's memory.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Fit {
    /// The board.
    pub board: String,
    /// Flash available for the link, bytes.
    pub flash_capacity: u64,
    /// RAM available for the link, bytes.
    pub ram_capacity: u64,
    /// Flash left over (negative: shortfall).
    pub flash_margin: i64,
    /// RAM left over (negative: shortfall).
    pub ram_margin: i64,
    /// Whether both margins are non-negative.
    pub fits: bool,
}

/// Compares a report's totals with a board's link regions.
pub fn fit(report: &Report, board: &Board) -> Fit {
    let cap = |kind| board.memory.iter().filter(|r| r.kind == kind).map(|r| r.length).max().unwrap_or(0);
    let (flash_capacity, ram_capacity) = (cap(RegionKind::Flash), cap(RegionKind::Ram));
    let flash_margin = flash_capacity as i64 - report.flash_bytes as i64;
    let ram_margin = ram_capacity as i64 - report.ram_bytes as i64;
    Fit {
        board: board.name.clone(),
        flash_capacity,
        ram_capacity,
        flash_margin,
        ram_margin,
        fits: flash_margin >= 0 && ram_margin >= 0,
    }
}

#[derive(Serialize)]
struct JsonOut<'a> {
    model: String,
    #[serde(flatten)]
    report: &'a Report,
    fit: Option<Fit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    npu: Option<crate::npu::NpuAnalysis>,
}

impl Cmd {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let program = compile_model(&self.model)?;
        let report = Report::of(&program);
        let fit = match &self.board {
            Some(name) => Some(fit(&report, Catalog::load()?.get(name)?)),
            None => None,
        };
        let npu = match &self.npu {
            Some(config) => Some(crate::npu::analyze(&self.model, config)?),
            None => None,
        };
        if self.json {
            let out = JsonOut { model: self.model.display().to_string(), report: &report, fit: fit.clone(), npu };
            println!("{}", serde_json::to_string_pretty(&out)?);
        } else {
            println!("{}\n", self.model.display());
            print!("{}", report.to_table());
            if let Some(f) = &fit {
                let say = |what: &str, margin: i64, cap: u64| {
                    if margin >= 0 {
                        println!("{what} on {}: fits, {margin} B to spare of {cap} B", f.board)
                    } else {
                        println!("{what} on {}: DOES NOT FIT, {} B over the {cap} B available", f.board, -margin)
                    }
                };
                say("flash", f.flash_margin, f.flash_capacity);
                say("RAM  ", f.ram_margin, f.ram_capacity);
            }
            if let Some(n) = &npu {
                print!("\n{}", crate::npu::render(n, Some(&report)));
            }
        }
        Ok(match fit {
            Some(f) if !f.fits => ExitCode::from(3),
            _ => ExitCode::SUCCESS,
        })
    }
}
