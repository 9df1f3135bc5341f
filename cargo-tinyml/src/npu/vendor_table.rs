//! The `analyze --npu neural-art|neutron` tables: what the vendor's compiler placed on
//! its NPU, beside this compiler's CPU figures for the same model, in the shape of the
//! Vela table (`super::render`).

use super::neutron::NeutronReport;
use super::stedgeai::{EpochKind, NeuralArtReport};
use super::vela::Target;
use crate::format::grouped;
use std::fmt::Write;
use tinyml_compiler::analysis::Report;

/// The Neural-ART table: one row per epoch (the report's unit; see `stedgeai`).
pub fn neural_art(r: &NeuralArtReport, cpu: Option<&Report>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "NPU Neural-ART ({}; `stedgeai analyze --target stm32n6 --st-neural-art`)",
        r.version.as_deref().unwrap_or("stedgeai, version not printed")
    );
    let _ = writeln!(out, "{:>5}  {:<4}  operation (software epochs)", "epoch", "on");
    for e in &r.epochs {
        let on = match e.on {
            EpochKind::Hw => "NPU",
            EpochKind::Ec => "NPU (epoch controller)",
            EpochKind::Sw => "CPU",
        };
        let row = format!("{:>5}  {:<4}  {}", e.id, on, e.operation.as_deref().unwrap_or(""));
        let _ = writeln!(out, "{}", row.trim_end());
    }
    let _ = writeln!(
        out,
        "\nNPU total: {} of {} epochs on the NPU, {} in software on the Cortex-M55 (stedgeai's report{})",
        r.npu_epochs,
        r.epochs.len(),
        r.cpu_epochs,
        if r.counts_match_report {
            ""
        } else {
            "; WARNING: the epoch lines do not match its \"Total number of epochs\""
        }
    );
    let _ = writeln!(
        out,
        "NPU memory:  weights {}, activations {} (stedgeai's allocation); epochs are stedgeai's unit, not the model's layers",
        bytes(r.weights_bytes),
        bytes(r.activations_bytes)
    );
    cpu_line(&mut out, cpu);
    out
}

/// The Neutron table: one row per operator of the converted model.
pub fn neutron(r: &NeutronReport, cpu: Option<&Report>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "NPU eIQ Neutron (neutron-converter --target {}; its output model)", r.target);
    let _ = writeln!(out, "{:>3}  {:<24} on", "#", "op (converted model)");
    for o in &r.operators {
        let on = match o.target {
            Target::Npu => "NPU",
            Target::Cpu => "CPU",
        };
        let _ = writeln!(out, "{:>3}  {:<24} {on}", o.index, o.op);
    }
    let _ = writeln!(
        out,
        "\nNPU total: {} NeutronGraph operator(s) on the NPU, {} operator(s) left to the CPU, from {} operators in the input model \
         (the converter does not record which input operators each NeutronGraph replaces)",
        r.npu_operators, r.cpu_operators, r.input_operators
    );
    if r.total_data_bytes.is_some() || r.total_weights_bytes.is_some() {
        let _ = writeln!(
            out,
            "NPU memory:  total data {}, total weights {} (the converter's statistics for graph main)",
            bytes(r.total_data_bytes),
            bytes(r.total_weights_bytes)
        );
    }
    cpu_line(&mut out, cpu);
    out
}

fn cpu_line(out: &mut String, cpu: Option<&Report>) {
    if let Some(r) = cpu {
        let _ = writeln!(
            out,
            "CPU (this compiler, every layer on the Cortex-M): {} layers, {} MACs, arena {} B; measure its cycles with `cargo tinyml profile`",
            r.layers.len(),
            grouped(r.macs),
            grouped(r.arena_bytes as u64)
        );
    }
}

/// `1,234 B`, or `-` where the tool's output gave no figure.
fn bytes(b: Option<u64>) -> String {
    b.map_or_else(|| "-".to_owned(), |b| format!("{} B", grouped(b)))
}
