//! The optimized kernels against the reference kernels on the emulated cores themselves:
//! builds the on-target property tests (`runtime/target-tests`, a thumb-only workspace)
//! for each emulated board and runs them in QEMU, so that the inline assembly each CPU
//! selects is what gets compared (Helium on mps3-an547's Cortex-M55, the DSP extension on
//! mps2-an505's Cortex-M33 and mps2-an386's Cortex-M4). The host property tests
//! (`runtime/tests/optimized_kernels.rs`) can only run the portable paths.
//!
//! Every case is drawn from a fixed seed, so runs are reproducible; the firmware prints
//! the seed, and a mismatch report names the kernel, the case index and its parameters.
//! `TINYML_TARGET_TESTS_SEED` (another seed) and `TINYML_TARGET_TESTS_CASES` (cases per
//! kernel, default 1000) reach the firmware build through the environment.
//!
//! Needs `qemu-system-arm` and the thumb targets (`scripts/test` installs them); where
//! one is missing the test says so and skips, except under CI=true where it fails.

use cargo_tinyml::boards::{Board, Catalog};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The emulated cores' whole run takes seconds; this only stops a hung firmware.
const TIMEOUT: Duration = Duration::from_secs(600);

/// One firmware build per board at a time: a board's builds share a target directory,
/// where a concurrent build (another profile or feature) would replace the ELF before it
/// is copied. Boards build in parallel (each build is mostly one LTO codegen unit).
static BUILDS: Mutex<Vec<(String, Arc<Mutex<()>>)>> = Mutex::new(Vec::new());

fn build_lock(board: &str) -> Arc<Mutex<()>> {
    let mut all = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, lock)) = all.iter().find(|(b, _)| b == board) {
        return lock.clone();
    }
    let lock = Arc::new(Mutex::new(()));
    all.push((board.to_owned(), lock.clone()));
    lock
}

fn missing(what: &str) -> bool {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is missing; scripts/test installs it");
    }
    eprintln!("SKIPPED: {what} is missing (run scripts/test to install it)");
    true
}

/// The board, or `None` (skipped) when its emulator or Rust target is not installed.
fn emulated(name: &str) -> Option<Board> {
    let board = Catalog::builtin().unwrap().get(name).unwrap().clone();
    let emu = board.emulator.as_ref().expect("an emulated board");
    if cargo_tinyml::target::qemu::which(&emu.qemu).is_none() && missing(&emu.qemu) {
        return None;
    }
    let target = board.target.as_deref().expect("a Rust target");
    let installed = Command::new("rustup").args(["target", "list", "--installed"]).output();
    if let Ok(out) = installed {
        if !String::from_utf8_lossy(&out.stdout).lines().any(|l| l.trim() == target)
            && missing(&format!("rustup target {target}"))
        {
            return None;
        }
    }
    Some(board)
}

/// How the firmware is built.
#[derive(Clone, Copy)]
enum Profile {
    /// Release (LTO, `opt-level = 3`): the configuration that ships and is benchmarked.
    Release,
    /// Dev (`opt-level = 1`, debug assertions and overflow checks), as `cargo tinyml run`
    /// builds by default: inline assembly meets another register allocation there (a
    /// Helium store once failed to assemble only at this level).
    Dev,
}

/// Builds the firmware for `board`, with the `sabotage` feature corrupting the first
/// result of kernel `sabotage` when given; returns a copy of the ELF named after the
/// configuration.
fn build(board: &Board, profile: Profile, sabotage: Option<&str>) -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime/target-tests");
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("target-tests").join(&board.name);
    std::fs::create_dir_all(&target_dir).unwrap();
    // Rewritten only when it changes: a new mtime would rebuild the firmware.
    let memory_x = target_dir.join("memory.x");
    if std::fs::read_to_string(&memory_x).ok() != Some(board.memory_x()) {
        std::fs::write(&memory_x, board.memory_x()).unwrap();
    }
    let target = board.target.as_deref().unwrap();
    let (profile_arg, profile_dir) = match profile {
        Profile::Release => ("release", "release"),
        Profile::Dev => ("dev", "debug"),
    };
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(&crate_dir)
        .args(["build", "--quiet", "--profile", profile_arg, "--target", target])
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("RUSTFLAGS", format!("-C target-cpu={} -C link-arg=-Tlink.x", board.cpu()))
        .env("TINYML_TARGET_TESTS_MEMORY_X", &memory_x)
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    if let Some(kernel) = sabotage {
        cmd.args(["--features", "sabotage"]).env("TINYML_TARGET_TESTS_SABOTAGE", kernel);
    }
    let lock = build_lock(&board.name);
    let _one_build = lock.lock().unwrap_or_else(|e| e.into_inner());
    let status = cmd.status().expect("running cargo");
    assert!(status.success(), "building runtime/target-tests for {} ({profile_arg}) failed", board.name);
    let name = format!("{profile_arg}{}.elf", if sabotage.is_some() { "-sabotage" } else { "" });
    let copy = target_dir.join(name);
    std::fs::copy(target_dir.join(target).join(profile_dir).join("tinyml-target-tests"), &copy).unwrap();
    copy
}

