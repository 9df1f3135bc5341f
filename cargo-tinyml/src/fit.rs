//! Whether a model fits a board, said one way everywhere: `analyze --board` and `new`
//! compare the static estimate with the board's link regions; a build whose linker
//! overflows a region reports the same shortfall with the linker's own count.

use crate::boards::{Board, RegionKind};
use serde::Serialize;
use tinyml_compiler::analysis::Report;

/// Exit code of a command that found that a model does not fit (as `analyze`).
pub const EXIT_DOES_NOT_FIT: u8 = 3;

/// How a model fits a board's memory.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Fit {
    /// The board.
    pub board: String,
    /// Flash available for the link, bytes.
    pub flash_capacity: u64,
    /// RAM available for the link, bytes.
    pub ram_capacity: u64,
    /// Flash left over (negative: shortfall).
    pub flash_margin: i64,
    /// RAM left over (negative: shortfall).
    pub ram_margin: i64,
    /// Whether both margins are non-negative.
    pub fits: bool,
    /// The unit of the figures: `bytes`, or `16-bit words` on a board whose C compiler
    /// has no 8-bit type (TI C28x).
    pub unit: &'static str,
}

/// Compares a report's totals with a board's link regions.
pub fn fit(report: &Report, board: &Board) -> Fit {
    let cap = |kind| board.memory.iter().filter(|r| r.kind == kind).map(|r| r.length).max().unwrap_or(0);
    let (flash_capacity, ram_capacity) = (cap(RegionKind::Flash), cap(RegionKind::Ram));
    let flash_margin = flash_capacity as i64 - report.flash_bytes as i64;
    let ram_margin = ram_capacity as i64 - report.ram_bytes as i64;
    Fit {
        board: board.name.clone(),
        flash_capacity,
        ram_capacity,
        flash_margin,
        ram_margin,
        fits: flash_margin >= 0 && ram_margin >= 0,
        unit: "bytes",
    }
}

/// One line of the verdict: `flash on B: fits, N B to spare of C B` or `... DOES NOT FIT,
/// N B over the C B available`.
pub fn line(what: &str, board: &str, margin: i64, capacity: u64, unit: &str) -> String {
    let u = if unit == "bytes" { "B" } else { unit };
    if margin >= 0 {
        format!("{what} on {board}: fits, {margin} {u} to spare of {capacity} {u}")
    } else {
        format!("{what} on {board}: DOES NOT FIT, {} {u} over the {capacity} {u} available", -margin)
    }
}

impl Fit {
    /// The flash and RAM lines of the verdict.
    pub fn lines(&self) -> [String; 2] {
        [
            line("flash", &self.board, self.flash_margin, self.flash_capacity, self.unit),
            line("RAM  ", &self.board, self.ram_margin, self.ram_capacity, self.unit),
        ]
    }

    /// The lines of the regions that do not fit, for an error message.
    pub fn shortfall(&self) -> String {
        let mut parts = Vec::new();
        if self.flash_margin < 0 {
            parts.push(line("flash", &self.board, self.flash_margin, self.flash_capacity, self.unit));
        }
        if self.ram_margin < 0 {
            parts.push(line("RAM", &self.board, self.ram_margin, self.ram_capacity, self.unit));
        }
        parts.join("; ")
    }
}

/// A model or firmware that does not fit its board.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DoesNotFit {
    /// The static estimate (`analyze`) exceeds the board's regions.
    #[error("model `{model}` does not fit: {}", fit.shortfall())]
    Estimate {
        /// The model file.
        model: String,
        /// The verdict.
        fit: Fit,
    },
    /// The linker could not place a section: its own count of the bytes over.
    #[error("{}", linked_message(board.as_deref(), region, *capacity, *bytes, section))]
    Linked {
        /// The board, when known.
        board: Option<String>,
        /// The region of `memory.x` (`FLASH`, `RAM`).
        region: String,
        /// Its length in bytes, when known.
        capacity: Option<u64>,
        /// Bytes over.
        bytes: u64,
        /// The section that did not fit (`.rodata`).
        section: String,
    },
}

fn linked_message(board: Option<&str>, region: &str, capacity: Option<u64>, bytes: u64, section: &str) -> String {
    let board = board.unwrap_or("the board");
    let cap = match capacity {
        Some(c) => format!("the {c} B available"),
        None => "the region".into(),
    };
    format!(
        "the firmware does not fit: {region} on {board}: DOES NOT FIT, {bytes} B over {cap} (counted by the linker, from section `{section}` on)"
    )
}
