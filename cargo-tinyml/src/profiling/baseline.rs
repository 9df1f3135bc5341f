//! `profile --baseline OLD.json`: the deltas of a new measured report against an old one,
//! as aligned rows and as data for the JSON report, with the verdict. A baseline of
//! another model (another model hash) is refused; a changed output checksum fails unless
//! the change is allowed.

use super::measured::MeasuredReport;
use crate::format::grouped;
use serde::Serialize;
use std::fmt::Write as _;

/// A baseline that cannot be compared with this run.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The two reports count different things.
    #[error("the baseline counts {old} and this run {new}: compare profiles of the same kind of board")]
    Unit {
        /// The baseline's unit.
        old: &'static str,
        /// This run's.
        new: &'static str,
    },
    /// The baseline was measured on another model.
    #[error("the baseline was measured on another model (model hash {old}, this project's is {new})")]
    OtherModel {
        /// The baseline's model hash.
        old: String,
        /// This run's.
        new: String,
    },
}

/// One compared figure.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Delta {
    /// What (`total instructions`, `arena bytes`, or the layer's `index op`).
    pub name: String,
    /// The baseline's value.
    pub old: u64,
    /// This run's.
    pub new: u64,
    /// Growth in percent (`null` when the baseline was 0 and this is not).
    pub percent: Option<f64>,
    /// Whether it grew beyond the threshold (never for layers, which are information).
    pub regression: bool,
}

/// The verdict of a comparison.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No figure grew beyond the threshold and the output is the same.
    Pass,
    /// A figure grew beyond the threshold.
    Regression,
    /// The output checksum changed (and that was not allowed).
    OutputChanged,
}

/// A baseline comparison (the `baseline` object of `profile --json --baseline`).
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// Regression threshold, percent.
    pub threshold: f64,
    /// Total time and memory figures.
    pub deltas: Vec<Delta>,
    /// Per layer, when both reports have the same layers.
    pub layers: Vec<Delta>,
    /// The baseline's output checksum and this run's, when they differ.
    pub output_change: Option<(String, String)>,
    /// Whether a changed output is accepted (`--allow-output-change`).
    pub output_change_allowed: bool,
    /// Descriptions of the figures that regressed.
    pub regressions: Vec<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// Printable rows.
    #[serde(skip)]
    pub text: String,
}

fn delta(name: String, old: u64, new: u64, threshold: f64) -> Delta {
    let percent = match (old, new) {
        (0, 0) => Some(0.0),
        (0, _) => None,
        _ => Some((new as f64 - old as f64) * 100.0 / old as f64),
    };
    let regression = percent.is_none_or(|p| p > threshold);
    Delta { name, old, new, percent, regression }
}

/// Compares `new` against `old`: the total time and each memory figure regress when they
/// grow by more than `threshold` percent; layers are listed for information; a changed
/// output checksum is a failure unless `allow_output_change`.
pub fn compare(
    new: &MeasuredReport,
    old: &MeasuredReport,
    threshold: f64,
    allow_output_change: bool,
) -> Result<Comparison, BaselineError> {
    if new.unit != old.unit {
        return Err(BaselineError::Unit { old: old.unit.name(), new: new.unit.name() });
    }
    if let (Some(o), Some(n)) = (&old.model_hash, &new.model_hash) {
        if o != n {
            return Err(BaselineError::OtherModel { old: o.clone(), new: n.clone() });
        }
    }
    let (o, n) = (&old.memory, &new.memory);
    let deltas = vec![
        delta(format!("total {}", new.unit.name()), old.total.value(), new.total.value(), threshold),
        delta("arena bytes".into(), o.arena_bytes, n.arena_bytes, threshold),
        delta("stack bytes".into(), o.stack_bytes, n.stack_bytes, threshold),
        delta("flash bytes".into(), o.flash_bytes, n.flash_bytes, threshold),
        delta("static RAM bytes".into(), o.static_ram_bytes, n.static_ram_bytes, threshold),
    ];
    let same_layers =
        old.layers.len() == new.layers.len() && old.layers.iter().zip(&new.layers).all(|(a, b)| a.op == b.op);
    let width = new.layers.len().saturating_sub(1).to_string().len();
    let layers: Vec<Delta> = if same_layers {
        old.layers
            .iter()
            .zip(&new.layers)
            .map(|(a, b)| Delta {
                regression: false,
                ..delta(format!("{:>width$} {}", a.index, a.op), a.value(), b.value(), threshold)
            })
            .collect()
    } else {
        Vec::new()
    };
    let output_change = (old.checksum != new.checksum).then(|| (old.checksum.clone(), new.checksum.clone()));
    let regressions: Vec<String> = deltas
        .iter()
        .filter(|d| d.regression)
        .map(|d| match d.percent {
            Some(p) => format!("{} {p:+.2}% (threshold {threshold}%)", d.name),
            None => format!("{} grew from 0 (threshold {threshold}%)", d.name),
        })
        .collect();
    let verdict = if !regressions.is_empty() {
        Verdict::Regression
    } else if output_change.is_some() && !allow_output_change {
        Verdict::OutputChanged
    } else {
        Verdict::Pass
    };
    let mut c = Comparison {
        threshold,
        deltas,
        layers,
        output_change,
        output_change_allowed: allow_output_change,
        regressions,
        verdict,
        text: String::new(),
    };
    c.text = render(&c, same_layers);
    Ok(c)
}

/// The rows, every column aligned: names padded to the longest, numbers right-aligned.
fn render(c: &Comparison, same_layers: bool) -> String {
    let name_width = c.deltas.iter().chain(&c.layers).map(|d| d.name.len() + 2).max().unwrap_or(0);
    let row = |out: &mut String, indent: &str, d: &Delta| {
        let pct = d.percent.map_or_else(|| "    new".to_owned(), |p| format!("{p:>+7.2}%"));
        let flag = if d.regression { "  REGRESSION" } else { "" };
        let name = format!("{indent}{}", d.name);
        let _ = writeln!(out, "  {name:<name_width$} {:>13} -> {:>13}  {pct}{flag}", grouped(d.old), grouped(d.new));
    };
    let mut text = format!("against the baseline (regression threshold {}%):\n", c.threshold);
    for d in &c.deltas {
        row(&mut text, "", d);
    }
    if same_layers {
        let _ = writeln!(text, "  per layer (not checked against the threshold):");
        for d in &c.layers {
            row(&mut text, "  ", d);
        }
    } else {
        let _ = writeln!(text, "  layers differ from the baseline's: per-layer deltas omitted");
    }
    if let Some((old, new)) = &c.output_change {
        let allowed = if c.output_change_allowed { " (allowed by --allow-output-change)" } else { "" };
        let _ = writeln!(text, "  output checksum changed {old} -> {new}{allowed}");
    }
    text
}

/// The hash that identifies a model file in a report: FNV-1a 64 of its bytes.
pub fn model_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("fnv1a64:{h:016x}")
}
