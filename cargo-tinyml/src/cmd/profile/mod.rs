//! `cargo tinyml profile`: build with profiling, run N inferences on the board (QEMU or
//! hardware), and report per layer where the time and the memory go.

pub mod report;

use crate::boards::{Board, Catalog, LoadFlow};
use crate::cargo::{self, BuildOptions, Project};
use crate::elf::Elf;
use crate::{probe, qemu, record};
use anyhow::{bail, Context as _};
use report::{Context, Report, Scale};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Exit code when `--baseline` finds a regression beyond `--threshold`.
pub const EXIT_REGRESSION: u8 = 3;

/// Default `--threshold`, in percent.
pub const DEFAULT_THRESHOLD: f64 = 5.0;

/// Build with per-layer profiling, run N inferences on the board, and report.
///
/// Emulated boards run in QEMU with `-icount shift=0`: times are emulated instruction
/// counts (SysTick ticks x 1e9 / systick_hz), deterministic on every run and machine,
/// never milliseconds. Hardware boards are flashed (or RAM-loaded) through probe-rs and
/// timed with the DWT cycle counter; records arrive over RTT.
///
/// Exit codes: 0 = profiled (and no regression); 1 = build, run or decode failed;
/// 3 = `--baseline` given and the total time or a memory figure grew by more than
/// `--threshold` percent.
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
    /// Debug probe for hardware boards (VID:PID[:SERIAL]).
    #[arg(long, value_name = "VID:PID[:SERIAL]")]
    pub probe: Option<String>,
    /// Stop waiting for the firmware after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300.0)]
    pub timeout: f64,
    /// Project directory (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
    /// Cargo's target directory (default: cargo's).
    #[arg(long, value_name = "DIR")]
    pub target_dir: Option<PathBuf>,
}

/// Resolves the board from `--board` and the project's metadata.
pub fn resolve_board(project: &Project, asked: Option<&str>) -> anyhow::Result<Board> {
    use crate::cmd::run::RunError;
    let name = match (asked, &project.board) {
        (Some(a), Some(g)) if a != g => bail!(RunError::BoardMismatch { project: g.clone(), asked: a.to_owned() }),
        (Some(b), _) => b.to_owned(),
        (None, Some(b)) => b.clone(),
        (None, None) => bail!(RunError::NoBoard),
    };
    Ok(Catalog::load()?.get(&name)?.clone())
}

/// Compiles the project's model on the host for its layer list and planned arena (the
/// firmware's build script compiles the same file the same way).
pub fn model_layers(project_root: &Path) -> anyhow::Result<(Vec<(String, u64)>, u64)> {
    let path = project_root.join("model/model.tflite");
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let program = tinyml_compiler::compile(&bytes, &tinyml_compiler::CompileOptions::default())
        .with_context(|| format!("cannot compile {}", path.display()))?;
    let layers = program.steps.iter().map(|s| (s.kernel.op_name().to_owned(), s.kernel.macs())).collect();
    Ok((layers, program.plan.arena_bytes as u64))
}

/// Options of [`profile`].
#[derive(Clone, Debug)]
pub struct Options {
    /// `--board`.
    pub board: Option<String>,
    /// `--runs`.
    pub runs: u16,
    /// `--probe`.
    pub probe: Option<String>,
    /// Wait limit.
    pub timeout: Duration,
    /// Cargo target directory.
    pub target_dir: Option<PathBuf>,
    /// Silence cargo.
    pub quiet: bool,
}

