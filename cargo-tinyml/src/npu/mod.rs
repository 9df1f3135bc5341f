//! NPU offload analysis: where Arm's Vela places each operator of a model on an Ethos-U,
//! with its cycle and SRAM estimates, shown beside this compiler's CPU figures
//! (`cargo tinyml analyze MODEL --npu ethos-u55-128`); and what the vendors' own compilers
//! place on the STM32N6's Neural-ART (`--npu neural-art`: ST's `stedgeai`) and the MCX N's
//! eIQ Neutron (`--npu neutron`: NXP's `neutron-converter`), when they are installed.
//! See `docs/boards.md`, "NPUs".

pub mod neutron;
pub mod offload;
pub mod stedgeai;
pub mod vela;
mod vela_outputs;
mod vela_report;
pub mod vendor;
mod vendor_table;

use crate::format::grouped;
use serde::Serialize;
use std::fmt::Write;
use std::path::Path;
use tinyml_compiler::analysis::Report;
use vela::{Target, VelaReport};

/// The `npu` object of `analyze --json`.
#[derive(Clone, Debug, Serialize)]
pub struct NpuAnalysis {
    /// Vela's placement and estimates.
    #[serde(flatten)]
    pub vela: VelaReport,
    /// Operators of the model on the NPU.
    pub npu_layers: usize,
    /// Operators of the model left to the CPU.
    pub cpu_layers: usize,
    /// Whether the per-layer cycles add up to Vela's summary `cycles_total`.
    pub cycles_match_summary: bool,
    /// The partition: runs of operators on the NPU (one Vela command stream each) and on the CPU.
    pub segments: Vec<vela::Segment>,
    /// Whether the NPU runs are, in order, the command streams of the `ethos-u` operators
    /// of Vela's output model (what an `ethos-u` step per run would embed).
    pub segments_match_output_model: bool,
}

/// What `analyze --npu` reports, per compiler (the `npu` object of `--json`).
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum NpuReport {
    /// Arm's Vela, for an Ethos-U configuration.
    Vela(Box<NpuAnalysis>),
    /// ST's `stedgeai`, for the Neural-ART.
    NeuralArt(stedgeai::NeuralArtReport),
    /// NXP's `neutron-converter`, for the eIQ Neutron.
    Neutron(neutron::NeutronReport),
}

/// Every `--npu` value of `analyze`: Vela's configurations, then the vendor compilers'.
pub fn targets() -> impl Iterator<Item = &'static str> {
    vela::ACCELERATORS.iter().copied().chain(vendor::Vendor::ALL.map(vendor::Vendor::npu_value))
}

/// Runs the compiler `target` selects (`--npu`) on `model`: Vela with the project's Python,
/// or the vendor's tool (`compiler`, else found on PATH; `profile` is `stedgeai`'s
/// `--st-neural-art` argument).
pub fn analyze_for(
    model: &Path,
    target: &str,
    compiler: Option<&Path>,
    profile: Option<&str>,
) -> anyhow::Result<NpuReport> {
    match vendor::Vendor::from_npu_value(target) {
        Some(vendor::Vendor::NeuralArt) => Ok(NpuReport::NeuralArt(stedgeai::analyze(model, compiler, profile)?)),
        Some(vendor::Vendor::Neutron) => Ok(NpuReport::Neutron(neutron::analyze(model, compiler)?)),
        None => Ok(NpuReport::Vela(Box::new(analyze(model, target)?))),
    }
}

/// The table of [`analyze_for`]'s report, beside this compiler's `cpu` report.
pub fn render_report(r: &NpuReport, cpu: Option<&Report>) -> String {
    match r {
        NpuReport::Vela(a) => render(a, cpu),
        NpuReport::NeuralArt(n) => vendor_table::neural_art(n, cpu),
        NpuReport::Neutron(n) => vendor_table::neutron(n, cpu),
    }
}

/// Runs Vela on `model` for `accelerator` with the project's Python (as `validate` finds it).
pub fn analyze(model: &Path, accelerator: &str) -> anyhow::Result<NpuAnalysis> {
    let python = crate::python::interpreter();
    let vela = vela::run(&python, model, accelerator)?;
    let npu_layers = vela.npu_layers();
    let segments = vela::partition(&vela.layers);
    Ok(NpuAnalysis {
        npu_layers,
        cpu_layers: vela.layers.len() - npu_layers,
        cycles_match_summary: vela.consistent(),
        segments_match_output_model: {
            let streams: Vec<Option<u32>> =
                segments.iter().filter(|s| s.target == Target::Npu).map(|s| s.command_stream).collect();
            streams.len() == vela.ethos_u.len() && streams.iter().zip(1..).all(|(s, k)| *s == Some(k))
        },
        segments,
        vela,
    })
}