/// Runs `elf` on the board's emulator: exit code and output.
fn run(board: &Board, elf: &Path) -> (i32, String) {
    let emu = board.emulator.as_ref().unwrap();
    let outcome = cargo_tinyml::target::qemu::run(emu, elf, TIMEOUT, false).unwrap();
    (outcome.code, outcome.stdout)
}

fn optimized_kernels_match_reference_on(name: &str, profile: Profile) {
    let Some(board) = emulated(name) else { return };
    let elf = build(&board, profile, None);
    let (code, stdout) = run(&board, &elf);
    assert_eq!(code, 0, "{name}: an optimized kernel differs from its reference (or panicked):\n{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("target-tests: ok ")), "{name}: no summary in:\n{stdout}");
    // A kernel that declined most shapes would pass unnoticed (the reference runs then):
    // the cases aim at shapes the kernels take, so at least 90% must have been compared.
    for line in stdout.lines().filter(|l| l.contains(" checked=")) {
        let count = |key: &str| -> u64 {
            let field = line.split_whitespace().find_map(|f| f.strip_prefix(key));
            field.and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no {key} in `{line}`"))
        };
        let (checked, declined) = (count("checked="), count("declined="));
        assert!(checked * 10 >= (checked + declined) * 9, "{name}: too many declined cases: {line}");
    }
    eprintln!("{name}:\n{stdout}");
}

/// Helium (MVE) kernels on the Cortex-M55.
#[test]
fn optimized_kernels_match_reference_on_mps3_an547() {
    optimized_kernels_match_reference_on("mps3-an547", Profile::Release);
}

/// Helium kernels in a dev build (see [`Profile::Dev`]); the overflow checks also catch
/// arithmetic that only wraps by accident.
#[test]
fn optimized_kernels_match_reference_on_mps3_an547_dev_build() {
    optimized_kernels_match_reference_on("mps3-an547", Profile::Dev);
}

/// DSP-extension kernels on the Cortex-M33 (Armv8-M mainline).
#[test]
fn optimized_kernels_match_reference_on_mps2_an505() {
    optimized_kernels_match_reference_on("mps2-an505", Profile::Release);
}

/// DSP-extension kernels on the Cortex-M4 (Armv7E-M).
#[test]
fn optimized_kernels_match_reference_on_mps2_an386() {
    optimized_kernels_match_reference_on("mps2-an386", Profile::Release);
}

/// The harness can fail: with one bit of the first depthwise result flipped (in the
/// harness, not the runtime), the run must stop at that case with a mismatch report
/// naming the kernel, the case and the index, after the kernels before it passed.
#[test]
fn a_flipped_result_bit_is_reported() {
    let Some(board) = emulated("mps3-an547") else { return };
    let elf = build(&board, Profile::Release, Some("depthwise_conv"));
    let (code, stdout) = run(&board, &elf);
    assert_eq!(code, 1, "the sabotaged run must fail:\n{stdout}");
    let flipped = stdout
        .lines()
        .find_map(|l| l.strip_prefix("target-tests: sabotage: flipping bit 0 of depthwise_conv case "))
        .unwrap_or_else(|| panic!("no sabotage line in:\n{stdout}"));
    let (case, index) = flipped.split_once(" result index ").expect("case and index");
    let report = format!("target-tests: MISMATCH kernel=depthwise_conv case={case} seed=");
    let line = stdout.lines().find(|l| l.starts_with(&report)).unwrap_or_else(|| panic!("no report in:\n{stdout}"));
    assert!(line.ends_with(&format!(" result=output index={index}")), "{line}");
    assert!(stdout.contains("target-tests: params DepthwiseCase {"), "no case parameters in:\n{stdout}");
    assert!(stdout.contains("target-tests: conv checked="), "the kernels before it ran:\n{stdout}");
    assert!(!stdout.contains("target-tests: depthwise_conv checked="), "the run went on:\n{stdout}");
}
