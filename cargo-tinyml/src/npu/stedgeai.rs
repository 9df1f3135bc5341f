//! ST Edge AI Core's `stedgeai` for the STM32N6's Neural-ART NPU, run as
//!
//! ```text
//! stedgeai analyze --model MODEL --target stm32n6 --st-neural-art [PROFILE@FILE.json]
//!          --name network --workspace TMP/ws --output TMP/out
//! ```
//!
//! Sources, and what each one grounds:
//! - the options: ST Edge AI Core's own `stedgeai --help` (v4.0.1, captured in a public
//!   GitHub file found through the code index): `analyze|generate|validate` first,
//!   `--model/-m`, `--target` (`stm32n6 [--st-neural-art]`), `--name/-n` (default
//!   `network`), `--workspace/-w`, `--output/-o` ("folder where the generated files are
//!   saved"), and `--st-neural-art [ST_NEURAL_ART]`, whose argument is optional; ST's
//!   CLI documentation (https://stedgeai-dc.st.com/assets/embedded-docs/command_line_interface.html,
//!   .../stm32_command_line_interface.html) and its `c_info.json` article
//!   (.../api_output_c_info.html) show the `--st-neural-art profile@file.json` form;
//! - the output read back: a public log of `stedgeai analyze --target stm32n6 --name network
//!   -m M --st-neural-art P@F --workspace W --output O` (ST Edge AI Core v2.2.0, X-CUBE-AI
//!   10.2.0, also found through the code index) that ends with "Creating txt report file
//!   O/network_analyze_report.txt"; that report's "Epochs details" section lists every
//!   epoch as `epoch N  HW`, or `epoch N  -SW-  ( Operation )` for an epoch the Cortex-M55
//!   runs, after "Total number of epochs: T of which S implemented in software"; its
//!   summary gives `weights (ro)` and `activations (rw)` in bytes. The column's header is
//!   `HW/SW/EC`: an `EC` row (an epoch controller blob) is read like an `HW` one, but no
//!   public report with one was found, so that form is inferred from the header.
//!
//! Not read: `network_c_info.json`, which per ST's article maps the generated graph to the
//! model; its schema was not available here, so the placement stays per epoch, not per
//! input layer. `analyze` is used rather than `generate` because only the placement is
//! needed; nothing it writes is kept.

use super::vendor::{self, ToolError, Vendor};
use serde::Serialize;
use std::ffi::OsString;
use std::path::Path;

/// The report file `analyze --name network` writes into `--output`.
pub const REPORT: &str = "network_analyze_report.txt";

/// Where an epoch runs, as the report's `HW/SW/EC` column says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EpochKind {
    /// On the NPU, driven by the CPU.
    Hw,
    /// In software on the Cortex-M55 (ST's network runtime library).
    Sw,
    /// On the NPU through its epoch controller.
    Ec,
}

/// One epoch of the compiled network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Epoch {
    /// Its number (from 1).
    pub id: u32,
    /// Where it runs.
    pub on: EpochKind,
    /// The operation of a software epoch, as the report names it (ONNX names:
    /// `DequantizeLinear`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
}

/// What `stedgeai analyze` says about a model on the Neural-ART NPU.
#[derive(Clone, Debug, Serialize)]
pub struct NeuralArtReport {
    /// `stedgeai`.
    pub compiler: &'static str,
    /// Its version line (`ST Edge AI Core v2.2.0-20266 2adc00962`), when it printed one.
    pub version: Option<String>,
    /// The command line run.
    pub command: Vec<String>,
    /// Every epoch, in order.
    pub epochs: Vec<Epoch>,
    /// Epochs on the NPU (HW and EC).
    pub npu_epochs: usize,
    /// Epochs in software on the CPU.
    pub cpu_epochs: usize,
    /// Whether the epoch list agrees with the report's own "Total number of epochs" line.
    pub counts_match_report: bool,
    /// Weights, bytes (`weights (ro)`).
    pub weights_bytes: Option<u64>,
    /// Activations, bytes (`activations (rw)`).
    pub activations_bytes: Option<u64>,
}

/// The arguments after `stedgeai`.
pub fn command_line(model: &Path, profile: Option<&str>, workspace: &Path, output: &Path) -> Vec<OsString> {
    let mut args: Vec<OsString> =
        ["analyze", "--model"].into_iter().map(OsString::from).chain([model.as_os_str().to_owned()]).collect();
    args.extend(["--target", "stm32n6", "--st-neural-art"].map(OsString::from));
    args.extend(profile.map(OsString::from));
    args.extend(["--name", "network", "--workspace"].map(OsString::from));
    args.push(workspace.as_os_str().to_owned());
    args.push("--output".into());
    args.push(output.as_os_str().to_owned());
    args
}

