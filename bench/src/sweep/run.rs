//! Runs a batch firmware in QEMU and reads its per-cell lines.

use crate::{emulated, Board};
use anyhow::{bail, Context, Result};
use cargo_tinyml::target::qemu;
use std::path::Path;
use std::time::Duration;

/// How long one batch may run: the slowest batch (reference kernels on the M33, a few
/// hundred million emulated instructions) takes seconds; a firmware that faults spins.
const QEMU_TIMEOUT: Duration = Duration::from_secs(300);

/// What the firmware measured of one cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellRun {
    /// SysTick ticks around one `invoke`.
    pub ticks: u64,
    /// Emulated instructions (ticks times instructions per tick).
    pub instructions: u64,
    /// MACs per inference, from the model compiler.
    pub macs: u64,
    /// Planned arena bytes.
    pub arena: u64,
    /// Output hash equal to the host run's (reference kernels).
    pub check_ok: bool,
}

/// Runs `elf` (a batch of `cells` cells) on `board`'s QEMU machine; one [`CellRun`] per
/// cell, in order.
pub fn run_batch(board: &Board, elf: &Path, cells: usize) -> Result<Vec<CellRun>> {
    let (_, emu) = emulated(board)?;
    let qemu::Outcome { stdout, stderr, .. } = qemu::run(emu, elf, QEMU_TIMEOUT, false)
        .with_context(|| format!("running {} in QEMU {}", elf.display(), emu.machine))?;
    let fail =
        |what: &str| anyhow::anyhow!("{}: {what} in the output of {}:\n{stdout}{stderr}", board.name, elf.display());
    let mut lines = stdout.lines().filter_map(|l| l.strip_prefix("sweep: "));
    let header = lines.next().ok_or_else(|| fail("no calibration line"))?;
    let (calib_ticks, calib_insns) = (field(header, "calib_ticks")?, field(header, "calib_insns")?);
    // The calibration loop runs a known number of instructions: check that the board's
    // SysTick frequency gives the right instructions per tick (to within two ticks).
    let expected_ticks = calib_insns as f64 / emu.instructions_per_tick();
    if (calib_ticks as f64 - expected_ticks).abs() > 2.0 {
        bail!(
            "{}: calibration loop of {calib_insns} instructions took {calib_ticks} ticks, expected {expected_ticks:.0} \
             from systick_hz = {}",
            board.name,
            emu.systick_hz
        );
    }
    let mut runs = Vec::with_capacity(cells);
    for k in 0..cells {
        let line = lines.next().ok_or_else(|| fail(&format!("no line for cell {k}")))?;
        if field(line, "cell")? != k as u64 || line.contains("failed") {
            return Err(fail(&format!("cell {k}: `{line}`")));
        }
        let ticks = field(line, "ticks")?;
        runs.push(CellRun {
            ticks,
            instructions: (ticks as f64 * emu.instructions_per_tick()).round() as u64,
            macs: field(line, "macs")?,
            arena: field(line, "arena")?,
            check_ok: line.contains("check=ok"),
        });
    }
    if lines.next() != Some("done") {
        return Err(fail("no `done` line"));
    }
    Ok(runs)
}

/// The number after `key=` in `line`.
fn field(line: &str, key: &str) -> Result<u64> {
    line.split_whitespace()
        .find_map(|f| f.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .with_context(|| format!("field {key} missing in `{line}`"))?
        .parse()
        .with_context(|| format!("field {key} in `{line}`"))
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_read_by_key() {
        let line = "cell=3 ticks=120 macs=4096 arena=512 check=ok";
        assert_eq!(field(line, "cell").unwrap(), 3);
        assert_eq!(field(line, "ticks").unwrap(), 120);
        assert!(field(line, "tick").is_err());
    }
}
