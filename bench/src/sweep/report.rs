//! The sweep's results: one row per board and cell, checked against its bound, rendered as
//! Markdown tables (a summary per board and family, then every cell) and as JSON.

use super::bounds::{bound, degenerate, Bound, MAX_RATIO};
use super::grid::{Cell, Family};
use super::run::CellRun;
use crate::Variant;
use cargo_tinyml::format::grouped as thousands;
use serde_json::{json, Value};
use std::fmt::Write;

/// One cell on one board: what each kernel variant measured.
#[derive(Clone, Debug)]
pub struct Row {
    /// Board name.
    pub board: String,
    /// The cell.
    pub cell: Cell,
    /// Reference kernels (`None`: not run).
    pub reference: Option<CellRun>,
    /// Optimized kernels (`None`: not run).
    pub optimized: Option<CellRun>,
}

/// How a row fares against its bound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Status {
    /// Within its bound.
    Pass,
    /// Over its bound.
    Miss,
    /// Degenerate, or no bound applies on this board.
    Unbounded,
    /// A bound applies but a variant it needs was not run.
    NotMeasured,
}

impl Row {
    /// The row's variant `v`, if run.
    pub fn get(&self, v: Variant) -> Option<&CellRun> {
        match v {
            Variant::Reference => self.reference.as_ref(),
            _ => self.optimized.as_ref(),
        }
    }

    /// MACs (or output elements, for families without MACs).
    pub fn units(&self) -> u64 {
        if self.cell.family.counts_macs() {
            self.reference.or(self.optimized).map_or(0, |r| r.macs)
        } else {
            self.cell.elements
        }
    }

    /// Instructions per MAC (per output element) of variant `v`.
    pub fn per_unit(&self, v: Variant) -> Option<f64> {
        self.get(v).map(|r| r.instructions as f64 / self.units().max(1) as f64)
    }

    /// Optimized over reference instructions.
    pub fn ratio(&self) -> Option<f64> {
        Some(self.optimized?.instructions as f64 / self.reference?.instructions.max(1) as f64)
    }

    /// Every variant run matched the host output.
    pub fn bit_exact(&self) -> bool {
        [self.reference, self.optimized].iter().flatten().all(|r| r.check_ok)
    }

    /// The row's bound on its board.
    pub fn bound(&self) -> Option<Bound> {
        bound(&self.board, &self.cell)
    }

    /// The row against its bound.
    pub fn status(&self) -> Status {
        let measured = match self.bound() {
            None => return Status::Unbounded,
            Some(Bound::PerUnit { limit, .. }) => self.per_unit(Variant::Optimized).map(|x| x <= limit),
            Some(Bound::Ratio) => self.ratio().map(|r| r <= MAX_RATIO),
        };
        match measured {
            Some(true) => Status::Pass,
            Some(false) => Status::Miss,
            None => Status::NotMeasured,
        }
    }
}

fn opt2(x: Option<f64>) -> String {
    x.map_or("-".into(), |x| format!("{x:.2}"))
}

fn instr(r: Option<&CellRun>) -> String {
    r.map_or("-".into(), |r| thousands(r.instructions))
}

/// The families of `rows`, in report order, and the boards, in first-seen order.
fn keys(rows: &[Row]) -> (Vec<String>, Vec<Family>) {
    let mut boards: Vec<String> = Vec::new();
    for r in rows {
        if !boards.contains(&r.board) {
            boards.push(r.board.clone());
        }
    }
    let families = Family::ALL.into_iter().filter(|f| rows.iter().any(|r| r.cell.family == *f)).collect();
    (boards, families)
}

/// The row with the highest optimized (else reference) instructions per unit among the
/// non-degenerate rows of `family` on `board` (all rows when every one is degenerate).
pub fn worst<'a>(rows: &'a [Row], board: &str, family: Family) -> Option<&'a Row> {
    let of = |r: &&Row| r.board == board && r.cell.family == family;
    let score = |r: &Row| r.per_unit(Variant::Optimized).or(r.per_unit(Variant::Reference)).unwrap_or(0.0);
    let pick = |rows: Vec<&'a Row>| rows.into_iter().max_by(|a, b| score(a).total_cmp(&score(b)));
    let candidates: Vec<&Row> = rows.iter().filter(of).filter(|r| !degenerate(&r.cell)).collect();
    if candidates.is_empty() {
        pick(rows.iter().filter(of).collect())
    } else {
        pick(candidates)
    }
}

