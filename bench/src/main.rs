//! `cargo run -p tinyml-bench --release -- [--board B]... [--model M]... [--variant ref|opt]
//! [--opt-level 3|s|z|2]`: builds and runs the benchmark matrix and prints a Markdown table.
//! Defaults: every emulated board, every shared model, both variants, opt-level 3.

use anyhow::{bail, Result};
use tinyml_bench::{measure, table, Board, Config, Variant, BOARDS, MODELS};

fn main() -> Result<()> {
    let mut cfg = Config::from_env();
    let (mut boards, mut models, mut variants) = (Vec::new(), Vec::new(), Vec::new());
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| anyhow::anyhow!("{a} needs a value"));
        match a.as_str() {
            "--board" => boards.push(value()?),
            "--model" => {
                let m = value()?;
                match MODELS.iter().find(|p| tinyml_bench::stem(p) == m || **p == m) {
                    Some(p) => models.push(p.to_string()),
                    None => bail!("unknown model {m}; known: {MODELS:?}"),
                }
            }
            "--variant" => variants.push(match value()?.as_str() {
                "ref" => Variant::Reference,
                "opt" => Variant::Optimized,
                v => bail!("unknown variant {v} (ref or opt)"),
            }),
            "--opt-level" => cfg.opt_level = value()?,
            "-h" | "--help" => {
                println!("usage: tinyml-bench [--board B]... [--model M]... [--variant ref|opt]... [--opt-level L]");
                return Ok(());
            }
            _ => bail!("unknown argument {a}"),
        }
    }
    if boards.is_empty() {
        boards = BOARDS.iter().map(|s| s.to_string()).collect();
    }
    if models.is_empty() {
        models = MODELS.iter().map(|s| s.to_string()).collect();
    }
    if variants.is_empty() {
        variants = vec![Variant::Reference, Variant::Optimized];
    }
    let mut rows = Vec::new();
    let mut failed = false;
    for b in &boards {
        let board = Board::load(&cfg.root, b)?;
        for m in &models {
            for &v in &variants {
                let r = measure(&cfg, &board, m, v)?;
                eprintln!(
                    "{:<11} {:<24} {} {:>11} instr {:>6.2}/MAC arena {:>6} flash {:>7} {}",
                    r.board,
                    r.model,
                    v.as_str(),
                    r.instructions,
                    r.per_mac(),
                    r.arena,
                    r.flash,
                    if r.check_ok { "ok" } else { "OUTPUT MISMATCH" }
                );
                failed |= !r.check_ok;
                rows.push(r);
            }
        }
    }
    println!("opt-level {}; emulated instructions per inference (QEMU -icount shift=0, SysTick)\n", cfg.opt_level);
    print!("{}", table(&rows));
    if failed {
        bail!("some outputs differ from the host run");
    }
    Ok(())
}
