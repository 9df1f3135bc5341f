//! The Markdown tables `tinyml-bench` prints: reference vs optimized kernels, and the
//! microflow rows beside the optimized figures of the same run.

use crate::measurement::{Measurement, Unmeasured, Variant};
use cargo_tinyml::format::grouped as thousands;

/// A Markdown table of reference vs optimized figures, one row per board and model.
pub fn table(rows: &[Measurement]) -> String {
    let mut s = String::from(
        "| board | model | MACs | ref instr | ref instr/MAC | opt instr | opt instr/MAC | opt/ref | arena B (ref/opt) | flash B (ref/opt) | bit-exact |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for (board, model) in keys(rows, |v| v != Variant::Microflow) {
        let get = |v| rows.iter().find(|m| m.board == board && m.model == model && m.variant == v);
        let (r, o) = (get(Variant::Reference), get(Variant::Optimized));
        let macs = r.or(o).map(|m| m.macs).unwrap_or(0);
        let instr = |m: Option<&Measurement>| m.map(|m| thousands(m.instructions)).unwrap_or("-".into());
        let per = |m: Option<&Measurement>| m.map(|m| format!("{:.2}", m.per_mac())).unwrap_or("-".into());
        let ratio = match (r, o) {
            (Some(r), Some(o)) => format!("{:.3}", o.instructions as f64 / r.instructions as f64),
            _ => "-".into(),
        };
        let pair = |f: fn(&Measurement) -> u64| {
            format!(
                "{} / {}",
                r.map(|m| thousands(f(m))).unwrap_or("-".into()),
                o.map(|m| thousands(f(m))).unwrap_or("-".into())
            )
        };
        let ok = [r, o].iter().flatten().all(|m| m.check_ok);
        s.push_str(&format!(
            "| {board} | {model} | {} | {} | {} | {} | {} | {ratio} | {} | {} | {} |\n",
            thousands(macs),
            instr(r),
            per(r),
            instr(o),
            per(o),
            pair(|m| m.arena),
            pair(|m| m.flash),
            if ok { "yes" } else { "NO" }
        ));
    }
    s
}

/// The (board, model) pairs of `rows` whose variant passes `which`, in first-seen order.
fn keys(rows: &[Measurement], which: impl Fn(Variant) -> bool) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = Vec::new();
    for m in rows.iter().filter(|m| which(m.variant)) {
        let k = (m.board.clone(), m.model.clone());
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

/// A Markdown table of the microflow rows: instructions, the ratio to the optimized and
/// reference kernels of the same run (`-` when not measured), stack high-water, static
/// RAM, flash and bit-exactness; then one row per model microflow could not build or run.
pub fn microflow_table(rows: &[Measurement], unmeasured: &[Unmeasured]) -> String {
    let mut s = String::from(
        "| board | model | MACs | microflow instr | instr/MAC | x opt | x ref | stack high-water B | .data+.bss B | flash B | bit-exact |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for (board, model) in keys(rows, |v| v == Variant::Microflow) {
        let get = |v| rows.iter().find(|m| m.board == board && m.model == model && m.variant == v);
        let Some(m) = get(Variant::Microflow) else { continue };
        let times = |other: Option<&Measurement>| {
            other.map(|o| format!("{:.2}", m.instructions as f64 / o.instructions as f64)).unwrap_or("-".into())
        };
        let exact = match m.max_abs_diff {
            _ if m.check_ok => "yes".to_owned(),
            Some(d) => format!("no (max diff {d})"),
            None => "no".to_owned(),
        };
        s.push_str(&format!(
            "| {board} | {model} | {} | {} | {:.2} | {} | {} | {} | {} | {} | {exact} |\n",
            thousands(m.macs),
            thousands(m.instructions),
            m.per_mac(),
            times(get(Variant::Optimized)),
            times(get(Variant::Reference)),
            m.stack.map(thousands).unwrap_or("-".into()),
            thousands(m.static_ram),
            thousands(m.flash),
        ));
    }
    for u in unmeasured.iter().filter(|u| u.variant == Variant::Microflow) {
        s.push_str(&format!(
            "| {} | {} | - | - | - | - | - | - | - | - | not built: {} |\n",
            u.board,
            u.model,
            u.error.replace('|', "\\|")
        ));
    }
    s
}
