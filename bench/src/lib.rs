//! `tinyml-bench`: builds the benchmark firmware (`bench/firmware`, or
//! `bench/microflow-firmware` for the Rust peer `microflow`) for each emulated board,
//! model and variant, runs it in QEMU with `-icount shift=0` and collects deterministic
//! figures: emulated instructions per inference (SysTick ticks times the instructions per
//! tick, checked by a calibration loop), instructions per MAC, arena bytes (microflow: the
//! stack high-water, as it keeps its tensors on the stack), static RAM and flash bytes
//! (`.text` + `.rodata`), plus the check of the output against the host run of the same
//! model with the reference kernels.
//!
//! The `sweep` module does the same for single-layer models over a grid of shapes, many
//! models per firmware image.
//!
//! Figures are emulated instruction counts, never time on a real chip.

use anyhow::{bail, Context, Result};
use cargo_tinyml::boards::{Catalog, Emulator, Flow};
use cargo_tinyml::target::{elf::Elf, qemu};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

pub use cargo_tinyml::boards::Board;

mod measurement;
pub mod sweep;
mod table;
pub use measurement::{Measurement, Unmeasured, Variant};
pub use table::{microflow_table, table};

/// The shared models the issue benchmarks, by file stem, relative to the models directory.
pub const MODELS: &[&str] = &[
    "mlperf-tiny/kws_ref_model.tflite",
    "mlperf-tiny/ad01_int8.tflite",
    "mlperf-tiny/vww_96_int8.tflite",
    "mlperf-tiny/ic_resnet8_int8.tflite",
    "tflite-micro/micro_speech_quantized.tflite",
    "tflite-micro/hello_world_int8.tflite",
];

/// The emulated boards, by board file name.
pub const BOARDS: &[&str] = &["mps3-an547", "mps2-an505", "mps2-an386"];

/// The `microflow` release `bench/microflow-firmware` pins (`microflow = "=..."` there;
/// a unit test keeps the two equal).
pub const MICROFLOW_VERSION: &str = "0.1.3";

/// The emulated board `name`, from the board files cargo-tinyml embeds (`boards/*.toml`).
pub fn board(name: &str) -> Result<Board> {
    let board = Catalog::builtin()?.get(name)?.clone();
    emulated(&board)?;
    Ok(board)
}

/// The Rust target and the QEMU machine of an emulated board.
pub(crate) fn emulated(board: &Board) -> Result<(&str, &Emulator)> {
    match (board.target.as_deref(), board.flow()) {
        (Some(target), Flow::Qemu(emu)) => Ok((target, emu)),
        _ => bail!("{}: not an emulated board", board.name),
    }
}

/// Where things are and how to build.
#[derive(Clone, Debug)]
pub struct Config {
    /// The repository root (holds `boards/`, `bench/firmware`).
    pub root: PathBuf,
    /// Directory of the shared models.
    pub models_dir: PathBuf,
    /// Cargo target directory for the firmware builds (one subdirectory per board and
    /// variant, so switching models only rebuilds the firmware crate).
    pub target_dir: PathBuf,
    /// `opt-level` of the release profile (`3`, `s`, ...).
    pub opt_level: String,
    /// The compiler's memory mode (`ram`, `balanced`, `speed`; `TINYML_MEMORY` of the
    /// firmware's build script); `None`: the compiler's default.
    pub memory: Option<String>,
}

