//! Batches of cells and the firmware that runs one batch: `bench/sweep-firmware`, built
//! once per board, kernel variant and batch, so hundreds of cells cost a handful of builds.

use super::grid::Cell;
use crate::{emulated, Board, Config, Variant};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::process::Command;

/// Flash kept for everything but the cells' constants: runtime, kernels, printing (about
/// 60 KiB with every kernel) with room to spare.
const CODE_RESERVE: u64 = 160 * 1024;
/// Flash a cell costs besides its constants (its `invoke`, parameters and table entry).
const PER_CELL: u64 = 2 * 1024;
/// RAM kept for the stack, `.data` and the rest of `.bss`.
const RAM_RESERVE: u64 = 64 * 1024;
/// Cells per firmware at most: a bigger batch saves little build time (the runtime is
/// built once per target directory) and makes one slow rustc run.
const MAX_CELLS: usize = 160;

/// What the host compiler says of a cell's model.
#[derive(Clone, Copy, Debug, Default)]
pub struct Footprint {
    /// Constant bytes in flash (weights, biases, packed tables).
    pub const_bytes: u64,
    /// Planned arena bytes.
    pub arena: u64,
}

/// Compiles `cell`'s model on the host (no kernel runs) for its [`Footprint`].
pub fn footprint(cell: &Cell) -> Result<Footprint> {
    let bytes = std::fs::read(&cell.model).with_context(|| format!("reading {}", cell.model.display()))?;
    let program = tinyml_compiler::program::compile(&bytes, &Default::default())
        .with_context(|| format!("compiling {}", cell.model.display()))?;
    Ok(Footprint { const_bytes: program.const_bytes() as u64, arena: program.plan.arena_bytes as u64 })
}

/// The cells of one firmware image: indices into the grid, in image order.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// Every cell in the image.
    pub members: Vec<usize>,
    /// The cells to report (the others are companions, see [`batches`]).
    pub measured: Vec<usize>,
}

/// Splits the `selected` cells into batches that fit `board`'s flash and RAM, in order.
///
/// Each batch also holds each measured cell's `companion` (a cell of the same family with
/// nearly the same parameters, [`super::grid::companion`]) when it is not there already:
/// a kernel that only one model of an image calls is inlined into it and specialized on
/// its constant parameters by LTO, which made such a cell 5 to 9 times faster than the
/// same cell beside others of its family (docs/benchmarks.md, "Shape sweep"). With a
/// companion every kernel a cell runs has at least two callers, so a cell measures the
/// same in any batch (to about 2%).
pub fn batches(
    board: &Board,
    footprints: &[Footprint],
    selected: &[usize],
    companion: impl Fn(usize) -> usize,
) -> Result<Vec<Batch>> {
    let flash = board.flash().length.saturating_sub(CODE_RESERVE);
    let ram = board.ram().length.saturating_sub(RAM_RESERVE);
    let cost = |k: usize| footprints[k].const_bytes + PER_CELL;
    let mut out: Vec<Batch> = Vec::new();
    let (mut used, mut current) = (0, Batch::default());
    for &k in selected {
        let mut new = vec![k, companion(k)];
        new.dedup();
        new.retain(|c| !current.members.contains(c));
        let need: u64 = new.iter().map(|&c| cost(c)).sum();
        if need > flash || footprints[k].arena > ram {
            bail!(
                "cell {k} needs {need} B of flash and {} B of arena; {} has room for {flash} and {ram}",
                footprints[k].arena,
                board.name
            );
        }
        if used + need > flash || current.members.len() + new.len() > MAX_CELLS {
            out.push(std::mem::take(&mut current));
            used = 0;
        }
        for c in [k, companion(k)] {
            if !current.members.contains(&c) {
                // (After a new batch starts, both are new.)
                used += cost(c);
                current.members.push(c);
            }
        }
        current.measured.push(k);
    }
    if !current.members.is_empty() {
        out.push(current);
    }
    Ok(out)
}

/// Builds the sweep firmware for `board` and `variant` holding `cells`; `label` names the
/// batch (`b0`) in the copied ELF. Shares the target directory of `bench/firmware` for the
/// same board and variant, so the runtime is built once for both.
pub fn build(cfg: &Config, board: &Board, variant: Variant, label: &str, cells: &[&Cell]) -> Result<PathBuf> {
    let (target, _) = emulated(board)?;
    let target_dir = cfg.target_dir.join(format!("{}-{}-O{}", board.name, variant.as_str(), cfg.opt_level));
    std::fs::create_dir_all(&target_dir)?;
    let memory_x = target_dir.join("memory.x");
    std::fs::write(&memory_x, board.memory_x())?;
    let list = target_dir.join(format!("sweep-{label}.cells"));
    let text: String = cells.iter().map(|c| format!("{}\n", c.model.display())).collect();
    // Rewritten only when it changes: cargo reruns the build script when the file changes.
    if std::fs::read_to_string(&list).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(&list, &text)?;
    }
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(cfg.root.join("bench/sweep-firmware"))
        .args(["build", "--release", "--quiet", "--target", target])
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", &cfg.opt_level)
        .env("RUSTFLAGS", format!("-C target-cpu={} -C link-arg=-Tlink.x", board.cpu()))
        .env("TINYML_SWEEP_CELLS", &list)
        .env("TINYML_BENCH_MEMORY_X", &memory_x)
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    if variant == Variant::Reference {
        cmd.args(["--features", "reference-kernels"]);
    }
    let status = cmd.status().context("running cargo")?;
    if !status.success() {
        bail!("building the sweep firmware for {} / {} / batch {label} failed", board.name, variant.as_str());
    }
    let elf = target_dir.join(target).join("release").join("tinyml-sweep-firmware");
    let copy = target_dir.join(format!("sweep-{label}.elf"));
    std::fs::copy(&elf, &copy).with_context(|| format!("copying {}", elf.display()))?;
    Ok(copy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_hold_companions_and_fit_the_flash() {
        let board = crate::board("mps3-an547").expect("board file");
        let budget = board.flash().length - CODE_RESERVE;
        // Four cells, each a little over a third of the budget: two fit a batch.
        let big = Footprint { const_bytes: budget / 3, arena: 1024 };
        let small = Footprint { const_bytes: 100, arena: 1024 };
        let fp = [big, big, big, small, small];
        let b = batches(&board, &fp, &[0, 1, 2], |k| k).unwrap();
        assert_eq!(b.iter().map(|b| b.measured.clone()).collect::<Vec<_>>(), [vec![0, 1], vec![2]]);
        // A lone cell gets its companion, which is run but not measured.
        let b = batches(&board, &fp, &[3], |k| k + 1).unwrap();
        assert_eq!((b[0].members.clone(), b[0].measured.clone()), (vec![3, 4], vec![3]));
        // A companion that is also selected is measured once.
        let b = batches(&board, &fp, &[3, 4], |k| 7 - k).unwrap();
        assert_eq!((b[0].members.clone(), b[0].measured.clone()), (vec![3, 4], vec![3, 4]));
    }
}
