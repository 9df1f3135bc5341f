//! `tinyml-bench sweep`: single-layer int8 models over a grid of shapes (CONV_2D,
//! DEPTHWISE_CONV_2D, ADD, SUB, MUL, pools, CONCATENATION), each timed on every emulated
//! board with the reference and the optimized kernels, checked bit-exact against the host
//! run, and held to per-family bounds (see [`bounds`]).
//!
//! Stages: [`grid`] generates the models (`tools/oracle/sweep.py`), [`firmware`] packs
//! them into as few firmware images as fit each board and builds them, [`run`] runs each
//! image in QEMU and reads one line per cell, [`report`] renders the results.

pub mod bounds;
pub mod firmware;
pub mod grid;
pub mod report;
pub mod run;

use crate::{Config, Variant, BOARDS};
use anyhow::{bail, Context, Result};
use grid::{Cell, Family};
use report::Row;
use std::path::PathBuf;
use std::time::Instant;

/// What to sweep.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Boards (default: every emulated board).
    pub boards: Vec<String>,
    /// Families (default: all).
    pub families: Vec<Family>,
    /// Variants (default: reference and optimized).
    pub variants: Vec<Variant>,
    /// Only the cells of these names (default: all).
    pub cells: Vec<String>,
    /// The small grid of `sweep.py --quick`.
    pub quick: bool,
}

/// The `sweep` subcommand: [`Options`] plus what to do with the results.
#[derive(Clone, Debug, Default)]
pub struct Cmd {
    /// What to sweep.
    pub options: Options,
    /// Also write the rows as JSON here.
    pub json: Option<PathBuf>,
    /// Fail when a cell misses its bound (they are always listed).
    pub enforce_bounds: bool,
}

/// Usage of the subcommand.
pub const USAGE: &str =
    "usage: tinyml-bench sweep [--board B]... [--family conv|depthwise|add|sub|mul|avgpool|maxpool|concat|activation]... \
     [--variant ref|opt]... [--cell NAME]... [--quick] [--json FILE] [--enforce-bounds] [--opt-level L]";

impl Cmd {
    /// Parses the arguments after `sweep`; `cfg` takes `--opt-level`. `None`: help asked.
    pub fn parse(args: impl IntoIterator<Item = String>, cfg: &mut Config) -> Result<Option<Cmd>> {
        let mut cmd = Cmd::default();
        let o = &mut cmd.options;
        let mut args = args.into_iter();
        while let Some(a) = args.next() {
            let mut value = || args.next().with_context(|| format!("{a} needs a value"));
            match a.as_str() {
                "--board" => o.boards.push(value()?),
                "--family" => o.families.push(value()?.parse()?),
                "--variant" => match value()?.parse()? {
                    Variant::Microflow => bail!("the sweep runs ref and opt only"),
                    v => o.variants.push(v),
                },
                "--cell" => o.cells.push(value()?),
                "--quick" => o.quick = true,
                "--json" => cmd.json = Some(value()?.into()),
                "--enforce-bounds" => cmd.enforce_bounds = true,
                "--opt-level" => cfg.opt_level = value()?,
                "-h" | "--help" => return Ok(None),
                _ => bail!("unknown argument {a}\n{USAGE}"),
            }
        }
        Ok(Some(cmd))
    }