impl Config {
    /// Defaults: root from this crate's manifest, models from `$TINYML_MODELS_DIR` or
    /// `tests/data` in the workspace, target dir `$CARGO_TARGET_DIR/bench` or
    /// `target/bench`, opt-level 3.
    pub fn from_env() -> Config {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let models_dir =
            std::env::var_os("TINYML_MODELS_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("tests/data"));
        let target_dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"))
            .join("bench");
        Config { root, models_dir, target_dir, opt_level: "3".into(), memory: None }
    }
}

/// Builds the firmware for `board`, `model` and `variant`; returns the ELF (a copy named
/// after the configuration, so later builds do not overwrite it). A microflow build that
/// fails (an operator it does not support, say) is an error holding cargo's first error
/// line; its whole output is kept beside the ELF as `<model>.build.log`.
pub fn build_firmware(cfg: &Config, board: &Board, model: &str, variant: Variant) -> Result<PathBuf> {
    let (target, _) = emulated(board)?;
    let model_path = cfg.models_dir.join(model);
    if !model_path.exists() {
        bail!("model {} not found (set TINYML_MODELS_DIR)", model_path.display());
    }
    let target_dir = cfg.target_dir.join(format!("{}-{}-O{}", board.name, variant.as_str(), cfg.opt_level));
    std::fs::create_dir_all(&target_dir)?;
    let memory_x = target_dir.join("memory.x");
    std::fs::write(&memory_x, board.memory_x())?;
    let (crate_dir, binary) = variant.firmware();
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(cfg.root.join(crate_dir))
        .args(["build", "--release", "--quiet", "--target", target])
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", &cfg.opt_level)
        .env("RUSTFLAGS", format!("-C target-cpu={} -C link-arg=-Tlink.x", board.cpu()))
        .env("TINYML_BENCH_MODEL", &model_path)
        .env("TINYML_BENCH_MEMORY_X", &memory_x)
        .env("TINYML_MEMORY", cfg.memory.as_deref().unwrap_or(""))
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    let mut features: Vec<String> = Vec::new();
    if variant != Variant::Microflow {
        // Extra firmware features, e.g. `layers` for per-layer ticks (`TINYML_BENCH_FEATURES`).
        features.extend(std::env::var("TINYML_BENCH_FEATURES"));
    }
    if variant == Variant::Reference {
        features.push("reference-kernels".into());
    }
    if !features.is_empty() {
        cmd.args(["--features", &features.join(",")]);
    }
    if variant == Variant::Microflow {
        // microflow is a peer under test, not our code: whether it compiles a model is a
        // result to record, so its errors are captured instead of shown.
        let out = cmd.stdin(Stdio::null()).output().context("running cargo")?;
        let log = target_dir.join(format!("{}.build.log", stem(model)));
        std::fs::write(&log, &out.stderr)?;
        if !out.status.success() {
            bail!("{} (full log: {})", first_error(&String::from_utf8_lossy(&out.stderr)), log.display());
        }
    } else {
        let status = cmd.status().context("running cargo")?;
        if !status.success() {
            bail!("building the firmware for {} / {model} / {} failed", board.name, variant.as_str());
        }
    }
    let elf = target_dir.join(target).join("release").join(binary);
    let copy = match &cfg.memory {
        Some(mode) => target_dir.join(format!("{}.{mode}.elf", stem(model))),
        None => target_dir.join(format!("{}.elf", stem(model))),
    };
    std::fs::copy(&elf, &copy).with_context(|| format!("copying {}", elf.display()))?;
    Ok(copy)
}

/// The first `error...` line of cargo's output and the message under it when the line
/// itself is only a header (proc-macro panics print `error: proc macro panicked` and then
/// `= help: message: ...`).
fn first_error(stderr: &str) -> String {
    let mut lines = stderr.lines().map(str::trim);
    let Some(first) = lines.find(|l| l.starts_with("error")) else {
        return stderr.lines().last().unwrap_or("cargo failed without output").trim().to_owned();
    };
    match lines.take(8).find_map(|l| l.strip_prefix("= help: message: ")) {
        Some(detail) => format!("{first}: {detail}"),
        None => first.to_owned(),
    }
}

/// The file stem of a model path (`kws_ref_model`).
pub fn stem(model: &str) -> String {
    Path::new(model).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Section sizes of a firmware ELF, as the benchmark tables count them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sizes {
    /// `.text` + `.rodata`.
    pub flash: u64,
    /// `.data` + `.bss`.
    pub static_ram: u64,
}

/// [`Sizes`] of `elf`.
pub fn sizes(elf: &Path) -> Result<Sizes> {
    let elf = Elf::read(elf)?;
    let sum = |names: [&str; 2]| names.iter().filter_map(|n| elf.section(n)).map(|s| s.size).sum();
    Ok(Sizes { flash: sum([".text", ".rodata"]), static_ram: sum([".data", ".bss"]) })
}

/// How long one firmware may run in QEMU: the slowest configuration (reference kernels,
/// KWS on the M33) takes seconds; a firmware that faults spins in its fault handler.
const QEMU_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `elf` on the board's QEMU machine and parses the firmware's `bench:` line.
pub fn run(board: &Board, elf: &Path, model: &str, variant: Variant) -> Result<Measurement> {
    let (_, emu) = emulated(board)?;
    let qemu::Outcome { stdout, stderr, .. } = qemu::run(emu, elf, QEMU_TIMEOUT, false)
        .with_context(|| format!("running {} in QEMU {}", elf.display(), emu.machine))?;
    let line = stdout
        .lines()
        .find(|l| l.starts_with("bench: ticks="))
        .with_context(|| format!("no result from {} / {model}: {stdout}{stderr}", board.name))?;
    let field = |k: &str| -> Result<&str> {
        line.split_whitespace()
            .find_map(|f| f.strip_prefix(k).and_then(|r| r.strip_prefix('=')))
            .with_context(|| format!("field {k} missing in `{line}`"))
    };
    let num = |k: &str| -> Result<u64> { Ok(field(k)?.parse()?) };
    let (ticks, calib_ticks, calib_insns) = (num("ticks")?, num("calib_ticks")?, num("calib_insns")?);
    // The calibration loop runs a known number of instructions: check that the board's
    // SysTick frequency gives the right instructions per tick (to within one tick).
    let expected_ticks = calib_insns as f64 / emu.instructions_per_tick();
    if (calib_ticks as f64 - expected_ticks).abs() > 2.0 {
        bail!(
            "{}: calibration loop of {calib_insns} instructions took {calib_ticks} ticks, expected {expected_ticks:.0} \
             from systick_hz = {}",
            board.name,
            emu.systick_hz
        );
    }
    let sizes = sizes(elf)?;
    let microflow = variant == Variant::Microflow;
    Ok(Measurement {
        board: board.name.clone(),
        model: stem(model),
        variant,
        ticks,
        instructions: (ticks as f64 * emu.instructions_per_tick()).round() as u64,
        macs: num("macs")?,
        arena: if microflow { 0 } else { num("arena")? },
        stack: if microflow { Some(num("stack")?) } else { None },
        static_ram: sizes.static_ram,
        flash: sizes.flash,
        check_ok: field("check")? == "ok",
        max_abs_diff: if microflow { Some(num("max_abs_diff")?) } else { None },
    })
}

/// Builds and runs one configuration.
pub fn measure(cfg: &Config, board: &Board, model: &str, variant: Variant) -> Result<Measurement> {
    let elf = build_firmware(cfg, board, model, variant)?;
    run(board, &elf, model, variant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microflow_version_matches_the_firmware_pin() {
        let manifest = Config::from_env().root.join("bench/microflow-firmware/Cargo.toml");
        let text = std::fs::read_to_string(&manifest).expect("read the microflow firmware manifest");
        assert!(
            text.contains(&format!("microflow = \"={MICROFLOW_VERSION}\"")),
            "{} does not pin microflow {MICROFLOW_VERSION}",
            manifest.display()
        );
    }

    #[test]
    fn first_error_keeps_the_proc_macro_message() {
        let stderr = "   Compiling x v0.1.0\nerror: proc macro panicked\n --> src/main.rs:14:5\n   |\n   \
                      = help: message: not implemented\n\nerror: could not compile `x`\n";
        assert_eq!(first_error(stderr), "error: proc macro panicked: not implemented");
        assert_eq!(
            first_error("error: unsupported operator: BuiltinOperator(MUL)\n --> src/main.rs\n"),
            "error: unsupported operator: BuiltinOperator(MUL)"
        );
    }
}