/// Builds, runs and measures the project in `dir`: the library entry point of the
/// command (integration tests call it).
pub fn profile(dir: &Path, o: &Options) -> anyhow::Result<Report> {
    if let Some(board) = crate::c2000::c_board_for(dir, o.board.as_deref())? {
        // A core probe-rs cannot drive (C28x): say so, with the steps that do measure it.
        bail!(crate::c2000::profile_unsupported(&board, dir));
    }
    let project = Project::find(dir)?;
    let board = resolve_board(&project, o.board.as_deref())?;
    let runs = o.runs.to_string();
    let build = BuildOptions { release: true, target_dir: o.target_dir.clone(), quiet: o.quiet };
    let elf_path = cargo::build_with(&project, &build, &["profile"], &[("TINYML_PROFILE_RUNS", &runs)])?;
    let elf = Elf::read(&elf_path)?;
    let (text, scale) = match (&board.emulator, &board.probe_rs_chip) {
        (Some(emu), _) => {
            let out = qemu::run(emu, &elf_path, o.timeout, false)?;
            if out.code != 0 {
                bail!(
                    "the profiling firmware exited with code {} in QEMU; its output:\n{}",
                    out.code,
                    strip_records(&out.stdout)
                );
            }
            (out.stdout, Scale::emulated(emu.systick_hz))
        }
        (None, Some(chip)) => (run_on_hardware(&board, chip, &elf, o)?, Scale::hardware(board.clock_hz)),
        (None, None) => bail!(
            "board `{}` has neither an emulator nor a probe-rs chip: load the firmware with the vendor tool",
            board.name
        ),
    };
    let decoded = record::decode_text(&text).context("cannot decode the firmware's profile records")?;
    let (layers, arena_bytes) = model_layers(&project.root)?;
    // Flash and static RAM of the firmware as shipped (no `profile` feature): the profiler's
    // own buffer and code must not count against the model.
    let shipped = Elf::read(&cargo::build(&project, &build)?)?.memory_use();
    let cx = Context {
        board: &board.name,
        emulated: board.emulator.is_some(),
        scale,
        layers: &layers,
        arena_bytes,
        elf: shipped,
        profiling_elf: elf.memory_use(),
    };
    Ok(report::build(&decoded, &cx)?)
}

fn strip_records(text: &str) -> String {
    text.lines().filter(|l| !l.starts_with(record::LINE_PREFIX)).collect::<Vec<_>>().join("\n")
}

fn run_on_hardware(board: &Board, chip: &str, elf: &Elf, o: &Options) -> anyhow::Result<String> {
    let selector = o.probe.as_deref().map(probe::parse_selector).transpose()?;
    let lister = probe_rs::probe::list::Lister::new();
    let open = || probe::select_probe(&lister, selector.as_ref());
    let mut session = probe::attach_checked(open, chip, probe::detect_chip)?;
    probe::load_and_start(&mut session, elf, chip, board.load == LoadFlow::Ram, |_| {})?;
    probe::enable_cycle_counter(&mut session)?;
    let text = probe::read_rtt(&mut session, elf, o.timeout, |s| {
        !matches!(
            record::decode_text(s),
            Err(record::DecodeError::NoRecords
                | record::DecodeError::Truncated { .. }
                | record::DecodeError::MissingEnd { .. })
        )
    })?;
    Ok(text)
}

impl Cmd {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        if !self.timeout.is_finite() || self.timeout <= 0.0 {
            bail!("--timeout must be a positive number of seconds");
        }
        if !self.threshold.is_finite() || self.threshold < 0.0 {
            bail!("--threshold must be a percentage >= 0");
        }
        let baseline: Option<Report> = match &self.baseline {
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
        let dir = match &self.path {
            Some(p) => p.clone(),
            None => std::env::current_dir()?,
        };
        let options = Options {
            board: self.board.clone(),
            runs: self.runs,
            probe: self.probe.clone(),
            timeout: Duration::from_secs_f64(self.timeout),
            target_dir: self.target_dir.clone(),
            quiet: self.json,
        };
        let report = profile(&dir, &options)?;
        if self.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print!("{}", report::render(&report));
        }
        if !report.checksums_agree {
            eprintln!("warning: the output differed between runs: the model or firmware is not deterministic");
        }
        if let Some(old) = baseline {
            let cmp = report::compare(&report, &old, self.threshold).map_err(anyhow::Error::msg)?;
            // With --json, stdout stays pure JSON: deltas go to stderr.
            if self.json {
                eprint!("{}", cmp.text);
            } else {
                print!("{}", cmp.text);
            }
            if !cmp.regressions.is_empty() {
                eprintln!(
                    "error: regression against {}: {}",
                    self.baseline.as_ref().unwrap().display(),
                    cmp.regressions.join("; ")
                );
                return Ok(ExitCode::from(EXIT_REGRESSION));
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