/// Runs `stedgeai analyze` on `model` (found as [`vendor::find`] does) and reads its report.
pub fn analyze(model: &Path, compiler: Option<&Path>, profile: Option<&str>) -> Result<NeuralArtReport, anyhow::Error> {
    let tool = vendor::find(Vendor::NeuralArt, compiler)?;
    let dir = vendor::temp_dir(Vendor::NeuralArt)?;
    let (workspace, output) = (dir.join("ws"), dir.join("out"));
    let args = command_line(model, profile, &workspace, &output);
    let result = vendor::run(Vendor::NeuralArt, &tool, &args, model).and_then(|console| {
        let report = std::fs::read_to_string(output.join(REPORT)).map_err(|e| ToolError::Layout {
            vendor: Vendor::NeuralArt,
            reason: format!("cannot read {REPORT} in --output: {e}"),
        })?;
        parse(&report, &console, vendor::shown(&tool, &args))
    });
    let _ = std::fs::remove_dir_all(&dir);
    Ok(result?)
}

/// Reads the report (and the version line from the console, or from the report).
pub fn parse(report: &str, console: &str, command: Vec<String>) -> Result<NeuralArtReport, ToolError> {
    let layout = |reason: &str| ToolError::Layout { vendor: Vendor::NeuralArt, reason: reason.into() };
    let mut epochs = Vec::new();
    let mut declared: Option<(usize, usize)> = None;
    for line in report.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Total number of epochs:") {
            // "72 of which 2 implemented in software"
            let words: Vec<&str> = rest.split_whitespace().collect();
            if let [total, "of", "which", sw, ..] = words.as_slice() {
                declared = vendor::number(total).zip(vendor::number(sw)).map(|(t, s)| (t as usize, s as usize));
            }
        } else if let Some(epoch) = epoch_line(line) {
            epochs.push(epoch);
        }
    }
    let Some((total, software)) = declared else {
        return Err(layout("no \"Total number of epochs\" line (the \"Epochs details\" section)"));
    };
    if epochs.is_empty() {
        return Err(layout("no `epoch N HW|-SW-|EC` lines under \"Epochs details\""));
    }
    let cpu_epochs = epochs.iter().filter(|e| e.on == EpochKind::Sw).count();
    let summary = |key: &str| {
        report.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == key).then(|| vendor::number(v.split_whitespace().next()?)).flatten()
        })
    };
    let version = console
        .lines()
        .chain(report.lines())
        .map(str::trim)
        .find(|l| l.starts_with("ST Edge AI Core v"))
        .map(str::to_owned);
    Ok(NeuralArtReport {
        compiler: Vendor::NeuralArt.tool(),
        version,
        command,
        npu_epochs: epochs.len() - cpu_epochs,
        cpu_epochs,
        counts_match_report: total == epochs.len() && software == cpu_epochs,
        epochs,
        weights_bytes: summary("weights (ro)"),
        activations_bytes: summary("activations (rw)"),
    })
}

/// `epoch 38     -SW-   (    DepthToSpace    )`, `epoch 1       HW`, `epoch 3   EC`.
fn epoch_line(line: &str) -> Option<Epoch> {
    let rest = line.strip_prefix("epoch ")?;
    let mut words = rest.split_whitespace();
    let id: u32 = words.next()?.parse().ok()?;
    let on = match words.next()? {
        "HW" => EpochKind::Hw,
        "-SW-" => EpochKind::Sw,
        "EC" => EpochKind::Ec,
        _ => return None,
    };
    let operation = (on == EpochKind::Sw)
        .then(|| {
            let (_, after) = rest.split_once('(')?;
            let name = after.rsplit_once(')').map_or(after, |(n, _)| n).trim();
            (!name.is_empty()).then(|| name.to_owned())
        })
        .flatten();
    Some(Epoch { id, on, operation })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_epoch_lines() {
        assert_eq!(epoch_line("epoch 1       HW"), Some(Epoch { id: 1, on: EpochKind::Hw, operation: None }));
        assert_eq!(
            epoch_line("epoch 38     -SW-   (    DepthToSpace    )"),
            Some(Epoch { id: 38, on: EpochKind::Sw, operation: Some("DepthToSpace".into()) })
        );
        assert_eq!(epoch_line("epoch ID   HW/SW/EC Operation (SW only)"), None);
    }
}
