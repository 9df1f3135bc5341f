//! Tests on a real board, run only when one is connected and named:
//!
//! ```text
//! TINYML_HW_BOARD=frdm-mcxn947 [TINYML_HW_PROBE=1fc9:0143[:SERIAL]] \
//!     cargo test -p cargo-tinyml --test hardware -- --test-threads 1 --nocapture
//! ```
//!
//! - `TINYML_HW_BOARD`: a board with a probe-rs chip (`cargo tinyml boards`), plugged in.
//! - `TINYML_HW_PROBE` (optional): `VID:PID[:SERIAL]` of the probe, when several are connected.
//! - `TINYML_HW_MODEL` (optional): a `.tflite` to profile instead of the shipped hello_world.
//! - `TINYML_HW_TOLERANCE_PCT` (optional, default 0): how far, in percent, the per-layer
//!   median cycle counts of two profiles may differ. 0 asks for identical counts, which a
//!   core running from tightly coupled or uncached memory gives; caches may need more.
//!
//! Each test scaffolds a project the way `cargo tinyml new` does, then runs the real
//! commands: `flash --dry-run`, `flash` (streaming the RTT output to the firmware's exit),
//! `flash --detach`, and `profile` twice. Without `TINYML_HW_BOARD`
//! every test prints one `skipped:` line and passes. None of them has run on hardware in
//! the environment this was written in (no board was connected).

use cargo_tinyml::boards::{Board, Catalog};
use cargo_tinyml::profiling::{self, measured, MeasureOptions};
use cargo_tinyml::project::scaffold::{self, Model, Spec};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The board under test, or `None` (after printing the skip line) when none is named.
fn board() -> Option<Board> {
    let Ok(name) = std::env::var("TINYML_HW_BOARD") else {
        eprintln!(
            "skipped: no board named; set TINYML_HW_BOARD=<board> (e.g. frdm-mcxn947, stm32n6570-dk) with the board connected to run the hardware tests"
        );
        return None;
    };
    let catalog = Catalog::load().unwrap();
    let board = catalog.get(&name).unwrap_or_else(|e| panic!("TINYML_HW_BOARD={name}: {e}")).clone();
    assert!(
        board.emulator.is_none() && board.probe_rs_chip.is_some(),
        "TINYML_HW_BOARD={name} is not a hardware board that probe-rs drives (emulated boards are tested by tests/profile.rs)"
    );
    Some(board)
}

fn probe() -> Option<String> {
    std::env::var("TINYML_HW_PROBE").ok().filter(|s| !s.is_empty())
}

fn target_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hardware-target")
}

/// Scaffolds a project for `board` with the model of `TINYML_HW_MODEL` or hello_world.
fn project(name: &str, board: &Board) -> PathBuf {
    let dest = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hardware").join(name);
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    let model = match std::env::var_os("TINYML_HW_MODEL") {
        None => Model::Default,
        Some(p) => {
            let path = PathBuf::from(p);
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("TINYML_HW_MODEL={}: {e}", path.display()));
            Model::File { path, bytes }
        }
    };
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned();
    let spec = Spec { name, board, model, source_dir: Some(workspace), weights_in_ram: 0 };
    scaffold::write_atomically(&dest, &scaffold::files(&spec)).unwrap();
    dest
}

/// Runs `cargo tinyml <args>` (this build of the binary) in `dir`.
fn cargo_tinyml(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"));
    cmd.arg("tinyml").args(args).arg("--path").arg(dir).arg("--target-dir").arg(target_dir());
    if let Some(p) = probe() {
        cmd.args(["--probe", &p]);
    }
    let out = cmd.output().unwrap();
    eprintln!("cargo tinyml {}: {}\n{}", args.join(" "), out.status, String::from_utf8_lossy(&out.stderr));
    out
}

#[test]
fn hw_flash_runs_and_the_image_fits() {
    let Some(board) = board() else { return };
    let dir = project("hw-flash", &board);
    let dry = cargo_tinyml(&dir, &["flash", "--release", "--dry-run"]);
    assert!(dry.status.success(), "flash --dry-run failed on {}", board.name);
    // Flashes, then streams the firmware's RTT output until its semihosting exit (0).
    let flash = cargo_tinyml(&dir, &["flash", "--release"]);
    assert!(flash.status.success(), "flash failed on {}", board.name);
    let stderr = String::from_utf8_lossy(&flash.stderr);
    assert!(stderr.contains("reset and running") || stderr.contains("and started it"), "{stderr}");
    let stdout = String::from_utf8_lossy(&flash.stdout);
    assert!(stdout.contains("tinyml: output0 = [") && stdout.contains("tinyml: inference: "), "{stdout}");
    // --detach: flashed and started, no output awaited.
    let detached = cargo_tinyml(&dir, &["flash", "--release", "--detach"]);
    assert!(detached.status.success() && detached.stdout.is_empty(), "flash --detach on {}", board.name);
}

#[test]
fn hw_profile_is_complete_and_repeats() {
    let Some(board) = board() else { return };
    let dir = project("hw-profile", &board);
    let options = MeasureOptions {
        board: None,
        runs: 3,
        probe: probe(),
        timeout: Duration::from_secs(120),
        target_dir: Some(target_dir()),
        quiet: true,
        memory: Default::default(),
    };
    let a = profiling::measure(&dir, &options).unwrap_or_else(|e| panic!("profile on {}: {e:?}", board.name));
    println!("{}", measured::render(&a));
    let b = profiling::measure(&dir, &options).unwrap_or_else(|e| panic!("second profile on {}: {e:?}", board.name));
    println!("{}", measured::render(&b));

    // Complete: DWT cycles for every layer, µs at the board clock, every memory figure.
    assert_eq!(a.board, board.name);
    assert!(!a.emulated);
    assert_eq!(a.unit, measured::Unit::Cycles);
    assert_eq!(a.runs, 3);
    assert_eq!(a.clock_hz, Some(board.clock_hz));
    assert!(!a.layers.is_empty());
    for l in &a.layers {
        assert!(l.instructions.is_none() && l.us.is_some(), "{l:?}");
        assert!(l.macs == 0 || l.cycles.unwrap() > 0, "a layer that computes took 0 cycles: {l:?}");
    }
    assert!(a.total.cycles.unwrap() >= a.layers.iter().map(|l| l.value()).sum::<u64>());
    assert!(a.checksums_agree, "the output differed between runs");
    let m = &a.memory;
    assert!(
        m.arena_bytes > 0 && m.stack_bytes > 0 && m.flash_bytes > 0 && m.static_ram_bytes >= m.arena_bytes,
        "{m:?}"
    );

    // Repeats: the same firmware gives the same counts (within the tolerance) and output.
    let tolerance: f64 = std::env::var("TINYML_HW_TOLERANCE_PCT").map(|s| s.parse().unwrap()).unwrap_or(0.0);
    let close = |x: u64, y: u64| (x as f64 - y as f64).abs() <= x.max(y) as f64 * tolerance / 100.0;
    for (la, lb) in a.layers.iter().zip(&b.layers) {
        assert!(
            close(la.value(), lb.value()),
            "layer {} ({}): {} vs {} cycles",
            la.index,
            la.op,
            la.value(),
            lb.value()
        );
    }
    assert!(close(a.total.value(), b.total.value()), "total: {} vs {} cycles", a.total.value(), b.total.value());
    assert_eq!(a.checksum, b.checksum);
    assert_eq!(a.memory.stack_bytes, b.memory.stack_bytes);
}
