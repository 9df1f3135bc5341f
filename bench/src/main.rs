//! `cargo run -p tinyml-bench --release -- [--board B]... [--model M|PATH.tflite]...
//! [--variant ref|opt|microflow]... [--opt-level 3|s|z|2] [--memory ram|balanced|speed]`:
//! builds and runs the benchmark matrix and prints Markdown tables. Defaults: every emulated board, every shared model,
//! all three variants, opt-level 3.
//!
//! The run fails when a tinyml variant cannot be built or run, or its output differs from
//! the host run. microflow is a peer under measurement: a model it cannot compile becomes
//! a `not built` row and an output that differs a `no` in its bit-exact column.
//!
//! `cargo run -p tinyml-bench --release -- sweep [...]`: the shape sweep of single-layer
//! models ([`tinyml_bench::sweep`]; `sweep --help`).

use anyhow::{bail, Result};
use tinyml_bench::{measure, microflow_table, table, Config, Unmeasured, Variant, BOARDS, MODELS};

fn main() -> Result<()> {
    let mut cfg = Config::from_env();
    let (mut boards, mut models, mut variants) = (Vec::new(), Vec::new(), Vec::new());
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("sweep") {
        return match tinyml_bench::sweep::Cmd::parse(args.skip(1), &mut cfg)? {
            Some(cmd) => cmd.run(&cfg),
            None => {
                println!("{}", tinyml_bench::sweep::USAGE);
                Ok(())
            }
        };
    }
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| anyhow::anyhow!("{a} needs a value"));
        match a.as_str() {
            "--board" => boards.push(value()?),
            "--model" => {
                let m = value()?;
                match MODELS.iter().find(|p| tinyml_bench::stem(p) == m || **p == m) {
                    Some(p) => models.push(p.to_string()),
                    // Any other model by its path: the bench measures users' models the
                    // same way (an absolute path, since the shared ones are relative to
                    // the models directory).
                    None if m.ends_with(".tflite") && std::path::Path::new(&m).is_file() => {
                        models.push(std::path::absolute(&m)?.to_string_lossy().into_owned())
                    }
                    None => bail!("unknown model {m}; known: {MODELS:?}, or the path of a .tflite file"),
                }
            }
            "--variant" => variants.push(value()?.parse::<Variant>()?),
            "--opt-level" => cfg.opt_level = value()?,
            "--memory" => {
                let m = value()?;
                if !["ram", "balanced", "speed"].contains(&m.as_str()) {
                    bail!("--memory {m}: expected ram, balanced or speed");
                }
                cfg.memory = Some(m);
            }
            "-h" | "--help" => {
                println!(
                    "usage: tinyml-bench [--board B]... [--model M|PATH.tflite]... [--variant ref|opt|microflow]... [--opt-level L] [--memory ram|balanced|speed]\n       {}",
                    tinyml_bench::sweep::USAGE
                );
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
        variants = Variant::ALL.to_vec();
    }
    let (mut rows, mut unmeasured) = (Vec::new(), Vec::new());
    let mut failed = false;
    // A bar over the configurations when stderr is a terminal (a cold build takes
    // minutes); each row's line is printed above it, and logs get the plain lines only.
    let total = (boards.len() * models.len() * variants.len()) as u64;
    let bar = cargo_tinyml::progress::bar("benchmark", total);
    let say = |line: String| match &bar {
        Some(b) => b.println(line),
        None => eprintln!("{line}"),
    };
    for b in &boards {
        let board = tinyml_bench::board(b)?;
        for m in &models {
            for &v in &variants {
                if let Some(b) = &bar {
                    b.set_message(format!("{} {} {}", board.name, tinyml_bench::stem(m), v.as_str()));
                    b.inc(1);
                }
                let r = match measure(&cfg, &board, m, v) {
                    Ok(r) => r,
                    Err(e) if v == Variant::Microflow => {
                        let error = format!("{e:#}");
                        say(format!(
                            "{:<11} {:<24} {} not built: {error}",
                            board.name,
                            tinyml_bench::stem(m),
                            v.as_str()
                        ));
                        unmeasured.push(Unmeasured {
                            board: board.name.clone(),
                            model: tinyml_bench::stem(m),
                            variant: v,
                            error,
                        });
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let ram = match r.stack {
                    Some(stack) => format!("stack {stack:>6}"),
                    None => format!("arena {:>6}", r.arena),
                };
                say(format!(
                    "{:<11} {:<24} {:<9} {:>11} instr {:>6.2}/MAC {ram} flash {:>7} {}",
                    r.board,
                    r.model,
                    v.as_str(),
                    r.instructions,
                    r.per_mac(),
                    r.flash,
                    match (r.check_ok, r.max_abs_diff) {
                        (true, _) => "ok".to_owned(),
                        (false, Some(d)) => format!("not bit-exact (max diff {d})"),
                        (false, None) => "OUTPUT MISMATCH".to_owned(),
                    }
                ));
                failed |= !r.check_ok && v != Variant::Microflow;
                rows.push(r);
            }
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    println!("opt-level {}; emulated instructions per inference (QEMU -icount shift=0, SysTick)\n", cfg.opt_level);
    if rows.iter().any(|r| r.variant != Variant::Microflow) {
        print!("{}", table(&rows));
    }
    if variants.contains(&Variant::Microflow) {
        println!("\nmicroflow {}:\n", tinyml_bench::MICROFLOW_VERSION);
        print!("{}", microflow_table(&rows, &unmeasured));
    }
    if failed {
        bail!("some outputs differ from the host run");
    }
    Ok(())
}
