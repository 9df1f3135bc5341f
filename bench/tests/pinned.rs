//! Pins the optimized kernels' emulated instruction counts, arena bytes and bit-exactness
//! on `mps3-an547` for every shared model (the figures are deterministic under QEMU
//! `-icount shift=0`). The tolerance (2%, at least 4 SysTick ticks) only absorbs toolchain
//! and code-layout drift; a kernel change that moves a figure must update it here, on
//! purpose.
//!
//! Needs `qemu-system-arm`, the `thumbv8m.main-none-eabihf` target and the shared models; skips with a message when one is missing. The full matrix
//! (three boards, reference, optimized and microflow) is `cargo run -p tinyml-bench
//! --release`.
//!
//! The microflow figures are pinned too, in an ignored test (its first build takes about
//! a minute, too much for every CI run): `cargo test -p tinyml-bench --release --
//! --ignored`.

use std::process::Command;
use tinyml_bench::{measure, Board, Config, Variant};

/// (model, emulated instructions, arena bytes) with the optimized kernels, opt-level 3.
const PINNED: &[(&str, u64, u64)] = &[
    ("mlperf-tiny/kws_ref_model.tflite", 1_175_906, 16_000),
    ("mlperf-tiny/ad01_int8.tflite", 55_313, 768),
    ("mlperf-tiny/vww_96_int8.tflite", 3_234_969, 55_296),
    ("mlperf-tiny/ic_resnet8_int8.tflite", 2_869_094, 49_296),
    ("tflite-micro/micro_speech_quantized.tflite", 129_156, 5_968),
    ("tflite-micro/hello_world_int8.tflite", 844, 32),
];

/// (model, emulated instructions, bit-exact) with microflow 0.1.3, opt-level 3. KWS is
/// within 0.001% of the figure for microflow (58,672,906); ad01 differs by up to
/// 2 int8 steps (microflow requantizes in `f32`, not with TFLite's fixed-point multipliers).
const PINNED_MICROFLOW: &[(&str, u64, bool)] = &[
    ("mlperf-tiny/kws_ref_model.tflite", 58_672_281, true),
    ("mlperf-tiny/ad01_int8.tflite", 6_363_656, false),
    ("tflite-micro/micro_speech_quantized.tflite", 6_224_750, true),
    ("tflite-micro/hello_world_int8.tflite", 1_188, true),
];

fn tools_present(cfg: &Config) -> Result<(), String> {
    for tool in ["qemu-system-arm"] {
        if Command::new(tool).arg("--version").output().is_err() {
            return Err(format!("{tool} not found"));
        }
    }
    let targets = Command::new("rustup").args(["target", "list", "--installed"]).output();
    if let Ok(out) = targets {
        if !String::from_utf8_lossy(&out.stdout).contains("thumbv8m.main-none-eabihf") {
            return Err("rustup target thumbv8m.main-none-eabihf not installed".into());
        }
    }
    if !cfg.models_dir.join(PINNED[0].0).exists() {
        return Err(format!("shared models not found in {} (set TINYML_MODELS_DIR)", cfg.models_dir.display()));
    }
    Ok(())
}

#[test]
fn optimized_figures_on_mps3_an547_are_pinned() {
    let cfg = Config::from_env();
    if let Err(why) = tools_present(&cfg) {
        eprintln!("skipping the pinned benchmark: {why}");
        assert!(std::env::var_os("CI").is_none(), "under CI a skipped test is a failure (see the message above)");
        return;
    }
    let board = tinyml_bench::board("mps3-an547").expect("board file");
    for &(model, instructions, arena) in PINNED {
        let m = measure(&cfg, &board, model, Variant::Optimized).expect("build and run");
        assert!(m.check_ok, "{model}: output differs from the host reference run");
        assert_eq!(m.arena, arena, "{model}: arena bytes");
        assert_close(&board, model, m.instructions, instructions, "PINNED");
    }
}

#[test]
#[ignore = "builds microflow from crates.io (about a minute cold); run with --ignored"]
fn microflow_figures_on_mps3_an547_are_pinned() {
    let cfg = Config::from_env();
    if let Err(why) = tools_present(&cfg) {
        eprintln!("skipping the pinned microflow benchmark: {why}");
        return;
    }
    let board = tinyml_bench::board("mps3-an547").expect("board file");
    for &(model, instructions, bit_exact) in PINNED_MICROFLOW {
        let m = match measure(&cfg, &board, model, Variant::Microflow) {
            Ok(m) => m,
            // No registry or no cached crate: microflow cannot be had here, which says
            // nothing about this repository.
            Err(e) if unavailable(&format!("{e:#}")) => {
                eprintln!("skipping the pinned microflow benchmark: {e:#}");
                return;
            }
            Err(e) => panic!("{model}: {e:#}"),
        };
        assert_eq!(m.check_ok, bit_exact, "{model}: bit-exact (max abs diff {:?})", m.max_abs_diff);
        assert_close(&board, model, m.instructions, instructions, "PINNED_MICROFLOW");
    }
}

/// Whether a build error says that a crate could not be fetched (no network, no cache).
fn unavailable(error: &str) -> bool {
    ["failed to download", "failed to get", "failed to load source", "Unable to update registry", "no matching package"]
        .iter()
        .any(|s| error.contains(s))
}

fn assert_close(board: &Board, model: &str, measured: u64, pinned: u64, table: &str) {
    // 2%, but at least 4 SysTick ticks: a tick is 31.25 instructions on AN547, so
    // hello_world's hundreds of instructions move by a tick or two with the code layout.
    let per_tick = board.emulator.as_ref().expect("emulated board").instructions_per_tick();
    let slack = (pinned as f64 * 0.02).max(4.0 * per_tick);
    assert!(
        (measured as f64 - pinned as f64).abs() <= slack,
        "{model}: {measured} emulated instructions, pinned {pinned} (update {table} if intended)"
    );
}