/// The per-layer table: Vela's placement, cycles and SRAM, beside this compiler's op name
/// and MACs for the same operator (`cpu`: the `analyze` report of the same model).
pub fn render(a: &NpuAnalysis, cpu: Option<&Report>) -> String {
    let (v, s) = (&a.vela, &a.vela.summary);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "NPU {} (Vela {}; system config {}, memory mode {}, {} MHz: Vela's defaults)",
        v.accelerator_config,
        v.vela_version,
        s.system_config,
        s.memory_mode,
        s.clock_hz / 1_000_000
    );
    let _ = writeln!(
        out,
        "{:>3}  {:<18} {:<16} {:<4} {:>10} {:>9} {:>10}  note (why on the CPU)",
        "#", "op", "Vela op", "on", "cycles", "SRAM B", "CPU MACs"
    );
    for l in &v.layers {
        let ours = cpu.and_then(|r| r.layers.get(l.index));
        let row = format!(
            "{:>3}  {:<18} {:<16} {:<4} {:>10} {:>9} {:>10}  {}",
            l.index,
            ours.map(|o| o.op.as_str()).unwrap_or("-"),
            l.op,
            match l.target {
                Target::Npu => "NPU",
                Target::Cpu => "CPU",
            },
            grouped(l.cycles),
            grouped(l.sram_bytes),
            ours.map(|o| grouped(o.macs)).unwrap_or_else(|| "-".into()),
            match (l.target, &l.reason) {
                (Target::Cpu, Some(r)) => r.as_str(),
                (Target::Cpu, None) => "(Vela printed no reason)",
                (Target::Npu, _) if l.lowered == 0 => "(removed by Vela: no NPU command)",
                (Target::Npu, _) => "",
            }
        );
        let _ = writeln!(out, "{}", row.trim_end());
    }
    let _ = writeln!(
        out,
        "\nNPU total: {} of {} operators on the NPU; {} cycles ({} on the NPU), {:.3} ms at {} MHz (Vela's estimate{})",
        a.npu_layers,
        v.layers.len(),
        grouped(s.cycles_total),
        grouped(s.cycles_npu),
        s.inference_time_s * 1e3,
        s.clock_hz / 1_000_000,
        if a.cycles_match_summary { "" } else { "; WARNING: the per-layer cycles do not add up to it" }
    );
    let _ = writeln!(
        out,
        "NPU memory:  SRAM {} B, DRAM {} B, on-chip flash {} B, off-chip flash {} B (Vela's allocation); {} MACs as Vela counts them",
        grouped(s.sram_bytes),
        grouped(s.dram_bytes),
        grouped(s.on_chip_flash_bytes),
        grouped(s.off_chip_flash_bytes),
        grouped(s.macs)
    );
    let runs: Vec<String> = a
        .segments
        .iter()
        .map(|g| {
            let ops = if g.first == g.last { format!("#{}", g.first) } else { format!("#{}-{}", g.first, g.last) };
            match (g.target, g.command_stream) {
                (Target::Npu, Some(cs)) => {
                    match (cs as usize)
                        .checked_sub(1)
                        .and_then(|i| v.ethos_u.get(i))
                        .filter(|_| a.segments_match_output_model)
                    {
                        Some(e) => format!(
                            "NPU {ops} (command stream {cs}: {} B payload, {} B weights, {} B scratch)",
                            grouped(e.payload_bytes as u64),
                            grouped(e.weights_bytes as u64),
                            grouped(e.scratch_bytes as u64)
                        ),
                        None => format!("NPU {ops} (command stream {cs})"),
                    }
                }
                (Target::Npu, None) => format!("NPU {ops}"),
                (Target::Cpu, _) => format!("CPU {ops}"),
            }
        })
        .collect();
    let _ = writeln!(out, "Partition: {}", runs.join(", "));
    if let Some(r) = cpu {
        let _ = writeln!(
            out,
            "CPU (this compiler, every layer on the Cortex-M): {} MACs, arena {} B; measure its cycles with `cargo tinyml profile`",
            grouped(r.macs),
            grouped(r.arena_bytes as u64)
        );
    }
    out
}
