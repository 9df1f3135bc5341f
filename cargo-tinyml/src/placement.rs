//! Which of a board's memory regions holds which part of the arena (`analyze --board`):
//! the regions the board file lets the arena use, fastest first
//! ([`Board::arena_regions`]), filled by the compiler's region placement
//! ([`tinyml_compiler::plan::regions`]).

use crate::boards::{Board, Flow, RegionKind};
use crate::format::grouped;
use serde::Serialize;
use std::fmt::Write as _;
use tinyml_compiler::analysis::Report;
use tinyml_compiler::plan::regions::{buffer_heat, place_in_regions, step_work, Region, RegionPlan};
use tinyml_compiler::plan::{BufferKind, PlannerKind};
use tinyml_compiler::Program;

/// The arena's place in a board's regions.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Placement {
    /// The board.
    pub board: String,
    /// Whether the arena is split between regions.
    pub split: bool,
    /// Whether every region's share fits it.
    pub fits: bool,
    /// Per region the arena may use, fastest first.
    pub regions: Vec<RegionShare>,
}

/// One region's share of the arena.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct RegionShare {
    /// The region's name in the board file.
    pub name: String,
    /// Its speed class (`tcm`, `sram`, `external`).
    pub speed: &'static str,
    /// Bytes the arena may take there: the region's length, less the estimated stack in
    /// the `ram` region (where the stack and statics link).
    pub capacity: usize,
    /// The arena bytes placed there.
    pub arena_bytes: usize,
    /// Capacity left over (negative: the bytes over).
    pub margin: i64,
    /// The buffers it holds.
    pub buffers: Vec<PlacedBuffer>,
}

/// A buffer of the plan and where it went.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PlacedBuffer {
    /// Offset in the region's arena.
    pub offset: usize,
    /// Size in bytes.
    pub bytes: usize,
    /// First and last layer at which it is live.
    pub layers: (usize, usize),
    /// What it holds: tensor names, or `scratch of layer N`.
    pub holds: Vec<String>,
}

/// The regions `board` lets the arena use, fastest first, as the compiler's placement
/// takes them: each region's length, less `stack_bytes` in the `ram` region (where the
/// stack and the statics link). `analyze --board` places the arena in these, and a `new`
/// project's build script passes the same list to the compiler.
pub fn arena_regions(board: &Board, stack_bytes: usize) -> Vec<Region> {
    board
        .arena_regions()
        .iter()
        .map(|(r, _)| {
            let reserved = if r.kind == RegionKind::Ram { stack_bytes as u64 } else { 0 };
            Region { name: r.name.clone(), capacity: r.length.saturating_sub(reserved) as usize }
        })
        .collect()
}

/// Whether `new` projects for `board` pass their regions to the compiler: a board with a
/// Rust target and more than one region the arena may use.
pub fn splits_arenas(board: &Board) -> bool {
    !matches!(board.flow(), Flow::CProject) && board.arena_regions().len() > 1
}

/// Where `program`'s arena goes on `board`; `None` for boards built as C projects (their
/// C export plans its own arena in 16-bit words).
pub fn placement(program: &Program, report: &Report, board: &Board) -> Option<Placement> {
    if matches!(board.flow(), Flow::CProject) {
        return None;
    }
    let candidates = board.arena_regions();
    let regions = arena_regions(board, report.stack_bytes_estimate);
    let plan = &program.plan;
    let buffers: Vec<_> = plan.buffers.iter().map(|(b, _)| b.clone()).collect();
    let heat = buffer_heat(&buffers, &program.steps, &step_work(&program.graph, &program.steps));
    let placed: RegionPlan = place_in_regions(plan, &heat, &regions, PlannerKind::default());
    let names = |kind: &BufferKind| match kind {
        BufferKind::Tensors(ts) => ts.iter().map(|&t| program.graph.tensors[t].name.clone()).collect(),
        BufferKind::Scratch(step) => vec![format!("scratch of layer {step}")],
    };
    let shares = placed
        .arenas
        .iter()
        .zip(&candidates)
        .map(|(a, (_, speed))| RegionShare {
            name: a.name.clone(),
            speed: speed.as_str(),
            capacity: a.capacity,
            arena_bytes: a.arena_bytes,
            margin: a.margin(),
            buffers: a
                .buffers
                .iter()
                .map(|&(i, offset)| {
                    let b = &buffers[i];
                    PlacedBuffer { offset, bytes: b.bytes, layers: (b.first, b.last), holds: names(&b.kind) }
                })
                .collect(),
        })
        .collect();
    Some(Placement { board: board.name.clone(), split: placed.is_split(), fits: placed.fits(), regions: shares })
}

impl Placement {
    /// The text report: a line per region, and when the arena is split, its buffers.
    pub fn render(&self) -> String {
        let mut s = format!("arena in {}'s regions, fastest first:\n", self.board);
        for r in &self.regions {
            let verdict = if r.margin >= 0 {
                format!("fits, {} B to spare", grouped(r.margin as u64))
            } else {
                format!("DOES NOT FIT, {} B over", grouped(r.margin.unsigned_abs()))
            };
            let _ = writeln!(
                s,
                "  {:<10} {:<8} {:>9} B of {:>11} B: {verdict}; {} buffers",
                r.name,
                r.speed,
                grouped(r.arena_bytes as u64),
                grouped(r.capacity as u64),
                r.buffers.len()
            );
            if self.split {
                for b in &r.buffers {
                    let _ = writeln!(
                        s,
                        "      @{:<8} {:>9} B  layers {}-{}  {}",
                        b.offset,
                        grouped(b.bytes as u64),
                        b.layers.0,
                        b.layers.1,
                        // TFLite names join every name of a fused tensor with `;`: the first says it.
                        b.holds.iter().map(|h| h.split(';').next().unwrap_or(h)).collect::<Vec<_>>().join(", ")
                    );
                }
            }
        }
        if self.split {
            s.push_str("the arena is split: a `cargo tinyml new` project's build.rs passes these regions to the compiler, and the generated `arena()` links each region's share into it\n");
        }
        s
    }
}
