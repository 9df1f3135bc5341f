//! Whether a model fits a board, said one way everywhere: `analyze --board` and `new`
//! compare the static estimate with the board's link regions; a build whose linker
//! overflows a region reports the same shortfall with the linker's own count.

use crate::boards::{Board, Flow, RegionKind};
use serde::Serialize;
use tinyml_compiler::analysis::Report;
use tinyml_compiler::graph::DType;
use tinyml_compiler::plan::containers::{plan_containers, Container};
use tinyml_compiler::plan::PlannerKind;
use tinyml_compiler::Program;

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

/// [`fit`] for a board without a Rust target (TI C28x, a C project): its C compiler has
/// no 8-bit type, so int8 lives in 16-bit containers and the C export counts in 16-bit
/// words; so does this. Constants are the graph's constant tensors (one word per int8,
/// two per int32: the C kernels take no packed tables), the arena is planned again in
/// words as the export plans it, code and stack are the estimates halved; capacities are
/// the board's regions (in bytes in the board file) in words.
pub fn fit_in_words(program: &Program, report: &Report, board: &Board) -> Fit {
    let words = |d: DType| match d {
        DType::I8 | DType::U8 | DType::Bool | DType::I16 => 1,
        DType::I32 | DType::U32 | DType::F32 => 2,
        DType::I64 | DType::U64 => 4,
    };
    let g = &program.graph;
    let mut consts: Vec<usize> =
        program.steps.iter().flat_map(|s| g.operators[s.op_index].inputs.iter().flatten().copied()).collect();
    consts.sort_unstable();
    consts.dedup();
    let const_words: usize =
        consts.iter().map(|&t| &g.tensors[t]).filter(|t| t.is_const()).map(|t| t.elements() * words(t.dtype)).sum();
    let arena_words =
        plan_containers(g, &program.steps, Container::Bits16, PlannerKind::default(), &program.plan.in_place)
            .map_or(report.arena_bytes, |p| p.arena_bytes);
    let flash = const_words + report.code_bytes_estimate.div_ceil(2);
    let ram = arena_words + report.stack_bytes_estimate.div_ceil(2);
    let cap = |kind| board.memory.iter().filter(|r| r.kind == kind).map(|r| r.length / 2).max().unwrap_or(0);
    let (flash_capacity, ram_capacity) = (cap(RegionKind::Flash), cap(RegionKind::Ram));
    let flash_margin = flash_capacity as i64 - flash as i64;
    let ram_margin = ram_capacity as i64 - ram as i64;
    Fit {
        board: board.name.clone(),
        flash_capacity,
        ram_capacity,
        flash_margin,
        ram_margin,
        fits: flash_margin >= 0 && ram_margin >= 0,
        unit: WORDS,
    }
}

/// The unit of [`fit_in_words`].
pub const WORDS: &str = "16-bit words";

/// The fit of `program` on `board`, in the units its toolchain counts in.
pub fn fit_for(program: &Program, report: &Report, board: &Board) -> Fit {
    match board.flow() {
        Flow::CProject => fit_in_words(program, report, board),
        _ => with_split_arena(fit(report, board), program, report, board),
    }
}

/// [`fit`], but for an arena too large for the `ram` region that the board's other
/// regions can take ([`crate::placement`], as a `new` project builds it): RAM is then
/// the arena regions together, and fits when every region's share does. An arena that
/// fits whole keeps the `ram` region's verdict, and so does a program with NPU steps
/// (never split: the command stream addresses its region as one block).
fn with_split_arena(fit: Fit, program: &Program, report: &Report, board: &Board) -> Fit {
    let npu = program.steps.iter().any(|s| s.kernel.npu_region().is_some());
    if fit.ram_margin >= 0 || npu || !crate::placement::splits_arenas(board) {
        return fit;
    }
    let Some(placed) = crate::placement::placement(program, report, board) else { return fit };
    let capacity: usize = placed.regions.iter().map(|r| r.capacity).sum();
    let stack = report.stack_bytes_estimate as u64;
    let over: i64 = placed.regions.iter().map(|r| r.margin.min(0)).sum();
    let spare: i64 = placed.regions.iter().map(|r| r.margin).sum();
    let ram_margin = if placed.fits { spare } else { over };
    Fit { ram_capacity: capacity as u64 + stack, ram_margin, fits: fit.flash_margin >= 0 && ram_margin >= 0, ..fit }
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