    /// Runs the sweep, prints the tables (stdout) and progress (stderr), writes the JSON;
    /// fails on an output that is not bit-exact, and with `enforce_bounds` on a bound miss.
    pub fn run(&self, cfg: &Config) -> Result<()> {
        let start = Instant::now();
        let rows = measure(cfg, &self.options)?;
        println!(
            "opt-level {}; emulated instructions (QEMU -icount shift=0, SysTick) per MAC, or per output element \
             for elementwise, pools, concatenation and activations\n",
            cfg.opt_level
        );
        print!("{}", report::summary(&rows));
        print!("{}", report::cells(&rows));
        let misses = report::misses(&rows);
        println!("\n{} bound misses{}", misses.len(), if misses.is_empty() { "" } else { ":" });
        for m in &misses {
            println!("- {m}");
        }
        if let Some(path) = &self.json {
            let text = serde_json::to_string_pretty(&report::json(&rows, &cfg.opt_level))?;
            std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
        }
        eprintln!("sweep: {} rows in {:.0} s", rows.len(), start.elapsed().as_secs_f64());
        let inexact: Vec<String> =
            rows.iter().filter(|r| !r.bit_exact()).map(|r| format!("{} {}", r.board, r.cell.name)).collect();
        if !inexact.is_empty() {
            bail!("{} cells differ from the host run: {}", inexact.len(), inexact.join(", "));
        }
        if self.enforce_bounds && !misses.is_empty() {
            bail!("{} cells miss their bound (--enforce-bounds)", misses.len());
        }
        Ok(())
    }
}

/// Generates the grid, builds and runs it on every board and variant of `o`; one row per
/// board and cell.
pub fn measure(cfg: &Config, o: &Options) -> Result<Vec<Row>> {
    let families = if o.families.is_empty() { Family::ALL.to_vec() } else { o.families.clone() };
    let variants =
        if o.variants.is_empty() { vec![Variant::Reference, Variant::Optimized] } else { o.variants.clone() };
    let boards: Vec<String> =
        if o.boards.is_empty() { BOARDS.iter().map(|s| s.to_string()).collect() } else { o.boards.clone() };
    let grid = grid::generate(cfg, &families, o.quick)?;
    if let Some(unknown) = o.cells.iter().find(|n| !grid.iter().any(|c| &c.name == *n)) {
        bail!("unknown cell {unknown} (see target/bench/sweep/models/manifest.json)");
    }
    let selected: Vec<usize> =
        (0..grid.len()).filter(|&k| o.cells.is_empty() || o.cells.contains(&grid[k].name)).collect();
    // Footprints of the cells a batch may hold: the selected ones and their companions.
    let companions: Vec<usize> = (0..grid.len()).map(|k| grid::companion(&grid, k)).collect();
    let mut footprints = vec![firmware::Footprint::default(); grid.len()];
    for &k in &selected {
        for c in [k, companions[k]] {
            footprints[c] = firmware::footprint(&grid[c])?;
        }
    }
    let mut rows = Vec::new();
    for name in &boards {
        let board = crate::board(name)?;
        let batches = firmware::batches(&board, &footprints, &selected, |k| companions[k])?;
        let mut board_rows: Vec<Row> = grid
            .iter()
            .map(|c| Row { board: board.name.clone(), cell: c.clone(), reference: None, optimized: None })
            .collect();
        for &v in &variants {
            for (b, batch) in batches.iter().enumerate() {
                let members: Vec<&Cell> = batch.members.iter().map(|&k| &grid[k]).collect();
                let t = Instant::now();
                let elf = firmware::build(cfg, &board, v, &format!("b{b}"), &members)?;
                let built = t.elapsed().as_secs_f64();
                let runs = run::run_batch(&board, &elf, members.len())?;
                eprintln!(
                    "{:<11} {:<3} batch {}/{}: {} cells ({} companions), built in {built:.0} s, ran in {:.1} s",
                    board.name,
                    v.as_str(),
                    b + 1,
                    batches.len(),
                    batch.measured.len(),
                    batch.members.len() - batch.measured.len(),
                    t.elapsed().as_secs_f64() - built
                );
                for (&k, r) in batch.members.iter().zip(runs) {
                    if !batch.measured.contains(&k) {
                        continue;
                    }
                    match v {
                        Variant::Reference => board_rows[k].reference = Some(r),
                        _ => board_rows[k].optimized = Some(r),
                    }
                }
            }
        }
        rows.extend(selected.iter().map(|&k| board_rows[k].clone()));
    }
    Ok(rows)
}
