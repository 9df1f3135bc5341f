//! `cargo tinyml profile`: build with profiling, run N inferences on the board (QEMU or
//! hardware), and report per layer where the time and the memory go. The measuring is
//! [`crate::profiling`]; this module parses the options and prints.

use crate::common::{self, ProjectArgs};
use crate::profiling::baseline::{self, Comparison, Verdict};
use crate::profiling::measured::{self, MeasuredReport};
use crate::profiling::{self, MeasureOptions};
use anyhow::{bail, Context as _};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when `--baseline` finds a regression beyond `--threshold`.
pub const EXIT_REGRESSION: u8 = 3;

/// The `--json` document: the report, and the comparison when `--baseline` is given.
#[derive(serde::Serialize)]
struct JsonOut<'a> {
    #[serde(flatten)]
    report: &'a MeasuredReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'a Comparison>,
}

/// Default `--threshold`, in percent.
pub const DEFAULT_THRESHOLD: f64 = 5.0;

/// Build with per-layer profiling, run N inferences on the board, and report.
///
/// Emulated boards run in QEMU with `-icount shift=0`: times are emulated instruction
/// counts (SysTick ticks x 1e9 / systick_hz), deterministic on every run and machine,
/// never milliseconds. Hardware boards are flashed (or RAM-loaded) through probe-rs and
/// timed with the DWT cycle counter; records arrive over RTT.
///
/// Exit codes: 0 = profiled (and no regression); 1 = build, run or decode failed, or the
/// baseline is of another model; 3 = `--baseline` given and the total time or a memory
/// figure grew by more than `--threshold` percent, or the output checksum changed (unless
/// `--allow-output-change`). With `--json`, the report carries the comparison under
/// `baseline` (deltas, per-layer deltas, verdict).
#[derive(Debug, clap::Args)]
pub struct Cmd {
    /// Board; default: `[package.metadata.tinyml] board` of the project.
    #[arg(long, short)]
    pub board: Option<String>,
    /// Inferences to run (the report shows the median per layer).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..))]
    pub runs: u16,
    /// Print the report as JSON (for CI) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// A previous `--json` report: print deltas and exit 3 on a regression.
    #[arg(long, value_name = "OLD.json")]
    pub baseline: Option<PathBuf>,
    /// Percent growth of the total time or of a memory figure counted as a regression.
    #[arg(long, value_name = "PCT", default_value_t = DEFAULT_THRESHOLD)]
    pub threshold: f64,
    /// With --baseline: accept a changed output checksum (e.g. after retraining the same
    /// architecture); without it, a changed output exits 3.
    #[arg(long, requires = "baseline")]
    pub allow_output_change: bool,
    /// Debug probe for hardware boards (VID:PID[:SERIAL]).
    #[arg(long, value_name = "VID:PID[:SERIAL]")]
    pub probe: Option<String>,
    /// Stop waiting for the firmware after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300.0)]
    pub timeout: f64,
    /// Where the project is and where cargo builds it.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Arena bytes against instructions: the plan the firmware is built and reported with.
    #[command(flatten)]
    pub memory: crate::common::MemoryArgs,
}

impl Cmd {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let timeout = common::timeout(self.timeout)?;
        if !self.threshold.is_finite() || self.threshold < 0.0 {
            bail!("--threshold must be a percentage >= 0");
        }
        let baseline: Option<MeasuredReport> = match &self.baseline {
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).with_context(|| format!("cannot read the baseline {}", p.display()))?;
                Some(
                    serde_json::from_str(&text)
                        .with_context(|| format!("{} is not a `cargo tinyml profile --json` report", p.display()))?,
                )
            }
            None => None,
        };
        let options = MeasureOptions {
            board: self.board.clone(),
            runs: self.runs,
            probe: self.probe.clone(),
            timeout,
            target_dir: self.project.target_dir.clone(),
            quiet: self.json,
            memory: self.memory.mode(),
        };
        let report = profiling::measure(&self.project.dir()?, &options)?;
        let comparison = match &baseline {
            Some(old) => Some(baseline::compare(&report, old, self.threshold, self.allow_output_change)?),
            None => None,
        };
        if self.json {
            let out = JsonOut { report: &report, baseline: comparison.as_ref() };
            println!("{}", serde_json::to_string_pretty(&out)?);
        } else {
            print!("{}", measured::render(&report));
        }
        if !report.checksums_agree {
            eprintln!("warning: the output differed between runs: the model or firmware is not deterministic");
        }
        let Some(cmp) = comparison else { return Ok(ExitCode::SUCCESS) };
        // With --json, stdout stays pure JSON: the rows go to stderr.
        if self.json {
            eprint!("{}", cmp.text);
        } else {
            print!("{}", cmp.text);
        }
        let path = self.baseline.as_ref().expect("a comparison has a baseline").display();
        match cmp.verdict {
            Verdict::Pass => {}
            Verdict::Regression => {
                eprintln!("error: regression against {path}: {}", cmp.regressions.join("; "));
                return Ok(ExitCode::from(EXIT_REGRESSION));
            }
            Verdict::OutputChanged => {
                let (old, new) = cmp.output_change.as_ref().expect("a changed output");
                eprintln!(
                    "error: the output checksum changed against {path} ({old} -> {new}): the model computes something else; pass --allow-output-change if that is intended"
                );
                return Ok(ExitCode::from(EXIT_REGRESSION));
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
