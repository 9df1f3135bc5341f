//! Pins the optimized kernels' emulated instructions on `mps3-an547` for the worst cell of
//! each family of the shape sweep (`cargo run -p tinyml-bench --release -- sweep`, see
//! docs/benchmarks.md): the cell with the most instructions per MAC (per output element)
//! among the non-degenerate cells of the last full run, and for conv also the worst
//! cell of the 8+ channel rule (0.60 instr/MAC: its cells went to 4.05 for a day, unseen
//! while the family's worst was another rule's). All of them go into one firmware
//! image (with a companion each, `sweep::firmware::batches`), so the test costs one
//! build. Tolerance as in `pinned.rs`: 2%, at least 4 SysTick ticks. The figures are
//! those of this image, which differ from the full run's by up to 3.6% (LTO sees other
//! callers there). A kernel change that moves a figure updates it here, on purpose; one
//! that makes another cell the worst of its family updates the cell too (after a full
//! sweep).
//!
//! Needs `qemu-system-arm`, the `thumbv8m.main-none-eabihf` target and the oracle's
//! Python venv (`.venv`, or `$TINYML_PYTHON`); skips with a message when one is missing,
//! except under CI.

use std::process::Command;
use tinyml_bench::sweep::{self, Options};
use tinyml_bench::{Config, Variant};

/// (cell, emulated instructions) with the optimized kernels, opt-level 3, measured in this
/// test's own image (the ten cells and their companions).
const PINNED: &[(&str, u64)] = &[
    ("conv_k7x1_s2_valid_d1_c3to8_in39x35", 41_281),
    ("conv_k3x3_s1_same_d2_c8to8_in9x10", 28_938),
    ("depthwise_k3x3_s1_same_d1_c1x2_in53x53", 211_938),
    ("add_same_n65536", 147_688),
    ("sub_same_n256", 531),
    ("mul_same_n256", 563),
    ("avgpool_f3x3_s1_same_in128x128x1", 817_063),
    ("maxpool_f3x3_s1_same_in128x128x1", 403_563),
    ("concat_64x3_64x13_axis2", 5_313),
    ("tanh_n256", 125),
];

fn tools_present(cfg: &Config) -> Result<(), String> {
    if Command::new("qemu-system-arm").arg("--version").output().is_err() {
        return Err("qemu-system-arm not found".into());
    }
    let targets = Command::new("rustup").args(["target", "list", "--installed"]).output();
    if let Ok(out) = targets {
        if !String::from_utf8_lossy(&out.stdout).contains("thumbv8m.main-none-eabihf") {
            return Err("rustup target thumbv8m.main-none-eabihf not installed".into());
        }
    }
    let python = std::env::var_os("TINYML_PYTHON").map(Into::into).unwrap_or_else(|| cfg.root.join(".venv/bin/python"));
    if Command::new(&python).args(["-c", "import tflite"]).output().map_or(true, |o| !o.status.success()) {
        return Err(format!("{} cannot import tflite (run scripts/test once for the venv)", python.display()));
    }
    Ok(())
}

#[test]
fn worst_sweep_cells_on_mps3_an547_are_pinned() {
    let cfg = Config::from_env();
    if let Err(why) = tools_present(&cfg) {
        eprintln!("skipping the pinned sweep cells: {why}");
        assert!(std::env::var_os("CI").is_none(), "under CI a skipped test is a failure (see the message above)");
        return;
    }
    let options = Options {
        boards: vec!["mps3-an547".into()],
        variants: vec![Variant::Optimized],
        cells: PINNED.iter().map(|(c, _)| c.to_string()).collect(),
        ..Options::default()
    };
    let rows = sweep::measure(&cfg, &options).expect("build and run the sweep firmware");
    let board = tinyml_bench::board("mps3-an547").expect("board file");
    let per_tick = board.emulator.as_ref().expect("emulated board").instructions_per_tick();
    for &(cell, pinned) in PINNED {
        let row = rows.iter().find(|r| r.cell.name == cell).expect("a row per pinned cell");
        let run = row.optimized.expect("optimized run");
        assert!(run.check_ok, "{cell}: output differs from the host reference run");
        let slack = (pinned as f64 * 0.02).max(4.0 * per_tick);
        assert!(
            (run.instructions as f64 - pinned as f64).abs() <= slack,
            "{cell}: {} emulated instructions, pinned {pinned} (update PINNED if intended)",
            run.instructions
        );
    }
}