/// A summary table: per board and family, the cells, how many are bit-exact, the
/// optimized instructions per unit (median and worst non-degenerate cell), the worst
/// opt/ref ratio and the bound misses.
pub fn summary(rows: &[Row]) -> String {
    let mut s = String::from(
        "| board | family | cells | bit-exact | unit | opt instr/unit median | worst cell | ref instr/unit | opt instr/unit | opt/ref | bounded | misses |\n\
         |---|---|---:|---:|---|---:|---|---:|---:|---:|---:|---:|\n",
    );
    let (boards, families) = keys(rows);
    for board in &boards {
        for &family in &families {
            let of: Vec<&Row> = rows.iter().filter(|r| &r.board == board && r.cell.family == family).collect();
            if of.is_empty() {
                continue;
            }
            let mut per: Vec<f64> = of.iter().filter_map(|r| r.per_unit(Variant::Optimized)).collect();
            per.sort_by(f64::total_cmp);
            let median = per.get(per.len() / 2).copied();
            let w = worst(rows, board, family).expect("rows of this family");
            let bounded = of.iter().filter(|r| r.bound().is_some()).count();
            let misses = of.iter().filter(|r| r.status() == Status::Miss).count();
            let _ = writeln!(
                s,
                "| {board} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {bounded} | {misses} |",
                family.as_str(),
                of.len(),
                of.iter().filter(|r| r.bit_exact()).count(),
                family.unit(),
                opt2(median),
                w.cell.name,
                opt2(w.per_unit(Variant::Reference)),
                opt2(w.per_unit(Variant::Optimized)),
                w.ratio().map_or("-".into(), |x| format!("{x:.3}")),
            );
        }
    }
    s
}

/// One table per board and family with every cell.
pub fn cells(rows: &[Row]) -> String {
    let mut s = String::new();
    let (boards, families) = keys(rows);
    for board in &boards {
        for &family in &families {
            let of: Vec<&Row> = rows.iter().filter(|r| &r.board == board && r.cell.family == family).collect();
            if of.is_empty() {
                continue;
            }
            let unit = family.unit();
            let _ = write!(
                s,
                "\n### {board}: {}\n\n| cell | {unit}s | fan-in | ref instr | ref instr/{unit} | opt instr | opt instr/{unit} | opt/ref | bound | status |\n\
                 |---|---:|---:|---:|---:|---:|---:|---:|---|---|\n",
                family.as_str()
            );
            for r in of {
                let status = match (r.bit_exact(), r.status()) {
                    (false, _) => "NOT BIT-EXACT",
                    (true, Status::Pass) => "ok",
                    (true, Status::Miss) => "MISS",
                    (true, Status::Unbounded) if degenerate(&r.cell) => "degenerate",
                    (true, Status::Unbounded) => "-",
                    (true, Status::NotMeasured) => "not measured",
                };
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {status} |",
                    r.cell.name,
                    thousands(r.units()),
                    r.cell.fan_in,
                    instr(r.reference.as_ref()),
                    opt2(r.per_unit(Variant::Reference)),
                    instr(r.optimized.as_ref()),
                    opt2(r.per_unit(Variant::Optimized)),
                    r.ratio().map_or("-".into(), |x| format!("{x:.3}")),
                    r.bound().map_or("-".into(), |b| b.describe()),
                );
            }
        }
    }
    s
}

/// The rows over their bound, one line each.
pub fn misses(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .filter(|r| r.status() == Status::Miss)
        .map(|r| {
            let measured = match r.bound() {
                Some(Bound::Ratio) => format!("opt/ref {:.3}", r.ratio().unwrap_or(f64::NAN)),
                _ => format!("{} instr/{}", opt2(r.per_unit(Variant::Optimized)), r.cell.family.unit()),
            };
            format!(
                "{} {}: {measured}, bound {}",
                r.board,
                r.cell.name,
                r.bound().map_or(String::new(), Bound::describe)
            )
        })
        .collect()
}

/// The rows as JSON: the grid parameters, both variants' figures, bound and status.
pub fn json(rows: &[Row], opt_level: &str) -> Value {
    let run = |r: &Row, v: Variant| {
        r.get(v).map(|m| {
            json!({
                "ticks": m.ticks,
                "instructions": m.instructions,
                "per_unit": r.per_unit(v),
                "arena": m.arena,
                "bit_exact": m.check_ok,
            })
        })
    };
    let cells: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "board": r.board,
                "cell": r.cell.name,
                "family": r.cell.family.as_str(),
                "params": r.cell.params,
                "fan_in": r.cell.fan_in,
                "elements": r.cell.elements,
                "unit": r.cell.family.unit(),
                "units": r.units(),
                "ref": run(r, Variant::Reference),
                "opt": run(r, Variant::Optimized),
                "opt_over_ref": r.ratio(),
                "degenerate": degenerate(&r.cell),
                "bound": r.bound().map(Bound::describe),
                "status": format!("{:?}", r.status()).to_lowercase(),
            })
        })
        .collect();
    json!({
        "what": "emulated instructions (QEMU -icount shift=0, SysTick) per single-layer cell",
        "opt_level": opt_level,
        "rows": cells,
    })
}
